"""The complaint workflows of the GraphQL API (schema/complaint.py) and the status machine.

    OPEN -> ASSIGNED -> RESOLVED -> CLOSED            (assign, resolve, the resident confirms)
    OPEN/REOPENED -> RESOLVED                         (resolved without an assignment)
    RESOLVED -> REOPENED -> ASSIGNED/RESOLVED         (the resident reopens within the window)
    RESOLVED -> CLOSED                                (the window passes: resolvers/complaint/sla.py)

`move` is the only way a status changes: a move the machine does not allow is a CONFLICT and
nothing is written; every move, and every step that keeps the status (a reassignment, an
escalation), is a ComplaintStatusHistory row. Staff act in their active hostel; the resident
acts on the complaints filed for them (a `Ref` to another resident's complaint is NOT_FOUND:
the type's row filter hides it).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError

import models as m
from kit.errors import ErrorCode, user_error
from kit.ids import InvalidId, decode_gid, encode_gid
from kit.live import publish_hostel_activity
from kit.workflow import Doc, GlobalID, Ref
from models.complaint.complaint import ComplaintEvent as E
from models.complaint.complaint import ComplaintStatus as S
from models.hostel.access import is_staff
from resolvers.complaint import sla
from resolvers.notification.pipeline import notify, register_defaults

ALLOWED: dict[S, frozenset[S]] = {
    S.OPEN: frozenset({S.ASSIGNED, S.RESOLVED}),
    S.ASSIGNED: frozenset({S.ASSIGNED, S.RESOLVED}),  # ASSIGNED -> ASSIGNED: given to someone else
    S.REOPENED: frozenset({S.ASSIGNED, S.RESOLVED}),
    S.RESOLVED: frozenset({S.CLOSED, S.REOPENED}),
    S.CLOSED: frozenset(),
}
UNRESOLVED = frozenset({S.OPEN, S.ASSIGNED, S.REOPENED})
STAFF_ROLES = ("HOSTEL_ADMIN", "SUPERVISOR")

ASSIGNED_TYPE = "complaint.assigned"
RESOLVED_TYPE = "complaint.resolved"
MENTIONED_TYPE = "complaint.mentioned"
register_defaults(
    ASSIGNED_TYPE,
    {
        "IN_APP": ("Complaint {{ reference }} is yours", "{{ reference }} ({{ priority }}): {{ title }}"),
        "EMAIL": ("Complaint {{ reference }} assigned to you", "{{ reference }} ({{ priority }}): {{ title }}"),
        "SMS": (None, "Complaint {{ reference }} assigned to you: {{ title }}"),
        "PUSH": ("Complaint {{ reference }}", "{{ title }}"),
    },
)
register_defaults(
    MENTIONED_TYPE,
    {
        "IN_APP": ("You were mentioned on {{ reference }}", "{{ body }}"),
        "EMAIL": ("Mentioned on complaint {{ reference }}", "{{ reference }}: {{ title }}\n\n{{ body }}"),
        "SMS": (None, "Mentioned on complaint {{ reference }}: {{ body }}"),
        "PUSH": ("Complaint {{ reference }}", "{{ body }}"),
    },
)
register_defaults(
    RESOLVED_TYPE,
    {
        "IN_APP": (
            "Your complaint {{ reference }} is resolved",
            "{{ summary }} Confirm it, or reopen it within 3 days if it is not fixed.",
        ),
        "EMAIL": ("Complaint {{ reference }} resolved", "{{ summary }}\n\nConfirm it, or reopen it within 3 days."),
        "SMS": (None, "Complaint {{ reference }} resolved: {{ summary }}"),
        "PUSH": ("Complaint {{ reference }} resolved", "{{ summary }}"),
    },
)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _text(value: str | None, field: str, what: str, limit: int | None = None) -> str:
    value = (value or "").strip()
    if not value:
        raise user_error(ErrorCode.INVALID, f"{what} must not be empty.", field)
    if limit is not None and len(value) > limit:
        raise user_error(ErrorCode.INVALID, f"{what} is at most {limit} characters.", field)
    return value


async def _locked(session: Any, complaint_id: int) -> m.Complaint:
    complaint: m.Complaint = await session.get(m.Complaint, complaint_id, with_for_update=True)
    return complaint


def move(
    session: Any,
    complaint: m.Complaint,
    to: S,
    event: E,
    actor: int | None,
    note: str | None = None,
) -> None:
    """Change the status (the caller holds the row FOR UPDATE) and write the timeline row."""
    current = complaint.status
    if to not in ALLOWED[current]:
        allowed = ", ".join(sorted(s.value for s in ALLOWED[current])) or "none: it is closed"
        raise user_error(
            ErrorCode.CONFLICT,
            f"A {current.value} complaint cannot become {to.value} (allowed from {current.value}: {allowed}).",
            "complaintId",
        )
    complaint.status = to
    step(session, complaint, event, actor, note, current)


def step(session: Any, complaint: m.Complaint, event: E, actor: int | None, note: str | None, before: S) -> None:
    session.add(
        m.ComplaintStatusHistory(
            complaint_id=complaint.id,
            event=event,
            from_status=before,
            to_status=complaint.status,
            note=note,
            actor_user_id=actor,
        )
    )


async def _my_student_id(ctx: Any, session: Any) -> int | None:
    """The caller's own resident record in the active hostel (not checked out), if any."""
    if ctx.user_id is None:
        return None
    found: int | None = await session.scalar(
        select(m.HostelStudent.id)
        .where(m.HostelStudent.user_id == ctx.user_id, m.HostelStudent.status != m.ResidentStatus.CHECKED_OUT)
        .order_by(m.HostelStudent.id)
        .limit(1)
    )
    return found


