"""Seed 000 `hostel/hostel_analytics.py` and `hostel_comparison.py`: figures derived from the
operational rows by `campus compute-analytics` (resolvers/hostel/analytics.py), never typed in."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import Numeric, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, ComputedMixin, HostelTenantMixin, enum_column, hostel_table, reference
from models.entity import Entity
from models.hostel.access import ADMINS, STAFF

if TYPE_CHECKING:  # names of string annotations (SQLAlchemy resolves them through its registry)
    from models.hostel import Hostel

DERIVED = "Derived by `campus compute-analytics` or `hostelAnalyticsCompute`: see computedAt."

Rate = Numeric(5, 2)  # a percentage, 0.00-100.00


class HostelAnalytic(ComputedMixin, HostelTenantMixin, Base):
    """A hostel's performance over a period."""

    __tablename__ = "hostel_analytics"
    __table_args__ = hostel_table(extra=(UniqueConstraint("hostel_id", "period_start", "period_end"),))
    __entity__ = Entity(
        read=STAFF,
        list="hostelAnalytics",
        about=DERIVED,
        filter=("period_start", "period_end", "computed_at"),
        order=("period_start", "computed_at"),
    )

    period_start: Mapped[dt.date]
    period_end: Mapped[dt.date]
    total_beds: Mapped[int]
    average_occupancy_rate: Mapped[Decimal] = mapped_column(Rate)
    bookings_created: Mapped[int]
    bookings_confirmed: Mapped[int]
    bookings_cancelled: Mapped[int]
    check_ins: Mapped[int]
    revenue: Mapped[Decimal]
    refunds: Mapped[Decimal]
    average_monthly_rent: Mapped[Decimal | None]


class OccupancyTrend(ComputedMixin, HostelTenantMixin, Base):
    """The hostel's beds on one day: occupied, reserved by bookings, blocked, and the occupancy rate."""

    __tablename__ = "occupancy_trends"
    __table_args__ = hostel_table(extra=(UniqueConstraint("hostel_id", "day"),))
    __entity__ = Entity(read=STAFF, list="occupancyTrends", about=DERIVED, filter=("day",), order=("day",))

    day: Mapped[dt.date]
    total_beds: Mapped[int]
    occupied_beds: Mapped[int]
    reserved_beds: Mapped[int]
    blocked_beds: Mapped[int]
    occupancy_rate: Mapped[Decimal] = mapped_column(Rate)


class TrendPeriod(enum.Enum):
    DAILY = "DAILY"
    MONTHLY = "MONTHLY"


class RevenueTrend(ComputedMixin, HostelTenantMixin, Base):
    """Booked revenue, refunds and bookings of the hostel per day or month."""

    __tablename__ = "revenue_trends"
    __table_args__ = hostel_table(extra=(UniqueConstraint("hostel_id", "period", "period_start"),))
    __entity__ = Entity(
        read=ADMINS, list="revenueTrends", about=DERIVED, filter=("period", "period_start"), order=("period_start",)
    )

    period: Mapped[TrendPeriod] = enum_column(TrendPeriod)
    period_start: Mapped[dt.date]
    booked_revenue: Mapped[Decimal]
    refunds: Mapped[Decimal]
    net_revenue: Mapped[Decimal]
    bookings: Mapped[int]


class HostelComparison(ComputedMixin, HostelTenantMixin, Base):
    """This hostel against the other public hostels of its city on listing figures."""

    __tablename__ = "hostel_comparisons"
    __table_args__ = hostel_table(extra=(UniqueConstraint("hostel_id", "as_of"),))
    __entity__ = Entity(read=ADMINS, list="hostelComparisons", about=DERIVED, filter=("as_of",), order=("as_of",))

    as_of: Mapped[dt.date]
    peer_count: Mapped[int]
    occupancy_rate: Mapped[Decimal] = mapped_column(Rate)
    peer_average_occupancy_rate: Mapped[Decimal | None] = mapped_column(Rate)
    price_rank: Mapped[int | None] = mapped_column(comment="Rank by starting price among the peers: 1 = cheapest.")
    occupancy_rank: Mapped[int | None] = mapped_column(comment="Rank by occupancy among the peers: 1 = fullest.")
    metrics: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    recommendations: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")


class BenchmarkData(ComputedMixin, Base):
    """Regional aggregates across the platform's hostels (no single hostel's figures: not a
    tenant table, readable by hostel admins)."""

    __tablename__ = "benchmark_data"
    __table_args__ = (UniqueConstraint("city", "as_of"),)
    __entity__ = Entity(
        read=ADMINS,
        list="benchmarkData",
        about=DERIVED + " Regional aggregates across public hostels.",
        filter=("city", "as_of"),
        order=("city", "as_of"),
    )

    city: Mapped[str]
    as_of: Mapped[dt.date]
    hostel_count: Mapped[int]
    total_beds: Mapped[int]
    average_occupancy_rate: Mapped[Decimal] = mapped_column(Rate)
    average_starting_price: Mapped[Decimal | None]


class CompetitorAnalysis(ComputedMixin, HostelTenantMixin, Base):
    """Our hostel against one competitor, on what the competitor publishes (price, beds, amenities)."""

    __tablename__ = "competitor_analyses"
    __table_args__ = hostel_table(extra=(UniqueConstraint("hostel_id", "competitor_id", "as_of"),))
    __entity__ = Entity(
        read=ADMINS, list="competitorAnalyses", about=DERIVED, filter=("competitor_id", "as_of"), order=("as_of",)
    )

    competitor: Mapped[Hostel] = reference(tenant=False, index=True, comment="The other hostel compared with.")
    as_of: Mapped[dt.date]
    our_starting_price: Mapped[Decimal | None]
    their_starting_price: Mapped[Decimal | None]
    price_difference: Mapped[Decimal | None]
    our_total_beds: Mapped[int]
    their_total_beds: Mapped[int]
    our_amenity_count: Mapped[int]
    their_amenity_count: Mapped[int]
