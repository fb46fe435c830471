"""Approval of announcements per the hostel's rules.

Submitting (`submit`): the strictest active `AnnouncementApprovalWorkflow` whose categories and
minimum priority cover the announcement applies; none: no approval needed (APPROVED at once).
Where one applies, a matching active `AnnouncementApprovalRule` (category, at most its
priority, at most its audience) approves it at once (AUTO_APPROVED, the rule's use counted);
otherwise it waits (PENDING_APPROVAL) for `required_approvals` distinct approvers of the
workflow's roles, never its author, within `sla_hours` (then the scheduling job escalates it).
Each submission opens an `AnnouncementApproval`; every step is a history row.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import text

from auth.permissions import HOSTEL_STAFF
from kit.errors import ErrorCode, user_error
from models.announcement import (
    PRIORITY_RANK,
    AnnouncementAction,
    AnnouncementApprovalRule,
    AnnouncementApprovalStatus,
    AnnouncementApprovalWorkflow,
    AnnouncementCategory,
    AnnouncementPriority,
    AnnouncementStatus,
)
from resolvers.announcement import audience, publishing, states

CATEGORIES = {c.value for c in AnnouncementCategory}


def _check_categories(categories: list[str] | None) -> None:
    unknown = [c for c in categories or [] if c not in CATEGORIES]
    if unknown:
        raise user_error(
            ErrorCode.INVALID, f"{unknown[0]!r} is not a category ({', '.join(sorted(CATEGORIES))}).", "categories"
        )


async def check_workflow(ctx: Any, session: Any, workflow: AnnouncementApprovalWorkflow) -> None:
    """Known categories and staff roles; 1-5 approvals; a positive SLA."""
    _check_categories(workflow.categories)
    roles = [r for r in workflow.approver_roles or [] if r not in HOSTEL_STAFF]
    if roles:
        raise user_error(
            ErrorCode.INVALID, f"{roles[0]!r} is not a staff role ({', '.join(HOSTEL_STAFF)}).", "approverRoles"
        )
    if not 1 <= (workflow.required_approvals or 1) <= 5:
        raise user_error(ErrorCode.INVALID, "Between 1 and 5 approvals.", "requiredApprovals")
    if workflow.sla_hours is not None and workflow.sla_hours <= 0:
        raise user_error(ErrorCode.INVALID, "The SLA is a positive number of hours.", "slaHours")


async def check_rule(ctx: Any, session: Any, rule: AnnouncementApprovalRule) -> None:
    _check_categories(rule.categories)
    if rule.max_recipients is not None and rule.max_recipients < 1:
        raise user_error(ErrorCode.INVALID, "At least one recipient.", "maxRecipients")


def _covers(categories: list[str], category: str) -> bool:
    return not categories or category in categories


def _rank(priority: str) -> int:
    return PRIORITY_RANK[AnnouncementPriority(priority)]


async def submit(db: Any, row: Any, actor: int, now: dt.datetime, publish_on_approval: bool) -> None:
    """Submit the locked DRAFT `row` (see the module's docstring)."""
    states.check(row.status, AnnouncementStatus.PENDING_APPROVAL)
    h = row.hostel_id
    members = await audience.compute(db, h, row.id)
    if not members:
        raise user_error(ErrorCode.INVALID, "The announcement's targets reach no current resident.", "announcementId")
    workflows = [
        w
        for w in (
            await db.execute(
                text(
                    "SELECT id, name, categories, min_priority, required_approvals, sla_hours "
                    "FROM announcement_approval_workflows WHERE hostel_id = :h AND active ORDER BY id"
                ),
                {"h": h},
            )
        ).all()
        if _covers(w.categories, row.category) and _rank(row.priority) >= _rank(w.min_priority)
    ]
    workflow = max(workflows, key=lambda w: (w.required_approvals, -w.id), default=None)
    rule = None
    if workflow is not None:
        rule = next(
            (
                r
                for r in (
                    await db.execute(
                        text(
                            "SELECT id, name, categories, max_priority, max_recipients FROM announcement_approval_rules "
                            "WHERE hostel_id = :h AND active ORDER BY id"
                        ),
                        {"h": h},
                    )
                ).all()
                if _covers(r.categories, row.category)
                and _rank(row.priority) <= _rank(r.max_priority)
                and (r.max_recipients is None or len(members) <= r.max_recipients)
            ),
            None,
        )
    if workflow is None:
        status, note = AnnouncementApprovalStatus.NOT_REQUIRED, "no approval workflow applies"
    elif rule is not None:
        status, note = AnnouncementApprovalStatus.AUTO_APPROVED, f"auto-approved by rule {rule.name!r}"
    else:
        status, note = AnnouncementApprovalStatus.PENDING, f"awaiting {workflow.required_approvals} approval(s)"
    approval_id = (
        await db.execute(
            text(
                "INSERT INTO announcement_approvals (hostel_id, announcement_id, workflow_id, rule_id, requested_by_user_id, "
                "status, required_approvals, publish_on_approval, due_at, decided_at, created_by) "
                "VALUES (:h, :a, :w, :r, :u, :s, :n, :p, :due, :decided, :u) RETURNING id"
            ),
            {
                "h": h,
                "a": row.id,
                "w": workflow.id if workflow else None,
                "r": rule.id if rule else None,
                "u": actor,
                "s": status.value,
                "n": workflow.required_approvals if workflow else 0,
                "p": publish_on_approval,
                "due": now + dt.timedelta(hours=workflow.sla_hours) if workflow and not rule else None,
                "decided": None if status is AnnouncementApprovalStatus.PENDING else now,
            },
        )
    ).scalar_one()
    await states.move(
        db, row, AnnouncementStatus.PENDING_APPROVAL, AnnouncementAction.SUBMITTED, actor, note, approval_id
    )
    if status is AnnouncementApprovalStatus.PENDING:
        return
    if rule is not None:
        await db.execute(
            text(
                "UPDATE announcement_approval_rules SET usage_count = usage_count + 1, last_used_at = :now, "
                "updated_at = now() WHERE id = :r"
            ),
            {"r": rule.id, "now": now},
        )
    row = await states.lock(db, h, row.id)
    action = AnnouncementAction.AUTO_APPROVED
    await states.move(db, row, AnnouncementStatus.APPROVED, action, actor, note, approval_id)
    if publish_on_approval:
        await after_approval(db, await states.lock(db, h, row.id), actor, now)


async def after_approval(db: Any, row: Any, actor: int | None, now: dt.datetime) -> None:
    """An approval that asked to publish: at its time (scheduled) or now."""
    from resolvers.announcement import scheduling

    if row.scheduled_for is not None and row.scheduled_for > now:
        await scheduling.schedule(db, row, actor, row.scheduled_for, row.expires_at)
    else:
        await publishing.publish(db, row, actor, now)


async def _pending(db: Any, row: Any) -> Any:
    approval = (
        await db.execute(
            text(
                "SELECT a.id, a.required_approvals, a.approvals_given, a.approver_user_ids, a.publish_on_approval, "
                "w.approver_roles FROM announcement_approvals a "
                "LEFT JOIN announcement_approval_workflows w ON w.hostel_id = a.hostel_id AND w.id = a.workflow_id "
                "WHERE a.hostel_id = :h AND a.announcement_id = :a AND a.status = 'PENDING' "
                "ORDER BY a.id DESC LIMIT 1 FOR UPDATE OF a"
            ),
            {"h": row.hostel_id, "a": row.id},
        )
    ).first()
    if approval is None:  # the status says pending: the round exists; belt and braces
        raise user_error(ErrorCode.CONFLICT, "The announcement awaits no approval.", "announcementId")
    return approval


async def approve(db: Any, row: Any, actor: int, roles: frozenset[str], now: dt.datetime, note: str | None) -> None:
    """One approval of the locked PENDING_APPROVAL `row` by `actor`."""
    states.check(row.status, AnnouncementStatus.APPROVED)
    if row.author_user_id == actor:
        raise user_error(ErrorCode.FORBIDDEN, "The author of an announcement cannot approve it.", "announcementId")
    approval = await _pending(db, row)
    allowed = set(approval.approver_roles or [])
    if allowed and roles.isdisjoint(allowed):
        raise user_error(
            ErrorCode.FORBIDDEN,
            f"Only {', '.join(sorted(allowed))} may approve announcements under this workflow.",
            "announcementId",
        )
    if actor in (approval.approver_user_ids or []):
        raise user_error(ErrorCode.CONFLICT, "You have approved this announcement already.", "announcementId")
    given = approval.approvals_given + 1
    final = given >= approval.required_approvals
    await db.execute(
        text(
            "UPDATE announcement_approvals SET approvals_given = :n, approver_user_ids = array_append(approver_user_ids, "
            "CAST(:u AS bigint)), status = :s, decided_by_user_id = :d, decided_at = :at, decision_note = :note, "
            "updated_at = now(), updated_by = :u WHERE id = :id"
        ),
        {
            "n": given,
            "u": actor,
            "s": "APPROVED" if final else "PENDING",
            "d": actor if final else None,
            "at": now if final else None,
            "note": note,
            "id": approval.id,
        },
    )
    step = f"approval {given} of {approval.required_approvals}" + (f": {note}" if note else "")
    if not final:
        await states.record(
            db, row, AnnouncementAction.APPROVED, AnnouncementStatus.PENDING_APPROVAL, actor, step, approval.id
        )
        return
    await states.move(db, row, AnnouncementStatus.APPROVED, AnnouncementAction.APPROVED, actor, step, approval.id)
    if approval.publish_on_approval:
        await after_approval(db, await states.lock(db, row.hostel_id, row.id), actor, now)


async def reject(db: Any, row: Any, actor: int, now: dt.datetime, reason: str) -> None:
    states.check(row.status, AnnouncementStatus.REJECTED)
    if row.author_user_id == actor:
        raise user_error(ErrorCode.FORBIDDEN, "The author of an announcement cannot decide on it.", "announcementId")
    approval = await _pending(db, row)
    await db.execute(
        text(
            "UPDATE announcement_approvals SET status = 'REJECTED', decided_by_user_id = :u, decided_at = :at, "
            "decision_note = :note, updated_at = now(), updated_by = :u WHERE id = :id"
        ),
        {"u": actor, "at": now, "note": reason, "id": approval.id},
    )
    await states.move(db, row, AnnouncementStatus.REJECTED, AnnouncementAction.REJECTED, actor, reason, approval.id)


async def withdraw_open_rounds(db: Any, row: Any, actor: int) -> None:
    await db.execute(
        text(
            "UPDATE announcement_approvals SET status = 'WITHDRAWN', updated_at = now(), updated_by = :u "
            "WHERE hostel_id = :h AND announcement_id = :a AND status = 'PENDING'"
        ),
        {"u": actor, "h": row.hostel_id, "a": row.id},
    )
