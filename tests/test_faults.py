"""Faults (issue 17): the database restarting under load, more requests than the process can
take, a statement that runs away. Every answer stays JSON with its request id; nothing is lost
or done twice; once the database accepts connections again, every request succeeds."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from asgi_lifespan import LifespanManager

from gateway.app import create_app
from resolvers.jobs.tasks import accrue_late_fees, opened
from tests.conftest import login, make_settings, unique
from tests.template_db import database_copy, server_copy
from tests.test_payments import RECORD, _arrange, _input, _open_day, _school

ROOT = Path(__file__).resolve().parent.parent
ACCOUNTANT, ADMIN = "accounts@greenwood.demo", "admin@greenwood.demo"
ANONYMOUS_READ = "{ roomTypes(first: 2) { totalCount } }"
USER_READ = "{ me { rolesInForce } students(first: 2) { totalCount } }"
JSON_TYPES = ("application/json", "application/graphql-response+json")


def _libpq(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


@pytest.fixture
def own_pg(pg: Any, tmp_path: Path) -> Any:
    """A PostgreSQL of this test alone (it is restarted: the session's is shared by the other
    tests), started on a base backup of the session's server: its roles and its migrated
    database with the demo data (a file copy, tests/template_db.py, not a dump restored)."""
    server = server_copy(pg, tmp_path / "pg")
    try:
        yield server
    finally:
        server.cleanup()


def _restart(server: Any) -> None:
    """`pg_ctl restart -m fast` as the issue's operator ran it: connections are cut, the socket
    goes away, the server starts again with the same options; returns once it accepts connections."""
    inner = server.server
    binary = str(Path(inner.bin_path) / "pg_ctl")
    # the new postmaster inherits pg_ctl's standard streams: pipes would never reach EOF
    subprocess.run(
        [binary, "-D", str(inner.pgdata), "-l", str(inner.log), "-m", "fast", "-w", "-t", "60", "restart"],
        check=True,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=90,
        user=inner.system_user,
    )


class Tally:
    """Every answer of the load, with when its request started."""

    def __init__(self) -> None:
        self.answers: list[tuple[float, str, int, str]] = []  # (started, what, status, problem or "")
        self.latency: list[tuple[float, float]] = []  # (started, seconds)

    def check(self, what: str, started: float, r: httpx.Response) -> bool:
        """True when the answer succeeded; records it, and any way it is not a clean answer."""
        problem = ""
        if r.headers.get("content-type", "").split(";")[0] not in JSON_TYPES:
            problem = f"not JSON: {r.headers.get('content-type')} {r.text[:80]!r}"
        elif not r.headers.get("x-request-id"):
            problem = "no request id"
        else:
            body = r.json()
            errors = body.get("errors") or []
            codes = {e.get("extensions", {}).get("code") for e in errors}
            if r.status_code == 503:
                if codes != {"SERVICE_UNAVAILABLE"} or r.headers.get("retry-after") != "1":
                    problem = f"a 503 without SERVICE_UNAVAILABLE and Retry-After: {r.headers} {body}"
                elif body["errors"][0]["extensions"].get("requestId") != r.headers["x-request-id"]:
                    problem = "the error's requestId is not the header's"
                else:
                    problem = f"unavailable: {body['errors'][0]['extensions'].get('reason')}"
            elif r.status_code != 200:
                problem = f"status {r.status_code}: {body}"
            elif errors:
                problem = "unavailable: field" if codes == {"SERVICE_UNAVAILABLE"} else f"errors: {errors}"
        self.answers.append((started, what, r.status_code, problem))
        self.latency.append((started, time.monotonic() - started))
        return not problem


@pytest.mark.slow
async def test_a_database_restart_under_load_is_a_short_clean_event(own_pg):
    owner = await asyncpg.create_pool(_libpq(own_pg.url()), min_size=1, max_size=2)
    application = create_app(
        # waits bounded only loosely: this test is about the restart, not about shedding (the
        # connections are all new after it, their first statements slower on a loaded machine)
        make_settings(db_pool_size=6, queue_wait_ms=30_000, db_pool_timeout_ms=30_000),
        database_url=own_pg.url(user="campus_app"),
    )
    try:
        async with (
            LifespanManager(application),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=application), base_url="http://gateway.test") as c,
        ):
            await _under_load_through_a_restart(own_pg, owner, c)
    finally:
        await owner.close()


async def _under_load_through_a_restart(server: Any, owner: asyncpg.Pool, client: httpx.AsyncClient) -> None:
    school = await _school(owner)
    fees = await _arrange(owner, school, ["100000.00"])
    (assignment,), student, day = fees["assignments"], fees["student"], await _open_day(owner, school["id"])
    tokens = {email: (await login(client, email))["accessToken"] for email in (ACCOUNTANT, ADMIN)}
    accountant = {"Authorization": f"Bearer {tokens[ACCOUNTANT]}"}
    admin = {"Authorization": f"Bearer {tokens[ADMIN]}"}
    tally = Tally()
    paid: dict[str, str] = {}  # idempotency key -> the payment's id, once recorded
    stop = asyncio.Event()
    readiness: list[tuple[float, int, int]] = []  # (when, /readyz, /healthz)

    async def post(what: str, body: dict[str, Any], headers: dict[str, str]) -> tuple[bool, Any]:
        started = time.monotonic()
        r = await client.post("/graphql", json=body, headers=headers)
        return tally.check(what, started, r), r

    async def reader(n: int) -> None:
        while not stop.is_set():
            if n % 2:
                await post("anonymous read", {"query": ANONYMOUS_READ}, {})
            else:
                await post("user read", {"query": USER_READ}, admin)

    async def payer() -> None:
        while not stop.is_set():
            key = unique("restart")
            payment = {"query": RECORD, "variables": {"input": _input(student, day, [(assignment, "1.00")], key=key)}}
            # a client retries a payment that was not answered with the SAME key until it is
            while True:
                ok, r = await post("payment", payment, accountant)
                if ok:
                    payload = r.json()["data"]["feePaymentRecord"]
                    assert payload["errors"] == [], payload
                    paid[key] = payload["feePayment"]["id"]
                    break
                await asyncio.sleep(0.05)

    async def probes() -> None:
        while not stop.is_set():
            ready, health = await client.get("/readyz"), await client.get("/healthz")
            readiness.append((time.monotonic(), ready.status_code, health.status_code))
            await asyncio.sleep(0.05)

    workers = [asyncio.create_task(reader(n)) for n in range(8)]
    workers += [asyncio.create_task(payer()) for _ in range(3)]
    workers.append(asyncio.create_task(probes()))
    await asyncio.sleep(1.0)  # the load is under way, the pool full of connections
    restart_began = time.monotonic()
    await asyncio.to_thread(_restart, server)
    back = time.monotonic()  # PostgreSQL accepts connections again
    # the load goes on until 40 requests sent after it were answered (at most 60 s: a loaded machine)
    for _ in range(600):
        if sum(1 for a in tally.answers if a[0] >= back) >= 40:
            break
        await asyncio.sleep(0.1)
    stop.set()
    await asyncio.wait_for(asyncio.gather(*workers), 60)

    after = sorted(s for started, s in tally.latency if started >= back)
    print(f"restart {back - restart_began:.2f} s; {len(after)} requests after it, slowest {after[-1]:.2f} s")
    unclean = [a for a in tally.answers if a[3] and not a[3].startswith("unavailable")]
    assert not unclean, unclean[:5]  # every answer JSON with its request id, failures only SERVICE_UNAVAILABLE
    failed_after = [a for a in tally.answers if a[0] >= back and a[3]]
    assert not failed_after, failed_after[:5]  # the first request after it is back succeeds, and every one after
    assert [a for a in tally.answers if a[3].startswith("unavailable")], "the restart was not seen by any request"
    assert sum(1 for a in tally.answers if a[0] >= back) >= 40  # the load did go on after it
    # the probes: /healthz always 200; /readyz 200 before, 503 while it was down, 200 again once it is back
    assert {h for _, _, h in readiness} == {200}
    assert all(r == 200 for when, r, _ in readiness if when < restart_began - 0.2), readiness
    assert any(r == 503 for when, r, _ in readiness if restart_began <= when <= back), readiness
    assert all(r == 200 for when, r, _ in readiness if when >= back + 0.2), readiness
    # every payment answered is recorded once, and nothing else was paid
    async with owner.acquire() as conn:
        rows = await conn.fetch(
            "SELECT idempotency_key, count(*) AS n, sum(principal_paid) AS total FROM fee_payments "
            "WHERE student_id = $1 GROUP BY idempotency_key",
            student,
        )
        paid_on_assignment = await conn.fetchval(
            "SELECT principal_paid FROM student_fee_assignments WHERE id = $1", assignment
        )
    recorded = {row["idempotency_key"]: row["n"] for row in rows}
    assert recorded == {key: 1 for key in paid}, (len(recorded), len(paid))
    assert paid_on_assignment == Decimal(len(paid)) == sum(row["total"] for row in rows)


# ---- SIGTERM: a real `campus serve` stops under load ------------------------------------------------


@pytest.fixture
def own_database(pg: Any) -> Any:
    """A database of this test alone on the session's server (a copy of the template: migrated,
    the demo data): the server's job worker runs every job and periodic task it finds there."""
    name = f"campus_sigterm_{unique('x').split('-')[1]}"
    try:
        yield database_copy(pg, name)
    finally:
        pg.server.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE);')


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


