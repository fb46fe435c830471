"""Hostel family root (seed 000 `hostel/hostel.py`)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from decimal import Decimal

import strawberry

import models
from strawberry.types import Info

from auth.permissions import HOSTEL_ADMINS, PLATFORM, PUBLIC, declare, roles
from kit.registry import spec_for_model
from resolvers.hostel import service
from kit.mutations import decode_ref, payload_type, run_mutation
from kit.connection import Connection, graphql_enum
from kit.entity import entity_type
from kit.fields import list_field
from kit.mutations import master_data_mutations
from kit.node import Node
from schema.school import check_time_zone
from strawberry.scalars import JSON
from strawberry.tools import merge_types

import models as m
from kit.model_types import model_type, root_lists
from kit.mutations import config_mutations as config
from models.hostel.access import ADMINS, CATALOGUE, MEMBERS, STAFF, own_resident_rows


async def _policy_version(ctx: Any, session: Any, policy: Any) -> None:
    """Changing what a policy says makes it a new version: acknowledgments of the old one no
    longer count."""
    from sqlalchemy import inspect

    state = inspect(policy)
    if policy.id is not None and state.attrs.content.history.has_changes():
        policy.version = (policy.version or 1) + 1

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
    time_zone: str = strawberry.field(description="IANA zone of the hostel's dates (\"today\" for bookings, check-in, "
                                                  "no-shows, notices, occupancy and analytics).")
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
class HostelListQuery:
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
              "check_out_time", "logo_url", "cover_image_url", "gallery_urls", "social_links", "is_public",
              "time_zone"),
    required=("name", "slug", "hostel_type"),
    prepare=check_time_zone,
    permissions={"create": roles(*PLATFORM), "update": roles(*HOSTEL_ADMINS), "deactivate": roles(*PLATFORM)},
    write_filter=own_hostel,
)

# ---- the rest of seed 000 `hostel/`: amenities, media, policies, settings, analytics ---------

AmenityCategory = model_type(m.AmenityCategory)
HostelAmenity = model_type(m.HostelAmenity)
AmenityBooking = model_type(m.AmenityBooking)
HostelPolicy = model_type(m.HostelPolicy)
PolicyAcknowledgment = model_type(m.PolicyAcknowledgment)
HostelPolicyViolation = model_type(m.HostelPolicyViolation)
HostelSettings = model_type(m.HostelSettings)
HostelAnalytic = model_type(m.HostelAnalytic)
OccupancyTrend = model_type(m.OccupancyTrend)
RevenueTrend = model_type(m.RevenueTrend)
HostelComparison = model_type(m.HostelComparison)
BenchmarkData = model_type(m.BenchmarkData)
CompetitorAnalysis = model_type(m.CompetitorAnalysis)

mine = own_resident_rows()
DERIVED = "Derived by `campus compute-analytics` or `hostelAnalyticsCompute`: see computedAt."

CatalogueQuery = root_lists(
    "HostelCatalogueQuery",
    ("amenityCategories", m.AmenityCategory, CATALOGUE, None, "Public for visitors (public hostels)."),
    ("hostelAmenities", m.HostelAmenity, CATALOGUE, None, "Public for visitors (public hostels)."),
    ("amenityBookings", m.AmenityBooking, MEMBERS, mine, "Staff see all; a resident their own."),
    ("hostelPolicies", m.HostelPolicy, CATALOGUE, None, "House rules: public for visitors."),
    ("policyAcknowledgments", m.PolicyAcknowledgment, MEMBERS, mine, "Staff see all; a resident their own."),
    ("hostelPolicyViolations", m.HostelPolicyViolation, MEMBERS, mine, "Staff see all; a resident their own."),
    ("hostelSettings", m.HostelSettings, STAFF, None, None),
    ("hostelAnalytics", m.HostelAnalytic, STAFF, None, DERIVED),
    ("occupancyTrends", m.OccupancyTrend, STAFF, None, DERIVED),
    ("revenueTrends", m.RevenueTrend, ADMINS, None, DERIVED),
    ("hostelComparisons", m.HostelComparison, ADMINS, None, DERIVED),
    ("benchmarkData", m.BenchmarkData, ADMINS, None, DERIVED + " Regional aggregates across public hostels."),
    ("competitorAnalyses", m.CompetitorAnalysis, ADMINS, None, DERIVED),
)
Query = merge_types("HostelQuery", (HostelListQuery, CatalogueQuery))

# ---- resident workflows: house rules, amenity slots, violations (resolvers/hostel/service.py) ----

ViolationSeverity = graphql_enum(m.ViolationSeverity)


@strawberry.input
class HostelPolicyAcknowledgeInput:
    policy_id: strawberry.ID
    student_id: strawberry.ID | None = strawberry.field(default=None, description="Staff only: the resident.")


@strawberry.input
class AmenityBookingCreateInput:
    amenity_id: strawberry.ID
    starts_at: dt.datetime
    ends_at: dt.datetime
    purpose: str | None = None
    student_id: strawberry.ID | None = strawberry.field(default=None, description="Staff only: the resident.")


@strawberry.input
class AmenityBookingCancelInput:
    id: strawberry.ID


@strawberry.input
class HostelPolicyViolationRecordInput:
    student_id: strawberry.ID
    occurred_at: dt.datetime
    description: str
    severity: ViolationSeverity
    policy_id: strawberry.ID | None = None
    evidence_urls: list[str] = strawberry.field(default_factory=list)
    action_taken: str | None = None


AckPayload = payload_type("HostelPolicyAcknowledgePayload", spec_for_model(m.PolicyAcknowledgment))
AmenityBookingCreatePayload = payload_type("AmenityBookingCreatePayload", spec_for_model(m.AmenityBooking))
AmenityBookingCancelPayload = payload_type("AmenityBookingCancelPayload", spec_for_model(m.AmenityBooking))
ViolationPayload = payload_type("HostelPolicyViolationRecordPayload", spec_for_model(m.HostelPolicyViolation))


def _optional_ref(value: Any, model: type, field: str) -> int | None:
    return None if value is None else decode_ref(value, model, field)


@strawberry.type
class ResidentMutation:
    @strawberry.mutation(description="Acknowledge the current version of a house rule (a resident for themself; "
                                     "staff for a resident). Acknowledging twice returns the first acknowledgment.")
    async def hostel_policy_acknowledge(self, info: Info, input: HostelPolicyAcknowledgeInput) -> AckPayload:  # noqa: A002
        async def work() -> int:
            return await service.acknowledge_policy(info.context, decode_ref(input.policy_id, m.HostelPolicy, "policyId"),
                                                    _optional_ref(input.student_id, m.HostelStudent, "studentId"))
        return await run_mutation(info, MEMBERS, AckPayload, work)

    @strawberry.mutation(description="Book a slot of a bookable amenity (at most 4 hours, within opening hours, "
                                     "while the amenity has room: CONFLICT when it is full).")
    async def amenity_booking_create(self, info: Info, input: AmenityBookingCreateInput) -> AmenityBookingCreatePayload:  # noqa: A002
        async def work() -> int:
            return await service.book_amenity(
                info.context, decode_ref(input.amenity_id, m.HostelAmenity, "amenityId"),
                _optional_ref(input.student_id, m.HostelStudent, "studentId"), input.starts_at, input.ends_at,
                input.purpose)
        return await run_mutation(info, MEMBERS, AmenityBookingCreatePayload, work)

    @strawberry.mutation(description="Cancel an amenity slot before it starts (a resident their own; staff any).")
    async def amenity_booking_cancel(self, info: Info, input: AmenityBookingCancelInput) -> AmenityBookingCancelPayload:  # noqa: A002
        async def work() -> int:
            return await service.cancel_amenity_booking(info.context, decode_ref(input.id, m.AmenityBooking, "id"))
        return await run_mutation(info, MEMBERS, AmenityBookingCancelPayload, work)

    @strawberry.mutation(description="Record a resident's breach of a house rule, with evidence and the action taken.")
    async def hostel_policy_violation_record(self, info: Info,
                                             input: HostelPolicyViolationRecordInput) -> ViolationPayload:  # noqa: A002
        async def work() -> int:
            return await service.record_violation(
                info.context, decode_ref(input.student_id, m.HostelStudent, "studentId"),
                _optional_ref(input.policy_id, m.HostelPolicy, "policyId"), input.occurred_at, input.description,
                m.ViolationSeverity(input.severity.value), list(input.evidence_urls), input.action_taken)
        return await run_mutation(info, STAFF, ViolationPayload, work)


for _name, _rule in (("hostelPolicyAcknowledge", MEMBERS), ("amenityBookingCreate", MEMBERS),
                     ("amenityBookingCancel", MEMBERS), ("hostelPolicyViolationRecord", STAFF)):
    declare(f"Mutation.{_name}", _rule)

mutations = (
    HostelMutations,
    ResidentMutation,
    config(m.AmenityCategory, ("name", "description", "icon", "sort_order"), ("name",)),
    config(m.HostelAmenity, ("category_id", "name", "description", "is_available", "condition", "capacity",
                             "is_bookable", "booking_fee", "open_from", "open_until"), ("name",),
           after=service.after_amenity),
    config(m.HostelPolicy, ("policy_type", "title", "content", "effective_from", "effective_to",
                            "requires_acknowledgment"), ("title", "content", "effective_from"),
           validate=_policy_version),
    config(m.HostelSettings, ("advance_booking_days", "min_stay_months", "max_stay_months", "advance_percent",
                              "notice_period_days", "rent_due_day", "late_fee_per_day", "curfew_time",
                              "visitor_hours_from", "visitor_hours_until", "mess_included", "max_leave_days_per_month",
                              "maintenance_response_hours", "feature_flags"), ()),
)
