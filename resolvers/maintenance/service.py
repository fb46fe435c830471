"""The maintenance workflows (schema/maintenance.py): a request's state machine, approval by
cost, assignment to staff or to a vendor under an active contract, completion with materials,
quality check and certificate; costs against the category budget, vendor invoices, vendor
reviews.

The request's moves (each writes a `MaintenanceStatusHistory` row; any other move is CONFLICT
and changes nothing):

    OPEN ------------------------------> ASSIGNED -> IN_PROGRESS -> COMPLETED -> VERIFIED
    PENDING_APPROVAL -> APPROVED ------^    ^  (reassign)     ^-- failed quality check --'
                     -> REJECTED
    any of OPEN .. IN_PROGRESS -> CANCELLED

`open_request` is the one way a request is made (the `maintenanceRequestCreate` mutation, the
schedule job, and the complaints slice when a complaint needs a repair): it decides whether the
estimate needs approval and by whom.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any

import strawberry
from sqlalchemy import select, text, update

import models as m
from auth.permissions import HOSTEL_ADMINS
from kit import clock
from kit.errors import ErrorCode, user_error
from kit.ids import InvalidId, decode_gid
from kit.workflow import Doc, GlobalID, Ref
from resolvers.notification.pipeline import notify, register_defaults

S = m.MaintenanceRequestStatus
CENT = Decimal("0.01")
NUMBER_LOCK = 0x6D6E7472  # advisory lock key ("mntr") of a hostel's request numbers
ASSIGNABLE = (S.OPEN, S.APPROVED, S.ASSIGNED)
CANCELLABLE = (S.OPEN, S.PENDING_APPROVAL, S.APPROVED, S.ASSIGNED, S.IN_PROGRESS)

ASSIGNED = "maintenance.assigned"
APPROVAL_ASKED = "maintenance.approval_requested"
register_defaults(
    ASSIGNED,
    {"IN_APP": ("Maintenance {{ reference }} assigned to you", "{{ title }}, planned for {{ day }}.")},
)
register_defaults(
    APPROVAL_ASKED,
    {"IN_APP": ("Approve maintenance {{ reference }}", "{{ title }}: estimate Rs {{ estimate }} needs your approval.")},
)


def money(value: Decimal, field: str, *, positive: bool = False) -> Decimal:
    """An amount in rupees with at most two decimals, not negative (or positive)."""
    if not value.is_finite() or value < 0 or (positive and value == 0) or value != value.quantize(CENT):
        raise user_error(
            ErrorCode.INVALID,
            f"An amount {'above' if positive else 'of at least'} 0 with at most two decimals, please.",
            field,
        )
    return value


def _hostel(ctx: Any) -> int:
    if ctx.hostel_id is None:
        raise user_error(ErrorCode.INVALID, "Choose a hostel first (X-Tenant-Id with the Hostel's ID).")
    return int(ctx.hostel_id)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def _staff_member(db: Any, hostel_id: int, user_id: int, field: str) -> None:
    """Refuse a user who is not staff of the hostel (its admin or supervisor, or a platform
    administrator, who may act in any hostel): NOT_FOUND."""
    found = await db.execute(
        text(
            "SELECT 1 FROM role_assignments WHERE user_id = :u AND hostel_id = :h AND active "
            "AND role IN ('HOSTEL_ADMIN', 'SUPERVISOR') "
            "UNION ALL SELECT 1 FROM role_assignments WHERE user_id = :u AND active "
            "AND role IN ('SUPER_ADMIN', 'PLATFORM_ADMIN') AND hostel_id IS NULL AND school_id IS NULL "
            "UNION ALL SELECT 1 FROM admin_users a JOIN admin_hostel_assignments h ON h.admin_user_id = a.id "
            "WHERE a.user_id = :u AND h.hostel_id = :h LIMIT 1"
        ),
        {"u": user_id, "h": hostel_id},
    )
    if found.first() is None:
        raise user_error(ErrorCode.NOT_FOUND, "No staff member of this hostel with this ID.", field)


def _user_id(value: Any, field: str) -> int:
    try:
        kind, pk = decode_gid(str(value))
    except InvalidId:
        kind, pk = "", 0
    if kind != "User":
        raise user_error(ErrorCode.NOT_FOUND, "No staff member of this hostel with this ID.", field)
    return int(pk)


async def _move(
    db: Any, request: Any, to: m.MaintenanceRequestStatus, user_id: int | None, note: str | None = None, **values: Any
) -> None:
    """Move a request (locked by the caller) and write its history row."""
    await db.execute(
        update(m.MaintenanceRequest.__table__)
        .where(m.MaintenanceRequest.__table__.c.id == request.id)
        .values(status=to, updated_at=_now(), updated_by=user_id, **values)
    )
    await db.execute(
        m.MaintenanceStatusHistory.__table__.insert().values(
            hostel_id=request.hostel_id,
            request_id=request.id,
            from_status=request.status.value if request.status is not None else None,
            to_status=to.value,
            changed_by_user_id=user_id,
            note=note,
            created_by=user_id,
        )
    )


async def _locked(session: Any, request_id: int) -> Any:
    """The request's row, locked until the mutation ends (two moves at once: one waits)."""
    t = m.MaintenanceRequest.__table__
    row = (await session.execute(select(t).where(t.c.id == request_id).with_for_update())).first()
    if row is None:
        raise user_error(ErrorCode.NOT_FOUND, "No MaintenanceRequest with this ID.", "maintenanceRequestId")
    return row


