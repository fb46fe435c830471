"""Fees (seed 001 fee domain): types, structures, assignments, payments, discounts, funding."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from typing import Any

import strawberry
from strawberry.types import Info
from strawberry.types.unset import UNSET

import models
from auth.permissions import declare
from kit.declared import type_of
from kit.model_types import extend_type
from models.fees import access
from kit.registry import spec_for_model
from resolvers.fees import service
from resolvers.fees.formula import pending
from kit.connection import graphql_enum
from kit.errors import UserError
from kit.mutations import decode_ref, payload_type, run_mutation
from kit.workflow import workflow

FeeFrequency = graphql_enum(models.FeeFrequency)
LateFeeType = graphql_enum(models.LateFeeType)
LateFeeCapType = graphql_enum(models.LateFeeCapType)
FundingCoverageType = graphql_enum(models.FundingCoverageType)
FundingCoverageMode = graphql_enum(models.FundingCoverageMode)
DiscountType = graphql_enum(models.DiscountType)
AdjustmentType = graphql_enum(models.AdjustmentType)

# the rules live beside the models (their declarations use them); re-exported for the other money modules
FINANCE_READERS, FINANCE_REPORTS = access.FINANCE_READERS, access.FINANCE_REPORTS

FeeType = type_of(models.FeeType)
FeeStructure = type_of(models.FeeStructure)
DiscountDefinition = type_of(models.DiscountDefinition)
FeeAdjustment = type_of(models.FeeAdjustment)
FeePayment = type_of(models.FeePayment)
StudentFundingArrangement = type_of(models.StudentFundingArrangement)


@extend_type(models.StudentFeeAssignment)
class StudentFeeAssignment:
    @strawberry.field(
        description="amount + lateFeeAccrued - discounts - sponsor - waived - paid (seed §8.1, the one formula)."
    )
    def pending(self) -> Decimal:
        return pending(self.__dict__)


@strawberry.type
class Query:
    """The fee lists are declared on the models (models/fees/); nothing is written by hand here."""


# ---- fee setup and adjustments (resolvers/fees/service.py) -----------------------------------------

ADMINS = access.FEE_ADMINS


@strawberry.input(description="A late-fee policy (seed §7.4). Values default to 0, capType to NONE.")
class LateFeePolicyInput:
    type: LateFeeType = strawberry.field(
        description="NONE, FLAT (once), PERCENTAGE (of the unpaid principal, once) or "
        "DAILY_PERCENTAGE (per overdue day)."
    )
    amount_value: Decimal | None = strawberry.field(
        default=None, description="The amount (FLAT) or the percentage (at most 100)."
    )
    grace_days: int | None = strawberry.field(default=None, description="Days after the due date without late fee.")
    cap_type: LateFeeCapType | None = strawberry.field(
        default=None,
        description="NONE, FIXED (total late fee at most capValue) or PERCENTAGE (of the unpaid principal).",
    )
    cap_value: Decimal | None = None


def _policy(value: Any) -> Any:
    if value is UNSET or value is None:
        return value
    return service.PolicyInput(
        type=value.type,
        amount_value=value.amount_value,
        grace_days=value.grace_days,
        cap_type=value.cap_type,
        cap_value=value.cap_value,
    )


@strawberry.input(
    description="A new fee structure: what a fee type costs in a session (for one class or the whole school)."
)
class FeeStructureCreateInput:
    fee_type_id: strawberry.ID = strawberry.field(description="Global ID of a FeeType of your school.")
    amount: Decimal = strawberry.field(description="The amount per period (Decimal, 2 places).")
    class_id: strawberry.ID | None = strawberry.field(
        default=None, description="A class of the session; none: the whole school."
    )
    session_id: strawberry.ID | None = strawberry.field(
        default=None, description="Default: the academic session in force."
    )
    frequency: FeeFrequency | None = strawberry.field(default=None, description="Default ONE_TIME.")
    due_day_of_month: int | None = strawberry.field(default=UNSET, description="1 to 28; default 10.")
    late_fee_policy: LateFeePolicyInput | None = strawberry.field(default=None, description="Default: no late fee.")


@strawberry.input(
    description="Omitted fields stay as they are. Existing assignments never change (they are snapshots)."
)
class FeeStructureUpdateInput:
    id: strawberry.ID = strawberry.field(description="The FeeStructure's global ID.")
    amount: Decimal | None = strawberry.field(default=UNSET, description="The amount per period; new assignments only.")
    frequency: FeeFrequency | None = strawberry.field(default=UNSET, description="How often the fee falls due.")
    due_day_of_month: int | None = strawberry.field(default=UNSET, description="1 to 28.")
    late_fee_policy: LateFeePolicyInput | None = strawberry.field(
        default=UNSET, description="Replaces the policy as a whole."
    )


@strawberry.input
class FeeAssignInput:
    fee_structure_id: strawberry.ID
    student_ids: list[strawberry.ID] = strawberry.field(description="At most 500 students, each once.")
    due_date: dt.date | None = strawberry.field(
        default=None, description="Default: the structure's due day in the current month (today without one)."
    )


@strawberry.input
class FeeDiscountApplyInput:
    assignment_id: strawberry.ID
    discount_definition_id: strawberry.ID
    reason: str | None = None


@strawberry.input
class LateFeeWaiveInput:
    assignment_id: strawberry.ID
    amount: Decimal = strawberry.field(
        description="More than 0, at most the late fee accrued and not yet paid or waived."
    )
    reason: str


FeeStructureCreatePayload = payload_type("FeeStructureCreatePayload", spec_for_model(models.FeeStructure))
FeeStructureUpdatePayload = payload_type("FeeStructureUpdatePayload", spec_for_model(models.FeeStructure))


@strawberry.type(description="The assignments created, in the order of studentIds (empty when refused).")
class FeeAssignPayload:
    errors: list[UserError]

    @strawberry.field
    async def student_fee_assignments(self, info: Info) -> list[StudentFeeAssignment]:
        if not self._ids:
            return []
        loader = info.context.loaders.by_key(spec_for_model(models.StudentFeeAssignment), "id", info._raw_info)
        return [a for a in await loader.load_many(self._ids) if a is not None]

    @staticmethod
    def make(ids: list[int] | None, errors: list[UserError] | None = None) -> FeeAssignPayload:
        payload = FeeAssignPayload(errors=errors or [])
        payload._ids = ids or []
        return payload


def _adjustment_payload(name: str) -> type:
    adjustment_spec, assignment_spec = spec_for_model(models.FeeAdjustment), spec_for_model(models.StudentFeeAssignment)

    def fee_adjustment(root: strawberry.Parent[Any], info: Info) -> FeeAdjustment | None:
        if root._result is None:
            return None
        return info.context.loaders.by_key(adjustment_spec, "id", info._raw_info).load(root._result.adjustment_id)

    def student_fee_assignment(root: strawberry.Parent[Any], info: Info) -> StudentFeeAssignment | None:
        if root._result is None:
            return None
        return info.context.loaders.by_key(assignment_spec, "id", info._raw_info).load(root._result.assignment_id)

    cls = strawberry.type(
        type(
            name,
            (),
            {
                "__annotations__": {"errors": list[UserError]},
                "fee_adjustment": strawberry.field(
                    resolver=fee_adjustment, description="The adjustment written (append-only)."
                ),
                "student_fee_assignment": strawberry.field(
                    resolver=student_fee_assignment, description="The assignment with its new totals."
                ),
            },
        ),
        name=name,
    )

    def make(result: service.AdjustmentResult | None, errors: list[UserError] | None = None) -> Any:
        obj = cls(errors=errors or [])
        obj._result = result
        return obj

    cls.make = staticmethod(make)  # type: ignore[attr-defined]
    return cls


FeeDiscountApplyPayload = _adjustment_payload("FeeDiscountApplyPayload")
LateFeeWaivePayload = _adjustment_payload("LateFeeWaivePayload")


async def _run(info: Info, payload: Any, work: Any) -> Any:
    return await run_mutation(info, ADMINS, payload, work)


@strawberry.type
class FeeMutation:
    @strawberry.mutation(
        description="Create a fee structure with its late-fee policy, for a class of the session or the whole school."
    )
    async def fee_structure_create(self, info: Info, input: FeeStructureCreateInput) -> FeeStructureCreatePayload:  # noqa: A002
        async def work() -> int:
            return await service.create_structure(
                info.context,
                fee_type_id=decode_ref(input.fee_type_id, models.FeeType, "feeTypeId"),
                class_id=None if input.class_id is None else decode_ref(input.class_id, models.SchoolClass, "classId"),
                session_id=None
                if input.session_id is None
                else decode_ref(input.session_id, models.AcademicSession, "sessionId"),
                amount=input.amount,
                frequency=input.frequency,
                due_day=input.due_day_of_month,
                policy=_policy(input.late_fee_policy),
            )

        return await _run(info, FeeStructureCreatePayload, work)

    @strawberry.mutation(
        description="Change a fee structure (amount, frequency, due day, late-fee policy). Existing "
        "assignments keep their snapshot."
    )
    async def fee_structure_update(self, info: Info, input: FeeStructureUpdateInput) -> FeeStructureUpdatePayload:  # noqa: A002
        async def work() -> int:
            return await service.update_structure(
                info.context,
                decode_ref(input.id, models.FeeStructure, "id"),
                amount=input.amount,
                frequency=input.frequency,
                due_day=input.due_day_of_month,
                policy=_policy(input.late_fee_policy),
            )

        return await _run(info, FeeStructureUpdatePayload, work)

    @strawberry.mutation(
        description="Assign a fee structure to students actively enrolled in its session (and class), "
        "all or nothing. Each assignment snapshots the amount, due date, late-fee policy and "
        "the sponsor's share (seed §5.1, §7.3)."
    )
    async def fee_assign(self, info: Info, input: FeeAssignInput) -> FeeAssignPayload:  # noqa: A002
        async def work() -> list[int]:
            return await service.assign(
                info.context,
                decode_ref(input.fee_structure_id, models.FeeStructure, "feeStructureId"),
                list(input.student_ids),
                input.due_date,
            )

        return await _run(info, FeeAssignPayload, work)

    @strawberry.mutation(
        description="Apply an active discount definition to an assignment (seed §7.2): a percentage of "
        "the principal due, or a flat amount never above it."
    )
    async def fee_discount_apply(self, info: Info, input: FeeDiscountApplyInput) -> FeeDiscountApplyPayload:  # noqa: A002
        async def work() -> service.AdjustmentResult:
            return await service.apply_discount(
                info.context,
                decode_ref(input.assignment_id, models.StudentFeeAssignment, "assignmentId"),
                decode_ref(input.discount_definition_id, models.DiscountDefinition, "discountDefinitionId"),
                input.reason,
            )

        return await _run(info, FeeDiscountApplyPayload, work)

    @strawberry.mutation(
        description="Waive late fee of an assignment: at most what was accrued and not yet paid or waived."
    )
    async def late_fee_waive(self, info: Info, input: LateFeeWaiveInput) -> LateFeeWaivePayload:  # noqa: A002
        async def work() -> service.AdjustmentResult:
            return await service.waive_late_fee(
                info.context,
                decode_ref(input.assignment_id, models.StudentFeeAssignment, "assignmentId"),
                input.amount,
                input.reason,
            )

        return await _run(info, LateFeeWaivePayload, work)


for _name in ("feeStructureCreate", "feeStructureUpdate", "feeAssign", "feeDiscountApply", "lateFeeWaive"):
    declare(f"Mutation.{_name}", ADMINS)

# the workflows that fit the frame (kit/workflow.py); FeeMutation above keeps those that do not (docs/domains/school-finance.md)
mutations = (
    FeeMutation,
    workflow("feeTypeToggle", service.fee_type_toggle, ADMINS, returns=models.FeeType),
    workflow("feeStructureToggle", service.fee_structure_toggle, ADMINS, returns=models.FeeStructure),
    workflow("discountDefinitionToggle", service.discount_definition_toggle, ADMINS, returns=models.DiscountDefinition),
    workflow(
        "fundingArrangementDeactivate", service.deactivate_funding, ADMINS, returns=models.StudentFundingArrangement
    ),
    workflow(
        "fundingArrangementCreate",
        service.create_funding,
        ADMINS,
        returns=models.StudentFundingArrangement,
        description="A sponsor's cover of a student's fees in the academic session in force (one active per student "
        "and session). New assignments take it into account.",
    ),
)
