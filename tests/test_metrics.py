"""/metrics (gateway/metrics.py): what an operator's Prometheus reads, through HTTP.

Counters are process-wide: each test reads them before and after its own requests and
compares the differences (tests in a process run one after another)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from prometheus_client.parser import text_string_to_metric_families

import demo
from gateway.app import create_app
from tests.conftest import GQL, bearer, make_settings
from tests.test_http_edge import _keys

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def scrape(client: httpx.AsyncClient, headers: dict[str, str] | None = None) -> Samples:
    r = await client.get("/metrics", headers=headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain; version=")  # the exposition format
    out: Samples = {}
    for family in text_string_to_metric_families(r.text):
        for s in family.samples:
            out[(s.name, frozenset(s.labels.items()))] = s.value
    return out


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def delta(before: Samples, after: Samples, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


def op_name(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"  # a GraphQL name of its own: its series starts at zero


@pytest.fixture(scope="module")
async def metrics_app(app_url: str) -> AsyncIterator[Any]:
    """An app of its own: its cap of operation names is not used up by the rest of the suite."""
    application = create_app(make_settings(), database_url=app_url)
    async with LifespanManager(application):
        yield application


def _client(app: Any, ip: str | None = None) -> httpx.AsyncClient:
    # an address of its own: failed logins here never count against another test's address
    client = (ip or f"10.6.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}", 5000)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=client), base_url="http://t")


async def test_requests_are_counted_by_operation_and_outcome_with_their_latency_and_sql(metrics_app):
    async with _client(metrics_app) as client:
        gql = GQL(client)
        gql.headers.update(await bearer(client, "superadmin@demo.campus"))  # the login before the first reading
        good, failing, invalid = op_name("Good"), op_name("Failing"), op_name("Invalid")
        before = await scrape(client)

        reported = 0
        for _ in range(3):
            body = await gql(f"query {good} {{ schools(first: 2) {{ totalCount edges {{ node {{ name }} }} }} }}")
            stats = body["extensions"]["stats"]
            reported += stats["sqlStatements"] + stats["sqlSetupStatements"]
        # the lone operation of a document, run without operationName: still counted under its name
        failed = await gql(f'query {failing} {{ node(id: "not-an-id") {{ id }} }}', expect_errors=True)
        assert failed.get("errors"), failed
        # anonymous: no identity lookup, so no SQL that an answer would not report
        bad = await client.post("/graphql", json={"query": f"query {invalid} {{ noSuchField }}"}, headers=GQL.ACCEPT)
        assert bad.status_code == 400
        anonymous = await gql("{ schools(first: 1) { totalCount } }")
        reported += anonymous["extensions"]["stats"]["sqlStatements"]
        reported += anonymous["extensions"]["stats"]["sqlSetupStatements"]
        reported += failed["extensions"]["stats"]["sqlStatements"] + failed["extensions"]["stats"]["sqlSetupStatements"]

        after = await scrape(client)

    requests = "campus_graphql_requests_total"
    assert delta(before, after, requests, operation=good, outcome="ok") == 3
    assert delta(before, after, requests, operation=failing, outcome="error") == 1
    assert delta(before, after, requests, operation=failing, outcome="ok") == 0
    # a document that does not validate does not name a series: it is counted as `unknown`
    assert value(after, requests, operation=invalid, outcome="invalid") == 0
    assert delta(before, after, requests, operation="unknown", outcome="invalid") == 1
    assert delta(before, after, requests, operation="anonymous", outcome="ok") >= 1

    duration = "campus_graphql_request_duration_seconds"
    assert delta(before, after, f"{duration}_count", operation=good) == 3
    assert delta(before, after, f"{duration}_sum", operation=good) > 0
    assert delta(before, after, f"{duration}_bucket", operation=good, le="+Inf") == 3

    # one observation per /graphql request (the scrapes are not GraphQL requests), and the SQL
    # statements they ran add up to what the answers themselves reported
    assert delta(before, after, "campus_sql_statements_per_request_count") == 6
    assert delta(before, after, "campus_sql_statements_per_request_sum") == reported
    assert delta(before, after, "campus_sql_seconds_per_request_count") == 6
    assert delta(before, after, "campus_sql_seconds_per_request_sum") > 0


async def test_a_batch_is_one_request_counted_as_its_worst_member(metrics_app):
    async with _client(metrics_app) as client:
        headers = {**GQL.ACCEPT, **(await bearer(client, "superadmin@demo.campus"))}
        before = await scrape(client)
        r = await client.post(
            "/graphql",
            json=[{"query": "{ schools(first: 1) { totalCount } }"}, {"query": "{ noSuchField }"}],
            headers=headers,
        )
        assert r.status_code == 200 and len(r.json()) == 2
        after = await scrape(client)
    assert delta(before, after, "campus_graphql_requests_total", operation="batch", outcome="invalid") == 1
    assert delta(before, after, "campus_sql_statements_per_request_count") == 1


async def test_operation_names_are_capped_so_clients_cannot_grow_the_label_set(app_url):
    application = create_app(make_settings(metrics_max_operations=2), database_url=app_url)
    names = [op_name("Capped") for _ in range(4)]
    async with LifespanManager(application), _client(application) as client:
        before = await scrape(client)
        for name in names:
            r = await client.post("/graphql", json={"query": f"query {name} {{ __typename }}"})
            assert r.status_code == 200 and r.json()["data"] == {"__typename": "Query"}
        r = await client.post("/graphql", json={"query": f"query {names[0]} {{ __typename }}"})
        assert r.status_code == 200
        after = await scrape(client)
    requests = "campus_graphql_requests_total"
    assert delta(before, after, requests, operation=names[0], outcome="ok") == 2  # known names keep their series
    assert delta(before, after, requests, operation=names[1], outcome="ok") == 1
    for name in names[2:]:
        assert (requests, frozenset({("operation", name), ("outcome", "ok")})) not in after
    assert delta(before, after, requests, operation="other", outcome="ok") == 2


async def test_failed_logins_and_lockouts_are_counted(metrics_app):
    email = f"nobody-{uuid.uuid4().hex[:10]}@metrics.test"  # no such user: no demo row changes
    async with _client(metrics_app) as client:
        before = await scrape(client)
        codes = []
        for _ in range(7):  # LOGIN_MAX_FAILURES (5) failures, then the account is locked
            r = await client.post(
                "/graphql",
                json={
                    "query": "mutation($i: TokenCreateInput!) { tokenCreate(input: $i) { errors { code } } }",
                    "variables": {"i": {"email": email, "password": "wrong-Password-1"}},
                },
            )
            codes.append(r.json()["data"]["tokenCreate"]["errors"][0]["code"])
        after = await scrape(client)
    assert codes == ["INVALID"] * 5 + ["LOCKED"] * 2
    assert delta(before, after, "campus_login_failures_total", reason="unknown_email") == 5
    assert delta(before, after, "campus_login_lockouts_total") == 2


async def test_a_successful_login_moves_no_failure_counter(metrics_app):
    async with _client(metrics_app) as client:
        before = await scrape(client)
        r = await client.post(
            "/graphql",
            json={
                "query": "mutation($i: TokenCreateInput!) { tokenCreate(input: $i) { accessToken errors { code } } }",
                "variables": {"i": {"email": "teacher@greenwood.demo", "password": demo.DEMO_PASSWORD}},
            },
        )
        assert r.json()["data"]["tokenCreate"]["accessToken"]
        after = await scrape(client)
    for reason in ("unknown_email", "bad_password", "inactive"):
        assert delta(before, after, "campus_login_failures_total", reason=reason) == 0
    assert delta(before, after, "campus_login_lockouts_total") == 0


async def test_the_pool_is_read_when_scraped(metrics_app):
    async with _client(metrics_app) as client:
        r = await client.post("/graphql", json={"query": "{ roomTypes(first: 1) { totalCount } }"})
        assert r.status_code == 200 and "errors" not in r.json(), r.text
        samples = await scrape(client)
    settings = metrics_app.state.settings
    assert value(samples, "campus_db_pool_connections_size") == settings.db_pool_size
    # nothing is in flight while the scrape is answered (it takes no connection itself)
    assert value(samples, "campus_db_pool_connections_in_use") == 0
    assert value(samples, "campus_db_pool_connections_waiting") == 0
    assert value(samples, "campus_db_pool_connections_idle") >= 1  # the request's connection, back in the pool


async def test_the_job_queue_figures_are_read_from_the_queue_at_scrape_time(metrics_app, db):
    """The app registers the queue's own counts (resolvers/jobs/views.py `queue_stats`): a job
    waiting and a job failed for good, on a queue of this test's own, show in the next scrape."""
    queue = f"metrics-{uuid.uuid4().hex[:8]}"
    async with _client(metrics_app) as client:
        before = await scrape(client)
        assert not any(dict(labels).get("queue") == queue for _, labels in before)
        await db.execute(
            "INSERT INTO procrastinate.procrastinate_jobs (queue_name, task_name, args, status, scheduled_at)"
            " VALUES ($1, 'metrics_probe', '{}', 'todo', now() + interval '30 days'),"
            " ($1, 'metrics_probe', '{}', 'failed', NULL), ($1, 'metrics_probe', '{}', 'failed', NULL)",
            queue,
        )
        try:
            samples = await scrape(client)
        finally:
            await db.execute("DELETE FROM procrastinate.procrastinate_jobs WHERE queue_name = $1", queue)
        assert value(samples, "campus_jobs_queued", queue=queue) == 1
        assert value(samples, "campus_jobs_failed", queue=queue) == 2
        assert not any(dict(labels).get("queue") == queue for _, labels in await scrape(client))


