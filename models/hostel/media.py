"""Seed 000 `hostel/hostel_media.py`: photos, videos, tours and brochures of a hostel."""

from __future__ import annotations

import enum

from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.hostel.access import ADMINS, CATALOGUE
from models.base import ActiveMixin, Base, CatalogueMixin, HostelTenantMixin, enum_column, hostel_table, reference
from models.entity import Entity, Writes


class MediaType(enum.Enum):
    IMAGE = "IMAGE"
    VIDEO = "VIDEO"
    VIRTUAL_TOUR = "VIRTUAL_TOUR"
    DOCUMENT = "DOCUMENT"


class MediaCategory(CatalogueMixin, ActiveMixin, HostelTenantMixin, Base):
    """Master data: gallery sections (rooms, common areas, food, surroundings...)."""

    __tablename__ = "media_categories"
    __table_args__ = hostel_table(extra=(UniqueConstraint("hostel_id", "name"),))
    __entity__ = Entity(
        read=CATALOGUE,
        list="mediaCategories",
        filter=("name", "active"),
        order=("name", "sort_order"),
        write=Writes(ADMINS, fields=("name", "description", "sort_order"), required=("name",)),
    )

    name: Mapped[str]
    description: Mapped[str | None]
    sort_order: Mapped[int] = mapped_column(default=0, server_default="0")


class HostelMedia(CatalogueMixin, ActiveMixin, HostelTenantMixin, Base):
    """A photo, video, virtual tour or brochure of a hostel, shown to visitors."""

    __tablename__ = "hostel_media"
    __table_args__ = hostel_table()
    __entity__ = Entity(
        read=CATALOGUE,
        list="hostelMedia",
        about="Photos, videos and tours: public for visitors.",
        filter=("media_type", "category_id", "is_cover", "active"),
        order=("sort_order", "created_at"),
        write=Writes(
            ADMINS,
            fields=("category_id", "media_type", "url", "title", "caption", "sort_order", "is_cover"),
            required=("url",),
        ),
    )

    category: Mapped[MediaCategory | None] = reference(back="media")
    media_type: Mapped[MediaType] = enum_column(MediaType, MediaType.IMAGE)
    url: Mapped[str]
    title: Mapped[str | None]
    caption: Mapped[str | None]
    sort_order: Mapped[int] = mapped_column(default=0, server_default="0")
    is_cover: Mapped[bool] = mapped_column(default=False, server_default="false")
