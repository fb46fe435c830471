"""Seed 000 `file_management/`: a hostel's stored files, their versions, resumable upload
sessions and their parts, quotas, the download log, and images' dimensions and variants.

Who reads which file: hostel staff every file of their hostel; any other member (a resident)
the files they uploaded, those shared with the whole hostel (`accessLevel: HOSTEL`), those
granted to them, and those handed in as their documents (documents.py, and a resident's
`HostelStudentDocument`); the booker of a booking (a visitor, without a tenant) the files handed
in for it (`FileUpload.booking`: a `GuestDocument`'s, or a `DocumentUpload` of the booking). A
version, a variant, an image's details follow their file. The bytes are in the storage of
kit/storage.py; downloads go through signed, expiring URLs (`FileUpload.downloadUrl`).
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING, Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, UniqueConstraint, func, or_, select
from sqlalchemy.orm import Mapped, mapped_column

from models.base import ActiveMixin, Base, HostelTenantMixin, enum_column, hostel_table, reference
from auth.permissions import AUTHENTICATED
from models.entity import Entity, Writes
from models.hostel.access import ADMINS, MEMBERS, STAFF, is_staff, my_student_ids

if TYPE_CHECKING:  # names of string annotations (SQLAlchemy resolves them through its registry)
    from models.booking import Booking


class FileAccessLevel(enum.Enum):
    PRIVATE = "PRIVATE"  # the uploader and the hostel's staff
    HOSTEL = "HOSTEL"  # every member of the hostel


class UploadSessionStatus(enum.Enum):
    OPEN = "OPEN"
    COMPLETED = "COMPLETED"
    ABORTED = "ABORTED"
    EXPIRED = "EXPIRED"  # still open when its time was up (the hourly `prune_upload_sessions`)


class ImageProcessingStatus(enum.Enum):
    PENDING = "PENDING"
    DONE = "DONE"
    FAILED = "FAILED"


class ImageVariantKind(enum.Enum):
    THUMBNAIL = "THUMBNAIL"  # fits 256 x 256
    WEB = "WEB"  # fits 1600 x 1600


def _me(ctx: Any, bind: Any) -> Any:
    return bind(ctx.user_id if ctx.user_id is not None else -1)


def _granted(ctx: Any, bind: Any) -> Any:
    """Ids of the files shared with the caller by a `FileAccess` grant still in force."""
    grants = FileAccess.__table__
    return select(grants.c.file_id).where(
        grants.c.user_id == _me(ctx, bind), or_(grants.c.expires_at.is_(None), grants.c.expires_at > func.now())
    )


def own_documents(ctx: Any, bind: Any, documents: Any) -> Any:
    """A non-staff caller's documents (`documents`: the document_uploads table or an alias):
    about their resident record, or of a booking they made."""
    import models

    return or_(
        documents.c.student_id.in_(my_student_ids(ctx, bind)),
        documents.c.booking_id.in_(models.Booking.ids_booked_by(_me(ctx, bind))),
    )


def _my_documents_files(ctx: Any, bind: Any) -> Any:
    """Files handed in as documents the caller owns (about them, or their bookings' guests): staff
    may have uploaded them for the resident. (The tables by name: documents.py imports this module.)"""
    documents = Base.metadata.tables["document_uploads"]
    resident_documents = Base.metadata.tables["hostel_student_documents"]
    return (
        select(documents.c.file_id)
        .where(own_documents(ctx, bind, documents))
        .union_all(
            select(resident_documents.c.file_id).where(
                resident_documents.c.student_id.in_(my_student_ids(ctx, bind)),
                resident_documents.c.file_id.is_not(None),
            )
        )
    )


def _my_bookings(ctx: Any, bind: Any) -> Any:
    import models

    return models.Booking.ids_booked_by(_me(ctx, bind))


def readable_files(column: str | None = None) -> Any:
    """Row filter of a file (`column` None) or of a row hanging off one (`column` its key):
    staff see all; anyone else their own uploads, the files shared with the hostel and those
    granted to them (`FileAccess`)."""

    def row_filter(ctx: Any, alias: Any, bind: Any) -> Any:
        if is_staff(ctx):
            return None
        files = alias if column is None else FileUpload.__table__
        visible = or_(
            files.c.uploaded_by == _me(ctx, bind),
            files.c.access_level == bind(FileAccessLevel.HOSTEL.value),
            files.c.id.in_(_granted(ctx, bind)),
            files.c.id.in_(_my_documents_files(ctx, bind)),
            files.c.booking_id.in_(_my_bookings(ctx, bind)),
        )
        if column is None:
            return "self", visible
        return "self", alias.c[column].in_(select(files.c.id).where(visible))

    return row_filter


def own_rows(column: str) -> Any:
    """Rows of one user (their upload sessions, their quota): staff see all."""

    def row_filter(ctx: Any, alias: Any, bind: Any) -> Any:
        if is_staff(ctx):
            return None
        return "self", alias.c[column] == _me(ctx, bind)

    return row_filter


class FileUpload(ActiveMixin, HostelTenantMixin, Base):
    """A stored file of a hostel (a form, a notice, a photo, a scanned document): its name, the
    type detected from its content, size and checksum of its current version. Uploaded with
    `fileUpload` (one request) or an upload session (resumable, in parts); a new upload to the
    same file adds a version."""

    __tablename__ = "file_uploads"
    __table_args__ = hostel_table(extra=(CheckConstraint("size_bytes >= 0 AND current_version >= 1", name="sane"),))
    __entity__ = Entity(
        read=AUTHENTICATED,  # the rows say who: a visitor reads the files of their bookings (owner_via)
        rows=readable_files(),
        list="fileUploads",
        about="Staff see every file of the hostel; a resident their own and those shared with the hostel.",
        filter=("file_name", "content_type", "access_level", "uploaded_by", "is_image", "active", "created_at"),
        order=("created_at", "file_name", "size_bytes"),
        write=Writes(STAFF, fields=("description", "access_level"), verbs=("update", "deactivate")),
        owner_via="booking_id",  # a guest's document: its booker (a visitor, no tenant) reads it with the booking
    )

    file_name: Mapped[str] = mapped_column(comment="The name it was uploaded under, cleaned (no folders).")
    description: Mapped[str | None]
    content_type: Mapped[str] = mapped_column(comment="Media type detected from the content, not the client's word.")
    extension: Mapped[str] = mapped_column(comment="The usual extension of the detected type.")
    size_bytes: Mapped[int] = mapped_column(comment="Size of the current version.")
    sha256: Mapped[str] = mapped_column(comment="SHA-256 of the current version (hex).")
    current_version: Mapped[int] = mapped_column(default=1, server_default="1")
    access_level: Mapped[FileAccessLevel] = enum_column(FileAccessLevel, FileAccessLevel.PRIVATE)
    is_image: Mapped[bool] = mapped_column(default=False, server_default="false")
    uploaded_by: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True, comment="The user who uploaded it.")
    booking: Mapped[Booking | None] = reference(
        comment="The booking it was handed in for (a guest's document): that booking's booker reads it too, "
        "without a tenant, as they read the booking."
    )


class FileAccess(HostelTenantMixin, Base):
    """A grant: one user of the hostel may read one file (until `expiresAt`), given by staff or by
    the file's uploader (`fileAccessGrant`, `fileAccessRevoke`)."""

    __tablename__ = "file_access"
    __table_args__ = hostel_table(extra=(UniqueConstraint("hostel_id", "file_id", "user_id"),))
    __entity__ = Entity(
        read=MEMBERS,
        rows=lambda ctx, alias, bind: (
            None
            if is_staff(ctx)
            else (
                "self",
                or_(
                    alias.c.user_id == _me(ctx, bind),
                    alias.c.file_id.in_(
                        select(FileUpload.__table__.c.id).where(FileUpload.__table__.c.uploaded_by == _me(ctx, bind))
                    ),
                ),
            )
        ),
        list="fileAccessGrants",
        about="Staff see every grant; a member the grants to them and on their own files.",
        filter=("file_id", "user_id", "expires_at"),
        order=("created_at", "expires_at"),
    )

    file: Mapped[FileUpload] = reference(back="grants")
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True, comment="Who may read the file.")
    expires_at: Mapped[dt.datetime | None] = mapped_column(comment="None: until revoked.")


