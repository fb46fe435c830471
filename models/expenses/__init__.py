"""Expenses (seed 001 expense domain): heads and vouchers with a gap-free number per school."""

from __future__ import annotations

from typing import TYPE_CHECKING

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import BigInteger, CheckConstraint, Enum, Index, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import ActiveMixin, Base, SchoolTenantMixin, ref, reference
from models.entity import Entity, Internal
from models.fees.access import FINANCE_READERS

if TYPE_CHECKING:  # names of string annotations (SQLAlchemy resolves them through its registry)
    from models.school import AcademicSession
    from models.user import User


class ExpensePaymentMode(enum.Enum):
    CASH = "CASH"
    BANK = "BANK"
    UPI = "UPI"


class ExpenseHead(ActiveMixin, SchoolTenantMixin, Base):
    """A head of the school's spending (salaries, electricity, stationery...): every voucher has one."""

    __tablename__ = "expense_heads"
    __table_args__ = (
        UniqueConstraint("school_id", "normalized_name", name="uk_expense_head_school_normalized_name"),
        SchoolTenantMixin.tenant_unique(),
    )
    __entity__ = Entity(read=FINANCE_READERS, list="expenseHeads", filter=("name", "active"), order=("name",))

    name: Mapped[str] = mapped_column(String(150))
    # seed 001 §1.1 `normalizedName`: the uniqueness key, derived by expenseHeadCreate (never typed in)
    normalized_name: Mapped[str] = mapped_column(String(150))
    description: Mapped[str | None] = mapped_column(String(500))


class ExpenseVoucher(ActiveMixin, SchoolTenantMixin, Base):
    """Money the school spent, under a gap-free number of the school (EXP-00001, ...); deactivated,
    never deleted, and locked once its day is closed."""

    __tablename__ = "expense_vouchers"
    __table_args__ = (
        UniqueConstraint("school_id", "voucher_number", name="uk_expense_voucher_school_voucher_number"),
        Index("idx_expense_voucher_school_session", "school_id", "session_id"),
        Index("idx_expense_voucher_school_date", "school_id", "expense_date"),
        CheckConstraint("amount > 0", name="amount_positive"),
        SchoolTenantMixin.tenant_unique(),
    )
    __entity__ = Entity(
        read=FINANCE_READERS,
        list="expenseVouchers",
        filter=("voucher_number", "expense_date", "expense_head_id", "payment_mode", "session_id", "active"),
        order=("expense_date", "voucher_number", "amount"),
        hide=("version",),
    )

    version: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    __mapper_args__ = {"version_id_col": version}
    voucher_number: Mapped[str] = mapped_column(String(50), comment="EXP-00001, ...: the school's next, without gaps.")
    expense_date: Mapped[dt.date] = mapped_column(comment="The day the money was spent (never a closed day).")
    expense_head: Mapped[ExpenseHead] = reference()
    amount: Mapped[Decimal] = mapped_column(Numeric(19, 2))
    payment_mode: Mapped[ExpensePaymentMode] = mapped_column(
        Enum(ExpensePaymentMode, native_enum=False, length=10, validate_strings=True)
    )
    description: Mapped[str | None] = mapped_column(String(500))
    reference_number: Mapped[str | None] = mapped_column(String(100))
    session: Mapped[AcademicSession] = reference()

    # seed 001 `createdBy`: the audit column (no foreign key in the database: audit authors never
    # hold a user row back), read as the user who recorded the voucher
    created_by_user: Mapped[User | None] = ref("ExpenseVoucher", "created_by", "User")


class VoucherSequence(SchoolTenantMixin, Base):
    """The next voucher number of a school, taken under a row lock: numbers never skip,
    even when vouchers are created at the same moment (a PostgreSQL sequence would)."""

    __tablename__ = "voucher_sequences"
    __table_args__ = (UniqueConstraint("school_id", name="uq_voucher_sequences_school"),)
    __entity__ = Internal("bookkeeping of expenseVoucherCreate: the school's next voucher number, under a row lock")

    next_number: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
