"""Uploads of hostel files: direct (one multipart request) or resumable (an upload session,
numbered parts, completion), versions, quotas, and the signed URLs downloads go through.

Every upload ends in `_store_version`: the type is detected from the content (filetype), the
quotas of the hostel and of the uploader are charged under their row locks (two uploads at once
cannot both squeeze under a limit), the bytes go to the storage (kit/storage.py) under a key made
of ids, and an image gets its `ImageUpload` row and a `process_image` job on the queue, deferred
in the same transaction (no job for an upload that rolled back).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
from pathlib import Path
from typing import Annotated, Any

import filetype
from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert

import models
from kit import writes
from kit.errors import ErrorCode, user_error
from kit.registry import spec_for_model
from kit.storage import storage_for
from kit.uploads import read_upload
from kit.workflow import Doc, Ref
from models.file_management import FileAccessLevel, UploadSessionStatus
from models.hostel.access import is_staff

# what a hostel keeps: scans, photos, forms and sheets; anything else is refused by its content
ALLOWED_TYPES = {
    "application/pdf",
    "image/jpeg",
    "image/png",
    "image/webp",
    "image/gif",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
IMAGE_TYPES = {"image/jpeg", "image/png", "image/webp", "image/gif"}
SESSION_HOURS = 24
IMAGE_QUEUE = "files"


def clean_name(name: str | None) -> str:
    base = Path(name or "file").name
    return re.sub(r"[^A-Za-z0-9._ -]", "_", base).strip()[:200] or "file"


def detect(head: bytes) -> tuple[str, str]:
    kind = filetype.guess(head)
    if kind is None or kind.mime not in ALLOWED_TYPES:
        found = f" (this one is {kind.mime})" if kind is not None else ""
        raise user_error(
            ErrorCode.INVALID, f"Send a PDF, an image (JPEG, PNG, WebP, GIF), a Word or an Excel file{found}.", "file"
        )
    return kind.mime, kind.extension


def _in_hostel(ctx: Any) -> int:
    """The hostel the caller acts in; a platform role without one chooses it first."""
    if ctx.hostel_id is None:
        raise user_error(ErrorCode.INVALID, "Choose a hostel first (X-Tenant-Id with the Hostel's ID).")
    return int(ctx.hostel_id)


async def _member(session: Any, hostel_id: int, user_id: int) -> None:
    """Refuse a user who holds no role in the hostel (NOT_FOUND, as for one that does not exist)."""
    found = await session.execute(
        text(
            "SELECT 1 FROM role_assignments WHERE user_id = :u AND hostel_id = :h AND active "
            "UNION ALL SELECT 1 FROM admin_users a JOIN admin_hostel_assignments h ON h.admin_user_id = a.id "
            "WHERE a.user_id = :u AND h.hostel_id = :h LIMIT 1"
        ),
        {"u": user_id, "h": hostel_id},
    )
    if found.first() is None:
        raise user_error(ErrorCode.NOT_FOUND, "No member of this hostel with this id.", "userId")


def _mb(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB"


def _hostel(ctx: Any, session: Any) -> int:
    """The hostel the transaction writes in: the request's tenant, or the hostel a block scoped it
    to (a visitor's document for their booking: kit/db.py `hostel_scope`)."""
    scope = session.info.get("tenant_scope")
    hostel = scope[1] if scope is not None and scope[1] is not None else ctx.hostel_id
    return int(hostel)


async def _quota(ctx: Any, session: Any, user_id: int | None) -> Any:
    """The quota row of the hostel (user None) or of a user, created with the default limit on
    first use, locked until the transaction ends."""
    q = models.FileQuota
    hostel_id = _hostel(ctx, session)
    limit = ctx.settings.file_quota_hostel_bytes if user_id is None else ctx.settings.file_quota_user_bytes
    await session.execute(
        insert(q)
        .values(hostel_id=hostel_id, user_id=user_id, limit_bytes=limit, used_bytes=0, created_by=ctx.user_id)
        .on_conflict_do_nothing()
    )
    owner = q.user_id.is_(None) if user_id is None else q.user_id == user_id
    return (await session.execute(select(q).where(q.hostel_id == hostel_id, owner).with_for_update())).scalar_one()


async def check_quota(ctx: Any, session: Any, user_id: int, size: int, charge: bool) -> None:
    """Refuse `size` more bytes beyond the hostel's or the user's quota; with `charge`, count them."""
    hostel = await _quota(ctx, session, None)  # always the hostel's first: one lock order, no deadlock
    mine = await _quota(ctx, session, user_id)
    for row, whose in ((hostel, "The hostel's"), (mine, "Your")):
        if row.used_bytes + size > row.limit_bytes:
            raise user_error(
                ErrorCode.CONFLICT,
                f"{whose} storage quota is used up: {_mb(row.used_bytes)} of {_mb(row.limit_bytes)} used, "
                f"this file needs {_mb(size)}.",
                "file",
            )
    if charge:
        for row in (hostel, mine):
            row.used_bytes += size
            row.updated_at, row.updated_by = writes.now_utc(), ctx.user_id


async def _target(ctx: Any, session: Any, file_id: int) -> Any:
    """The file a new version goes to: staff may add to any file of the hostel, others only to
    their own (another's file is NOT_FOUND, as if it did not exist)."""
    file = await writes.get_for_update(ctx, session, spec_for_model(models.FileUpload), file_id)
    if not file.active or (not is_staff(ctx) and file.uploaded_by != ctx.user_id):
        raise user_error(ErrorCode.NOT_FOUND, "No FileUpload with this ID.", "fileId")
    return file


def version_key(hostel_id: int, file_id: int, version: int) -> str:
    return f"hostels/{int(hostel_id)}/files/{int(file_id)}/v{int(version)}"


def part_key(hostel_id: int, session_id: int, part: int) -> str:
    return f"hostels/{int(hostel_id)}/uploads/{int(session_id)}/part-{int(part)}"


async def defer_image_job(session: Any, hostel_id: int, image_id: int) -> None:
    """Queue `process_image` in the request's own transaction (procrastinate's defer function)."""
    await session.execute(
        text(
            "SELECT procrastinate.procrastinate_defer_jobs_v1(ARRAY[ROW(:queue, 'process_image', 0, NULL, NULL, "
            "CAST(:args AS jsonb), NULL)::procrastinate.procrastinate_job_to_defer_v1])"
        ),
        {"queue": IMAGE_QUEUE, "args": json.dumps({"hostel_id": hostel_id, "image_id": image_id})},
    )


async def _store_version(
    ctx: Any,
    session: Any,
    *,
    name: str,
    head: bytes,
    size: int,
    write: Any,
    file: Any = None,
    description: str | None = None,
    access_level: FileAccessLevel = FileAccessLevel.PRIVATE,
    upload_session_id: int | None = None,
    booking_id: int | None = None,
) -> int:
    """A new file (or `file`'s next version) of `size` bytes; `write(key)` stores the bytes and
    returns their SHA-256. `booking_id`: a new file handed in for that booking (its booker reads it)."""
    mime, extension = detect(head)
    await check_quota(ctx, session, ctx.user_id, size, charge=True)
    now = writes.now_utc()
    if file is None:
        file = models.FileUpload(
            file_name=name,
            description=writes.clean_text(description, "description", 2000),
            content_type=mime,
            extension=extension,
            size_bytes=size,
            sha256="",
            current_version=1,
            access_level=access_level,
            is_image=mime in IMAGE_TYPES,
            uploaded_by=ctx.user_id,
            booking_id=booking_id,
        )
        session.add(file)
        await session.flush()
    else:
        file.current_version += 1
        file.file_name, file.content_type, file.extension = name, mime, extension
        file.size_bytes, file.is_image = size, mime in IMAGE_TYPES
        file.updated_at, file.updated_by = now, ctx.user_id
    hostel_id = _hostel(ctx, session)
    key = version_key(hostel_id, file.id, file.current_version)
    sha256 = await write(key)
    file.sha256 = sha256
    version = models.FileVersion(
        file_id=file.id,
        version_number=file.current_version,
        storage_key=key,
        content_type=mime,
        size_bytes=size,
        sha256=sha256,
        uploaded_by=ctx.user_id,
        upload_session_id=upload_session_id,
    )
    session.add(version)
    await session.flush()
    if mime in IMAGE_TYPES:
        image = models.ImageUpload(file_id=file.id, version_id=version.id)
        session.add(image)
        await session.flush()
        await defer_image_job(session, hostel_id, image.id)
    return int(file.id)


async def document_file(
    ctx: Any, session: Any, file: Any, file_id: int | None, *, booking_id: int | None = None
) -> Any:
    """The stored file a document refers to (a resident's `HostelStudentDocument`, a booking's
    `GuestDocument`): `file`, sent in this request and stored as `fileUpload` stores it (type from
    the content, quotas, a version), or `file_id`, a file of the hostel the caller uploaded (staff:
    any file of their hostel). A file handed in for a booking is marked as that booking's
    (`FileUpload.booking`), so its booker reads it too; a file already another booking's is refused."""
    if (file is None) == (file_id is None):
        raise user_error(
            ErrorCode.INVALID,
            "Send the document's file (file) or the ID of a file you uploaded (fileId), one of them.",
            "file",
        )
    if file is not None:
        pk = await _store_upload(ctx, session, file, booking_id=booking_id)
        return await session.get(models.FileUpload, pk)
    f = models.FileUpload
    row = (await session.execute(select(f).where(f.id == file_id).with_for_update())).scalar_one_or_none()
    # staff of this hostel may hand in any of its files; staff of another hostel booking here are a
    # booker like any other (their own uploads only)
    staff_here = is_staff(ctx) and ctx.hostel_id == _hostel(ctx, session)
    if row is None or not row.active or (not staff_here and row.uploaded_by != ctx.user_id):
        raise user_error(ErrorCode.NOT_FOUND, "No FileUpload of yours with this ID.", "fileId")
    if booking_id is not None:
        claim_for_booking(row, booking_id)
    return row


def claim_for_booking(file: Any, booking_id: int) -> None:
    """Mark `file` as handed in for `booking_id` (its booker reads it); a file of another booking
    is refused: a booker must never read another booking's file."""
    if file.booking_id is None:
        file.booking_id = booking_id
    elif file.booking_id != booking_id:
        raise user_error(ErrorCode.CONFLICT, "This file was handed in for another booking.", "fileId")


async def upload(
    ctx: Any,
    session: Any,
    file: Any,
    file_id: int | None = None,
    description: str | None = None,
    access_level: FileAccessLevel | None = None,
) -> int:
    """Store a file sent in one multipart request (at most MAX_UPLOAD_BYTES), or a new version of
    `file_id`."""
    _in_hostel(ctx)
    target = await _target(ctx, session, file_id) if file_id is not None else None
    level = _level(ctx, access_level)
    return await _store_upload(ctx, session, file, file=target, description=description, access_level=level)


async def _store_upload(ctx: Any, session: Any, sent: Any, **version: Any) -> int:
    """`_store_version` of `sent`, a file of the GraphQL multipart request, read in full."""
    data = await read_upload(sent, ctx.settings.max_upload_bytes)

    async def write(key: str) -> str:
        await storage_for(ctx.settings).put(key, data)
        return hashlib.sha256(data).hexdigest()

    name = clean_name(getattr(sent, "filename", None))
    return await _store_version(ctx, session, name=name, head=data[:512], size=len(data), write=write, **version)


def _level(ctx: Any, access_level: FileAccessLevel | None) -> FileAccessLevel:
    level = access_level or FileAccessLevel.PRIVATE
    if level is FileAccessLevel.HOSTEL and not is_staff(ctx):
        raise user_error(ErrorCode.FORBIDDEN, "Only hostel staff share a file with the whole hostel.", "accessLevel")
    return level


# ---- resumable uploads -------------------------------------------------------------------------


async def session_create(
    ctx: Any,
    session: Any,
    file_name: Annotated[str, Doc("The file's name (folders are dropped).")],
    total_bytes: Annotated[int, Doc("The whole file's size; the parts must add up to it.")],
    part_bytes: Annotated[
        int | None, Doc("Size of every part but the last (default and most: MAX_UPLOAD_BYTES).")
    ] = None,
    sha256: Annotated[str | None, Doc("The whole file's SHA-256 (hex): checked on completion.")] = None,
    file_id: Annotated[Ref[models.FileUpload] | None, Doc("Add a version to this file instead of a new file.")] = None,
    description: str | None = None,
    access_level: FileAccessLevel | None = None,
) -> int:
    """Open a resumable upload: send its parts with `uploadSessionPartPut` (in any order, again
    after an interruption), then `uploadSessionComplete`. Open for 24 hours."""
    _in_hostel(ctx)
    limit = ctx.settings.max_upload_bytes
    part = limit if part_bytes is None else part_bytes
    if not 1 <= part <= limit:
        raise user_error(ErrorCode.INVALID, f"A part is 1 byte to {_mb(limit)}.", "partBytes")
    if not 1 <= total_bytes <= ctx.settings.file_max_bytes:
        raise user_error(ErrorCode.INVALID, f"A file is 1 byte to {_mb(ctx.settings.file_max_bytes)}.", "totalBytes")
    if sha256 is not None and not re.fullmatch(r"[0-9a-fA-F]{64}", sha256):
        raise user_error(ErrorCode.INVALID, "A SHA-256 is 64 hexadecimal digits.", "sha256")
    target = await _target(ctx, session, file_id) if file_id is not None else None
    level = _level(ctx, access_level)
    await check_quota(ctx, session, ctx.user_id, total_bytes, charge=False)  # refuse early what cannot fit
    row = models.UploadSession(
        user_id=ctx.user_id,
        file_name=clean_name(file_name),
        description=writes.clean_text(description, "description", 2000),
        access_level=level,
        total_bytes=total_bytes,
        part_bytes=part,
        parts_total=math.ceil(total_bytes / part),
        sha256=sha256.lower() if sha256 else None,
        expires_at=writes.now_utc() + dt.timedelta(hours=SESSION_HOURS),
        target_file_id=target.id if target is not None else None,
    )
    session.add(row)
    await session.flush()
    return int(row.id)


async def _open_session(ctx: Any, session: Any, session_id: int) -> Any:
    """The caller's own open upload session, locked; anyone else's is NOT_FOUND."""
    row = await writes.get_for_update(ctx, session, spec_for_model(models.UploadSession), session_id)
    if row.user_id != ctx.user_id:
        raise user_error(ErrorCode.NOT_FOUND, "No UploadSession with this ID.", "sessionId")
    if row.status is not UploadSessionStatus.OPEN:
        raise user_error(ErrorCode.CONFLICT, f"This upload is {row.status.value.lower()}.", "sessionId")
    if row.expires_at <= writes.now_utc():
        raise user_error(ErrorCode.CONFLICT, "This upload session has expired: open a new one.", "sessionId")
    return row


def part_size(row: Any, number: int) -> int:
    return int(row.part_bytes if number < row.parts_total else row.total_bytes - row.part_bytes * (row.parts_total - 1))


async def part_put(ctx: Any, session: Any, session_id: int, part_number: int, file: Any) -> int:
    """Store part `part_number` (1-based) of an open session; a part sent again replaces itself."""
    _in_hostel(ctx)
    row = await _open_session(ctx, session, session_id)
    if not 1 <= part_number <= row.parts_total:
        raise user_error(ErrorCode.INVALID, f"This upload has parts 1 to {row.parts_total}.", "partNumber")
    expected = part_size(row, part_number)
    data = await read_upload(file, expected, "part")
    if len(data) != expected:
        raise user_error(ErrorCode.INVALID, f"Part {part_number} is {expected} bytes; {len(data)} were sent.", "part")
    await storage_for(ctx.settings).put(part_key(ctx.hostel_id, row.id, part_number), data)
    p = models.MultipartUploadPart
    values = {"size_bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    await session.execute(
        insert(p)
        .values(hostel_id=ctx.hostel_id, session_id=row.id, part_number=part_number, created_by=ctx.user_id, **values)
        .on_conflict_do_update(
            index_elements=["hostel_id", "session_id", "part_number"],
            set_={**values, "updated_at": func.now(), "updated_by": ctx.user_id},
        )
    )
    return int(row.id)


async def session_complete(ctx: Any, session: Any, session_id: Ref[models.UploadSession]) -> int:
    """Join the parts of an upload session, in order, into the file (or its next version)."""
    _in_hostel(ctx)
    row = await _open_session(ctx, session, session_id)
    p = models.MultipartUploadPart
    received = set((await session.execute(select(p.part_number).where(p.session_id == row.id))).scalars())
    missing = [n for n in range(1, row.parts_total + 1) if n not in received]
    if missing:
        shown = ", ".join(map(str, missing[:20])) + (" ..." if len(missing) > 20 else "")
        raise user_error(ErrorCode.CONFLICT, f"Parts still missing: {shown}.", "sessionId")
    store = storage_for(ctx.settings)
    parts = [part_key(ctx.hostel_id, row.id, n) for n in range(1, row.parts_total + 1)]
    head = (await store.get(parts[0]))[:512]
    # size and checksum are known once the parts are joined (into the version's key): a file
    # that does not match what was announced is deleted again and refused

    async def write(key: str) -> str:
        size, digest = await store.concat(key, parts)
        if size != row.total_bytes or (row.sha256 and digest != row.sha256):
            await store.delete(key)
            raise user_error(
                ErrorCode.CONFLICT, "The joined parts do not match the size or SHA-256 announced.", "sessionId"
            )
        return digest

    target = await _target(ctx, session, row.target_file_id) if row.target_file_id is not None else None
    file_id = await _store_version(
        ctx,
        session,
        name=row.file_name,
        head=head,
        size=row.total_bytes,
        write=write,
        file=target,
        description=row.description,
        access_level=row.access_level,
        upload_session_id=row.id,
    )
    row.status, row.completed_at, row.target_file_id = UploadSessionStatus.COMPLETED, writes.now_utc(), file_id
    await session.flush()
    return file_id


async def session_abort(ctx: Any, session: Any, session_id: Ref[models.UploadSession]) -> int:
    """Give up an open upload session; its parts are deleted."""
    _in_hostel(ctx)
    row = await _open_session(ctx, session, session_id)
    row.status = UploadSessionStatus.ABORTED
    await session.flush()
    store = storage_for(ctx.settings)
    for n in range(1, row.parts_total + 1):
        await store.delete(part_key(ctx.hostel_id, row.id, n))
    return int(row.id)


async def quota_set(
    ctx: Any,
    session: Any,
    quota_id: Annotated[Ref[models.FileQuota], Doc("The hostel's quota or a user's (see fileQuotas).")],
    limit_bytes: Annotated[int, Doc("Bytes allowed (every version counts).")],
) -> int:
    """Change the limit of the hostel's storage quota or of one user's. Quota rows appear with
    the first upload of the hostel or of the user, with the default limits."""
    _in_hostel(ctx)
    if limit_bytes < 0:
        raise user_error(ErrorCode.INVALID, "A quota is 0 bytes or more.", "limitBytes")
    row = await writes.get_for_update(ctx, session, spec_for_model(models.FileQuota), quota_id)
    row.limit_bytes, row.updated_at, row.updated_by = limit_bytes, writes.now_utc(), ctx.user_id
    await session.flush()
    return int(row.id)


# ---- tags and favourites ----------------------------------------------------------------------


async def tags_set(
    ctx: Any,
    session: Any,
    file_id: Ref[models.FileUpload],
    tag_ids: Annotated[Ref.many[models.FileTag], Doc("The file's tags from now on (empty: none).")],
) -> int:
    """Set the tags of a file (staff, or the member who uploaded it); tags' usage counts follow."""
    _in_hostel(ctx)
    file = await _target(ctx, session, file_id)
    t, tags = models.FileTagging, models.FileTag
    wanted = set(tag_ids)
    if len(wanted) > 20:
        raise user_error(ErrorCode.INVALID, "A file carries at most 20 tags.", "tagIds")
    found = set((await session.execute(select(tags.id).where(tags.id.in_(wanted), tags.active))).scalars())
    if found != wanted:
        raise user_error(ErrorCode.NOT_FOUND, "No active FileTag with one of these IDs.", "tagIds")
    have = set((await session.execute(select(t.tag_id).where(t.file_id == file.id))).scalars())
    for tag_id in have - wanted:
        await session.execute(t.__table__.delete().where(t.file_id == file.id, t.tag_id == tag_id))
    for tag_id in wanted - have:
        session.add(models.FileTagging(file_id=file.id, tag_id=tag_id))
    await session.flush()
    changed = have ^ wanted
    if changed:  # counted again rather than incremented: two taggers at once cannot drift it
        counts = select(func.count()).where(t.tag_id == tags.id, t.hostel_id == tags.hostel_id).scalar_subquery()
        await session.execute(tags.__table__.update().where(tags.id.in_(changed)).values(usage_count=counts))
    return int(file.id)


async def favorite_toggle(ctx: Any, session: Any, file_id: Ref[models.FileUpload]) -> int:
    """Add a file you can read to your favourites, or take it off."""
    _in_hostel(ctx)
    f = models.FileFavorite
    mine = (f.user_id == ctx.user_id, f.file_id == file_id)
    existing = (await session.execute(select(f).where(*mine).with_for_update())).scalar_one_or_none()
    if existing is not None:
        await session.delete(existing)
    else:
        session.add(models.FileFavorite(user_id=ctx.user_id, file_id=file_id))
    await session.flush()
    return int(file_id)


# ---- grants ------------------------------------------------------------------------------------


async def access_grant(
    ctx: Any,
    session: Any,
    file_id: Ref[models.FileUpload],
    user_id: Annotated[int, Doc("The user (numeric id) who may read the file: a member of this hostel.")],
    expires_at: Annotated[dt.datetime | None, Doc("Until when; none: until revoked.")] = None,
) -> int:
    """Let one member of the hostel read a file (staff, or the file's uploader); again: new expiry."""
    file = await _target(ctx, session, file_id)
    if expires_at is not None and expires_at <= writes.now_utc():
        raise user_error(ErrorCode.INVALID, "The expiry is in the past.", "expiresAt")
    await _member(session, _in_hostel(ctx), user_id)
    a = models.FileAccess
    stmt = (
        insert(a)
        .values(
            hostel_id=ctx.hostel_id, file_id=file.id, user_id=user_id, expires_at=expires_at, created_by=ctx.user_id
        )
        .on_conflict_do_update(
            index_elements=["hostel_id", "file_id", "user_id"],
            set_={"expires_at": expires_at, "updated_at": func.now(), "updated_by": ctx.user_id},
        )
        .returning(a.id)
    )
    return int((await session.execute(stmt)).scalar_one())


async def access_revoke(ctx: Any, session: Any, grant_id: Ref[models.FileAccess]) -> int:
    """Take a grant back (staff, or the file's uploader)."""
    grant = await writes.get_for_update(ctx, session, spec_for_model(models.FileAccess), grant_id)
    await _target(ctx, session, grant.file_id)
    await session.delete(grant)
    await session.flush()
    return int(grant.file_id)
