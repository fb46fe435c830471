"""Seed 000 `hostel/hostel_settings.py`: one row of operational settings per hostel."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, Numeric, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, HostelTenantMixin, hostel_table
from models.entity import Entity, Writes
from models.hostel.access import ADMINS, STAFF


class HostelSettings(HostelTenantMixin, Base):
    """A hostel's operational settings (one row per hostel): booking window and stay rules,
    rent due day and late fee, curfew and visitor hours, mess, leave and maintenance targets."""

    __tablename__ = "hostel_settings"
    __table_args__ = hostel_table(
        extra=(
            UniqueConstraint("hostel_id", name="uq_hostel_settings_one_per_hostel"),
            CheckConstraint("rent_due_day BETWEEN 1 AND 28", name="rent_due_day_range"),
            CheckConstraint(
                "notice_period_days >= 0 AND min_stay_months >= 1 AND max_stay_months >= min_stay_months",
                name="stay_rules",
            ),
            CheckConstraint("advance_percent >= 0 AND advance_percent <= 100", name="advance_percent_range"),
        )
    )
    __entity__ = Entity(
        read=STAFF,
        list="hostelSettings",
        filter=("mess_included",),
        order=("created_at",),
        write=Writes(
            ADMINS,
            fields=(
                "advance_booking_days",
                "min_stay_months",
                "max_stay_months",
                "advance_percent",
                "notice_period_days",
                "rent_due_day",
                "late_fee_per_day",
                "curfew_time",
                "visitor_hours_from",
                "visitor_hours_until",
                "mess_included",
                "max_leave_days_per_month",
                "maintenance_response_hours",
                "feature_flags",
            ),
        ),
    )

    # booking
    advance_booking_days: Mapped[int] = mapped_column(
        default=90, server_default="90", comment="How many days ahead a stay may be booked."
    )
    min_stay_months: Mapped[int] = mapped_column(default=1, server_default="1")
    max_stay_months: Mapped[int] = mapped_column(default=12, server_default="12")
    advance_percent: Mapped[Decimal] = mapped_column(
        Numeric(5, 2),
        default=Decimal("25"),
        server_default="25",
        comment="Share of the first month's rent paid in advance to confirm a booking, in percent (0-100).",
    )
    notice_period_days: Mapped[int] = mapped_column(default=30, server_default="30")
    # payment
    rent_due_day: Mapped[int] = mapped_column(
        default=5, server_default="5", comment="Day of the month (1-28) the rent is due."
    )
    late_fee_per_day: Mapped[Decimal] = mapped_column(
        default=Decimal("0"), server_default="0", comment="Charged per day the rent is late, in the hostel's currency."
    )
    # attendance / security
    curfew_time: Mapped[dt.time | None]
    visitor_hours_from: Mapped[dt.time | None]
    visitor_hours_until: Mapped[dt.time | None]
    # mess / leave / maintenance
    mess_included: Mapped[bool] = mapped_column(default=False, server_default="false")
    max_leave_days_per_month: Mapped[int] = mapped_column(default=7, server_default="7")
    maintenance_response_hours: Mapped[int] = mapped_column(default=48, server_default="48")
    feature_flags: Mapped[dict[str, Any]] = mapped_column(
        default=dict, server_default="{}", comment="Optional features switched on for this hostel (name -> setting)."
    )
