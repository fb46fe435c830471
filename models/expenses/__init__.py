"""Expenses (seed 001 expense domain): heads and vouchers with a gap-free number per school."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import BigInteger, CheckConstraint, Enum, Index, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import ActiveMixin, Base, SchoolTenantMixin, ref, school_ref


class ExpensePaymentMode(enum.Enum):
    CASH = "CASH"
    BANK = "BANK"
    UPI = "UPI"


class ExpenseHead(ActiveMixin, SchoolTenantMixin, Base):
    __tablename__ = "expense_heads"
    __table_args__ = (
        UniqueConstraint("school_id", "normalized_name", name="uk_expense_head_school_normalized_name"),
        SchoolTenantMixin.tenant_unique(),
    )
    __filterable__ = ("name", "active")
    __sortable__ = ("name",)

    name: Mapped[str] = mapped_column(String(150))
    normalized_name: Mapped[str] = mapped_column(String(150))
    description: Mapped[str | None] = mapped_column(String(500))


class ExpenseVoucher(ActiveMixin, SchoolTenantMixin, Base):
    __tablename__ = "expense_vouchers"
    __table_args__ = (
        UniqueConstraint("school_id", "voucher_number", name="uk_expense_voucher_school_voucher_number"),
        Index("idx_expense_voucher_school_session", "school_id", "session_id"),
        Index("idx_expense_voucher_school_date", "school_id", "expense_date"),
        CheckConstraint("amount > 0", name="amount_positive"),
        SchoolTenantMixin.tenant_unique(),
        school_ref("expense_head_id", "expense_heads"),
        school_ref("session_id", "academic_sessions"),
    )
    __filterable__ = ("voucher_number", "expense_date", "expense_head_id", "payment_mode", "session_id", "active")
    __sortable__ = ("expense_date", "voucher_number", "amount")

    version: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    __mapper_args__ = {"version_id_col": version}
    voucher_number: Mapped[str] = mapped_column(String(50))
    expense_date: Mapped[dt.date]
    expense_head_id: Mapped[int]
    amount: Mapped[Decimal] = mapped_column(Numeric(19, 2))
    payment_mode: Mapped[ExpensePaymentMode] = mapped_column(Enum(ExpensePaymentMode, native_enum=False, length=10,
                                                                  validate_strings=True))
    description: Mapped[str | None] = mapped_column(String(500))
    reference_number: Mapped[str | None] = mapped_column(String(100))
    session_id: Mapped[int]

    expense_head: Mapped[ExpenseHead] = ref("ExpenseVoucher", "expense_head_id", "ExpenseHead")


class VoucherSequence(SchoolTenantMixin, Base):
    """The next voucher number of a school, taken under a row lock: numbers never skip,
    even when vouchers are created at the same moment (a PostgreSQL sequence would)."""

    __tablename__ = "voucher_sequences"
    __table_args__ = (UniqueConstraint("school_id", name="uq_voucher_sequences_school"),)

    next_number: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