WAITING_ON_LOCK = """SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
  AND application_name = $1 AND wait_event_type = 'Lock'"""


async def _until(check: Any, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not await check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


@pytest.mark.slow
async def test_sigterm_under_load_cuts_no_request_and_loses_no_job(own_database, tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "MIGRATION_DATABASE_URL")}
    env.update(
        DATABASE_URL=own_database.url(user="campus_app"),
        MIGRATION_DATABASE_URL=own_database.url(),
        DATA_DIR=str(tmp_path),
        LOG_JSON="false",
        LOG_LEVEL="WARNING",
        JOB_SHUTDOWN_SECONDS="1",
        SHUTDOWN_GRACE_SECONDS="30",
        DB_POOL_SIZE="12",
    )
    log_file = tmp_path / "serve.log"  # a file, not a pipe: a full pipe would stop the server
    with log_file.open("w") as out:  # the child keeps its own copy of the descriptor
        server = subprocess.Popen(
            [sys.executable, "-m", "gateway.cli", "serve", "--no-demo", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    owner = await asyncpg.create_pool(_libpq(own_database.url()), min_size=3, max_size=3)
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base, timeout=60) as client:

            async def ready() -> bool:
                assert server.poll() is None, log_file.read_text()
                try:
                    return (await client.get("/readyz")).status_code == 200
                except httpx.TransportError:
                    return False

            await _until(ready, "the server to start", 240)
            await _stop_under_load(server, owner, client, base, own_database)
    finally:
        if server.poll() is None:
            server.kill()
        server.wait(60)
        await owner.close()
    output = log_file.read_text()
    assert server.returncode == 0, output
    assert "Traceback" not in output, output


async def _stop_under_load(
    server: subprocess.Popen, owner: asyncpg.Pool, client: httpx.AsyncClient, base: str, db: Any
) -> None:
    school = await make_school(owner)
    lock, schools_lock = await owner.acquire(), await owner.acquire()
    try:
        # a job that is running when the stop comes: its first read waits for this lock
        await schools_lock.execute("BEGIN; LOCK TABLE schools IN ACCESS EXCLUSIVE MODE")
        async with opened(db.url(user="campus_app")):
            job_id = await accrue_late_fees.defer_async(school_id=school, day="2020-01-01")

        async def job_status() -> str:
            return await owner.fetchval(
                "SELECT status::text FROM procrastinate.procrastinate_jobs WHERE id = $1", job_id
            )

        async def job_waits() -> bool:
            return await job_status() == "doing" and await owner.fetchval(WAITING_ON_LOCK, "campus-worker") >= 1

        await _until(job_waits, "the job to run and wait for its lock")

        # requests in flight when the stop comes: each waits for this lock inside the gateway
        await lock.execute("BEGIN; LOCK TABLE room_type_definitions IN ACCESS EXCLUSIVE MODE")
        in_flight = [
            asyncio.create_task(client.post("/graphql", json={"query": "{ roomTypes(first: 1) { totalCount } }"}))
            for _ in range(6)
        ]

        async def all_wait() -> bool:
            return await owner.fetchval(WAITING_ON_LOCK, "campus-gateway") >= 6

        await _until(all_wait, "the requests to wait for their lock")

        # and a steady load on a table nobody locks, each request on a connection of its own
        outcomes: list[tuple[float, str]] = []
        stop_load = asyncio.Event()

        async def load() -> None:
            async with httpx.AsyncClient(
                base_url=base, timeout=60, limits=httpx.Limits(max_keepalive_connections=0)
            ) as c:
                while not stop_load.is_set():
                    started = time.monotonic()
                    try:
                        r = await c.post("/graphql", json={"query": "{ hostels(first: 1) { totalCount } }"})
                    except httpx.ConnectError:
                        outcomes.append((started, "refused"))
                    except httpx.RemoteProtocolError as exc:
                        # closed before any byte of an answer: the server never took the request
                        kind = "refused" if "without sending" in str(exc) else f"cut: {exc}"
                        outcomes.append((started, kind))
                    except httpx.ReadError as exc:
                        outcomes.append((started, f"reset: {exc!r}"))
                    else:
                        data = r.json().get("data") if r.status_code == 200 else None
                        good = bool(data) and data["hostels"]["totalCount"] > 0
                        outcomes.append((started, "ok" if good else f"bad: {r.status_code} {r.text[:200]}"))

        loaders = [asyncio.create_task(load()) for _ in range(3)]
        await asyncio.sleep(0.5)
        sigterm_at = time.monotonic()
        server.send_signal(signal.SIGTERM)
        await asyncio.sleep(1.5)
        # still draining: the process lives, the requests in flight wait, no new connection is taken
        assert server.poll() is None
        assert not any(t.done() for t in in_flight)
        async with httpx.AsyncClient(base_url=base, timeout=5) as fresh:  # no kept-alive connection
            with pytest.raises(httpx.ConnectError):
                await fresh.get("/healthz")
        stop_load.set()
        await asyncio.gather(*loaders)
        await lock.execute("ROLLBACK")
        answers = await asyncio.gather(*in_flight)
        # every request in flight when the stop came is answered in full
        for r in answers:
            assert r.status_code == 200 and "errors" not in r.json(), r.text
            assert r.json()["data"]["roomTypes"]["totalCount"] > 0, r.text
        await asyncio.to_thread(server.wait, 60)
        # the load: answered in full before the stop; after it, refused, never cut mid-answer
        assert [o for o in outcomes if o[1] == "ok" and o[0] < sigterm_at], "the load did not run"
        cut = [o for o in outcomes if o[1] not in ("ok", "refused") and not o[1].startswith("reset")]
        assert not cut, cut
        early = [o for o in outcomes if o[0] < sigterm_at - 0.5 and o[1] != "ok"]
        assert not early, early
        # the job cut short by the stop is back in the queue, to run again
        assert await job_status() == "todo"
    finally:
        for conn in (lock, schools_lock):
            await conn.execute("ROLLBACK")
            await owner.release(conn)
    assert await owner.fetchval("SELECT attempts FROM procrastinate.procrastinate_jobs WHERE id = $1", job_id) == 1


async def make_school(owner: asyncpg.Pool) -> int:
    code = unique("SIGTERM")
    return await owner.fetchval(
        "INSERT INTO schools (name, school_code, city) VALUES ($1, $2, 'Nowhere') RETURNING id", code, code
    )


# ---- bounded waiting and load shedding ------------------------------------------------------------


def _shed_count(metrics_text: str, reason: str, caller: str) -> float:
    for line in metrics_text.splitlines():
        if (
            line.startswith("campus_requests_shed_total{")
            and f'reason="{reason}"' in line
            and f'caller="{caller}"' in line
        ):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


async def test_past_the_queue_requests_are_refused_at_once_anonymous_callers_first(app_url, db):
    application = create_app(make_settings(max_in_flight=1, max_queued=4, queue_wait_ms=30_000), database_url=app_url)
    read = {"query": "{ roomTypes(first: 1) { totalCount } }"}
    async with (
        LifespanManager(application),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=application), base_url="http://gateway.test") as client,
    ):
        user = {"Authorization": f"Bearer {(await login(client, ADMIN))['accessToken']}"}
        before = (await client.get("/metrics")).text
        admission = application.state.metrics.admission
        done: list[str] = []

        async def send(name: str, headers: dict[str, str]) -> httpx.Response:
            r = await client.post("/graphql", json=read, headers=headers)
            done.append(name)
            return r

        async def queued(n: int) -> bool:
            return admission.waiting == n

        async with db.acquire() as conn, conn.transaction():
            # the one slot is taken by a request that waits for this lock
            await conn.execute("LOCK TABLE room_type_definitions IN ACCESS EXCLUSIVE MODE")
            first = asyncio.create_task(send("first", {}))
            await _until(lambda: _true(admission.running == 1 and not admission.waiting), "the slot to be taken")
            # two anonymous callers wait (half of the queue is theirs); the third is refused at once
            anonymous = [asyncio.create_task(send(f"anonymous {i}", {})) for i in range(2)]
            await _until(lambda: queued(2), "two anonymous callers to queue")
            refused = await client.post("/graphql", json=read)
            # users fill the rest of the queue; past it they are refused too
            users = [asyncio.create_task(send(f"user {i}", user)) for i in range(2)]
            await _until(lambda: queued(4), "two users to queue")
            refused_user = await client.post("/graphql", json=read, headers=user)
            assert not any(t.done() for t in [first, *anonymous, *users])
        # the lock is gone: the slot passes to the waiting users first, then to the anonymous callers
        answers = await asyncio.gather(first, *users, *anonymous)
        assert all(r.status_code == 200 and r.json()["data"]["roomTypes"]["totalCount"] > 0 for r in answers)
        assert done == ["first", "user 0", "user 1", "anonymous 0", "anonymous 1"], done
        for r, caller in ((refused, "anonymous"), (refused_user, "user")):
            assert r.status_code == 503 and r.headers["retry-after"] == "1", r.text
            (error,) = r.json()["errors"]
            assert (
                error["extensions"]["code"] == "SERVICE_UNAVAILABLE" and error["extensions"]["reason"] == "queue_full"
            )
            assert error["extensions"]["requestId"] == r.headers["x-request-id"]

        # a request that cannot start within QUEUE_WAIT_MS is refused then, not served seconds later
        admission.wait_seconds = 0.3
        async with db.acquire() as conn, conn.transaction():
            await conn.execute("LOCK TABLE room_type_definitions IN ACCESS EXCLUSIVE MODE")
            first = asyncio.create_task(send("first", {}))
            await _until(lambda: _true(admission.running == 1), "the slot to be taken")
            started = time.monotonic()
            late = await client.post("/graphql", json=read, headers=user)
            waited = time.monotonic() - started
        assert (await first).status_code == 200
        assert late.status_code == 503 and late.json()["errors"][0]["extensions"]["reason"] == "queue_timeout"
        assert 0.3 <= waited < 5, waited
        after = (await client.get("/metrics")).text
        for reason, caller in (("queue_full", "anonymous"), ("queue_full", "user"), ("queue_timeout", "user")):
            assert _shed_count(after, reason, caller) == _shed_count(before, reason, caller) + 1, (reason, caller)
        assert "campus_requests_in_flight 0.0" in after and "campus_requests_queued 0.0" in after


