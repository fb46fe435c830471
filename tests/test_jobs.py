"""Background jobs on PostgreSQL (resolvers/jobs/, issue 13 item 1): a failing job changes nothing
and is retried, both daily tasks are idempotent, the dispatcher enqueues each tenant's job once per
local day even with two dispatchers racing, a worker killed mid-job loses nothing, and platform
administrators (only they) see and retry jobs through GraphQL.

Each test puts its jobs in a queue of its own and runs workers on that queue only, so no test runs
another's jobs, and no job ever touches the demo tenants."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import subprocess
import sys
import time
from decimal import Decimal as D
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from kit.ids import decode_gid, encode_gid
from resolvers.jobs import tasks, views
from tests.conftest import GQL, as_user, school_today, unique
from tests.test_fees import insert_assignments, late_row, own_school

JOBS = """query($filter: BackgroundJobFilter, $first: Int, $after: String) {
  backgroundJobs(filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { id taskName status attempts queue tenantId day scheduledAt startedAt finishedAt lastError } } }"""

RETRY = """mutation($id: ID!) { backgroundJobRetry(input: {id: $id}) {
  backgroundJob { id status attempts } errors { code field message } } }"""


def queue() -> str:
    return unique("q")


async def run_queue(app_url: str, q: str) -> None:
    """A worker on the test's queue until the queue has nothing due."""
    await tasks.run_worker(
        app_url, queues=[q], wait=False, concurrency=1, install_signal_handlers=False, stalled_seconds=3600
    )


async def defer(app_url: str, q: str, task: Any, **kwargs: Any) -> int:
    async with tasks.opened(app_url):
        return await task.configure(queue=q).defer_async(**kwargs)


async def job_state(db: Any, job_id: int) -> tuple[str, int]:
    row = await db.fetchrow("SELECT status::text, attempts FROM procrastinate.procrastinate_jobs WHERE id = $1", job_id)
    return row["status"], row["attempts"]


