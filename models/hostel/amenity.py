"""Seed 000 `hostel/hostel_amenity.py`: hostel-wide amenities, their categories, bookings."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import (ActiveMixin, Base, CatalogueMixin, HostelTenantMixin, enum_column, hostel_table, many,
                         ref)


class AmenityConditionLevel(enum.Enum):
    EXCELLENT = "EXCELLENT"
    GOOD = "GOOD"
    FAIR = "FAIR"
    POOR = "POOR"
    OUT_OF_ORDER = "OUT_OF_ORDER"


class AmenityCategory(CatalogueMixin, ActiveMixin, HostelTenantMixin, Base):
    """Master data: how a hostel groups its amenities (Wi-Fi & study, laundry, fitness...)."""

    __tablename__ = "amenity_categories"
    __table_args__ = hostel_table(extra=(UniqueConstraint("hostel_id", "name"),))
    __filterable__ = ("name", "active")
    __sortable__ = ("name", "sort_order")

    name: Mapped[str]
    description: Mapped[str | None]
    icon: Mapped[str | None]
    sort_order: Mapped[int] = mapped_column(default=0, server_default="0")

    amenities: Mapped[list[HostelAmenity]] = many("AmenityCategory", "HostelAmenity", "category_id")


class HostelAmenity(CatalogueMixin, ActiveMixin, HostelTenantMixin, Base):
    """One amenity of the hostel: whether it works, its condition, and whether residents book it."""

    __tablename__ = "hostel_amenities"
    __table_args__ = hostel_table(("category_id", "amenity_categories"), extra=(
        CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
        CheckConstraint("booking_fee IS NULL OR booking_fee >= 0", name="fee_non_negative"),
    ))
    __filterable__ = ("name", "category_id", "is_available", "is_bookable", "condition", "active")
    __sortable__ = ("name", "created_at")

    category_id: Mapped[int | None]
    name: Mapped[str]
    description: Mapped[str | None]
    is_available: Mapped[bool] = mapped_column(default=True, server_default="true")
    condition: Mapped[AmenityConditionLevel] = enum_column(AmenityConditionLevel, AmenityConditionLevel.GOOD)
    capacity: Mapped[int | None]
    is_bookable: Mapped[bool] = mapped_column(default=False, server_default="false")
    booking_fee: Mapped[Decimal | None]
    open_from: Mapped[dt.time | None]
    open_until: Mapped[dt.time | None]

    category: Mapped[AmenityCategory | None] = ref("HostelAmenity", "category_id", "AmenityCategory")
    bookings: Mapped[list[AmenityBooking]] = many("HostelAmenity", "AmenityBooking", "amenity_id")


class AmenityBookingStatus(enum.Enum):
    BOOKED = "BOOKED"
    CANCELLED = "CANCELLED"
    COMPLETED = "COMPLETED"


class AmenityBooking(HostelTenantMixin, Base):
    """A resident's reservation of a bookable amenity for a time slot."""

    __tablename__ = "amenity_bookings"
    __table_args__ = hostel_table(("amenity_id", "hostel_amenities"), ("student_id", "hostel_students"), extra=(
        CheckConstraint("ends_at > starts_at", name="slot_positive"),
    ))
    __filterable__ = ("amenity_id", "student_id", "status", "starts_at")
    __sortable__ = ("starts_at", "created_at")

    amenity_id: Mapped[int]
    student_id: Mapped[int]
    starts_at: Mapped[dt.datetime]
    ends_at: Mapped[dt.datetime]
    status: Mapped[AmenityBookingStatus] = enum_column(AmenityBookingStatus, AmenityBookingStatus.BOOKED)
    purpose: Mapped[str | None]

    amenity: Mapped[HostelAmenity] = ref("AmenityBooking", "amenity_id", "HostelAmenity")
    student: Mapped[HostelStudent] = ref("AmenityBooking", "student_id", "HostelStudent")

