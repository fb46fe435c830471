"""The notification pipeline (issue 15, resolvers/notification/): staff send through templates,
routing rules and each person's preferences; deliveries run as jobs through the providers (here
the development providers, writing to the test's folder); a provider failure retried delivers
once; people read and mark their own notifications, keep their settings and devices, and
unsubscribe in one click; nobody else sees any of it.

Each test makes its own notification type (templates, rule) and its own residents in Sunrise,
so the demo rows stay as they are and tests do not meet each other's notifications."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from collections import Counter
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

import demo
from kit.ids import decode_gid, encode_gid
from resolvers.jobs import tasks
from resolvers.notification import pipeline, providers
from tests.conftest import GQL, as_user, hostel_today, login, make_settings, unique

ERR = "errors { field code message }"
SUNRISE = "demo-sunrise"


async def ok(g: GQL, query: str, variables: dict[str, Any], name: str) -> dict[str, Any]:
    body = await g(query, variables)
    assert "errors" not in body, body
    payload = body["data"][name]
    assert payload["errors"] == [], payload
    return payload


async def refused(g: GQL, query: str, variables: dict[str, Any], name: str, code: str) -> dict[str, Any]:
    body = await g(query, variables)
    payload = body["data"][name]
    assert [e["code"] for e in payload["errors"]] == [code], payload
    return payload


async def hostel_row(db: Any, slug: str) -> dict[str, Any]:
    row = await db.fetchrow("SELECT id, time_zone FROM hostels WHERE slug = $1", slug)
    return {"id": row["id"], "gid": encode_gid("Hostel", row["id"]), "tz": row["time_zone"]}


async def resident(
    client: Any,
    db: Any,
    h: dict[str, Any],
) -> dict[str, Any]:
    """A new resident of hostel `h` with a login (role, resident record, email and phone)."""
    from auth.passwords import hash_password

    email = f"{unique('res').lower()}@notify.test"
    phone = "+9198" + str(int(time.time_ns()) % 10**8).zfill(8)
    async with db.acquire() as conn, conn.transaction():
        user_id = await conn.fetchval(
            "INSERT INTO users (email, full_name, password_hash, role, phone) VALUES ($1, $2, $3, 'HOSTEL_STUDENT', $4) "
            "RETURNING id",
            email,
            unique("Resident"),
            hash_password(demo.DEMO_PASSWORD),
            phone,
        )
        await conn.execute(
            "INSERT INTO role_assignments (user_id, role, hostel_id) VALUES ($1, 'HOSTEL_STUDENT', $2)",
            user_id,
            h["id"],
        )
        sid = await conn.fetchval(
            "INSERT INTO hostel_students (hostel_id, user_id, full_name, gender, check_in_date, monthly_rent, email, "
            "status) VALUES ($1, $2, $3, 'MALE', $4, 5000, $5, 'ACTIVE') RETURNING id",
            h["id"],
            user_id,
            unique("Resident"),
            hostel_today(),
            email,
        )
    tokens = await login(client, email)
    g = GQL(client)
    g.headers = {**g.headers, "Authorization": f"Bearer {tokens['accessToken']}", "X-Tenant-Id": h["gid"]}
    return {"gql": g, "user_id": user_id, "email": email, "phone": phone, "gid": encode_gid("HostelStudent", sid)}


CREATE_TEMPLATE = f"""mutation($input: NotificationTemplateCreateInput!) {{
  notificationTemplateCreate(input: $input) {{ notificationTemplate {{ id }} {ERR} }} }}"""
PUBLISH = f"""mutation($input: NotificationTemplatePublishInput!) {{
  notificationTemplatePublish(input: $input) {{ notificationTemplateVersion {{ id version subject body }} {ERR} }} }}"""
CREATE_RULE = f"""mutation($input: RoutingRuleCreateInput!) {{
  routingRuleCreate(input: $input) {{ routingRule {{ id channels priority }} {ERR} }} }}"""
SEND = f"""mutation($input: NotificationSendInput!) {{
  notificationSend(input: $input) {{
    notificationBatch {{ id recipientCount deliveryCount deferredCount skippedCount }} {ERR} }} }}"""
MINE = """query($filter: NotificationFilter) { myNotifications(first: 50, filter: $filter) {
  totalCount nodes { id notificationType title body priority status readAt data } } }"""
READ = f"""mutation($id: ID!) {{ notificationMarkRead(input: {{notificationId: $id}}) {{
  notification {{ id readAt }} {ERR} }} }}"""
DELIVERIES = """query($filter: NotificationQueueFilter) { notificationDeliveries(first: 50, filter: $filter) {
  nodes { id channel status attempts lastError scheduledFor provider
          history(first: 10) { nodes { fromStatus toStatus attempt } } } } }"""
PREFS = f"""mutation($input: NotificationPreferenceUpdateInput!) {{ notificationPreferenceUpdate(input: $input) {{
  notificationPreference {{ id quietHoursStart quietHoursEnd unsubscribedAll }} {ERR} }} }}"""
CHANNEL = f"""mutation($input: ChannelPreferenceSetInput!) {{ channelPreferenceSet(input: $input) {{
  channelPreference {{ id channel notificationType enabled }} {ERR} }} }}"""
UNSUBSCRIBE = f"""mutation($token: String!) {{ notificationUnsubscribe(input: {{token: $token}}) {{
  channel notificationType changed {ERR} }} }}"""

TEXTS = {
    "IN_APP": ("Notice for {{ name }}", "Hello {{ name }}: {{ message }}"),
    "EMAIL": ("[Sunrise] {{ message }}", "Dear {{ name }},\n{{ message }}\nThe warden"),
    "SMS": (None, "Sunrise: {{ message }}"),
    "PUSH": ("Sunrise", "{{ message }}"),
}


async def notification_type(
    warden: GQL, channels: tuple[str, ...] = ("EMAIL", "SMS"), templates: tuple[str, ...] | None = None
) -> str:
    """A new type with a published template per channel (`templates`, default: in-app and
    `channels`) and a routing rule sending it on `channels`."""
    code = unique("notice").lower()
    for channel in templates if templates is not None else ("IN_APP", *channels):
        created = await ok(
            warden,
            CREATE_TEMPLATE,
            {"input": {"code": code, "channel": channel, "name": f"{code} {channel}"}},
            "notificationTemplateCreate",
        )
        subject, body = TEXTS[channel]
        await ok(
            warden,
            PUBLISH,
            {
                "input": {
                    "notificationTemplateId": created["notificationTemplate"]["id"],
                    "subject": subject,
                    "body": body,
                }
            },
            "notificationTemplatePublish",
        )
    if channels:
        await ok(
            warden,
            CREATE_RULE,
            {"input": {"name": code, "notificationType": code, "channels": list(channels)}},
            "routingRuleCreate",
        )
    return code


async def send(warden: GQL, code: str, *residents: dict[str, Any], **kw: Any) -> dict[str, Any]:
    data = {"name": "friend", "message": kw.pop("message", "Water off 2-4 pm")}
    inp = {"hostelStudentIds": [r["gid"] for r in residents], "notificationType": code, "data": json.dumps(data), **kw}
    return (await ok(warden, SEND, {"input": inp}, "notificationSend"))["notificationBatch"]


async def deliveries(warden: GQL, user_id: int) -> list[dict[str, Any]]:
    body = await warden(DELIVERIES, {"filter": {"userId": {"eq": user_id}}})
    assert "errors" not in body, body
    return sorted(body["data"]["notificationDeliveries"]["nodes"], key=lambda n: n["channel"])


@pytest.fixture
def outbox(tmp_path: Path) -> Any:
    """The development providers write to this test's folder while it runs."""
    saved = {c: providers.register(c, providers.DevelopmentProvider(c, tmp_path)) for c in ("EMAIL", "SMS", "PUSH")}
    yield tmp_path
    for channel, provider in saved.items():
        providers.register(channel, provider)


