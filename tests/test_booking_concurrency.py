"""No bed is ever held twice: 20 concurrent HTTP approvals of 20 bookings asking for the same
bed; exactly one wins. The app here has a pool big enough for all 20 requests at once, and
the test checks that they really overlapped (in the app and in the database). The database
itself refuses an overlapping hold written straight in SQL."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import asyncpg
import httpx
import pytest
from asgi_lifespan import LifespanManager

from gateway.app import create_app
from kit.ids import decode_gid
from tests.booking_world import add_room_type, booking_input, create, make_world, mutation, today
from tests.conftest import GQL, make_settings

N = 20


@pytest.fixture(scope="module")
async def wide_app(app_url: str) -> Any:
    application = create_app(make_settings(db_pool_size=N + 5), database_url=app_url)
    async with LifespanManager(application):
        yield application


async def test_twenty_concurrent_approvals_hold_one_bed_once(db, client, wide_app) -> None:
    w = await make_world(db, client)
    await add_room_type(db, w, "DBL", beds=2)
    start = today() + dt.timedelta(days=15)
    bookings = [
        await create(w.admin, booking_input(w, "DBL", start=start + dt.timedelta(days=i % 5), months=1))
        for i in range(N)
    ]
    bed = w.bed("DBL", 0)

    inflight = peak = 0

    async def counting(scope: Any, receive: Any, send: Any) -> None:
        nonlocal inflight, peak
        if scope["type"] == "http":
            inflight += 1
            peak = max(peak, inflight)
        try:
            await wide_app(scope, receive, send)
        finally:
            if scope["type"] == "http":
                inflight -= 1

    lock_waits = 0
    stop = asyncio.Event()

    async def watch_locks() -> None:  # requests queued on the bed's row lock, seen from the database
        nonlocal lock_waits
        async with db.acquire() as conn:
            while not stop.is_set():
                waiting = await conn.fetchval(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND application_name = 'campus-gateway' AND datname = current_database()"
                )
                lock_waits = max(lock_waits, waiting)
                await asyncio.sleep(0.005)

    approve = mutation("bookingApprove", fields="id status")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=counting), base_url="http://gateway.test") as c:
        g = GQL(c)
        g.headers = w.admin.headers
        watcher = asyncio.create_task(watch_locks())
        results = await asyncio.gather(*(g(approve, {"i": {"id": b["id"], "bedId": bed}}) for b in bookings))
        stop.set()
        await watcher

    payloads = [r["data"]["bookingApprove"] for r in results]
    won = [p for p in payloads if p["errors"] == []]
    lost = [p for p in payloads if p["errors"]]
    assert len(won) == 1 and won[0]["booking"]["status"] == "APPROVED"
    assert len(lost) == N - 1 and all(p["errors"][0]["code"] == "CONFLICT" and p["booking"] is None for p in lost)
    print(f"overlapping requests: {peak}, queued on the bed lock at once: {lock_waits}")
    assert peak >= N // 2, f"only {peak} requests overlapped"
    assert lock_waits >= 1, "no request ever waited for the bed: they did not run concurrently"

    async with db.acquire() as conn:
        holds = await conn.fetchval(
            "SELECT count(*) FROM booking_assignments WHERE bed_id = $1 AND active", decode_gid(bed)[1]
        )
        statuses = await conn.fetch(
            "SELECT status, count(*) FROM bookings WHERE hostel_id = $1 GROUP BY status", w.hostel
        )
        conflicts = await conn.fetchval(
            "SELECT count(*) FROM assignment_conflicts WHERE hostel_id = $1 AND bed_id = $2 "
            "AND conflict_type = 'DOUBLE_BOOKING'",
            w.hostel,
            decode_gid(bed)[1],
        )
        history = await conn.fetchval(
            "SELECT count(*) FROM booking_status_history WHERE hostel_id = $1 AND to_status = 'APPROVED'", w.hostel
        )
    assert holds == 1
    assert dict(statuses) == {"APPROVED": 1, "PENDING": N - 1}
    assert history == 1
    assert conflicts == N - 1  # every refusal left its record for the warden


async def test_the_database_refuses_an_overlapping_hold(db, client) -> None:
    w = await make_world(db, client)
    await add_room_type(db, w, "DBL", beds=2)
    a = await create(w.admin, booking_input(w, "DBL"))
    b = await create(w.admin, booking_input(w, "DBL"))
    bed = decode_gid(w.bed("DBL", 0))[1]
    async with db.acquire() as conn:
        room = await conn.fetchval("SELECT room_id FROM beds WHERE id = $1", bed)
        insert = (
            "INSERT INTO booking_assignments (hostel_id, booking_id, bed_id, room_id, starts_on, ends_on) "
            "VALUES ($1, $2, $3, $4, $5, $6)"
        )
        start = today() + dt.timedelta(days=30)
        await conn.execute(insert, w.hostel, decode_gid(a["id"])[1], bed, room, start, start + dt.timedelta(days=30))
        with pytest.raises(asyncpg.exceptions.ExclusionViolationError):
            await conn.execute(
                insert,
                w.hostel,
                decode_gid(b["id"])[1],
                bed,
                room,
                start + dt.timedelta(days=29),
                start + dt.timedelta(days=60),
            )
        # back to back is fine (half-open ranges), and an inactive hold does not count
        await conn.execute(
            insert,
            w.hostel,
            decode_gid(b["id"])[1],
            bed,
            room,
            start + dt.timedelta(days=30),
            start + dt.timedelta(days=60),
        )
        assert await conn.fetchval("SELECT count(*) FROM booking_assignments WHERE bed_id = $1 AND active", bed) == 2


async def test_concurrent_approvals_without_a_bed_never_promise_the_last_one_twice(db, client, wide_app) -> None:
    w = await make_world(db, client)
    await add_room_type(db, w, "SGL", beds=1)
    async with db.acquire() as conn:
        await conn.execute("INSERT INTO approval_settings (hostel_id, auto_assign_bed) VALUES ($1, false)", w.hostel)
    bookings = [await create(w.admin, booking_input(w, "SGL")) for _ in range(8)]
    approve = mutation("bookingApprove", fields="id status")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=wide_app), base_url="http://gateway.test") as c:
        g = GQL(c)
        g.headers = w.admin.headers
        results = await asyncio.gather(*(g(approve, {"i": {"id": b["id"]}}) for b in bookings))
    codes = sorted(
        r["data"]["bookingApprove"]["errors"][0]["code"] if r["data"]["bookingApprove"]["errors"] else "OK"
        for r in results
    )
    assert codes == ["CONFLICT"] * 7 + ["OK"]
    async with db.acquire() as conn:
        approved = await conn.fetchval(
            "SELECT count(*) FROM bookings WHERE hostel_id = $1 AND status = 'APPROVED'", w.hostel
        )
    assert approved == 1
