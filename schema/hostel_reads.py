"""Hostel reads for dashboards and phones (resolvers/hostel/reads.py) and the derived analytics
computation (resolvers/hostel/analytics.py):

- `hostelAvailability`: free beds per day and room type, public (visitors search without
  logging in); counts only, read in a scoped READ ONLY transaction of that one hostel;
- `hostelOccupancy`: the active hostel's beds by state on a date, per hostel, floor or room type;
- `myResidence`: a resident's phone view (own record, bed, room, roommates by name, bookings,
  documents);
- `hostelPortfolio`: a hostel admin's hostels side by side (only those they hold);
- `hostelAnalyticsCompute`: recompute the derived tables on demand (also `campus compute-analytics`).
The room board needs no field of its own: `rooms { nodes { beds { nodes { currentStudent } } } }`
is served by the read path in a fixed number of statements (tests/test_hostel_reads.py).
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

import models
from auth.permissions import AUTHENTICATED, PUBLIC, declare
from kit import clock
from kit import writes
from kit.planner import BadInput
from kit.registry import spec_for_model
from kit.sql import session_runner
from resolvers.hostel import analytics, reads
from kit.connection import graphql_enum
from kit.errors import ErrorCode, user_error
from kit.fields import authorize, load_entities, load_entity
from models.hostel.access import ADMINS, STAFF
from kit.ids import InvalidId, decode_gid
from kit.mutations import payload_type, run_workflow
from schema.hostel import Hostel
from kit.declared import type_of

Booking = type_of(models.Booking)
HostelStudent = type_of(models.HostelStudent)
HostelStudentDocument = type_of(models.HostelStudentDocument)
from schema.room import Bed, Room, RoomTypeDefinition

Gender = graphql_enum(models.Gender)


def _id_of(gid: str, type_name: str, argument: str) -> int:
    try:
        kind, pk = decode_gid(gid)
    except InvalidId:
        kind, pk = "", 0
    if kind != type_name:
        raise BadInput(f"{argument} must be the ID of a {type_name}.")
    return pk


# ---- hostelAvailability -----------------------------------------------------------------------


@strawberry.type(description="Free beds on one day.")
class AvailabilityDay:
    date: dt.date
    free_beds: int = strawberry.field(description="Beds of the room type a new booking could take that day.")


@strawberry.type(description="Availability of one room type over the asked days.")
class RoomTypeFreeBeds:
    room_type_id: strawberry.Private[int]
    total_beds: int = strawberry.field(description="Bookable beds of the type (active and in service).")
    days: list[AvailabilityDay]
    min_free_beds: int = strawberry.field(
        description="Beds free on every day: what a stay over all the days could take."
    )

    @strawberry.field
    def room_type(self, info: Info) -> RoomTypeDefinition | None:
        return load_entity(info, models.RoomTypeDefinition, self.room_type_id)


@strawberry.type(description="Free beds per day of [from, to) and per room type of one hostel.")
class HostelAvailability:
    hostel_id: strawberry.Private[int]
    from_date: dt.date = strawberry.field(name="from")
    to_date: dt.date = strawberry.field(name="to")
    room_types: list[RoomTypeFreeBeds]

    @strawberry.field
    def hostel(self, info: Info) -> Hostel | None:
        return load_entity(info, models.Hostel, self.hostel_id)


# ---- hostelOccupancy --------------------------------------------------------------------------


@strawberry.enum(description="How hostelOccupancy groups the beds.")
class OccupancyGroupBy(enum.Enum):
    HOSTEL = "HOSTEL"
    FLOOR = "FLOOR"
    ROOM_TYPE = "ROOM_TYPE"


@strawberry.type(
    description="Bookable beds by state on one day. A bed is OCCUPIED (a resident's assignment), else "
    "RESERVED (an active booking hold), else BLOCKED (a calendar block), else free."
)
class OccupancyFigures:
    room_type_id: strawberry.Private[int | None]
    floor: int | None = strawberry.field(description="The floor (groupBy FLOOR).")
    beds: int
    occupied: int
    reserved: int
    blocked: int
    free: int
    awaiting_bed: int | None = strawberry.field(
        description="Committed bookings (approved, confirmed, checked in) holding no bed yet; they take a bed of "
        "their room type. Null when grouped by floor."
    )
    occupancy_rate: Decimal = strawberry.field(description="occupied / beds, in percent (two places).")

    @strawberry.field(description="The room type (groupBy ROOM_TYPE).")
    def room_type(self, info: Info) -> RoomTypeDefinition | None:
        return load_entity(info, models.RoomTypeDefinition, self.room_type_id)


def _figures(
    counts: reads.Counts, floor: int | None = None, room_type_id: int | None = None, awaiting: bool = True
) -> OccupancyFigures:
    return OccupancyFigures(
        room_type_id=room_type_id,
        floor=floor,
        beds=counts.beds,
        occupied=counts.occupied,
        reserved=counts.reserved,
        blocked=counts.blocked,
        free=counts.free,
        awaiting_bed=counts.extra.get("awaiting_bed", 0) if awaiting else None,
        occupancy_rate=counts.occupancy_rate,
    )


@strawberry.type
class HostelOccupancy:
    date: dt.date
    total: OccupancyFigures
    groups: list[OccupancyFigures]


# ---- myResidence ------------------------------------------------------------------------------


@strawberry.type(description="A resident's own view of where they live (the phone's home screen).")
class MyResidence:
    data: strawberry.Private[reads.Residence]

    @strawberry.field(description="Their resident record (all their own fields).")
    def student(self, info: Info) -> HostelStudent | None:
        return load_entity(info, models.HostelStudent, self.data.student_id)

    @strawberry.field(description="The bed they sleep in today.")
    def bed(self, info: Info) -> Bed | None:
        return load_entity(info, models.Bed, self.data.bed_id)

    @strawberry.field(description="The room of that bed.")
    def room(self, info: Info) -> Room | None:
        return load_entity(info, models.Room, self.data.room_id)

    @strawberry.field(description="The other residents of the room today: their names; personal fields stay hidden.")
    async def roommates(self, info: Info) -> list[HostelStudent]:
        return await load_entities(info, models.HostelStudent, self.data.roommate_ids)

    @strawberry.field(description="Their bookings in this hostel, newest stay first.")
    async def bookings(self, info: Info) -> list[Booking]:
        return await load_entities(info, models.Booking, self.data.booking_ids)

    @strawberry.field(description="Their active documents.")
    async def documents(self, info: Info) -> list[HostelStudentDocument]:
        return await load_entities(info, models.HostelStudentDocument, self.data.document_ids)


# ---- hostelPortfolio --------------------------------------------------------------------------


@strawberry.type(description="One hostel of an admin's portfolio, today (the hostel's date, its time zone).")
class PortfolioHostel:
    hostel_id: strawberry.Private[int]
    beds: int
    occupied: int
    reserved: int
    blocked: int
    free: int
    occupancy_rate: Decimal = strawberry.field(description="occupied / beds, in percent (two places).")
    pending_bookings: int = strawberry.field(description="Bookings waiting for a decision (PENDING).")
    arrivals_today: int = strawberry.field(description="Approved or confirmed bookings whose check-in is today.")

    @strawberry.field
    def hostel(self, info: Info) -> Hostel | None:
        return load_entity(info, models.Hostel, self.hostel_id)


READ_RULE = STAFF
PORTFOLIO_RULE = ADMINS


@strawberry.type
class Query:
    @strawberry.field(
        description="Free beds per day of [from, to) (at most 180 days) and per active room type of a "
        "hostel: public, for visitors searching without logging in. Counts only. Beds held "
        "back by the hostel's HOLD_BACK_BEDS rules are not offered publicly (the hostel's "
        "own staff see them as free). `gender` keeps the beds a guest of that gender may "
        "take (hostel type and room gender rules). Null for a hostel that does not exist "
        "or is not public (unless you work or live there)."
    )
    async def hostel_availability(
        self,
        info: Info,
        hostel_id: strawberry.ID,
        from_: Annotated[dt.date, strawberry.argument(name="from")],
        to: dt.date,
        room_type_id: strawberry.ID | None = None,
        gender: Gender | None = None,
    ) -> HostelAvailability | None:  # type: ignore[valid-type]
        authorize(info, PUBLIC)
        if to <= from_:
            raise BadInput("`to` must be after `from`: the days asked are [from, to).")
        if (to - from_).days > reads.MAX_DAYS:
            raise BadInput(f"Ask for at most {reads.MAX_DAYS} days at once.")
        hostel = _id_of(hostel_id, "Hostel", "hostelId")
        room_type = _id_of(room_type_id, "RoomTypeDefinition", "roomTypeId") if room_type_id else None
        found = await reads.availability(
            info.context, hostel, from_, to, room_type, gender.value if gender is not None else None
        )
        if found is None:
            return None
        return HostelAvailability(
            hostel_id=hostel,
            from_date=from_,
            to_date=to,
            room_types=[
                RoomTypeFreeBeds(
                    room_type_id=t.room_type_id,
                    total_beds=t.total_beds,
                    days=[AvailabilityDay(date=d, free_beds=f) for d, f in t.days],
                    min_free_beds=t.min_free_beds,
                )
                for t in found
            ],
        )

    @strawberry.field(
        description="The active hostel's bookable beds on a date (default the hostel's today): occupied, "
        "reserved, blocked, free and the occupancy rate, for the hostel and per group."
    )
    async def hostel_occupancy(
        self, info: Info, date: dt.date | None = None, group_by: OccupancyGroupBy = OccupancyGroupBy.HOSTEL
    ) -> HostelOccupancy:
        authorize(info, READ_RULE)
        ctx = info.context
        if ctx.hostel_id is None:
            raise BadInput("Choose a hostel first (X-Tenant-Id with the Hostel's ID).")
        on = date or clock.today()  # the hostel's date
        total, groups = await reads.occupancy(ctx, on, group_by.value)
        if group_by is OccupancyGroupBy.FLOOR:
            rows = [_figures(c, floor=k, awaiting=False) for k, c in groups]
        elif group_by is OccupancyGroupBy.ROOM_TYPE:
            rows = [_figures(c, room_type_id=k) for k, c in groups]
        else:
            rows = [_figures(total)]
        return HostelOccupancy(date=on, total=_figures(total), groups=rows)

    @strawberry.field(
        description="The caller's residence in the active hostel: their record, bed, room, roommates "
        "(by name), bookings and documents. Null unless the caller is a resident there."
    )
    async def my_residence(self, info: Info) -> MyResidence | None:
        authorize(info, AUTHENTICATED)
        found = await reads.residence(info.context, clock.today())
        return MyResidence(data=found) if found is not None else None

    @strawberry.field(
        description="The hostels the admin holds (AdminHostelAssignment, never others), side by side: "
        "beds, occupancy, pending bookings and arrivals today. Each hostel is read in its "
        "own scoped transaction. Platform roles see every active hostel."
    )
    async def hostel_portfolio(self, info: Info) -> list[PortfolioHostel]:
        authorize(info, PORTFOLIO_RULE)
        rows = await reads.portfolio(info.context)
        return [
            PortfolioHostel(
                hostel_id=r.hostel_id,
                beds=r.counts.beds,
                occupied=r.counts.occupied,
                reserved=r.counts.reserved,
                blocked=r.counts.blocked,
                free=r.counts.free,
                occupancy_rate=r.counts.occupancy_rate,
                pending_bookings=r.pending_bookings,
                arrivals_today=r.arrivals_today,
            )
            for r in rows
        ]


declare("Query.hostelAvailability", PUBLIC)
declare("Query.hostelOccupancy", READ_RULE)
declare("Query.myResidence", AUTHENTICATED)
declare("Query.hostelPortfolio", PORTFOLIO_RULE)


# ---- hostelAnalyticsCompute --------------------------------------------------------------------


@strawberry.input
class HostelAnalyticsComputeInput:
    as_of: dt.date | None = strawberry.field(
        default=None, description="The as-of date; default the hostel's today, not in the future."
    )


AnalyticSpec = spec_for_model(models.HostelAnalytic)
HostelAnalyticsComputePayload = payload_type("HostelAnalyticsComputePayload", AnalyticSpec)


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Recompute the active hostel's derived analytics as of a date (occupancy and "
        "revenue trends, bed utilization, availability by room, room type and day, "
        "forecasts, alerts, optimization suggestions, comparisons with the city's public "
        "hostels); rows are replaced, not added. Returns the period's HostelAnalytic."
    )
    async def hostel_analytics_compute(
        self, info: Info, input: HostelAnalyticsComputeInput
    ) -> HostelAnalyticsComputePayload:  # noqa: A002
        async def work(ctx: Any, session: Any) -> int | None:
            if ctx.hostel_id is None:
                raise user_error(ErrorCode.INVALID, "Choose a hostel first (X-Tenant-Id with the Hostel's ID).")
            today = clock.today()  # the hostel's date
            as_of = input.as_of or today
            if as_of > today:
                raise user_error(
                    ErrorCode.INVALID,
                    f"asOf {as_of.isoformat()} is in the future: analytics are "
                    f"computed up to today ({today.isoformat()}).",
                    "asOf",
                )
            summary = await analytics.compute(
                session_runner(session), ctx.hostel_id, as_of, analytics.peer_reader(ctx.db.engine)
            )
            await writes.log_activity(session, ctx, "hostelAnalyticsCompute", "HostelAnalytic", summary.analytic_id)
            return summary.analytic_id

        return await run_workflow(info, ADMINS, HostelAnalyticsComputePayload, work, AnalyticSpec)


declare("Mutation.hostelAnalyticsCompute", ADMINS)

mutations = (Mutation,)