async def test_development_serves_metrics_on_the_main_port_without_a_token(client):
    r = await client.get("/metrics")
    assert r.status_code == 200 and "campus_graphql_requests_total" in r.text


async def test_production_without_a_token_does_not_serve_metrics(app_url):
    application = create_app(make_settings(env="production", jwt_private_keys=_keys()), database_url=app_url)
    async with LifespanManager(application), _client(application) as client:
        r = await client.get("/metrics")
        assert r.status_code == 404 and "campus_" not in r.text
        r = await client.get("/metrics", headers={"Authorization": "Bearer anything"})
        assert r.status_code == 404 and "campus_" not in r.text


async def test_production_serves_metrics_only_to_the_bearer_of_the_token(app_url):
    token = uuid.uuid4().hex
    application = create_app(
        make_settings(env="production", jwt_private_keys=_keys(), metrics_token=token), database_url=app_url
    )
    async with LifespanManager(application), _client(application) as client:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {token}"}):
            r = await client.get("/metrics", headers=headers)
            assert r.status_code == 401, headers
            assert "campus_" not in r.text and r.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        samples = await scrape(client, {"Authorization": f"Bearer {token}"})
    assert ("campus_db_pool_connections_size", frozenset()) in samples


async def test_metrics_can_be_switched_off(app_url):
    application = create_app(make_settings(metrics=False), database_url=app_url)
    async with LifespanManager(application), _client(application) as client:
        assert (await client.get("/metrics")).status_code == 404
        r = await client.post("/graphql", json={"query": "{ __typename }"})
        assert r.status_code == 200