class FileVersion(HostelTenantMixin, Base):
    """Append-only: one stored version of a file; the file shows its latest."""

    __tablename__ = "file_versions"
    __table_args__ = hostel_table(extra=(UniqueConstraint("hostel_id", "file_id", "version_number"),))
    __entity__ = Entity(
        read=MEMBERS,
        rows=readable_files("file_id"),
        filter=("file_id", "version_number", "created_at"),
        order=("version_number", "created_at"),
        append_only=True,
    )

    file: Mapped[FileUpload] = reference(back="versions")
    version_number: Mapped[int]
    storage_key: Mapped[str] = mapped_column(comment="Where the bytes are in the file storage.")
    content_type: Mapped[str]
    size_bytes: Mapped[int]
    sha256: Mapped[str]
    uploaded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    upload_session_id: Mapped[int | None] = mapped_column(comment="The resumable upload it came from, if any.")


class FileAccessLog(HostelTenantMixin, Base):
    """Append-only: one row per download of a file, by whom, of which version or variant."""

    __tablename__ = "file_access_logs"
    __table_args__ = hostel_table()
    __entity__ = Entity(
        read=STAFF,
        list="fileAccessLogs",
        about="Who downloaded which file, when (hostel staff).",
        filter=("file_id", "user_id", "created_at"),
        order=("created_at",),
        append_only=True,
    )

    file: Mapped[FileUpload] = reference(back="access_logs")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), comment="Whose signed URL was used.")
    version_number: Mapped[int]
    variant: Mapped[str | None] = mapped_column(comment="THUMBNAIL or WEB when a variant was served.")
    action: Mapped[str] = mapped_column(default="DOWNLOAD", server_default="DOWNLOAD")
    client_ip: Mapped[str | None]