def _refuse(row: Any, move: str, allowed: tuple[m.MaintenanceRequestStatus, ...]) -> None:
    if row.status not in allowed:
        raise user_error(
            ErrorCode.CONFLICT,
            f"A request that is {row.status.value} cannot be {move} "
            f"(only one that is {' or '.join(s.value for s in allowed)}).",
            "maintenanceRequestId",
        )


# ---- creating ------------------------------------------------------------------------------------


async def open_request(
    db: Any,
    *,
    hostel_id: int,
    issue_type_id: int,
    title: str,
    user_id: int | None,
    source: m.MaintenanceSource = m.MaintenanceSource.STAFF,
    description: str | None = None,
    room_id: int | None = None,
    amenity_id: int | None = None,
    floor: int | None = None,
    student_id: int | None = None,
    complaint_id: int | None = None,
    priority: m.MaintenancePriority | None = None,
    estimated_cost: Decimal = Decimal("0"),
    due_on: dt.date | None = None,
) -> int:
    """Open a request (Core statements: `db` is a request's session or a job's connection,
    scoped to `hostel_id`). An estimate above a threshold starts its approval: the highest
    threshold it exceeds names the approver, who is told."""
    issue = (
        await db.execute(
            text(
                "SELECT default_priority, target_days FROM maintenance_issue_types "
                "WHERE hostel_id = :h AND id = :i AND active"
            ),
            {"h": hostel_id, "i": issue_type_id},
        )
    ).first()
    if issue is None:
        raise user_error(ErrorCode.NOT_FOUND, "No active MaintenanceIssueType with this ID.", "issueTypeId")
    threshold = (
        await db.execute(
            text(
                "SELECT id, approver_user_id FROM maintenance_approval_thresholds "
                "WHERE hostel_id = :h AND active AND amount < :e ORDER BY amount DESC LIMIT 1"
            ),
            {"h": hostel_id, "e": estimated_cost},
        )
    ).first()
    # numbers are per hostel and gap-free: two requests opened at once take turns (the lock ends
    # with the transaction)
    await db.execute(
        text("SELECT pg_advisory_xact_lock(CAST(:k AS integer), CAST(:h AS integer))"),
        {"k": NUMBER_LOCK, "h": hostel_id},
    )
    number = await db.scalar(
        text("SELECT count(*) + 1 FROM maintenance_requests WHERE hostel_id = :h"), {"h": hostel_id}
    )
    status = S.PENDING_APPROVAL if threshold is not None else S.OPEN
    t = m.MaintenanceRequest.__table__
    request_id = await db.scalar(
        t.insert()
        .values(
            hostel_id=hostel_id,
            request_number=f"MR-{number:06d}",
            issue_type_id=issue_type_id,
            room_id=room_id,
            amenity_id=amenity_id,
            floor=floor,
            student_id=student_id,
            complaint_id=complaint_id,
            requested_by_id=user_id if source is not m.MaintenanceSource.SCHEDULE else None,
            source=source,
            title=title,
            description=description,
            priority=priority or m.MaintenancePriority(issue.default_priority),
            status=status,
            estimated_cost=estimated_cost,
            approval_required=threshold is not None,
            due_on=due_on or clock.today() + dt.timedelta(days=issue.target_days),
            created_by=user_id,
        )
        .returning(t.c.id)
    )
    await db.execute(
        m.MaintenanceStatusHistory.__table__.insert().values(
            hostel_id=hostel_id,
            request_id=request_id,
            from_status=None,
            to_status=status.value,
            changed_by_user_id=user_id,
            note=f"opened ({source.value.lower()})",
            created_by=user_id,
        )
    )
    if threshold is not None:
        wf = m.MaintenanceApprovalWorkflow.__table__
        workflow_id = await db.scalar(
            wf.insert()
            .values(
                hostel_id=hostel_id,
                request_id=request_id,
                threshold_id=threshold.id,
                submitted_at=_now(),
                created_by=user_id,
            )
            .returning(wf.c.id)
        )
        await db.execute(
            m.MaintenanceApproval.__table__.insert().values(
                hostel_id=hostel_id,
                request_id=request_id,
                workflow_id=workflow_id,
                approver_id=threshold.approver_user_id,
                estimated_cost=estimated_cost,
                created_by=user_id,
            )
        )
        await notify(
            db,
            hostel_id=hostel_id,
            user_ids=[threshold.approver_user_id],
            type=APPROVAL_ASKED,
            data={"reference": f"MR-{number:06d}", "title": title, "estimate": str(estimated_cost)},
            source="maintenance",
        )
    return int(request_id)


