"""Who reads what in the hostel family (seed 000): one place for the rules every hostel
domain uses.

- staff (hostel admins, supervisors, platform roles) read all rows of their hostel;
- a resident (HOSTEL_STUDENT) reads the hostel's rooms and beds, and of personal records
  only their own (rows whose `student_id` is their resident record);
- a visitor, without a hostel, reads the public catalogue and their own bookings/waitlist
  entries (tenant machinery: kit/context.py `visibility`, RLS policies beside it).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from auth.permissions import HOSTEL_ADMINS, HOSTEL_MEMBERS, HOSTEL_STAFF, PLATFORM, PUBLIC, FieldRule, roles

STAFF = roles(*HOSTEL_STAFF)
MEMBERS = roles(*HOSTEL_MEMBERS)
ADMINS = roles(*HOSTEL_ADMINS)
CATALOGUE = PUBLIC
CONFIG_WRITE = {verb: ADMINS for verb in ("create", "update", "deactivate")}
STAFF_OR_SELF = FieldRule(
    "hostel staff, and the resident themselves", roles=frozenset(HOSTEL_STAFF), owner_attr="user_id"
)
WAITLISTER_OR_STAFF = FieldRule(
    "hostel staff, and whoever joined the waitlist", roles=frozenset(HOSTEL_STAFF), owner_attr="user_id"
)


class OwnRowsRule(FieldRule):
    """A field rule of records whose owner is not a column of the row but what the type's row
    filter (`own_booking_rows`, `own_resident_rows`) narrows every non-staff caller to: the
    booker of a booking's guest, the resident of a guardian contact. A non-staff caller reaches
    only their own rows, so they read the field on every row they reach; filtering and ordering
    by it stay the staff's (`kit.planner.may_use_protected`: a filter is a question about all
    rows, the owner exemption is per row). Keep the row filter when changing the type's reads."""

    def allows(self, ctx: object, source: object) -> bool:
        return getattr(ctx, "user_id", None) is not None


BOOKER_OR_STAFF = OwnRowsRule("hostel staff, and the booker themselves", roles=frozenset(HOSTEL_STAFF))
RESIDENT_OR_STAFF = OwnRowsRule("hostel staff, and the resident themselves", roles=frozenset(HOSTEL_STAFF))


def is_staff(ctx: Any) -> bool:
    return not ctx.roles.isdisjoint(HOSTEL_STAFF)


def my_student_ids(ctx: Any, bind: Any) -> Any:
    import models

    hs = models.HostelStudent.__table__
    return select(hs.c.id).where(hs.c.user_id == bind(ctx.user_id if ctx.user_id is not None else -1))


def own_resident_rows(column: str = "student_id") -> Any:
    """Row filter of personal records: staff see all, anyone else only their own."""

    def row_filter(ctx: Any, alias: Any, bind: Any) -> Any:
        if is_staff(ctx):
            return None
        return "self", alias.c[column].in_(my_student_ids(ctx, bind))

    return row_filter


def own_user_rows(column: str) -> Any:
    """Row filter of records owned by a user account (a visitor's bookings): staff see all."""

    def row_filter(ctx: Any, alias: Any, bind: Any) -> Any:
        if is_staff(ctx):
            return None
        return "self", alias.c[column] == bind(ctx.user_id if ctx.user_id is not None else -1)

    return row_filter


def own_booking_rows(column: str = "booking_id") -> Any:
    """Row filter of records hanging off a booking: staff see all, the booker theirs."""
    import models

    def row_filter(ctx: Any, alias: Any, bind: Any) -> Any:
        if is_staff(ctx):
            return None
        mine = models.Booking.ids_booked_by(bind(ctx.user_id if ctx.user_id is not None else -1))
        return "self", alias.c[column].in_(mine)

    return row_filter


def own_hostel(ctx: Any, alias: Any, bind: Any) -> Any:
    """The hostels a caller may change: platform roles any, a hostel admin only the one they work in."""
    if not ctx.roles.isdisjoint(PLATFORM):
        return None
    return alias.c.id == bind(ctx.hostel_id if ctx.hostel_id is not None else -1)


# the hostel record itself: platform roles open and close hostels, their admins keep them current
HOSTEL_WRITERS = {"create": roles(*PLATFORM), "update": roles(*HOSTEL_ADMINS), "deactivate": roles(*PLATFORM)}


def listed_hostels(ctx: Any, alias: Any, bind: Any) -> Any:
    """Which hostels a caller sees, wherever a hostel is reached (the `hostels` list, node(id:),
    every relation): platform roles all; anyone else the public, active ones (what visitors
    search: `Hostel.__public_rows__`, the RLS `public_catalogue` rule) and the hostels they hold a
    role in (staff, residents, assigned admins), whatever their state (issue 18, item 5)."""
    from sqlalchemy import BigInteger, and_, any_, or_
    from sqlalchemy.dialects.postgresql import ARRAY

    import models

    if not ctx.roles.isdisjoint(PLATFORM):
        return None
    public = and_(*(alias.c[column] for column in models.Hostel.__public_rows__))
    mine = sorted(ctx.identity.hostel_roles) if ctx.identity is not None else []
    if not mine:
        return "public", public
    return "public-or-member", or_(public, alias.c.id == any_(bind(mine, ARRAY(BigInteger))))
