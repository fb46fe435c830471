"""Seed 000 `room/room_type.py`: what a hostel sells (room types), their features, seasonal
prices, upgrade paths, and two derived views (availability, pairwise comparison)."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import CheckConstraint, Numeric, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import (
    ActiveMixin,
    Base,
    CatalogueMixin,
    ComputedMixin,
    HostelTenantMixin,
    enum_column,
    hostel_table,
    reference,
)
from models.entity import Entity, Writes
from models.hostel.access import ADMINS, CATALOGUE, MEMBERS, STAFF


class RoomCategory(enum.Enum):
    SINGLE = "SINGLE"
    DOUBLE = "DOUBLE"
    TRIPLE = "TRIPLE"
    FOUR_SHARING = "FOUR_SHARING"
    DORMITORY = "DORMITORY"


class RoomTypeDefinition(CatalogueMixin, ActiveMixin, HostelTenantMixin, Base):
    """Master record of a room type: what a visitor books (a bed in a room of this type)."""

    __tablename__ = "room_type_definitions"
    __table_args__ = hostel_table(
        extra=(
            UniqueConstraint("hostel_id", "code"),
            CheckConstraint("beds_per_room >= 1", name="beds_positive"),
            CheckConstraint("base_price_monthly >= 0 AND security_deposit >= 0", name="price_non_negative"),
        )
    )
    __entity__ = Entity(
        read=CATALOGUE,
        list="roomTypes",
        about="Room types: public for visitors (public hostels).",
        filter=("name", "code", "category", "beds_per_room", "base_price_monthly", "is_featured", "active"),
        order=("name", "base_price_monthly", "beds_per_room"),
        write=Writes(
            ADMINS,
            fields=(
                "code",
                "name",
                "category",
                "description",
                "beds_per_room",
                "base_price_monthly",
                "security_deposit",
                "is_air_conditioned",
                "has_attached_bathroom",
                "is_featured",
            ),
            required=("code", "name", "category", "beds_per_room", "base_price_monthly"),
        ),
    )

    code: Mapped[str] = mapped_column(comment="Short code, unique in the hostel.")
    name: Mapped[str]
    category: Mapped[RoomCategory] = enum_column(RoomCategory)
    description: Mapped[str | None] = mapped_column(Text)
    beds_per_room: Mapped[int]
    base_price_monthly: Mapped[Decimal] = mapped_column(
        comment="Rent of a bed per month before seasonal prices, in the hostel's currency."
    )
    security_deposit: Mapped[Decimal] = mapped_column(
        default=Decimal("0"), server_default="0", comment="Refundable deposit per bed, in the hostel's currency."
    )
    is_air_conditioned: Mapped[bool] = mapped_column(default=False, server_default="false")
    has_attached_bathroom: Mapped[bool] = mapped_column(default=False, server_default="false")
    is_featured: Mapped[bool] = mapped_column(default=False, server_default="false", comment="Shown first to visitors.")


class FeatureType(enum.Enum):
    AMENITY = "AMENITY"
    FURNITURE = "FURNITURE"
    UTILITY = "UTILITY"
    SERVICE = "SERVICE"


class RoomTypeFeature(CatalogueMixin, ActiveMixin, HostelTenantMixin, Base):
    """A feature of a room type (what a visitor compares): included, or at an extra cost."""

    __tablename__ = "room_type_features"
    __table_args__ = hostel_table(
        extra=(
            UniqueConstraint("room_type_id", "name"),
            CheckConstraint("additional_cost IS NULL OR additional_cost >= 0", name="cost_non_negative"),
        )
    )
    __entity__ = Entity(
        read=CATALOGUE,
        list="roomTypeFeatures",
        filter=("room_type_id", "name", "feature_type", "is_included", "active"),
        order=("name",),
        write=Writes(
            ADMINS,
            fields=("room_type_id", "name", "feature_type", "is_included", "additional_cost"),
            required=("room_type_id", "name"),
        ),
    )

    room_type: Mapped[RoomTypeDefinition] = reference(back="features")
    name: Mapped[str]
    feature_type: Mapped[FeatureType] = enum_column(FeatureType, FeatureType.AMENITY)
    is_included: Mapped[bool] = mapped_column(
        default=True, server_default="true", comment="Included in the rent; otherwise it costs additionalCost."
    )
    additional_cost: Mapped[Decimal | None] = mapped_column(
        comment="Extra per month when not included, in the hostel's currency."
    )


class RoomTypePricing(CatalogueMixin, ActiveMixin, HostelTenantMixin, Base):
    """A seasonal or tiered price of a room type for a validity window."""

    __tablename__ = "room_type_pricing"
    __table_args__ = hostel_table(
        extra=(
            CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="validity_range"),
            CheckConstraint(
                "monthly_price >= 0 AND (yearly_price IS NULL OR yearly_price >= 0)", name="price_non_negative"
            ),
            CheckConstraint("discount_percent >= 0 AND discount_percent <= 100", name="discount_range"),
        )
    )
    __entity__ = Entity(
        read=CATALOGUE,
        list="roomTypePricing",
        about="Seasonal and tiered prices of room types.",
        filter=("room_type_id", "season", "valid_from", "valid_to", "is_special_offer", "active"),
        order=("valid_from", "monthly_price"),
        write=Writes(
            ADMINS,
            fields=(
                "room_type_id",
                "season",
                "valid_from",
                "valid_to",
                "monthly_price",
                "yearly_price",
                "discount_percent",
                "is_special_offer",
            ),
            required=("room_type_id", "season", "valid_from", "monthly_price"),
        ),
    )

    room_type: Mapped[RoomTypeDefinition] = reference(back="pricing")
    season: Mapped[str]
    valid_from: Mapped[dt.date]
    valid_to: Mapped[dt.date | None]
    monthly_price: Mapped[Decimal]
    yearly_price: Mapped[Decimal | None]
    discount_percent: Mapped[Decimal] = mapped_column(
        Numeric(5, 2), default=Decimal("0"), server_default="0", comment="Discount on the price, in percent (0-100)."
    )
    is_special_offer: Mapped[bool] = mapped_column(default=False, server_default="false")


class RoomTypeUpgrade(ActiveMixin, HostelTenantMixin, Base):
    """An allowed move from one room type to another, with its price difference."""

    __tablename__ = "room_type_upgrades"
    __table_args__ = hostel_table(
        extra=(
            UniqueConstraint("from_room_type_id", "to_room_type_id"),
            CheckConstraint("from_room_type_id <> to_room_type_id", name="different_types"),
        )
    )
    __entity__ = Entity(
        read=MEMBERS,
        list="roomTypeUpgrades",
        filter=("from_room_type_id", "to_room_type_id", "active"),
        order=("created_at",),
        write=Writes(
            ADMINS,
            fields=("from_room_type_id", "to_room_type_id", "price_difference_monthly", "min_stay_days", "conditions"),
            required=("from_room_type_id", "to_room_type_id", "price_difference_monthly"),
        ),
    )

    from_room_type: Mapped[RoomTypeDefinition] = reference()
    to_room_type: Mapped[RoomTypeDefinition] = reference()
    price_difference_monthly: Mapped[Decimal] = mapped_column(
        comment="What the move adds to the monthly rent (negative: saves), in the hostel's currency."
    )
    min_stay_days: Mapped[int] = mapped_column(
        default=0, server_default="0", comment="Days a resident must have stayed before upgrading."
    )
    conditions: Mapped[str | None]


class RoomTypeAvailability(ComputedMixin, HostelTenantMixin, Base):
    """The beds of a room type on a day: total, occupied, reserved, blocked and available (derived)."""

    __tablename__ = "room_type_availability"
    __table_args__ = hostel_table(extra=(UniqueConstraint("room_type_id", "as_of"),))
    __entity__ = Entity(
        read=STAFF,
        list="roomTypeAvailability",
        about="Derived: see computedAt.",
        filter=("room_type_id", "as_of"),
        order=("as_of",),
    )

    room_type: Mapped[RoomTypeDefinition] = reference()
    as_of: Mapped[dt.date]
    total_beds: Mapped[int]
    occupied_beds: Mapped[int]
    reserved_beds: Mapped[int]
    blocked_beds: Mapped[int]
    available_beds: Mapped[int]


class RoomTypeComparison(ComputedMixin, HostelTenantMixin, Base):
    """One room type against another of the hostel: price, beds and features (derived)."""

    __tablename__ = "room_type_comparisons"
    __table_args__ = hostel_table(extra=(UniqueConstraint("room_type_id", "other_room_type_id"),))
    __entity__ = Entity(
        read=STAFF,
        list="roomTypeComparisons",
        about="Derived: see computedAt.",
        filter=("room_type_id", "other_room_type_id"),
        order=("computed_at",),
    )

    room_type: Mapped[RoomTypeDefinition] = reference()
    other_room_type: Mapped[RoomTypeDefinition] = reference()
    price_difference_monthly: Mapped[Decimal]
    beds_per_room_difference: Mapped[int]
    feature_count_difference: Mapped[int]
    price_per_feature: Mapped[Decimal | None]
