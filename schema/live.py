"""Live updates (issue 15): the subscription root, served over WebSocket (gateway/live.py).

An event names ids only (kit/live.py); each subscriber reads the row again through the read path
with its own scope and rules, in a transaction of its own opened for that event, so a row the
subscriber could not read with a query is never sent (the event is skipped). The rules are
checked when the subscription starts and again with each event (a role removed meanwhile)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.types import Info

import models as m
from auth.permissions import AUTHENTICATED, declare
from kit.declared import type_of
from kit.errors import BadInput, authorize
from kit.fields import _load_nodes, load_entity  # noqa: PLC2701 - node(id:)'s own loading, rules included
from kit.ids import InvalidId, decode_gid
from kit.live import hostel_topic
from kit.node import Node
from models.hostel.access import STAFF

Notification = type_of(m.Notification)
Booking = type_of(m.Booking)


@strawberry.type(description="Something that happened in a hostel, for its staff's feed (hostelActivity).")
class HostelActivity:
    kind: str = strawberry.field(
        description="What happened: BOOKING_CREATED, BOOKING_APPROVED, CHECKED_IN, CHECKED_OUT, BOOKING_CANCELLED, "
        "... (other domains add theirs, e.g. COMPLAINT_CREATED)."
    )
    node_id: strawberry.ID = strawberry.field(description="The global ID of the object concerned.")

    @strawberry.field(description="The object concerned, read with your rules (null if you may not read it).")
    async def node(self, info: Info) -> Node | None:
        found: Node | None = (await _load_nodes(info, [str(self.node_id)]))[0]
        return found


def _live(info: Info) -> Any:
    live = getattr(info.context, "live", None)
    if live is None:  # over HTTP: gateway/graphql_http.py refuses subscriptions before this
        raise BadInput("Subscriptions run over a WebSocket on /graphql (graphql-transport-ws).")
    return live


async def _events(info: Info, topic: str, read: Callable[[dict[str, Any]], Awaitable[Any]]) -> AsyncIterator[Any]:
    """Each event of `topic`, read again by `read` in a fresh scoped context (skipped when the
    caller may not see it). The context stays open while the event's selection is resolved and
    sent (graphql-core resumes this generator only for the next event), then closes."""
    ctx = info.context
    live = ctx.live
    async with live.hub.subscribe(topic) as heard:
        async for event in heard:
            async with live.event(ctx):
                found = await read(event)
                if found is not None:
                    yield found


def _pk(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="Your notifications as they are written (the in-app message, as myNotifications shows it), "
        "in the active tenant."
    )
    async def notification_received(self, info: Info) -> AsyncIterator[Notification]:  # type: ignore[valid-type]
        authorize(info, AUTHENTICATED)
        _live(info)

        async def read(event: dict[str, Any]) -> Any:
            return await load_entity(info, m.Notification, _pk(event.get("id")))

        return _events(info, f"notification:{info.context.user_id}", read)

    @strawberry.subscription(
        description="The booking each time its status moves (approved, confirmed, checked in, ...): for a booking "
        "you may read (staff of its hostel, or its booker)."
    )
    async def booking_status_changed(self, info: Info, booking_id: strawberry.ID) -> AsyncIterator[Booking]:  # type: ignore[valid-type]
        authorize(info, AUTHENTICATED)
        _live(info)
        try:
            kind, pk = decode_gid(str(booking_id))
        except InvalidId:
            kind, pk = "", 0
        if kind != "Booking" or await load_entity(info, m.Booking, pk) is None:
            raise GraphQLError("No booking with this bookingId that you may read.", extensions={"code": "NOT_FOUND"})

        async def read(event: dict[str, Any]) -> Any:
            return await load_entity(info, m.Booking, pk)

        return _events(info, f"booking:{pk}", read)

    @strawberry.subscription(
        description="A hostel's activity as it happens (new bookings, approvals, check-ins and check-outs, "
        "complaints, ...), for its staff; the hostel is the active tenant (X-Tenant-Id in connection_init)."
    )
    async def hostel_activity(self, info: Info, hostel_id: strawberry.ID) -> AsyncIterator[HostelActivity]:
        authorize(info, STAFF)
        _live(info)
        ctx = info.context
        try:
            kind, pk = decode_gid(str(hostel_id))
        except InvalidId:
            kind, pk = "", 0
        if kind != "Hostel":
            raise BadInput("hostelId must be the ID of a Hostel.")
        if ctx.hostel_id != pk and not ctx.platform_read:
            raise GraphQLError(
                "hostelActivity follows the active hostel: connect with its ID as X-Tenant-Id.",
                extensions={"code": "FORBIDDEN"},
            )

        async def read(event: dict[str, Any]) -> Any:
            authorize(info, STAFF)  # the roles as they are now (a role removed: the stream ends)
            node = event.get("node")
            kind = event.get("kind")
            if not isinstance(node, str) or not isinstance(kind, str):
                return None
            return HostelActivity(kind=kind, node_id=strawberry.ID(node))

        return _events(info, hostel_topic(pk), read)


for _name in ("notificationReceived", "bookingStatusChanged"):
    declare(f"Subscription.{_name}", AUTHENTICATED)
declare("Subscription.hostelActivity", STAFF)

subscriptions = (Subscription,)
