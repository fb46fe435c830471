"""`rateLimit`: the caller's own budget, as GitHub's GraphQL API offers it (kit/ratelimit.py)."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.types import Info

from auth.permissions import PUBLIC, declare


@strawberry.type(
    description="Your rate-limit budget in the current window (after this request was charged). "
    "Each request costs what its operations cost (the same figure MAX_COST limits)."
)
class RateLimit:
    limit: int = strawberry.field(description="Points you may spend per window.")
    cost: int = strawberry.field(description="What this request cost (all its operations).")
    used: int = strawberry.field(description="Points spent in this window, this request included.")
    remaining: int = strawberry.field(description="Points left in this window.")
    reset_at: dt.datetime = strawberry.field(description="When the window ends and the budget is full again.")


@strawberry.type
class Query:
    @strawberry.field(
        description="Your own rate limit: by your user when logged in, else by your address. "
        "Null when no limit applies to you."
    )
    def rate_limit(self, info: Info) -> RateLimit | None:
        request = info.context.request
        rate = getattr(request.state, "rate_limit", None) if request is not None else None
        if rate is None:
            return None
        return RateLimit(
            limit=rate.limit, cost=rate.cost, used=rate.used, remaining=rate.remaining, reset_at=rate.reset_at
        )


declare("Query.rateLimit", PUBLIC)
