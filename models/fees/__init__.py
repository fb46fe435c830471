"""Fees (seed 001 fee domain): types, structures with late-fee policies, per-student
assignments that snapshot the structure (§5.1), payments with head-wise allocations (§7.1),
adjustments, discount definitions, late-fee logs and funding arrangements (§7.3).

Who reads and writes them: models/fees/access.py. The workflows (assigning, paying,
discounting, waiving, funding) are resolvers/fees/; their mutations schema/fees.py and
schema/payments.py."""

from __future__ import annotations

from typing import TYPE_CHECKING

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import BigInteger, CheckConstraint, Enum, Index, Integer, Numeric, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import ActiveMixin, Base, SchoolTenantMixin, reference
from models.entity import Entity, Writes
from models.fees.access import FAMILY_FEE_READERS, FEE_ADMINS, FINANCE_READERS
from models.school.access import family_rows

# a family's own fee rows (issue 18); the finance readers see the school's
FAMILY_FEES = family_rows(staff=FINANCE_READERS.roles)
FAMILY_ALLOCATIONS = family_rows(via=("student_fee_assignments", "assignment_id"), staff=FINANCE_READERS.roles)

if TYPE_CHECKING:  # names of string annotations (SQLAlchemy resolves them through its registry)
    from models.classes import SchoolClass
    from models.school import AcademicSession
    from models.students import Student


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
    """A head of fees a school charges (tuition, exam fee, transport...): structures are made of one,
    and payments are reported by it."""

    __tablename__ = "fee_types"
    __table_args__ = (UniqueConstraint("name", "school_id"), SchoolTenantMixin.tenant_unique())
    __entity__ = Entity(
        read=FAMILY_FEE_READERS,
        list="feeTypes",
        filter=("name", "active"),
        order=("name",),
        write=Writes(
            FEE_ADMINS,
            fields=("name", "description"),
            required=("name",),
            verbs=("create", "update"),
            prepare="resolvers.fees.service.prepare_fee_type",
            validate="resolvers.fees.service.validate_fee_type",
        ),
    )

    name: Mapped[str] = mapped_column(String(100), comment="Unique in the school.")
    description: Mapped[str | None] = mapped_column(String(500))


class FeeStructure(ActiveMixin, SchoolTenantMixin, Base):
    """A fee template for a class (or the whole school) in a session."""

    __tablename__ = "fee_structures"
    __table_args__ = (
        Index("idx_fee_structure_school_class_session", "school_id", "class_id", "session_id"),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        CheckConstraint("due_day_of_month IS NULL OR due_day_of_month BETWEEN 1 AND 28", name="due_day_valid"),
        SchoolTenantMixin.tenant_unique(),
    )
    __entity__ = Entity(
        read=FAMILY_FEE_READERS,
        list="feeStructures",
        filter=("class_id", "session_id", "fee_type_id", "frequency", "active"),
        order=("amount", "created_at"),
    )

    school_class: Mapped[SchoolClass | None] = reference(
        column="class_id", comment="The class it applies to; NULL: the whole school."
    )
    session: Mapped[AcademicSession] = reference()
    fee_type: Mapped[FeeType] = reference()
    amount: Mapped[Decimal] = mapped_column(Money15, comment="The amount due each period, in the school's currency.")
    frequency: Mapped[FeeFrequency] = mapped_column(
        _enum(FeeFrequency), default=FeeFrequency.ONE_TIME, server_default="ONE_TIME"
    )
    due_day_of_month: Mapped[int | None] = mapped_column(
        Integer, default=10, server_default="10", comment="Day of the month fees fall due (1 to 28)."
    )


