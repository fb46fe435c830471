"""The announcement workflows of the GraphQL API (schema/announcement.py): drafting and
editing, targeting, and each move of its life (states.py), by staff of the hostel."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from sqlalchemy import text

from kit.errors import ErrorCode, user_error
from kit.workflow import Doc, Ref
from models import announcement as m
from models.room.room import Room
from models.room.room_type import RoomTypeDefinition
from models.hostel_student import HostelStudent
from models.file_management import FileUpload
from resolvers.announcement import approval, audience, publishing, scheduling, states

A = m.AnnouncementStatus
EDITABLE = (A.DRAFT.value, A.REJECTED.value)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _text(value: str | None, field: str, limit: int, required: bool = True) -> str | None:
    cleaned = (value or "").strip()
    if required and not cleaned:
        raise user_error(ErrorCode.INVALID, f"The {field} cannot be empty.", field)
    if len(cleaned) > limit:
        raise user_error(ErrorCode.INVALID, f"The {field} is at most {limit} characters.", field)
    return cleaned or None


def _future(value: dt.datetime | None, field: str, now: dt.datetime) -> None:
    if value is not None and value <= now:
        raise user_error(ErrorCode.INVALID, "Give a time in the future.", field)


async def create(
    ctx: Any,
    session: Any,
    title: str,
    content: Annotated[str, Doc("The text residents read.")],
    category: m.AnnouncementCategory = m.AnnouncementCategory.GENERAL,
    priority: m.AnnouncementPriority = m.AnnouncementPriority.NORMAL,
    requires_acknowledgment: bool = False,
    acknowledgment_deadline: dt.datetime | None = None,
    is_pinned: bool = False,
    expires_at: Annotated[dt.datetime | None, Doc("Archived by the scheduling job after this.")] = None,
) -> int:
    """Draft an announcement (you are its author). Say whom it is for with announcementTargetAdd,
    then submit it."""
    now = _now()
    _future(expires_at, "expiresAt", now)
    _future(acknowledgment_deadline, "acknowledgmentDeadline", now)
    if acknowledgment_deadline is not None and not requires_acknowledgment:
        raise user_error(ErrorCode.INVALID, "A deadline needs requiresAcknowledgment.", "acknowledgmentDeadline")
    row = (
        await session.execute(
            text(
                "INSERT INTO announcements (hostel_id, title, content, category, priority, author_user_id, "
                "requires_acknowledgment, acknowledgment_deadline, is_pinned, expires_at, created_by) "
                "VALUES (:h, :t, :c, :cat, :p, :u, :ack, :dl, :pin, :exp, :u) RETURNING id, hostel_id, status"
            ),
            {
                "h": ctx.hostel_id,
                "t": _text(title, "title", 200),
                "c": _text(content, "content", 20_000),
                "cat": category.value,
                "p": priority.value,
                "u": ctx.user_id,
                "ack": requires_acknowledgment,
                "dl": acknowledgment_deadline,
                "pin": is_pinned,
                "exp": expires_at,
            },
        )
    ).first()
    await states.record(session, row, m.AnnouncementAction.CREATED, A.DRAFT, ctx.user_id)
    return int(row.id)


async def update(
    ctx: Any,
    session: Any,
    announcement_id: Ref[m.Announcement],
    title: str | None = None,
    content: str | None = None,
    category: m.AnnouncementCategory | None = None,
    priority: m.AnnouncementPriority | None = None,
    requires_acknowledgment: bool | None = None,
    is_pinned: bool | None = None,
) -> int:
    """Edit a DRAFT or REJECTED announcement (a published one: announcementRevise)."""
    row = await states.lock(session, ctx.hostel_id, announcement_id)
    if row.status not in EDITABLE:
        raise user_error(
            ErrorCode.CONFLICT,
            f"A {row.status} announcement cannot be edited"
            + ("; revise it (announcementRevise)." if row.status == A.PUBLISHED.value else "; withdraw it first."),
            "announcementId",
        )
    values = {
        "title": _text(title, "title", 200) if title is not None else None,
        "content": _text(content, "content", 20_000) if content is not None else None,
        "category": category.value if category else None,
        "priority": priority.value if priority else None,
        "requires_acknowledgment": requires_acknowledgment,
        "is_pinned": is_pinned,
    }
    changes = {k: v for k, v in values.items() if v is not None}
    if changes:
        sets = ", ".join(f"{k} = :{k}" for k in changes)
        await session.execute(
            text(f"UPDATE announcements SET {sets}, updated_at = now(), updated_by = :u WHERE id = :id"),
            {**changes, "u": ctx.user_id, "id": row.id},
        )
        await states.record(
            session, row, m.AnnouncementAction.EDITED, A(row.status), ctx.user_id, "changed: " + ", ".join(changes)
        )
    return int(row.id)


async def _editable_targets(ctx: Any, session: Any, announcement_id: int) -> Any:
    row = await states.lock(session, ctx.hostel_id, announcement_id)
    if row.status not in EDITABLE:
        raise user_error(ErrorCode.CONFLICT, f"The audience of a {row.status} announcement is fixed.", "announcementId")
    return row


async def add_target(
    ctx: Any,
    session: Any,
    announcement_id: Ref[m.Announcement],
    target_type: m.TargetType,
    floors: list[int] | None = None,
    room_ids: Ref.many[Room] | None = None,
    room_type_ids: Ref.many[RoomTypeDefinition] | None = None,
    student_ids: Ref.many[HostelStudent] | None = None,
) -> int:
    """Add whom a draft is for: ALL residents, or FLOORS, ROOMS, ROOM_TYPES, RESIDENTS (give the
    list that matches the type). The audience is computed again."""
    row = await _editable_targets(ctx, session, announcement_id)
    given = {"FLOORS": floors, "ROOMS": room_ids, "ROOM_TYPES": room_type_ids, "RESIDENTS": student_ids}
    field = {"FLOORS": "floors", "ROOMS": "roomIds", "ROOM_TYPES": "roomTypeIds", "RESIDENTS": "studentIds"}
    for kind, values in given.items():
        if kind == target_type.value and not values:
            raise user_error(ErrorCode.INVALID, f"A {kind} target needs {field[kind]}.", field[kind])
        if kind != target_type.value and values:
            raise user_error(ErrorCode.INVALID, f"{field[kind]} belongs to a {kind} target.", field[kind])
    if any(f < 0 for f in floors or []):
        raise user_error(ErrorCode.INVALID, "Floors are 0 or more.", "floors")
    target_id = (
        await session.execute(
            text(
                "INSERT INTO announcement_targets (hostel_id, announcement_id, target_type, floors, room_ids, room_type_ids, "
                "student_ids, created_by) VALUES (:h, :a, :k, :f, :r, :rt, :s, :u) RETURNING id"
            ),
            {
                "h": row.hostel_id,
                "a": row.id,
                "k": target_type.value,
                "f": sorted(set(floors or [])),
                "r": sorted(set(room_ids or [])),
                "rt": sorted(set(room_type_ids or [])),
                "s": sorted(set(student_ids or [])),
                "u": ctx.user_id,
            },
        )
    ).scalar_one()
    await audience.compute(session, row.hostel_id, row.id)
    return int(target_id)


async def remove_target(ctx: Any, session: Any, announcement_target_id: Ref[m.AnnouncementTarget]) -> int:
    """Remove a target of a draft; returns the announcement."""
    announcement_id = (
        await session.execute(
            text("SELECT announcement_id FROM announcement_targets WHERE id = :t"), {"t": announcement_target_id}
        )
    ).scalar_one()
    row = await _editable_targets(ctx, session, announcement_id)
    await session.execute(
        text("DELETE FROM announcement_targeting_rules WHERE hostel_id = :h AND target_id = :t"),
        {"h": row.hostel_id, "t": announcement_target_id},
    )
    await session.execute(
        text("DELETE FROM announcement_targets WHERE hostel_id = :h AND id = :t"),
        {"h": row.hostel_id, "t": announcement_target_id},
    )
    await audience.compute(session, row.hostel_id, row.id)
    return int(row.id)


async def add_rule(
    ctx: Any,
    session: Any,
    announcement_target_id: Ref[m.AnnouncementTarget],
    field: m.TargetingField,
    value: Annotated[str, Doc("IN: comma-separated; dates YYYY-MM-DD; MESS_OPTED true/false.")],
    operator: m.TargetingOperator = m.TargetingOperator.EQ,
    is_exclusion: Annotated[bool, Doc("True: residents matching it are left out.")] = False,
    priority: int = 0,
) -> int:
    """Narrow a target of a draft by a condition on residents; the audience is computed again."""
    announcement_id = (
        await session.execute(
            text("SELECT announcement_id FROM announcement_targets WHERE id = :t"), {"t": announcement_target_id}
        )
    ).scalar_one()
    row = await _editable_targets(ctx, session, announcement_id)
    audience.check_rule(field.value, operator.value, value)
    rule_id = (
        await session.execute(
            text(
                "INSERT INTO announcement_targeting_rules (hostel_id, target_id, field, operator, value, is_exclusion, "
                "priority, created_by) VALUES (:h, :t, :f, :o, :v, :x, :p, :u) RETURNING id"
            ),
            {
                "h": row.hostel_id,
                "t": announcement_target_id,
                "f": field.value,
                "o": operator.value,
                "v": value.strip(),
                "x": is_exclusion,
                "p": priority,
                "u": ctx.user_id,
            },
        )
    ).scalar_one()
    await audience.compute(session, row.hostel_id, row.id)
    return int(rule_id)


async def set_bulk_rule(
    ctx: Any,
    session: Any,
    announcement_id: Ref[m.Announcement],
    combine: m.CombineMode = m.CombineMode.UNION,
    exclude_student_ids: Ref.many[HostelStudent] | None = None,
) -> int:
    """How a draft's targets combine (residents in ANY target, or in EVERY one) and who is left
    out whatever they say; the audience is computed again."""
    row = await _editable_targets(ctx, session, announcement_id)
    rule_id = (
        await session.execute(
            text(
                "INSERT INTO announcement_bulk_targeting_rules (hostel_id, announcement_id, combine, exclude_student_ids, "
                "created_by) VALUES (:h, :a, :c, :x, :u) ON CONFLICT (hostel_id, announcement_id) DO UPDATE SET "
                "combine = EXCLUDED.combine, exclude_student_ids = EXCLUDED.exclude_student_ids, updated_at = now(), "
                "updated_by = :u RETURNING id"
            ),
            {
                "h": row.hostel_id,
                "a": row.id,
                "c": combine.value,
                "x": sorted(set(exclude_student_ids or [])),
                "u": ctx.user_id,
            },
        )
    ).scalar_one()
    await audience.compute(session, row.hostel_id, row.id)
    return int(rule_id)


async def compute_audience(ctx: Any, session: Any, announcement_id: Ref[m.Announcement]) -> int:
    """Compute whom an announcement reaches now (its cached audience)."""
    await audience.compute(session, ctx.hostel_id, announcement_id)
    return int(
        (
            await session.execute(
                text("SELECT id FROM announcement_audience_cache WHERE announcement_id = :a"), {"a": announcement_id}
            )
        ).scalar_one()
    )


async def submit(
    ctx: Any,
    session: Any,
    announcement_id: Ref[m.Announcement],
    publish_on_approval: Annotated[bool, Doc("Publish as soon as approved (at publishAt when given).")] = False,
    publish_at: Annotated[dt.datetime | None, Doc("With publishOnApproval: schedule it for this time.")] = None,
) -> int:
    """Submit a draft for approval under the hostel's rules (approved at once when none applies
    or an auto-approval rule matches)."""
    now = _now()
    _future(publish_at, "publishAt", now)
    if publish_at is not None and not publish_on_approval:
        raise user_error(ErrorCode.INVALID, "publishAt goes with publishOnApproval.", "publishAt")
    row = await states.lock(session, ctx.hostel_id, announcement_id)
    if publish_at is not None:
        states.check(row.status, A.PENDING_APPROVAL)
        await session.execute(
            text("UPDATE announcements SET scheduled_for = :p WHERE id = :id"), {"p": publish_at, "id": row.id}
        )
        row = await states.lock(session, ctx.hostel_id, announcement_id)
    await approval.submit(session, row, ctx.user_id, now, publish_on_approval)
    return int(row.id)


async def approve(ctx: Any, session: Any, announcement_id: Ref[m.Announcement], note: str | None = None) -> int:
    """Approve an announcement awaiting approval (not your own; once per approver). With the
    approvals its workflow needs it is APPROVED (and published, if its author asked)."""
    row = await states.lock(session, ctx.hostel_id, announcement_id)
    await approval.approve(session, row, ctx.user_id, frozenset(ctx.roles), _now(), _text(note, "note", 1000, False))
    return int(row.id)


async def reject(ctx: Any, session: Any, announcement_id: Ref[m.Announcement], reason: str) -> int:
    """Reject an announcement awaiting approval, saying why (its author may edit and resubmit)."""
    row = await states.lock(session, ctx.hostel_id, announcement_id)
    await approval.reject(session, row, ctx.user_id, _now(), str(_text(reason, "reason", 1000)))
    return int(row.id)


async def withdraw(ctx: Any, session: Any, announcement_id: Ref[m.Announcement], reason: str | None = None) -> int:
    """Take an announcement back to DRAFT (from awaiting approval, approved, scheduled or
    rejected): open approvals end, its schedule is cancelled."""
    row = await states.lock(session, ctx.hostel_id, announcement_id)
    states.check(row.status, A.DRAFT)
    await approval.withdraw_open_rounds(session, row, ctx.user_id)
    await scheduling.cancel_schedule(session, row.hostel_id, row.id)
    await states.move(
        session,
        row,
        A.DRAFT,
        m.AnnouncementAction.WITHDRAWN,
        ctx.user_id,
        _text(reason, "reason", 1000, False),
        scheduled_for=None,
    )
    return int(row.id)


async def schedule(
    ctx: Any,
    session: Any,
    announcement_id: Ref[m.Announcement],
    publish_at: Annotated[dt.datetime, Doc("When the scheduling job publishes it (future).")],
    expires_at: Annotated[dt.datetime | None, Doc("When it is archived.")] = None,
) -> int:
    """Schedule an APPROVED announcement: the scheduling job publishes it at publishAt."""
    now = _now()
    _future(publish_at, "publishAt", now)
    if expires_at is not None and expires_at <= publish_at:
        raise user_error(ErrorCode.INVALID, "It must expire after it is published.", "expiresAt")
    row = await states.lock(session, ctx.hostel_id, announcement_id)
    await scheduling.schedule(session, row, ctx.user_id, publish_at, expires_at or row.expires_at)
    return int(row.id)


async def publish(ctx: Any, session: Any, announcement_id: Ref[m.Announcement]) -> int:
    """Publish an APPROVED (or SCHEDULED) announcement now: its residents get it in their list and
    through the notification pipeline."""
    row = await states.lock(session, ctx.hostel_id, announcement_id)
    states.check(row.status, A.PUBLISHED)
    await scheduling.cancel_schedule(session, row.hostel_id, row.id)
    await publishing.publish(session, row, ctx.user_id, _now())
    return int(row.id)


async def revise(
    ctx: Any,
    session: Any,
    announcement_id: Ref[m.Announcement],
    change_summary: Annotated[str, Doc("What changed and why (kept with the version).")],
    title: str | None = None,
    content: str | None = None,
    notify_recipients: Annotated[bool, Doc("Tell the residents again (announcement.revised).")] = True,
) -> int:
    """Edit a PUBLISHED announcement: its text becomes a new version (the earlier ones are kept)."""
    row = await states.lock(session, ctx.hostel_id, announcement_id)
    if row.status != A.PUBLISHED.value:
        raise user_error(
            ErrorCode.CONFLICT, f"Only a PUBLISHED announcement is revised; this one is {row.status}.", "announcementId"
        )
    new_title = _text(title, "title", 200) if title is not None else row.title
    new_content = _text(content, "content", 20_000) if content is not None else row.content
    if (new_title, new_content) == (row.title, row.content):
        raise user_error(ErrorCode.INVALID, "Nothing changed: give a new title or text.", "content")
    summary = _text(change_summary, "changeSummary", 1000)
    version = row.version + 1
    await session.execute(
        text(
            "UPDATE announcements SET title = :t, content = :c, version = :v, updated_at = now(), updated_by = :u "
            "WHERE id = :id"
        ),
        {"t": new_title, "c": new_content, "v": version, "u": ctx.user_id, "id": row.id},
    )
    await session.execute(
        text(
            "INSERT INTO announcement_versions (hostel_id, announcement_id, version, title, content, edited_by_user_id, "
            "change_summary, created_by) VALUES (:h, :a, :v, :t, :c, :u, :s, :u)"
        ),
        {
            "h": row.hostel_id,
            "a": row.id,
            "v": version,
            "t": new_title,
            "c": new_content,
            "u": ctx.user_id,
            "s": summary,
        },
    )
    await states.record(
        session, row, m.AnnouncementAction.REVISED, A.PUBLISHED, ctx.user_id, f"version {version}: {summary}"
    )
    if notify_recipients:
        await publishing.make_batches(session, row.hostel_id, row.id, version)
    return int(row.id)


async def archive(ctx: Any, session: Any, announcement_id: Ref[m.Announcement], reason: str | None = None) -> int:
    """Archive an announcement: a published one leaves the residents' lists; a draft is dropped."""
    row = await states.lock(session, ctx.hostel_id, announcement_id)
    states.check(row.status, A.ARCHIVED)
    await approval.withdraw_open_rounds(session, row, ctx.user_id)
    await scheduling.cancel_schedule(session, row.hostel_id, row.id)
    await states.move(
        session,
        row,
        A.ARCHIVED,
        m.AnnouncementAction.ARCHIVED,
        ctx.user_id,
        _text(reason, "reason", 1000, False),
        archived_at=_now(),
    )
    return int(row.id)


async def attach(
    ctx: Any,
    session: Any,
    announcement_id: Ref[m.Announcement],
    file_id: Ref[FileUpload],
    caption: str | None = None,
) -> int:
    """Attach a stored file (uploaded with fileUpload) to an announcement not yet archived."""
    row = await states.lock(session, ctx.hostel_id, announcement_id)
    if row.status == A.ARCHIVED.value:
        raise user_error(ErrorCode.CONFLICT, "An archived announcement takes no attachment.", "announcementId")
    created = (
        await session.execute(
            text(
                "INSERT INTO announcement_attachments (hostel_id, announcement_id, file_id, caption, sort_order, created_by) "
                "VALUES (:h, :a, :f, :c, (SELECT count(*) FROM announcement_attachments WHERE announcement_id = :a), :u) "
                "ON CONFLICT DO NOTHING RETURNING id"
            ),
            {
                "h": row.hostel_id,
                "a": row.id,
                "f": file_id,
                "c": _text(caption, "caption", 200, False),
                "u": ctx.user_id,
            },
        )
    ).first()
    if created is None:
        raise user_error(ErrorCode.CONFLICT, "That file is attached already.", "fileId")
    return int(created.id)