async def _require_filer(ctx: Any, session: Any, complaint: m.Complaint) -> None:
    """Only the resident the complaint was filed for."""
    user = await session.scalar(select(m.HostelStudent.user_id).where(m.HostelStudent.id == complaint.student_id))
    if user is None or user != ctx.user_id:
        raise user_error(
            ErrorCode.FORBIDDEN, "Only the resident the complaint was filed for may do this.", "complaintId"
        )


async def _staff_user(ctx: Any, session: Any, gid: str | None, field: str) -> int | None:
    """The user a global ID names, who must be staff (admin or supervisor) of the active hostel."""
    if gid is None:
        return None
    try:
        kind, pk = decode_gid(str(gid))
    except InvalidId:
        kind, pk = "", 0
    if kind == "User":
        held = await session.scalar(
            text(
                "SELECT 1 FROM role_assignments WHERE user_id = :u AND hostel_id = :h AND active "
                "AND role IN ('HOSTEL_ADMIN', 'SUPERVISOR') LIMIT 1"
            ),
            {"u": pk, "h": ctx.hostel_id},
        )
        if held:
            return pk
    raise user_error(ErrorCode.INVALID, "Name a staff member (hostel admin or supervisor) of this hostel.", field)


def _details(complaint: m.Complaint) -> dict[str, Any]:
    return {"reference": complaint.reference, "title": complaint.title, "priority": complaint.priority.value}


# ---- configuration -----------------------------------------------------------------------------


