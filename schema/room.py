"""Seed 000 `room/`: room types, rooms, beds, assignments, room amenities, availability.

Types are generated from the models (kit/model_types.py). Rooms and beds are master
data (`roomCreate/Update/Deactivate`, `bedCreate/Update/Deactivate`) whose rules live in
resolvers/room/service.py (hostel totals, capacity, nothing deactivated while lived in or held);
a room's rent changes only through `roomPriceChange` (append-only RoomPricingHistory). Resident
workflows (conversion, transfers, notice, check-out) are in schema/hostel_student.py. Room types
and their features, pricing, upgrades, availability windows and rules, and assignment rules are
configuration with create / update / deactivate.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import strawberry
from strawberry.types import Info

import models as m
from auth.permissions import declare, roles
from kit.registry import spec_for_model
from resolvers.room import service
from kit.model_types import model_type, root_lists
from kit.mutations import config_mutations as config
from models.hostel.access import ADMINS, CATALOGUE, MEMBERS, STAFF, own_resident_rows
from kit.mutations import decode_ref, master_data_mutations, payload_type, run_workflow

RoomTypeDefinition = model_type(m.RoomTypeDefinition)
RoomTypeFeature = model_type(m.RoomTypeFeature)
RoomTypePricing = model_type(m.RoomTypePricing)
RoomTypeUpgrade = model_type(m.RoomTypeUpgrade)
RoomTypeAvailability = model_type(m.RoomTypeAvailability)
RoomTypeComparison = model_type(m.RoomTypeComparison)
Room = model_type(m.Room)
RoomSpecification = model_type(m.RoomSpecification)
RoomPricingHistory = model_type(m.RoomPricingHistory)
RoomMaintenanceStatus = model_type(m.RoomMaintenanceStatus)
RoomAccessControl = model_type(m.RoomAccessControl)
RoomOccupancyLimit = model_type(m.RoomOccupancyLimit)
Bed = model_type(m.Bed)
BedCondition = model_type(m.BedCondition)
BedConfiguration = model_type(m.BedConfiguration)
BedAccessibility = model_type(m.BedAccessibility)
BedPreference = model_type(m.BedPreference)
BedUtilization = model_type(m.BedUtilization)
BedAssignment = model_type(m.BedAssignment)
AssignmentRule = model_type(m.AssignmentRule)
AssignmentConflict = model_type(m.AssignmentConflict)
AssignmentOptimization = model_type(m.AssignmentOptimization)
RoomAssignmentHistory = model_type(m.RoomAssignmentHistory)
AssignmentPreference = model_type(m.AssignmentPreference)
RoomAmenity = model_type(m.RoomAmenity)
AmenityCondition = model_type(m.AmenityCondition)
AmenityMaintenance = model_type(m.AmenityMaintenance)
AmenityUsage = model_type(m.AmenityUsage)
AmenityFeedback = model_type(m.AmenityFeedback)
AmenityInventory = model_type(m.AmenityInventory)
RoomAvailability = model_type(m.RoomAvailability)
AvailabilityWindow = model_type(m.AvailabilityWindow)
AvailabilityRule = model_type(m.AvailabilityRule)
AvailabilityForecast = model_type(m.AvailabilityForecast)
RoomAvailabilityAlert = model_type(m.RoomAvailabilityAlert)
AvailabilityOptimization = model_type(m.AvailabilityOptimization)

mine = own_resident_rows()

Query = root_lists(
    "RoomQuery",
    ("roomTypes", m.RoomTypeDefinition, CATALOGUE, None, "Room types: public for visitors (public hostels)."),
    ("roomTypeFeatures", m.RoomTypeFeature, CATALOGUE, None, None),
    ("roomTypePricing", m.RoomTypePricing, CATALOGUE, None, "Seasonal and tiered prices of room types."),
    ("roomTypeUpgrades", m.RoomTypeUpgrade, MEMBERS, None, None),
    ("roomTypeAvailability", m.RoomTypeAvailability, STAFF, None, "Derived: see computedAt."),
    ("roomTypeComparisons", m.RoomTypeComparison, STAFF, None, "Derived: see computedAt."),
    ("rooms", m.Room, MEMBERS, None, None),
    ("roomSpecifications", m.RoomSpecification, MEMBERS, None, None),
    ("roomPricingHistory", m.RoomPricingHistory, STAFF, None, "Every change of a room's rent (append-only)."),
    ("roomMaintenanceStatuses", m.RoomMaintenanceStatus, STAFF, None, None),
    ("roomAccessControls", m.RoomAccessControl, STAFF, None, None),
    ("roomOccupancyLimits", m.RoomOccupancyLimit, STAFF, None, None),
    ("beds", m.Bed, MEMBERS, None, None),
    ("bedConditions", m.BedCondition, STAFF, None, None),
    ("bedConfigurations", m.BedConfiguration, MEMBERS, None, None),
    ("bedAccessibility", m.BedAccessibility, MEMBERS, None, None),
    ("bedPreferences", m.BedPreference, MEMBERS, mine, "Staff see all; a resident their own."),
    ("bedUtilization", m.BedUtilization, STAFF, None, "Derived: see computedAt."),
    ("bedAssignments", m.BedAssignment, MEMBERS, mine, "Staff see all; a resident their own."),
    ("assignmentRules", m.AssignmentRule, STAFF, None, None),
    ("assignmentConflicts", m.AssignmentConflict, STAFF, None, None),
    ("assignmentOptimizations", m.AssignmentOptimization, STAFF, None, "Derived: see computedAt."),
    ("roomAssignmentHistory", m.RoomAssignmentHistory, MEMBERS, mine, "Staff see all; a resident their own."),
    ("assignmentPreferences", m.AssignmentPreference, STAFF, None, None),
    ("roomAmenities", m.RoomAmenity, MEMBERS, None, None),
    ("amenityConditions", m.AmenityCondition, STAFF, None, None),
    ("amenityMaintenance", m.AmenityMaintenance, STAFF, None, None),
    ("amenityUsage", m.AmenityUsage, STAFF, None, None),
    ("amenityFeedback", m.AmenityFeedback, MEMBERS, mine, "Staff see all; a resident their own."),
    ("amenityInventory", m.AmenityInventory, ADMINS, None, None),
    ("roomAvailability", m.RoomAvailability, STAFF, None, "Derived: see computedAt."),
    ("availabilityWindows", m.AvailabilityWindow, STAFF, None, None),
    ("availabilityRules", m.AvailabilityRule, STAFF, None, None),
    ("availabilityForecasts", m.AvailabilityForecast, STAFF, None, "Derived: see computedAt."),
    ("roomAvailabilityAlerts", m.RoomAvailabilityAlert, STAFF, None, "Derived: see computedAt."),
    ("availabilityOptimizations", m.AvailabilityOptimization, STAFF, None, "Derived: see computedAt."),
)


async def _hold_back_names_a_type(ctx: Any, session: Any, rule: Any) -> None:
    """Beds are held back per room type; a hostel-wide hold-back would not say of which type."""
    if rule.rule_type is m.AvailabilityRuleType.HOLD_BACK_BEDS and rule.room_type_id is None:
        from kit.errors import ErrorCode, user_error

        raise user_error(ErrorCode.INVALID, "Say which room type the held-back beds are of.", "roomTypeId")


mutations = (
    config(m.RoomTypeDefinition, ("code", "name", "category", "description", "beds_per_room", "base_price_monthly",
                                  "security_deposit", "is_air_conditioned", "has_attached_bathroom", "is_featured"),
           ("code", "name", "category", "beds_per_room", "base_price_monthly")),
    config(m.RoomTypeFeature, ("room_type_id", "name", "feature_type", "is_included", "additional_cost"),
           ("room_type_id", "name")),
    config(m.RoomTypePricing, ("room_type_id", "season", "valid_from", "valid_to", "monthly_price", "yearly_price",
                               "discount_percent", "is_special_offer"), ("room_type_id", "season", "valid_from",
                                                                         "monthly_price")),
    config(m.RoomTypeUpgrade, ("from_room_type_id", "to_room_type_id", "price_difference_monthly", "min_stay_days",
                               "conditions"), ("from_room_type_id", "to_room_type_id", "price_difference_monthly")),
    config(m.AvailabilityWindow, ("room_type_id", "name", "window_type", "starts_on", "ends_on",
                                  "price_adjustment_percent", "min_stay_months"), ("name", "starts_on", "ends_on")),
    config(m.AvailabilityRule, ("room_type_id", "name", "rule_type", "value", "description"),
           ("name", "rule_type", "value"), validate=_hold_back_names_a_type),
    config(m.AssignmentRule, ("name", "strategy", "priority", "prefer_lower_floors", "description"), ("name",)),
)


# ---- rooms and beds as master data (rules: resolvers/room/service.py) ---------------------------

STAFF_WRITE = {verb: STAFF for verb in ("create", "update", "deactivate")}
RESIDENT = roles("HOSTEL_STUDENT", description="roles: HOSTEL_STUDENT (a resident, as themselves)")


def _satellite(model: type, writable: tuple[str, ...], required: tuple[str, ...], key: str, staff: bool = False,
               **kw: Any) -> type:
    """create / update of a room's or bed's one-to-one record (or a record hanging off a room
    amenity): the owner reference is set once."""
    return master_data_mutations(model, writable=(key, *writable), required=(key, *required), immutable=(key,),
                                 permissions=STAFF_WRITE if staff else {v: ADMINS for v in STAFF_WRITE}, **kw)


mutations = (*mutations,
    config(m.Room, ("room_type_id", "room_number", "floor", "wing", "capacity", "monthly_rent", "status", "notes"),
           ("room_type_id", "room_number", "floor", "capacity", "monthly_rent"), immutable=("monthly_rent",),
           validate=service.validate_room, after=service.after_room),
    config(m.Bed, ("room_id", "bed_number", "bed_type", "status", "monthly_rent_override"), ("room_id", "bed_number"),
           immutable=("room_id",), validate=service.validate_bed, after=service.after_bed),
    _satellite(m.RoomSpecification, ("area_sqft", "ceiling_height_ft", "windows", "electrical_points", "bathroom_type",
                                     "has_balcony", "fire_safety"), (), "room_id"),
    _satellite(m.RoomOccupancyLimit, ("max_occupants", "min_occupants", "gender_rule", "min_age", "max_age"),
               ("max_occupants",), "room_id", validate=service.validate_occupancy_limit),
    _satellite(m.RoomAccessControl, ("access_method", "keys_issued", "has_door_sensor", "alert_on_forced_entry",
                                     "staff_access_allowed"), (), "room_id"),
    _satellite(m.RoomMaintenanceStatus, ("state", "last_inspected_on", "next_inspection_on", "open_issues", "notes"), (),
               "room_id", staff=True),
    _satellite(m.BedCondition, ("condition", "cleanliness", "needs_maintenance", "needs_replacement", "inspected_on",
                                "notes"), (), "bed_id", staff=True),
    _satellite(m.BedConfiguration, ("frame", "mattress_type", "has_storage", "has_power_outlet", "has_reading_light",
                                    "has_privacy_curtain"), (), "bed_id"),
    _satellite(m.BedAccessibility, ("wheelchair_accessible", "ground_level", "grab_bars", "notes"), (), "bed_id"),
    master_data_mutations(m.RoomAmenity, writable=("room_id", "name", "amenity_type", "quantity", "brand"),
                          required=("room_id", "name"), immutable=("room_id",), permissions=STAFF_WRITE),
    _satellite(m.AmenityCondition, ("assessed_on", "condition", "damage_notes", "needs_maintenance", "needs_replacement"),
               ("assessed_on",), "room_amenity_id", staff=True),
    _satellite(m.AmenityMaintenance, ("maintenance_type", "performed_on", "cost", "vendor", "notes"),
               ("maintenance_type", "performed_on"), "room_amenity_id", staff=True),
    _satellite(m.AmenityUsage, ("period_start", "period_end", "usage_hours", "energy_kwh", "operational_cost"),
               ("period_start", "period_end", "usage_hours", "energy_kwh", "operational_cost"), "room_amenity_id",
               staff=True),
    _satellite(m.AmenityInventory, ("asset_tag", "purchased_on", "purchase_cost", "current_value", "warranty_until",
                                    "last_verified_on", "disposed_on"), ("asset_tag",), "room_amenity_id"),
    master_data_mutations(m.AmenityFeedback, writable=("room_amenity_id", "rating", "comment", "reports_issue"),
                          required=("room_amenity_id", "rating"), immutable=("room_amenity_id",),
                          permissions={"create": RESIDENT, "update": RESIDENT}, validate=service.validate_feedback),
    master_data_mutations(m.BedPreference, writable=("bed_id", "rank", "reason"), required=("bed_id",),
                          immutable=("bed_id",), permissions={"create": RESIDENT, "update": RESIDENT},
                          validate=service.validate_bed_preference),
    config(m.AssignmentPreference, ("student_id", "preferred_floor", "preferred_room_type_id", "quiet_room",
                                    "near_washroom", "notes"), ()),
    master_data_mutations(m.AssignmentConflict, writable=("resolved",), required=(), permissions={"update": STAFF},
                          verbs=("update",)),
)


@strawberry.input
class RoomPriceChangeInput:
    room_id: strawberry.ID
    new_monthly_rent: Decimal
    effective_from: dt.date
    reason: str


RoomPriceChangePayload = payload_type("RoomPriceChangePayload", spec_for_model(m.Room))


@strawberry.type
class RoomWorkflowMutation:
    @strawberry.mutation(description="Change a room's monthly rent (the only way it changes): appends a "
                                     "RoomPricingHistory row with the old and new rent. Residents keep the rent of "
                                     "their bed assignment; new bookings and assignments use the new one.")
    async def room_price_change(self, info: Info, input: RoomPriceChangeInput) -> RoomPriceChangePayload:  # noqa: A002
        async def work(ctx: Any, session: Any) -> int:
            return await service.change_price(ctx, session, decode_ref(input.room_id, m.Room, "roomId"),
                                              input.new_monthly_rent, input.effective_from, input.reason)
        return await run_workflow(info, ADMINS, RoomPriceChangePayload, work, spec_for_model(m.RoomPricingHistory))


declare("Mutation.roomPriceChange", ADMINS)
mutations = (*mutations, RoomWorkflowMutation)
