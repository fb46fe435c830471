"""Seed 000 `hostel/hostel_media.py`: photos, videos, tours and brochures of a hostel."""

from __future__ import annotations

import enum

from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import ActiveMixin, Base, CatalogueMixin, HostelTenantMixin, enum_column, hostel_table, many, ref


class MediaType(enum.Enum):
    IMAGE = "IMAGE"
    VIDEO = "VIDEO"
    VIRTUAL_TOUR = "VIRTUAL_TOUR"
    DOCUMENT = "DOCUMENT"


class MediaCategory(CatalogueMixin, ActiveMixin, HostelTenantMixin, Base):
    """Master data: gallery sections (rooms, common areas, food, surroundings...)."""

    __tablename__ = "media_categories"
    __table_args__ = hostel_table(extra=(UniqueConstraint("hostel_id", "name"),))
    __filterable__ = ("name", "active")
    __sortable__ = ("name", "sort_order")

    name: Mapped[str]
    description: Mapped[str | None]
    sort_order: Mapped[int] = mapped_column(default=0, server_default="0")

    media: Mapped[list[HostelMedia]] = many("MediaCategory", "HostelMedia", "category_id")


class HostelMedia(CatalogueMixin, ActiveMixin, HostelTenantMixin, Base):
    __tablename__ = "hostel_media"
    __table_args__ = hostel_table(("category_id", "media_categories"))
    __filterable__ = ("media_type", "category_id", "is_cover", "active")
    __sortable__ = ("sort_order", "created_at")

    category_id: Mapped[int | None]
    media_type: Mapped[MediaType] = enum_column(MediaType, MediaType.IMAGE)
    url: Mapped[str]
    title: Mapped[str | None]
    caption: Mapped[str | None]
    sort_order: Mapped[int] = mapped_column(default=0, server_default="0")
    is_cover: Mapped[bool] = mapped_column(default=False, server_default="false")

    category: Mapped[MediaCategory | None] = ref("HostelMedia", "category_id", "MediaCategory")
