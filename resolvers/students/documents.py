"""Student documents: files uploaded through the GraphQL multipart protocol, kept in the file
storage (kit/storage.py) under `schools/<school id>/student-documents/<document id>`, served by an
authenticated route under the same tenant and role rules as the `studentDocuments` list.
Documents stored before the storage existed stay readable at UPLOAD_DIR/<school id>/<document id>."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Annotated, Any


import filetype

import models
from kit import writes
from kit.storage import StoredFileMissing, storage_for
from kit.registry import spec_for_model
from kit.errors import ErrorCode, user_error
from kit.uploads import read_upload
from kit.workflow import Doc, Ref

# what a school office scans and photographs; recognised by content (filetype), not by the client's word
ACCEPTED = frozenset({"application/pdf", "image/png", "image/jpeg"})


def upload_root(settings: Any) -> Path:
    return Path(settings.upload_dir or settings.data_dir / "uploads")


def legacy_path(settings: Any, school_id: int, document_id: int) -> Path:
    """Where a document uploaded before the file storage was kept."""
    return upload_root(settings) / str(int(school_id)) / str(int(document_id))


def storage_key(school_id: int, document_id: int) -> str:
    return f"schools/{int(school_id)}/student-documents/{int(document_id)}"


async def read_stored(settings: Any, school_id: int, document_id: int) -> bytes | None:
    """The document's bytes, from the storage or the legacy folder; None if neither has them."""
    try:
        return await storage_for(settings).get(storage_key(school_id, document_id))
    except StoredFileMissing:
        legacy = legacy_path(settings, school_id, document_id)
        return legacy.read_bytes() if legacy.is_file() else None


def _media_type(head: bytes) -> str | None:
    kind = filetype.guess(head)
    return kind.mime if kind is not None and kind.mime in ACCEPTED else None


def _clean_name(name: str | None) -> str:
    base = Path(name or "document").name
    return re.sub(r"[^A-Za-z0-9._ -]", "_", base)[:200] or "document"


async def upload(ctx: Any, session: Any, student_id: int, file: Any, remarks: str | None) -> int:
    data = await read_upload(file, ctx.settings.max_upload_bytes)
    kind = _media_type(data[:512])
    if kind is None:
        raise user_error(ErrorCode.INVALID, "Send a PDF, PNG or JPEG file.", "file")
    student = await writes.get_for_update(ctx, session, spec_for_model(models.Student), student_id)
    document = models.StudentDocument(
        student_id=student.id,
        file_type=kind,
        file_name=_clean_name(file.filename),
        uploaded_at=dt.datetime.now(dt.UTC),
        remarks=remarks,
    )
    session.add(document)
    await session.flush()
    from kit.ids import encode_gid

    document.file_url = f"/files/student-documents/{encode_gid('StudentDocument', document.id)}"
    await storage_for(ctx.settings).put(storage_key(ctx.school_id, document.id), data)
    await session.flush()
    await writes.log_activity(session, ctx, "studentDocumentUpload", "StudentDocument", document.id)
    return document.id


async def delete(ctx: Any, session: Any, document_id: int) -> int:
    document = await writes.get_for_update(ctx, session, spec_for_model(models.StudentDocument), document_id)
    await session.delete(document)
    await session.flush()
    await writes.log_activity(session, ctx, "studentDocumentDelete", "StudentDocument", document_id)
    await storage_for(ctx.settings).delete(storage_key(ctx.school_id, document_id))
    legacy_path(ctx.settings, ctx.school_id, document_id).unlink(missing_ok=True)
    return document_id


async def find(db: Any, school_id: int, document_id: int) -> Any:
    rows = await db.fetch(
        "SELECT id, file_name, file_type FROM student_documents WHERE id = $1 AND school_id = $2",
        (document_id, school_id),
    )
    return rows[0] if rows else None


async def share(
    ctx: Any,
    session: Any,
    id: Ref[models.StudentDocument],  # noqa: A002
    shared: Annotated[bool, Doc("True: the student's guardians (and student account) read it; false: staff only.")],
) -> int:
    """Share a student's document with the family, or stop sharing it."""
    document = await writes.get_for_update(ctx, session, spec_for_model(models.StudentDocument), id)
    document.shared_with_family = shared
    await session.flush()
    return int(document.id)
