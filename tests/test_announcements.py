"""Announcements (issue 15, resolvers/announcement/): staff draft and target them, the hostel's
approval rules decide who approves (never the author), the scheduling job publishes them at
their time and recurring ones once per due time, publishing tells the residents through the
notification pipeline in batches, a revision is a new version; residents read, view and
acknowledge their own; engagement is computed from those rows.

Each test makes a hostel of its own (tests/booking_world.py) with its own residents on their
own floors, so the demo rows stay as they are and the hostel-wide approval rules of one test
never meet another's announcements."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from kit.ids import decode_gid, encode_gid
from resolvers.announcement import publishing, scheduling
from resolvers.jobs import tasks
from resolvers.notification import delivery, providers
from tests.booking_world import World, add_room_type, make_world
from tests.conftest import GQL, as_user, login, unique

ERR = "errors { field code message }"
FIELDS = "id status version title content recipientCount publishedAt"


def m(name: str, entity: str, fields: str = "id") -> str:
    title = name[:1].upper() + name[1:]
    return f"""mutation($input: {title}Input!) {{ {name}(input: $input) {{ {entity} {{ {fields} }} {ERR} }} }}"""


async def call(g: GQL, name: str, entity: str, inp: dict[str, Any], fields: str = "id") -> dict[str, Any]:
    body = await g(m(name, entity, fields), {"input": inp})
    assert "errors" not in body, body
    return body["data"][name]


async def ok(g: GQL, name: str, entity: str, inp: dict[str, Any], fields: str = "id") -> dict[str, Any]:
    payload = await call(g, name, entity, inp, fields)
    assert payload["errors"] == [], payload
    return payload[entity]


async def refused(g: GQL, name: str, entity: str, inp: dict[str, Any], code: str) -> str:
    payload = await call(g, name, entity, inp)
    assert [e["code"] for e in payload["errors"]] == [code], payload
    assert payload[entity] is None
    return str(payload["errors"][0]["message"])


async def resident(client: Any, db: Any, world: World, bed: int | None = None, **extra: Any) -> dict[str, Any]:
    """A new resident of the world's hostel with a login, in `bed` (its room's floor) or none."""
    from auth.passwords import hash_password
    import demo

    email = f"{unique('ann').lower()}@announce.test"
    async with db.acquire() as conn, conn.transaction():
        user_id = await conn.fetchval(
            "INSERT INTO users (email, full_name, password_hash, role) VALUES ($1, $2, $3, 'HOSTEL_STUDENT') RETURNING id",
            email,
            unique("Resident"),
            hash_password(demo.DEMO_PASSWORD),
        )
        await conn.execute(
            "INSERT INTO role_assignments (user_id, role, hostel_id) VALUES ($1, 'HOSTEL_STUDENT', $2)",
            user_id,
            world.hostel,
        )
        sid = await conn.fetchval(
            "INSERT INTO hostel_students (hostel_id, user_id, full_name, gender, check_in_date, monthly_rent, email, "
            "institution) VALUES ($1, $2, $3, $4, current_date, 5000, $5, $6) RETURNING id",
            world.hostel,
            user_id,
            unique("Resident"),
            extra.get("gender", "MALE"),
            email,
            extra.get("institution"),
        )
        if bed is not None:
            await conn.execute("UPDATE beds SET current_student_id = $1 WHERE id = $2", sid, bed)
    tokens = await login(client, email)
    g = GQL(client)
    g.headers = {**g.headers, "Authorization": f"Bearer {tokens['accessToken']}", "X-Tenant-Id": world.gid}
    return {"gql": g, "user_id": user_id, "id": sid, "gid": encode_gid("HostelStudent", sid)}


async def world_with_floors(db: Any, client: Any) -> tuple[World, list[int]]:
    """A hostel of its own with two rooms of two beds, on floors 0 and 1."""
    world = await make_world(db, client)
    await add_room_type(db, world, "DBL", beds=2, rooms=2)
    return world, world.beds["DBL"]  # beds 0, 1 on floor 0; beds 2, 3 on floor 1


async def draft(world: World, title: str = "Water off", **extra: Any) -> str:
    inp = {"title": title, "content": "Water will be off on Sunday 2-4 pm.", **extra}
    return str((await ok(world.admin, "announcementCreate", "announcement", inp))["id"])


async def target(world: World, announcement: str, **inp: Any) -> str:
    created = await ok(
        world.admin, "announcementTargetAdd", "announcementTarget", {"announcementId": announcement, **inp}, "id"
    )
    return str(created["id"])


async def move(g: GQL, name: str, announcement: str, **extra: Any) -> dict[str, Any]:
    return await ok(g, name, "announcement", {"announcementId": announcement, **extra}, FIELDS)


async def history(world: World, announcement: str) -> list[tuple[str, str | None, str]]:
    body = await world.admin(
        """query($f: AnnouncementApprovalHistoryFilter) { announcementApprovalHistory(first: 50, filter: $f,
        orderBy: {field: CREATED_AT, direction: ASC}) { nodes { action fromStatus toStatus } } }""",
        {"f": {"announcementId": {"eq": announcement}}},
    )
    assert "errors" not in body, body
    return [(n["action"], n["fromStatus"], n["toStatus"]) for n in body["data"]["announcementApprovalHistory"]["nodes"]]


MINE = """{ myAnnouncements(first: 20) { totalCount nodes { id readAt acknowledgedAt
  announcement { id title content version requiresAcknowledgment } } } }"""


async def mine(r: dict[str, Any]) -> list[dict[str, Any]]:
    body = await r["gql"](MINE)
    assert "errors" not in body, body
    return list(body["data"]["myAnnouncements"]["nodes"])


async def run_batches(app_url: str, db: Any, world: World) -> list[str]:
    """The batch jobs of the world's announcements, run here (the queue's job does the same)."""
    ids = [
        r["id"]
        for r in await db.fetch(
            "SELECT id FROM announcement_delivery_batches WHERE hostel_id = $1 AND status = 'PENDING' ORDER BY id",
            world.hostel,
        )
    ]
    async with tasks.opened(app_url):
        return [await publishing.deliver(world.hostel, b) for b in ids]


# ---- drafting, targeting, publishing ----------------------------------------------------------------


async def test_a_draft_targeted_at_a_floor_and_a_resident_reaches_exactly_them(client, db, app_url):
    world, beds = await world_with_floors(db, client)
    on_0, on_1, other_1 = (
        await resident(client, db, world, beds[0]),
        await resident(client, db, world, beds[2]),
        await resident(client, db, world, beds[3], institution="City College"),
    )
    no_bed = await resident(client, db, world)
    a = await draft(world)
    await target(world, a, targetType="FLOORS", floors=[1])
    t2 = await target(world, a, targetType="RESIDENTS", studentIds=[no_bed["gid"]])
    rule = {"announcementTargetId": t2, "field": "FLOOR", "operator": "GTE", "value": "x"}
    assert "not a value of FLOOR" in await refused(world.admin, "targetingRuleAdd", "targetingRule", rule, "INVALID")
    # floor 1 without the City College student
    t1 = await db.fetchval(
        "SELECT id FROM announcement_targets WHERE hostel_id = $1 AND target_type = 'FLOORS'", world.hostel
    )
    await ok(
        world.admin,
        "targetingRuleAdd",
        "targetingRule",
        {
            "announcementTargetId": encode_gid("AnnouncementTarget", t1),
            "field": "INSTITUTION",
            "operator": "CONTAINS",
            "value": "college",
            "isExclusion": True,
        },
    )
    cache = await ok(
        world.admin,
        "announcementAudienceCompute",
        "targetAudienceCache",
        {"announcementId": a},
        "recipientCount withLoginCount byFloor computedAt",
    )
    assert (cache["recipientCount"], cache["byFloor"]) == (2, {"1": 1, "none": 1})

    # nobody has approval rules here: submitting approves at once
    assert (await move(world.admin, "announcementSubmit", a))["status"] == "APPROVED"
    published = await move(world.admin, "announcementPublish", a)
    assert (published["status"], published["recipientCount"], published["version"]) == ("PUBLISHED", 2, 1)
    assert await history(world, a) == [
        ("CREATED", None, "DRAFT"),
        ("SUBMITTED", "DRAFT", "PENDING_APPROVAL"),
        ("AUTO_APPROVED", "PENDING_APPROVAL", "APPROVED"),
        ("PUBLISHED", "APPROVED", "PUBLISHED"),
    ]
    assert [n["announcement"]["title"] for n in await mine(on_1)] == ["Water off"]
    assert [n["announcement"]["title"] for n in await mine(no_bed)] == ["Water off"]
    assert await mine(on_0) == [] and await mine(other_1) == []
    # not theirs: as if it did not exist
    body = await on_0["gql"]("query($id: ID!) { node(id: $id) { id } }", {"id": a})
    assert body["data"]["node"] is None
    await refused(on_0["gql"], "announcementMarkRead", "announcementRecipient", {"announcementId": a}, "NOT_FOUND")

    # one batch told through the pipeline: an in-app notification each
    assert await run_batches(app_url, db, world) == ["PROCESSING"]
    assert await run_batches(app_url, db, world) == []  # told once
    for r in (on_1, no_bed):
        body = await r["gql"](
            '{ myNotifications(first: 5, filter: {notificationType: {eq: "announcement.published"}}) '
            "{ nodes { title body } } }"
        )
        assert body["data"]["myNotifications"]["nodes"] == [
            {"title": "Water off", "body": "Water will be off on Sunday 2-4 pm."}
        ]
    deliveries = await world.admin("{ announcementDeliveries(first: 10) { totalCount nodes { channel status } } }")
    assert deliveries["data"]["announcementDeliveries"]["totalCount"] == 2

    # an invalid move changes nothing
    before = await history(world, a)
    message = await refused(world.admin, "announcementSubmit", "announcement", {"announcementId": a}, "CONFLICT")
    assert message.startswith("A PUBLISHED announcement cannot become PENDING_APPROVAL")
    await refused(world.admin, "announcementUpdate", "announcement", {"announcementId": a, "title": "x"}, "CONFLICT")
    assert await history(world, a) == before


async def test_submitting_a_draft_that_reaches_nobody_is_refused(client, db):
    world, _ = await world_with_floors(db, client)
    a = await draft(world)
    message = await refused(world.admin, "announcementSubmit", "announcement", {"announcementId": a}, "INVALID")
    assert "reach no current resident" in message
    assert await history(world, a) == [("CREATED", None, "DRAFT")]
    inp = {"announcementId": a, "targetType": "FLOORS", "studentIds": []}
    await refused(world.admin, "announcementTargetAdd", "announcementTarget", inp, "INVALID")


async def test_staff_attach_an_uploaded_file_once_and_another_hostels_file_is_not_found(client, db):
    from tests.test_files import PDF, upload

    world, _ = await world_with_floors(db, client)
    a = await draft(world)
    uploaded = await upload(world.admin, PDF, "timetable.pdf")
    file_id = uploaded["fileUpload"]["id"]
    fields = "id caption file { fileName }"
    inp = {"announcementId": a, "fileId": file_id, "caption": " Water timetable "}
    added = await ok(world.admin, "announcementAttachmentAdd", "announcementAttachment", inp, fields)
    assert (added["caption"], added["file"]) == ("Water timetable", {"fileName": "timetable.pdf"})
    await refused(world.admin, "announcementAttachmentAdd", "announcementAttachment", inp, "CONFLICT")
    # a file of the demo hostel is out of this hostel's sight: not found, nothing attached
    warden = await as_user(client, "warden@sunrise.demo")
    theirs = (await upload(warden, PDF, "theirs.pdf"))["fileUpload"]["id"]
    elsewhere = {"announcementId": a, "fileId": theirs}
    await refused(world.admin, "announcementAttachmentAdd", "announcementAttachment", elsewhere, "NOT_FOUND")
    listed = await world.admin(
        "query($a: ID!) { node(id: $a) { ... on Announcement { attachments(first: 5) { totalCount } } } }", {"a": a}
    )
    assert listed["data"]["node"]["attachments"]["totalCount"] == 1


# ---- approval ------------------------------------------------------------------------------------------


async def test_approval_follows_the_hostels_workflow_and_never_lets_the_author_approve(client, db):
    world, beds = await world_with_floors(db, client)
    r = await resident(client, db, world, beds[0])
    workflow = {"name": "Supervisor signs", "approverRoles": ["SUPERVISOR"], "slaHours": 4, "minPriority": "NORMAL"}
    await ok(world.admin, "announcementApprovalWorkflowCreate", "announcementApprovalWorkflow", workflow)
    bad = {**workflow, "approverRoles": ["HOSTEL_STUDENT"]}
    await refused(world.admin, "announcementApprovalWorkflowCreate", "announcementApprovalWorkflow", bad, "INVALID")

    a = await draft(world, "Fire drill")
    await target(world, a, targetType="ALL")
    submitted = await move(world.admin, "announcementSubmit", a, publishOnApproval=True)
    assert submitted["status"] == "PENDING_APPROVAL"
    message = await refused(world.admin, "announcementApprove", "announcement", {"announcementId": a}, "FORBIDDEN")
    assert message == "The author of an announcement cannot approve it."
    # a resident may not approve at all
    body = await r["gql"](
        m("announcementApprove", "announcement"), {"input": {"announcementId": a}}, expect_errors=True
    )
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    approved = await move(world.supervisor, "announcementApprove", a, note="ok")
    assert (approved["status"], approved["recipientCount"]) == ("PUBLISHED", 1)  # as its author asked
    body = await world.admin(
        """{ announcementApprovals(first: 5) { nodes { status approvalsGiven requiredApprovals dueAt decidedAt } } }"""
    )
    (round_,) = body["data"]["announcementApprovals"]["nodes"]
    assert (round_["status"], round_["approvalsGiven"], round_["requiredApprovals"]) == ("APPROVED", 1, 1)
    assert [h[0] for h in await history(world, a)] == ["CREATED", "SUBMITTED", "APPROVED", "PUBLISHED"]

    # rejected: edited and submitted again; an auto-approval rule for ordinary mess notices
    b = await draft(world, "Mess menu", priority="HIGH")
    await target(world, b, targetType="ALL")
    await move(world.admin, "announcementSubmit", b)
    rejected = await move(world.supervisor, "announcementReject", b, reason="Wrong week")
    assert rejected["status"] == "REJECTED"
    await refused(world.supervisor, "announcementApprove", "announcement", {"announcementId": b}, "CONFLICT")
    await move(
        world.admin, "announcementUpdate", b, content="The menu of next week.", priority="NORMAL", category="MESS"
    )
    await ok(
        world.admin,
        "announcementApprovalRuleCreate",
        "announcementApprovalRule",
        {"name": "Mess notices", "categories": ["MESS"], "maxPriority": "NORMAL"},
    )
    resubmitted = await move(world.admin, "announcementWithdraw", b)
    assert resubmitted["status"] == "DRAFT"
    assert (await move(world.admin, "announcementSubmit", b))["status"] == "APPROVED"
    assert [h[0] for h in await history(world, b)] == [
        "CREATED",
        "SUBMITTED",
        "REJECTED",
        "EDITED",
        "WITHDRAWN",
        "SUBMITTED",
        "AUTO_APPROVED",
    ]
    rule = await world.admin("{ announcementApprovalRules(first: 5) { nodes { usageCount lastUsedAt } } }")
    assert rule["data"]["announcementApprovalRules"]["nodes"][0]["usageCount"] == 1


async def test_another_hostels_staff_see_and_move_nothing(client, db):
    world, beds = await world_with_floors(db, client)
    await resident(client, db, world, beds[0])
    a = await draft(world)
    await refused(world.other, "announcementArchive", "announcement", {"announcementId": a}, "NOT_FOUND")
    body = await world.other("{ announcements(first: 50) { nodes { id } } }")
    assert a not in {n["id"] for n in body["data"]["announcements"]["nodes"]}
    assert await history(world, a) == [("CREATED", None, "DRAFT")]


# ---- scheduling --------------------------------------------------------------------------------------


async def test_the_scheduling_job_publishes_at_the_time_and_each_due_time_once(client, db, app_url):
    world, beds = await world_with_floors(db, client)
    r = await resident(client, db, world, beds[0])
    a = await draft(world, "Pest control")
    await target(world, a, targetType="ALL")
    await move(world.admin, "announcementSubmit", a)
    now = dt.datetime.now(dt.UTC)
    at = now + dt.timedelta(hours=1)
    await refused(
        world.admin,
        "announcementSchedule",
        "announcement",
        {"announcementId": a, "publishAt": (now - dt.timedelta(minutes=1)).isoformat()},
        "INVALID",
    )
    scheduled = await move(world.admin, "announcementSchedule", a, publishAt=at.isoformat())
    assert scheduled["status"] == "SCHEDULED"

    weekly = {
        "title": "Room inspection",
        "content": "Rooms are inspected on Saturday.",
        "pattern": "WEEKLY",
        "nextRunAt": (now + dt.timedelta(minutes=5)).isoformat(),
    }
    rec = await ok(world.admin, "recurringAnnouncementCreate", "recurringAnnouncement", weekly, "id nextRunAt")
    async with tasks.opened(app_url):
        assert await scheduling.run_due(world.hostel, now) == {
            "published": 0,
            "recurring": 0,
            "archived": 0,
            "escalated": 0,
        }
        later = now + dt.timedelta(hours=2)
        assert await scheduling.run_due(world.hostel, later) == {
            "published": 1,
            "recurring": 1,
            "archived": 0,
            "escalated": 0,
        }
        assert await scheduling.run_due(world.hostel, later) == {
            "published": 0,
            "recurring": 0,
            "archived": 0,
            "escalated": 0,
        }
    assert sorted(n["announcement"]["title"] for n in await mine(r)) == ["Pest control", "Room inspection"]
    executions = await world.admin(
        "{ announcementScheduleExecutions(first: 10) { nodes { status recipients dueAt } } }"
    )
    assert [(e["status"], e["recipients"]) for e in executions["data"]["announcementScheduleExecutions"]["nodes"]] == [
        ("SUCCEEDED", 1),
        ("SUCCEEDED", 1),
    ]
    moved = await db.fetchval("SELECT next_run_at FROM recurring_announcements WHERE id = $1", decode_gid(rec["id"])[1])
    assert moved == dt.datetime.fromisoformat(weekly["nextRunAt"]) + dt.timedelta(weeks=1)


# ---- revising, reading, acknowledging, engagement ------------------------------------------------------


async def test_residents_read_and_acknowledge_and_engagement_is_computed(client, db, app_url):
    world, beds = await world_with_floors(db, client)
    r1, r2 = await resident(client, db, world, beds[0]), await resident(client, db, world, beds[1])
    a = await draft(world, "Fee deadline", requiresAcknowledgment=True)
    await target(world, a, targetType="FLOORS", floors=[0])
    await move(world.admin, "announcementSubmit", a)
    await move(world.admin, "announcementPublish", a)

    view = {"announcementId": a, "device": "MOBILE"}
    await ok(r1["gql"], "announcementView", "announcementView", {**view, "readingSeconds": 40, "scrollPercent": 100})
    await ok(r1["gql"], "announcementView", "announcementView", {**view, "device": "WEB", "readingSeconds": 30})
    await refused(r1["gql"], "announcementView", "announcementView", {**view, "scrollPercent": 101}, "INVALID")
    ack = await ok(
        r1["gql"], "announcementAcknowledge", "acknowledgment", {"announcementId": a, "note": "Paid"}, "id onTime"
    )
    again = await ok(r1["gql"], "announcementAcknowledge", "acknowledgment", {"announcementId": a}, "id onTime")
    assert again == ack and ack["onTime"] is True
    (row,) = await mine(r1)
    assert row["readAt"] is not None and row["acknowledgedAt"] is not None
    # a resident sees their own receipts only; staff all of them
    own = await r2["gql"](
        "{ announcementReadReceipts(first: 5) { totalCount } announcementAcknowledgments { totalCount } }"
    )
    assert own["data"] == {
        "announcementReadReceipts": {"totalCount": 0},
        "announcementAcknowledgments": {"totalCount": 0},
    }
    staff = await world.admin("{ announcementReadReceipts(first: 5) { totalCount } }")
    assert staff["data"]["announcementReadReceipts"]["totalCount"] == 1

    # revised: a new version, told again; a draft is not revised
    revised = await move(
        world.admin, "announcementRevise", a, content="The deadline moved to Friday.", changeSummary="deadline moved"
    )
    assert (revised["version"], revised["content"]) == (2, "The deadline moved to Friday.")
    versions = await world.admin("{ announcementVersions(first: 5) { nodes { version content changeSummary } } }")
    assert [(v["version"], v["changeSummary"]) for v in versions["data"]["announcementVersions"]["nodes"]] == [
        (1, None),
        (2, "deadline moved"),
    ]
    assert await run_batches(app_url, db, world) == ["PROCESSING", "PROCESSING"]  # version 1, then 2

    metric = await ok(
        world.admin,
        "announcementEngagementCompute",
        "engagementMetric",
        {"announcementId": a},
        "recipients readCount acknowledgedCount viewCount uniqueViewers readRate acknowledgmentRate viewsByDevice "
        "engagementScore computedAt",
    )
    assert (metric["recipients"], metric["readCount"], metric["acknowledgedCount"]) == (2, 1, 1)
    assert (metric["viewCount"], metric["uniqueViewers"], metric["viewsByDevice"]) == (2, 1, {"MOBILE": 1, "WEB": 1})
    assert (metric["readRate"], metric["acknowledgmentRate"]) == (50.0, 50.0)
    assert metric["engagementScore"] == 0.6 * 50 + 0.3 * 50 + 0.1 * 100
    reading = await world.admin("{ readingTimeAnalytics { nodes { readers averageSeconds thoroughReaders } } }")
    assert reading["data"]["readingTimeAnalytics"]["nodes"] == [
        {"readers": 1, "averageSeconds": 70.0, "thoroughReaders": 1}
    ]

    b = await draft(world, "No ack")
    await refused(
        world.admin,
        "announcementRevise",
        "announcement",
        {"announcementId": b, "content": "x", "changeSummary": "y"},
        "CONFLICT",
    )
    # archived: gone from the residents' lists
    await move(world.admin, "announcementArchive", a)
    assert await mine(r1) == []


# ---- delivery through the pipeline -----------------------------------------------------------------------


class DownOnce:
    """An in-app provider down for the first call of each message."""

    name = "down-once"

    def __init__(self, inner: Any) -> None:
        self.inner, self.calls = inner, Counter[int]()

    async def send(self, message: providers.OutgoingMessage) -> str:
        self.calls[message.delivery_id] += 1
        if self.calls[message.delivery_id] == 1:
            raise ConnectionError("push gateway unreachable")
        return str(await self.inner.send(message))


async def test_batches_follow_the_channel_size_and_failures_and_retries_are_mirrored(client, db, app_url):
    world, beds = await world_with_floors(db, client)
    residents = [await resident(client, db, world, b) for b in beds[:3]]
    await ok(world.admin, "deliveryChannelCreate", "deliveryChannel", {"channel": "IN_APP", "batchSize": 2})
    a = await draft(world)
    await target(world, a, targetType="ALL")
    await move(world.admin, "announcementSubmit", a)
    await move(world.admin, "announcementPublish", a)
    assert await run_batches(app_url, db, world) == ["PROCESSING", "PROCESSING"]  # 2 + 1 residents

    queue = [
        r["notification_delivery_id"]
        for r in await db.fetch(
            "SELECT notification_delivery_id FROM announcement_deliveries WHERE hostel_id = $1 ORDER BY id",
            world.hostel,
        )
    ]
    assert len(queue) == len(residents)
    flaky = DownOnce(providers.provider_for("IN_APP"))
    async with tasks.opened(app_url):
        with providers.registered("IN_APP", flaky):
            for d in queue:
                try:
                    await delivery.deliver(world.hostel, d)
                except ConnectionError:
                    pass
                assert await delivery.deliver(world.hostel, d) == "DELIVERED"
    await ok(world.admin, "announcementEngagementCompute", "engagementMetric", {"announcementId": a})
    body = await world.admin(
        """{ deliveryBatches(first: 5, orderBy: {field: BATCH_NUMBER, direction: ASC}) { nodes { batchNumber recipientCount status
        deliveredCount deliveries(first: 5) { nodes { status attempts failures { totalCount } retries { nodes { attempt outcome } } } } } } }"""
    )
    batches = body["data"]["deliveryBatches"]["nodes"]
    assert [(b["batchNumber"], b["recipientCount"], b["status"], b["deliveredCount"]) for b in batches] == [
        (1, 2, "COMPLETED", 2),
        (2, 1, "COMPLETED", 1),
    ]
    for d in (d for b in batches for d in b["deliveries"]["nodes"]):
        assert (d["status"], d["attempts"], d["failures"]["totalCount"]) == ("DELIVERED", 2, 1)
        assert d["retries"]["nodes"] == [{"attempt": 2, "outcome": "DELIVERED"}]


# ---- what the dashboard and the phone cost ------------------------------------------------------------------


async def test_the_staff_list_and_the_phone_list_cost_the_same_statements_for_one_or_many(client, db):
    counts = []
    for n in (1, 4):
        world, beds = await world_with_floors(db, client)
        r = await resident(client, db, world, beds[0])
        for i in range(n):
            a = await draft(world, f"Notice {i}")
            await target(world, a, targetType="ALL")
            await move(world.admin, "announcementSubmit", a)
            await move(world.admin, "announcementPublish", a)
        staff = await world.admin(
            """{ announcements(first: 20, filter: {status: {eq: PUBLISHED}}) { totalCount nodes { id title status
            recipientCount targets(first: 5) { nodes { targetType estimatedRecipients } }
            recipients(first: 5) { totalCount nodes { readAt } } } } }"""
        )
        phone = await r["gql"](
            """{ myAnnouncements(first: 20, filter: {readAt: {isNull: true}}) { totalCount nodes { id readAt
            announcement { title content priority attachments(first: 3) { nodes { caption } } } } } }"""
        )
        assert "errors" not in staff and "errors" not in phone, (staff, phone)
        assert staff["data"]["announcements"]["totalCount"] == phone["data"]["myAnnouncements"]["totalCount"] == n
        counts.append((world.admin.statements(staff), r["gql"].statements(phone)))
    assert counts[0] == counts[1], counts


async def test_the_demo_hostels_have_live_announcement_screens(client):
    for email in ("warden@sunrise.demo", "warden@lotus.demo"):
        g = await as_user(client, email)
        body = await g(
            """{ announcements(first: 20) { totalCount nodes { status } } engagementMetrics { totalCount }
            announcementApprovalWorkflows { totalCount } recurringAnnouncements { totalCount }
            deliveryBatches(filter: {status: {eq: COMPLETED}}) { totalCount } publishQueue { totalCount } }"""
        )
        data = body["data"]
        statuses = {n["status"] for n in data["announcements"]["nodes"]}
        assert statuses >= {"PUBLISHED", "DRAFT", "PENDING_APPROVAL", "SCHEDULED"}, data
        # Lotus's demo residents have no login: told in person, no delivery batch
        alive = [k for k in data if k != "announcements" and (k != "deliveryBatches" or "sunrise" in email)]
        assert all(data[k]["totalCount"] >= 1 for k in alive), (email, data)
    r = await as_user(client, "resident@sunrise.demo")
    body = await r(MINE)
    assert body["data"]["myAnnouncements"]["totalCount"] >= 1
    told = await r(
        '{ myNotifications(filter: {notificationType: {eq: "announcement.published"}}) { nodes { status } } }'
    )
    assert {n["status"] for n in told["data"]["myNotifications"]["nodes"]} == {"SENT"}


async def test_targets_combine_and_a_removed_target_leaves_the_audience(client, db):
    world, beds = await world_with_floors(db, client)
    r0, r1 = await resident(client, db, world, beds[0], gender="FEMALE"), await resident(client, db, world, beds[2])
    a = await draft(world)
    await target(world, a, targetType="FLOORS", floors=[0, 1])
    by_type = await target(world, a, targetType="ROOM_TYPES", roomTypeIds=[world.rt("DBL")])
    await ok(world.admin, "bulkTargetingRuleSet", "bulkTargetingRule", {"announcementId": a, "combine": "INTERSECTION"})
    rule = {"announcementTargetId": by_type, "field": "GENDER", "value": "female"}
    await ok(world.admin, "targetingRuleAdd", "targetingRule", rule)
    count = "recipientCount"
    assert (await ok(world.admin, "announcementAudienceCompute", "targetAudienceCache", {"announcementId": a}, count))[
        count
    ] == 1  # on floors 0-1 and a female in a DBL room
    removed = await ok(world.admin, "announcementTargetRemove", "announcement", {"announcementTargetId": by_type})
    assert removed["id"] == a
    cache = await ok(world.admin, "announcementAudienceCompute", "targetAudienceCache", {"announcementId": a}, count)
    assert cache[count] == 2
    await ok(
        world.admin,
        "bulkTargetingRuleSet",
        "bulkTargetingRule",
        {"announcementId": a, "combine": "UNION", "excludeStudentIds": [r1["gid"]]},
    )
    await move(world.admin, "announcementSubmit", a)
    assert (await move(world.admin, "announcementPublish", a))["recipientCount"] == 1
    assert [len(await mine(r)) for r in (r0, r1)] == [1, 0]
    # the audience of a published announcement is fixed
    inp = {"announcementId": a, "targetType": "ALL"}
    await refused(world.admin, "announcementTargetAdd", "announcementTarget", inp, "CONFLICT")
    # a resident's `announcements` holds what was published to them, nothing else
    await draft(world, "Still a draft")
    listed = await r0["gql"]("{ announcements(first: 10) { nodes { id title } } }")
    assert listed["data"]["announcements"]["nodes"] == [{"id": a, "title": "Water off"}]
    assert (await r1["gql"]("{ announcements(first: 10) { totalCount } }"))["data"]["announcements"]["totalCount"] == 0


async def test_an_overdue_approval_is_escalated_once_and_a_withdrawn_schedule_never_runs(client, db, app_url):
    world, beds = await world_with_floors(db, client)
    r = await resident(client, db, world, beds[0])
    supervisor_id = await db.fetchval("SELECT id FROM users WHERE email = 'booking-supervisor@tests.campus'")
    workflow = {
        "name": "Warden signs",
        "slaHours": 1,
        "escalateToUserId": supervisor_id,
        "approverRoles": ["HOSTEL_ADMIN"],
    }
    await ok(world.admin, "announcementApprovalWorkflowCreate", "announcementApprovalWorkflow", workflow)
    a = await world_draft_by_supervisor(world)
    assert (await move(world.supervisor, "announcementSubmit", a))["status"] == "PENDING_APPROVAL"
    now = dt.datetime.now(dt.UTC)
    async with tasks.opened(app_url):
        assert (await scheduling.run_due(world.hostel, now))["escalated"] == 0
        assert (await scheduling.run_due(world.hostel, now + dt.timedelta(hours=2)))["escalated"] == 1
        assert (await scheduling.run_due(world.hostel, now + dt.timedelta(hours=3)))["escalated"] == 0
    told = await world.supervisor(
        '{ myNotifications(first: 5, filter: {notificationType: {eq: "announcement.approval_overdue"}}) '
        "{ nodes { title } } }"
    )
    assert told["data"]["myNotifications"]["nodes"] == [{"title": "Approval overdue: Gate timings"}]
    assert [h[0] for h in await history(world, a)][-1] == "ESCALATED"

    # approved and scheduled, then withdrawn: the job publishes nothing
    await move(world.admin, "announcementApprove", a)
    await move(world.supervisor, "announcementSchedule", a, publishAt=(now + dt.timedelta(hours=1)).isoformat())
    assert (await move(world.supervisor, "announcementWithdraw", a, reason="dates changed"))["status"] == "DRAFT"
    async with tasks.opened(app_url):
        assert (await scheduling.run_due(world.hostel, now + dt.timedelta(hours=4)))["published"] == 0
    assert await mine(r) == []
    queue = await world.admin(
        "{ publishQueue(first: 5) { nodes { status } } announcementSchedules { nodes { status } } }"
    )
    assert queue["data"] == {
        "publishQueue": {"nodes": [{"status": "CANCELLED"}]},
        "announcementSchedules": {"nodes": [{"status": "CANCELLED"}]},
    }


async def world_draft_by_supervisor(world: World) -> str:
    inp = {"title": "Gate timings", "content": "The gate closes at 10 pm from Monday.", "priority": "HIGH"}
    a = str((await ok(world.supervisor, "announcementCreate", "announcement", inp))["id"])
    await ok(
        world.supervisor, "announcementTargetAdd", "announcementTarget", {"announcementId": a, "targetType": "ALL"}
    )
    return a
