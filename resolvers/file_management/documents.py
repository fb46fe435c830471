"""Documents of a hostel (models/file_management/documents.py): handing a stored file in as a
document of a type, the checks run on it, staff verification, and the document types' rules.

A document's status moves only here and in the expiry job (resolvers/file_management/expiry.py),
each move with its `DocumentVerification` row:

    (submitted) -> INVALID            a check failed: hand a new one in
                -> PENDING            its type needs verification
                -> ACCEPTED           its type needs none
    PENDING     -> VERIFIED | REJECTED  (`documentVerify`, `documentReject`: hostel staff, never
                                         the person who handed it in or the resident it is about)
    VERIFIED    -> REJECTED           (a verification found wrong later)
    PENDING | ACCEPTED | VERIFIED -> EXPIRED  (the job, after the expiry date)
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Annotated, Any

import strawberry
from sqlalchemy import text

import models
from kit import clock, writes
from kit.errors import ErrorCode, user_error
from kit.registry import spec_for_model
from kit.workflow import Doc, Ref
from models.file_management.documents import DocumentCheck, DocumentStatus
from models.hostel.access import is_staff
from resolvers.file_management.service import ALLOWED_TYPES, _in_hostel, claim_for_booking
from resolvers.notification.pipeline import notify, register_defaults

OCR_QUEUE = "files"
FIELD_NAME = re.compile(r"[a-z][a-z0-9_]{0,49}")
MOVES = {
    DocumentStatus.VERIFIED: {DocumentStatus.PENDING},
    DocumentStatus.REJECTED: {DocumentStatus.PENDING, DocumentStatus.VERIFIED},
}


@strawberry.input(description='One field a document states, e.g. {name: "number", value: "X1234567"}.')
class DocumentFieldValue:
    name: str
    value: str


DECIDED = {DocumentStatus.VERIFIED: "document.verified", DocumentStatus.REJECTED: "document.rejected"}
register_defaults(
    DECIDED[DocumentStatus.VERIFIED],
    {
        "IN_APP": ("{{ document }} verified", "Your {{ document }} has been verified."),
        "EMAIL": ("{{ document }} verified", "Your {{ document }} has been verified."),
        "SMS": (None, "Your {{ document }} has been verified."),
        "PUSH": ("{{ document }} verified", "Verified"),
    },
)
register_defaults(
    DECIDED[DocumentStatus.REJECTED],
    {
        "IN_APP": ("{{ document }} rejected", "Your {{ document }} was rejected: {{ reason }} Hand in a new one."),
        "EMAIL": ("{{ document }} rejected", "Your {{ document }} was rejected: {{ reason }} Hand in a new one."),
        "SMS": (None, "Your {{ document }} was rejected: {{ reason }}"),
        "PUSH": ("{{ document }} rejected", "{{ reason }}"),
    },
)


# ---- document types ----------------------------------------------------------------------------


async def check_document_type(ctx: Any, session: Any, obj: Any) -> None:
    """A type's fields are sane: field names snake_case, media types the storage keeps, alert
    days positive, an expiry required only where one can be known."""
    obj.code = (obj.code or "").strip()
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]{0,49}", obj.code):
        raise user_error(ErrorCode.INVALID, "A code is up to 50 letters, digits, _ and - (e.g. ID_PROOF).", "code")
    names = list(obj.required_fields or [])
    bad = [n for n in names if not FIELD_NAME.fullmatch(n)]
    if bad or len(set(names)) != len(names):
        raise user_error(
            ErrorCode.INVALID, "Field names are distinct, lower case letters, digits and _.", "requiredFields"
        )
    unknown = sorted(set(obj.allowed_content_types or []) - ALLOWED_TYPES)
    if unknown:
        raise user_error(
            ErrorCode.INVALID, f"Not a type the storage keeps: {', '.join(unknown)}.", "allowedContentTypes"
        )
    days = list(obj.alert_days or [])
    if any(d < 1 or d > 366 for d in days):
        raise user_error(ErrorCode.INVALID, "Alert days are 1 to 366 days before expiry.", "alertDays")
    obj.alert_days = sorted(set(days), reverse=True)
    for attr, name in (("max_size_bytes", "maxSizeBytes"), ("validity_days", "validityDays")):
        value = getattr(obj, attr)
        if value is not None and value < 1:
            raise user_error(ErrorCode.INVALID, "Give a positive number, or nothing.", name)


# ---- submission --------------------------------------------------------------------------------


def run_checks(
    kind: Any, file: Any, values: dict[str, str], expires_on: dt.date | None, today: dt.date
) -> list[tuple[DocumentCheck, bool, str]]:
    """The checks of a submission, each (check, passed, message)."""
    allowed = list(kind.allowed_content_types or [])
    ok_type = not allowed or file.content_type in allowed
    results = [
        (
            DocumentCheck.CONTENT_TYPE,
            ok_type,
            f"{file.content_type} is accepted."
            if ok_type
            else f"{file.content_type} is not accepted; send {', '.join(allowed)}.",
        )
    ]
    limit = kind.max_size_bytes
    ok_size = limit is None or file.size_bytes <= limit
    results.append(
        (
            DocumentCheck.SIZE,
            ok_size,
            f"{file.size_bytes} bytes." if ok_size else f"{file.size_bytes} bytes; at most {limit} are accepted.",
        )
    )
    missing = [n for n in kind.required_fields or [] if not values.get(n, "").strip()]
    results.append(
        (
            DocumentCheck.REQUIRED_FIELDS,
            not missing,
            "Every required field is filled." if not missing else f"Missing: {', '.join(missing)}.",
        )
    )
    if expires_on is not None and expires_on <= today:
        results.append((DocumentCheck.EXPIRY, False, f"It expired on {expires_on.isoformat()}."))
    elif kind.expiry_required and expires_on is None:
        results.append((DocumentCheck.EXPIRY, False, "This type needs an expiry date."))
    else:
        results.append(
            (
                DocumentCheck.EXPIRY,
                True,
                f"Valid until {expires_on.isoformat()}." if expires_on else "No expiry.",
            )
        )
    return results


async def _owner_user_ids(session: Any, document: Any) -> list[int]:
    """Who the document belongs to: the resident's account, or the booking's booker."""
    if document.student_id is not None:
        row = await session.execute(
            text("SELECT user_id FROM hostel_students WHERE hostel_id = :h AND id = :id"),
            {"h": document.hostel_id, "id": document.student_id},
        )
    else:
        row = await session.execute(
            text("SELECT booker_user_id FROM bookings WHERE hostel_id = :h AND id = :id"),
            {"h": document.hostel_id, "id": document.booking_id},
        )
    return [u for u in row.scalars() if u is not None]


def history(document: Any, before: DocumentStatus | None, ctx_user: int | None, reason: str | None) -> Any:
    return models.DocumentVerification(
        hostel_id=document.hostel_id,
        document_id=document.id,
        from_status=before,
        to_status=document.status,
        decided_by=ctx_user,
        reason=reason,
        created_by=ctx_user,
    )


async def submit(
    ctx: Any,
    session: Any,
    document_type_id: Annotated[Ref[models.DocumentType], Doc("What kind of document it is.")],
    file_id: Annotated[Ref[models.FileUpload], Doc("The stored file (fileUpload or an upload session first).")],
    student_id: Ref[models.HostelStudent] | None = None,  # the resident it is about (a resident: themselves)
    booking_id: Ref[models.Booking] | None = None,  # or the booking whose guest it is about
    guest_name: Annotated[str | None, Doc("Which guest of the booking.")] = None,
    field_values: Annotated[
        list[DocumentFieldValue] | None, Doc("What the document states: its type's required fields.")
    ] = None,
    expires_on: Annotated[dt.date | None, Doc("Its expiry date; default: the type's validity from today.")] = None,
) -> int:
    """Hand a stored file in as a document of a type, for a resident or a booking's guest. The
    checks (content type, size, required fields, expiry) are recorded; a failed one leaves the
    document INVALID (hand in another). Otherwise it waits for staff verification (PENDING), or
    is ACCEPTED when its type needs none; OCR, where the type asks for it, runs on the queue."""
    hostel_id = _in_hostel(ctx)
    if (student_id is None) == (booking_id is None):
        raise user_error(ErrorCode.INVALID, "Give either a resident (studentId) or a booking (bookingId).", "studentId")
    if not is_staff(ctx) and not await _is_owner(session, ctx.user_id, student_id, booking_id):
        # a reference's check is the tenant's; whose record it is, is this rule's
        field = "studentId" if student_id is not None else "bookingId"
        raise user_error(ErrorCode.NOT_FOUND, "None of yours with this ID.", field)
    kind = await session.get(models.DocumentType, document_type_id)
    if kind is None or not kind.active:
        raise user_error(ErrorCode.NOT_FOUND, "No active DocumentType with this ID.", "documentTypeId")
    file = await session.get(models.FileUpload, file_id)
    if file is None or not file.active or (not is_staff(ctx) and file.uploaded_by != ctx.user_id):
        raise user_error(ErrorCode.NOT_FOUND, "No FileUpload of yours with this ID.", "fileId")
    if booking_id is not None:
        claim_for_booking(file, booking_id)  # the booker reads the file with the document
    values: dict[str, str] = {}
    for item in field_values or []:
        name = item.name.strip()
        if not FIELD_NAME.fullmatch(name) or name in values:
            raise user_error(ErrorCode.INVALID, f"{name!r}: field names are distinct snake_case.", "fieldValues")
        values[name] = writes.clean_text(item.value, "fieldValues", 500) or ""
    guest = writes.clean_text(guest_name, "guestName", 200)
    today = await _today(session, hostel_id)
    if expires_on is None and kind.validity_days is not None:
        expires_on = today + dt.timedelta(days=kind.validity_days)
    checks = run_checks(kind, file, values, expires_on, today)
    passed = all(ok for _, ok, _ in checks)
    status = (
        DocumentStatus.INVALID
        if not passed
        else (DocumentStatus.PENDING if kind.requires_verification else DocumentStatus.ACCEPTED)
    )
    document = models.DocumentUpload(
        document_type_id=kind.id,
        file_id=file.id,
        student_id=student_id,
        booking_id=booking_id,
        guest_name=guest,
        field_values=values,
        status=status,
        expires_on=expires_on,
        submitted_by=ctx.user_id,
    )
    session.add(document)
    await session.flush()
    for check, ok, message in checks:
        session.add(models.DocumentValidation(document_id=document.id, check_name=check, passed=ok, message=message))
    failed = [m for _, ok, m in checks if not ok]
    session.add(history(document, None, ctx.user_id, " ".join(failed) or None))
    if passed and expires_on is not None:
        session.add(models.DocumentExpiry(document_id=document.id, expires_on=expires_on, alert_days=kind.alert_days))
    if passed and kind.ocr_enabled:
        ocr = models.DocumentOCR(document_id=document.id)
        session.add(ocr)
        await session.flush()
        await _defer_ocr(session, hostel_id, ocr.id)
    await session.flush()
    return int(document.id)


async def _is_owner(session: Any, user_id: int, student_id: int | None, booking_id: int | None) -> bool:
    """A resident hands in documents about themselves or their bookings' guests only."""
    if student_id is not None:
        sql = "SELECT 1 FROM hostel_students WHERE id = :id AND user_id = :u"
    else:
        sql = "SELECT 1 FROM bookings WHERE id = :id AND booker_user_id = :u"
    found = await session.execute(text(sql), {"id": student_id if student_id is not None else booking_id, "u": user_id})
    return found.first() is not None