async def create_request(
    ctx: Any,
    session: Any,
    issue_type_id: Ref[m.MaintenanceIssueType],
    title: str,
    description: str | None = None,
    room_id: Ref[m.Room] | None = None,
    amenity_id: Ref[m.HostelAmenity] | None = None,
    floor: Annotated[int | None, Doc("The floor concerned, for floor-wide work.")] = None,
    student_id: Ref[m.HostelStudent] | None = None,  # the resident it is raised for: they can follow it
    priority: Annotated[m.MaintenancePriority | None, Doc("Default: the issue type's.")] = None,
    estimated_cost: Annotated[Decimal, Doc("Rupees; above a threshold it needs approval.")] = Decimal("0"),
    due_on: Annotated[dt.date | None, Doc("Default: today plus the issue type's target days.")] = None,
    complaint_id: Ref[m.Complaint] | None = None,  # the complaint it answers: its room, resident, text
) -> int:
    """Raise a maintenance request (staff), from a complaint or not. An estimate above one of
    the hostel's approval thresholds waits for the approver the threshold names
    (PENDING_APPROVAL); otherwise it is OPEN. From a complaint, the room, the resident (who
    can then follow the request) and the description default to the complaint's."""
    if not title.strip():
        raise user_error(ErrorCode.INVALID, "A request needs a title.", "title")
    if due_on is not None and due_on < clock.today():
        raise user_error(ErrorCode.INVALID, "The due date cannot be in the past.", "dueOn")
    source = m.MaintenanceSource.STAFF
    if complaint_id is not None:
        complaint = await session.get(m.Complaint, complaint_id)
        if complaint is None:  # (the Ref already found it in this hostel: a race with nothing)
            raise user_error(ErrorCode.NOT_FOUND, "No Complaint with this ID.", "complaintId")
        source = m.MaintenanceSource.COMPLAINT
        student_id = student_id if student_id is not None else complaint.student_id
        room_id = room_id if room_id is not None else complaint.room_id
        description = description if description is not None else complaint.description
    return await open_request(
        session,
        hostel_id=_hostel(ctx),
        issue_type_id=issue_type_id,
        title=title.strip(),
        user_id=ctx.user_id,
        description=description,
        room_id=room_id,
        amenity_id=amenity_id,
        floor=floor,
        student_id=student_id,
        complaint_id=complaint_id,
        source=source,
        priority=priority,
        estimated_cost=money(estimated_cost, "estimatedCost"),
        due_on=due_on,
    )


async def update_request(
    ctx: Any,
    session: Any,
    maintenance_request_id: Ref[m.MaintenanceRequest],
    title: str | None = None,
    description: str | None = None,
    priority: m.MaintenancePriority | None = None,
    due_on: dt.date | None = None,
) -> int:
    """Change what a request says (title, description, priority, due date) while it is not
    finished. Its estimate is not changed here: the approval was given for it."""
    row = await _locked(session, maintenance_request_id)
    _refuse(row, "changed", CANCELLABLE)
    values: dict[str, Any] = {}
    if title is not None:
        if not title.strip():
            raise user_error(ErrorCode.INVALID, "A request needs a title.", "title")
        values["title"] = title.strip()
    if description is not None:
        values["description"] = description
    if priority is not None:
        values["priority"] = priority
    if due_on is not None:
        if due_on < clock.today():
            raise user_error(ErrorCode.INVALID, "The due date cannot be in the past.", "dueOn")
        values["due_on"] = due_on
    if values:
        t = m.MaintenanceRequest.__table__
        await session.execute(
            update(t).where(t.c.id == row.id).values(**values, updated_at=_now(), updated_by=ctx.user_id)
        )
    return int(row.id)


# ---- approval ------------------------------------------------------------------------------------


async def _decide(ctx: Any, session: Any, request_id: int, approve: bool, notes: str | None) -> int:
    row = await _locked(session, request_id)
    _refuse(row, "approved or rejected", (S.PENDING_APPROVAL,))
    if row.requested_by_id == ctx.user_id:
        raise user_error(ErrorCode.FORBIDDEN, "A request cannot be approved or rejected by its requester.")
    a = m.MaintenanceApproval.__table__
    approval = (
        await session.execute(
            select(a.c.id, a.c.approver_id, a.c.workflow_id)
            .where(a.c.request_id == row.id, a.c.status == m.MaintenanceApprovalStatus.PENDING)
            .with_for_update()
        )
    ).first()
    if approval is None or approval.approver_id != ctx.user_id:
        raise user_error(ErrorCode.FORBIDDEN, "Only the approver named by the request's threshold may decide it.")
    decision = m.MaintenanceApprovalStatus.APPROVED if approve else m.MaintenanceApprovalStatus.REJECTED
    now = _now()
    await session.execute(
        update(a)
        .where(a.c.id == approval.id)
        .values(status=decision, decided_at=now, notes=notes, updated_at=now, updated_by=ctx.user_id)
    )
    wf = m.MaintenanceApprovalWorkflow.__table__
    await session.execute(
        update(wf)
        .where(wf.c.id == approval.workflow_id)
        .values(status=decision, decided_at=now, updated_at=now, updated_by=ctx.user_id)
    )
    await _move(session, row, S.APPROVED if approve else S.REJECTED, ctx.user_id, notes)
    return int(approval.id)


