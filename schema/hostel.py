"""Hostel family root (seed 000 `hostel/`): hostels, and the workflows of the catalogue.

The types, root lists and configuration writes of amenities, media, policies, settings and
analytics are declared on the models (models/hostel/: `__entity__ = Entity(...)`). What
remains here is what a declaration cannot say:
- `hostelCreate/Update/Deactivate`: a hostel admin changes only the hostel they work in (a
  write filter other than the read rule), and the time zone is checked before the row is built;
- the resident workflows (resolvers/hostel/service.py, through the workflow frame).
"""

from __future__ import annotations


import strawberry

import models as m
from kit.declared import type_of
from kit.workflow import workflow
from models.hostel.access import MEMBERS, STAFF
from resolvers.hostel import service

Hostel = type_of(m.Hostel)  # named by schema/auth.py, schema/admin.py, schema/hostel_reads.py
HostelAnalytic = type_of(m.HostelAnalytic)  # the payload of schema/hostel_reads.py `hostelAnalyticsCompute`


@strawberry.type
class Query:
    """The hostel lists are declared on the models (kit/declared.py)."""


# ---- resident workflows: house rules, amenity slots, violations (resolvers/hostel/service.py) ----

mutations = (
    workflow(
        "hostelPolicyAcknowledge",
        service.acknowledge_policy,
        MEMBERS,
        returns=m.PolicyAcknowledgment,
        description="Acknowledge the current version of a house rule (a resident for themself; staff for a "
        "resident). Acknowledging twice returns the first acknowledgment.",
    ),
    workflow(
        "amenityBookingCreate",
        service.book_amenity,
        MEMBERS,
        returns=m.AmenityBooking,
        description="Book a slot of a bookable amenity (at most 4 hours, within opening hours, while the "
        "amenity has room: CONFLICT when it is full).",
    ),
    workflow(
        "amenityBookingCancel",
        service.cancel_amenity_booking,
        MEMBERS,
        returns=m.AmenityBooking,
        description="Cancel an amenity slot before it starts (a resident their own; staff any).",
    ),
    workflow(
        "hostelPolicyViolationRecord",
        service.record_violation,
        STAFF,
        returns=m.HostelPolicyViolation,
        description="Record a resident's breach of a house rule, with evidence and the action taken.",
    ),
)
