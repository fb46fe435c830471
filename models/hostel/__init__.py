"""Hostel family root (seed 000 `hostel/hostel.py`): identity, address, capacity,
pricing summary and media. Not itself tenant-scoped: it is the tenant."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

from sqlalchemy import Enum, Integer, Numeric, String, Text, CheckConstraint
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from models.base import ActiveMixin, AuditMixin, Base
from models.entity import Entity, Writes
from models.hostel.access import CATALOGUE, HOSTEL_WRITERS, listed_hostels, own_hostel


class HostelType(enum.Enum):
    BOYS = "BOYS"
    GIRLS = "GIRLS"
    CO_ED = "CO_ED"


class HostelStatus(enum.Enum):
    ACTIVE = "ACTIVE"
    UNDER_MAINTENANCE = "UNDER_MAINTENANCE"
    CLOSED = "CLOSED"


class Hostel(ActiveMixin, AuditMixin, Base):
    """A hostel: the tenant of the hostel family. Public listing data."""

    __tablename__ = "hostels"
    __table_args__ = (
        CheckConstraint("total_beds >= 0", name="total_beds_non_negative"),
        CheckConstraint("starting_price_monthly IS NULL OR starting_price_monthly >= 0", name="price_non_negative"),
    )
    # written by schema/hostel.py (`hostelCreate/Update/Deactivate`): a hostel admin changes only their own hostel,
    # a write filter `Writes` cannot say
    __entity__ = Entity(
        read=CATALOGUE,
        rows=listed_hostels,
        list="hostels",
        about="Hostels, for visitors searching as much as for staff (public listing fields).",
        filter=(
            "name",
            "slug",
            "hostel_type",
            "status",
            "city",
            "state",
            "is_public",
            "total_beds",
            "starting_price_monthly",
            "active",
            "created_at",
        ),
        order=("name", "city", "total_beds", "starting_price_monthly", "created_at"),
        write=Writes(
            HOSTEL_WRITERS,
            rows=own_hostel,
            prepare="resolvers.school.service.check_time_zone",
            fields=(
                "name",
                "slug",
                "hostel_type",
                "status",
                "description",
                "address_line1",
                "address_line2",
                "city",
                "state",
                "pincode",
                "country",
                "latitude",
                "longitude",
                "contact_phone",
                "contact_email",
                "website",
                "total_rooms",
                "total_beds",
                "starting_price_monthly",
                "currency",
                "security_deposit",
                "check_in_time",
                "check_out_time",
                "logo_url",
                "cover_image_url",
                "gallery_urls",
                "social_links",
                "is_public",
                "time_zone",
            ),
            required=("name", "slug", "hostel_type"),
        ),
    )
    __public_rows__ = ("is_public", "active")  # whose catalogue visitors read (RLS `public_catalogue` says the same)

    name: Mapped[str] = mapped_column(String(255))
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    hostel_type: Mapped[HostelType] = mapped_column(Enum(HostelType, native_enum=False, length=20))
    status: Mapped[HostelStatus] = mapped_column(
        Enum(HostelStatus, native_enum=False, length=30), default=HostelStatus.ACTIVE, server_default="ACTIVE"
    )
    description: Mapped[str | None] = mapped_column(Text)
    # address
    address_line1: Mapped[str | None] = mapped_column(String(255))
    address_line2: Mapped[str | None] = mapped_column(String(255))
    city: Mapped[str | None] = mapped_column(String(100))
    state: Mapped[str | None] = mapped_column(String(100))
    pincode: Mapped[str | None] = mapped_column(String(20))
    country: Mapped[str] = mapped_column(String(2), default="IN", server_default="IN")
    time_zone: Mapped[str] = mapped_column(
        String(50),
        default="Asia/Kolkata",
        server_default="Asia/Kolkata",
        comment='IANA zone of the hostel\'s dates ("today" for bookings, check-in, '
        "no-shows, notices, occupancy and analytics).",
    )
    latitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    contact_phone: Mapped[str | None] = mapped_column(String(30))
    contact_email: Mapped[str | None] = mapped_column(String(255))
    website: Mapped[str | None] = mapped_column(String(255))
    # capacity (kept in step with rooms/beds by the room workflows of a later issue)
    total_rooms: Mapped[int] = mapped_column(
        Integer, default=0, server_default="0", comment="Active rooms, kept in step by the room writes."
    )
    total_beds: Mapped[int] = mapped_column(
        Integer,
        default=0,
        server_default="0",
        comment="Active beds of active rooms, kept in step by the room and bed writes.",
    )
    # pricing summary
    starting_price_monthly: Mapped[Decimal | None]
    currency: Mapped[str] = mapped_column(String(3), default="INR", server_default="INR")
    security_deposit: Mapped[Decimal | None]
    check_in_time: Mapped[dt.time | None]
    check_out_time: Mapped[dt.time | None]
    # media
    logo_url: Mapped[str | None] = mapped_column(String(1000))
    cover_image_url: Mapped[str | None] = mapped_column(String(1000))
    gallery_urls: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list, server_default="{}")
    social_links: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    is_public: Mapped[bool] = mapped_column(
        default=True,
        server_default="true",
        comment="Listed for visitors: its catalogue (room types, amenities, "
        "media, policies) is readable without logging in.",
    )