@pytest.mark.slow
def test_several_worker_processes_report_their_sum(app_url, tmp_path):
    """`uvicorn --workers 2` with PROMETHEUS_MULTIPROC_DIR: whichever worker answers the scrape,
    it reports every worker's requests, and the pool gauges add up the live workers' pools."""
    import os
    import socket
    import subprocess
    import sys
    import time

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    folder = tmp_path / "prometheus"
    folder.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "METRICS"))}
    env.update(
        DATABASE_URL=app_url,
        PROMETHEUS_MULTIPROC_DIR=str(folder),
        JWT_PRIVATE_KEYS=_keys(),  # both workers sign with the same key
        DB_POOL_SIZE="3",
        LOG_LEVEL="WARNING",
        LOG_JSON="false",
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "gateway.app:app_from_env", "--workers", "2"]
        + ["--host", "127.0.0.1", "--port", str(port), "--no-access-log"],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"

    def samples() -> Samples:
        r = httpx.get(f"{base}/metrics", timeout=5, headers={"Connection": "close"})
        assert r.status_code == 200, r.text
        return {
            (s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(r.text)
            for s in family.samples
        }

    try:
        deadline = time.time() + 180  # two workers importing the gateway on a loaded machine
        while True:  # both workers up: each has put its pool of 3 into the sum
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            try:
                if value(samples(), "campus_db_pool_connections_size") == 6:
                    break
            except httpx.HTTPError:
                pass
            assert time.time() < deadline, "the two workers did not both report their pool"
            time.sleep(0.5)
        name = op_name("Workers")
        for _ in range(20):  # a new connection each: the workers share the listening socket
            r = httpx.post(
                f"{base}/graphql",
                json={"query": f"query {name} {{ roomTypes(first: 1) {{ totalCount }} }}"},  # public: no login
                headers={"Connection": "close"},
                timeout=10,
            )
            assert r.status_code == 200 and "errors" not in r.json(), r.text
        for _ in range(6):  # every answer of the scrape, from either worker, has the whole count
            got = samples()
            assert value(got, "campus_graphql_requests_total", operation=name, outcome="ok") == 20
            assert value(got, "campus_graphql_request_duration_seconds_count", operation=name) == 20
        assert len(list(folder.glob("counter_*.db"))) == 2  # one file of counters per worker
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
