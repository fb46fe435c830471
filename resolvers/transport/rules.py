"""Hooks of the transport master data's generated mutations (named in `models/transport`):
routes and pickup points with active riders keep them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, inspect, select

import models
from kit.errors import ErrorCode, user_error


async def riders_stay_on_their_route(ctx: Any, session: Any, point: Any) -> None:
    """A pickup point with active riders keeps its route: their seats are counted there."""
    history = inspect(point).attrs.route_id.history
    if point.id is None or not history.deleted or list(history.deleted) == list(history.added):
        return
    TE = models.TransportEnrollment
    riders = await session.scalar(
        select(TE.id).where(TE.pickup_point_id == point.id, TE.school_id == point.school_id, TE.active).limit(1)
    )
    if riders is not None:
        raise user_error(
            ErrorCode.CONFLICT,
            "This pickup point has active riders; unenroll them before moving it to another route.",
            "routeId",
        )


async def _riders_on(session: Any, school_id: int, route_id: int | None = None, point_id: int | None = None) -> int:
    TE, P = models.TransportEnrollment, models.PickupPoint
    stmt = select(func.count()).select_from(TE).where(TE.school_id == school_id, TE.active)
    if point_id is not None:
        stmt = stmt.where(TE.pickup_point_id == point_id)
    else:
        stmt = stmt.join(P, (P.id == TE.pickup_point_id) & (P.school_id == TE.school_id)).where(P.route_id == route_id)
    return await session.scalar(stmt)


def _no_rider_left_behind(kind: str) -> Any:
    """A route (or pickup point) with active riders is not deactivated: CONFLICT, nothing changes.

    Why refuse rather than unenroll them in the same call: a transport office deactivating a
    route expects its riders to be moved to another route first (each student's fee and seat
    is a decision, not a side effect), and a refusal that names the count is reversible where a
    silent mass unenrollment is not. The row is locked (get_for_update) before counting, and
    enrollment takes the route row (seat update) and the pickup point FOR SHARE, so a rider
    enrolled at the same moment is either counted here or refused there (resolvers/transport/service.py)."""

    async def after(ctx: Any, session: Any, obj: Any, verb: str) -> None:
        if verb != "deactivate":
            return
        riders = await _riders_on(
            session, obj.school_id, **({"route_id": obj.id} if kind == "route" else {"point_id": obj.id})
        )
        if riders:
            raise user_error(
                ErrorCode.CONFLICT,
                f"This {kind} has {riders} active rider(s): move them to another "
                f"route or unenroll them (transportUnenroll) before deactivating it.",
                "id",
            )

    after.__name__ = f"no_rider_left_behind_{kind.replace(' ', '_')}"
    return after


no_rider_left_behind_route = _no_rider_left_behind("route")
no_rider_left_behind_point = _no_rider_left_behind("pickup point")

__all__ = ["no_rider_left_behind_point", "no_rider_left_behind_route", "riders_stay_on_their_route"]
