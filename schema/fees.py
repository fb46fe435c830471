"""Fees (seed 001 fee domain): types, structures, assignments, payments, discounts, funding."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import strawberry

import models
from auth.permissions import PLATFORM, roles
from resolvers.fees.formula import pending
from schema.common.connection import Connection, graphql_enum
from schema.common.entity import entity_type, relation
from schema.common.fields import list_field
from schema.common.node import Node

FeeFrequency = graphql_enum(models.FeeFrequency)
LateFeeType = graphql_enum(models.LateFeeType)
LateFeeCapType = graphql_enum(models.LateFeeCapType)
FundingCoverageType = graphql_enum(models.FundingCoverageType)
FundingCoverageMode = graphql_enum(models.FundingCoverageMode)
DiscountType = graphql_enum(models.DiscountType)
AdjustmentType = graphql_enum(models.AdjustmentType)

FINANCE_READERS = roles(*PLATFORM, "SCHOOL_ADMIN", "ACCOUNTANT")


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


mutations = ()

from schema.classes import SchoolClass  # noqa: E402
from schema.school import AcademicSession  # noqa: E402
from schema.students import Student  # noqa: E402