async def approve(
    ctx: Any, session: Any, maintenance_request_id: Ref[m.MaintenanceRequest], notes: str | None = None
) -> int:
    """Approve a request waiting for approval: only the approver its threshold names, never its requester."""
    return await _decide(ctx, session, maintenance_request_id, True, notes)


async def reject(
    ctx: Any, session: Any, maintenance_request_id: Ref[m.MaintenanceRequest], notes: str | None = None
) -> int:
    """Reject a request waiting for approval (the same approver); it ends there."""
    return await _decide(ctx, session, maintenance_request_id, False, notes)


async def check_threshold(ctx: Any, session: Any, threshold: m.ApprovalThreshold) -> None:
    """A threshold's amount is money and its approver is staff of the hostel."""
    money(threshold.amount, "amount")
    await _staff_member(session, _hostel(ctx), threshold.approver_user_id, "approverUserId")


async def check_schedule(ctx: Any, session: Any, schedule: m.MaintenanceSchedule) -> None:
    """A schedule's estimate is money and its assignee, if any, is staff of the hostel."""
    money(schedule.estimated_cost, "estimatedCost")
    if schedule.assign_to_user_id is not None:
        await _staff_member(session, _hostel(ctx), schedule.assign_to_user_id, "assignToUserId")


# ---- assignment ----------------------------------------------------------------------------------


async def _end_assignments(
    session: Any, request_id: int, status: m.MaintenanceAssignmentStatus, user_id: int | None
) -> None:
    for model in (m.MaintenanceAssignment, m.VendorAssignment):
        t = model.__table__
        await session.execute(
            update(t)
            .where(t.c.request_id == request_id, t.c.status == m.MaintenanceAssignmentStatus.ACTIVE)
            .values(status=status, updated_at=_now(), updated_by=user_id)
        )


async def assign(
    ctx: Any,
    session: Any,
    maintenance_request_id: Ref[m.MaintenanceRequest],
    assignee_id: Annotated[GlobalID, Doc("Global ID of the User (an admin or supervisor of the hostel).")],
    scheduled_on: Annotated[dt.date | None, Doc("The day it is planned for; default today.")] = None,
    notes: str | None = None,
) -> int:
    """Give a request to a staff member (replacing any earlier assignment). A request waiting
    for approval, or rejected, cannot be assigned."""
    hostel_id = _hostel(ctx)
    user_id = _user_id(assignee_id, "assigneeId")
    row = await _locked(session, maintenance_request_id)
    _refuse(row, "assigned", ASSIGNABLE)
    await _staff_member(session, hostel_id, user_id, "assigneeId")
    day = scheduled_on or clock.today()
    if day < clock.today():
        raise user_error(ErrorCode.INVALID, "Work cannot be planned in the past.", "scheduledOn")
    await _end_assignments(session, row.id, m.MaintenanceAssignmentStatus.REPLACED, ctx.user_id)
    t = m.MaintenanceAssignment.__table__
    pk = await session.scalar(
        t.insert()
        .values(
            hostel_id=hostel_id,
            request_id=row.id,
            assigned_to_id=user_id,
            assigned_by_user_id=ctx.user_id,
            scheduled_on=day,
            notes=notes,
            created_by=ctx.user_id,
        )
        .returning(t.c.id)
    )
    await _move(session, row, S.ASSIGNED, ctx.user_id, notes, assigned_to_id=user_id, vendor_id=None)
    await notify(
        session,
        hostel_id=hostel_id,
        user_ids=[user_id],
        type=ASSIGNED,
        data={"reference": row.request_number, "title": row.title, "day": day.isoformat()},
        source="maintenance",
    )
    return int(pk)