async def run_deliveries(app_url: str, db: Any, delivery_ids: list[int], timeout: float = 40) -> None:
    """Run the notification queue until the deliveries ended (retries wait out their backoff)."""
    deadline = time.monotonic() + timeout
    while True:
        await tasks.run_worker(
            app_url,
            queues=[pipeline.QUEUE],
            wait=False,
            concurrency=1,
            install_signal_handlers=False,
            stalled_seconds=3600,
        )
        rows = await db.fetch("SELECT status FROM notification_queue WHERE id = ANY($1)", delivery_ids)
        if all(r["status"] in ("DELIVERED", "FAILED") for r in rows):
            return
        assert time.monotonic() < deadline, [r["status"] for r in rows]
        await asyncio.sleep(0.5)


def sent(outbox: Path, channel: str, to: str) -> list[dict[str, Any]]:
    """What the development provider wrote for `to` (other tests' due jobs may run beside ours)."""
    messages = [json.loads(p.read_text()) for p in sorted((outbox / channel.lower()).glob("*.json"))]
    return [m for m in messages if to in m["recipient"]]


def ids(nodes: list[dict[str, Any]]) -> list[int]:
    return [decode_gid(n["id"])[1] for n in nodes]


# ---- sending and delivering ------------------------------------------------------------------------


