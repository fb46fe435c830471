"""Seed 000 `hostel/hostel_amenity.py`: hostel-wide amenities, their categories, bookings."""

from __future__ import annotations

from typing import TYPE_CHECKING

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import ActiveMixin, Base, CatalogueMixin, HostelTenantMixin, enum_column, hostel_table, reference
from models.entity import Entity, Writes
from models.hostel.access import ADMINS, CATALOGUE, MEMBERS, own_resident_rows

if TYPE_CHECKING:  # names of string annotations (SQLAlchemy resolves them through its registry)
    from models.hostel_student import HostelStudent


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
    __entity__ = Entity(
        read=CATALOGUE,
        list="amenityCategories",
        about="Public for visitors (public hostels).",
        filter=("name", "active"),
        order=("name", "sort_order"),
        write=Writes(ADMINS, fields=("name", "description", "icon", "sort_order"), required=("name",)),
    )

    name: Mapped[str]
    description: Mapped[str | None]
    icon: Mapped[str | None]
    sort_order: Mapped[int] = mapped_column(default=0, server_default="0")


class HostelAmenity(CatalogueMixin, ActiveMixin, HostelTenantMixin, Base):
    """One amenity of the hostel: whether it works, its condition, and whether residents book it."""

    __tablename__ = "hostel_amenities"
    __table_args__ = hostel_table(
        extra=(
            CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
            CheckConstraint("booking_fee IS NULL OR booking_fee >= 0", name="fee_non_negative"),
        )
    )
    __entity__ = Entity(
        read=CATALOGUE,
        list="hostelAmenities",
        about="Public for visitors (public hostels).",
        filter=("name", "category_id", "is_available", "is_bookable", "condition", "active"),
        order=("name", "created_at"),
        write=Writes(
            ADMINS,
            fields=(
                "category_id",
                "name",
                "description",
                "is_available",
                "condition",
                "capacity",
                "is_bookable",
                "booking_fee",
                "open_from",
                "open_until",
            ),
            required=("name",),
            after="resolvers.hostel.service.after_amenity",
        ),
    )

    category: Mapped[AmenityCategory | None] = reference(back="amenities")
    name: Mapped[str]
    description: Mapped[str | None]
    is_available: Mapped[bool] = mapped_column(default=True, server_default="true")
    condition: Mapped[AmenityConditionLevel] = enum_column(AmenityConditionLevel, AmenityConditionLevel.GOOD)
    capacity: Mapped[int | None]
    is_bookable: Mapped[bool] = mapped_column(default=False, server_default="false")
    booking_fee: Mapped[Decimal | None]
    open_from: Mapped[dt.time | None]
    open_until: Mapped[dt.time | None]


class AmenityBookingStatus(enum.Enum):
    BOOKED = "BOOKED"
    CANCELLED = "CANCELLED"
    COMPLETED = "COMPLETED"


class AmenityBooking(HostelTenantMixin, Base):
    """A resident's reservation of a bookable amenity for a time slot."""

    __tablename__ = "amenity_bookings"
    __table_args__ = hostel_table(extra=(CheckConstraint("ends_at > starts_at", name="slot_positive"),))
    __entity__ = Entity(
        read=MEMBERS,
        rows=own_resident_rows(),
        list="amenityBookings",
        about="Staff see all; a resident their own.",
        filter=("amenity_id", "student_id", "status", "starts_at"),
        order=("starts_at", "created_at"),
    )

    amenity: Mapped[HostelAmenity] = reference(back="bookings")
    student: Mapped[HostelStudent] = reference()
    starts_at: Mapped[dt.datetime]
    ends_at: Mapped[dt.datetime]
    status: Mapped[AmenityBookingStatus] = enum_column(AmenityBookingStatus, AmenityBookingStatus.BOOKED)
    purpose: Mapped[str | None]
