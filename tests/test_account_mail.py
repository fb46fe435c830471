"""Account mail through the one notification pipeline (issue 15): a password reset and a family
invitation are notifications of no hostel. The mail is read where the pipeline's development
email provider writes it (tests/mail.py); the in-app copy is the recipient's alone (another
user, a warden and the database's own policies see nothing of it), carries no link, and hostel
settings (quiet hours, unsubscribes, channels off) never hold security mail back."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import httpx
import pytest

import demo
from kit.ids import encode_gid
from resolvers.notification import account
from tests.conftest import GQL, as_user, login, unique
from tests.mail import link_token, mailbox_fixture  # noqa: F401 - provides the `mailbox` fixture
from tests.test_notifications import MINE, READ, hostel_row, resident

REQUEST = "mutation($e: String!) { passwordResetRequest(input: {email: $e}) { done errors { code } } }"
CONFIRM = """mutation($t: String!, $p: String!) { passwordResetConfirm(input: {token: $t, newPassword: $p}) {
  done errors { code message } } }"""
REFRESH = """mutation($t: String!) { tokenRefresh(input: {refreshToken: $t}) { accessToken errors { code } } }"""
NODE = "query($id: ID!) { node(id: $id) { id ... on Notification { title } } }"
DELIVERIES = "{ notificationDeliveries(first: 100) { nodes { id } } }"
EMAILS = "query($to: String!) { emailNotifications(first: 10, filter: {toAddress: {eq: $to}}) { nodes { id } } }"


@pytest.fixture
async def own_client(app: Any) -> Any:
    """A client from an address of its own, so that login and reset throttling stay within the test."""
    address = (f"10.7.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}", 5000)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=address), base_url="http://t") as c:
        yield c


async def _gql(client: Any, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    body = (await client.post("/graphql", json={"query": query, "variables": variables})).json()
    assert "errors" not in body, body
    return dict(body["data"])


async def _request_reset(client: Any, email: str) -> None:
    assert (await _gql(client, REQUEST, {"e": email}))["passwordResetRequest"] == {"done": True, "errors": []}


async def _user_gql(client: Any, email: str, password: str = demo.DEMO_PASSWORD, tenant: str | None = None) -> GQL:
    tokens = await login(client, email, password)
    assert tokens["errors"] == [], tokens
    g = GQL(client)
    g.headers["Authorization"] = f"Bearer {tokens['accessToken']}"
    if tenant:
        g.headers["X-Tenant-Id"] = tenant
    return g


async def test_a_reset_mail_resets_the_password_and_ends_every_older_session(own_client, db, mailbox):
    h = await hostel_row(db, "demo-sunrise")
    r = await resident(own_client, db, h)
    before = await login(own_client, r["email"])

    await _request_reset(own_client, r["email"])
    (mail,) = await mailbox.read(r["email"])
    assert mail["recipient"] == [r["email"]] and mail["hostel_id"] is None
    assert mail["title"] == "Reset your password" and "reset-password?token=" in mail["body"]
    assert mail["headers"] == {}  # security mail: no unsubscribe link

    done = await _gql(own_client, CONFIRM, {"t": link_token(mail, "reset-password"), "p": "Reset-pass-2031"})
    assert done["passwordResetConfirm"] == {"done": True, "errors": []}
    assert (await login(own_client, r["email"], "Reset-pass-2031"))["errors"] == []
    assert (await login(own_client, r["email"]))["errors"][0]["code"] == "INVALID"  # the old password
    refreshed = await _gql(own_client, REFRESH, {"t": before["refreshToken"]})
    assert refreshed["tokenRefresh"]["accessToken"] is None  # the session before the reset ended
    assert refreshed["tokenRefresh"]["errors"][0]["code"] == "INVALID"

    # the delivery went through the pipeline: a notification of no hostel, delivered by email
    async with db.acquire() as conn:
        rows = await conn.fetch(
            "SELECT n.hostel_id, n.notification_type, n.status, q.channel, q.status AS delivery "
            "FROM notifications n JOIN notification_queue q ON q.notification_id = n.id "
            "WHERE n.user_id = $1 ORDER BY q.channel",
            r["user_id"],
        )
    assert [tuple(x) for x in rows] == [
        (None, account.PASSWORD_RESET, "SENT", "EMAIL", "DELIVERED"),
        (None, account.PASSWORD_RESET, "SENT", "IN_APP", "DELIVERED"),
    ]


async def test_the_in_app_copy_is_the_recipients_alone_and_carries_no_link(own_client, db, mailbox):
    h = await hostel_row(db, "demo-sunrise")
    r = await resident(own_client, db, h)  # asks in their hostel (X-Tenant-Id: Sunrise)
    other = await resident(own_client, db, h)
    await _request_reset(own_client, r["email"])
    (mail,) = await mailbox.read(r["email"])
    token = link_token(mail, "reset-password")

    mine = (await r["gql"](MINE, {"filter": {"notificationType": {"eq": account.PASSWORD_RESET}}}))["data"]
    (note,) = mine["myNotifications"]["nodes"]
    assert (note["title"], note["priority"], note["readAt"]) == ("Password reset requested", "URGENT", None)
    assert r["email"] in note["body"]
    assert token not in str(note) and "reset-password" not in str(note)
    assert (await r["gql"](NODE, {"id": note["id"]}))["data"]["node"] == {"id": note["id"], "title": note["title"]}

    # another resident, the hostel's warden and a school user: nothing, by id or in their lists
    warden = await as_user(own_client, "warden@sunrise.demo")
    teacher = await as_user(own_client, "teacher@greenwood.demo")
    for g in (other["gql"], warden, teacher):
        assert (await g(NODE, {"id": note["id"]}))["data"]["node"] is None
        assert note["id"] not in str(await g(MINE, {}))
    marked = (await other["gql"](READ, {"id": note["id"]}))["data"]["notificationMarkRead"]
    assert [e["code"] for e in marked["errors"]] == ["NOT_FOUND"]
    async with db.acquire() as conn:
        delivery_ids = [
            encode_gid("NotificationQueue", x)
            for x in await conn.fetchval(
                "SELECT array_agg(id) FROM notification_queue WHERE user_id = $1", r["user_id"]
            )
        ]
    staff_deliveries = str(await warden(DELIVERIES))
    assert not any(d in staff_deliveries for d in delivery_ids)
    # the email record carries the link: no API reads it, platform included
    platform = await as_user(own_client, "platform@demo.campus")
    for g in (warden, platform):
        assert (await g(EMAILS, {"to": r["email"]}))["data"]["emailNotifications"]["nodes"] == []

    # the recipient marks it read, once
    marked = (await r["gql"](READ, {"id": note["id"]}))["data"]["notificationMarkRead"]
    assert marked["errors"] == [] and marked["notification"]["readAt"] is not None
    async with db.acquire() as conn:
        receipts = await conn.fetch("SELECT hostel_id FROM notification_read_receipts WHERE user_id = $1", r["user_id"])
    assert [x["hostel_id"] for x in receipts] == [None]


async def test_security_mail_goes_through_quiet_hours_unsubscribes_and_channels_turned_off(own_client, db, mailbox):
    h = await hostel_row(db, "demo-sunrise")
    r = await resident(own_client, db, h)
    async with db.acquire() as conn:
        await conn.execute(
            "INSERT INTO notification_preferences (hostel_id, user_id, quiet_hours_start, quiet_hours_end, "
            "unsubscribed_all) VALUES ($1, $2, '00:00', '23:59', true)",
            h["id"],
            r["user_id"],
        )
        await conn.execute(
            "INSERT INTO channel_preferences (hostel_id, user_id, channel, notification_type, enabled) "
            "VALUES ($1, $2, 'EMAIL', '*', false)",
            h["id"],
            r["user_id"],
        )
    await _request_reset(own_client, r["email"])
    (mail,) = await mailbox.read(r["email"])
    assert mail["title"] == "Reset your password"


async def test_an_invitation_to_an_address_of_no_account_is_an_email_of_no_user(own_client, db, mailbox):
    admin = await as_user(own_client, "admin@greenwood.demo")
    email = f"{unique('invitee').lower()}@family.test"
    created = await admin(
        "mutation($input: GuardianCreateInput!) { guardianCreate(input: $input) { guardian { id } } }",
        {"input": {"name": "Mail Guardian", "contactNumber": unique("+91")[:30], "email": email}},
    )
    gid = created["data"]["guardianCreate"]["guardian"]["id"]
    invited = await admin(
        "mutation($id: ID!) { guardianInvite(input: {guardianId: $id}) { errors { code } } }", {"id": gid}
    )
    assert invited["data"]["guardianInvite"]["errors"] == []
    (mail,) = await mailbox.read(email)
    assert mail["title"] == "Your invitation to the school app" and "Mail Guardian" in mail["body"]
    assert link_token(mail, "accept-invitation")
    async with db.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT n.hostel_id, n.user_id, n.body, count(q.id) AS deliveries FROM notifications n "
            "JOIN notification_queue q ON q.notification_id = n.id "
            "JOIN email_notifications e ON e.delivery_id = q.id WHERE e.to_address = $1 GROUP BY n.id",
            email,
        )
    # no account, no in-app copy; the notification's own text has no link either
    assert (row["hostel_id"], row["user_id"], row["deliveries"]) == (None, None, 1)
    assert "token=" not in row["body"]


async def test_row_level_security_keeps_account_mail_from_a_hostel_transaction(own_client, db, app_url, mailbox):
    """Beneath the kit: the application's login, scoped to a hostel (as a warden's request), reads
    and writes no row of no hostel; with `app.account_scope` (the pipeline's) it does."""
    h = await hostel_row(db, "demo-sunrise")
    r = await resident(own_client, db, h)
    await _request_reset(own_client, r["email"])
    await mailbox.read(r["email"])
    conn = await asyncpg.connect(app_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        async with conn.transaction():
            await conn.execute("SELECT set_config('app.hostel_id', $1, true)", str(h["id"]))
            for table in ("notifications", "notification_queue", "email_notifications", "notification_batches"):
                assert await conn.fetchval(f"SELECT count(*) FROM {table} WHERE hostel_id IS NULL") == 0, table
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await conn.execute(
                    "INSERT INTO notification_batches (hostel_id, notification_type) VALUES (NULL, 'forged')"
                )
        async with conn.transaction():
            await conn.execute("SELECT set_config('app.user_id', $1, true)", str(r["user_id"]))
            # the recipient reads their own (owner_read), and nothing else of no hostel
            assert await conn.fetchval("SELECT count(*) FROM notifications WHERE hostel_id IS NULL") == 1
            assert await conn.fetchval("SELECT count(*) FROM email_notifications WHERE hostel_id IS NULL") == 0
        async with conn.transaction():
            await conn.execute("SELECT set_config('app.account_scope', 'on', true)")
            assert (
                await conn.fetchval(
                    "SELECT count(*) FROM email_notifications WHERE hostel_id IS NULL AND to_address = $1", r["email"]
                )
                == 1
            )
    finally:
        await conn.close()


async def test_only_account_types_go_without_a_hostel(db, app_url):
    from sqlalchemy.ext.asyncio import create_async_engine

    from kit.errors import UserErrors
    from resolvers.notification.pipeline import notify

    engine = create_async_engine(
        app_url if "+asyncpg" in app_url else app_url.replace("postgresql://", "postgresql+asyncpg://")
    )
    try:
        async with engine.connect() as conn:
            with pytest.raises(UserErrors, match="not account mail"):
                await notify(conn, hostel_id=None, user_ids=[1], type="booking.confirmed")
            with pytest.raises(UserErrors, match="account mail"):
                await notify(conn, hostel_id=1, addresses=["a@b.test"], type="booking.confirmed")
    finally:
        await engine.dispose()
