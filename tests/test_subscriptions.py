"""Live updates (issue 15): GraphQL subscriptions over WebSocket (graphql-transport-ws) on
/graphql, fanned out between gateway processes through PostgreSQL LISTEN/NOTIFY.

Two real `campus serve` processes (uvicorn, tests/test_two_processes.py's helpers) on the test
session's database: subscribers connect to process A, the writes that cause their events are sent
to process B, so an event reaches A only through PostgreSQL. The clients are the `websockets`
library speaking the protocol over real sockets.

Nothing tells a client when the server has registered its subscription (the protocol has no
such message), so a test that expects an event causes it again until it arrives (`until_heard`),
and one that expects nothing watches for it only after a control subscriber, subscribed after
it on the same process, has heard an event caused after it (so it was listening too).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from websockets.asyncio.client import ClientConnection, connect

import demo
from auth.passwords import hash_password
from auth.tokens import KeySet
from kit.settings import Settings
from kit.ids import decode_gid, encode_gid
from tests.booking_world import World, add_room_type, booking_input
from tests.conftest import unique
from tests.test_two_processes import Gateway, _address

pytestmark = pytest.mark.slow  # two server processes for the module: scheduled first (conftest.py)

PROTOCOL = "graphql-transport-ws"
KEYS: dict[str, str] = {}  # the processes' signing keys (JWT_PRIVATE_KEYS), by process name
QUIET = 1.5  # seconds a subscriber that must hear nothing is watched, once a control heard the event


@pytest.fixture(scope="module")
def pair(gateway_pair: tuple[Gateway, Gateway, str]) -> tuple[Gateway, Gateway]:
    """The session's two processes (tests/conftest.py gateway_pair, shared with tests/test_two_processes.py)."""
    a, b, keys = gateway_pair
    KEYS.update({a.name: keys, b.name: keys})
    return a, b


# ---- clients ---------------------------------------------------------------------------------


