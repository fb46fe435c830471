"""An announcement's life, in one place:

    DRAFT -> PENDING_APPROVAL -> APPROVED -> SCHEDULED -> PUBLISHED -> ARCHIVED
    (no approval needed, or auto-approved: PENDING_APPROVAL -> APPROVED at once, two history rows)
    PENDING_APPROVAL -> REJECTED -> DRAFT;  PENDING_APPROVAL/APPROVED/SCHEDULED -> DRAFT (withdrawn)
    APPROVED -> PUBLISHED;  DRAFT/REJECTED/APPROVED/SCHEDULED -> ARCHIVED (dropped)

`move` is the only way the status changes: a move the life does not allow is CONFLICT and
nothing is written; every move (and every action that keeps the status: an approval step, a
revision, an escalation) writes its `AnnouncementApprovalHistory` row. Core statements, so the
same code runs in a mutation's session and in a job's connection."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from kit.errors import ErrorCode, user_error
from models.announcement import AnnouncementAction, AnnouncementStatus

S = AnnouncementStatus
ALLOWED: dict[AnnouncementStatus, frozenset[AnnouncementStatus]] = {
    S.DRAFT: frozenset({S.PENDING_APPROVAL, S.ARCHIVED}),
    S.PENDING_APPROVAL: frozenset({S.APPROVED, S.REJECTED, S.DRAFT}),
    S.REJECTED: frozenset({S.DRAFT, S.ARCHIVED}),
    S.APPROVED: frozenset({S.SCHEDULED, S.PUBLISHED, S.DRAFT, S.ARCHIVED}),
    S.SCHEDULED: frozenset({S.PUBLISHED, S.DRAFT, S.ARCHIVED}),
    S.PUBLISHED: frozenset({S.ARCHIVED}),
    S.ARCHIVED: frozenset(),
}

LOCK = text(
    "SELECT id, hostel_id, status, title, content, category, priority, author_user_id, requires_acknowledgment, "
    "version, scheduled_for, published_at, expires_at FROM announcements WHERE id = :id AND hostel_id = :h FOR UPDATE"
)


async def lock(db: Any, hostel_id: int, announcement_id: int) -> Any:
    """The announcement's row, locked for the move (NOT_FOUND outside the hostel)."""
    row = (await db.execute(LOCK, {"id": announcement_id, "h": hostel_id})).first()
    if row is None:
        raise user_error(ErrorCode.NOT_FOUND, "No Announcement with this ID.", "announcementId")
    return row


def check(current: str, to: AnnouncementStatus) -> None:
    now = S(current)
    if to not in ALLOWED[now]:
        allowed = ", ".join(sorted(s.value for s in ALLOWED[now])) or "none: it is final"
        raise user_error(
            ErrorCode.CONFLICT,
            f"A {now.value} announcement cannot become {to.value} (allowed from {now.value}: {allowed}).",
            "announcementId",
        )


async def record(
    db: Any,
    row: Any,
    action: AnnouncementAction,
    to: AnnouncementStatus,
    actor: int | None,
    note: str | None = None,
    approval_id: int | None = None,
) -> None:
    await db.execute(
        text(
            "INSERT INTO announcement_approval_history (hostel_id, announcement_id, approval_id, action, from_status, "
            "to_status, actor_user_id, note, created_by) VALUES (:h, :a, :ap, :act, :f, :t, :u, :n, :u)"
        ),
        {
            "h": row.hostel_id,
            "a": row.id,
            "ap": approval_id,
            "act": action.value,
            "f": None if action is AnnouncementAction.CREATED else row.status,
            "t": to.value,
            "u": actor,
            "n": note,
        },
    )


async def move(
    db: Any,
    row: Any,
    to: AnnouncementStatus,
    action: AnnouncementAction,
    actor: int | None,
    note: str | None = None,
    approval_id: int | None = None,
    **columns: Any,
) -> None:
    """Change the status of the locked `row` (and `columns`), and record the move."""
    check(row.status, to)
    sets = "".join(f", {name} = :{name}" for name in columns)
    await db.execute(
        text(f"UPDATE announcements SET status = :to, updated_at = now(), updated_by = :u{sets} WHERE id = :id"),
        {"to": to.value, "u": actor, "id": row.id, **columns},
    )
    await record(db, row, action, to, actor, note, approval_id)
