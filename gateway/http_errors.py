"""Error answers of the HTTP layer: always JSON in GraphQL's error shape, always with the
request id (also in the X-Request-Id header), never a traceback or plain text."""

from __future__ import annotations

import uuid
from typing import Any

import orjson
from starlette.responses import Response

from gateway.logs import request_id_var


def error_body(message: str, code: str, **extensions: Any) -> dict[str, Any]:
    return {
        "errors": [
            {"message": message, "extensions": {"code": code, "requestId": request_id_var.get() or "", **extensions}}
        ]
    }


def rate_limited_body(rate: Any) -> dict[str, Any]:
    """The refusal of a caller past its budget (kit/ratelimit.py `RateLimitState`), the same over
    HTTP and for a subscription: RATE_LIMITED with when to come back and the budget's figures."""
    return error_body(
        rate.refusal(),
        "RATE_LIMITED",
        retryAfter=rate.retry_after,
        resetAt=rate.reset_at.isoformat(),
        cost=rate.cost,
        limit=rate.limit,
        remaining=rate.remaining,
    )


def error_response(
    status: int, message: str, code: str, headers: dict[str, str] | None = None, media_type: str = "application/json"
) -> Response:
    return Response(orjson.dumps(error_body(message, code)), status_code=status, media_type=media_type, headers=headers)


def internal_error_body() -> tuple[dict[str, Any], str]:
    """The masked answer of an unexpected failure, and the id it is logged under."""
    error_id = uuid.uuid4().hex[:12]
    return error_body(f"Internal error; reference {error_id}.", "INTERNAL_SERVER_ERROR", errorId=error_id), error_id


# The database went away, or the server is too busy to start the request (issue 17): 503 with
# Retry-After for the whole request, or this code on the fields that could not be served.
UNAVAILABLE = "SERVICE_UNAVAILABLE"
RETRY_AFTER = "1"


def unavailable_error(request_id: str) -> dict[str, Any]:
    return {
        "message": "The database is unavailable; retry shortly.",
        "extensions": {"code": UNAVAILABLE, "requestId": request_id},
    }


def unavailable_response(message: str, reason: str, media_type: str = "application/json") -> Response:
    """503, Retry-After and SERVICE_UNAVAILABLE with `reason`: `queue_full`, `queue_timeout`,
    `pool_timeout` (shed: nothing ran, send it again as it is) or `database` (the database went
    away; a write whose COMMIT was cut may or may not have happened: retry it with the same
    idempotency key)."""
    body = error_body(message, UNAVAILABLE, reason=reason)
    return Response(orjson.dumps(body), status_code=503, media_type=media_type, headers={"Retry-After": RETRY_AFTER})
