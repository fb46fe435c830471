"""The line per request (gateway/app.py, LOG_REQUESTS): by default only the requests an operator
follows up (answered 4xx/5xx, or slower than LOG_SLOW_MS), every request with `all`."""

from __future__ import annotations

import logging
import uuid
from typing import Any

import httpx
from asgi_lifespan import LifespanManager

from gateway.app import create_app
from tests.conftest import bearer, make_settings


def _lines(records: list[logging.LogRecord], request_id: str) -> list[logging.LogRecord]:
    return [
        r
        for r in records
        if r.name == "gateway.http" and r.getMessage() == "request" and getattr(r, "request_id", None) == request_id
    ]


async def _post(client: httpx.AsyncClient, body: bytes, headers: dict[str, str]) -> tuple[str, int]:
    request_id = uuid.uuid4().hex
    response = await client.post(
        "/graphql", content=body, headers={**headers, "X-Request-Id": request_id, "Content-Type": "application/json"}
    )
    return request_id, response.status_code


async def test_by_default_a_failed_request_is_logged_and_a_quick_good_one_is_not(client, log_records):
    records = log_records("gateway.http")
    headers = await bearer(client, "teacher@greenwood.demo")
    good, status = await _post(client, b'{"query": "{ me { user { email } } }"}', headers)
    assert status == 200
    bad, status = await _post(client, b'{"query": ', headers)
    assert status == 400
    assert _lines(records, good) == []
    [line] = _lines(records, bad)
    assert (line.method, line.path, line.status) == ("POST", "/graphql", 400)
    assert line.ms >= 0


async def _one_read(app_url: str, **settings: Any) -> tuple[str, int]:
    """One teacher's read through an app made with `settings`: (its request id, its status)."""
    application = create_app(make_settings(**settings), database_url=app_url)
    async with LifespanManager(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as c:
            headers = await bearer(c, "teacher@greenwood.demo")
            return await _post(c, b'{"query": "{ me { user { email } } }"}', headers)


async def test_with_log_requests_all_every_request_is_logged(app_url, log_records):
    records = log_records("gateway.http")
    good, status = await _one_read(app_url, log_requests="all")
    assert status == 200
    [line] = _lines(records, good)
    assert (line.method, line.path, line.status) == ("POST", "/graphql", 200)


async def test_a_slow_request_is_logged_by_default(app_url, log_records):
    records = log_records("gateway.http")
    # every request is "slow" past a threshold of 0 ms: the default mode logs it
    good, status = await _one_read(app_url, log_slow_ms=0)
    assert status == 200
    assert len(_lines(records, good)) == 1