async def post(g: Gateway, query: str, variables: dict[str, Any] | None, token: str, tenant: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"}
    if tenant:
        headers["X-Tenant-Id"] = tenant
    async with httpx.AsyncClient(timeout=30) as client:
        response = await client.post(g.url, json={"query": query, "variables": variables or {}}, headers=headers)
    return response.json()


async def log_in(g: Gateway, email: str) -> str:
    async with httpx.AsyncClient(timeout=30) as client:
        body = (
            await client.post(
                g.url,
                json={
                    "query": "mutation($i: TokenCreateInput!) { tokenCreate(input: $i) { accessToken errors { code } } }",
                    "variables": {"i": {"email": email, "password": demo.DEMO_PASSWORD}},
                },
                headers={"X-Forwarded-For": _address()},
            )
        ).json()
    assert body["data"]["tokenCreate"]["errors"] == [], body
    token: str = body["data"]["tokenCreate"]["accessToken"]
    return token


class Socket:
    """One graphql-transport-ws connection, acknowledged."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.ids = 0

    async def subscribe(self, query: str, variables: dict[str, Any] | None = None) -> str:
        self.ids += 1
        op = str(self.ids)
        await self.ws.send(
            json.dumps({"id": op, "type": "subscribe", "payload": {"query": query, "variables": variables or {}}})
        )
        return op

    async def message(self, timeout: float) -> dict[str, Any] | None:
        """The next message other than ping/pong, or None after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                raw = await asyncio.wait_for(self.ws.recv(), left)
            except TimeoutError:
                return None
            message: dict[str, Any] = json.loads(raw)
            if message["type"] == "ping":
                await self.ws.send(json.dumps({"type": "pong"}))
            elif message["type"] != "pong":
                return message
        return None


@asynccontextmanager
async def socket(g: Gateway, token: str | None, tenant: str | None = None) -> AsyncIterator[Socket]:
    async with connect(g.url.replace("http://", "ws://"), subprotocols=[PROTOCOL], open_timeout=30) as ws:
        payload: dict[str, str] = {}
        if token:
            payload["Authorization"] = f"Bearer {token}"
        if tenant:
            payload["X-Tenant-Id"] = tenant
        await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        ack = json.loads(await asyncio.wait_for(ws.recv(), 30))
        assert ack["type"] == "connection_ack", ack
        yield Socket(ws)


async def until_heard(
    s: Socket, cause: Callable[[], Awaitable[Any]], tries: int = 20, wait: float = 1.0
) -> tuple[dict[str, Any], list[Any]]:
    """Cause an event (on the other process) until `s` hears one: (the message, what each cause returned)."""
    caused: list[Any] = []
    for _ in range(tries):
        caused.append(await cause())
        message = await s.message(wait)
        if message is not None:
            return message, caused
    pytest.fail(f"no event heard after {tries} tries")


async def closed_with(s: Socket, timeout: float = 15) -> tuple[int, str]:
    """The code and reason the server closed `s` with (fails if it stays open)."""
    try:
        while True:
            await asyncio.wait_for(s.ws.recv(), timeout)
    except websockets.ConnectionClosed as exc:
        assert exc.rcvd is not None, "closed without a close frame"
        return exc.rcvd.code, exc.rcvd.reason
    except TimeoutError:
        pytest.fail("the socket stayed open")


# ---- arranging (direct SQL as the owner, as tests/test_notifications.py does) ----------------


async def hostel_id(db: Any, slug: str) -> int:
    found: int = await db.fetchval("SELECT id FROM hostels WHERE slug = $1", slug)
    return found


async def new_user(db: Any, role: str, hostels: list[int]) -> tuple[str, int, dict[int, int]]:
    """A user of the test with `role` in each of `hostels` (residents get a resident record in
    each): email, user id, hostel id -> HostelStudent id."""
    email = f"{unique('live').lower()}@live.test"
    students: dict[int, int] = {}
    async with db.acquire() as conn, conn.transaction():
        user = await conn.fetchval(
            "INSERT INTO users (email, full_name, password_hash, role) VALUES ($1, $2, $3, $4) RETURNING id",
            email,
            unique("Live"),
            hash_password(demo.DEMO_PASSWORD),
            role,
        )
        for h in hostels:
            await conn.execute(
                "INSERT INTO role_assignments (user_id, role, hostel_id) VALUES ($1, $2, $3)", user, role, h
            )
            if role == "HOSTEL_STUDENT":
                students[h] = await conn.fetchval(
                    "INSERT INTO hostel_students (hostel_id, user_id, full_name, gender, check_in_date, monthly_rent, "
                    "email, status) VALUES ($1, $2, $3, 'MALE', current_date, 5000, $4, 'ACTIVE') RETURNING id",
                    h,
                    user,
                    unique("Resident"),
                    email,
                )
    return email, user, students


SEND = """mutation($i: NotificationSendInput!) { notificationSend(input: $i) {
  notificationBatch { id } errors { code message } } }"""
NOTIFICATIONS = "subscription { notificationReceived { id title body notificationType } }"


def sender(b: Gateway, warden: str, hostel_gid: str, student_gid: str) -> Callable[[], Awaitable[str]]:
    """Sends `student_gid` a notification through process B; returns its message text."""

    async def send() -> str:
        text = unique("live message")
        body = await post(
            b,
            SEND,
            {
                "i": {
                    "hostelStudentIds": [student_gid],
                    "notificationType": "waitlist.offer",  # its texts are registered by the booking domain
                    "data": json.dumps({"message": text, "hostel": "Sunrise", "expires_at": "-"}),
                }
            },
            warden,
            hostel_gid,
        )
        assert body["data"]["notificationSend"]["errors"] == [], body
        return text

    return send


# ---- the proof: an event caused on one process reaches a subscriber on the other -------------


async def test_a_notification_sent_through_one_process_reaches_its_subscriber_on_the_other(pair, db):
    a, b = pair
    sunrise = await hostel_id(db, "demo-sunrise")
    email, _, students = await new_user(db, "HOSTEL_STUDENT", [sunrise])
    warden = await log_in(b, "warden@sunrise.demo")
    send = sender(b, warden, encode_gid("Hostel", sunrise), encode_gid("HostelStudent", students[sunrise]))
    async with socket(a, await log_in(a, email)) as s:
        op = await s.subscribe(NOTIFICATIONS)
        message, sent = await until_heard(s, send)
        assert message["type"] == "next" and message["id"] == op, message
        heard = message["payload"]["data"]["notificationReceived"]
        assert heard["body"] in sent and heard["notificationType"] == "waitlist.offer", heard
        # the same row a query of the subscriber reads
        mine = await post(a, "{ myNotifications(first: 50) { nodes { id body } } }", None, await log_in(a, email))
        assert {"id": heard["id"], "body": heard["body"]} in mine["data"]["myNotifications"]["nodes"]
        # every later one arrives too, in order
        later = await send()
        message = await s.message(10)
        assert message is not None and message["payload"]["data"]["notificationReceived"]["body"] in [*sent, later]


async def test_a_subscriber_in_another_tenant_receives_nothing(pair, db):
    """The event names the user; the subscriber connected in Lotus re-reads the notification in
    Lotus's scope, where a Sunrise notification is not theirs to see: nothing is sent. The same
    user connected in Sunrise (the control, subscribed after) receives it."""
    a, b = pair
    sunrise, lotus = await hostel_id(db, "demo-sunrise"), await hostel_id(db, "demo-lotus")
    email, _, students = await new_user(db, "HOSTEL_STUDENT", [sunrise, lotus])
    token = await log_in(a, email)
    warden = await log_in(b, "warden@sunrise.demo")
    send = sender(b, warden, encode_gid("Hostel", sunrise), encode_gid("HostelStudent", students[sunrise]))
    async with socket(a, token, encode_gid("Hostel", lotus)) as elsewhere:
        await elsewhere.subscribe(NOTIFICATIONS)
        async with socket(a, token, encode_gid("Hostel", sunrise)) as control:
            await control.subscribe(NOTIFICATIONS)
            await until_heard(control, send)
            await send()  # caused after the control heard one: both subscriptions were listening
            assert await control.message(10) is not None
            assert await elsewhere.message(QUIET) is None


async def test_hostel_activity_and_booking_moves_reach_staff_and_booker_only(pair, db):
    """A visitor's booking created through B appears in the warden's feed on A (with the booking,
    read through node); its approval through B reaches the visitor's bookingStatusChanged on A.
    The Lotus warden may follow neither."""
    a, b = pair
    slug = unique("live").lower()
    hostel = await db.fetchval(
        "INSERT INTO hostels (name, slug, hostel_type, is_public) VALUES ($1, $2, 'BOYS', true) RETURNING id",
        f"Live hostel {slug}",
        slug,
    )
    gid = encode_gid("Hostel", hostel)
    world = World(hostel, gid, None, None, None, None)  # type: ignore[arg-type]  # rooms only
    await add_room_type(db, world, "LIVE", beds=4)
    admin_email, _, _ = await new_user(db, "HOSTEL_ADMIN", [hostel])
    visitor_email, _, _ = await new_user(db, "VISITOR", [])
    admin_b, visitor_b = await log_in(b, admin_email), await log_in(b, visitor_email)

    async def book() -> str:
        body = await post(
            b,
            "mutation($i: BookingCreateInput!) { bookingCreate(input: $i) { booking { id } errors { code message } } }",
            {"i": booking_input(world, "LIVE", months=1, visitor=True)},
            visitor_b,
        )
        assert body["data"]["bookingCreate"]["errors"] == [], body
        booking_gid: str = body["data"]["bookingCreate"]["booking"]["id"]
        return booking_gid

    feed = (
        "subscription($h: ID!) { hostelActivity(hostelId: $h) { kind nodeId node { ... on Booking { id status } } } }"
    )
    async with socket(a, await log_in(a, admin_email), gid) as warden:
        await warden.subscribe(feed, {"h": gid})
        message, booked = await until_heard(warden, book)
        activity = message["payload"]["data"]["hostelActivity"]
        assert activity["kind"] == "BOOKING_CREATED" and activity["nodeId"] in booked, message
        assert activity["node"] == {"id": activity["nodeId"], "status": "PENDING"}
        booking_gid = booked[-1]

        # another hostel's warden: refused at once, with the reason
        async with socket(a, await log_in(a, "warden@lotus.demo")) as lotus:
            op = await lotus.subscribe(feed, {"h": gid})
            refused = await lotus.message(10)
            assert refused is not None and refused["type"] == "error" and refused["id"] == op, refused
            assert refused["payload"][0]["extensions"]["code"] == "FORBIDDEN"
            op = await lotus.subscribe(
                "subscription($id: ID!) { bookingStatusChanged(bookingId: $id) { id } }", {"id": booking_gid}
            )
            refused = await lotus.message(10)
            assert refused is not None and refused["type"] == "error", refused
            assert refused["payload"][0]["extensions"]["code"] == "NOT_FOUND"

        async with socket(a, await log_in(a, visitor_email)) as booker:
            await booker.subscribe(
                "subscription($id: ID!) { bookingStatusChanged(bookingId: $id) { id status } }", {"id": booking_gid}
            )
            approvals = iter(range(1))

            async def approve() -> str:
                if next(approvals, None) is not None:  # approve once; later tries only wait
                    body = await post(
                        b,
                        "mutation($i: BookingApproveInput!) { bookingApprove(input: $i) { booking { status } "
                        "errors { code message } } }",
                        {"i": {"id": booking_gid}},
                        admin_b,
                        gid,
                    )
                    assert body["data"]["bookingApprove"]["errors"] == [], body
                return "APPROVED"

            message, _ = await until_heard(booker, approve, tries=10, wait=2)
            assert message["payload"]["data"]["bookingStatusChanged"] == {"id": booking_gid, "status": "APPROVED"}
            # the feed saw the approval too (after the BOOKING_CREATED of any booking caused meanwhile)
            kinds = []
            while (moved := await warden.message(10)) is not None:
                activity = moved["payload"]["data"]["hostelActivity"]
                kinds.append(activity["kind"])
                if activity["kind"] != "BOOKING_CREATED":
                    break
            assert kinds[-1:] == ["BOOKING_APPROVED"] and activity["nodeId"] == booking_gid, kinds


async def test_a_complaint_filed_on_one_process_reaches_the_wardens_feed_on_the_other(pair, db):
    """The complaints domain calls the feed's hook: a resident's complaint filed through B is
    heard by the warden on A, with the complaint read through node."""
    a, b = pair
    sunrise = await hostel_id(db, "demo-sunrise")
    email, _, _ = await new_user(db, "HOSTEL_STUDENT", [sunrise])
    resident = await log_in(b, email)
    gid = encode_gid("Hostel", sunrise)

    async def complain() -> str:
        body = await post(
            b,
            "mutation($i: ComplaintCreateInput!) { complaintCreate(input: $i) { complaint { id } errors { message } } }",
            {"i": {"title": "Fan rattles", "description": "All night.", "category": "ROOM"}},
            resident,
            gid,
        )
        assert body["data"]["complaintCreate"]["errors"] == [], body
        filed: str = body["data"]["complaintCreate"]["complaint"]["id"]
        return filed

    feed = "subscription($h: ID!) { hostelActivity(hostelId: $h) { kind nodeId node { ... on Complaint { title } } } }"
    async with socket(a, await log_in(a, "warden@sunrise.demo"), gid) as warden:
        await warden.subscribe(feed, {"h": gid})
        filed: list[str] = []
        message: dict[str, Any] | None = None
        for _ in range(20):  # other tests' demo-hostel events may come first: wait for ours
            filed.append(await complain())
            while (message := await warden.message(3)) is not None:
                if message["payload"]["data"]["hostelActivity"]["nodeId"] in filed:
                    break
            if message is not None:
                break
        assert message is not None, "the warden heard none of the complaints"
        activity = message["payload"]["data"]["hostelActivity"]
        assert activity["kind"] == "COMPLAINT_CREATED" and activity["node"] == {"title": "Fan rattles"}, activity


async def test_a_rolled_back_write_publishes_nothing(pair, db, app_url):
    """notify() (the pipeline every domain calls; it publishes) in a job's scoped transaction
    rolled back, then in one committed: the subscriber hears the committed notifications only."""
    from resolvers.jobs.tasks import opened, scoped
    from resolvers.notification.pipeline import notify

    class RolledBack(Exception):
        pass

    a, _ = pair
    sunrise = await hostel_id(db, "demo-sunrise")
    email, user, _ = await new_user(db, "HOSTEL_STUDENT", [sunrise])
    rolled_back: list[int] = []

    async def both() -> int:
        with pytest.raises(RolledBack):
            async with scoped(hostel_id=sunrise) as conn:
                rolled_back.append(await notify_in(conn))
                raise RolledBack
        async with scoped(hostel_id=sunrise) as conn:
            return await notify_in(conn)

    async def notify_in(conn: Any) -> int:
        result = await notify(
            conn, hostel_id=sunrise, user_ids=[user], type="waitlist.offer", data={"message": "m", "hostel": "h"}
        )
        return int(result.notification_ids[0])

    async with opened(app_url), socket(a, await log_in(a, email)) as s:
        await s.subscribe("subscription { notificationReceived { id } }")
        message, committed = await until_heard(s, both)
        heard = [message]
        while (more := await s.message(QUIET)) is not None:
            heard.append(more)
    ids = [decode_gid(m["payload"]["data"]["notificationReceived"]["id"])[1] for m in heard]
    assert rolled_back and ids and set(ids) <= set(committed), (ids, committed)
    assert not set(ids) & set(rolled_back)


async def test_a_lost_listen_connection_ends_the_subscriptions_and_they_can_start_again(pair, db):
    """The process's LISTEN connection dies (here: terminated in PostgreSQL): its subscriptions end
    with an error saying to subscribe again (an event sent meanwhile could not be heard), the
    socket stays open, and a new subscription on it connects again and hears events."""
    a, b = pair
    sunrise = await hostel_id(db, "demo-sunrise")
    email, _, students = await new_user(db, "HOSTEL_STUDENT", [sunrise])
    warden = await log_in(b, "warden@sunrise.demo")
    send = sender(b, warden, encode_gid("Hostel", sunrise), encode_gid("HostelStudent", students[sunrise]))
    async with socket(a, await log_in(a, email)) as s:
        op = await s.subscribe(NOTIFICATIONS)
        await until_heard(s, send)
        while await s.message(QUIET) is not None:  # the events of the other tries
            pass
        ended = await db.fetchval(
            "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = 'campus-live' AND datname = current_database()) t"
        )
        assert ended >= 1
        message = await s.message(15)
        assert message is not None and message["type"] == "error" and message["id"] == op, message
        assert "subscribe again" in message["payload"][0]["message"]
        again = await s.subscribe(NOTIFICATIONS)
        message, sent = await until_heard(s, send)
        assert message["id"] == again and message["payload"]["data"]["notificationReceived"]["body"] in sent


# ---- the token: checked at connection_init, again when revoked, at expiry --------------------


async def test_revoking_the_token_on_the_other_process_closes_the_socket(pair, db):
    a, b = pair
    email, _, _ = await new_user(db, "VISITOR", [])
    token = await log_in(a, email)
    async with socket(a, token) as s:
        await s.subscribe(NOTIFICATIONS)
        revoked = await post(b, "mutation { tokenRevoke { done errors { code } } }", None, token)
        assert revoked["data"]["tokenRevoke"] == {"done": True, "errors": []}, revoked
        code, reason = await closed_with(s)
        assert code == 4403 and "log in again" in reason, (code, reason)
    # and the token no longer opens one
    with pytest.raises(websockets.ConnectionClosed) as refused:
        async with socket(a, token):
            pass
    assert refused.value.rcvd is not None and refused.value.rcvd.code == 4403


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ({}, "Send the access token"),
        ({"Authorization": "Bearer not-a-token"}, ""),
        ({"Authorization": "Basic abc"}, "Send the access token"),
    ],
)
async def test_connection_init_without_a_valid_token_is_refused(pair, payload, reason):
    a, _ = pair
    async with connect(a.url.replace("http://", "ws://"), subprotocols=[PROTOCOL], open_timeout=30) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 15)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403
    assert reason in closed.value.rcvd.reason