class LateFeePolicy(ActiveMixin, SchoolTenantMixin, Base):
    """The late fee of a fee structure (seed §7.4), snapshotted into each assignment made from it."""

    __tablename__ = "late_fee_policies"
    __table_args__ = (
        # seed: OneToOne FeeStructure
        UniqueConstraint("school_id", "fee_structure_id", name="uq_late_fee_policies_structure"),
        CheckConstraint("amount_value >= 0 AND cap_value >= 0 AND grace_days >= 0", name="values_not_negative"),
        SchoolTenantMixin.tenant_unique(),
    )
    __entity__ = Entity(read=FAMILY_FEE_READERS, filter=("type", "cap_type", "active"))

    fee_structure: Mapped[FeeStructure] = reference(back="late_fee_policies")
    type: Mapped[LateFeeType] = mapped_column(_enum(LateFeeType), default=LateFeeType.NONE, server_default="NONE")
    amount_value: Mapped[Decimal | None] = mapped_column(
        Money15, default=Decimal("0"), server_default="0", comment="The amount (FLAT) or the percentage (at most 100)."
    )
    grace_days: Mapped[int | None] = mapped_column(
        Integer, default=0, server_default="0", comment="Days after the due date without late fee."
    )
    cap_value: Mapped[Decimal | None] = mapped_column(
        Money15,
        default=Decimal("0"),
        server_default="0",
        comment="The cap: an amount (FIXED) or a percentage of the unpaid principal.",
    )
    cap_type: Mapped[LateFeeCapType] = mapped_column(
        _enum(LateFeeCapType), default=LateFeeCapType.NONE, server_default="NONE"
    )


class StudentFeeAssignment(ActiveMixin, SchoolTenantMixin, Base):
    """A fee due from a student: a snapshot of its structure and the totals so far (§5.1), which the
    one pending formula reads (§8.1)."""

    __tablename__ = "student_fee_assignments"
    __table_args__ = (
        Index("idx_student_fee_student_session", "student_id", "session_id"),
        Index("idx_student_fee_school_session", "school_id", "session_id", "active"),
        Index("idx_student_fee_student_active", "student_id", "active"),
        CheckConstraint(
            "amount >= 0 AND sponsor_covered_amount >= 0 AND late_fee_accrued >= 0 AND principal_paid >= 0 "
            "AND late_fee_paid >= 0 AND late_fee_waived >= 0 AND total_discount_amount >= 0",
            name="amounts_not_negative",
        ),
        # the pending formula never goes below zero: principal and late fee are each never over-paid
        CheckConstraint(
            "principal_paid + total_discount_amount + sponsor_covered_amount <= amount", name="principal_not_overpaid"
        ),
        CheckConstraint("late_fee_paid + late_fee_waived <= late_fee_accrued", name="late_fee_not_overpaid"),
        SchoolTenantMixin.tenant_unique(),
    )
    __entity__ = Entity(
        read=FAMILY_FEE_READERS,
        rows=FAMILY_FEES,
        list="studentFeeAssignments",
        filter=("student_id", "session_id", "fee_structure_id", "due_date", "active", "late_fee_applied"),
        order=("due_date", "amount", "created_at"),
        hide=("version",),
    )

    student: Mapped[Student] = reference(back="fee_assignments")
    fee_structure: Mapped[FeeStructure] = reference()
    session: Mapped[AcademicSession] = reference()
    amount: Mapped[Decimal] = mapped_column(
        Money19, comment="The principal due (the structure's amount when assigned)."
    )
    sponsor_covered_amount: Mapped[Decimal] = mapped_column(
        Money19, default=Decimal("0"), server_default="0", comment="The part of the principal a sponsor pays (§7.3)."
    )
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
    late_fee_applied: Mapped[bool] = mapped_column(
        default=False, server_default="false", comment="A late fee has been charged at least once."
    )
    late_fee_accrued: Mapped[Decimal] = mapped_column(
        Money19, default=Decimal("0"), server_default="0", comment="Late fee charged so far."
    )
    # not in the seed: the day a daily late fee has been accrued up to, so that each overdue day
    # is charged once, on the principal unpaid at the time
    late_fee_accrued_on: Mapped[dt.date | None] = mapped_column(comment="Daily late fees: charged up to this day.")
    principal_paid: Mapped[Decimal] = mapped_column(Money19, default=Decimal("0"), server_default="0")
    late_fee_paid: Mapped[Decimal] = mapped_column(Money19, default=Decimal("0"), server_default="0")
    late_fee_waived: Mapped[Decimal] = mapped_column(Money19, default=Decimal("0"), server_default="0")
    total_discount_amount: Mapped[Decimal] = mapped_column(
        Money19, default=Decimal("0"), server_default="0", comment="Discounts applied so far (fee adjustments)."
    )