async def check_rule(ctx: Any, session: Any, rule: m.AutoEscalationRule) -> None:
    """Hours positive, resolution no sooner than response; the target a staff member of the hostel."""
    if rule.response_hours is None or rule.response_hours <= 0:
        raise user_error(ErrorCode.INVALID, "responseHours must be at least 1.", "responseHours")
    if rule.resolution_hours is None or rule.resolution_hours < rule.response_hours:
        raise user_error(ErrorCode.INVALID, "resolutionHours must be at least responseHours.", "resolutionHours")
    if rule.escalate_to_user_id is not None:
        held = await session.scalar(
            text(
                "SELECT 1 FROM role_assignments WHERE user_id = :u AND hostel_id = :h AND active "
                "AND role IN ('HOSTEL_ADMIN', 'SUPERVISOR') LIMIT 1"
            ),
            {"u": rule.escalate_to_user_id, "h": rule.hostel_id or ctx.hostel_id},
        )
        if not held:
            raise user_error(ErrorCode.INVALID, "The target must be a staff member of this hostel.", "escalateToUserId")
    if rule.active:
        other = await session.scalar(
            select(m.AutoEscalationRule.id).where(
                m.AutoEscalationRule.priority == rule.priority,
                m.AutoEscalationRule.active.is_(True),
                m.AutoEscalationRule.id != (rule.id or 0),
            )
        )
        if other is not None:
            raise user_error(
                ErrorCode.CONFLICT,
                f"An active rule for {rule.priority.value} exists; deactivate it first.",
                "priority",
            )


# ---- the workflows -------------------------------------------------------------------------------


async def create(
    ctx: Any,
    session: Any,
    title: Annotated[str, Doc("A short summary (at most 200 characters).")],
    description: str,
    category: m.ComplaintCategory,
    priority: m.ComplaintPriority = m.ComplaintPriority.MEDIUM,
    room_id: Ref[m.Room] | None = None,
    location: Annotated[str | None, Doc("A facility or place (laundry, mess hall, gate).")] = None,
    hostel_student_id: Ref[m.HostelStudent] | None = None,  # staff: whom it is for; a resident: omit
    attachment_ids: Ref.many[m.FileUpload] | None = None,  # files already uploaded (fileUpload)
) -> int:
    """File a complaint: a resident for themselves, staff on a resident's behalf. Its SLA clocks
    start now, from its priority (the hostel's AutoEscalationRule, else the built-in hours)."""
    title = _text(title, "title", "The title", 200)
    description = _text(description, "description", "The description")
    if is_staff(ctx):
        if hostel_student_id is None:
            raise user_error(ErrorCode.INVALID, "Name the resident the complaint is for.", "hostelStudentId")
        student_id = hostel_student_id
    else:
        mine = await _my_student_id(ctx, session)
        if mine is None:
            raise user_error(ErrorCode.FORBIDDEN, "Only a resident of this hostel files a complaint here.")
        if hostel_student_id is not None and hostel_student_id != mine:
            raise user_error(ErrorCode.FORBIDDEN, "A resident files complaints for themselves only.", "hostelStudentId")
        student_id = mine
    files = sorted(set(attachment_ids or []))
    if len(files) > 10:
        raise user_error(ErrorCode.INVALID, "At most 10 attachments.", "attachmentIds")
    now = _now()
    response_due, resolution_due = await sla.clocks(session, priority, now)
    pk = await session.scalar(text("SELECT nextval(pg_get_serial_sequence('complaints', 'id'))"))
    complaint = m.Complaint(
        id=pk,
        reference=f"CMP-{pk:06d}",
        title=title,
        description=description,
        category=category,
        priority=priority,
        status=S.OPEN,
        student_id=student_id,
        filed_by_user_id=ctx.user_id,
        room_id=room_id,
        location=(location or "").strip() or None,
        response_due_at=response_due,
        resolution_due_at=resolution_due,
        attachment_file_ids=files,
    )
    session.add(complaint)
    await session.flush()
    step(session, complaint, E.FILED, ctx.user_id, "Filed" if not is_staff(ctx) else "Filed by staff", S.OPEN)
    # the warden's live feed (subscription hostelActivity), in this transaction
    await publish_hostel_activity(session, complaint.hostel_id, "COMPLAINT_CREATED", encode_gid("Complaint", pk))
    return pk


