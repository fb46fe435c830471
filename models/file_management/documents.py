"""Seed 000 `file_management/document_upload.py` (and `FileAnalytics`): a hostel's document
types, the documents residents and booking guests hand in (a stored `FileUpload` as a document of
a type), the checks run on them, their OCR record, staff verification with its history, and their
expiry with the alerts sent before it.

Who reads a document: hostel staff every one of their hostel; the resident it is about, or the
booker of the booking it belongs to, their own. Checks, OCR, verifications, expiry and alerts
follow their document. Workflows: resolvers/file_management/documents.py.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING, Any

from sqlalchemy import ARRAY, CheckConstraint, ForeignKey, Integer, String, UniqueConstraint, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from models.base import ActiveMixin, Base, HostelTenantMixin, enum_column, hostel_table, reference
from models.entity import Entity, Writes
from models.file_management import FileUpload, own_documents
from models.hostel.access import MEMBERS, STAFF, is_staff

if TYPE_CHECKING:  # names of string annotations (SQLAlchemy resolves them through its registry)
    from models.booking import Booking
    from models.hostel_student import HostelStudent

SERVICE = "resolvers.file_management.documents"


class DocumentStatus(enum.Enum):
    INVALID = "INVALID"  # failed a check on submission: hand it in again
    PENDING = "PENDING"  # waits for a staff member's verification
    ACCEPTED = "ACCEPTED"  # its type needs no verification
    VERIFIED = "VERIFIED"
    REJECTED = "REJECTED"
    EXPIRED = "EXPIRED"  # set by the `document_expiries` job after its expiry date


class DocumentCheck(enum.Enum):
    CONTENT_TYPE = "CONTENT_TYPE"
    SIZE = "SIZE"
    REQUIRED_FIELDS = "REQUIRED_FIELDS"
    EXPIRY = "EXPIRY"


class OcrStatus(enum.Enum):
    PENDING = "PENDING"
    DONE = "DONE"
    FAILED = "FAILED"


class DocumentExpiryStatus(enum.Enum):
    ACTIVE = "ACTIVE"
    EXPIRED = "EXPIRED"


def _me(ctx: Any, bind: Any) -> Any:
    return bind(ctx.user_id if ctx.user_id is not None else -1)


def readable_documents(column: str | None = None) -> Any:
    """Row filter of a document (`column` None) or of a row hanging off one (`column` its key)."""

    def row_filter(ctx: Any, alias: Any, bind: Any) -> Any:
        if is_staff(ctx):
            return None
        if column is None:
            return "self", own_documents(ctx, bind, alias)
        documents = DocumentUpload.__table__
        return "self", alias.c[column].in_(select(documents.c.id).where(own_documents(ctx, bind, documents)))

    return row_filter


class DocumentType(ActiveMixin, HostelTenantMixin, Base):
    """Master data: a kind of document the hostel asks for (ID proof, police verification,
    medical certificate): the fields a submission must fill, the file types and size it accepts,
    how long one is valid and when its owner is reminded, and whether staff verify it and OCR
    reads it."""

    __tablename__ = "document_types"
    __table_args__ = hostel_table(
        extra=(
            UniqueConstraint("hostel_id", "code"),
            CheckConstraint("max_size_bytes IS NULL OR max_size_bytes > 0", name="max_size_positive"),
            CheckConstraint("validity_days IS NULL OR validity_days > 0", name="validity_positive"),
        )
    )
    __entity__ = Entity(
        read=MEMBERS,
        list="documentTypes",
        about="The kinds of documents the hostel asks for.",
        filter=("code", "name", "requires_verification", "ocr_enabled", "active"),
        order=("name", "code", "created_at"),
        write=Writes(
            STAFF,
            fields=(
                "code",
                "name",
                "description",
                "required_fields",
                "allowed_content_types",
                "max_size_bytes",
                "validity_days",
                "expiry_required",
                "alert_days",
                "requires_verification",
                "ocr_enabled",
            ),
            required=("code", "name"),
            immutable=("code",),
            validate=f"{SERVICE}.check_document_type",
        ),
    )

    code: Mapped[str] = mapped_column(String(50), comment="Short unique code, e.g. ID_PROOF.")
    name: Mapped[str]
    description: Mapped[str | None]
    required_fields: Mapped[list[str]] = mapped_column(
        ARRAY(String(50)), default=list, server_default="{}", comment="Field names a submission must fill."
    )
    allowed_content_types: Mapped[list[str]] = mapped_column(
        ARRAY(String(100)), default=list, server_default="{}", comment="Media types accepted; empty: any stored type."
    )
    max_size_bytes: Mapped[int | None] = mapped_column(comment="Largest file accepted; None: the upload limit.")
    validity_days: Mapped[int | None] = mapped_column(
        comment="Days a document stays valid from submission when no expiry date is given; None: no default."
    )
    expiry_required: Mapped[bool] = mapped_column(
        default=False, server_default="false", comment="A submission must end up with an expiry date."
    )
    alert_days: Mapped[list[int]] = mapped_column(
        ARRAY(Integer),
        default=lambda: [30, 7],  # as the server default
        server_default="{30,7}",
        comment="Days before expiry the owner and staff are told.",
    )
    requires_verification: Mapped[bool] = mapped_column(default=True, server_default="true")
    ocr_enabled: Mapped[bool] = mapped_column(default=False, server_default="false")


class DocumentUpload(HostelTenantMixin, Base):
    """A stored file handed in as a document of a type, for a resident or for a booking's guest
    (`documentSubmit`): the fields it states, its status (checks, then staff verification), its
    expiry."""

    __tablename__ = "document_uploads"
    __table_args__ = hostel_table(
        extra=(CheckConstraint("num_nonnulls(student_id, booking_id) = 1", name="one_owner"),)
    )
    __entity__ = Entity(
        read=MEMBERS,
        rows=readable_documents(),
        list="documentUploads",
        about="Staff see every document of the hostel; a resident their own and their bookings' guests'.",
        filter=("document_type_id", "student_id", "booking_id", "status", "expires_on", "created_at"),
        order=("created_at", "expires_on", "status"),
    )

    document_type: Mapped[DocumentType] = reference(back="documents")
    file: Mapped[FileUpload] = reference(back="documents")
    student: Mapped[HostelStudent | None] = reference(back="document_uploads", comment="The resident it is about.")
    booking: Mapped[Booking | None] = reference(back="document_uploads", comment="The booking whose guest it is about.")
    guest_name: Mapped[str | None] = mapped_column(comment="Which guest of the booking, when it is a booking's.")
    field_values: Mapped[dict[str, Any]] = mapped_column(
        JSONB, default=dict, server_default="{}", comment="What the document states (its type's required fields)."
    )
    status: Mapped[DocumentStatus] = enum_column(DocumentStatus, DocumentStatus.PENDING)
    expires_on: Mapped[dt.date | None]
    submitted_by: Mapped[int] = mapped_column(ForeignKey("users.id"), comment="Who handed it in.")
    verified_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    verified_at: Mapped[dt.datetime | None]
    rejection_reason: Mapped[str | None]


class DocumentValidation(HostelTenantMixin, Base):
    """Append-only: one check run on a document when it was handed in, passed or not, and why."""

    __tablename__ = "document_validations"
    __table_args__ = hostel_table(extra=(UniqueConstraint("hostel_id", "document_id", "check_name"),))
    __entity__ = Entity(
        read=MEMBERS,
        rows=readable_documents("document_id"),
        filter=("document_id", "check_name", "passed"),
        order=("created_at",),
        append_only=True,
    )

    document: Mapped[DocumentUpload] = reference(back="validations")
    check_name: Mapped[DocumentCheck] = enum_column(DocumentCheck)
    passed: Mapped[bool]
    message: Mapped[str]


class DocumentOCR(HostelTenantMixin, Base):
    """What OCR read from a document (its type with `ocrEnabled`): made by the `ocr_document` job
    through the configured `OcrEngine` (resolvers/file_management/ocr.py)."""

    __tablename__ = "document_ocr"
    __table_args__ = hostel_table(extra=(UniqueConstraint("hostel_id", "document_id"),))
    __entity__ = Entity(
        read=MEMBERS,
        rows=readable_documents("document_id"),
        filter=("document_id", "status"),
        order=("created_at",),
    )

    document: Mapped[DocumentUpload] = reference(back="ocr")
    status: Mapped[OcrStatus] = enum_column(OcrStatus, OcrStatus.PENDING)
    engine: Mapped[str | None] = mapped_column(comment="The OCR engine that read it.")
    text: Mapped[str | None] = mapped_column(comment="The full text read.")
    extracted_fields: Mapped[dict[str, Any]] = mapped_column(
        JSONB, default=dict, server_default="{}", comment="Fields recognised in the text."
    )
    confidence_percent: Mapped[int | None] = mapped_column(comment="0 to 100, as the engine rates its reading.")
    error: Mapped[str | None]
    processed_at: Mapped[dt.datetime | None]


class DocumentVerification(HostelTenantMixin, Base):
    """Append-only: a document's status history: each move (submitted, verified, rejected,
    expired), by whom (None: a job) and why."""

    __tablename__ = "document_verifications"
    __table_args__ = hostel_table()
    __entity__ = Entity(
        read=MEMBERS,
        rows=readable_documents("document_id"),
        list="documentVerifications",
        about="Status history of the documents you may read.",
        filter=("document_id", "to_status", "decided_by", "created_at"),
        order=("created_at",),
        append_only=True,
    )

    document: Mapped[DocumentUpload] = reference(back="verifications")
    from_status: Mapped[DocumentStatus | None] = enum_column(DocumentStatus, nullable=True)
    to_status: Mapped[DocumentStatus] = enum_column(DocumentStatus)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), comment="None: the expiry job.")
    reason: Mapped[str | None]


class DocumentExpiry(HostelTenantMixin, Base):
    """The expiry of a document with an expiry date, and the alerts sent before it (the job
    `document_expiries`)."""

    __tablename__ = "document_expiries"
    __table_args__ = hostel_table(extra=(UniqueConstraint("hostel_id", "document_id"),))
    __entity__ = Entity(
        read=MEMBERS,
        rows=readable_documents("document_id"),
        list="documentExpiries",
        about="Documents with an expiry date, soonest first with orderBy EXPIRES_ON.",
        filter=("document_id", "expires_on", "status"),
        order=("expires_on", "created_at"),
    )

    document: Mapped[DocumentUpload] = reference(back="expiries")
    expires_on: Mapped[dt.date]
    alert_days: Mapped[list[int]] = mapped_column(ARRAY(Integer), comment="Days before expiry alerts go out.")
    status: Mapped[DocumentExpiryStatus] = enum_column(DocumentExpiryStatus, DocumentExpiryStatus.ACTIVE)
    last_alert_days: Mapped[int | None] = mapped_column(comment="Days before expiry of the last alert sent.")
    expired_at: Mapped[dt.datetime | None]


class DocumentExpiryAlert(HostelTenantMixin, Base):
    """Append-only: an alert sent for a document's expiry, once per document and alert day (a
    unique key: running the job again sends nothing twice). `daysBefore` 0: the expiry itself."""

    __tablename__ = "document_expiry_alerts"
    __table_args__ = hostel_table(extra=(UniqueConstraint("hostel_id", "expiry_id", "days_before"),))
    __entity__ = Entity(
        read=MEMBERS,
        rows=lambda ctx, alias, bind: (
            None
            if is_staff(ctx)
            else (
                "self",
                alias.c.expiry_id.in_(
                    select(DocumentExpiry.__table__.c.id).where(
                        DocumentExpiry.__table__.c.document_id.in_(
                            select(DocumentUpload.__table__.c.id).where(
                                own_documents(ctx, bind, DocumentUpload.__table__)
                            )
                        )
                    )
                ),
            )
        ),
        filter=("expiry_id", "days_before"),
        order=("created_at",),
        append_only=True,
    )

    expiry: Mapped[DocumentExpiry] = reference(back="alerts")
    days_before: Mapped[int]
    recipients: Mapped[int] = mapped_column(comment="How many people were told.")


class FileAnalytics(HostelTenantMixin, Base):
    """Computed, never typed in: a file's use (downloads, downloaders, favourites, versions) as of
    `computedAt`, by the `compute_file_analytics` job (daily) or `fileAnalyticsRefresh`."""

    __tablename__ = "file_analytics"
    __table_args__ = hostel_table(extra=(UniqueConstraint("hostel_id", "file_id"),))
    __entity__ = Entity(
        read=STAFF,
        list="fileAnalytics",
        about="How much each file of the hostel is used (hostel staff).",
        filter=("file_id", "downloads_total", "computed_at"),
        order=("downloads_total", "downloads_30_days", "computed_at"),
    )

    file: Mapped[FileUpload] = reference(back="analytics")
    downloads_total: Mapped[int]
    downloads_30_days: Mapped[int] = mapped_column(comment="Downloads in the 30 days before computedAt.")
    unique_downloaders: Mapped[int]
    favorites: Mapped[int]
    versions: Mapped[int]
    bytes_stored: Mapped[int] = mapped_column(comment="Bytes of every version kept.")
    last_downloaded_at: Mapped[dt.datetime | None]
    computed_at: Mapped[dt.datetime]