class FeePayment(SchoolTenantMixin, Base):
    """A payment (append-only) and its head-wise allocations. Its idempotency key (with a hash of the
    request) makes a retried payment return the first one instead of paying twice."""

    __tablename__ = "fee_payments"
    __table_args__ = (
        Index("idx_fee_payment_student", "student_id"),
        Index("idx_fee_payment_school_session", "school_id", "session_id"),
        Index("idx_fee_payment_school_date", "school_id", "payment_date"),
        UniqueConstraint("school_id", "idempotency_key", name="uq_fee_payments_idempotency_key"),
        CheckConstraint(
            "principal_paid >= 0 AND late_fee_paid >= 0 AND principal_paid + late_fee_paid > 0", name="amount_positive"
        ),
        SchoolTenantMixin.tenant_unique(),
    )
    __entity__ = Entity(
        read=FAMILY_FEE_READERS,
        rows=FAMILY_FEES,
        list="feePayments",
        filter=("student_id", "session_id", "payment_date", "mode", "transaction_reference"),
        order=("payment_date", "created_at"),
        hide=("version", "idempotency_key", "request_hash"),
        append_only=True,
    )

    version: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    __mapper_args__ = {"version_id_col": version}
    student: Mapped[Student] = reference(back="fee_payments")
    session: Mapped[AcademicSession | None] = reference(comment="The academic session of the assignments paid.")
    principal_paid: Mapped[Decimal] = mapped_column(Money19, default=Decimal("0"), server_default="0")
    late_fee_paid: Mapped[Decimal] = mapped_column(Money19, default=Decimal("0"), server_default="0")
    payment_date: Mapped[dt.date] = mapped_column(comment="The day the money was received (never a closed day).")
    transaction_reference: Mapped[str | None] = mapped_column(String(100))
    mode: Mapped[str | None] = mapped_column(String(20), comment="CASH, BANK or UPI; CASH is cash, any other is bank.")
    remarks: Mapped[str | None] = mapped_column(String(500))
    idempotency_key: Mapped[str | None] = mapped_column(String(100))
    request_hash: Mapped[str | None] = mapped_column(String(64))


class FeePaymentAllocation(SchoolTenantMixin, Base):
    """The part of a payment that went to one fee assignment (append-only): late fee first, then principal."""

    __tablename__ = "fee_payment_allocations"
    __table_args__ = (
        Index("idx_fee_payment_allocation_payment", "fee_payment_id"),
        Index("idx_fee_payment_allocation_session", "session_id"),
        Index("ix_fee_payment_allocations_assignment", "assignment_id"),
        UniqueConstraint(
            "school_id", "fee_payment_id", "assignment_id", name="uq_fee_payment_allocations_payment_assignment"
        ),
        CheckConstraint(
            "principal_amount >= 0 AND late_fee_amount >= 0 AND principal_amount + late_fee_amount > 0",
            name="amount_positive",
        ),
        SchoolTenantMixin.tenant_unique(),
    )
    __entity__ = Entity(
        read=FAMILY_FEE_READERS,
        rows=FAMILY_ALLOCATIONS,
        filter=("fee_payment_id", "assignment_id", "fee_type_id", "session_id"),
        append_only=True,
    )

    fee_payment: Mapped[FeePayment] = reference(back="allocations")
    assignment: Mapped[StudentFeeAssignment] = reference(back="allocations")
    fee_type: Mapped[FeeType] = reference()
    principal_amount: Mapped[Decimal] = mapped_column(Money19, default=Decimal("0"), server_default="0")
    late_fee_amount: Mapped[Decimal] = mapped_column(Money19, default=Decimal("0"), server_default="0")
    session: Mapped[AcademicSession] = reference()