async def assign(
    ctx: Any,
    session: Any,
    complaint_id: Ref[m.Complaint],
    assignee_id: Annotated[GlobalID, Doc("The User (hostel admin or supervisor of this hostel) who takes it.")],
    note: str | None = None,
) -> int:
    """Give a complaint to a staff member (again: to someone else). The previous assignment ends;
    the first one stops the response clock."""
    complaint = await _locked(session, complaint_id)
    user = await _staff_user(ctx, session, assignee_id, "assigneeId")
    if complaint.status is S.ASSIGNED and complaint.assigned_to_id == user:
        raise user_error(ErrorCode.CONFLICT, "The complaint is assigned to them already.", "assigneeId")
    before = complaint.status
    if S.ASSIGNED not in ALLOWED[before]:
        move(session, complaint, S.ASSIGNED, E.ASSIGNED, ctx.user_id)  # raises the CONFLICT
    now = _now()
    await _end_assignment(session, complaint, now)
    workload = await session.scalar(
        select(func.count())
        .select_from(m.Complaint)
        .where(m.Complaint.assigned_to_id == user, m.Complaint.status.in_([S.ASSIGNED]))
    )
    session.add(
        m.ComplaintAssignment(
            complaint_id=complaint.id,
            assigned_to_user_id=user,
            assigned_by_user_id=ctx.user_id,
            assigned_at=now,
            workload_score=int(workload or 0) + 1,
            note=note,
        )
    )
    complaint.assigned_to_id = user
    complaint.first_response_at = complaint.first_response_at or now
    move(session, complaint, S.ASSIGNED, E.ASSIGNED, ctx.user_id, "Reassigned" if before is S.ASSIGNED else "Assigned")
    await session.flush()
    await notify(
        session,
        hostel_id=complaint.hostel_id,
        user_ids=[user],
        type=ASSIGNED_TYPE,
        data=_details(complaint),
        source="complaint",
    )
    return complaint.id


