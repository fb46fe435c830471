"""Fee setup and adjustments (seed 001 fee domain): fee types, structures with their late-fee
policy, discount definitions, assignments that snapshot the structure (§5.1), discounts
(§7.2), late-fee waivers and funding arrangements (§7.3, §7.6).

- Money: Decimal with at most 2 decimal places, checked here (the columns would round).
- An assignment is a snapshot: amount, due date and the late-fee policy are copied at
  assignment time, the sponsor's share is computed then with `funding_cover`; later changes of
  the structure or its policy never reach existing assignments.
- Discounts and waivers lock the assignment (FOR UPDATE), change its running totals (the
  version column is bumped by the ORM) and write an append-only FeeAdjustment.
- Every refusal is a `UserErrors` raised inside the mutation's savepoint: nothing changes.
- The guards that involve no database are pure functions (`discount_for`, `waiver_check`,
  `policy_errors`, `funding_values`, `check_money`), tested on their own.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from strawberry.types.unset import UNSET

import models
from models.fees import (
    AdjustmentType,
    DiscountType,
    FeeFrequency,
    FundingCoverageMode,
    FundingCoverageType,
    LateFeeCapType,
    LateFeeType,
)
from kit.money import CENT, money
from kit import clock
from kit import writes
from kit.registry import spec_for_model
from resolvers.fees.calculators import funding_cover
from resolvers.fees.formula import late_fee_due, principal_due
from kit.errors import ErrorCode, UserError, UserErrors, user_error
from kit.ids import InvalidId, decode_gid
from kit.workflow import Ref
from typing_extensions import Doc

FEE_TYPE = spec_for_model(models.FeeType)
FEE_STRUCTURE = spec_for_model(models.FeeStructure)
ASSIGNMENT = spec_for_model(models.StudentFeeAssignment)
DISCOUNT_DEFINITION = spec_for_model(models.DiscountDefinition)
ADJUSTMENT = spec_for_model(models.FeeAdjustment)
FUNDING = spec_for_model(models.StudentFundingArrangement)

ZERO = Decimal("0")
HUNDRED = Decimal("100")
MAX_STUDENTS_PER_ASSIGN = 500  # one call carries a class or a few: a bound on the statement's size
MAX_GRACE_DAYS = 366
NAME_MAX, DESCRIPTION_MAX, REASON_MAX = 100, 500, 500
DIGITS = {15: Decimal(10) ** 13, 19: Decimal(10) ** 17}  # NUMERIC(p, 2): the integer part has p - 2 digits


# ---- pure guards ---------------------------------------------------------------------------------


def _error(code: ErrorCode, message: str, *field: str) -> UserError:
    return UserError(field=["input", *field] if field else None, code=code, message=message)


def _raise_all(errors: list[UserError]) -> None:
    if errors:
        raise UserErrors(*errors)


def check_money(value: Decimal | None, *field: str, precision: int = 19, positive: bool = False) -> list[UserError]:
    """A money input: finite, at most 2 decimal places, within the column, not negative
    (greater than 0 when `positive`). Returns the problems (none: fine); None is not checked."""
    if value is None:
        return []
    name = field[-1]
    if not value.is_finite():
        return [_error(ErrorCode.INVALID, f"{name} must be a number.", *field)]
    if abs(value) >= DIGITS[precision]:
        return [_error(ErrorCode.INVALID, f"{name} is too large.", *field)]
    try:
        exact = value == value.quantize(CENT)
    except InvalidOperation:
        exact = False
    if not exact:
        return [_error(ErrorCode.INVALID, f"{name} has more than 2 decimal places.", *field)]
    if positive and value <= 0:
        return [_error(ErrorCode.INVALID, f"{name} must be greater than 0.", *field)]
    if value < 0:
        return [_error(ErrorCode.INVALID, f"{name} must not be negative.", *field)]
    return []


def discount_for(
    definition_type: DiscountType | str, definition_value: Decimal, base: Decimal, due: Decimal, active: bool = True
) -> Decimal:
    """The amount of a discount on an assignment of amount `base` whose principal due is `due`
    (seed §7.2; the percentage's base decided in issue 10):

    - the definition must be active;
    - the principal due must be positive;
    - PERCENTAGE: value % of the assignment's amount (half up to the cent), capped by the
      principal due (10 % of 1000 after 400 paid is 100, not 60);
    - FLAT: the value, refused (not clamped) when it exceeds the principal due;
    - the principal due never goes below zero, and a discount that comes to 0.00 is refused.
    """
    kind = getattr(definition_type, "value", definition_type)
    if not active:
        raise user_error(ErrorCode.INVALID, "This discount is not active.", "discountDefinitionId")
    if due <= 0:
        raise user_error(
            ErrorCode.INVALID, "Nothing of this fee's principal is due: there is nothing to discount.", "assignmentId"
        )
    value = Decimal(definition_value)
    if kind == "PERCENTAGE":
        amount = min(money(Decimal(base) * value / HUNDRED), due)
    elif kind == "FLAT":
        if value > due:
            raise user_error(
                ErrorCode.INVALID,
                f"Flat discount cannot exceed principal due ({value} > {due}).",
                "discountDefinitionId",
            )
        amount = value
    else:
        raise ValueError(f"unknown discount type {kind}")
    if amount <= 0:
        raise user_error(ErrorCode.INVALID, "This discount comes to 0.00 on this fee.", "discountDefinitionId")
    if due - amount < 0:  # cannot happen after the rules above; the database refuses it too
        raise user_error(ErrorCode.INVALID, "The principal due cannot go below zero.", "discountDefinitionId")
    return amount


def waiver_check(amount: Decimal, due: Decimal) -> Decimal:
    """A late-fee waiver: more than 0 and never more than the late fee accrued and not yet
    paid or waived (`late_fee_due`)."""
    _raise_all(check_money(amount, "amount", positive=True))
    if amount > due:
        raise user_error(
            ErrorCode.INVALID,
            f"At most {max(due, ZERO)} of late fee can be waived on this fee (accrued and not yet paid or waived).",
            "amount",
        )
    return amount


@dataclass
class PolicyInput:
    type: LateFeeType
    amount_value: Decimal | None = None
    grace_days: int | None = None
    cap_type: LateFeeCapType | None = None
    cap_value: Decimal | None = None

    def values(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "amount_value": self.amount_value or ZERO,
            "grace_days": self.grace_days or 0,
            "cap_type": self.cap_type or LateFeeCapType.NONE,
            "cap_value": self.cap_value or ZERO,
        }


def policy_errors(policy: PolicyInput, prefix: str = "lateFeePolicy") -> list[UserError]:
    """A late-fee policy: values not negative, percentages at most 100, a late fee or a cap
    that is in force has a value above 0, grace days between 0 and 366."""
    errors = check_money(policy.amount_value, prefix, "amountValue", precision=15)
    errors += check_money(policy.cap_value, prefix, "capValue", precision=15)
    grace = policy.grace_days
    if grace is not None and not 0 <= grace <= MAX_GRACE_DAYS:
        errors.append(
            _error(ErrorCode.INVALID, f"graceDays must be between 0 and {MAX_GRACE_DAYS}.", prefix, "graceDays")
        )
    if errors:
        return errors
    kind, cap = policy.type, policy.cap_type or LateFeeCapType.NONE
    value, cap_value = policy.amount_value or ZERO, policy.cap_value or ZERO
    if kind is not LateFeeType.NONE and value <= 0:
        errors.append(
            _error(
                ErrorCode.INVALID,
                f"A {kind.value} late fee needs an amountValue greater than 0.",
                prefix,
                "amountValue",
            )
        )
    if kind in (LateFeeType.PERCENTAGE, LateFeeType.DAILY_PERCENTAGE) and value > HUNDRED:
        errors.append(_error(ErrorCode.INVALID, "A percentage late fee is at most 100.", prefix, "amountValue"))
    if cap is not LateFeeCapType.NONE and cap_value <= 0:
        errors.append(
            _error(ErrorCode.INVALID, f"A {cap.value} cap needs a capValue greater than 0.", prefix, "capValue")
        )
    if cap is LateFeeCapType.PERCENTAGE and cap_value > HUNDRED:
        errors.append(_error(ErrorCode.INVALID, "A percentage cap is at most 100.", prefix, "capValue"))
    return errors


def funding_values(
    coverage_type: FundingCoverageType,
    coverage_mode: FundingCoverageMode | None,
    coverage_value: Decimal | None,
    valid_from: dt.date | None,
    valid_to: dt.date | None,
) -> tuple[FundingCoverageMode, Decimal]:
    """The (mode, value) to store for an arrangement, or the refusal: FULL takes no value
    (stored as 100 %); PARTIAL needs a mode and a value above 0, a percentage at most 100;
    validFrom not after validTo."""
    errors: list[UserError] = []
    if valid_from is not None and valid_to is not None and valid_from > valid_to:
        errors.append(_error(ErrorCode.INVALID, "validFrom must not be after validTo.", "validTo"))
    if coverage_type is FundingCoverageType.FULL:
        if coverage_value is not None or coverage_mode not in (None, FundingCoverageMode.PERCENTAGE):
            errors.append(
                _error(
                    ErrorCode.INVALID,
                    "A FULL arrangement covers the whole fee: send no coverageMode or coverageValue.",
                    "coverageValue",
                )
            )
        _raise_all(errors)
        return FundingCoverageMode.PERCENTAGE, HUNDRED
    if coverage_mode is None:
        errors.append(
            _error(
                ErrorCode.INVALID,
                "A PARTIAL arrangement needs a coverageMode (FIXED_AMOUNT or PERCENTAGE).",
                "coverageMode",
            )
        )
    if coverage_value is None:
        errors.append(_error(ErrorCode.INVALID, "A PARTIAL arrangement needs a coverageValue.", "coverageValue"))
    else:
        money_errors = check_money(coverage_value, "coverageValue", positive=True)
        errors += money_errors
        if not money_errors and coverage_mode is FundingCoverageMode.PERCENTAGE and coverage_value > HUNDRED:
            errors.append(_error(ErrorCode.INVALID, "A percentage coverage is at most 100.", "coverageValue"))
    _raise_all(errors)
    return coverage_mode, coverage_value


# ---- scope -----------------------------------------------------------------------------------------

_school = writes.require_school


def _staff(ctx: Any) -> str | None:
    identity = getattr(ctx, "identity", None)
    return getattr(identity, "email", None)


async def _locked(session: Any, model: type, pk: int, field: str, share: bool = False) -> Any:
    """The row (of the caller's school: the ORM adds the tenant), locked; NOT_FOUND otherwise."""
    row = (
        await session.execute(
            select(model).where(model.id == pk).with_for_update(read=share).execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()
    if row is None:
        raise user_error(ErrorCode.NOT_FOUND, f"No {spec_for_model(model).name} with this ID.", field)
    return row


# ---- fee types and discount definitions (master data) --------------------------------------------


async def prepare_fee_type(ctx: Any, values: dict[str, Any]) -> dict[str, Any]:
    if "name" in values:
        values["name"] = writes.clean_text(values["name"], "name", NAME_MAX, required=True)
    if "description" in values:
        values["description"] = writes.clean_text(values["description"], "description", DESCRIPTION_MAX)
    return values


async def validate_fee_type(ctx: Any, session: Any, obj: Any) -> None:
    """Names are unique per school, whatever their case (the unique key catches races)."""
    FeeType = models.FeeType
    stmt = select(FeeType.id).where(func.lower(FeeType.name) == obj.name.lower())
    if obj.id is not None:
        stmt = stmt.where(FeeType.id != obj.id)
    if await session.scalar(stmt.limit(1)) is not None:
        raise user_error(ErrorCode.CONFLICT, f'A fee type named "{obj.name}" already exists.', "name")


async def prepare_discount_definition(ctx: Any, values: dict[str, Any]) -> dict[str, Any]:
    values["name"] = writes.clean_text(values.get("name"), "name", NAME_MAX, required=True)
    value = values.get("amount_value")
    _raise_all(check_money(value, "amountValue", positive=True))
    if values.get("type") is DiscountType.PERCENTAGE and value > HUNDRED:
        raise user_error(ErrorCode.INVALID, "A percentage discount is at most 100.", "amountValue")
    return values


ACTIVE = Annotated[bool, Doc("The state wanted; omitted: the opposite of now.")]


async def _switch(ctx: Any, session: Any, model: type, pk: int, active: bool | None) -> int:
    """Switch a fee type, structure or discount definition on or off (`None`: flip it), in the
    workflow frame's savepoint (the frame writes the activity entry)."""
    _school(ctx)
    obj = await writes.get_for_update(ctx, session, spec_for_model(model), pk)
    obj.active = (not obj.active) if active is None else active
    return obj.id


async def fee_type_toggle(ctx: Any, session: Any, id: Ref[models.FeeType], active: ACTIVE | None = None) -> int:  # noqa: A002
    """Switch a fee type on or off (deactivated types take no new structures)."""
    return await _switch(ctx, session, models.FeeType, id, active)


async def fee_structure_toggle(
    ctx: Any,
    session: Any,
    id: Ref[models.FeeStructure],  # noqa: A002
    active: ACTIVE | None = None,
) -> int:
    """Switch a fee structure on or off (inactive structures cannot be assigned)."""
    return await _switch(ctx, session, models.FeeStructure, id, active)


async def discount_definition_toggle(
    ctx: Any,
    session: Any,
    id: Ref[models.DiscountDefinition],  # noqa: A002
    active: ACTIVE | None = None,
) -> int:
    """Switch a discount definition on or off (inactive ones cannot be applied)."""
    return await _switch(ctx, session, models.DiscountDefinition, id, active)


# ---- fee structures ----------------------------------------------------------------------------------


def _structure_errors(amount: Any, due_day: Any, policy: Any) -> list[UserError]:
    errors: list[UserError] = []
    if amount is not UNSET:
        errors += (
            check_money(amount, "amount", precision=15, positive=True)
            if amount is not None
            else [_error(ErrorCode.INVALID, "amount cannot be empty.", "amount")]
        )
    if due_day not in (UNSET, None) and not 1 <= due_day <= 28:
        errors.append(_error(ErrorCode.INVALID, "dueDayOfMonth must be between 1 and 28.", "dueDayOfMonth"))
    if policy not in (UNSET, None):
        errors += policy_errors(policy)
    return errors


async def create_structure(
    ctx: Any,
    *,
    fee_type_id: int,
    class_id: int | None,
    session_id: int | None,
    amount: Decimal,
    frequency: FeeFrequency | None,
    due_day: Any,
    policy: PolicyInput | None,
) -> int:
    """A fee structure with its late-fee policy (NONE when none is sent), for a class of the
    session or the whole school, in the given session of the school or the one in force."""
    _school(ctx)
    _raise_all(_structure_errors(amount, due_day, policy))
    session_id = session_id if session_id is not None else ctx.session_id
    if session_id is None:
        raise user_error(ErrorCode.INVALID, "The school has no current academic session; send sessionId.", "sessionId")
    async with writes.mutation_scope(ctx, FEE_STRUCTURE) as session:
        fee_type = (
            await session.execute(select(models.FeeType).where(models.FeeType.id == fee_type_id))
        ).scalar_one_or_none()
        if fee_type is None:
            raise user_error(ErrorCode.NOT_FOUND, "No FeeType with this ID.", "feeTypeId")
        if not fee_type.active:
            raise user_error(ErrorCode.INVALID, f'Fee type "{fee_type.name}" is not active.', "feeTypeId")
        academic = (
            await session.execute(select(models.AcademicSession).where(models.AcademicSession.id == session_id))
        ).scalar_one_or_none()
        if academic is None:
            raise user_error(ErrorCode.NOT_FOUND, "No AcademicSession with this ID.", "sessionId")
        if class_id is not None:
            school_class = (
                await session.execute(select(models.SchoolClass).where(models.SchoolClass.id == class_id))
            ).scalar_one_or_none()
            if school_class is None:
                raise user_error(ErrorCode.NOT_FOUND, "No SchoolClass with this ID.", "classId")
            if school_class.session_id != session_id:
                raise user_error(
                    ErrorCode.INVALID, f"The class belongs to another academic session than {academic.name}.", "classId"
                )
            if not school_class.active:
                raise user_error(ErrorCode.INVALID, "The class is deactivated.", "classId")
        structure = models.FeeStructure(
            fee_type_id=fee_type_id,
            class_id=class_id,
            session_id=session_id,
            amount=amount,
            frequency=frequency or FeeFrequency.ONE_TIME,
            due_day_of_month=10 if due_day is UNSET else due_day,
        )
        session.add(structure)
        await session.flush()
        session.add(
            models.LateFeePolicy(fee_structure_id=structure.id, **(policy or PolicyInput(LateFeeType.NONE)).values())
        )
        await session.flush()
        await writes.log_activity(session, ctx, "feeStructureCreate", "FeeStructure", structure.id)
        return structure.id


async def update_structure(
    ctx: Any, pk: int, *, amount: Any = UNSET, frequency: Any = UNSET, due_day: Any = UNSET, policy: Any = UNSET
) -> int:
    """Change the template: amount, frequency, due day, and the policy (replaced as a whole).
    Existing assignments are snapshots and stay as they are."""
    _school(ctx)
    _raise_all(_structure_errors(amount, due_day, policy))
    if frequency is None:
        raise user_error(ErrorCode.INVALID, "frequency cannot be empty.", "frequency")
    if policy is None:
        raise user_error(
            ErrorCode.INVALID, "lateFeePolicy cannot be empty; send type NONE for no late fee.", "lateFeePolicy"
        )
    async with writes.mutation_scope(ctx, FEE_STRUCTURE) as session:
        structure = await _locked(session, models.FeeStructure, pk, "id")
        if amount is not UNSET:
            structure.amount = amount
        if frequency is not UNSET:
            structure.frequency = frequency
        if due_day is not UNSET:
            structure.due_day_of_month = due_day
        if policy is not UNSET:
            LFP = models.LateFeePolicy
            current = (
                await session.execute(
                    select(LFP)
                    .where(LFP.fee_structure_id == pk)
                    .with_for_update()
                    .execution_options(populate_existing=True)
                )
            ).scalar_one_or_none()
            if current is None:
                session.add(LFP(fee_structure_id=pk, **policy.values()))
            else:
                for attr, value in policy.values().items():
                    setattr(current, attr, value)
                current.active = True
        await session.flush()
        await writes.log_activity(session, ctx, "feeStructureUpdate", "FeeStructure", pk)
        return pk


# ---- assignments (§5.1 snapshot) ----------------------------------------------------------------------


def _decode_students(gids: list[str]) -> list[int]:
    errors: list[UserError] = []
    pks: list[int] = []
    seen: dict[int, int] = {}
    for i, gid in enumerate(gids):
        try:
            kind, pk = decode_gid(gid)
        except InvalidId as exc:
            errors.append(_error(ErrorCode.INVALID, str(exc), "studentIds", str(i)))
            continue
        if kind != "Student":
            errors.append(_error(ErrorCode.INVALID, "studentIds must be IDs of Students.", "studentIds", str(i)))
            continue
        if pk in seen:
            errors.append(
                _error(
                    ErrorCode.INVALID, f"This student is already listed (studentIds[{seen[pk]}]).", "studentIds", str(i)
                )
            )
            continue
        seen[pk] = i
        pks.append(pk)
    _raise_all(errors)
    return pks


def default_due_date(due_day: int | None, today: dt.date) -> dt.date:
    """No due date sent: the structure's due day in the current month (today without one)."""
    return today.replace(day=due_day) if due_day else today


async def assign(ctx: Any, structure_id: int, student_gids: list[str], due_date: dt.date | None) -> list[int]:
    """Assign a structure to many students (all or nothing) with a fixed number of statements:
    each assignment snapshots the amount, the due date and the structure's active late-fee
    policy, and the sponsor's share from the student's active arrangement of the session
    (`funding_cover` on the due date). Students must be active and actively enrolled in the
    structure's session (and class, when it has one); one student gets one structure once
    per due date. Returns the new assignments' ids, in the order of `student_gids`."""
    school_id = _school(ctx)
    if not student_gids:
        raise user_error(ErrorCode.INVALID, "Send at least one student.", "studentIds")
    if len(student_gids) > MAX_STUDENTS_PER_ASSIGN:
        raise user_error(ErrorCode.INVALID, f"At most {MAX_STUDENTS_PER_ASSIGN} students in one call.", "studentIds")
    students = _decode_students(student_gids)
    FS, LFP, FT = models.FeeStructure, models.LateFeePolicy, models.FeeType
    SE, Student, SFA = models.StudentEnrollment, models.Student, models.StudentFeeAssignment
    Funding = models.StudentFundingArrangement
    async with writes.mutation_scope(ctx, ASSIGNMENT) as session:
        # the structure row is locked: an update of the template waits for the snapshot, and
        # two assignments of one structure cannot both miss each other's duplicates
        row = (
            await session.execute(
                select(
                    FS.id,
                    FS.amount,
                    FS.active,
                    FS.class_id,
                    FS.session_id,
                    FS.due_day_of_month,
                    FT.name.label("fee_type_name"),
                    FT.active.label("fee_type_active"),
                    LFP.type.label("policy_type"),
                    LFP.amount_value,
                    LFP.grace_days,
                    LFP.cap_type,
                    LFP.cap_value,
                )
                .join(FT, (FT.id == FS.fee_type_id) & (FT.school_id == FS.school_id))
                .outerjoin(LFP, (LFP.fee_structure_id == FS.id) & (LFP.school_id == FS.school_id) & LFP.active)
                .where(FS.id == structure_id)
                .with_for_update(of=FS)
            )
        ).first()
        if row is None:
            raise user_error(ErrorCode.NOT_FOUND, "No FeeStructure with this ID.", "feeStructureId")
        if not row.active:
            raise user_error(ErrorCode.INVALID, "This fee structure is not active.", "feeStructureId")
        if not row.fee_type_active:
            raise user_error(ErrorCode.INVALID, f'Fee type "{row.fee_type_name}" is not active.', "feeStructureId")
        due = due_date or default_due_date(row.due_day_of_month, clock.today())

        # enrollments held FOR SHARE: a withdrawal cannot slip between this check and the insert
        enrolled = {
            r.student_id: r
            for r in (
                await session.execute(
                    select(SE.student_id, SE.class_id, Student.active)
                    .join(Student, (Student.id == SE.student_id) & (Student.school_id == SE.school_id))
                    .where(SE.student_id.in_(students), SE.session_id == row.session_id, SE.active)
                    .with_for_update(read=True, of=SE)
                )
            ).all()
        }
        problems: list[UserError] = []
        for i, pk in enumerate(students):
            found = enrolled.get(pk)
            if found is None:
                problems.append(
                    _error(
                        ErrorCode.INVALID,
                        "This student is not actively enrolled in the fee structure's academic session.",
                        "studentIds",
                        str(i),
                    )
                )
            elif not found.active:
                problems.append(_error(ErrorCode.INVALID, "This student is not active.", "studentIds", str(i)))
            elif row.class_id is not None and found.class_id != row.class_id:
                problems.append(
                    _error(
                        ErrorCode.INVALID,
                        "This student is not enrolled in the fee structure's class.",
                        "studentIds",
                        str(i),
                    )
                )
        _raise_all(problems)

        duplicates = set(
            (
                await session.execute(
                    select(SFA.student_id).where(
                        SFA.fee_structure_id == structure_id,
                        SFA.due_date == due,
                        SFA.active,
                        SFA.student_id.in_(students),
                    )
                )
            ).scalars()
        )
        _raise_all(
            [
                _error(
                    ErrorCode.CONFLICT,
                    f"This student already has this fee due on {due.isoformat()}.",
                    "studentIds",
                    str(i),
                )
                for i, pk in enumerate(students)
                if pk in duplicates
            ]
        )

        arrangements = {
            r.student_id: r
            for r in (
                await session.execute(
                    select(
                        Funding.student_id,
                        Funding.active,
                        Funding.coverage_type,
                        Funding.coverage_mode,
                        Funding.coverage_value,
                        Funding.valid_from,
                        Funding.valid_to,
                    ).where(Funding.student_id.in_(students), Funding.session_id == row.session_id, Funding.active)
                )
            ).all()
        }

        now = writes.now_utc()
        policy = {
            "late_fee_type": row.policy_type or LateFeeType.NONE,
            "late_fee_value": row.amount_value or ZERO,
            "late_fee_grace_days": row.grace_days or 0,
            "late_fee_cap_type": row.cap_type or LateFeeCapType.NONE,
            "late_fee_cap_value": row.cap_value or ZERO,
        }
        values = [
            {
                "school_id": school_id,
                "student_id": pk,
                "fee_structure_id": structure_id,
                "session_id": row.session_id,
                "amount": row.amount,
                "due_date": due,
                **policy,
                "sponsor_covered_amount": funding_cover(row.amount, ZERO, arrangements.get(pk), due),
                "total_discount_amount": ZERO,
                "principal_paid": ZERO,
                "late_fee_paid": ZERO,
                "late_fee_accrued": ZERO,
                "late_fee_waived": ZERO,
                "late_fee_applied": False,
                "active": True,
                "version": 0,
                "created_at": now,
                "created_by": ctx.user_id,
            }
            for pk in students
        ]
        table = SFA.__table__
        ids = list(
            (await session.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), values)).scalars()
        )
        await _log_many(session, ctx, "feeAssign", "StudentFeeAssignment", ids, now)
        return ids


async def _log_many(session: Any, ctx: Any, action: str, entity_type: str, ids: list[int], now: dt.datetime) -> None:
    """One ActivityLog per created row, in one statement."""
    table = models.ActivityLog.__table__
    await session.execute(
        insert(table),
        [
            {
                "school_id": ctx.school_id,
                "user_id": ctx.user_id,
                "action": action,
                "entity_type": entity_type,
                "entity_id": pk,
                "ip_address": ctx.client_ip,
                "timestamp": now,
                "created_at": now,
                "created_by": ctx.user_id,
            }
            for pk in ids
        ],
    )


# ---- discounts and waivers ---------------------------------------------------------------------------


@dataclass
class AdjustmentResult:
    adjustment_id: int
    assignment_id: int


async def _assignment_for_update(session: Any, pk: int) -> Any:
    assignment = await _locked(session, models.StudentFeeAssignment, pk, "assignmentId")
    if not assignment.active:
        raise user_error(ErrorCode.INVALID, "This fee assignment is not active.", "assignmentId")
    return assignment


async def apply_discount(ctx: Any, assignment_id: int, definition_id: int, reason: str | None) -> AdjustmentResult:
    """§7.2: lock the assignment, compute the discount (`discount_for`), add it to the
    assignment's total, recompute the sponsor's share on the new net (§7.3: 50 % of 1000 after a
    100 discount is 450) and write the adjustment with the definition's snapshot."""
    _school(ctx)
    reason = writes.clean_text(reason, "reason", REASON_MAX)
    async with writes.mutation_scope(ctx, ADJUSTMENT) as session:
        assignment = await _assignment_for_update(session, assignment_id)
        definition = await _locked(
            session, models.DiscountDefinition, definition_id, "discountDefinitionId", share=True
        )
        FA = models.FeeAdjustment
        again = await session.scalar(
            select(FA.id)
            .where(
                FA.assignment_id == assignment_id,
                FA.discount_definition_id == definition_id,
                FA.type == AdjustmentType.DISCOUNT,
            )
            .limit(1)
        )
        if again is not None:  # a retried or double-clicked request must not discount twice
            raise user_error(
                ErrorCode.CONFLICT,
                f'Discount "{definition.name}" is already applied to this fee.',
                "discountDefinitionId",
            )
        amount = discount_for(
            definition.type, definition.amount_value, assignment.amount, principal_due(assignment), definition.active
        )
        assignment.total_discount_amount = assignment.total_discount_amount + amount
        # the sponsor's share is of the net after discounts (§7.3): a fee a sponsor covers has its
        # share recomputed on the new net with the student's arrangement of the session, on the due
        # date, as at assignment time (no arrangement in force any more: the share, capped by the net);
        # a fee without a share keeps none (an arrangement made later does not reach it)
        if assignment.sponsor_covered_amount > 0:
            Funding = models.StudentFundingArrangement
            arrangement = (
                await session.execute(
                    select(
                        Funding.active,
                        Funding.coverage_type,
                        Funding.coverage_mode,
                        Funding.coverage_value,
                        Funding.valid_from,
                        Funding.valid_to,
                    )
                    .where(
                        Funding.student_id == assignment.student_id,
                        Funding.session_id == assignment.session_id,
                        Funding.active,
                    )
                    .limit(1)
                )
            ).first()
            net = assignment.amount - assignment.total_discount_amount
            if arrangement is not None:
                cover = funding_cover(
                    assignment.amount,
                    assignment.total_discount_amount,
                    arrangement,
                    assignment.due_date or clock.today(),
                )
            else:
                cover = min(assignment.sponsor_covered_amount, net)
            if cover != assignment.sponsor_covered_amount:
                assignment.sponsor_covered_amount = cover
        adjustment = FA(
            assignment_id=assignment_id,
            type=AdjustmentType.DISCOUNT,
            amount=amount,
            discount_definition_id=definition_id,
            discount_name_snapshot=definition.name,
            discount_type_snapshot=definition.type,
            discount_value_snapshot=definition.amount_value,
            reason=reason,
            created_by_staff=_staff(ctx),
        )
        session.add(adjustment)
        await session.flush()
        await writes.log_activity(session, ctx, "feeDiscountApply", "FeeAdjustment", adjustment.id)
        return AdjustmentResult(adjustment.id, assignment_id)


async def waive_late_fee(ctx: Any, assignment_id: int, amount: Decimal, reason: str) -> AdjustmentResult:
    """Waive part or all of the late fee accrued and not yet paid or waived."""
    _school(ctx)
    _raise_all(check_money(amount, "amount", positive=True))
    reason = writes.clean_text(reason, "reason", REASON_MAX, required=True)
    async with writes.mutation_scope(ctx, ADJUSTMENT) as session:
        assignment = await _assignment_for_update(session, assignment_id)
        waiver_check(amount, late_fee_due(assignment))
        assignment.late_fee_waived = assignment.late_fee_waived + amount
        adjustment = models.FeeAdjustment(
            assignment_id=assignment_id,
            type=AdjustmentType.LATE_FEE_WAIVER,
            amount=amount,
            reason=reason,
            created_by_staff=_staff(ctx),
        )
        session.add(adjustment)
        await session.flush()
        await writes.log_activity(session, ctx, "lateFeeWaive", "FeeAdjustment", adjustment.id)
        return AdjustmentResult(adjustment.id, assignment_id)


# ---- funding arrangements (§7.3, §7.6) -------------------------------------------------------------------


async def create_funding(
    ctx: Any,
    session: Any,
    student_id: Ref[models.Student],
    coverage_type: FundingCoverageType,
    coverage_mode: Annotated[FundingCoverageMode, Doc("PARTIAL only.")] | None = None,
    coverage_value: Annotated[Decimal, Doc("PARTIAL only: an amount, or a percentage at most 100.")] | None = None,
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
) -> int:
    """A sponsor's cover of a student's fees in the session in force; one active per student
    and session (CONFLICT). Existing assignments keep their snapshot."""
    # runs in the workflow frame's savepoint, which writes the activity entry
    _school(ctx)
    mode, value = funding_values(coverage_type, coverage_mode, coverage_value, valid_from, valid_to)
    if ctx.session_id is None:
        raise user_error(ErrorCode.INVALID, "The school has no current academic session; activate one first.")
    Funding = models.StudentFundingArrangement
    student = (
        await session.execute(select(models.Student.id, models.Student.active).where(models.Student.id == student_id))
    ).first()
    if student is None:
        raise user_error(ErrorCode.NOT_FOUND, "No Student with this ID.", "studentId")
    if not student.active:
        raise user_error(ErrorCode.INVALID, "This student is not active.", "studentId")
    existing = await session.scalar(
        select(Funding.id).where(Funding.student_id == student_id, Funding.session_id == ctx.session_id, Funding.active)
    )
    conflict = user_error(
        ErrorCode.CONFLICT,
        "This student already has an active funding arrangement in this academic session; deactivate it first.",
        "studentId",
    )
    if existing is not None:
        raise conflict
    arrangement = Funding(
        student_id=student_id,
        session_id=ctx.session_id,
        coverage_type=coverage_type,
        coverage_mode=mode,
        coverage_value=value,
        valid_from=valid_from,
        valid_to=valid_to,
    )
    try:
        async with session.begin_nested():  # a concurrent create meets the partial unique index
            session.add(arrangement)
            await session.flush()
    except IntegrityError:
        raise conflict from None
    return arrangement.id


async def deactivate_funding(ctx: Any, session: Any, id: Ref[models.StudentFundingArrangement]) -> int:  # noqa: A002
    """End a funding arrangement (kept in history). Existing assignments keep their snapshot.

    Ownership checked like everywhere (the seed's controller skipped it): another school's
    arrangement is NOT_FOUND, exactly like a missing one."""
    # runs in the workflow frame's savepoint, which writes the activity entry
    _school(ctx)
    arrangement = await writes.get_for_update(ctx, session, FUNDING, id)
    if not arrangement.active:
        raise user_error(ErrorCode.INVALID, "This funding arrangement is already inactive.", "id")
    arrangement.active = False
    return id


__all__ = [
    "AdjustmentResult",
    "PolicyInput",
    "apply_discount",
    "assign",
    "check_money",
    "create_funding",
    "create_structure",
    "deactivate_funding",
    "discount_definition_toggle",
    "discount_for",
    "fee_structure_toggle",
    "fee_type_toggle",
    "funding_values",
    "policy_errors",
    "update_structure",
    "waive_late_fee",
    "waiver_check",
]