async def _true(value: bool) -> bool:
    return value


async def test_a_request_that_gets_no_pooled_connection_in_time_is_refused(app_url, db):
    # admission off: the pool's own wait (DB_POOL_TIMEOUT_MS) is the bound
    application = create_app(
        make_settings(max_in_flight=0, db_pool_size=1, db_pool_timeout_ms=300), database_url=app_url
    )
    read = {"query": "{ roomTypes(first: 1) { totalCount } }"}
    async with (
        LifespanManager(application),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=application), base_url="http://gateway.test") as client,
    ):
        async with db.acquire() as conn, conn.transaction():
            await conn.execute("LOCK TABLE room_type_definitions IN ACCESS EXCLUSIVE MODE")
            first = asyncio.create_task(client.post("/graphql", json=read))  # holds the one connection
            pool = application.state.engine.pool
            await _until(lambda: _true(pool.checkedout() == 1), "the connection to be taken")
            started = time.monotonic()
            refused = await client.post("/graphql", json=read)
            waited = time.monotonic() - started
        assert (await first).status_code == 200
    assert refused.status_code == 503 and refused.headers["retry-after"] == "1", refused.text
    (error,) = refused.json()["errors"]
    assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE" and error["extensions"]["reason"] == "pool_timeout"
    assert 0.3 <= waited < 5, waited