async def _end_assignment(session: Any, complaint: m.Complaint, now: dt.datetime) -> None:
    current = await session.scalar(
        select(m.ComplaintAssignment).where(
            m.ComplaintAssignment.complaint_id == complaint.id, m.ComplaintAssignment.ended_at.is_(None)
        )
    )
    if current is not None:
        current.ended_at = now
        current.duration_minutes = int((now - current.assigned_at).total_seconds() // 60)
        await session.flush()  # before a new current one: one current assignment per complaint


async def comment(
    ctx: Any,
    session: Any,
    complaint_id: Ref[m.Complaint],
    body: str,
    is_internal: Annotated[bool, Doc("A note for staff only (never shown to the resident). Staff only.")] = False,
    parent_id: Ref[m.ComplaintComment] | None = None,  # the comment this one answers
    mention_ids: Annotated[
        list[GlobalID] | None, Doc("Users (staff of this hostel) the comment mentions: they are told.")
    ] = None,
) -> int:
    """Comment on a complaint (staff, or the resident it is filed for), or reply to a comment."""
    body = _text(body, "body", "The comment")
    staff = is_staff(ctx)
    if len(mention_ids or []) > 10:
        raise user_error(ErrorCode.INVALID, "At most 10 mentions.", "mentionIds")
    mentioned = sorted({u for gid in mention_ids or [] if (u := await _staff_user(ctx, session, gid, "mentionIds"))})
    if is_internal and not staff:
        raise user_error(ErrorCode.FORBIDDEN, "Only staff write internal notes.", "isInternal")
    if parent_id is not None:
        parent = await session.get(m.ComplaintComment, parent_id)
        if parent.complaint_id != complaint_id:
            raise user_error(ErrorCode.INVALID, "The comment answered is on another complaint.", "parentId")
        if parent.is_internal and not is_internal:
            raise user_error(ErrorCode.INVALID, "A reply to an internal note is internal too.", "isInternal")
    row = m.ComplaintComment(
        complaint_id=complaint_id,
        parent_id=parent_id,
        author_user_id=ctx.user_id,
        body=body,
        is_internal=is_internal,
        mentions=mentioned,
    )
    session.add(row)
    await session.flush()
    if mentioned:
        complaint = await session.get(m.Complaint, complaint_id)
        await notify(
            session,
            hostel_id=complaint.hostel_id,
            user_ids=mentioned,
            type=MENTIONED_TYPE,
            data={**_details(complaint), "body": body[:200]},
            source="complaint",
        )
    return row.id


async def edit_comment(ctx: Any, session: Any, complaint_comment_id: Ref[m.ComplaintComment], body: str) -> int:
    """Correct one of your own comments; `editedAt` says it was changed."""
    body = _text(body, "body", "The comment")
    row = await session.get(m.ComplaintComment, complaint_comment_id, with_for_update=True)
    if row.author_user_id != ctx.user_id:
        raise user_error(ErrorCode.FORBIDDEN, "Only its author edits a comment.", "complaintCommentId")
    row.body, row.edited_at = body, _now()
    return row.id


async def escalate(
    ctx: Any,
    session: Any,
    complaint_id: Ref[m.Complaint],
    reason: str,
    escalate_to_id: Annotated[
        GlobalID | None, Doc("The User told (a staff member of this hostel); default: the hostel's admins.")
    ] = None,
) -> int:
    """Escalate an unresolved complaint by hand: its level rises and the target is told."""
    reason = _text(reason, "reason", "The reason")
    complaint = await _locked(session, complaint_id)
    if complaint.status not in UNRESOLVED:
        raise user_error(ErrorCode.CONFLICT, f"A {complaint.status.value} complaint is not escalated.", "complaintId")
    target = await _staff_user(ctx, session, escalate_to_id, "escalateToId")
    now = _now()
    complaint.escalation_level += 1
    session.add(
        m.ComplaintEscalation(
            complaint_id=complaint.id,
            trigger=m.ComplaintEscalationTrigger.MANUAL,
            level=complaint.escalation_level,
            escalated_by_user_id=ctx.user_id,
            escalated_to_user_id=target,
            reason=reason,
            escalated_at=now,
        )
    )
    step(
        session,
        complaint,
        E.ESCALATED,
        ctx.user_id,
        f"Escalated to level {complaint.escalation_level}",
        complaint.status,
    )
    await session.flush()
    await sla.tell_escalation(
        session, complaint.hostel_id, target, _details(complaint), complaint.escalation_level, reason
    )
    return complaint.id


async def resolve(
    ctx: Any,
    session: Any,
    complaint_id: Ref[m.Complaint],
    summary: Annotated[str, Doc("What the resident is told was done.")],
    actions_taken: str | None = None,
    follow_up_required: bool = False,
    follow_up_date: dt.date | None = None,
) -> int:
    """Resolve a complaint: its final resolution (one per complaint), the resident told; they
    confirm or reopen it within the confirmation window (then it closes)."""
    summary = _text(summary, "summary", "The summary")
    complaint = await _locked(session, complaint_id)
    move(session, complaint, S.RESOLVED, E.RESOLVED, ctx.user_id, summary)
    now = _now()
    within = now <= complaint.resolution_due_at
    await _end_assignment(session, complaint, now)
    session.add(
        m.ComplaintResolution(
            complaint_id=complaint.id,
            resolved_by_user_id=ctx.user_id,
            summary=summary,
            actions_taken=actions_taken,
            follow_up_required=follow_up_required,
            follow_up_date=follow_up_date,
            within_sla=within,
            is_final_resolution=True,
        )
    )
    complaint.resolved_at = now
    complaint.confirm_by = now + sla.CONFIRM_WINDOW
    if not within and complaint.sla_breached_at is None:
        complaint.sla_breached_at = now
    try:
        await session.flush()
    except IntegrityError as exc:  # the partial unique index: a concurrent final resolution
        raise user_error(ErrorCode.CONFLICT, "The complaint has a final resolution already.", "complaintId") from exc
    resident = await session.scalar(select(m.HostelStudent.user_id).where(m.HostelStudent.id == complaint.student_id))
    if resident is not None:
        await notify(
            session,
            hostel_id=complaint.hostel_id,
            user_ids=[resident],
            type=RESOLVED_TYPE,
            data={**_details(complaint), "summary": summary},
            source="complaint",
        )
    return complaint.id


async def confirm(ctx: Any, session: Any, complaint_id: Ref[m.Complaint]) -> int:
    """The resident confirms their resolved complaint is fixed: it closes."""
    complaint = await _locked(session, complaint_id)
    await _require_filer(ctx, session, complaint)
    move(session, complaint, S.CLOSED, E.CONFIRMED, ctx.user_id, "Confirmed by the resident")
    complaint.closed_at = _now()
    complaint.confirm_by = None
    return complaint.id


async def reopen(ctx: Any, session: Any, complaint_id: Ref[m.Complaint], reason: str) -> int:
    """The resident reopens their resolved complaint within the confirmation window: the
    resolution stops being final and staff pick it up again."""
    reason = _text(reason, "reason", "The reason")
    complaint = await _locked(session, complaint_id)
    await _require_filer(ctx, session, complaint)
    now = _now()
    if complaint.status is S.RESOLVED and complaint.confirm_by is not None and now > complaint.confirm_by:
        raise user_error(ErrorCode.CONFLICT, "The window to reopen this complaint has passed.", "complaintId")
    move(session, complaint, S.REOPENED, E.REOPENED, ctx.user_id, reason)
    await session.execute(
        update(m.ComplaintResolution)
        .where(m.ComplaintResolution.complaint_id == complaint.id, m.ComplaintResolution.is_final_resolution.is_(True))
        .values(is_final_resolution=False, reopened_at=now, reopen_reason=reason)
    )
    complaint.reopen_count += 1
    complaint.resolved_at = None
    complaint.confirm_by = None
    complaint.assigned_to_id = None
    return complaint.id


def sentiment(rating: int) -> m.FeedbackSentiment:
    if rating >= 4:
        return m.FeedbackSentiment.POSITIVE
    return m.FeedbackSentiment.NEUTRAL if rating == 3 else m.FeedbackSentiment.NEGATIVE


async def give_feedback(
    ctx: Any,
    session: Any,
    complaint_id: Ref[m.Complaint],
    rating: Annotated[int, Doc("Overall, 1 (very unhappy) to 5 (very happy).")],
    comments: str | None = None,
    response_time_rating: int | None = None,
    staff_rating: int | None = None,
    resolution_rating: int | None = None,
) -> int:
    """The resident rates how their closed complaint was handled: once per complaint."""
    for name, value in (
        ("rating", rating),
        ("responseTimeRating", response_time_rating),
        ("staffRating", staff_rating),
        ("resolutionRating", resolution_rating),
    ):
        if value is not None and not 1 <= value <= 5:
            raise user_error(ErrorCode.INVALID, "Ratings are 1 to 5.", name)
    complaint = await _locked(session, complaint_id)
    await _require_filer(ctx, session, complaint)
    if complaint.status is not S.CLOSED:
        raise user_error(ErrorCode.CONFLICT, "Feedback is given once the complaint is closed.", "complaintId")
    exists = await session.scalar(
        select(m.ComplaintFeedback.id).where(m.ComplaintFeedback.complaint_id == complaint.id)
    )
    if exists is not None:
        raise user_error(ErrorCode.CONFLICT, "Feedback on this complaint was given already.", "complaintId")
    row = m.ComplaintFeedback(
        complaint_id=complaint.id,
        rating=rating,
        comments=(comments or "").strip() or None,
        response_time_rating=response_time_rating,
        staff_rating=staff_rating,
        resolution_rating=resolution_rating,
        sentiment=sentiment(rating),
        follow_up_required=rating <= 2,
    )
    session.add(row)
    await session.flush()
    return row.id
