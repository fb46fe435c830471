"""Fees (seed 001 fee domain): types, structures with late-fee policies, per-student
assignments that snapshot the structure (§5.1), payments with head-wise allocations (§7.1),
adjustments, discount definitions, late-fee logs and funding arrangements (§7.3)."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import BigInteger, CheckConstraint, Enum, Index, Integer, Numeric, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import ActiveMixin, Base, SchoolTenantMixin, many, ref, school_ref


class FeeFrequency(enum.Enum):
    MONTHLY = "MONTHLY"
    QUARTERLY = "QUARTERLY"
    HALF_YEARLY = "HALF_YEARLY"
    ANNUALLY = "ANNUALLY"
    ONE_TIME = "ONE_TIME"


class LateFeeType(enum.Enum):
    NONE = "NONE"
    FLAT = "FLAT"
    PERCENTAGE = "PERCENTAGE"
    DAILY_PERCENTAGE = "DAILY_PERCENTAGE"


class LateFeeCapType(enum.Enum):
    NONE = "NONE"
    FIXED = "FIXED"
    PERCENTAGE = "PERCENTAGE"


class FundingCoverageType(enum.Enum):
    FULL = "FULL"
    PARTIAL = "PARTIAL"


class FundingCoverageMode(enum.Enum):
    FIXED_AMOUNT = "FIXED_AMOUNT"
    PERCENTAGE = "PERCENTAGE"


class DiscountType(enum.Enum):
    FLAT = "FLAT"
    PERCENTAGE = "PERCENTAGE"


class AdjustmentType(enum.Enum):
    DISCOUNT = "DISCOUNT"
    LATE_FEE_WAIVER = "LATE_FEE_WAIVER"


def _enum(cls: type[enum.Enum], length: int = 30) -> Enum:
    return Enum(cls, native_enum=False, length=length, validate_strings=True)


Money15 = Numeric(15, 2)
Money19 = Numeric(19, 2)


class FeeType(ActiveMixin, SchoolTenantMixin, Base):
    __tablename__ = "fee_types"
    __table_args__ = (UniqueConstraint("name", "school_id"), SchoolTenantMixin.tenant_unique())
    __filterable__ = ("name", "active")
    __sortable__ = ("name",)

    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(String(500))


class FeeStructure(ActiveMixin, SchoolTenantMixin, Base):
    __tablename__ = "fee_structures"
    __table_args__ = (
        Index("idx_fee_structure_school_class_session", "school_id", "class_id", "session_id"),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        CheckConstraint("due_day_of_month IS NULL OR due_day_of_month BETWEEN 1 AND 28", name="due_day_valid"),
        SchoolTenantMixin.tenant_unique(),
        school_ref("class_id", "school_classes"),
        school_ref("session_id", "academic_sessions"),
        school_ref("fee_type_id", "fee_types"),
    )
    __filterable__ = ("class_id", "session_id", "fee_type_id", "frequency", "active")
    __sortable__ = ("amount", "created_at")

    class_id: Mapped[int | None]
    session_id: Mapped[int]
    fee_type_id: Mapped[int]
    amount: Mapped[Decimal] = mapped_column(Money15)
    frequency: Mapped[FeeFrequency] = mapped_column(_enum(FeeFrequency), default=FeeFrequency.ONE_TIME, server_default="ONE_TIME")
    due_day_of_month: Mapped[int | None] = mapped_column(Integer, default=10, server_default="10")

    fee_type: Mapped[FeeType] = ref("FeeStructure", "fee_type_id", "FeeType")
    school_class: Mapped["SchoolClass | None"] = ref("FeeStructure", "class_id", "SchoolClass")
    session: Mapped["AcademicSession"] = ref("FeeStructure", "session_id", "AcademicSession")
    late_fee_policies: Mapped[list[LateFeePolicy]] = many("FeeStructure", "LateFeePolicy", "fee_structure_id")


class LateFeePolicy(ActiveMixin, SchoolTenantMixin, Base):
    __tablename__ = "late_fee_policies"
    __table_args__ = (
        # seed: OneToOne FeeStructure
        UniqueConstraint("school_id", "fee_structure_id", name="uq_late_fee_policies_structure"),
        CheckConstraint("amount_value >= 0 AND cap_value >= 0 AND grace_days >= 0", name="values_not_negative"),
        SchoolTenantMixin.tenant_unique(),
        school_ref("fee_structure_id", "fee_structures"),
    )
    __filterable__ = ("type", "cap_type", "active")

    fee_structure_id: Mapped[int]
    type: Mapped[LateFeeType] = mapped_column(_enum(LateFeeType), default=LateFeeType.NONE, server_default="NONE")
    amount_value: Mapped[Decimal | None] = mapped_column(Money15, default=Decimal("0"), server_default="0")
    grace_days: Mapped[int | None] = mapped_column(Integer, default=0, server_default="0")
    cap_value: Mapped[Decimal | None] = mapped_column(Money15, default=Decimal("0"), server_default="0")
    cap_type: Mapped[LateFeeCapType] = mapped_column(_enum(LateFeeCapType), default=LateFeeCapType.NONE, server_default="NONE")

    fee_structure: Mapped[FeeStructure] = ref("LateFeePolicy", "fee_structure_id", "FeeStructure")


class StudentFeeAssignment(ActiveMixin, SchoolTenantMixin, Base):
    """A fee due from one student: a snapshot of the structure and policy at assignment
    time (§5.1), and the running totals that the one pending formula reads (§8.1)."""

    __tablename__ = "student_fee_assignments"
    __table_args__ = (
        Index("idx_student_fee_student_session", "student_id", "session_id"),
        Index("idx_student_fee_school_session", "school_id", "session_id", "active"),
        Index("idx_student_fee_student_active", "student_id", "active"),
        CheckConstraint("amount >= 0 AND sponsor_covered_amount >= 0 AND late_fee_accrued >= 0 AND principal_paid >= 0 "
                        "AND late_fee_paid >= 0 AND late_fee_waived >= 0 AND total_discount_amount >= 0", name="amounts_not_negative"),
        # the pending formula never goes below zero: principal and late fee are each never over-paid
        CheckConstraint("principal_paid + total_discount_amount + sponsor_covered_amount <= amount", name="principal_not_overpaid"),
        CheckConstraint("late_fee_paid + late_fee_waived <= late_fee_accrued", name="late_fee_not_overpaid"),
        SchoolTenantMixin.tenant_unique(),
        school_ref("student_id", "students"),
        school_ref("fee_structure_id", "fee_structures"),
        school_ref("session_id", "academic_sessions"),
    )
    __filterable__ = ("student_id", "session_id", "fee_structure_id", "due_date", "active", "late_fee_applied")
    __sortable__ = ("due_date", "amount", "created_at")

    student_id: Mapped[int]
    fee_structure_id: Mapped[int]
    session_id: Mapped[int]
    amount: Mapped[Decimal] = mapped_column(Money19)
    sponsor_covered_amount: Mapped[Decimal] = mapped_column(Money19, default=Decimal("0"), server_default="0")
    version: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    __mapper_args__ = {"version_id_col": version}  # seed @Version: optimistic locking of the totals
    # snapshot
    due_date: Mapped[dt.date | None]
    late_fee_type: Mapped[LateFeeType | None] = mapped_column(_enum(LateFeeType))
    late_fee_value: Mapped[Decimal | None] = mapped_column(Money19)
    late_fee_grace_days: Mapped[int | None] = mapped_column(Integer)
    late_fee_cap_type: Mapped[LateFeeCapType | None] = mapped_column(_enum(LateFeeCapType), default=LateFeeCapType.NONE)
    late_fee_cap_value: Mapped[Decimal | None] = mapped_column(Money19)
    # tracking (NOT NULL here: the seed's nullable zeros only invite NULL arithmetic)
    late_fee_applied: Mapped[bool] = mapped_column(default=False, server_default="false")
    late_fee_accrued: Mapped[Decimal] = mapped_column(Money19, default=Decimal("0"), server_default="0")
    # not in the seed: the day a daily late fee has been accrued up to, so that each overdue day
    # is charged once, on the principal unpaid at the time
    late_fee_accrued_on: Mapped[dt.date | None]
    principal_paid: Mapped[Decimal] = mapped_column(Money19, default=Decimal("0"), server_default="0")
    late_fee_paid: Mapped[Decimal] = mapped_column(Money19, default=Decimal("0"), server_default="0")
    late_fee_waived: Mapped[Decimal] = mapped_column(Money19, default=Decimal("0"), server_default="0")
    total_discount_amount: Mapped[Decimal] = mapped_column(Money19, default=Decimal("0"), server_default="0")

    student: Mapped["Student"] = ref("StudentFeeAssignment", "student_id", "Student")
    fee_structure: Mapped[FeeStructure] = ref("StudentFeeAssignment", "fee_structure_id", "FeeStructure")
    session: Mapped["AcademicSession"] = ref("StudentFeeAssignment", "session_id", "AcademicSession")
    adjustments: Mapped[list[FeeAdjustment]] = many("StudentFeeAssignment", "FeeAdjustment", "assignment_id")
    allocations: Mapped[list[FeePaymentAllocation]] = many("StudentFeeAssignment", "FeePaymentAllocation", "assignment_id")
    late_fee_logs: Mapped[list[LateFeeLog]] = many("StudentFeeAssignment", "LateFeeLog", "assignment_id")


class FeePayment(SchoolTenantMixin, Base):
    """Append-only. `idempotency_key` (with a hash of the request) makes a retried payment
    return the first one instead of paying twice."""

    __tablename__ = "fee_payments"
    __table_args__ = (
        Index("idx_fee_payment_student", "student_id"),
        Index("idx_fee_payment_school_session", "school_id", "session_id"),
        Index("idx_fee_payment_school_date", "school_id", "payment_date"),
        UniqueConstraint("school_id", "idempotency_key", name="uq_fee_payments_idempotency_key"),
        CheckConstraint("principal_paid >= 0 AND late_fee_paid >= 0 AND principal_paid + late_fee_paid > 0", name="amount_positive"),
        SchoolTenantMixin.tenant_unique(),
        school_ref("student_id", "students"),
        school_ref("session_id", "academic_sessions"),
    )
    __filterable__ = ("student_id", "session_id", "payment_date", "mode", "transaction_reference")
    __sortable__ = ("payment_date", "created_at")

    version: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    __mapper_args__ = {"version_id_col": version}
    student_id: Mapped[int]
    session_id: Mapped[int | None]
    principal_paid: Mapped[Decimal] = mapped_column(Money19, default=Decimal("0"), server_default="0")
    late_fee_paid: Mapped[Decimal] = mapped_column(Money19, default=Decimal("0"), server_default="0")
    payment_date: Mapped[dt.date]
    transaction_reference: Mapped[str | None] = mapped_column(String(100))
    mode: Mapped[str | None] = mapped_column(String(20))
    remarks: Mapped[str | None] = mapped_column(String(500))
    idempotency_key: Mapped[str | None] = mapped_column(String(100))
    request_hash: Mapped[str | None] = mapped_column(String(64))

    student: Mapped["Student"] = ref("FeePayment", "student_id", "Student")
    allocations: Mapped[list[FeePaymentAllocation]] = many("FeePayment", "FeePaymentAllocation", "fee_payment_id")


class FeePaymentAllocation(SchoolTenantMixin, Base):
    __tablename__ = "fee_payment_allocations"
    __table_args__ = (
        Index("idx_fee_payment_allocation_payment", "fee_payment_id"),
        Index("idx_fee_payment_allocation_session", "session_id"),
        Index("ix_fee_payment_allocations_assignment", "assignment_id"),
        UniqueConstraint("school_id", "fee_payment_id", "assignment_id", name="uq_fee_payment_allocations_payment_assignment"),
        CheckConstraint("principal_amount >= 0 AND late_fee_amount >= 0 AND principal_amount + late_fee_amount > 0",
                        name="amount_positive"),
        SchoolTenantMixin.tenant_unique(),
        school_ref("fee_payment_id", "fee_payments"),
        school_ref("assignment_id", "student_fee_assignments"),
        school_ref("fee_type_id", "fee_types"),
        school_ref("session_id", "academic_sessions"),
    )
    __filterable__ = ("fee_payment_id", "assignment_id", "fee_type_id", "session_id")

    fee_payment_id: Mapped[int]
    assignment_id: Mapped[int]
    fee_type_id: Mapped[int]
    principal_amount: Mapped[Decimal] = mapped_column(Money19, default=Decimal("0"), server_default="0")
    late_fee_amount: Mapped[Decimal] = mapped_column(Money19, default=Decimal("0"), server_default="0")
    session_id: Mapped[int]

    fee_payment: Mapped[FeePayment] = ref("FeePaymentAllocation", "fee_payment_id", "FeePayment")
    assignment: Mapped[StudentFeeAssignment] = ref("FeePaymentAllocation", "assignment_id", "StudentFeeAssignment")
    fee_type: Mapped[FeeType] = ref("FeePaymentAllocation", "fee_type_id", "FeeType")


class DiscountDefinition(ActiveMixin, SchoolTenantMixin, Base):
    __tablename__ = "discount_definitions"
    __table_args__ = (CheckConstraint("amount_value > 0", name="value_positive"),
                      CheckConstraint("type <> 'PERCENTAGE' OR amount_value <= 100", name="percentage_at_most_100"),
                      SchoolTenantMixin.tenant_unique())
    __filterable__ = ("name", "type", "active")
    __sortable__ = ("name",)

    name: Mapped[str] = mapped_column(String(100))
    type: Mapped[DiscountType] = mapped_column(_enum(DiscountType))
    amount_value: Mapped[Decimal] = mapped_column(Money19)


class FeeAdjustment(SchoolTenantMixin, Base):
    """Append-only: a discount or a late-fee waiver, with the discount definition's snapshot."""

    __tablename__ = "fee_adjustments"
    __table_args__ = (
        Index("idx_fee_adjustment_assignment", "assignment_id"),
        CheckConstraint("amount > 0", name="amount_positive"),
        SchoolTenantMixin.tenant_unique(),
        school_ref("assignment_id", "student_fee_assignments"),
        school_ref("discount_definition_id", "discount_definitions"),
    )
    __filterable__ = ("assignment_id", "type", "created_at")
    __sortable__ = ("created_at",)

    assignment_id: Mapped[int]
    type: Mapped[AdjustmentType] = mapped_column(_enum(AdjustmentType))
    amount: Mapped[Decimal] = mapped_column(Money19)
    discount_definition_id: Mapped[int | None]
    discount_name_snapshot: Mapped[str | None] = mapped_column(String(100))
    discount_type_snapshot: Mapped[DiscountType | None] = mapped_column(_enum(DiscountType))
    discount_value_snapshot: Mapped[Decimal | None] = mapped_column(Money19)
    reason: Mapped[str | None] = mapped_column(String(500))
    created_by_staff: Mapped[str | None] = mapped_column(String(255))

    assignment: Mapped[StudentFeeAssignment] = ref("FeeAdjustment", "assignment_id", "StudentFeeAssignment")