class FileQuota(HostelTenantMixin, Base):
    """Storage allowed to the whole hostel (no user) or to one user in it, and what is used: bytes
    of every version kept. Without a row the defaults apply (FILE_QUOTA_HOSTEL_BYTES,
    FILE_QUOTA_USER_BYTES); `fileQuotaSet` changes a limit."""

    __tablename__ = "file_quotas"
    __table_args__ = hostel_table(
        extra=(
            Index("uq_file_quotas_owner", "hostel_id", "user_id", unique=True, postgresql_nulls_not_distinct=True),
            CheckConstraint("limit_bytes >= 0 AND used_bytes >= 0", name="non_negative"),
        )
    )
    __entity__ = Entity(
        read=MEMBERS,
        rows=own_rows("user_id"),
        list="fileQuotas",
        about="Staff see every quota of the hostel; a user their own.",
        filter=("user_id",),
        order=("used_bytes", "created_at"),
    )

    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), comment="None: the whole hostel.")
    limit_bytes: Mapped[int]
    used_bytes: Mapped[int] = mapped_column(default=0, server_default="0")


class UploadSession(HostelTenantMixin, Base):
    """A resumable upload: the client announces the size, sends numbered parts in any order
    (again after an interruption: a part sent twice replaces itself) and completes it; the parts,
    joined in order, become the file (or its next version)."""

    __tablename__ = "upload_sessions"
    __table_args__ = hostel_table(extra=(CheckConstraint("total_bytes > 0 AND part_bytes > 0", name="sizes"),))
    __entity__ = Entity(
        read=MEMBERS,
        rows=own_rows("user_id"),
        list="uploadSessions",
        about="Staff see every upload session of the hostel; a user their own.",
        filter=("status", "user_id", "created_at"),
        order=("created_at",),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    file_name: Mapped[str]
    description: Mapped[str | None]
    access_level: Mapped[FileAccessLevel] = enum_column(FileAccessLevel, FileAccessLevel.PRIVATE)
    total_bytes: Mapped[int] = mapped_column(comment="The size announced; the parts must add up to it.")
    part_bytes: Mapped[int] = mapped_column(comment="Size of every part but the last.")
    parts_total: Mapped[int]
    sha256: Mapped[str | None] = mapped_column(comment="The whole file's SHA-256 if the client gave it: checked.")
    status: Mapped[UploadSessionStatus] = enum_column(UploadSessionStatus, UploadSessionStatus.OPEN)
    expires_at: Mapped[dt.datetime]
    completed_at: Mapped[dt.datetime | None]
    parts_deleted_at: Mapped[dt.datetime | None] = mapped_column(
        comment="When the parts' bytes were deleted (once the session ended: `prune_upload_sessions`)."
    )
    target_file: Mapped[FileUpload | None] = reference(
        target="FileUpload", comment="The file it adds a version to, or (once completed) the file it made."
    )


class MultipartUploadPart(HostelTenantMixin, Base):
    """One received part of an upload session."""

    __tablename__ = "multipart_upload_parts"
    __table_args__ = hostel_table(extra=(UniqueConstraint("hostel_id", "session_id", "part_number"),))
    __entity__ = Entity(
        read=MEMBERS,
        rows=lambda ctx, alias, bind: (
            None
            if is_staff(ctx)
            else (
                "self",
                alias.c.session_id.in_(
                    select(UploadSession.__table__.c.id).where(UploadSession.__table__.c.user_id == _me(ctx, bind))
                ),
            )
        ),
        filter=("session_id", "part_number"),
        order=("part_number",),
    )

    session: Mapped[UploadSession] = reference(back="parts")
    part_number: Mapped[int]
    size_bytes: Mapped[int]
    sha256: Mapped[str]


class ImageUpload(HostelTenantMixin, Base):
    """What an image version is (dimensions, format) and where its processing stands; the job
    `process_image` fills it and makes the variants."""

    __tablename__ = "image_uploads"
    __table_args__ = hostel_table(extra=(UniqueConstraint("hostel_id", "version_id"),))
    __entity__ = Entity(
        read=MEMBERS,
        rows=readable_files("file_id"),
        filter=("file_id", "status"),
        order=("created_at",),
    )

    file: Mapped[FileUpload] = reference(back="images")
    version: Mapped[FileVersion] = reference(target="FileVersion")
    status: Mapped[ImageProcessingStatus] = enum_column(ImageProcessingStatus, ImageProcessingStatus.PENDING)
    width: Mapped[int | None]
    height: Mapped[int | None]
    image_format: Mapped[str | None] = mapped_column(comment="As Pillow names it: JPEG, PNG, WEBP, GIF.")
    color_mode: Mapped[str | None]
    exif: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}", comment="Readable EXIF tags.")
    processed_at: Mapped[dt.datetime | None]
    error: Mapped[str | None]