async def _today(session: Any, hostel_id: int) -> dt.date:
    zone = (await session.execute(text("SELECT time_zone FROM hostels WHERE id = :h"), {"h": hostel_id})).scalar_one()
    return clock.today_in(zone)


async def _defer_ocr(session: Any, hostel_id: int, ocr_id: int) -> None:
    """Queue `ocr_document` in the request's own transaction (no job for a submission rolled back)."""
    await session.execute(
        text(
            "SELECT procrastinate.procrastinate_defer_jobs_v1(ARRAY[ROW(:queue, 'ocr_document', 0, NULL, NULL, "
            "CAST(:args AS jsonb), NULL)::procrastinate.procrastinate_job_to_defer_v1])"
        ),
        {"queue": OCR_QUEUE, "args": json.dumps({"hostel_id": hostel_id, "ocr_id": ocr_id})},
    )


# ---- verification ------------------------------------------------------------------------------


async def _decide(ctx: Any, session: Any, document_id: int, to: DocumentStatus, reason: str | None) -> int:
    _in_hostel(ctx)
    document = await writes.get_for_update(ctx, session, spec_for_model(models.DocumentUpload), document_id)
    if document.submitted_by == ctx.user_id or ctx.user_id in await _owner_user_ids(session, document):
        raise user_error(
            ErrorCode.FORBIDDEN, "Someone else verifies a document you handed in or one about you.", "documentId"
        )
    before = document.status
    if before not in MOVES[to]:
        allowed = " or ".join(sorted(s.value for s in MOVES[to]))
        raise user_error(
            ErrorCode.CONFLICT,
            f"This document is {before.value}; only a {allowed} one can be {to.value}.",
            "documentId",
        )
    now = writes.now_utc()
    document.status = to
    document.verified_by, document.verified_at = ctx.user_id, now
    document.rejection_reason = reason if to is DocumentStatus.REJECTED else None
    document.updated_at, document.updated_by = now, ctx.user_id
    session.add(history(document, before, ctx.user_id, reason))
    owners = await _owner_user_ids(session, document)
    if owners:  # the owner hears of the decision (a booking without a booker account: nobody to tell)
        name = (
            await session.execute(
                text("SELECT name FROM document_types WHERE id = :t"), {"t": document.document_type_id}
            )
        ).scalar_one()
        await notify(
            session,
            hostel_id=document.hostel_id,
            user_ids=owners,
            type=DECIDED[to],
            data={"document": name, "reason": reason or "", "document_id": document.id},
            source="file_management",
        )
    await session.flush()
    return int(document.id)


async def verify(
    ctx: Any,
    session: Any,
    document_id: Ref[models.DocumentUpload],
    note: Annotated[str | None, Doc("What was checked (kept in the history).")] = None,
) -> int:
    """Verify a PENDING document (hostel staff; not one you handed in or that is about you)."""
    return await _decide(ctx, session, document_id, DocumentStatus.VERIFIED, writes.clean_text(note, "note", 1000))


async def reject(
    ctx: Any,
    session: Any,
    document_id: Ref[models.DocumentUpload],
    reason: Annotated[str, Doc("Why, as its owner will read it.")],
) -> int:
    """Reject a PENDING or VERIFIED document, saying why (hostel staff; not your own)."""
    cleaned = writes.clean_text(reason, "reason", 1000)
    if not cleaned:
        raise user_error(ErrorCode.INVALID, "Say why the document is rejected.", "reason")
    return await _decide(ctx, session, document_id, DocumentStatus.REJECTED, cleaned)
