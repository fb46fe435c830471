"""Hostel family root (seed 000 `hostel/hostel.py`)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from decimal import Decimal

import strawberry

import models
from auth.permissions import HOSTEL_ADMINS, PLATFORM, PUBLIC, roles
from schema.common.connection import Connection, graphql_enum
from schema.common.entity import entity_type
from schema.common.fields import list_field
from schema.common.mutations import master_data_mutations
from schema.common.node import Node
from strawberry.scalars import JSON

HostelType = graphql_enum(models.hostel.HostelType)
HostelStatus = graphql_enum(models.hostel.HostelStatus)


@entity_type(models.Hostel, description="A hostel: the tenant of the hostel family. Public listing data.")
class Hostel(Node):
    name: str
    slug: str
    hostel_type: HostelType
    status: HostelStatus
    description: str | None
    address_line1: str | None
    address_line2: str | None
    city: str | None
    state: str | None
    pincode: str | None
    country: str
    latitude: Decimal | None
    longitude: Decimal | None
    contact_phone: str | None
    contact_email: str | None
    website: str | None
    total_rooms: int
    total_beds: int
    starting_price_monthly: Decimal | None
    currency: str
    security_deposit: Decimal | None
    check_in_time: dt.time | None
    check_out_time: dt.time | None
    logo_url: str | None
    cover_image_url: str | None
    gallery_urls: list[str]
    social_links: JSON
    is_public: bool
    active: bool
    created_at: dt.datetime
    updated_at: dt.datetime | None


@strawberry.type
class Query:
    hostels: Connection[Hostel] = list_field(
        models.Hostel, name="hostels", permission=PUBLIC,
        description="Hostels, for visitors searching as much as for staff (public listing fields).",
    )


def own_hostel(ctx: Any, alias: Any, bind: Any) -> Any:
    """Platform roles change any hostel; a hostel admin only the hostel they work in."""
    if not ctx.roles.isdisjoint(PLATFORM):
        return None
    return alias.c.id == bind(ctx.hostel_id if ctx.hostel_id is not None else -1)


HostelMutations = master_data_mutations(
    models.Hostel,
    writable=("name", "slug", "hostel_type", "status", "description", "address_line1", "address_line2", "city",
              "state", "pincode", "country", "latitude", "longitude", "contact_phone", "contact_email", "website",
              "total_rooms", "total_beds", "starting_price_monthly", "currency", "security_deposit", "check_in_time",
              "check_out_time", "logo_url", "cover_image_url", "gallery_urls", "social_links", "is_public"),
    required=("name", "slug", "hostel_type"),
    permissions={"create": roles(*PLATFORM), "update": roles(*HOSTEL_ADMINS), "deactivate": roles(*PLATFORM)},
    write_filter=own_hostel,
)

mutations = (HostelMutations,)