async def assign_vendor(
    ctx: Any,
    session: Any,
    maintenance_request_id: Ref[m.MaintenanceRequest],
    contract_id: Annotated[Ref[m.VendorContract], Doc("An active contract in force on the planned day.")],
    quoted_amount: Annotated[Decimal, Doc("The vendor's quote for the job (rupees).")],
    scheduled_on: Annotated[dt.date | None, Doc("The day it is planned for; default today.")] = None,
) -> int:
    """Give a request to a vendor under an active contract in force on the planned day, at a quote
    within the contract's per-job limit."""
    hostel_id = _hostel(ctx)
    money(quoted_amount, "quotedAmount")
    row = await _locked(session, maintenance_request_id)
    _refuse(row, "assigned", ASSIGNABLE)
    day = scheduled_on or clock.today()
    if day < clock.today():
        raise user_error(ErrorCode.INVALID, "Work cannot be planned in the past.", "scheduledOn")
    contract = (
        await session.execute(
            text(
                "SELECT c.id, c.vendor_id, c.active, c.starts_on, c.ends_on, c.max_job_amount, v.active AS vendor_active "
                "FROM maintenance_vendor_contracts c JOIN maintenance_vendors v "
                "ON v.hostel_id = c.hostel_id AND v.id = c.vendor_id WHERE c.hostel_id = :h AND c.id = :c"
            ),
            {"h": hostel_id, "c": contract_id},
        )
    ).first()
    if not (contract.active and contract.vendor_active and contract.starts_on <= day <= contract.ends_on):
        raise user_error(
            ErrorCode.CONFLICT,
            "The contract is not active on the planned day: work goes only to contracted vendors.",
            "contractId",
        )
    if quoted_amount > contract.max_job_amount:
        raise user_error(
            ErrorCode.CONFLICT,
            f"The quote is above the contract's limit of Rs {contract.max_job_amount} per job.",
            "quotedAmount",
        )
    await _end_assignments(session, row.id, m.MaintenanceAssignmentStatus.REPLACED, ctx.user_id)
    t = m.VendorAssignment.__table__
    pk = await session.scalar(
        t.insert()
        .values(
            hostel_id=hostel_id,
            request_id=row.id,
            vendor_id=contract.vendor_id,
            contract_id=contract.id,
            assigned_by_user_id=ctx.user_id,
            quoted_amount=quoted_amount,
            scheduled_on=day,
            created_by=ctx.user_id,
        )
        .returning(t.c.id)
    )
    await _move(session, row, S.ASSIGNED, ctx.user_id, None, vendor_id=contract.vendor_id, assigned_to_id=None)
    return int(pk)


# ---- work ----------------------------------------------------------------------------------------


async def start(ctx: Any, session: Any, maintenance_request_id: Ref[m.MaintenanceRequest]) -> int:
    """Start work on an assigned request."""
    row = await _locked(session, maintenance_request_id)
    _refuse(row, "started", (S.ASSIGNED,))
    await _move(session, row, S.IN_PROGRESS, ctx.user_id)
    return int(row.id)


async def cancel(ctx: Any, session: Any, maintenance_request_id: Ref[m.MaintenanceRequest], reason: str) -> int:
    """Cancel a request that is not finished; its assignments end."""
    if not reason.strip():
        raise user_error(ErrorCode.INVALID, "Say why the request is cancelled.", "reason")
    row = await _locked(session, maintenance_request_id)
    _refuse(row, "cancelled", CANCELLABLE)
    await _end_assignments(session, row.id, m.MaintenanceAssignmentStatus.CANCELLED, ctx.user_id)
    await _move(session, row, S.CANCELLED, ctx.user_id, reason.strip())
    return int(row.id)


@strawberry.input(description="A material used by the work: what, how much, at what unit cost.")
class MaintenanceMaterialInput:
    name: str
    quantity: Decimal = strawberry.field(description="More than 0 (up to three decimals).")
    unit_cost: Decimal = strawberry.field(description="Rupees per unit.")
    unit: str | None = None


