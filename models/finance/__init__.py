"""Finance (seed 001 finance domain): cash-to-bank transfers and day closings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import CheckConstraint, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, SchoolTenantMixin, school_ref

Money = Numeric(19, 2)


class FinanceAccountTransfer(SchoolTenantMixin, Base):
    """Append-only movement between the school's accounts (today: CASH to BANK)."""

    __tablename__ = "finance_account_transfers"
    __table_args__ = (
        Index("idx_fin_transfer_school_session_date", "school_id", "session_id", "transfer_date"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("from_account <> to_account", name="accounts_differ"),
        SchoolTenantMixin.tenant_unique(),
        school_ref("session_id", "academic_sessions"),
    )
    __filterable__ = ("transfer_date", "session_id", "from_account", "to_account")
    __sortable__ = ("transfer_date",)

    session_id: Mapped[int]
    transfer_date: Mapped[dt.date]
    amount: Mapped[Decimal] = mapped_column(Money)
    from_account: Mapped[str] = mapped_column(String(20))
    to_account: Mapped[str] = mapped_column(String(20))
    reference_number: Mapped[str | None] = mapped_column(String(100))
    remarks: Mapped[str | None] = mapped_column(String(500))


class DayClosing(SchoolTenantMixin, Base):
    __tablename__ = "day_closing"
    __table_args__ = (
        UniqueConstraint("school_id", "date", name="uk_day_closing_school_date"),
        SchoolTenantMixin.tenant_unique(),
        school_ref("session_id", "academic_sessions"),
    )
    __filterable__ = ("date", "session_id", "override_allowed")
    __sortable__ = ("date",)

    date: Mapped[dt.date]
    session_id: Mapped[int]
    opening_cash: Mapped[Decimal] = mapped_column(Money)
    opening_bank: Mapped[Decimal] = mapped_column(Money)
    cash_revenue: Mapped[Decimal] = mapped_column(Money)
    bank_revenue: Mapped[Decimal] = mapped_column(Money)
    cash_expense: Mapped[Decimal] = mapped_column(Money)
    bank_expense: Mapped[Decimal] = mapped_column(Money)
    transfer_out: Mapped[Decimal] = mapped_column(Money)
    transfer_in: Mapped[Decimal] = mapped_column(Money)
    closing_cash: Mapped[Decimal] = mapped_column(Money)
    closing_bank: Mapped[Decimal] = mapped_column(Money)
    override_allowed: Mapped[bool] = mapped_column(default=False, server_default="false")
    closed_by: Mapped[int | None]
    closed_at: Mapped[dt.datetime | None]
