"""Recording a fee payment (seed 001 §7.1, §7.4, §7.6): `feePaymentRecord`.

A payment names its allocations explicitly, one amount per fee assignment of one student.
All or nothing, in the mutation's savepoint:

1. Pure checks first (no statement): at least one allocation, no assignment twice (INVALID
   naming the index), amounts > 0 with at most 2 decimals, a known mode, a date not in the
   future (the school's date: kit/clock.py).
2. Idempotency. The key is unique per school (`uq_fee_payments_idempotency_key`); the payment
   stores `request_hash`, the sha256 of a canonical JSON of the input without the key. Before
   anything else the key is serialised with `pg_advisory_xact_lock(hashtextextended('<school>:<key>', 7342))`
   (the one-bigint lock space; day locks use the two-int4 space, so they cannot collide):
   a second request with the same key waits until the first one's transaction has ended, then
   reads its payment (READ COMMITTED: the read after the lock sees the commit). Same hash: the
   first payment is returned with `replayed = true` and nothing is written; another hash:
   CONFLICT. The unique constraint stays as the backstop (a CONFLICT through the mutation
   scope), which the lock makes unreachable in practice. The lock is taken before the rows'
   locks and the chain lock of day closings, always in that order, so it adds no deadlock
   (`dayClose` takes the chain lock and then closing rows only, never assignments).
3. The assignments are locked in one `SELECT ... ORDER BY id FOR UPDATE` (rows are locked in
   id order, so payments touching the same assignments never deadlock). Each must exist in
   the school (another school's is NOT_FOUND, like a missing one), be active, belong to the
   student; all must be of one academic session (the payment's), and the payment is dated
   within that session (its start and end dates, when it has them).
4. The day must be open: after the last closing in force (`ensure_day_open`, the school's
   chain lock held shared: a `dayClose` cannot slip between the check and the commit).
5. The late fee is accrued at payment time from the assignment's snapshot
   (`calculators.late_fee_accrual`), with a `LateFeeLog`.
6. Each amount first clears the whole pending late fee (`formula.late_fee_due`) - an amount
   smaller than it is refused - and the rest goes to principal; more than `formula.pending`
   is refused.
7. `FeePayment` (append-only) with the totals, one `FeePaymentAllocation` per assignment
   (fee type of the assignment's structure, the assignment's session), whose sums are
   checked to equal the payment's totals before anything is written; assignment totals
   increased; one `ActivityLog`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select, text

import models
from kit import clock
from kit import writes
from kit.registry import spec_for_model
from resolvers.fees.calculators import late_fee_accrual
from resolvers.fees.formula import late_fee_due, pending
from resolvers.finance.closing import ensure_day_open
from kit.errors import ErrorCode, UserError, UserErrors, user_error
from kit.ids import InvalidId, decode_gid

PAYMENT = spec_for_model(models.FeePayment)
ASSIGNMENT = spec_for_model(models.StudentFeeAssignment)

# CASH is cash in hand at the day's closing; the others reach the bank (demo data, day closing).
PAYMENT_MODES = ("CASH", "BANK", "UPI")
MAX_ALLOCATIONS = 100
KEY_MAX, REFERENCE_MAX, REMARKS_MAX = 100, 100, 500
MAX_AMOUNT = Decimal("99999999999999999.99")  # NUMERIC(19, 2)
CENT = Decimal("0.01")
ZERO = Decimal("0.00")
IDEMPOTENCY_LOCK_SEED = 7342  # pg_advisory_xact_lock(hashtextextended('<school>:<key>', seed))
KEY_REUSED = "This idempotency key was used for a different payment."


@dataclass(frozen=True)
class AllocationIn:
    assignment_id: str  # global ID as sent
    amount: Decimal


@dataclass(frozen=True)
class PaymentIn:
    student_id: str
    payment_date: dt.date
    mode: str
    transaction_reference: str | None
    remarks: str | None
    idempotency_key: str
    allocations: list[AllocationIn]


@dataclass(frozen=True)
class PaymentResult:
    payment_id: int
    replayed: bool


def _err(code: ErrorCode, message: str, *field: str) -> UserError:
    return UserError(field=["input", *field] if field else None, code=code, message=message)


def _decode(gid: str, model: type, *field: str) -> int:
    expected = spec_for_model(model).name
    try:
        type_name, pk = decode_gid(gid)
    except InvalidId as exc:
        raise UserErrors(_err(ErrorCode.INVALID, str(exc), *field)) from None
    if type_name != expected:
        raise UserErrors(_err(ErrorCode.INVALID, f"{field[-1]} must be the ID of a {expected}.", *field))
    return pk


@dataclass(frozen=True)
class _Checked:
    student_id: int
    payment_date: dt.date
    mode: str
    transaction_reference: str | None
    remarks: str | None
    key: str
    allocations: list[tuple[int, Decimal]]  # (assignment pk, amount), in the order sent
    request_hash: str


def _check_input(data: PaymentIn, today: dt.date) -> _Checked:
    """Everything that needs no database; all allocation problems at once."""
    key = (data.idempotency_key or "").strip()
    if not key:
        raise user_error(
            ErrorCode.INVALID,
            "Send an idempotency key (a fresh one per payment, the same one on retries).",
            "idempotencyKey",
        )
    if len(key) > KEY_MAX:
        raise user_error(ErrorCode.INVALID, f"idempotencyKey is at most {KEY_MAX} characters.", "idempotencyKey")
    student_id = _decode(data.student_id, models.Student, "studentId")
    mode = (data.mode or "").strip().upper()
    if mode not in PAYMENT_MODES:
        raise user_error(ErrorCode.INVALID, f"mode must be one of {', '.join(PAYMENT_MODES)}.", "mode")
    if data.payment_date > today:
        raise user_error(
            ErrorCode.INVALID,
            f"paymentDate {data.payment_date.isoformat()} is in the future (today is "
            f"{today.isoformat()} at the school).",
            "paymentDate",
        )
    reference = writes.clean_text(data.transaction_reference, "transactionReference", REFERENCE_MAX)
    remarks = writes.clean_text(data.remarks, "remarks", REMARKS_MAX)
    if not data.allocations:
        raise user_error(ErrorCode.INVALID, "A payment needs at least one allocation.", "allocations")
    if len(data.allocations) > MAX_ALLOCATIONS:
        raise user_error(ErrorCode.INVALID, f"A payment has at most {MAX_ALLOCATIONS} allocations.", "allocations")

    errors: list[UserError] = []
    allocations: list[tuple[int, Decimal]] = []
    first_index: dict[int, int] = {}
    for i, alloc in enumerate(data.allocations):
        where = ("allocations", str(i))
        try:
            pk = _decode(alloc.assignment_id, models.StudentFeeAssignment, *where, "assignmentId")
        except UserErrors as exc:
            errors.extend(exc.errors)
            continue
        if pk in first_index:
            errors.append(
                _err(
                    ErrorCode.INVALID,
                    f"allocations[{i}] names the same fee assignment as "
                    f"allocations[{first_index[pk]}]; send one allocation per assignment.",
                    *where,
                    "assignmentId",
                )
            )
            continue
        first_index[pk] = i
        amount = alloc.amount
        try:
            exact = amount == amount.quantize(CENT)
        except InvalidOperation:
            exact = False
        if not exact:
            errors.append(
                _err(ErrorCode.INVALID, f"allocations[{i}].amount has more than 2 decimal places.", *where, "amount")
            )
        elif amount <= 0:
            errors.append(_err(ErrorCode.INVALID, f"allocations[{i}].amount must be more than 0.", *where, "amount"))
        elif amount > MAX_AMOUNT:
            errors.append(_err(ErrorCode.INVALID, f"allocations[{i}].amount is too large.", *where, "amount"))
        allocations.append((pk, amount.quantize(CENT) if exact else amount))
    if errors:
        raise UserErrors(*errors)
    canonical = {
        "studentId": student_id,
        "paymentDate": data.payment_date.isoformat(),
        "mode": mode,
        "transactionReference": reference,
        "remarks": remarks,
        # the order of allocations does not change the payment
        "allocations": sorted([pk, str(amount)] for pk, amount in allocations),
    }
    digest = hashlib.sha256(json.dumps(canonical, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    return _Checked(student_id, data.payment_date, mode, reference, remarks, key, allocations, digest)


async def _replay(session: Any, school_id: int, checked: _Checked) -> int | None:
    """The payment already recorded with this key (after waiting for any request holding it), or None."""
    await session.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended(:key, :seed))"),
        {"seed": IDEMPOTENCY_LOCK_SEED, "key": f"{school_id}:{checked.key}"},
    )
    row = (
        await session.execute(
            select(models.FeePayment.id, models.FeePayment.request_hash).where(
                models.FeePayment.school_id == school_id, models.FeePayment.idempotency_key == checked.key
            )
        )
    ).first()
    if row is None:
        return None
    if row.request_hash != checked.request_hash:
        raise user_error(ErrorCode.CONFLICT, KEY_REUSED, "idempotencyKey")
    return row.id


async def record_payment(ctx: Any, data: PaymentIn) -> PaymentResult:
    if ctx.school_id is None:
        raise user_error(ErrorCode.INVALID, "Choose a school first (X-Tenant-Id).")
    school_id = ctx.school_id
    checked = _check_input(data, clock.today())

    async with writes.mutation_scope(ctx, PAYMENT) as session:
        first = await _replay(session, school_id, checked)
        if first is not None:
            return PaymentResult(first, replayed=True)

        A = models.StudentFeeAssignment
        wanted = [pk for pk, _ in checked.allocations]
        AS = models.AcademicSession
        stmt = (
            select(A, models.FeeStructure.fee_type_id, AS.name, AS.start_date, AS.end_date)
            .join(
                models.FeeStructure,
                (models.FeeStructure.id == A.fee_structure_id) & (models.FeeStructure.school_id == A.school_id),
            )
            .outerjoin(AS, (AS.id == A.session_id) & (AS.school_id == A.school_id))
            .where(A.id.in_(wanted), A.school_id == school_id)
            .order_by(A.id)
            .with_for_update(of=A)
            .execution_options(populate_existing=True)
        )
        found_rows = (await session.execute(stmt)).all()
        locked = {row[0].id: (row[0], row[1]) for row in found_rows}
        spans = {row[0].session_id: row[2:] for row in found_rows}  # (name, start, end) of each assignment's session

        errors: list[UserError] = []
        sessions: dict[int, int] = {}
        for i, (pk, _) in enumerate(checked.allocations):
            where = ("allocations", str(i), "assignmentId")
            found = locked.get(pk)
            if found is None:
                errors.append(
                    _err(ErrorCode.NOT_FOUND, f"allocations[{i}]: no StudentFeeAssignment with this ID.", *where)
                )
                continue
            assignment = found[0]
            if assignment.student_id != checked.student_id:
                errors.append(
                    _err(ErrorCode.INVALID, f"allocations[{i}]: this fee assignment is not the student's.", *where)
                )
            elif not assignment.active:
                errors.append(_err(ErrorCode.INVALID, f"allocations[{i}]: this fee assignment is inactive.", *where))
            else:
                sessions.setdefault(assignment.session_id, i)
        if errors:
            raise UserErrors(*errors)
        if len(sessions) > 1:
            raise user_error(
                ErrorCode.INVALID,
                "All allocations of a payment must be fees of one academic session; record one payment per session.",
                "allocations",
            )
        [session_id] = sessions
        span = spans.get(session_id)
        name, start, end = span if span is not None else (None, None, None)
        if (start is not None and checked.payment_date < start) or (end is not None and checked.payment_date > end):
            raise user_error(
                ErrorCode.INVALID,
                f"paymentDate {checked.payment_date.isoformat()} is outside the academic "
                f"session {name} of these fees ({start} to {end}).",
                "paymentDate",
            )
        # the books must be open on the day (after the rows: a refusal names the session first)
        await ensure_day_open(session, school_id, checked.payment_date, "paymentDate")

        # late fee accrued now, from each assignment's snapshot (§7.4)
        for pk, _ in checked.allocations:
            assignment = locked[pk][0]
            accrual = late_fee_accrual(assignment, checked.payment_date)
            if accrual.amount > 0:
                assignment.late_fee_accrued = assignment.late_fee_accrued + accrual.amount
                session.add(
                    models.LateFeeLog(
                        school_id=school_id,
                        assignment_id=pk,
                        computed_amount=accrual.amount,
                        applied_date=checked.payment_date,
                        reason=accrual.reason,
                    )
                )
            if accrual.applied != assignment.late_fee_applied:
                assignment.late_fee_applied = accrual.applied
            if accrual.accrued_on is not None and accrual.amount > 0:
                assignment.late_fee_accrued_on = accrual.accrued_on

        # split each amount: the whole pending late fee first, then principal (§7.1)
        splits: list[tuple[int, Decimal, Decimal]] = []  # (assignment, principal, late fee)
        for i, (pk, amount) in enumerate(checked.allocations):
            where = ("allocations", str(i), "amount")
            assignment = locked[pk][0]
            owed = pending(assignment)
            late_due = max(late_fee_due(assignment), ZERO)
            if owed <= 0:
                errors.append(
                    _err(
                        ErrorCode.INVALID,
                        f"allocations[{i}]: nothing is pending on this fee; {amount} would be an over-payment.",
                        *where,
                    )
                )
            elif amount > owed:
                late_note = f" (including a late fee of {late_due})" if late_due > 0 else ""
                errors.append(
                    _err(
                        ErrorCode.INVALID,
                        f"allocations[{i}]: {amount} is more than the {owed} pending on "
                        f"this fee{late_note}; over-payment is refused.",
                        *where,
                    )
                )
            elif amount < late_due:
                errors.append(
                    _err(
                        ErrorCode.INVALID,
                        f"allocations[{i}]: a late fee of {late_due} is pending on this fee "
                        f"and must be cleared first; {amount} does not cover it.",
                        *where,
                    )
                )
            else:
                splits.append((pk, amount - late_due, late_due))
        if errors:
            raise UserErrors(*errors)

        principal_total = sum((p for _, p, _ in splits), ZERO)
        late_total = sum((lf for _, _, lf in splits), ZERO)
        payment = models.FeePayment(
            school_id=school_id,
            student_id=checked.student_id,
            session_id=session_id,
            principal_paid=principal_total,
            late_fee_paid=late_total,
            payment_date=checked.payment_date,
            transaction_reference=checked.transaction_reference,
            mode=checked.mode,
            remarks=checked.remarks,
            idempotency_key=checked.key,
            request_hash=checked.request_hash,
        )
        session.add(payment)
        for pk, principal, late_fee in splits:
            assignment = locked[pk][0]
            assignment.principal_paid = assignment.principal_paid + principal
            assignment.late_fee_paid = assignment.late_fee_paid + late_fee
        await session.flush()  # late-fee logs, the payment (its id), the assignments' totals

        allocations = [
            models.FeePaymentAllocation(
                school_id=school_id,
                fee_payment_id=payment.id,
                assignment_id=pk,
                fee_type_id=locked[pk][1],
                principal_amount=principal,
                late_fee_amount=late_fee,
                session_id=locked[pk][0].session_id,
            )
            for pk, principal, late_fee in splits
        ]
        # the allocations are the payment, head by head: their sums must be its totals exactly
        if (
            sum((a.principal_amount for a in allocations), ZERO) != payment.principal_paid
            or sum((a.late_fee_amount for a in allocations), ZERO) != payment.late_fee_paid
        ):
            raise RuntimeError(f"fee payment {payment.id}: allocations do not add up to the payment's totals")
        session.add_all(allocations)
        await writes.log_activity(session, ctx, "feePaymentRecord", PAYMENT.name, payment.id)  # flushes
        return PaymentResult(payment.id, replayed=False)
