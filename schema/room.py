"""Seed 000 `room/`: room types, rooms, beds, assignments, room amenities, availability.

Everything here is declared on the models (models/room/: `__entity__ = Entity(...)`): types,
root lists, and the create / update / deactivate of rooms, beds, their one-to-one records,
room types and their features, pricing, upgrades, availability windows and rules, and
assignment rules; their rules are hooks in resolvers/room/service.py (hostel totals, capacity,
nothing deactivated while lived in or held). What remains is the one workflow: a room's rent
changes only through `roomPriceChange` (append-only RoomPricingHistory). Resident workflows
(conversion, transfers, notice, check-out) are in schema/hostel_student.py.
"""

from __future__ import annotations

import strawberry

import models as m
from kit.declared import type_of
from kit.workflow import workflow
from models.hostel.access import ADMINS
from resolvers.room import service

# the types other schema modules name (schema/hostel_reads.py)
RoomTypeDefinition = type_of(m.RoomTypeDefinition)
Room = type_of(m.Room)
Bed = type_of(m.Bed)


@strawberry.type
class Query:
    """The room lists are declared on the models (kit/declared.py)."""


mutations = (
    workflow(
        "roomPriceChange",
        service.change_price,
        ADMINS,
        returns=m.Room,
        description="Change a room's monthly rent (the only way it changes): appends a RoomPricingHistory row "
        "with the old and new rent. Residents keep the rent of their bed assignment; new bookings "
        "and assignments use the new one.",
    ),
)
