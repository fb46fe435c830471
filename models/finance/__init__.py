"""Finance (seed 001 finance domain): cash-to-bank transfers and day closings."""

from __future__ import annotations

from typing import TYPE_CHECKING

import datetime as dt
from decimal import Decimal

from sqlalchemy import CheckConstraint, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, SchoolTenantMixin, ref, reference
from models.entity import Entity
from models.fees.access import FINANCE_REPORTS

if TYPE_CHECKING:  # names of string annotations (SQLAlchemy resolves them through its registry)
    from models.school import AcademicSession
    from models.user import User

Money = Numeric(19, 2)


class FinanceAccountTransfer(SchoolTenantMixin, Base):
    """Money moved between the school's accounts (append-only; today: CASH to BANK)."""

    __tablename__ = "finance_account_transfers"
    __table_args__ = (
        Index("idx_fin_transfer_school_session_date", "school_id", "session_id", "transfer_date"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("from_account <> to_account", name="accounts_differ"),
        SchoolTenantMixin.tenant_unique(),
    )
    # finance reporters' only wherever reached (a mutation's payload, a relation): the kit makes the
    # read rule the type's row filter
    __entity__ = Entity(
        read=FINANCE_REPORTS,
        list="accountTransfers",
        filter=("transfer_date", "session_id", "from_account", "to_account"),
        order=("transfer_date",),
        append_only=True,
    )

    session: Mapped[AcademicSession] = reference()
    transfer_date: Mapped[dt.date] = mapped_column(comment="The day the money moved (never a closed day).")
    amount: Mapped[Decimal] = mapped_column(Money)
    from_account: Mapped[str] = mapped_column(String(20), comment="CASH (the only source today).")
    to_account: Mapped[str] = mapped_column(String(20), comment="BANK (the only destination today).")
    reference_number: Mapped[str | None] = mapped_column(String(100))
    remarks: Mapped[str | None] = mapped_column(String(500))


class DayClosing(SchoolTenantMixin, Base):
    """A closed day: cash and bank from the previous closing, plus the day's revenue, minus its
    expenses, with its transfers; payments, vouchers and transfers dated on it are then refused."""

    __tablename__ = "day_closing"
    __table_args__ = (
        UniqueConstraint("school_id", "date", name="uk_day_closing_school_date"),
        SchoolTenantMixin.tenant_unique(),
    )
    __entity__ = Entity(
        read=FINANCE_REPORTS, list="dayClosings", filter=("date", "session_id", "override_allowed"), order=("date",)
    )

    date: Mapped[dt.date]
    session: Mapped[AcademicSession] = reference()
    opening_cash: Mapped[Decimal] = mapped_column(
        Money, comment="The previous closing's cash (the balance brought into the books before the first)."
    )
    opening_bank: Mapped[Decimal] = mapped_column(Money, comment="The previous closing's bank balance.")
    cash_revenue: Mapped[Decimal] = mapped_column(Money, comment="Fee payments of the day in CASH.")
    bank_revenue: Mapped[Decimal] = mapped_column(Money, comment="Fee payments of the day in any other mode.")
    cash_expense: Mapped[Decimal] = mapped_column(Money, comment="Active vouchers of the day paid in CASH.")
    bank_expense: Mapped[Decimal] = mapped_column(Money, comment="Active vouchers of the day paid by BANK or UPI.")
    transfer_out: Mapped[Decimal] = mapped_column(Money, comment="Money that left the cash drawer for the bank.")
    transfer_in: Mapped[Decimal] = mapped_column(Money, comment="Money that arrived in the bank from the cash drawer.")
    closing_cash: Mapped[Decimal] = mapped_column(
        Money, comment="openingCash + cashRevenue - cashExpense - transferOut"
    )
    closing_bank: Mapped[Decimal] = mapped_column(Money, comment="openingBank + bankRevenue - bankExpense + transferIn")
    override_allowed: Mapped[bool] = mapped_column(
        default=False, server_default="false", comment="A super admin let the day take late entries; dayClose ends it."
    )
    closed_by: Mapped[int | None] = mapped_column(comment="The user who closed the day.")
    closed_at: Mapped[dt.datetime | None]

    # seed 001 `closedBy` (no foreign key in the database): the user who closed the day
    closed_by_user: Mapped[User | None] = ref("DayClosing", "closed_by", "User")