class LateFeeLog(SchoolTenantMixin, Base):
    """Append-only: every accrual of late fee, at payment time or by the daily command."""

    __tablename__ = "late_fee_logs"
    __table_args__ = (
        Index("idx_late_fee_logs_assignment", "assignment_id"),
        SchoolTenantMixin.tenant_unique(),
        school_ref("assignment_id", "student_fee_assignments"),
    )
    __filterable__ = ("assignment_id", "applied_date")
    __sortable__ = ("applied_date",)

    assignment_id: Mapped[int]
    computed_amount: Mapped[Decimal] = mapped_column(Money19)
    applied_date: Mapped[dt.date]
    reason: Mapped[str | None] = mapped_column(String(255))


class StudentFundingArrangement(ActiveMixin, SchoolTenantMixin, Base):
    __tablename__ = "student_funding_arrangements"
    __table_args__ = (
        Index("idx_funding_student_session_active", "student_id", "session_id", "active"),
        # seed §7.6 "one active funding arrangement per student/session" (a service guard there)
        Index("uq_funding_one_active", "student_id", "session_id", unique=True, postgresql_where=text("active")),
        CheckConstraint("coverage_value >= 0", name="value_not_negative"),
        SchoolTenantMixin.tenant_unique(),
        school_ref("student_id", "students"),
        school_ref("session_id", "academic_sessions"),
    )
    __filterable__ = ("student_id", "session_id", "coverage_type", "active")

    student_id: Mapped[int]
    session_id: Mapped[int]
    coverage_type: Mapped[FundingCoverageType] = mapped_column(_enum(FundingCoverageType))
    coverage_mode: Mapped[FundingCoverageMode] = mapped_column(_enum(FundingCoverageMode))
    coverage_value: Mapped[Decimal] = mapped_column(Money19)
    valid_from: Mapped[dt.date | None]
    valid_to: Mapped[dt.date | None]

    student: Mapped["Student"] = ref("StudentFundingArrangement", "student_id", "Student")