async def test_a_tenant_the_caller_holds_no_role_in_is_refused(pair, db):
    a, _ = pair
    email, _, _ = await new_user(db, "HOSTEL_STUDENT", [await hostel_id(db, "demo-sunrise")])
    lotus = encode_gid("Hostel", await hostel_id(db, "demo-lotus"))
    with pytest.raises(websockets.ConnectionClosed) as refused:
        async with socket(a, await log_in(a, email), lotus):
            pass
    assert refused.value.rcvd is not None and refused.value.rcvd.code == 4403
    assert "no role" in refused.value.rcvd.reason


async def test_the_socket_closes_when_the_token_expires(pair):
    """A token 5 seconds from its expiry (signed with the processes' key for a real login
    session, as the server would have issued it 15 minutes earlier minus 5 seconds) opens a
    socket that the server closes at the expiry, without any event."""
    a, _ = pair
    keys = KeySet.from_settings(Settings(jwt_private_keys=KEYS[a.name]))
    claims = keys.decode(await log_in(a, "visitor@demo.campus"))
    issued_at = dt.datetime.now(dt.UTC) - keys.lifetime + dt.timedelta(seconds=5)
    token, short = keys.issue(claims.user_id, claims.session_id, now=issued_at)
    async with socket(a, token) as s:
        await s.subscribe(NOTIFICATIONS)
        code, reason = await closed_with(s, timeout=30)
    assert code == 4403 and "expired" in reason, (code, reason)
    assert dt.datetime.now(dt.UTC) >= short.expires_at