async def work_until(app_url: str, db: Any, q: str, job_id: int, status: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while (await job_state(db, job_id))[0] != status:
        assert time.monotonic() < deadline, f"job {job_id} is {await job_state(db, job_id)}, not {status}"
        await asyncio.sleep(0.5)
        await run_queue(app_url, q)


async def fees(db: Any, ids: list[int]) -> tuple[list[tuple[D, bool, int]], list[tuple[int, D]]]:
    rows = await db.fetch(
        "SELECT late_fee_accrued, late_fee_applied, version FROM student_fee_assignments WHERE id = ANY($1) ORDER BY id",
        ids,
    )
    logs = await db.fetch(
        "SELECT assignment_id, computed_amount FROM late_fee_logs WHERE assignment_id = ANY($1) ORDER BY assignment_id",
        ids,
    )
    return [tuple(r) for r in rows], [tuple(r) for r in logs]


async def overdue_school(db: Any, amounts: list[str]) -> tuple[dict[str, Any], list[int], dt.date]:
    school = await own_school(db, len(amounts))
    on = school_today()  # the school's zone (Asia/Kolkata): its day has begun
    due = on - dt.timedelta(days=10)
    ids = await insert_assignments(
        db, school, [late_row(s, "FLAT", a, due) for s, a in zip(school["students"], amounts)]
    )
    return school, ids, on


async def listed(platform: GQL, job_id: int, **filter: Any) -> dict[str, Any] | None:
    body = await platform(JOBS, {"filter": filter or None, "first": 100})
    gid = encode_gid("BackgroundJob", job_id)
    return next((n for n in body["data"]["backgroundJobs"]["nodes"] if n["id"] == gid), None)


async def test_a_failing_job_changes_nothing_is_retried_with_backoff_then_succeeds(db, app_url, client):
    school, ids, on = await overdue_school(db, ["100", "50"])
    before = await fees(db, ids)
    # a real failure inside the job's transaction: the log insert (after the assignments were
    # updated) is refused while this school is listed in the test's own table; the test then
    # "fixes the data" by deleting that row (no DDL between the attempts)
    name = unique("refuse").replace("-", "_")
    await db.execute(f"""
        CREATE SCHEMA {name};
        CREATE TABLE {name}.schools (id bigint PRIMARY KEY);
        INSERT INTO {name}.schools VALUES ({school["id"]});
        CREATE FUNCTION {name}.refuse() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
        BEGIN IF EXISTS (SELECT 1 FROM {name}.schools WHERE id = NEW.school_id) THEN
                RAISE EXCEPTION 'late fee log refused by the test'; END IF;
              RETURN NEW; END $$;
        CREATE TRIGGER {name} BEFORE INSERT ON late_fee_logs FOR EACH ROW EXECUTE FUNCTION {name}.refuse();""")
    q = queue()
    try:
        job = await defer(app_url, q, tasks.accrue_late_fees, school_id=school["id"], day=on.isoformat())
        await run_queue(app_url, q)
        assert await fees(db, ids) == before  # the assignments' updates rolled back with the log
        platform = await as_user(client, "platform@demo.campus")
        seen = await listed(platform, job, taskName="accrue_late_fees", status="TODO")
        assert seen is not None, "the failed run is queued again"
        assert seen["attempts"] == 1 and seen["lastError"].startswith("RaiseError: late fee log refused by the test")
        assert "INSERT" not in seen["lastError"] and "\n" not in seen["lastError"]  # no statement, no trace
        due = dt.datetime.fromisoformat(seen["scheduledAt"])
        assert seen["scheduledAt"].endswith("Z") and due > dt.datetime.fromisoformat(seen["startedAt"])  # backoff
        assert seen["tenantId"] == school["gid"] and seen["day"] == on.isoformat() and seen["finishedAt"] is None
        await db.execute(f"DELETE FROM {name}.schools")
        await work_until(app_url, db, q, job, "succeeded")
    finally:
        await db.execute(f"DROP SCHEMA {name} CASCADE")  # its function, and the trigger with it
    rows, logs = await fees(db, ids)
    assert rows == [(D("100.00"), True, 1), (D("50.00"), True, 1)]
    assert logs == [(ids[0], D("100.00")), (ids[1], D("50.00"))]
    done = await listed(platform, job, status="SUCCEEDED")
    assert done is not None and done["attempts"] == 2 and done["finishedAt"] >= done["startedAt"]


async def test_the_accrual_job_is_idempotent(db, app_url):
    school, ids, on = await overdue_school(db, ["100", "40"])
    q = queue()
    first = await defer(app_url, q, tasks.accrue_late_fees, school_id=school["id"], day=on.isoformat())
    await run_queue(app_url, q)
    assert await job_state(db, first) == ("succeeded", 1)
    once = await fees(db, ids)
    assert once[0] == [(D("100.00"), True, 1), (D("40.00"), True, 1)] and len(once[1]) == 2
    again = await defer(app_url, q, tasks.accrue_late_fees, school_id=school["id"], day=on.isoformat())
    await run_queue(app_url, q)
    assert await job_state(db, again) == ("succeeded", 1)
    assert await fees(db, ids) == once  # no amount, version or log added the second time


async def test_the_analytics_job_is_idempotent(db, app_url, client):
    from tests.test_hostel_analytics import AS_OF, READ_BACK, P, scenario

    h = await scenario(client, db)
    admin = GQL(client)
    admin.headers.update(h["admin"])

    async def figures() -> dict[str, Any]:
        body = await admin(READ_BACK, {"day": str(AS_OF), "p": str(P)})

        def strip(value: Any) -> Any:  # computedAt is the time of the computation: it moves
            if isinstance(value, dict):
                return {k: strip(v) for k, v in value.items() if k != "computedAt"}
            if isinstance(value, list):
                return [strip(v) for v in value]
            return value

        return strip(body["data"])

    q = queue()
    empty = await figures()
    for _ in range(2):
        job = await defer(app_url, q, tasks.compute_analytics, hostel_id=h["id"], day=AS_OF.isoformat())
        await run_queue(app_url, q)
        assert await job_state(db, job) == ("succeeded", 1)
        if _ == 0:
            once = await figures()
            assert once != empty and once["hostelAnalytics"]["nodes"][0]["revenue"] == "1500.00"
    assert await figures() == once


async def test_two_dispatchers_enqueue_each_tenant_once_per_local_day(db, app_url):
    [east, west] = (await own_school(db, 0), await own_school(db, 0))
    await db.execute("UPDATE schools SET time_zone = 'Pacific/Kiritimati' WHERE id = $1", east["id"])  # UTC+14
    await db.execute("UPDATE schools SET time_zone = 'Pacific/Pago_Pago' WHERE id = $1", west["id"])  # UTC-11
    # a day of the future no other test dispatches for, so what exists is this test's doing
    day = dt.date.today() + dt.timedelta(days=4000 + (east["id"] % 1000))
    at = dt.datetime.combine(
        day, dt.time(5), tzinfo=dt.UTC
    )  # 19:00 in Kiritimati on `day`, 18:00 the day before in Pago Pago
    q = queue()

    async def jobs_of(school_id: int) -> list[str]:
        rows = await db.fetch(
            "SELECT args->>'day' FROM procrastinate.procrastinate_jobs WHERE queue_name = $1 "
            "AND task_name = 'accrue_late_fees' AND (args->>'school_id')::bigint = $2 ORDER BY 1",
            q,
            school_id,
        )
        return [r[0] for r in rows]

    async with tasks.opened(app_url):
        first, second = await asyncio.gather(tasks.dispatch(at, queue=q), tasks.dispatch(at, queue=q))
        tenants = await db.fetchval(
            "SELECT (SELECT count(*) FROM schools) + (SELECT count(*) FROM hostels WHERE active)"
        )
        assert len(first) + len(second) == tenants and not (set(first) & set(second))
        before = (day - dt.timedelta(days=1)).isoformat()
        assert await jobs_of(east["id"]) == [day.isoformat()] and await jobs_of(west["id"]) == [before]
        # an hour later no local midnight has passed at either: nothing new
        assert await tasks.dispatch(at + dt.timedelta(hours=1), queue=q) == []
        # at 12:00 UTC it is 02:00 the next day in Kiritimati and 01:00 on `day` in Pago Pago
        later = await tasks.dispatch(at + dt.timedelta(hours=7), queue=q)
        assert ("accrue_late_fees", east["id"], (day + dt.timedelta(days=1)).isoformat()) in later
        assert ("accrue_late_fees", west["id"], day.isoformat()) in later
    assert await jobs_of(east["id"]) == [day.isoformat(), (day + dt.timedelta(days=1)).isoformat()]
    assert await jobs_of(west["id"]) == [before, day.isoformat()]
    # every tenant: exactly one job per local day its midnight passed in, over the three dispatches
    instants = (at, at + dt.timedelta(hours=1), at + dt.timedelta(hours=7))
    expected = set()
    for task, key, sql in (
        ("accrue_late_fees", "school_id", "SELECT id, time_zone FROM schools"),
        ("compute_analytics", "hostel_id", "SELECT id, time_zone FROM hostels WHERE active"),
    ):
        for row in await db.fetch(sql):
            zone = ZoneInfo(row["time_zone"])
            expected |= {(task, row["id"], t.astimezone(zone).date().isoformat()) for t in instants}
    rows = await db.fetch(
        "SELECT task_name, COALESCE(args->'school_id', args->'hostel_id')::bigint AS tenant, args->>'day' AS day "
        "FROM procrastinate.procrastinate_jobs WHERE queue_name = $1",
        q,
    )
    got = [(r["task_name"], r["tenant"], r["day"]) for r in rows]
    assert len(got) == len(set(got)) and set(got) == expected


def _worker(app_url: str, q: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("MIGRATION_DATABASE_URL",)}
    env.update(DATABASE_URL=app_url, JOB_HEARTBEAT_SECONDS="1", JOB_STALLED_SECONDS="3", LOG_LEVEL="WARNING")
    return subprocess.Popen(
        [sys.executable, "-m", "gateway.cli", "worker", "--queues", q],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


async def _until(check: Any, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.2)


@pytest.mark.slow
async def test_a_worker_killed_mid_job_loses_no_job_and_the_job_runs_once(db, app_url, pg_url):
    school, ids, on = await overdue_school(db, ["100"])
    q = queue()
    async with db.acquire() as holder:
        blocker = holder.transaction()
        await blocker.start()
        # the job's FOR UPDATE of this assignment waits for the test: the worker is mid-job
        await holder.execute("SELECT 1 FROM student_fee_assignments WHERE id = $1 FOR UPDATE", ids[0])
        job = await defer(app_url, q, tasks.accrue_late_fees, school_id=school["id"], day=on.isoformat())
        first = _worker(app_url, q)
        try:

            async def waiting() -> bool:
                assert first.poll() is None, first.stdout.read() if first.stdout else ""
                return bool(
                    await db.fetchval(
                        "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'campus-worker' AND datname = current_database() "
                        "AND wait_event_type = 'Lock' AND query LIKE '%student_fee_assignments%'"
                    )
                )

            await _until(waiting, "the worker never reached the assignment's lock")
            assert await job_state(db, job) == ("doing", 0)
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=30)
        assert first.returncode == -signal.SIGKILL
        await asyncio.sleep(4)  # the killed worker's heartbeat is older than JOB_STALLED_SECONDS
        assert await job_state(db, job) == ("doing", 0)  # nobody finished it, nobody ran it twice
        await blocker.rollback()
    second = _worker(app_url, q)
    try:

        async def done() -> bool:
            assert second.poll() is None, second.stdout.read() if second.stdout else ""
            return (await job_state(db, job))[0] == "succeeded"

        await _until(done, "the job never completed after the restart")
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=60)
    assert second.returncode == 0  # a clean stop on SIGTERM
    assert await job_state(db, job) == ("succeeded", 2)  # the killed run, and one more
    assert await fees(db, ids) == ([(D("100.00"), True, 1)], [(ids[0], D("100.00"))])  # exactly once


