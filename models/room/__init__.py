"""Seed 000 `room/`: room types, rooms, beds, bed assignments, room amenities, availability."""

from models.room.room_type import (FeatureType, RoomCategory, RoomTypeAvailability, RoomTypeComparison,
                                   RoomTypeDefinition, RoomTypeFeature, RoomTypePricing, RoomTypeUpgrade)
from models.room.room import (AccessMethod, BathroomType, GenderRule, MaintenanceState, Room, RoomAccessControl,
                              RoomMaintenanceStatus, RoomOccupancyLimit, RoomPricingHistory, RoomSpecification, RoomStatus)
from models.room.bed import (Bed, BedAccessibility, BedCondition, BedConfiguration, BedPreference, BedStatus, BedType,
                             BedUtilization, ConditionGrade)
from models.room.assignment import (AssignmentChange, AssignmentConflict, AssignmentOptimization, AssignmentPreference,
                                    AssignmentRule, AssignmentStrategy, BedAssignment, BedAssignmentStatus, ConflictType,
                                    RoomAssignmentHistory)
from models.room.amenity import (AmenityCondition, AmenityFeedback, AmenityInventory, AmenityMaintenance,
                                 AmenityMaintenanceType, AmenityUsage, RoomAmenity, RoomAmenityType)
from models.room.availability import (AvailabilityAlertType, AvailabilityForecast, AvailabilityOptimization,
                                      AvailabilityRule, AvailabilityRuleType, AvailabilityWindow, RoomAvailability,
                                      RoomAvailabilityAlert, RoomAvailabilityState, WindowType)

__all__ = [name for name in dir() if name[:1].isupper()]