class ImageVariant(HostelTenantMixin, Base):
    """A smaller copy of an image version, made by the `process_image` job."""

    __tablename__ = "image_variants"
    __table_args__ = hostel_table(extra=(UniqueConstraint("hostel_id", "version_id", "kind"),))
    __entity__ = Entity(
        read=MEMBERS,
        rows=readable_files("file_id"),
        filter=("file_id", "kind"),
        order=("created_at",),
    )

    file: Mapped[FileUpload] = reference(back="variants")
    version: Mapped[FileVersion] = reference(target="FileVersion")
    kind: Mapped[ImageVariantKind] = enum_column(ImageVariantKind)
    width: Mapped[int]
    height: Mapped[int]
    content_type: Mapped[str]
    size_bytes: Mapped[int]
    storage_key: Mapped[str]


class FileTag(ActiveMixin, HostelTenantMixin, Base):
    """Master data: a hostel's labels for its files (hierarchical: `parent`), with how many
    files carry each (kept by `fileTagsSet`)."""

    __tablename__ = "file_tags"
    __table_args__ = hostel_table(extra=(UniqueConstraint("hostel_id", "name"),))
    __entity__ = Entity(
        read=MEMBERS,
        list="fileTags",
        about="Labels of the hostel's files.",
        filter=("name", "parent_id", "active"),
        order=("name", "usage_count"),
        write=Writes(STAFF, fields=("name", "parent_id", "color"), required=("name",)),
    )

    name: Mapped[str]
    parent: Mapped[FileTag | None] = reference(target="FileTag", back="children", comment="The broader tag.")
    color: Mapped[str | None] = mapped_column(comment="How dashboards show it, e.g. #2f80ed.")
    usage_count: Mapped[int] = mapped_column(default=0, server_default="0", comment="Files carrying it.")


class FileTagging(HostelTenantMixin, Base):
    """A tag on a file (set with `fileTagsSet`)."""

    __tablename__ = "file_taggings"
    __table_args__ = hostel_table(extra=(UniqueConstraint("hostel_id", "file_id", "tag_id"),))
    __entity__ = Entity(
        read=MEMBERS,
        rows=readable_files("file_id"),
        filter=("file_id", "tag_id"),
        order=("created_at",),
    )

    file: Mapped[FileUpload] = reference(back="taggings")
    tag: Mapped[FileTag] = reference(back="taggings")


class FileFavorite(HostelTenantMixin, Base):
    """A file a user keeps at hand (`fileFavoriteToggle`); everyone sees only their own."""

    __tablename__ = "file_favorites"
    __table_args__ = hostel_table(extra=(UniqueConstraint("hostel_id", "user_id", "file_id"),))
    __entity__ = Entity(
        read=MEMBERS,
        rows=lambda ctx, alias, bind: ("self", alias.c.user_id == _me(ctx, bind)),
        list="fileFavorites",
        about="Your favourite files.",
        filter=("file_id", "created_at"),
        order=("created_at",),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    file: Mapped[FileUpload] = reference(back="favorites")


# admins (not supervisors) change quotas
QUOTA_WRITERS = ADMINS