# ---- what runs over the socket, and what does not -------------------------------------------


async def test_only_subscriptions_run_over_the_socket_and_not_over_http(pair):
    a, _ = pair
    token = await log_in(a, "visitor@demo.campus")
    async with socket(a, token) as s:
        op = await s.subscribe("{ me { user { email } } }")
        refused = await s.message(10)
        assert refused is not None and refused["type"] == "error" and refused["id"] == op
        assert "Only subscriptions" in refused["payload"][0]["message"]
        op = await s.subscribe("subscription { notificationReceived { nope } }")
        invalid = await s.message(10)
        assert invalid is not None and invalid["type"] == "error"
        assert invalid["payload"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
        # a staff-only subscription for a visitor
        op = await s.subscribe(
            "subscription($h: ID!) { hostelActivity(hostelId: $h) { kind } }", {"h": encode_gid("Hostel", 1)}
        )
        forbidden = await s.message(10)
        assert forbidden is not None and forbidden["payload"][0]["extensions"]["code"] == "FORBIDDEN"
    body = await post(a, NOTIFICATIONS, None, token)
    assert "WebSocket" in body["errors"][0]["message"], body


async def test_starting_a_subscription_is_charged_and_refused_past_the_budget(pair, db):
    """A subscription's start costs what a query of the same cost does (kit/ratelimit.py); past the
    caller's budget it does not start (RATE_LIMITED, as over HTTP) and the socket stays open."""
    a, _ = pair
    email, user, _ = await new_user(db, "VISITOR", [])
    token = await log_in(a, email)
    caller = f"user:{user}"

    async def used() -> int:
        return int(await db.fetchval("SELECT coalesce(sum(used), 0) FROM rate_limit_buckets WHERE caller = $1", caller))

    async with socket(a, token) as s:
        before = await used()
        await s.subscribe(NOTIFICATIONS)
        assert await s.message(1) is None  # started: it waits for events
        assert await used() > before  # and was charged
        # the budget spent (this window and the next: the test may cross a window's end)
        await db.execute(
            "INSERT INTO rate_limit_buckets (caller, window_start, used) SELECT $1, to_timestamp(floor(extract(epoch "
            "FROM clock_timestamp()) / 60) * 60 + w), 1000000000 FROM unnest(ARRAY[0, 60]) AS w ON CONFLICT "
            "(caller, window_start) DO UPDATE SET used = EXCLUDED.used",
            caller,
        )
        op = await s.subscribe(NOTIFICATIONS)
        refused = await s.message(10)
        assert refused is not None and refused["type"] == "error" and refused["id"] == op, refused
        error = refused["payload"][0]
        assert error["extensions"]["code"] == "RATE_LIMITED" and error["extensions"]["retryAfter"] >= 1
        assert not s.ws.close_code  # the socket itself stays open
    await db.execute("DELETE FROM rate_limit_buckets WHERE caller = $1", caller)


def test_graphiql_runs_subscriptions_over_the_socket():
    """The GraphiQL page's fetcher hands subscription operations to GraphiQL's own fetcher with a
    WebSocket URL and the login's headers as connection_init's payload; the vendored bundle has
    that fetcher and its graphql-transport-ws client. (In a browser: bench/graphiql_check.py.)"""
    static = Path(__file__).resolve().parent.parent / "gateway" / "static"
    script = (static / "graphiql-login.js").read_text()
    assert "GraphiQL.createFetcher" in script and "subscriptionUrl" in script and "wsConnectionParams" in script
    bundle = (static / "graphiql" / "graphiql.min.js").read_text()
    assert ".createFetcher=function" in bundle and '"graphql-transport-ws"' in bundle