async def complete(
    ctx: Any,
    session: Any,
    maintenance_request_id: Ref[m.MaintenanceRequest],
    work_summary: str,
    labour_cost: Annotated[Decimal, Doc("Rupees.")],
    materials: list[MaintenanceMaterialInput] = (),  # type: ignore[assignment]  # a literal default in the schema
    certificate_number: Annotated[str | None, Doc("Required when the issue type requires a certificate.")] = None,
    certificate_issued_by: str | None = None,
    certificate_valid_until: dt.date | None = None,
) -> int:
    """Record the finished work: materials, labour, the actual cost (labour plus materials) and,
    where the issue type requires one, the certificate. Only an assigned or started request:
    one waiting for approval cannot complete."""
    hostel_id = _hostel(ctx)
    money(labour_cost, "labourCost")
    lines = []
    for i, item in enumerate(materials):
        if not item.name.strip():
            raise user_error(ErrorCode.INVALID, "A material needs a name.", "materials", str(i), "name")
        if (
            not item.quantity.is_finite()
            or item.quantity <= 0
            or item.quantity != item.quantity.quantize(Decimal("0.001"))
        ):
            raise user_error(
                ErrorCode.INVALID, "A quantity above 0, at most three decimals.", "materials", str(i), "quantity"
            )
        money(item.unit_cost, "unitCost")
        lines.append((item, (item.quantity * item.unit_cost).quantize(CENT, rounding=ROUND_HALF_UP)))
    row = await _locked(session, maintenance_request_id)
    if row.status in (S.PENDING_APPROVAL, S.REJECTED):
        raise user_error(
            ErrorCode.CONFLICT, "The request cannot complete before it is approved.", "maintenanceRequestId"
        )
    _refuse(row, "completed", (S.ASSIGNED, S.IN_PROGRESS))
    needs_certificate = await session.scalar(
        text("SELECT requires_certificate FROM maintenance_issue_types WHERE hostel_id = :h AND id = :i"),
        {"h": hostel_id, "i": row.issue_type_id},
    )
    has_certificate = await session.scalar(
        text("SELECT count(*) FROM maintenance_certificates WHERE hostel_id = :h AND request_id = :r"),
        {"h": hostel_id, "r": row.id},
    )
    if needs_certificate and not has_certificate and not (certificate_number and certificate_issued_by):
        raise user_error(
            ErrorCode.INVALID,
            "This issue type requires a certificate: give its number and who issued it.",
            "certificateNumber",
        )
    materials_cost = sum((total for _, total in lines), Decimal("0"))
    actual = labour_cost + materials_cost
    now = _now()
    c = m.MaintenanceCompletion.__table__
    completion_id = await session.scalar(
        c.insert()
        .values(
            hostel_id=hostel_id,
            request_id=row.id,
            completed_by_id=ctx.user_id,
            completed_at=now,
            work_summary=work_summary,
            labour_cost=labour_cost,
            materials_cost=materials_cost,
            actual_cost=actual,
            created_by=ctx.user_id,
        )
        .returning(c.c.id)
    )
    for item, total in lines:
        await session.execute(
            m.MaintenanceMaterial.__table__.insert().values(
                hostel_id=hostel_id,
                completion_id=completion_id,
                name=item.name.strip(),
                quantity=item.quantity,
                unit=item.unit,
                unit_cost=item.unit_cost,
                total_cost=total,
                created_by=ctx.user_id,
            )
        )
    if certificate_number and certificate_issued_by and not has_certificate:
        await session.execute(
            m.MaintenanceCertificate.__table__.insert().values(
                hostel_id=hostel_id,
                request_id=row.id,
                certificate_number=certificate_number.strip(),
                issued_by=certificate_issued_by.strip(),
                issued_on=clock.today(),
                valid_until=certificate_valid_until,
                created_by=ctx.user_id,
            )
        )
    await _end_assignments(session, row.id, m.MaintenanceAssignmentStatus.DONE, ctx.user_id)
    await _move(session, row, S.COMPLETED, ctx.user_id, None, actual_cost=actual, completed_at=now)
    return int(completion_id)


async def quality_check(
    ctx: Any,
    session: Any,
    maintenance_request_id: Ref[m.MaintenanceRequest],
    passed: bool,
    score: Annotated[int | None, Doc("1 to 5.")] = None,
    notes: str | None = None,
) -> int:
    """Inspect completed work: passed, the request is VERIFIED; failed, it goes back IN_PROGRESS."""
    if score is not None and not 1 <= score <= 5:
        raise user_error(ErrorCode.INVALID, "A score from 1 to 5.", "score")
    row = await _locked(session, maintenance_request_id)
    _refuse(row, "checked", (S.COMPLETED,))
    t = m.MaintenanceQualityCheck.__table__
    pk = await session.scalar(
        t.insert()
        .values(
            hostel_id=row.hostel_id,
            request_id=row.id,
            checked_by_id=ctx.user_id,
            checked_at=_now(),
            passed=passed,
            score=score,
            notes=notes,
            created_by=ctx.user_id,
        )
        .returning(t.c.id)
    )
    await _move(session, row, S.VERIFIED if passed else S.IN_PROGRESS, ctx.user_id, notes)
    return int(pk)


# ---- money ---------------------------------------------------------------------------------------


def is_admin(ctx: Any) -> bool:
    return not ctx.roles.isdisjoint(HOSTEL_ADMINS)