class DiscountDefinition(ActiveMixin, SchoolTenantMixin, Base):
    """A discount the school offers (scholarship, sibling...): applied to an assignment it becomes a
    fee adjustment with its snapshot (§7.2)."""

    __tablename__ = "discount_definitions"
    __table_args__ = (
        CheckConstraint("amount_value > 0", name="value_positive"),
        CheckConstraint("type <> 'PERCENTAGE' OR amount_value <= 100", name="percentage_at_most_100"),
        SchoolTenantMixin.tenant_unique(),
    )
    __entity__ = Entity(
        read=FINANCE_READERS,
        list="discountDefinitions",
        filter=("name", "type", "active"),
        order=("name",),
        write=Writes(
            {"create": FEE_ADMINS},
            fields=("name", "type", "amount_value"),
            required=("name", "type", "amount_value"),
            verbs=("create",),
            prepare="resolvers.fees.service.prepare_discount_definition",
        ),
    )

    name: Mapped[str] = mapped_column(String(100))
    type: Mapped[DiscountType] = mapped_column(_enum(DiscountType))
    amount_value: Mapped[Decimal] = mapped_column(Money19, comment="An amount (FLAT) or a percentage at most 100.")


class FeeAdjustment(SchoolTenantMixin, Base):
    """A discount or a late-fee waiver (append-only, with the discount's snapshot)."""

    __tablename__ = "fee_adjustments"
    __table_args__ = (
        Index("idx_fee_adjustment_assignment", "assignment_id"),
        CheckConstraint("amount > 0", name="amount_positive"),
        SchoolTenantMixin.tenant_unique(),
    )
    __entity__ = Entity(
        read=FINANCE_READERS,
        list="feeAdjustments",
        filter=("assignment_id", "type", "created_at"),
        order=("created_at",),
        append_only=True,
    )

    assignment: Mapped[StudentFeeAssignment] = reference(back="adjustments")
    type: Mapped[AdjustmentType] = mapped_column(_enum(AdjustmentType))
    amount: Mapped[Decimal] = mapped_column(Money19, comment="The discount or the late fee waived.")
    discount_definition: Mapped[DiscountDefinition | None] = reference(comment="The discount applied (DISCOUNT only).")
    discount_name_snapshot: Mapped[str | None] = mapped_column(String(100))
    discount_type_snapshot: Mapped[DiscountType | None] = mapped_column(_enum(DiscountType))
    discount_value_snapshot: Mapped[Decimal | None] = mapped_column(Money19)
    reason: Mapped[str | None] = mapped_column(String(500))
    created_by_staff: Mapped[str | None] = mapped_column(String(255), comment="Who made it, as shown to staff.")


class LateFeeLog(SchoolTenantMixin, Base):
    """Append-only: every accrual of late fee, at payment time or by the daily command."""

    __tablename__ = "late_fee_logs"
    __table_args__ = (
        Index("idx_late_fee_logs_assignment", "assignment_id"),
        SchoolTenantMixin.tenant_unique(),
    )
    __entity__ = Entity(
        read=FINANCE_READERS, filter=("assignment_id", "applied_date"), order=("applied_date",), append_only=True
    )

    assignment: Mapped[StudentFeeAssignment] = reference(back="late_fee_logs")
    computed_amount: Mapped[Decimal] = mapped_column(Money19, comment="The late fee charged by this accrual.")
    applied_date: Mapped[dt.date]
    reason: Mapped[str | None] = mapped_column(String(255))


class StudentFundingArrangement(ActiveMixin, SchoolTenantMixin, Base):
    """A sponsor's cover of a student's fees for a session."""

    __tablename__ = "student_funding_arrangements"
    __table_args__ = (
        Index("idx_funding_student_session_active", "student_id", "session_id", "active"),
        # seed §7.6 "one active funding arrangement per student/session" (a service guard there)
        Index("uq_funding_one_active", "student_id", "session_id", unique=True, postgresql_where=text("active")),
        CheckConstraint("coverage_value >= 0", name="value_not_negative"),
        SchoolTenantMixin.tenant_unique(),
    )
    __entity__ = Entity(
        read=FINANCE_READERS, list="fundingArrangements", filter=("student_id", "session_id", "coverage_type", "active")
    )

    student: Mapped[Student] = reference()
    session: Mapped[AcademicSession] = reference()
    coverage_type: Mapped[FundingCoverageType] = mapped_column(_enum(FundingCoverageType))
    coverage_mode: Mapped[FundingCoverageMode] = mapped_column(_enum(FundingCoverageMode))
    coverage_value: Mapped[Decimal] = mapped_column(Money19, comment="An amount, or a percentage at most 100.")
    valid_from: Mapped[dt.date | None]
    valid_to: Mapped[dt.date | None]
