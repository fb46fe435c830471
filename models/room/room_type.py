"""Seed 000 `room/room_type.py`: what a hostel sells (room types), their features, seasonal
prices, upgrade paths, and two derived views (availability, pairwise comparison)."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import CheckConstraint, Numeric, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import (ActiveMixin, Base, CatalogueMixin, ComputedMixin, HostelTenantMixin, enum_column,
                         hostel_table, many, ref)


class RoomCategory(enum.Enum):
    SINGLE = "SINGLE"
    DOUBLE = "DOUBLE"
    TRIPLE = "TRIPLE"
    FOUR_SHARING = "FOUR_SHARING"
    DORMITORY = "DORMITORY"


class RoomTypeDefinition(CatalogueMixin, ActiveMixin, HostelTenantMixin, Base):
    """Master record of a room type: what a visitor books (a bed in a room of this type)."""

    __tablename__ = "room_type_definitions"
    __table_args__ = hostel_table(extra=(
        UniqueConstraint("hostel_id", "code"),
        CheckConstraint("beds_per_room >= 1", name="beds_positive"),
        CheckConstraint("base_price_monthly >= 0 AND security_deposit >= 0", name="price_non_negative"),
    ))
    __filterable__ = ("name", "code", "category", "beds_per_room", "base_price_monthly", "is_featured", "active")
    __sortable__ = ("name", "base_price_monthly", "beds_per_room")

    code: Mapped[str]
    name: Mapped[str]
    category: Mapped[RoomCategory] = enum_column(RoomCategory)
    description: Mapped[str | None] = mapped_column(Text)
    beds_per_room: Mapped[int]
    base_price_monthly: Mapped[Decimal]
    security_deposit: Mapped[Decimal] = mapped_column(default=Decimal("0"), server_default="0")
    is_air_conditioned: Mapped[bool] = mapped_column(default=False, server_default="false")
    has_attached_bathroom: Mapped[bool] = mapped_column(default=False, server_default="false")
    is_featured: Mapped[bool] = mapped_column(default=False, server_default="false")

    features: Mapped[list[RoomTypeFeature]] = many("RoomTypeDefinition", "RoomTypeFeature", "room_type_id")
    pricing: Mapped[list[RoomTypePricing]] = many("RoomTypeDefinition", "RoomTypePricing", "room_type_id")
    rooms: Mapped[list[Room]] = many("RoomTypeDefinition", "Room", "room_type_id")


class FeatureType(enum.Enum):
    AMENITY = "AMENITY"
    FURNITURE = "FURNITURE"
    UTILITY = "UTILITY"
    SERVICE = "SERVICE"


class RoomTypeFeature(CatalogueMixin, ActiveMixin, HostelTenantMixin, Base):
    __tablename__ = "room_type_features"
    __table_args__ = hostel_table(("room_type_id", "room_type_definitions"), extra=(
        UniqueConstraint("room_type_id", "name"),
        CheckConstraint("additional_cost IS NULL OR additional_cost >= 0", name="cost_non_negative"),
    ))
    __filterable__ = ("room_type_id", "name", "feature_type", "is_included", "active")
    __sortable__ = ("name",)

    room_type_id: Mapped[int]
    name: Mapped[str]
    feature_type: Mapped[FeatureType] = enum_column(FeatureType, FeatureType.AMENITY)
    is_included: Mapped[bool] = mapped_column(default=True, server_default="true")
    additional_cost: Mapped[Decimal | None]

    room_type: Mapped[RoomTypeDefinition] = ref("RoomTypeFeature", "room_type_id", "RoomTypeDefinition")


class RoomTypePricing(CatalogueMixin, ActiveMixin, HostelTenantMixin, Base):
    """A seasonal or tiered price of a room type for a validity window."""

    __tablename__ = "room_type_pricing"
    __table_args__ = hostel_table(("room_type_id", "room_type_definitions"), extra=(
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="validity_range"),
        CheckConstraint("monthly_price >= 0 AND (yearly_price IS NULL OR yearly_price >= 0)", name="price_non_negative"),
        CheckConstraint("discount_percent >= 0 AND discount_percent <= 100", name="discount_range"),
    ))
    __filterable__ = ("room_type_id", "season", "valid_from", "valid_to", "is_special_offer", "active")
    __sortable__ = ("valid_from", "monthly_price")

    room_type_id: Mapped[int]
    season: Mapped[str]
    valid_from: Mapped[dt.date]
    valid_to: Mapped[dt.date | None]
    monthly_price: Mapped[Decimal]
    yearly_price: Mapped[Decimal | None]
    discount_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("0"), server_default="0")
    is_special_offer: Mapped[bool] = mapped_column(default=False, server_default="false")

    room_type: Mapped[RoomTypeDefinition] = ref("RoomTypePricing", "room_type_id", "RoomTypeDefinition")


class RoomTypeUpgrade(ActiveMixin, HostelTenantMixin, Base):
    """An allowed move from one room type to another, with its price difference."""

    __tablename__ = "room_type_upgrades"
    __table_args__ = hostel_table(("from_room_type_id", "room_type_definitions"),
                                  ("to_room_type_id", "room_type_definitions"), extra=(
        UniqueConstraint("from_room_type_id", "to_room_type_id"),
        CheckConstraint("from_room_type_id <> to_room_type_id", name="different_types"),
    ))
    __filterable__ = ("from_room_type_id", "to_room_type_id", "active")
    __sortable__ = ("created_at",)

    from_room_type_id: Mapped[int]
    to_room_type_id: Mapped[int]
    price_difference_monthly: Mapped[Decimal]
    min_stay_days: Mapped[int] = mapped_column(default=0, server_default="0")
    conditions: Mapped[str | None]

    from_room_type: Mapped[RoomTypeDefinition] = ref("RoomTypeUpgrade", "from_room_type_id", "RoomTypeDefinition")
    to_room_type: Mapped[RoomTypeDefinition] = ref("RoomTypeUpgrade", "to_room_type_id", "RoomTypeDefinition")


class RoomTypeAvailability(ComputedMixin, HostelTenantMixin, Base):
    __tablename__ = "room_type_availability"
    __table_args__ = hostel_table(("room_type_id", "room_type_definitions"), extra=(
        UniqueConstraint("room_type_id", "as_of"),
    ))
    __filterable__ = ("room_type_id", "as_of")
    __sortable__ = ("as_of",)

    room_type_id: Mapped[int]
    as_of: Mapped[dt.date]
    total_beds: Mapped[int]
    occupied_beds: Mapped[int]
    reserved_beds: Mapped[int]
    blocked_beds: Mapped[int]
    available_beds: Mapped[int]

    room_type: Mapped[RoomTypeDefinition] = ref("RoomTypeAvailability", "room_type_id", "RoomTypeDefinition")


class RoomTypeComparison(ComputedMixin, HostelTenantMixin, Base):
    __tablename__ = "room_type_comparisons"
    __table_args__ = hostel_table(("room_type_id", "room_type_definitions"),
                                  ("other_room_type_id", "room_type_definitions"), extra=(
        UniqueConstraint("room_type_id", "other_room_type_id"),
    ))
    __filterable__ = ("room_type_id", "other_room_type_id")
    __sortable__ = ("computed_at",)

    room_type_id: Mapped[int]
    other_room_type_id: Mapped[int]
    price_difference_monthly: Mapped[Decimal]
    beds_per_room_difference: Mapped[int]
    feature_count_difference: Mapped[int]
    price_per_feature: Mapped[Decimal | None]

    room_type: Mapped[RoomTypeDefinition] = ref("RoomTypeComparison", "room_type_id", "RoomTypeDefinition")
    other_room_type: Mapped[RoomTypeDefinition] = ref("RoomTypeComparison", "other_room_type_id", "RoomTypeDefinition")
