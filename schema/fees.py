"""Fees (seed 001 fee domain): types, structures, assignments, payments, discounts, funding."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from typing import Any

import strawberry
from strawberry.types import Info
from strawberry.types.unset import UNSET

import models
from auth.permissions import FINANCE_REPORTERS, PLATFORM, SCHOOL_ADMINS, declare, roles
from kit.registry import spec_for_model
from resolvers.fees import service
from resolvers.fees.formula import pending
from kit.connection import Connection, graphql_enum
from kit.entity import entity_type, relation
from kit.errors import UserError
from kit.fields import list_field
from kit.mutations import decode_ref, master_data_mutations, payload_type, run_mutation, toggle_input
from kit.node import Node

FeeFrequency = graphql_enum(models.FeeFrequency)
LateFeeType = graphql_enum(models.LateFeeType)
LateFeeCapType = graphql_enum(models.LateFeeCapType)
FundingCoverageType = graphql_enum(models.FundingCoverageType)
FundingCoverageMode = graphql_enum(models.FundingCoverageMode)
DiscountType = graphql_enum(models.DiscountType)
AdjustmentType = graphql_enum(models.AdjustmentType)

FINANCE_READERS = roles(*PLATFORM, "SCHOOL_ADMIN", "ACCOUNTANT")
# the finance reports, the finance module's records (closings, transfers) and the CSV exports (seed 001 §9.2)
FINANCE_REPORTS = roles(*FINANCE_REPORTERS)


@entity_type(models.FeeType)
class FeeType(Node):
    name: str
    description: str | None
    active: bool


@entity_type(models.FeeStructure, description="A fee template for a class (or the whole school) in a session.")
class FeeStructure(Node):
    amount: Decimal
    frequency: FeeFrequency
    due_day_of_month: int | None
    active: bool
    fee_type: FeeType = relation()
    school_class: SchoolClass | None = relation()
    session: AcademicSession = relation()
    late_fee_policies: Connection[LateFeePolicy] = relation()


@entity_type(models.LateFeePolicy)
class LateFeePolicy(Node):
    type: LateFeeType
    amount_value: Decimal | None
    grace_days: int | None
    cap_value: Decimal | None
    cap_type: LateFeeCapType
    active: bool


@entity_type(models.StudentFeeAssignment, description="A fee due from a student: a snapshot of its structure and the totals so far.")
class StudentFeeAssignment(Node):
    amount: Decimal
    sponsor_covered_amount: Decimal
    due_date: dt.date | None
    late_fee_type: LateFeeType | None
    late_fee_value: Decimal | None
    late_fee_grace_days: int | None
    late_fee_cap_type: LateFeeCapType | None
    late_fee_cap_value: Decimal | None
    late_fee_applied: bool
    late_fee_accrued: Decimal
    late_fee_accrued_on: dt.date | None = strawberry.field(description="Daily late fees: charged up to this day.")
    principal_paid: Decimal
    late_fee_paid: Decimal
    late_fee_waived: Decimal
    total_discount_amount: Decimal
    active: bool
    student: Student = relation()
    fee_structure: FeeStructure = relation()
    session: AcademicSession = relation()
    adjustments: Connection[FeeAdjustment] = relation()
    allocations: Connection[FeePaymentAllocation] = relation()
    late_fee_logs: Connection[LateFeeLog] = relation()

    @strawberry.field(description="amount + lateFeeAccrued - discounts - sponsor - waived - paid (seed §8.1, the one formula).")
    def pending(self) -> Decimal:
        return pending(self.__dict__)


@entity_type(models.FeePayment, description="A payment (append-only) and its head-wise allocations.")
class FeePayment(Node):
    principal_paid: Decimal
    late_fee_paid: Decimal
    payment_date: dt.date
    transaction_reference: str | None
    mode: str | None
    remarks: str | None
    created_at: dt.datetime
    student: Student = relation()
    allocations: Connection[FeePaymentAllocation] = relation()


@entity_type(models.FeePaymentAllocation)
class FeePaymentAllocation(Node):
    principal_amount: Decimal
    late_fee_amount: Decimal
    fee_payment: FeePayment = relation()
    assignment: StudentFeeAssignment = relation()
    fee_type: FeeType = relation()


@entity_type(models.DiscountDefinition)
class DiscountDefinition(Node):
    name: str
    type: DiscountType
    amount_value: Decimal
    active: bool


@entity_type(models.FeeAdjustment, description="A discount or a late-fee waiver (append-only, with the discount's snapshot).")
class FeeAdjustment(Node):
    type: AdjustmentType
    amount: Decimal
    discount_name_snapshot: str | None
    discount_type_snapshot: DiscountType | None
    discount_value_snapshot: Decimal | None
    reason: str | None
    created_by_staff: str | None
    created_at: dt.datetime


@entity_type(models.LateFeeLog)
class LateFeeLog(Node):
    computed_amount: Decimal
    applied_date: dt.date
    reason: str | None


@entity_type(models.StudentFundingArrangement, description="A sponsor's cover of a student's fees for a session.")
class StudentFundingArrangement(Node):
    coverage_type: FundingCoverageType
    coverage_mode: FundingCoverageMode
    coverage_value: Decimal
    valid_from: dt.date | None
    valid_to: dt.date | None
    active: bool
    student: Student = relation()


@strawberry.type
class Query:
    fee_types: Connection[FeeType] = list_field(models.FeeType, name="feeTypes", permission=FINANCE_READERS)
    fee_structures: Connection[FeeStructure] = list_field(models.FeeStructure, name="feeStructures", permission=FINANCE_READERS)
    student_fee_assignments: Connection[StudentFeeAssignment] = list_field(
        models.StudentFeeAssignment, name="studentFeeAssignments", permission=FINANCE_READERS)
    fee_payments: Connection[FeePayment] = list_field(models.FeePayment, name="feePayments", permission=FINANCE_READERS)
    discount_definitions: Connection[DiscountDefinition] = list_field(
        models.DiscountDefinition, name="discountDefinitions", permission=FINANCE_READERS)
    fee_adjustments: Connection[FeeAdjustment] = list_field(models.FeeAdjustment, name="feeAdjustments",
                                                            permission=FINANCE_READERS)
    funding_arrangements: Connection[StudentFundingArrangement] = list_field(
        models.StudentFundingArrangement, name="fundingArrangements", permission=FINANCE_READERS)


# ---- fee setup and adjustments (resolvers/fees/service.py) -----------------------------------------

ADMINS = roles(*SCHOOL_ADMINS)


@strawberry.input(description="A late-fee policy (seed §7.4). Values default to 0, capType to NONE.")
class LateFeePolicyInput:
    type: LateFeeType = strawberry.field(description="NONE, FLAT (once), PERCENTAGE (of the unpaid principal, once) or "
                                                     "DAILY_PERCENTAGE (per overdue day).")
    amount_value: Decimal | None = strawberry.field(default=None, description="The amount (FLAT) or the percentage "
                                                                             "(at most 100).")
    grace_days: int | None = strawberry.field(default=None, description="Days after the due date without late fee.")
    cap_type: LateFeeCapType | None = strawberry.field(default=None, description="NONE, FIXED (total late fee at most "
                                                                                "capValue) or PERCENTAGE (of the unpaid principal).")
    cap_value: Decimal | None = None


def _policy(value: Any) -> Any:
    if value is UNSET or value is None:
        return value
    return service.PolicyInput(type=value.type, amount_value=value.amount_value, grace_days=value.grace_days,
                               cap_type=value.cap_type, cap_value=value.cap_value)


FeeTypeToggleInput = toggle_input("FeeType")


@strawberry.input
class FeeStructureCreateInput:
    fee_type_id: strawberry.ID
    amount: Decimal
    class_id: strawberry.ID | None = strawberry.field(default=None, description="A class of the session; none: the whole school.")
    session_id: strawberry.ID | None = strawberry.field(default=None, description="Default: the academic session in force.")
    frequency: FeeFrequency | None = strawberry.field(default=None, description="Default ONE_TIME.")
    due_day_of_month: int | None = strawberry.field(default=UNSET, description="1 to 28; default 10.")
    late_fee_policy: LateFeePolicyInput | None = strawberry.field(default=None, description="Default: no late fee.")


@strawberry.input(description="Omitted fields stay as they are. Existing assignments never change (they are snapshots).")
class FeeStructureUpdateInput:
    id: strawberry.ID
    amount: Decimal | None = UNSET
    frequency: FeeFrequency | None = UNSET
    due_day_of_month: int | None = UNSET
    late_fee_policy: LateFeePolicyInput | None = strawberry.field(default=UNSET, description="Replaces the policy as a whole.")


FeeStructureToggleInput = toggle_input("FeeStructure")


DiscountDefinitionToggleInput = toggle_input("DiscountDefinition")


@strawberry.input
class FeeAssignInput:
    fee_structure_id: strawberry.ID
    student_ids: list[strawberry.ID] = strawberry.field(description="At most 500 students, each once.")
    due_date: dt.date | None = strawberry.field(default=None, description="Default: the structure's due day in the "
                                                                           "current month (today without one).")


@strawberry.input
class FeeDiscountApplyInput:
    assignment_id: strawberry.ID
    discount_definition_id: strawberry.ID
    reason: str | None = None


@strawberry.input
class LateFeeWaiveInput:
    assignment_id: strawberry.ID
    amount: Decimal = strawberry.field(description="More than 0, at most the late fee accrued and not yet paid or waived.")
    reason: str


@strawberry.input
class FundingArrangementCreateInput:
    student_id: strawberry.ID
    coverage_type: FundingCoverageType
    coverage_mode: FundingCoverageMode | None = strawberry.field(default=None, description="PARTIAL only.")
    coverage_value: Decimal | None = strawberry.field(default=None, description="PARTIAL only: an amount, or a "
                                                                                "percentage at most 100.")
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


@strawberry.input
class FundingArrangementDeactivateInput:
    id: strawberry.ID


FeeTypeTogglePayload = payload_type("FeeTypeTogglePayload", spec_for_model(models.FeeType))
FeeStructureCreatePayload = payload_type("FeeStructureCreatePayload", spec_for_model(models.FeeStructure))
FeeStructureUpdatePayload = payload_type("FeeStructureUpdatePayload", spec_for_model(models.FeeStructure))
FeeStructureTogglePayload = payload_type("FeeStructureTogglePayload", spec_for_model(models.FeeStructure))
DiscountDefinitionTogglePayload = payload_type("DiscountDefinitionTogglePayload", spec_for_model(models.DiscountDefinition))
FundingArrangementCreatePayload = payload_type("FundingArrangementCreatePayload",
                                               spec_for_model(models.StudentFundingArrangement))
FundingArrangementDeactivatePayload = payload_type("FundingArrangementDeactivatePayload",
                                                   spec_for_model(models.StudentFundingArrangement))


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

    cls = strawberry.type(type(name, (), {
        "__annotations__": {"errors": list[UserError]},
        "fee_adjustment": strawberry.field(resolver=fee_adjustment, description="The adjustment written (append-only)."),
        "student_fee_assignment": strawberry.field(resolver=student_fee_assignment,
                                                   description="The assignment with its new totals."),
    }), name=name)

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
    @strawberry.mutation(description="Switch a fee type on or off (deactivated types take no new structures).")
    async def fee_type_toggle(self, info: Info, input: FeeTypeToggleInput) -> FeeTypeTogglePayload:  # noqa: A002
        return await _run(info, FeeTypeTogglePayload, lambda: service.toggle(
            info.context, models.FeeType, decode_ref(input.id, models.FeeType, "id"), input.active,
            "feeTypeToggle"))

    @strawberry.mutation(description="Create a fee structure with its late-fee policy, for a class of the session or "
                                     "the whole school.")
    async def fee_structure_create(self, info: Info, input: FeeStructureCreateInput) -> FeeStructureCreatePayload:  # noqa: A002
        async def work() -> int:
            return await service.create_structure(
                info.context, fee_type_id=decode_ref(input.fee_type_id, models.FeeType, "feeTypeId"),
                class_id=None if input.class_id is None else decode_ref(input.class_id, models.SchoolClass, "classId"),
                session_id=None if input.session_id is None else decode_ref(input.session_id, models.AcademicSession,
                                                                            "sessionId"),
                amount=input.amount, frequency=input.frequency, due_day=input.due_day_of_month,
                policy=_policy(input.late_fee_policy))
        return await _run(info, FeeStructureCreatePayload, work)

    @strawberry.mutation(description="Change a fee structure (amount, frequency, due day, late-fee policy). Existing "
                                     "assignments keep their snapshot.")
    async def fee_structure_update(self, info: Info, input: FeeStructureUpdateInput) -> FeeStructureUpdatePayload:  # noqa: A002
        async def work() -> int:
            return await service.update_structure(
                info.context, decode_ref(input.id, models.FeeStructure, "id"), amount=input.amount,
                frequency=input.frequency, due_day=input.due_day_of_month,
                policy=_policy(input.late_fee_policy))
        return await _run(info, FeeStructureUpdatePayload, work)

    @strawberry.mutation(description="Switch a fee structure on or off (inactive structures cannot be assigned).")
    async def fee_structure_toggle(self, info: Info, input: FeeStructureToggleInput) -> FeeStructureTogglePayload:  # noqa: A002
        return await _run(info, FeeStructureTogglePayload, lambda: service.toggle(
            info.context, models.FeeStructure, decode_ref(input.id, models.FeeStructure, "id"),
            input.active, "feeStructureToggle"))

    @strawberry.mutation(description="Switch a discount definition on or off (inactive ones cannot be applied).")
    async def discount_definition_toggle(self, info: Info,
                                         input: DiscountDefinitionToggleInput) -> DiscountDefinitionTogglePayload:  # noqa: A002
        return await _run(info, DiscountDefinitionTogglePayload, lambda: service.toggle(
            info.context, models.DiscountDefinition, decode_ref(input.id, models.DiscountDefinition, "id"),
            input.active, "discountDefinitionToggle"))

    @strawberry.mutation(description="Assign a fee structure to students actively enrolled in its session (and class), "
                                     "all or nothing. Each assignment snapshots the amount, due date, late-fee policy and "
                                     "the sponsor's share (seed §5.1, §7.3).")
    async def fee_assign(self, info: Info, input: FeeAssignInput) -> FeeAssignPayload:  # noqa: A002
        async def work() -> list[int]:
            return await service.assign(info.context, decode_ref(input.fee_structure_id, models.FeeStructure,
                                                                 "feeStructureId"), list(input.student_ids), input.due_date)
        return await _run(info, FeeAssignPayload, work)

    @strawberry.mutation(description="Apply an active discount definition to an assignment (seed §7.2): a percentage of "
                                     "the principal due, or a flat amount never above it.")
    async def fee_discount_apply(self, info: Info, input: FeeDiscountApplyInput) -> FeeDiscountApplyPayload:  # noqa: A002
        async def work() -> service.AdjustmentResult:
            return await service.apply_discount(
                info.context, decode_ref(input.assignment_id, models.StudentFeeAssignment, "assignmentId"),
                decode_ref(input.discount_definition_id, models.DiscountDefinition, "discountDefinitionId"), input.reason)
        return await _run(info, FeeDiscountApplyPayload, work)

    @strawberry.mutation(description="Waive late fee of an assignment: at most what was accrued and not yet paid or waived.")
    async def late_fee_waive(self, info: Info, input: LateFeeWaiveInput) -> LateFeeWaivePayload:  # noqa: A002
        async def work() -> service.AdjustmentResult:
            return await service.waive_late_fee(
                info.context, decode_ref(input.assignment_id, models.StudentFeeAssignment, "assignmentId"), input.amount,
                input.reason)
        return await _run(info, LateFeeWaivePayload, work)

    @strawberry.mutation(description="A sponsor's cover of a student's fees in the academic session in force (one active "
                                     "per student and session). New assignments take it into account.")
    async def funding_arrangement_create(self, info: Info,
                                         input: FundingArrangementCreateInput) -> FundingArrangementCreatePayload:  # noqa: A002
        async def work() -> int:
            return await service.create_funding(
                info.context, decode_ref(input.student_id, models.Student, "studentId"), input.coverage_type,
                input.coverage_mode, input.coverage_value, input.valid_from, input.valid_to)
        return await _run(info, FundingArrangementCreatePayload, work)

    @strawberry.mutation(description="End a funding arrangement (kept in history). Existing assignments keep their snapshot.")
    async def funding_arrangement_deactivate(self, info: Info, input: FundingArrangementDeactivateInput
                                             ) -> FundingArrangementDeactivatePayload:  # noqa: A002
        return await _run(info, FundingArrangementDeactivatePayload, lambda: service.deactivate_funding(
            info.context, decode_ref(input.id, models.StudentFundingArrangement, "id")))


for _name in ("feeTypeToggle", "feeStructureCreate", "feeStructureUpdate", "feeStructureToggle", "discountDefinitionToggle",
              "feeAssign", "feeDiscountApply", "lateFeeWaive", "fundingArrangementCreate", "fundingArrangementDeactivate"):
    declare(f"Mutation.{_name}", ADMINS)

mutations = (
    master_data_mutations(models.FeeType, writable=("name", "description"), required=("name",), permissions={
        "create": ADMINS, "update": ADMINS}, verbs=("create", "update"), prepare=service.prepare_fee_type,
        validate=service.validate_fee_type),
    master_data_mutations(models.DiscountDefinition, writable=("name", "type", "amount_value"),
                          required=("name", "type", "amount_value"), permissions={"create": ADMINS}, verbs=("create",),
                          prepare=service.prepare_discount_definition),
    FeeMutation,
)

from schema.classes import SchoolClass  # noqa: E402
from schema.school import AcademicSession  # noqa: E402
from schema.students import Student  # noqa: E402