async def commit_cost(
    ctx: Any,
    session: Any,
    maintenance_request_id: Ref[m.MaintenanceRequest],
    amount: Annotated[Decimal, Doc("Rupees, above 0.")],
    cost_type: m.MaintenanceCostType,
    description: str | None = None,
    vendor_invoice_id: Ref[m.VendorInvoice] | None = None,  # the invoice it pays (matched or approved)
    override_reason: Annotated[
        str | None, Doc("Going beyond the remaining category budget: a hostel admin's reason (recorded).")
    ] = None,
) -> int:
    """Commit a cost of a request against its category's budget for the fiscal year of today.
    Beyond what remains it needs a hostel admin's override with a reason."""
    hostel_id = _hostel(ctx)
    money(amount, "amount", positive=True)
    row = await _locked(session, maintenance_request_id)
    if row.status in (S.PENDING_APPROVAL, S.REJECTED, S.CANCELLED):
        raise user_error(
            ErrorCode.CONFLICT,
            f"No cost can be committed for a request that is {row.status.value}.",
            "maintenanceRequestId",
        )
    if vendor_invoice_id is not None:
        invoice = (
            await session.execute(
                text(
                    "SELECT i.status, a.request_id FROM maintenance_vendor_invoices i "
                    "JOIN maintenance_vendor_assignments a ON a.hostel_id = i.hostel_id AND a.id = i.vendor_assignment_id "
                    "WHERE i.hostel_id = :h AND i.id = :i"
                ),
                {"h": hostel_id, "i": vendor_invoice_id},
            )
        ).first()
        if invoice.request_id != row.id or invoice.status not in ("MATCHED", "APPROVED"):
            raise user_error(
                ErrorCode.CONFLICT, "Only a matched or approved invoice of this request can be paid.", "vendorInvoiceId"
            )
    cb = m.CategoryBudget.__table__
    ba = m.BudgetAllocation.__table__
    budget = (
        await session.execute(
            select(cb.c.id, cb.c.amount, cb.c.committed_amount)
            .join(ba, (ba.c.hostel_id == cb.c.hostel_id) & (ba.c.id == cb.c.allocation_id))
            .where(
                cb.c.hostel_id == hostel_id,
                cb.c.issue_type_id == row.issue_type_id,
                ba.c.starts_on <= clock.today(),
                ba.c.ends_on >= clock.today(),
            )
            .with_for_update(of=cb)
        )
    ).first()
    if budget is None:
        raise user_error(
            ErrorCode.CONFLICT,
            "No budget for this issue type in the current fiscal year: allocate one first.",
            "maintenanceRequestId",
        )
    remaining = budget.amount - budget.committed_amount
    over = amount > remaining
    reason = (override_reason or "").strip() or None
    if over and reason is None:
        raise user_error(
            ErrorCode.CONFLICT,
            f"Rs {amount} is more than the Rs {remaining} left in the category budget: a hostel admin may "
            "commit it with an override reason.",
            "amount",
        )
    if over and not is_admin(ctx):
        raise user_error(ErrorCode.FORBIDDEN, "Only a hostel admin may go beyond the budget.", "overrideReason")
    t = m.MaintenanceCost.__table__
    pk = await session.scalar(
        t.insert()
        .values(
            hostel_id=hostel_id,
            request_id=row.id,
            category_budget_id=budget.id,
            vendor_invoice_id=vendor_invoice_id,
            cost_type=cost_type,
            amount=amount,
            description=description,
            remaining_before=remaining,
            over_budget=over,
            override_by_user_id=ctx.user_id if over else None,
            override_reason=reason if over else None,
            created_by=ctx.user_id,
        )
        .returning(t.c.id)
    )
    await session.execute(
        update(cb)
        .where(cb.c.id == budget.id)
        .values(committed_amount=cb.c.committed_amount + amount, updated_at=_now(), updated_by=ctx.user_id)
    )
    return int(pk)


async def record_invoice(
    ctx: Any,
    session: Any,
    vendor_assignment_id: Ref[m.VendorAssignment],
    invoice_number: str,
    invoice_date: dt.date,
    amount: Annotated[Decimal, Doc("Rupees, above 0.")],
) -> int:
    """Record a vendor's invoice for one of its assignments. Within the quote and the contract's
    per-job limit it is MATCHED; above either it waits for an admin (PENDING_APPROVAL)."""
    hostel_id = _hostel(ctx)
    money(amount, "amount", positive=True)
    if not invoice_number.strip():
        raise user_error(ErrorCode.INVALID, "An invoice needs its number.", "invoiceNumber")
    assignment = (
        await session.execute(
            text(
                "SELECT a.id, a.vendor_id, a.quoted_amount, a.status, c.max_job_amount, "
                "  (SELECT coalesce(sum(i.amount), 0) FROM maintenance_vendor_invoices i WHERE i.hostel_id = a.hostel_id "
                "   AND i.vendor_assignment_id = a.id AND i.status <> 'REJECTED') AS billed "
                "FROM maintenance_vendor_assignments a JOIN maintenance_vendor_contracts c "
                "ON c.hostel_id = a.hostel_id AND c.id = a.contract_id WHERE a.hostel_id = :h AND a.id = :a FOR UPDATE OF a"
            ),
            {"h": hostel_id, "a": vendor_assignment_id},
        )
    ).first()
    if assignment.status in (
        m.MaintenanceAssignmentStatus.REPLACED.value,
        m.MaintenanceAssignmentStatus.CANCELLED.value,
    ):
        raise user_error(
            ErrorCode.CONFLICT, "That assignment was replaced or cancelled: nothing to bill.", "vendorAssignmentId"
        )
    duplicate = await session.scalar(
        text(
            "SELECT 1 FROM maintenance_vendor_invoices WHERE hostel_id = :h AND vendor_id = :v AND invoice_number = :n"
        ),
        {"h": hostel_id, "v": assignment.vendor_id, "n": invoice_number.strip()},
    )
    if duplicate:
        raise user_error(
            ErrorCode.CONFLICT, "This vendor's invoice with that number is recorded already.", "invoiceNumber"
        )
    billed = assignment.billed + amount
    exceeds = billed > assignment.quoted_amount or billed > assignment.max_job_amount
    t = m.VendorInvoice.__table__
    pk = await session.scalar(
        t.insert()
        .values(
            hostel_id=hostel_id,
            vendor_id=assignment.vendor_id,
            vendor_assignment_id=assignment.id,
            invoice_number=invoice_number.strip(),
            invoice_date=invoice_date,
            amount=amount,
            status=m.VendorInvoiceStatus.PENDING_APPROVAL if exceeds else m.VendorInvoiceStatus.MATCHED,
            exceeds_terms=exceeds,
            created_by=ctx.user_id,
        )
        .returning(t.c.id)
    )
    return int(pk)