async def test_a_notice_reaches_the_resident_in_app_by_email_and_sms_once_each(client, db, app_url, outbox):
    h = await hostel_row(db, SUNRISE)
    warden = await as_user(client, "warden@sunrise.demo")
    r = await resident(client, db, h)
    code = await notification_type(warden)

    batch = await send(warden, code, r, message="Water off 2-4 pm")
    assert (batch["recipientCount"], batch["deliveryCount"], batch["skippedCount"]) == (1, 3, 0)

    mine = (await r["gql"](MINE))["data"]["myNotifications"]
    assert [(n["title"], n["body"], n["readAt"], n["status"]) for n in mine["nodes"]] == [
        ("Notice for friend", "Hello friend: Water off 2-4 pm", None, "QUEUED")
    ]
    queued = await deliveries(warden, r["user_id"])
    assert [(d["channel"], d["status"]) for d in queued] == [
        ("EMAIL", "QUEUED"),
        ("IN_APP", "QUEUED"),
        ("SMS", "QUEUED"),
    ]

    await run_deliveries(app_url, db, ids(queued))
    done = await deliveries(warden, r["user_id"])
    assert [(d["channel"], d["status"], d["attempts"]) for d in done] == [
        ("EMAIL", "DELIVERED", 1),
        ("IN_APP", "DELIVERED", 1),
        ("SMS", "DELIVERED", 1),
    ]
    assert [[(x["fromStatus"], x["toStatus"]) for x in d["history"]["nodes"]] for d in done] == [
        [(None, "QUEUED"), ("QUEUED", "DELIVERED")]
    ] * 3
    (email,) = sent(outbox, "EMAIL", r["email"])
    assert (email["recipient"], email["title"]) == ([r["email"]], "[Sunrise] Water off 2-4 pm")
    assert email["body"] == "Dear friend,\nWater off 2-4 pm\nThe warden"
    assert email["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    (sms,) = sent(outbox, "SMS", r["phone"])
    assert (sms["recipient"], sms["body"]) == ([r["phone"]], "Sunrise: Water off 2-4 pm")
    mine = (await r["gql"](MINE))["data"]["myNotifications"]
    assert [n["status"] for n in mine["nodes"]] == ["SENT"]

    # running the queue again sends nothing more
    await run_deliveries(app_url, db, ids(queued))
    assert (len(sent(outbox, "EMAIL", r["email"])), len(sent(outbox, "SMS", r["phone"]))) == (1, 1)


class LostAnswer:
    """A provider whose first answer per message is lost after it sent (a timeout): the retry
    must not send again. Counts its calls per delivery (other tests' due jobs may pass by)."""

    name = "flaky-after-send"

    def __init__(self, inner: providers.DevelopmentProvider) -> None:
        self.inner, self.calls = inner, Counter[int]()

    async def send(self, message: providers.OutgoingMessage) -> str:
        self.calls[message.delivery_id] += 1
        answer = await self.inner.send(message)
        if self.calls[message.delivery_id] == 1:
            raise TimeoutError("provider did not answer in time")
        return answer


class Outage:
    """A provider down for the first call of each message (nothing sent)."""

    name = "down-once"

    def __init__(self, inner: providers.DevelopmentProvider) -> None:
        self.inner, self.calls = inner, Counter[int]()

    async def send(self, message: providers.OutgoingMessage) -> str:
        self.calls[message.delivery_id] += 1
        if self.calls[message.delivery_id] == 1:
            raise ConnectionError("SMS gateway unreachable")
        return await self.inner.send(message)


async def test_a_provider_failure_is_retried_with_backoff_and_delivers_once(client, db, app_url, outbox):
    h = await hostel_row(db, SUNRISE)
    warden = await as_user(client, "warden@sunrise.demo")
    r = await resident(client, db, h)
    code = await notification_type(warden)
    await send(warden, code, r)
    queued = await deliveries(warden, r["user_id"])

    email = LostAnswer(providers.DevelopmentProvider("EMAIL", outbox))
    sms = Outage(providers.DevelopmentProvider("SMS", outbox))
    with providers.registered("EMAIL", email), providers.registered("SMS", sms):
        await run_deliveries(app_url, db, ids(queued))

    mine = {d["channel"]: decode_gid(d["id"])[1] for d in queued}
    assert (email.calls[mine["EMAIL"]], sms.calls[mine["SMS"]]) == (2, 2)
    assert (len(sent(outbox, "EMAIL", r["email"])), len(sent(outbox, "SMS", r["phone"]))) == (
        1,
        1,
    )  # delivered once each
    done = {d["channel"]: d for d in await deliveries(warden, r["user_id"])}
    for channel, error in (("EMAIL", "TimeoutError: provider did not answer in time"), ("SMS", "ConnectionError")):
        d = done[channel]
        assert (d["status"], d["attempts"], d["lastError"]) == ("DELIVERED", 2, None)
        assert [(x["toStatus"], x["attempt"]) for x in d["history"]["nodes"]] == [
            ("QUEUED", 0),
            ("RETRYING", 1),
            ("DELIVERED", 2),
        ]
        note = await db.fetchval(
            "SELECT note FROM notification_status_history WHERE delivery_id = $1 AND to_status = 'RETRYING'",
            decode_gid(d["id"])[1],
        )
        assert note.startswith(error)


async def test_a_missing_or_broken_template_is_a_clear_error_and_sends_nothing(client, db):
    h = await hostel_row(db, SUNRISE)
    warden = await as_user(client, "warden@sunrise.demo")
    r = await resident(client, db, h)
    before = await db.fetchval("SELECT count(*) FROM notifications WHERE user_id = $1", r["user_id"])

    no_email = await notification_type(warden, channels=("EMAIL",), templates=("IN_APP",))
    inp = {
        "hostelStudentIds": [r["gid"]],
        "notificationType": no_email,
        "data": json.dumps({"name": "a", "message": "b"}),
    }
    payload = await refused(warden, SEND, {"input": inp}, "notificationSend", "INVALID")
    assert f"No active EMAIL template for notification type '{no_email}'" in payload["errors"][0]["message"]

    missing_variable = {**inp, "notificationType": await notification_type(warden, channels=()), "data": "{}"}
    payload = await refused(warden, SEND, {"input": missing_variable}, "notificationSend", "INVALID")
    assert "'name' is undefined" in payload["errors"][0]["message"]

    payload = await refused(warden, SEND, {"input": {**inp, "data": "[1]"}}, "notificationSend", "INVALID")
    assert payload["errors"][0]["field"] == ["input", "data"]
    assert await db.fetchval("SELECT count(*) FROM notifications WHERE user_id = $1", r["user_id"]) == before
    assert await db.fetchval("SELECT count(*) FROM notification_batches WHERE notification_type = $1", no_email) == 0


async def test_publishing_adds_a_version_and_the_latest_is_rendered(client, db):
    h = await hostel_row(db, SUNRISE)
    warden = await as_user(client, "warden@sunrise.demo")
    r = await resident(client, db, h)
    code = await notification_type(warden, channels=())
    template_id = await db.fetchval(
        "SELECT id FROM notification_templates WHERE code = $1 AND channel = 'IN_APP'", code
    )
    gid = encode_gid("NotificationTemplate", template_id)
    v2 = await ok(
        warden,
        PUBLISH,
        {"input": {"notificationTemplateId": gid, "subject": "New: {{ name }}", "body": "{{ message|upper }}"}},
        "notificationTemplatePublish",
    )
    assert v2["notificationTemplateVersion"]["version"] == 2
    bad = await refused(
        warden,
        PUBLISH,
        {"input": {"notificationTemplateId": gid, "body": "{% if %}"}},
        "notificationTemplatePublish",
        "INVALID",
    )
    assert bad["errors"][0]["field"] == ["input", "body"]
    await send(warden, code, r, message="gate closes at 10")
    (n,) = (await r["gql"](MINE))["data"]["myNotifications"]["nodes"]
    assert (n["title"], n["body"]) == ("New: friend", "GATE CLOSES AT 10")


# ---- preferences -----------------------------------------------------------------------------------


async def test_quiet_hours_defer_all_but_urgent_and_a_channel_turned_off_is_skipped(client, db):
    h = await hostel_row(db, SUNRISE)
    warden = await as_user(client, "warden@sunrise.demo")
    r = await resident(client, db, h)
    code = await notification_type(warden)
    local = dt.datetime.now(ZoneInfo(h["tz"]))
    start = (local - dt.timedelta(hours=1)).time().replace(second=0, microsecond=0)
    end = (local + dt.timedelta(hours=2)).time().replace(second=0, microsecond=0)
    prefs = await ok(
        r["gql"],
        PREFS,
        {"input": {"quietHoursStart": start.isoformat(), "quietHoursEnd": end.isoformat()}},
        "notificationPreferenceUpdate",
    )
    assert prefs["notificationPreference"]["quietHoursEnd"] == end.isoformat()
    await ok(
        r["gql"],
        CHANNEL,
        {"input": {"channel": "SMS", "enabled": False, "notificationType": code}},
        "channelPreferenceSet",
    )

    batch = await send(warden, code, r)
    assert (batch["deliveryCount"], batch["deferredCount"], batch["skippedCount"]) == (2, 1, 1)
    by_channel = {d["channel"]: d for d in await deliveries(warden, r["user_id"])}
    assert set(by_channel) == {"IN_APP", "EMAIL"}  # SMS turned off for this type: no delivery
    assert by_channel["IN_APP"]["status"] == "QUEUED"
    assert by_channel["EMAIL"]["status"] == "DEFERRED"
    due = dt.datetime.fromisoformat(by_channel["EMAIL"]["scheduledFor"]).astimezone(ZoneInfo(h["tz"]))
    assert due.time() == end and due > local
    routes = await db.fetch(
        "SELECT channel, decision, reason FROM notification_routes r JOIN notifications n ON n.id = r.notification_id "
        "WHERE n.user_id = $1 ORDER BY channel",
        r["user_id"],
    )
    assert [tuple(x) for x in routes] == [
        ("EMAIL", "DEFER", "quiet hours"),
        ("IN_APP", "SEND", None),
        ("SMS", "SKIP", "SMS turned off for this type"),
    ]
    job_at = await db.fetchval(
        "SELECT scheduled_at FROM procrastinate.procrastinate_jobs WHERE task_name = $1 "
        "AND (args->>'delivery_id')::bigint = $2",
        pipeline.TASK,
        decode_gid(by_channel["EMAIL"]["id"])[1],
    )
    assert job_at == dt.datetime.fromisoformat(by_channel["EMAIL"]["scheduledFor"])

    await send(warden, code, r, priority="URGENT")
    emails = [d for d in await deliveries(warden, r["user_id"]) if d["channel"] == "EMAIL"]
    assert sorted(d["status"] for d in emails) == ["DEFERRED", "QUEUED"]  # urgent goes through quiet hours

    # the preferences refuse half a window and change nothing
    await refused(
        r["gql"], PREFS, {"input": {"quietHoursStart": "22:00:00"}}, "notificationPreferenceUpdate", "INVALID"
    )
    await refused(
        r["gql"], CHANNEL, {"input": {"channel": "IN_APP", "enabled": False}}, "channelPreferenceSet", "INVALID"
    )
    mine = await r["gql"]("{ myNotificationPreferences { nodes { quietHoursStart quietHoursEnd } } }")
    assert mine["data"]["myNotificationPreferences"]["nodes"] == [
        {"quietHoursStart": start.isoformat(), "quietHoursEnd": end.isoformat()}
    ]


async def test_the_unsubscribe_link_turns_email_off_once_without_a_login(client, db, app_url, outbox):
    h = await hostel_row(db, SUNRISE)
    warden = await as_user(client, "warden@sunrise.demo")
    r = await resident(client, db, h)
    code = await notification_type(warden, channels=("EMAIL",))
    await send(warden, code, r)
    await run_deliveries(app_url, db, ids(await deliveries(warden, r["user_id"])))
    (email,) = sent(outbox, "EMAIL", r["email"])
    link = email["headers"]["List-Unsubscribe"].strip("<>")
    token = link.split("token=", 1)[1]

    anonymous = GQL(client)
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    await refused(anonymous, UNSUBSCRIBE, {"token": tampered}, "notificationUnsubscribe", "INVALID")
    await refused(anonymous, UNSUBSCRIBE, {"token": "not-a-token"}, "notificationUnsubscribe", "INVALID")
    first = (await anonymous(UNSUBSCRIBE, {"token": token}))["data"]["notificationUnsubscribe"]
    assert first == {"channel": "EMAIL", "notificationType": code, "changed": True, "errors": []}
    again = (await anonymous(UNSUBSCRIBE, {"token": token}))["data"]["notificationUnsubscribe"]
    assert again["changed"] is False and again["errors"] == []

    mine = await r["gql"]("{ myChannelPreferences { nodes { channel notificationType enabled } } }")
    assert mine["data"]["myChannelPreferences"]["nodes"] == [
        {"channel": "EMAIL", "notificationType": code, "enabled": False}
    ]
    batch = await send(warden, code, r)
    assert (batch["deliveryCount"], batch["skippedCount"]) == (1, 1)  # in-app only now


async def test_the_unsubscribe_page_asks_on_get_and_turns_off_on_post(client, db, app_url, outbox):
    """The link in the email opens a page: GET (which mail scanners prefetch) changes nothing,
    the RFC 8058 one-click POST turns the channel off once; a tampered link says so, as HTML."""
    h = await hostel_row(db, SUNRISE)
    warden = await as_user(client, "warden@sunrise.demo")
    r = await resident(client, db, h)
    code = await notification_type(warden, channels=("EMAIL",))
    await send(warden, code, r)
    await run_deliveries(app_url, db, ids(await deliveries(warden, r["user_id"])))
    (email,) = sent(outbox, "EMAIL", r["email"])
    link = email["headers"]["List-Unsubscribe"].strip("<>")
    assert link.startswith(make_settings().public_url.rstrip("/") + "/unsubscribe?token=")  # absolute: mail has no base
    path = link[link.index("/unsubscribe") :]
    mine = "{ myChannelPreferences { nodes { channel notificationType enabled } } }"

    for _ in range(2):  # a scanner opening it twice changes nothing
        asked = await client.get(path)
        assert asked.status_code == 200 and asked.headers["content-type"].startswith("text/html")
        assert "Unsubscribe?" in asked.text and '<form method="post">' in asked.text
        assert "default-src 'none'" in asked.headers["content-security-policy"]
    assert (await r["gql"](mine))["data"]["myChannelPreferences"]["nodes"] == []

    tampered = path[:-4] + ("AAAA" if not path.endswith("AAAA") else "BBBB")
    bad = await client.post(tampered, data={"List-Unsubscribe": "One-Click"})
    assert bad.status_code == 400 and "not valid" in bad.text
    assert (await r["gql"](mine))["data"]["myChannelPreferences"]["nodes"] == []

    done = await client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and "<h1>Unsubscribed</h1>" in done.text
    assert (await r["gql"](mine))["data"]["myChannelPreferences"]["nodes"] == [
        {"channel": "EMAIL", "notificationType": code, "enabled": False}
    ]
    again = await client.get(path)
    assert "Already unsubscribed" in again.text and "<form" not in again.text


# ---- reading -----------------------------------------------------------------------------------------


async def test_residents_read_and_mark_only_their_own_notifications(client, db):
    h = await hostel_row(db, SUNRISE)
    warden = await as_user(client, "warden@sunrise.demo")
    a, b = await resident(client, db, h), await resident(client, db, h)
    code = await notification_type(warden, channels=())
    await send(warden, code, a, message="one")
    await send(warden, code, a, message="two")
    await send(warden, code, b, message="for b")

    unread = {"readAt": {"isNull": True}, "notificationType": {"eq": code}}
    mine = (await a["gql"](MINE, {"filter": unread}))["data"]["myNotifications"]
    assert sorted(n["body"] for n in mine["nodes"]) == ["Hello friend: one", "Hello friend: two"]
    first = mine["nodes"][0]["id"]
    marked = await ok(a["gql"], READ, {"id": first}, "notificationMarkRead")
    read_at = marked["notification"]["readAt"]
    assert read_at is not None
    again = await ok(a["gql"], READ, {"id": first}, "notificationMarkRead")
    assert again["notification"]["readAt"] == read_at  # reading again changes nothing
    left = (await a["gql"](MINE, {"filter": unread}))["data"]["myNotifications"]
    assert [n["id"] for n in left["nodes"]] == [n["id"] for n in mine["nodes"][1:]]
    receipts = await db.fetchval(
        "SELECT count(*) FROM notification_read_receipts WHERE notification_id = $1", decode_gid(first)[1]
    )
    assert receipts == 1

    # b, the warden and Lotus's warden neither see nor mark a's notification
    other = (await b["gql"](MINE, {"filter": {"notificationType": {"eq": code}}}))["data"]["myNotifications"]
    assert [n["body"] for n in other["nodes"]] == ["Hello friend: for b"]
    await refused(b["gql"], READ, {"id": mine["nodes"][1]["id"]}, "notificationMarkRead", "NOT_FOUND")
    assert (await warden(MINE, {"filter": {"notificationType": {"eq": code}}}))["data"]["myNotifications"][
        "totalCount"
    ] == 0
    lotus = await as_user(client, "warden@lotus.demo")
    node = await lotus("query($id: ID!) { node(id: $id) { id } }", {"id": first})
    assert node["data"]["node"] is None
    assert (await lotus(MINE, {"filter": {"notificationType": {"eq": code}}}))["data"]["myNotifications"][
        "totalCount"
    ] == 0


async def test_staff_tools_are_refused_to_residents(client, db):
    h = await hostel_row(db, SUNRISE)
    warden = await as_user(client, "warden@sunrise.demo")
    r = await resident(client, db, h)
    code = await notification_type(warden, channels=())
    inp = {"hostelStudentIds": [r["gid"]], "notificationType": code, "data": "{}"}
    body = await r["gql"](SEND, {"input": inp}, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    body = await r["gql"]("{ notificationTemplates(first: 5) { nodes { id } } }", expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    body = await r["gql"]("{ notificationDeliveries(first: 5) { nodes { id } } }", expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    # Lotus's warden cannot send to a Sunrise resident: another hostel's resident does not exist for them
    lotus = await as_user(client, "warden@lotus.demo")
    await refused(lotus, SEND, {"input": inp}, "notificationSend", "NOT_FOUND")


async def test_devices_are_registered_listed_and_removed_by_their_owner_only(client, db):
    h = await hostel_row(db, SUNRISE)
    a, b = await resident(client, db, h), await resident(client, db, h)
    register = f"""mutation($input: DeviceTokenRegisterInput!) {{ deviceTokenRegister(input: $input) {{
      deviceToken {{ id platform active }} {ERR} }} }}"""
    remove = f"""mutation($id: ID!) {{ deviceTokenRemove(input: {{deviceTokenId: $id}}) {{
      deviceToken {{ id active }} {ERR} }} }}"""
    token = unique("fcm-token-")
    device = (await ok(a["gql"], register, {"input": {"token": token, "platform": "ANDROID"}}, "deviceTokenRegister"))[
        "deviceToken"
    ]
    again = await ok(a["gql"], register, {"input": {"token": token, "platform": "ANDROID"}}, "deviceTokenRegister")
    assert again["deviceToken"]["id"] == device["id"]  # the same device, refreshed
    await refused(
        a["gql"], register, {"input": {"token": "short", "platform": "IOS"}}, "deviceTokenRegister", "INVALID"
    )
    listed = await a["gql"]("{ myDeviceTokens { nodes { id active } } }")
    assert listed["data"]["myDeviceTokens"]["nodes"] == [{"id": device["id"], "active": True}]
    assert (await b["gql"]("{ myDeviceTokens { nodes { id } } }"))["data"]["myDeviceTokens"]["nodes"] == []
    await refused(b["gql"], remove, {"id": device["id"]}, "deviceTokenRemove", "NOT_FOUND")
    removed = await ok(a["gql"], remove, {"id": device["id"]}, "deviceTokenRemove")
    assert removed["deviceToken"]["active"] is False


async def test_my_notifications_costs_the_same_statements_for_one_or_many(client, db):
    h = await hostel_row(db, SUNRISE)
    warden = await as_user(client, "warden@sunrise.demo")
    one, many = await resident(client, db, h), await resident(client, db, h)
    code = await notification_type(warden, channels=())
    await send(warden, code, one)
    for i in range(6):
        await send(warden, code, many, message=f"n{i}")
    query = """{ myNotifications(first: 20, filter: {readAt: {isNull: true}}) { totalCount
      nodes { id title readAt readReceipts(first: 3) { nodes { readAt } } } } }"""
    counts = []
    for r in (one, many):
        body = await r["gql"](query)
        assert "errors" not in body, body
        counts.append((body["data"]["myNotifications"]["totalCount"], r["gql"].statements(body)))
    assert [c[0] for c in counts] == [1, 6]
    assert counts[0][1] == counts[1][1]


# ---- domains that tell people through the pipeline --------------------------------------------------


async def test_a_waitlist_offer_reaches_the_visitor_through_the_pipeline(client, db):
    from tests.booking_world import add_room_type, booking_input, call, create, make_world, mutation

    world = await make_world(db, client)  # a hostel of its own, without templates: the booking domain's defaults
    await add_room_type(db, world, "SGL", beds=1, price="12000.00")
    start = hostel_today() + dt.timedelta(days=10)
    held = await create(world.admin, booking_input(world, "SGL", start=start, months=1))
    assert (await call(world.admin, "bookingApprove", {"id": held["id"]}))["errors"] == []
    join = mutation("waitlistJoin", "bookingWaitlist", "id status")
    inp = {
        "roomTypeId": world.rt("SGL"),
        "fromDate": str(start),
        "toDate": held["checkOutDate"],
        "contactName": "Waiting visitor",
        "gender": "MALE",
        "contactEmail": "waiting@example.com",
        "hostelId": world.gid,
    }
    entry = (await world.visitor(join, {"i": inp}))["data"]["waitlistJoin"]
    assert entry["errors"] == [], entry
    offers = {"filter": {"notificationType": {"eq": "waitlist.offer"}}}
    assert (await world.visitor(MINE, offers))["data"]["myNotifications"]["totalCount"] == 0

    assert (await call(world.admin, "bookingCancel", {"id": held["id"], "reason": "Plans changed"}))["errors"] == []
    (offer,) = (await world.visitor(MINE, offers))["data"]["myNotifications"]["nodes"]
    assert (offer["title"], offer["priority"]) == ("A bed is free for you", "HIGH")
    assert offer["body"].startswith("A bed is free for ") and "book within 48 hours" in offer["body"]
    # a visitor has no tenant of theirs, yet marks their offer read
    marked = await ok(world.visitor, READ, {"id": offer["id"]}, "notificationMarkRead")
    assert marked["notification"]["readAt"] is not None
    unread = {"filter": {"notificationType": {"eq": "waitlist.offer"}, "readAt": {"isNull": True}}}
    assert (await world.visitor(MINE, unread))["data"]["myNotifications"]["totalCount"] == 0
    assert (await world.visitor("{ myNotificationPreferences { totalCount } }"))["data"] == {
        "myNotificationPreferences": {"totalCount": 0}
    }
    # the staff of the hostel see its delivery; the visitor's notification is theirs alone
    staff_view = await world.admin("{ notificationDeliveries(first: 5) { nodes { channel status } } }")
    assert staff_view["data"]["notificationDeliveries"]["nodes"] == [{"channel": "IN_APP", "status": "QUEUED"}]
    assert (await world.admin(MINE, offers))["data"]["myNotifications"]["totalCount"] == 0


async def test_the_demo_hostels_have_live_notification_screens(client):
    for email in ("warden@sunrise.demo", "warden@lotus.demo", "resident@sunrise.demo"):
        g = await as_user(client, email)
        body = await g(
            """{ myNotifications(first: 10) { totalCount nodes { title status } }
            myNotificationPreferences { totalCount } }"""
        )
        mine = body["data"]["myNotifications"]
        assert mine["totalCount"] >= 2 and {n["status"] for n in mine["nodes"]} <= {"SENT", "QUEUED"}, (email, mine)
    for email in ("warden@sunrise.demo", "warden@lotus.demo"):
        g = await as_user(client, email)
        body = await g(
            """{ notificationTemplates(first: 50) { totalCount } routingRules(first: 10) { totalCount }
            notificationDeliveries(first: 50, filter: {status: {eq: DELIVERED}}) { totalCount } }"""
        )
        data = body["data"]
        assert data["notificationTemplates"]["totalCount"] >= 8 and data["routingRules"]["totalCount"] >= 3, data
        assert data["notificationDeliveries"]["totalCount"] >= 2, (email, data)


async def test_an_unread_notification_escalates_once_along_its_path(client, db, app_url):
    from resolvers.notification import escalation

    h = await hostel_row(db, SUNRISE)
    warden = await as_user(client, "warden@sunrise.demo")
    supervisor_id = await db.fetchval("SELECT id FROM users WHERE email = 'supervisor@sunrise.demo'")
    r, other = await resident(client, db, h), await resident(client, db, h)
    code = await notification_type(warden, channels=())
    path = f"""mutation($input: EscalationPathCreateInput!) {{ escalationPathCreate(input: $input) {{
      escalationPath {{ id afterMinutes }} {ERR} }} }}"""
    await ok(
        warden,
        path,
        {"input": {"notificationType": code, "afterMinutes": 30, "escalateToUserId": supervisor_id}},
        "escalationPathCreate",
    )
    await send(warden, code, r, message="fire drill at 6")
    await send(warden, code, other, message="fire drill at 6")
    (read,) = (await other["gql"](MINE, {"filter": {"notificationType": {"eq": code}}}))["data"]["myNotifications"][
        "nodes"
    ]
    await ok(other["gql"], READ, {"id": read["id"]}, "notificationMarkRead")

    async with tasks.opened(app_url):
        assert await escalation.escalate(h["id"]) == 0  # not yet 30 minutes
        later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=31)
        assert await escalation.escalate(h["id"], later) == 1  # the unread one only
        assert await escalation.escalate(h["id"], later) == 0  # once

    supervisor = await as_user(client, "supervisor@sunrise.demo")
    told = await supervisor(MINE, {"filter": {"notificationType": {"eq": escalation.ESCALATED}}})
    bodies = [n["body"] for n in told["data"]["myNotifications"]["nodes"]]
    assert any(b.endswith('has not read "Notice for friend" for 30 minutes.') for b in bodies), bodies
    rows = await db.fetch(
        "SELECT e.status, n.user_id FROM notification_escalations e JOIN notifications n ON n.id = e.notification_id "
        "WHERE n.notification_type = $1",
        code,
    )
    assert [(x["status"], x["user_id"]) for x in rows] == [("ESCALATED", r["user_id"])]
