"""Seed 000 `room/`: room types, rooms, beds, assignments, room amenities, availability.

Types are generated from the models (schema/common/model_types.py). Workflows that change
rooms and beds (transfers, price changes) live in schema/hostel_student.py and
resolvers/room/; room types and their features, pricing, upgrades, availability windows and
rules, and assignment rules are configuration with create / update / deactivate.
"""

from __future__ import annotations

import models as m
from schema.common.model_types import model_type, root_lists
from schema.common.hostel_access import ADMINS, CATALOGUE, MEMBERS, STAFF, config_mutations as config, own_resident_rows

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
           ("name", "rule_type", "value")),
    config(m.AssignmentRule, ("name", "strategy", "priority", "prefer_lower_floors", "description"), ("name",)),
)