@pytest.mark.parametrize(
    "email",
    [
        None,
        "admin@greenwood.demo",
        "accounts@greenwood.demo",
        "teacher@greenwood.demo",
        "multi@demo.campus",
        "warden@sunrise.demo",
        "resident@sunrise.demo",
        "visitor@demo.campus",
    ],
)
async def test_only_platform_administrators_see_or_retry_jobs(db, app_url, client, email):
    q = queue()
    missing = await db.fetchval("SELECT COALESCE(max(id), 0) + 1000000 FROM schools")
    job = await defer(app_url, q, tasks.accrue_late_fees, school_id=missing, day=school_today().isoformat())
    await run_queue(app_url, q)
    assert await job_state(db, job) == ("failed", 1)  # refused arguments are not retried
    g = GQL(client) if email is None else await as_user(client, email)
    code = "UNAUTHENTICATED" if email is None else "FORBIDDEN"
    for document, variables in ((JOBS, {}), (RETRY, {"id": encode_gid("BackgroundJob", job)})):
        body = await g(document, variables, expect_errors=True)
        assert body["data"] is None and [e["extensions"]["code"] for e in body["errors"]] == [code]
    assert await job_state(db, job) == ("failed", 1)  # the refused retry changed nothing


@pytest.mark.parametrize("email", ["platform@demo.campus", "superadmin@demo.campus"])
async def test_platform_administrators_list_page_and_retry_a_failed_job(db, app_url, client, email):
    q = queue()
    missing = await db.fetchval("SELECT COALESCE(max(id), 0) + 1000000 FROM schools")
    jobs = [
        await defer(app_url, q, tasks.accrue_late_fees, school_id=missing, day=school_today().isoformat())
        for _ in range(2)
    ]
    await run_queue(app_url, q)
    g = await as_user(client, email)
    failed = await listed(g, jobs[1], status="FAILED", taskName="accrue_late_fees")
    assert failed is not None and failed["status"] == "FAILED" and failed["attempts"] == 1
    assert failed["lastError"] == f"JobRefused: no row {missing} in schools"
    assert failed["finishedAt"].endswith("Z") and failed["tenantId"] == encode_gid("School", missing)
    assert await listed(g, jobs[1], status="SUCCEEDED") is None
    # pages: newest first, the cursor of a page leads to the next
    page = (await g(JOBS, {"filter": {"status": "FAILED"}, "first": 1}))["data"]["backgroundJobs"]
    assert page["pageInfo"]["hasNextPage"] and len(page["nodes"]) == 1 and page["totalCount"] >= 2
    nxt = await g(JOBS, {"filter": {"status": "FAILED"}, "first": 1, "after": page["pageInfo"]["endCursor"]})
    [after] = nxt["data"]["backgroundJobs"]["nodes"]
    assert decode_gid(after["id"])[1] < decode_gid(page["nodes"][0]["id"])[1]  # older, not the same again
    bad = await g(JOBS, {"after": "bm90LWEtY3Vyc29y"}, expect_errors=True)
    assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    # the retry: the job is queued again, now
    body = await g(RETRY, {"id": encode_gid("BackgroundJob", jobs[0])})
    payload = body["data"]["backgroundJobRetry"]
    assert payload["errors"] == [] and payload["backgroundJob"]["status"] == "TODO"
    assert payload["backgroundJob"]["attempts"] == 2
    assert await job_state(db, jobs[0]) == ("todo", 2) and await job_state(db, jobs[1]) == ("failed", 1)
    # a job that has not failed, a job that does not exist, an ID of another type: errors, no change
    again = (await g(RETRY, {"id": encode_gid("BackgroundJob", jobs[0])}))["data"]["backgroundJobRetry"]
    assert again["backgroundJob"] is None and [e["code"] for e in again["errors"]] == ["INVALID"]
    for gid in (encode_gid("BackgroundJob", 2**62), encode_gid("School", jobs[1]), "not-an-id"):
        none = (await g(RETRY, {"id": gid}))["data"]["backgroundJobRetry"]
        assert [e["code"] for e in none["errors"]] == ["NOT_FOUND"] and none["errors"][0]["field"] == ["input", "id"]
    assert await job_state(db, jobs[1]) == ("failed", 1)
    # what metrics read (issue 13 item 2): jobs per status, as the application role sees them
    conn = await asyncpg.connect(app_url.replace("postgresql+asyncpg", "postgresql"))
    try:
        depth = await views.queue_depth(conn)
        assert depth["todo"] >= 1 and depth["failed"] >= 1
        await run_queue(app_url, q)  # the retried job fails again, for the same reason
        assert await job_state(db, jobs[0]) == ("failed", 3)
        after = await views.queue_depth(conn)
        assert after["failed"] == depth["failed"] + 1  # (workers may queue periodic jobs meanwhile: todo moves)
    finally:
        await conn.close()


async def test_succeeded_jobs_are_pruned_after_their_keeping_time_failed_ones_stay(db, app_url):
    school, _, on = await overdue_school(db, ["10"])
    q = queue()
    missing = await db.fetchval("SELECT COALESCE(max(id), 0) + 1000000 FROM schools")
    old, recent, failed = [
        await defer(app_url, q, tasks.accrue_late_fees, school_id=sid, day=on.isoformat())
        for sid in (school["id"], school["id"], missing)
    ]
    await run_queue(app_url, q)
    assert [(await job_state(db, j))[0] for j in (old, recent, failed)] == ["succeeded", "succeeded", "failed"]
    # arranging the past: `old` and `failed` ended eight days ago
    await db.execute(
        "UPDATE procrastinate.procrastinate_events SET at = at - interval '8 days' WHERE job_id = ANY($1)",
        [old, failed],
    )
    async with tasks.opened(app_url):
        await tasks.prune(queue=q)
    left = await db.fetch("SELECT id FROM procrastinate.procrastinate_jobs WHERE queue_name = $1 ORDER BY id", q)
    assert [r["id"] for r in left] == [recent, failed]
