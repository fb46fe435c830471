"""Plain HTTP routes of a school (file downloads, CSV exports) under GraphQL's rules: the
same token, identity, tenant and roles; a caller without the right gets the same 404 as a
missing thing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from kit.db import RequestDB
from gateway.graphql_http import GraphQLHTTP, RequestError
from gateway.http_errors import error_response

# work(db, identity, school_id) -> the response (or raises RequestError)
Work = Callable[[RequestDB, Any, int], Awaitable[Response]]


def error(status: int, message: str, code: str) -> Response:
    return error_response(status, message, code)


async def for_school_caller(
    graphql: GraphQLHTTP, request: Request, readers: frozenset[str] | tuple[str, ...], not_found: str, work: Work
) -> Response:
    """Run `work` for a caller holding one of `readers` in a school tenant, on a read-only
    connection scoped like a GraphQL request; 401 without a token, 404 otherwise."""
    db = RequestDB(graphql.engine, read_only=True)
    try:
        try:
            identity, problem = await graphql.identify(request, db)
        except RequestError as exc:
            return error(exc.status, str(exc), exc.code)
        if identity is None:
            return error(401, problem or "Log in first: send Authorization: Bearer <accessToken>.", "UNAUTHENTICATED")
        tenant = identity.tenant
        if identity.roles.isdisjoint(readers) or tenant is None or tenant.kind != "School":
            return error(404, not_found, "NOT_FOUND")  # the same answer as for a missing one
        try:
            return await work(db, identity, tenant.id)
        except RequestError as exc:
            return error(exc.status, str(exc), exc.code)
    finally:
        await db.close(commit=True)
