"""Plain HTTP routes of a school (file downloads, CSV exports) under GraphQL's rules: the
same token, identity, tenant, roles and rate limit; a caller without the right gets the same
404 as a missing thing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from kit.db import RequestDB
from gateway.graphql_http import GraphQLHTTP, RequestError, rate_limit_headers
from gateway.http_errors import error_response

# work(db, identity, school_id) -> the response (or raises RequestError)
Work = Callable[[RequestDB, Any, int], Awaitable[Response]]


def error(status: int, message: str, code: str) -> Response:
    return error_response(status, message, code)


# What a plain route costs against the caller's rate-limit budget (kit/ratelimit.py), in the
# units of GraphQL's costs (a field 1, a connection its page size): an export reads a report's
# rows, a download one file.
EXPORT_COST = 1_000
DOWNLOAD_COST = 100


async def for_school_caller(
    graphql: GraphQLHTTP,
    request: Request,
    readers: frozenset[str] | tuple[str, ...],
    not_found: str,
    work: Work,
    cost: int,
) -> Response:
    """Run `work` for a caller holding one of `readers` in a school tenant, on a read-only
    connection scoped like a GraphQL request; 401 without a token, 404 otherwise. `cost` is
    charged first (whoever asks: an anonymous or refused attempt spends its address's or its
    user's budget too); past the budget, 429 with Retry-After and nothing runs."""
    db = RequestDB(graphql.engine, read_only=True)
    try:
        try:
            identity, problem = await graphql.identify(request, db, cost=lambda: cost)
        except RequestError as exc:
            return error(exc.status, str(exc), exc.code)
        rate = getattr(request.state, "rate_limit", None)
        if rate is not None and rate.refused:
            return error_response(429, rate.refusal(), "RATE_LIMITED", rate_limit_headers(rate))
        response = await _answer(identity, problem, readers, not_found, work, db)
        if rate is not None:
            response.headers.update(rate_limit_headers(rate))
        return response
    finally:
        await db.close(commit=True)


async def _answer(
    identity: Any, problem: str | None, readers: Any, not_found: str, work: Work, db: RequestDB
) -> Response:
    if identity is None:
        return error(401, problem or "Log in first: send Authorization: Bearer <accessToken>.", "UNAUTHENTICATED")
    tenant = identity.tenant
    if identity.roles.isdisjoint(readers) or tenant is None or tenant.kind != "School":
        return error(404, not_found, "NOT_FOUND")  # the same answer as for a missing one
    try:
        return await work(db, identity, tenant.id)
    except RequestError as exc:
        return error(exc.status, str(exc), exc.code)
