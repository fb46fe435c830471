"""The admission in front of every route (gateway/limits.py AdmissionMiddleware, issue 17): when
the process is full, every route that touches the database answers a JSON 503 with Retry-After at
once (GraphQL, the CSV exports, the file downloads, the unsubscribe page), while the probes, the
metrics, the public keys and GraphiQL's assets still answer. A refusal costs no log line of its
own and keeps the request id and the media type the client asked for. The queueing itself
(anonymous callers shed first, QUEUE_WAIT_MS) is in tests/test_faults.py."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from starlette.routing import Mount, Route, WebSocketRoute

from gateway.app import create_app
from gateway.limits import ADMISSION_EXEMPT_PATHS, ADMISSION_EXEMPT_PREFIXES
from tests.conftest import bearer, make_settings

READ = {"query": "{ roomTypes(first: 1) { totalCount } }"}


@pytest.fixture
async def full(app_url: str) -> AsyncIterator[tuple[Any, httpx.AsyncClient]]:
    """An app admitting one request and queueing none, and a client of it. The test holds the
    one slot itself (admission.try_enter) while it needs the process full."""
    application = create_app(make_settings(max_in_flight=1, max_queued=0), database_url=app_url)
    async with (
        LifespanManager(application),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=application), base_url="http://gateway.test") as client,
    ):
        yield application, client


def _sample_path(route: Any) -> str:
    """A concrete path of the route: each {parameter} filled in."""
    path = re.sub(r"\{[^}]+\}", "x", route.path)
    return f"{path}/graphiql.css" if isinstance(route, Mount) else path


def _exempt(path: str) -> bool:
    return path in ADMISSION_EXEMPT_PATHS or path.startswith(ADMISSION_EXEMPT_PREFIXES)


def _assert_refused(r: httpx.Response, what: str) -> None:
    assert r.status_code == 503, (what, r.status_code, r.text[:200])
    assert r.headers["retry-after"] == "1", what
    assert r.headers["content-type"].startswith("application/json"), what
    (error,) = r.json()["errors"]
    assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE", what
    assert error["extensions"]["reason"] == "queue_full", what
    assert error["extensions"]["requestId"] == r.headers["x-request-id"], what


async def test_every_route_that_touches_the_database_is_refused_when_the_process_is_full(full):
    application, client = full
    admission = application.state.admission
    headers = await bearer(client, "admin@greenwood.demo")
    routes = [r for r in application.routes if not isinstance(r, WebSocketRoute)]
    paths = {_sample_path(r) for r in routes}
    # every exemption names a route that exists (a renamed probe would otherwise be shed)
    assert ADMISSION_EXEMPT_PATHS <= paths, ADMISSION_EXEMPT_PATHS - paths
    admitted_routes = [r for r in routes if not _exempt(_sample_path(r))]
    assert {"/graphql", "/files/x", "/files/student-documents/x", "/unsubscribe"} <= {
        _sample_path(r) for r in admitted_routes
    }
    assert any(_sample_path(r).startswith("/exports/") for r in admitted_routes)

    assert admission.try_enter()  # the process is full from here on
    try:
        for route in routes:
            path = _sample_path(route)
            methods = sorted((route.methods or {"GET"}) - {"HEAD"}) if isinstance(route, Route) else ["GET"]
            for method in methods:
                for caller in ({}, headers):  # anonymous and a user alike: nobody may queue
                    r = await client.request(method, path, headers=caller)
                    what = f"{method} {path} {'user' if caller else 'anonymous'}"
                    if _exempt(path):
                        assert r.status_code != 503, (what, r.text[:200])
                    else:
                        _assert_refused(r, what)
        assert admission.running == 1 and admission.waiting == 0
    finally:
        admission.leave()

    # with the slot free the same routes answer as usual, and each gives its slot back
    assert (await client.post("/graphql", json=READ)).json()["data"]["roomTypes"]["totalCount"] > 0
    assert (await client.get("/exports/daily-cash.csv?date=2026-01-05")).status_code == 401  # no token
    assert (await client.get("/files/not-a-token")).status_code == 403
    assert (await client.get("/unsubscribe?token=forged")).status_code == 400
    assert (admission.running, admission.waiting) == (0, 0)


async def test_a_refusal_keeps_the_request_id_the_media_type_and_cors_and_logs_no_line_of_its_own(full, log_records):
    application, client = full
    records = log_records("gateway.http")
    admission = application.state.admission
    assert admission.try_enter()
    try:
        r = await client.post(
            "/graphql",
            json=READ,
            headers={"X-Request-Id": "client-chosen.42", "Accept": "application/graphql-response+json"},
        )
        assert r.status_code == 503 and r.headers["content-type"] == "application/graphql-response+json"
        assert r.headers["x-request-id"] == "client-chosen.42"
        assert r.json()["errors"][0]["extensions"]["requestId"] == "client-chosen.42"
        # an id that is not sane is replaced, as on any other answer
        r = await client.post("/graphql", json=READ, headers={"X-Request-Id": "no spaces <allowed>"})
        assert re.fullmatch(r"[0-9a-f]{32}", r.headers["x-request-id"]), r.headers["x-request-id"]
        # a browser on another (allowed) origin can read the refusal, and its preflight is not shed
        origin = {"Origin": "http://localhost:5173"}
        r = await client.post("/graphql", json=READ, headers=origin)
        assert r.status_code == 503 and r.headers["access-control-allow-origin"] == "http://localhost:5173"
        assert "Retry-After" in r.headers["access-control-expose-headers"]
        preflight = await client.options("/graphql", headers={**origin, "Access-Control-Request-Method": "POST"})
        assert preflight.status_code == 200
        for _ in range(20):
            _assert_refused(await client.post("/graphql", json=READ), "a refusal under way")
    finally:
        admission.leave()
    # no line per refused request (LOG_REQUESTS logs every 5xx otherwise): one `request shed`
    # line a second at most, with the count since the last one
    assert not [x for x in records if x.getMessage() == "request" and getattr(x, "status", None) == 503]
    shed_lines = [x for x in records if x.getMessage() == "request shed"]
    assert 1 <= len(shed_lines) <= 2 and shed_lines[0].levelno == logging.WARNING, shed_lines


async def test_the_request_duration_counts_the_wait_for_a_slot(app_url):
    """campus_graphql_request_duration_seconds starts when the admission sees the request, so
    an admitted request that queued shows its wait there, as the client sees it."""
    application = create_app(make_settings(max_in_flight=1, max_queued=5, queue_wait_ms=10_000), database_url=app_url)
    async with (
        LifespanManager(application),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=application), base_url="http://gateway.test") as client,
    ):
        before = _anonymous_buckets((await client.get("/metrics")).text)  # the registry is the process's
        admission = application.state.admission
        assert admission.try_enter()
        waiting = asyncio.create_task(client.post("/graphql", json=READ))
        while admission.waiting == 0:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.6)
        admission.leave()  # the slot passes to the waiting request
        assert (await waiting).status_code == 200
        after = _anonymous_buckets((await client.get("/metrics")).text)
    added = {le: after[le] - before.get(le, 0.0) for le in after}
    assert added["+Inf"] == 1 and added["0.5"] == 0, added  # it took the 0.6 s of waiting and more


def _anonymous_buckets(metrics_text: str) -> dict[str, float]:
    """{le: count} of the request-duration histogram of unnamed operations."""
    return {
        line.split('le="', 1)[1].split('"', 1)[0]: float(line.rsplit(" ", 1)[1])
        for line in metrics_text.splitlines()
        if line.startswith("campus_graphql_request_duration_seconds_bucket{") and 'operation="anonymous"' in line
    }