async def _decide_invoice(ctx: Any, session: Any, invoice_id: int, approve: bool) -> int:
    t = m.VendorInvoice.__table__
    row = (await session.execute(select(t.c.id, t.c.status).where(t.c.id == invoice_id).with_for_update())).first()
    if row.status is not m.VendorInvoiceStatus.PENDING_APPROVAL:
        raise user_error(
            ErrorCode.CONFLICT,
            f"Only an invoice waiting for approval can be decided (this one is {row.status.value}).",
            "vendorInvoiceId",
        )
    now = _now()
    await session.execute(
        update(t)
        .where(t.c.id == row.id)
        .values(
            status=m.VendorInvoiceStatus.APPROVED if approve else m.VendorInvoiceStatus.REJECTED,
            decided_by_user_id=ctx.user_id,
            decided_at=now,
            updated_at=now,
            updated_by=ctx.user_id,
        )
    )
    return int(row.id)


async def approve_invoice(ctx: Any, session: Any, vendor_invoice_id: Ref[m.VendorInvoice]) -> int:
    """Approve an invoice above the quote or the contract's per-job limit (hostel admins)."""
    return await _decide_invoice(ctx, session, vendor_invoice_id, True)


async def reject_invoice(ctx: Any, session: Any, vendor_invoice_id: Ref[m.VendorInvoice]) -> int:
    """Reject an invoice above the terms (hostel admins); it is never paid."""
    return await _decide_invoice(ctx, session, vendor_invoice_id, False)


# ---- vendors -------------------------------------------------------------------------------------


async def review_vendor(
    ctx: Any,
    session: Any,
    vendor_id: Ref[m.MaintenanceVendor],
    period_start: dt.date,
    period_end: dt.date,
    quality_rating: Annotated[int, Doc("1 to 5.")],
    timeliness_rating: Annotated[int, Doc("1 to 5.")],
    cost_rating: Annotated[int, Doc("1 to 5.")],
    comments: str | None = None,
) -> int:
    """Review a vendor's work over a period (once per vendor and period); its jobs done and on
    time are counted from the vendor's assignments."""
    hostel_id = _hostel(ctx)
    for field, value in (
        ("qualityRating", quality_rating),
        ("timelinessRating", timeliness_rating),
        ("costRating", cost_rating),
    ):
        if not 1 <= value <= 5:
            raise user_error(ErrorCode.INVALID, "A rating from 1 to 5.", field)
    if period_end < period_start:
        raise user_error(ErrorCode.INVALID, "The period ends before it starts.", "periodEnd")
    if period_end > clock.today():
        raise user_error(ErrorCode.INVALID, "Review a period that has ended.", "periodEnd")
    exists = await session.scalar(
        text(
            "SELECT 1 FROM maintenance_vendor_reviews WHERE hostel_id = :h AND vendor_id = :v "
            "AND period_start = :s AND period_end = :e"
        ),
        {"h": hostel_id, "v": vendor_id, "s": period_start, "e": period_end},
    )
    if exists:
        raise user_error(ErrorCode.CONFLICT, "This vendor was reviewed for this period already.", "periodStart")
    counts = (
        await session.execute(
            text(
                "SELECT count(*) AS done, count(*) FILTER (WHERE r.completed_at::date <= r.due_on) AS on_time "
                "FROM maintenance_vendor_assignments a JOIN maintenance_requests r "
                "ON r.hostel_id = a.hostel_id AND r.id = a.request_id "
                "WHERE a.hostel_id = :h AND a.vendor_id = :v AND a.status = 'DONE' "
                "AND r.completed_at::date BETWEEN :s AND :e"
            ),
            {"h": hostel_id, "v": vendor_id, "s": period_start, "e": period_end},
        )
    ).one()
    overall = (Decimal(quality_rating + timeliness_rating + cost_rating) / 3).quantize(CENT, rounding=ROUND_HALF_UP)
    t = m.VendorPerformanceReview.__table__
    pk = await session.scalar(
        t.insert()
        .values(
            hostel_id=hostel_id,
            vendor_id=vendor_id,
            reviewer_id=ctx.user_id,
            period_start=period_start,
            period_end=period_end,
            quality_rating=quality_rating,
            timeliness_rating=timeliness_rating,
            cost_rating=cost_rating,
            overall_rating=overall,
            jobs_completed=counts.done,
            jobs_on_time=counts.on_time,
            comments=comments,
            created_by=ctx.user_id,
        )
        .returning(t.c.id)
    )
    return int(pk)


async def remaining_budget(db: Any, category_budget_id: int) -> Decimal:
    """What is left of a category budget: its amount less what was committed."""
    t = m.CategoryBudget.__table__
    row = (await db.execute(select(t.c.amount - t.c.committed_amount).where(t.c.id == category_budget_id))).scalar()
    return Decimal(row)
