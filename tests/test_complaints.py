"""Complaints (issue 16, resolvers/complaint/): a resident files, staff assign, comment (internal
notes never reach the resident), escalate, resolve; the resident confirms or reopens within the
window and rates the closed complaint once; SLA clocks come from the priority (the hostel's rule,
else the built-in hours) and the SLA job escalates an overdue complaint once and tells the
target; the warden's board and the resident's phone cost a constant number of statements;
analytics are computed on demand and by the job.

Each test works in a hostel of its own (tests/booking_world.py) with residents of its own, so the
demo hostels stay as they are (the demo screens are only read)."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest

import demo
from kit.ids import decode_gid, encode_gid
from resolvers.jobs import tasks
from tests.booking_world import ADMIN_EMAIL, SUPERVISOR_EMAIL, World, make_world
from tests.conftest import GQL, as_user, hostel_today, login, unique

ERR = "errors { field code message }"
C = "id reference title status priority category escalationLevel responseDueAt resolutionDueAt createdAt slaBreached"


def call(name: str, result: str, fields: str = C) -> str:
    kind = name[0].upper() + name[1:]
    return f"mutation($i: {kind}Input!) {{ {name}(input: $i) {{ {result} {{ {fields} }} {ERR} }} }}"


CREATE = call("complaintCreate", "complaint")
ASSIGN = call("complaintAssign", "complaint", C + " assignedTo { id }")
COMMENT = call("complaintComment", "complaintComment", "id body isInternal")
ESCALATE = call("complaintEscalate", "complaint")
RESOLVE = call("complaintResolve", "complaint", C + " resolvedAt confirmBy")
CONFIRM = call("complaintConfirm", "complaint")
REOPEN = call("complaintReopen", "complaint", C + " reopenCount")
FEEDBACK = call("complaintFeedbackGive", "complaintFeedback", "id rating sentiment followUpRequired")
RULE = call("autoEscalationRuleCreate", "autoEscalationRule", "id priority responseHours resolutionHours")
TIMELINE = """query($id: ID!) { node(id: $id) { ... on Complaint { status
  statusHistory(first: 50, orderBy: [{field: CREATED_AT}]) { nodes { event fromStatus toStatus } } } } }"""


async def run(g: GQL, query: str, i: dict[str, Any], name: str) -> dict[str, Any]:
    body = await g(query, {"i": i})
    assert "errors" not in body, body
    return body["data"][name]


async def ok(g: GQL, query: str, i: dict[str, Any], name: str) -> dict[str, Any]:
    payload = await run(g, query, i, name)
    assert payload["errors"] == [], payload
    return payload


async def refused(g: GQL, query: str, i: dict[str, Any], name: str, code: str) -> None:
    """A payload error of `code`, or (a role the mutation refuses) a FORBIDDEN field error."""
    body = await g(query, {"i": i}, expect_errors=True)
    if code == "FORBIDDEN" and body["data"] is None:
        assert [e["extensions"]["code"] for e in body["errors"]] == [code], body
        return
    payload = body["data"][name]
    assert [e["code"] for e in payload["errors"]] == [code], payload


async def resident(client: Any, db: Any, hostel_id: int) -> dict[str, Any]:
    """A new resident of the hostel with a login (role and resident record)."""
    from auth.passwords import hash_password

    email = f"{unique('res').lower()}@complaint.test"
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
            hostel_id,
        )
        sid = await conn.fetchval(
            "INSERT INTO hostel_students (hostel_id, user_id, full_name, gender, check_in_date, monthly_rent, status) "
            "VALUES ($1, $2, $3, 'MALE', $4, 5000, 'ACTIVE') RETURNING id",
            hostel_id,
            user_id,
            unique("Resident"),
            hostel_today(),
        )
    tokens = await login(client, email)
    g = GQL(client)
    g.headers = {
        **g.headers,
        "Authorization": f"Bearer {tokens['accessToken']}",
        "X-Tenant-Id": encode_gid("Hostel", hostel_id),
    }
    return {"gql": g, "user_id": user_id, "gid": encode_gid("HostelStudent", sid), "id": sid}


async def staff_gid(db: Any, email: str) -> str:
    return encode_gid("User", await db.fetchval("SELECT id FROM users WHERE email = $1", email))


async def file(r: dict[str, Any], priority: str = "MEDIUM", title: str = "Tap leaks in the washroom") -> dict[str, Any]:
    inp = {"title": title, "description": "Drips all night.", "category": "FACILITY", "priority": priority}
    return (await ok(r["gql"], CREATE, inp, "complaintCreate"))["complaint"]


async def timeline(g: GQL, complaint_id: str) -> list[str]:
    body = await g(TIMELINE, {"id": complaint_id})
    assert "errors" not in body, body
    return [n["event"] for n in body["data"]["node"]["statusHistory"]["nodes"]]


def hours(a: str, b: str) -> float:
    return (dt.datetime.fromisoformat(b) - dt.datetime.fromisoformat(a)).total_seconds() / 3600


@pytest.fixture
async def world(db, client) -> World:
    return await make_world(db, client)


# ---- the lifecycle -------------------------------------------------------------------------------


async def test_a_complaint_goes_from_filed_to_closed_with_one_feedback(client, db, world):
    r = await resident(client, db, world.hostel)
    complaint = await file(r)
    assert (complaint["status"], complaint["reference"][:4], complaint["slaBreached"]) == ("OPEN", "CMP-", False)
    # no rule for MEDIUM in this hostel: the built-in 12 h to respond, 72 h to resolve
    assert round(hours(complaint["createdAt"], complaint["responseDueAt"])) == 12
    assert round(hours(complaint["createdAt"], complaint["resolutionDueAt"])) == 72
    cid = complaint["id"]
    supervisor = await staff_gid(db, SUPERVISOR_EMAIL)
    assigned = await ok(world.admin, ASSIGN, {"complaintId": cid, "assigneeId": supervisor}, "complaintAssign")
    assert (assigned["complaint"]["status"], assigned["complaint"]["assignedTo"]["id"]) == ("ASSIGNED", supervisor)
    # the supervisor is told, and sees the workload the assignment carried
    told = await world.supervisor(
        """{ myNotifications(first: 20, filter: {notificationType: {eq: "complaint.assigned"}}) { nodes { title } } }"""
    )
    assert f"Complaint {complaint['reference']} is yours" in [
        n["title"] for n in told["data"]["myNotifications"]["nodes"]
    ]
    await ok(r["gql"], COMMENT, {"complaintId": cid, "body": "Still dripping."}, "complaintComment")
    resolved = await ok(
        world.supervisor, RESOLVE, {"complaintId": cid, "summary": "Washer replaced."}, "complaintResolve"
    )
    assert resolved["complaint"]["status"] == "RESOLVED"
    assert round(hours(resolved["complaint"]["resolvedAt"], resolved["complaint"]["confirmBy"])) == 72
    news = await r["gql"](
        """{ myNotifications(first: 5, filter: {notificationType: {eq: "complaint.resolved"}}) { nodes { body } } }"""
    )
    assert news["data"]["myNotifications"]["nodes"][0]["body"].startswith("Washer replaced.")
    await refused(
        r["gql"], FEEDBACK, {"complaintId": cid, "rating": 5}, "complaintFeedbackGive", "CONFLICT"
    )  # not closed
    assert (await ok(r["gql"], CONFIRM, {"complaintId": cid}, "complaintConfirm"))["complaint"]["status"] == "CLOSED"
    given = await ok(
        r["gql"], FEEDBACK, {"complaintId": cid, "rating": 2, "comments": "Slow."}, "complaintFeedbackGive"
    )
    assert given["complaintFeedback"] | {"id": None} == {
        "id": None,
        "rating": 2,
        "sentiment": "NEGATIVE",
        "followUpRequired": True,
    }
    await refused(r["gql"], FEEDBACK, {"complaintId": cid, "rating": 5}, "complaintFeedbackGive", "CONFLICT")  # once
    assert await timeline(r["gql"], cid) == ["FILED", "ASSIGNED", "RESOLVED", "CONFIRMED"]
    staff_view = await world.admin(
        """query($id: ID!) { node(id: $id) { ... on Complaint { assignments(first: 5) { nodes { workloadScore endedAt
        durationMinutes } } resolutions(first: 5) { nodes { isFinalResolution withinSla } }
        feedback(first: 2) { totalCount } } } }""",
        {"id": cid},
    )
    node = staff_view["data"]["node"]
    (assignment,) = node["assignments"]["nodes"]
    assert assignment["workloadScore"] >= 1 and assignment["endedAt"] is not None
    assert node["resolutions"]["nodes"] == [{"isFinalResolution": True, "withinSla": True}]
    assert node["feedback"]["totalCount"] == 1


async def test_staff_file_for_a_resident_and_the_rule_of_the_priority_sets_the_clocks(client, db, world):
    r = await resident(client, db, world.hostel)
    rule = await ok(
        world.admin,
        RULE,
        {"name": "High", "priority": "HIGH", "responseHours": 3, "resolutionHours": 30},
        "autoEscalationRuleCreate",
    )
    assert rule["autoEscalationRule"]["responseHours"] == 3
    # one active rule per priority; resolution no sooner than response
    await refused(
        world.admin,
        RULE,
        {"name": "x", "priority": "HIGH", "responseHours": 1, "resolutionHours": 2},
        "autoEscalationRuleCreate",
        "CONFLICT",
    )
    await refused(
        world.admin,
        RULE,
        {"name": "x", "priority": "LOW", "responseHours": 9, "resolutionHours": 2},
        "autoEscalationRuleCreate",
        "INVALID",
    )
    await refused(
        world.supervisor,
        RULE,
        {"name": "x", "priority": "LOW", "responseHours": 1, "resolutionHours": 2},
        "autoEscalationRuleCreate",
        "FORBIDDEN",
    )
    inp = {"title": "Bed frame broken", "description": "Slat cracked.", "category": "ROOM", "priority": "HIGH"}
    await refused(world.admin, CREATE, inp, "complaintCreate", "INVALID")  # staff name the resident
    made = (await ok(world.admin, CREATE, {**inp, "hostelStudentId": r["gid"]}, "complaintCreate"))["complaint"]
    assert round(hours(made["createdAt"], made["responseDueAt"])) == 3
    assert round(hours(made["createdAt"], made["resolutionDueAt"])) == 30
    mine = await r["gql"]("{ complaints(first: 5) { nodes { id title } } }")
    assert mine["data"]["complaints"]["nodes"] == [{"id": made["id"], "title": "Bed frame broken"}]


async def test_bad_input_and_invalid_moves_are_clear_errors_that_change_nothing(client, db, world):
    r = await resident(client, db, world.hostel)
    await refused(
        r["gql"], CREATE, {"title": " ", "description": "x", "category": "ROOM"}, "complaintCreate", "INVALID"
    )
    cid = (await file(r))["id"]
    await refused(r["gql"], CONFIRM, {"complaintId": cid}, "complaintConfirm", "CONFLICT")  # OPEN: nothing to confirm
    await refused(r["gql"], REOPEN, {"complaintId": cid, "reason": "?"}, "complaintReopen", "CONFLICT")
    await ok(world.admin, RESOLVE, {"complaintId": cid, "summary": "Fixed."}, "complaintResolve")
    await refused(world.admin, RESOLVE, {"complaintId": cid, "summary": "Again."}, "complaintResolve", "CONFLICT")
    await refused(
        world.admin,
        ASSIGN,
        {"complaintId": cid, "assigneeId": await staff_gid(db, SUPERVISOR_EMAIL)},
        "complaintAssign",
        "CONFLICT",
    )
    await refused(world.admin, ESCALATE, {"complaintId": cid, "reason": "late"}, "complaintEscalate", "CONFLICT")
    # a resident is no assignee
    other = await file(await resident(client, db, world.hostel))
    await refused(
        world.admin,
        ASSIGN,
        {"complaintId": other["id"], "assigneeId": encode_gid("User", r["user_id"])},
        "complaintAssign",
        "INVALID",
    )
    await refused(r["gql"], FEEDBACK, {"complaintId": cid, "rating": 6}, "complaintFeedbackGive", "INVALID")
    # the window passed: reopening is refused, the complaint stays RESOLVED
    pk = decode_gid(cid)[1]
    await db.execute("UPDATE complaints SET confirm_by = now() - interval '1 minute' WHERE id = $1", pk)
    await refused(r["gql"], REOPEN, {"complaintId": cid, "reason": "Leaks again"}, "complaintReopen", "CONFLICT")
    assert await timeline(r["gql"], cid) == ["FILED", "RESOLVED"]
    rows = await db.fetch("SELECT is_final_resolution FROM complaint_resolutions WHERE complaint_id = $1", pk)
    assert [x["is_final_resolution"] for x in rows] == [True]
    assert await db.fetchval("SELECT count(*) FROM complaint_assignments WHERE complaint_id = $1", pk) == 0


async def test_a_reopened_complaint_keeps_one_final_resolution_enforced_by_the_database(client, db, world):
    import asyncpg

    r = await resident(client, db, world.hostel)
    cid = (await file(r))["id"]
    await ok(world.admin, RESOLVE, {"complaintId": cid, "summary": "Tightened."}, "complaintResolve")
    reopened = await ok(
        r["gql"],
        REOPEN,
        {"complaintId": cid, "reason": "Still leaks"},
        "complaintReopen",
    )
    assert (reopened["complaint"]["status"], reopened["complaint"]["reopenCount"]) == ("REOPENED", 1)
    await ok(
        world.admin, ASSIGN, {"complaintId": cid, "assigneeId": await staff_gid(db, ADMIN_EMAIL)}, "complaintAssign"
    )
    await ok(world.admin, RESOLVE, {"complaintId": cid, "summary": "Tap replaced."}, "complaintResolve")
    view = await r["gql"](
        """query($id: ID!) { node(id: $id) { ... on Complaint { resolutions(first: 5, orderBy: [{field: CREATED_AT}]) {
        nodes { summary isFinalResolution reopenReason } } } } }""",
        {"id": cid},
    )
    assert view["data"]["node"]["resolutions"]["nodes"] == [
        {"summary": "Tightened.", "isFinalResolution": False, "reopenReason": "Still leaks"},
        {"summary": "Tap replaced.", "isFinalResolution": True, "reopenReason": None},
    ]
    assert await timeline(r["gql"], cid) == ["FILED", "RESOLVED", "REOPENED", "ASSIGNED", "RESOLVED"]
    pk = decode_gid(cid)[1]
    with pytest.raises(asyncpg.UniqueViolationError):
        await db.execute(
            "INSERT INTO complaint_resolutions (hostel_id, complaint_id, resolved_by_user_id, summary, within_sla) "
            "SELECT hostel_id, id, filed_by_user_id, 'second', true FROM complaints WHERE id = $1",
            pk,
        )


# ---- who reads and does what -------------------------------------------------------------------


async def test_residents_see_only_their_own_complaints_and_never_internal_notes(client, db, world):
    a, b = await resident(client, db, world.hostel), await resident(client, db, world.hostel)
    cid = (await file(a))["id"]
    public = await ok(world.admin, COMMENT, {"complaintId": cid, "body": "Plumber at 4 pm."}, "complaintComment")
    note = await ok(
        world.admin,
        COMMENT,
        {"complaintId": cid, "body": "Third leak: check the riser.", "isInternal": True},
        "complaintComment",
    )
    reply = {"complaintId": cid, "body": "Riser ok.", "parentId": note["complaintComment"]["id"]}
    await refused(world.admin, COMMENT, reply, "complaintComment", "INVALID")  # a reply to a note stays internal
    await ok(world.admin, COMMENT, {**reply, "isInternal": True}, "complaintComment")
    await refused(
        a["gql"], COMMENT, {"complaintId": cid, "body": "x", "isInternal": True}, "complaintComment", "FORBIDDEN"
    )
    await ok(
        a["gql"],
        COMMENT,
        {"complaintId": cid, "body": "Thanks", "parentId": public["complaintComment"]["id"]},
        "complaintComment",
    )
    seen = await a["gql"](
        """query($id: ID!, $note: ID!) { complaintComments(first: 20) { nodes { body } }
        node(id: $id) { ... on Complaint { comments(first: 20) { totalCount nodes { body replies(first: 5) { nodes { body parent { body } } } } } } }
        note: node(id: $note) { id } }""",
        {"id": cid, "note": note["complaintComment"]["id"]},
    )
    assert "errors" not in seen, seen
    bodies = sorted(n["body"] for n in seen["data"]["complaintComments"]["nodes"])
    assert bodies == ["Plumber at 4 pm.", "Thanks"]
    assert seen["data"]["node"]["comments"]["totalCount"] == 2
    replies = [r for n in seen["data"]["node"]["comments"]["nodes"] for r in n["replies"]["nodes"]]
    assert replies == [{"body": "Thanks", "parent": {"body": "Plumber at 4 pm."}}]
    assert seen["data"]["note"] is None
    staff = await world.admin(
        """query($id: ID!) { node(id: $id) { ... on Complaint { comments { totalCount } } } }""", {"id": cid}
    )
    assert staff["data"]["node"]["comments"]["totalCount"] == 4  # and both internal notes
    # the other resident reaches none of it
    other = await b["gql"](
        """query($id: ID!) { complaints(first: 5) { totalCount } complaintComments(first: 5) { totalCount }
        complaintStatusHistory(first: 5) { totalCount } node(id: $id) { id } }""",
        {"id": cid},
    )
    assert other["data"] == {
        "complaints": {"totalCount": 0},
        "complaintComments": {"totalCount": 0},
        "complaintStatusHistory": {"totalCount": 0},
        "node": None,
    }
    await refused(b["gql"], COMMENT, {"complaintId": cid, "body": "me too"}, "complaintComment", "NOT_FOUND")
    await ok(world.admin, RESOLVE, {"complaintId": cid, "summary": "Riser fixed."}, "complaintResolve")
    await refused(b["gql"], CONFIRM, {"complaintId": cid}, "complaintConfirm", "NOT_FOUND")
    # staff do not confirm for the resident; residents do not assign, resolve or read the staff's lists
    await refused(world.admin, CONFIRM, {"complaintId": cid}, "complaintConfirm", "FORBIDDEN")
    await refused(a["gql"], RESOLVE, {"complaintId": cid, "summary": "done"}, "complaintResolve", "FORBIDDEN")
    staff_lists = await a["gql"]("{ complaintAssignments(first: 1) { totalCount } }", expect_errors=True)
    assert staff_lists["data"] is None or staff_lists["data"].get("complaintAssignments") is None
    assert any(e["extensions"]["code"] == "FORBIDDEN" for e in staff_lists["errors"]), staff_lists


async def test_staff_of_another_hostel_reach_nothing(client, db, world):
    r = await resident(client, db, world.hostel)
    cid = (await file(r))["id"]
    lotus = world.other  # the Lotus warden, in Lotus
    body = await lotus("""query($id: ID!) { node(id: $id) { id } }""", {"id": cid})
    assert body["data"]["node"] is None
    await refused(lotus, RESOLVE, {"complaintId": cid, "summary": "x"}, "complaintResolve", "NOT_FOUND")
    await refused(lotus, ESCALATE, {"complaintId": cid, "reason": "x"}, "complaintEscalate", "NOT_FOUND")
    # nor may a complaint be given to the staff of another hostel
    warden = await staff_gid(db, "warden@lotus.demo")
    await refused(world.admin, ASSIGN, {"complaintId": cid, "assigneeId": warden}, "complaintAssign", "INVALID")
    assert await timeline(r["gql"], cid) == ["FILED"]
    # a visitor files nothing and reads nothing
    inp = {"title": "x", "description": "x", "category": "OTHER"}
    await refused(world.visitor, CREATE, inp, "complaintCreate", "FORBIDDEN")
    body = await world.visitor("{ complaints { totalCount } }", expect_errors=True)
    assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


# ---- escalation ----------------------------------------------------------------------------------


async def test_staff_escalate_by_hand_and_the_target_is_told(client, db, world):
    r = await resident(client, db, world.hostel)
    complaint = await file(r, title="Mould on the wall")
    supervisor = await staff_gid(db, SUPERVISOR_EMAIL)
    await refused(
        world.admin, ESCALATE, {"complaintId": complaint["id"], "reason": " "}, "complaintEscalate", "INVALID"
    )
    up = await ok(
        world.admin,
        ESCALATE,
        {"complaintId": complaint["id"], "reason": "Health risk", "escalateToId": supervisor},
        "complaintEscalate",
    )
    assert (up["complaint"]["escalationLevel"], up["complaint"]["status"]) == (1, "OPEN")
    told = await world.supervisor(
        """{ myNotifications(first: 20, filter: {notificationType: {eq: "complaint.escalated"}}) { nodes { title body } } }"""
    )
    assert any(
        n["title"] == f"Complaint {complaint['reference']} escalated" and n["body"].endswith("Level 1: Health risk")
        for n in told["data"]["myNotifications"]["nodes"]
    ), told
    rows = await world.admin(
        """query($id: ID!) { complaintEscalations(first: 5, filter: {complaintId: {eq: $id}}) {
        nodes { trigger level reason } } }""",
        {"id": complaint["id"]},
    )
    assert rows["data"]["complaintEscalations"]["nodes"] == [{"trigger": "MANUAL", "level": 1, "reason": "Health risk"}]
    assert await timeline(r["gql"], complaint["id"]) == ["FILED", "ESCALATED"]
    await refused(r["gql"], ESCALATE, {"complaintId": complaint["id"], "reason": "x"}, "complaintEscalate", "FORBIDDEN")


async def test_the_sla_job_escalates_an_overdue_complaint_once_per_clock_and_closes_stale_resolutions(
    client, db, world, app_url
):
    from resolvers.complaint import sla

    supervisor_id = await db.fetchval("SELECT id FROM users WHERE email = $1", SUPERVISOR_EMAIL)
    await ok(
        world.admin,
        RULE,
        {
            "name": "Urgent",
            "priority": "URGENT",
            "responseHours": 1,
            "resolutionHours": 4,
            "escalateToUserId": supervisor_id,
        },
        "autoEscalationRuleCreate",
    )
    r = await resident(client, db, world.hostel)
    urgent = await file(r, "URGENT", "Smoke from the switchboard")
    low = await file(r, "LOW", "Curtain rod loose")  # no rule for LOW: marked breached, never escalated
    resolved = await file(r, "LOW", "Door squeaks")
    await ok(world.admin, RESOLVE, {"complaintId": resolved["id"], "summary": "Oiled."}, "complaintResolve")
    now = dt.datetime.now(dt.UTC)
    async with tasks.opened(app_url):
        assert (await sla.escalate_overdue(world.hostel, now))["escalated"] == 0  # nothing due yet
        later = now + dt.timedelta(hours=2)
        assert (await sla.escalate_overdue(world.hostel, later))["escalated"] == 1  # the response clock
        assert (await sla.escalate_overdue(world.hostel, later))["escalated"] == 0  # once
        much_later = now + dt.timedelta(hours=200)
        done = await sla.escalate_overdue(world.hostel, much_later)
        assert (done["escalated"], done["closed"]) == (1, 1)  # the resolution clock; the stale resolution closes
        assert (await sla.escalate_overdue(world.hostel, much_later)) == {"breached": 0, "escalated": 0, "closed": 0}
    board = await world.admin(
        """{ complaints(first: 10, orderBy: [{field: CREATED_AT}]) { nodes { title status escalationLevel slaBreached
        slaBreachedAt escalations(first: 5, orderBy: [{field: CREATED_AT}]) { nodes { trigger level } } } } }"""
    )
    by_title = {n["title"]: n for n in board["data"]["complaints"]["nodes"]}
    assert by_title[urgent["title"]]["escalations"]["nodes"] == [
        {"trigger": "RESPONSE_OVERDUE", "level": 1},
        {"trigger": "RESOLUTION_OVERDUE", "level": 2},
    ]
    assert by_title[urgent["title"]]["escalationLevel"] == 2 and by_title[urgent["title"]]["slaBreached"] is True
    assert by_title[low["title"]]["escalations"]["nodes"] == [] and by_title[low["title"]]["slaBreachedAt"] is not None
    assert by_title[resolved["title"]]["status"] == "CLOSED"
    assert await timeline(r["gql"], resolved["id"]) == ["FILED", "RESOLVED", "AUTO_CLOSED"]
    told = await world.supervisor(
        """{ myNotifications(first: 50, filter: {notificationType: {eq: "complaint.escalated"}}) { nodes { title } } }"""
    )
    titles = [n["title"] for n in told["data"]["myNotifications"]["nodes"]]
    assert titles.count(f"Complaint {urgent['reference']} escalated") == 2


# ---- the dashboard and the phone ------------------------------------------------------------------

BOARD = """query($n: Int!) { complaints(first: $n, filter: {status: {in: [OPEN, ASSIGNED, REOPENED]}},
  orderBy: [{field: RESOLUTION_DUE_AT}]) { totalCount nodes { reference title status priority category
  responseDueAt resolutionDueAt slaBreached escalationLevel assignedTo { id fullName } student { fullName }
  room { roomNumber } } } }"""
PHONE = """{ complaints(first: 20, orderBy: [{field: CREATED_AT, direction: DESC}]) { totalCount nodes { reference title status
  priority responseDueAt resolutionDueAt slaBreached
  statusHistory(first: 20) { nodes { event toStatus note createdAt } }
  comments(first: 20) { nodes { body createdAt } }
  resolutions(first: 3) { nodes { summary isFinalResolution } } } } }"""


async def test_the_wardens_board_and_the_residents_phone_cost_the_same_statements_for_one_or_many(client, db, world):
    one, many = await resident(client, db, world.hostel), await resident(client, db, world.hostel)
    supervisor = await staff_gid(db, SUPERVISOR_EMAIL)
    first = await file(one)
    await ok(world.admin, ASSIGN, {"complaintId": first["id"], "assigneeId": supervisor}, "complaintAssign")
    for i in range(4):
        c = await file(many, title=f"Issue {i}")
        await ok(world.admin, COMMENT, {"complaintId": c["id"], "body": f"On it {i}"}, "complaintComment")
        await ok(world.admin, ASSIGN, {"complaintId": c["id"], "assigneeId": supervisor}, "complaintAssign")
    counts = []
    for n in (1, 20):
        body = await world.admin(BOARD, {"n": n})
        assert "errors" not in body, body
        counts.append(world.admin.statements(body))
        assert len(body["data"]["complaints"]["nodes"]) == min(n, 5)
        assert {x["assignedTo"]["id"] for x in body["data"]["complaints"]["nodes"]} == {supervisor}
    assert counts[0] == counts[1], counts
    phones = []
    for r, expected in ((one, 1), (many, 4)):
        body = await r["gql"](PHONE)
        assert "errors" not in body, body
        assert body["data"]["complaints"]["totalCount"] == expected
        assert all(len(n["statusHistory"]["nodes"]) == 2 for n in body["data"]["complaints"]["nodes"])
        phones.append(r["gql"].statements(body))
    assert phones[0] == phones[1], phones


# ---- analytics -----------------------------------------------------------------------------------

COMPUTE = call(
    "complaintAnalyticsCompute",
    "complaintAnalyticSnapshot",
    "periodStart periodEnd totalComplaints openComplaints resolvedComplaints urgentComplaints escalatedComplaints "
    "reopenedComplaints backlog averageRating slaComplianceRate byPriority computedAt",
)


async def test_analytics_are_computed_on_demand_and_replace_their_period(client, db, world):
    r = await resident(client, db, world.hostel)
    supervisor = await staff_gid(db, SUPERVISOR_EMAIL)
    done = await file(r, "URGENT", "Lift stuck")
    await ok(world.admin, ASSIGN, {"complaintId": done["id"], "assigneeId": supervisor}, "complaintAssign")
    await ok(world.supervisor, RESOLVE, {"complaintId": done["id"], "summary": "Lift reset."}, "complaintResolve")
    await ok(r["gql"], CONFIRM, {"complaintId": done["id"]}, "complaintConfirm")
    await ok(r["gql"], FEEDBACK, {"complaintId": done["id"], "rating": 4}, "complaintFeedbackGive")
    await file(r, "LOW", "Fan slow")
    await refused(r["gql"], COMPUTE, {}, "complaintAnalyticsCompute", "FORBIDDEN")
    await refused(
        world.admin,
        COMPUTE,
        {"asOf": str(hostel_today() + dt.timedelta(days=1))},
        "complaintAnalyticsCompute",
        "INVALID",
    )
    for _ in range(2):  # computing again replaces the period's rows
        snap = (await ok(world.admin, COMPUTE, {}, "complaintAnalyticsCompute"))["complaintAnalyticSnapshot"]
    assert snap["periodEnd"] == str(hostel_today())
    assert {
        k: snap[k] for k in ("totalComplaints", "openComplaints", "resolvedComplaints", "urgentComplaints", "backlog")
    } == {
        "totalComplaints": 2,
        "openComplaints": 1,
        "resolvedComplaints": 1,
        "urgentComplaints": 1,
        "backlog": 1,
    }
    assert (snap["averageRating"], snap["slaComplianceRate"]) == ("4.00", "100.00")
    lists = await world.admin(
        """{ complaintAnalyticSnapshots(first: 5) { totalCount }
        complaintCategoryMetrics(first: 10) { nodes { category totalComplaints shareOfTotal } }
        complaintStaffPerformance(first: 10) { nodes { staffUserId assignedComplaints resolvedComplaints
          resolvedWithinSla averageRating } } }"""
    )
    data = lists["data"]
    assert data["complaintAnalyticSnapshots"]["totalCount"] == 1
    assert data["complaintCategoryMetrics"]["nodes"] == [
        {"category": "FACILITY", "totalComplaints": 2, "shareOfTotal": "100.00"}
    ]
    supervisor_id = decode_gid(supervisor)[1]
    assert data["complaintStaffPerformance"]["nodes"] == [
        {
            "staffUserId": supervisor_id,
            "assignedComplaints": 1,
            "resolvedComplaints": 1,
            "resolvedWithinSla": 1,
            "averageRating": "4.00",
        }
    ]


async def test_the_analytics_job_computes_every_active_hostel(client, db, world, app_url):
    from resolvers.complaint import analytics

    r = await resident(client, db, world.hostel)
    await file(r)
    async with tasks.opened(app_url):
        await analytics.compute_complaint_analytics(int(time.time()))
        await analytics.compute_complaint_analytics(int(time.time()))  # idempotent
    rows = await db.fetch(
        "SELECT total_complaints FROM complaint_analytic_snapshots WHERE hostel_id = $1", world.hostel
    )
    assert [x["total_complaints"] for x in rows] == [1]


# ---- the demo ------------------------------------------------------------------------------------


async def test_the_demo_hostels_have_live_complaint_screens(client):
    for email in ("warden@sunrise.demo", "warden@lotus.demo"):
        g = await as_user(client, email)
        body = await g(
            """{ complaints(first: 50) { totalCount nodes { status } } autoEscalationRules(first: 5) { totalCount }
            complaintEscalations(first: 10) { totalCount } complaintFeedback(first: 10) { totalCount }
            complaintAnalyticSnapshots(first: 5) { totalCount } complaintCategoryMetrics(first: 10) { totalCount }
            complaintStaffPerformance(first: 10) { totalCount } complaintComments(filter: {isInternal: {eq: true}}) { totalCount } }"""
        )
        assert "errors" not in body, body
        data = body["data"]
        assert {n["status"] for n in data["complaints"]["nodes"]} == {"OPEN", "ASSIGNED", "RESOLVED", "CLOSED"}, email
        for name in data:
            assert data[name]["totalCount"] >= 1, (email, name)
    me = await as_user(client, "resident@sunrise.demo")
    mine = await me(PHONE)
    nodes = mine["data"]["complaints"]["nodes"]
    assert {n["status"] for n in nodes} == {"OPEN", "RESOLVED", "CLOSED"}
    notes = await me("{ complaintComments(filter: {isInternal: {eq: true}}) { totalCount } }")
    assert notes["data"]["complaintComments"]["totalCount"] == 0


async def test_mentions_tell_staff_and_only_authors_edit_their_comments(client, db, world):
    r, other = await resident(client, db, world.hostel), await resident(client, db, world.hostel)
    cid = (await file(r, title="Leaking roof"))["id"]
    supervisor = await staff_gid(db, SUPERVISOR_EMAIL)
    inp = {"complaintId": cid, "body": "Can you check the terrace drain?", "mentionIds": [supervisor]}
    staff_note = await ok(world.admin, COMMENT, inp, "complaintComment")
    told = await world.supervisor(
        """{ myNotifications(first: 20, filter: {notificationType: {eq: "complaint.mentioned"}}) { nodes { body } } }"""
    )
    assert "Can you check the terrace drain?" in [n["body"] for n in told["data"]["myNotifications"]["nodes"]]
    bad = {"complaintId": cid, "body": "x", "mentionIds": [encode_gid("User", other["user_id"])]}
    await refused(world.admin, COMMENT, bad, "complaintComment", "INVALID")  # only staff are mentioned
    mine = (await ok(r["gql"], COMMENT, {"complaintId": cid, "body": "Drips on the bed"}, "complaintComment"))[
        "complaintComment"
    ]
    edit = call("complaintCommentEdit", "complaintComment", "id body editedAt")
    edited = await ok(
        r["gql"], edit, {"complaintCommentId": mine["id"], "body": "Drips on the desk"}, "complaintCommentEdit"
    )
    assert edited["complaintComment"]["body"] == "Drips on the desk" and edited["complaintComment"]["editedAt"]
    staff_id = staff_note["complaintComment"]["id"]
    await refused(
        r["gql"], edit, {"complaintCommentId": staff_id, "body": "mine now"}, "complaintCommentEdit", "FORBIDDEN"
    )
    await refused(
        other["gql"], edit, {"complaintCommentId": mine["id"], "body": "x"}, "complaintCommentEdit", "NOT_FOUND"
    )
    await refused(r["gql"], edit, {"complaintCommentId": mine["id"], "body": " "}, "complaintCommentEdit", "INVALID")
    body = await world.admin(
        """query($id: ID!) { node(id: $id) { ... on ComplaintComment { body } } }""", {"id": staff_id}
    )
    assert body["data"]["node"]["body"] == "Can you check the terrace drain?"


async def test_attachments_are_files_the_filer_may_read(client, db, world):
    a, b = await resident(client, db, world.hostel), await resident(client, db, world.hostel)

    async def upload(owner: dict[str, Any], name: str) -> str:
        pk = await db.fetchval(
            "INSERT INTO file_uploads (hostel_id, file_name, content_type, extension, size_bytes, sha256, uploaded_by) "
            "VALUES ($1, $2, 'image/jpeg', 'jpg', 10, repeat('0', 64), $3) RETURNING id",
            world.hostel,
            name,
            owner["user_id"],
        )
        return encode_gid("FileUpload", pk)

    mine, theirs = await upload(a, "leak.jpg"), await upload(b, "private.jpg")
    inp = {"title": "Leak", "description": "See photo.", "category": "ROOM"}
    await refused(a["gql"], CREATE, {**inp, "attachmentIds": [mine, theirs]}, "complaintCreate", "NOT_FOUND")
    made = await ok(a["gql"], CREATE, {**inp, "attachmentIds": [mine]}, "complaintCreate")
    query = """query($id: ID!) { node(id: $id) { ... on Complaint { attachments { id fileName } } } }"""
    for g in (a["gql"], world.admin):
        body = await g(query, {"id": made["complaint"]["id"]})
        assert body["data"]["node"]["attachments"] == [{"id": mine, "fileName": "leak.jpg"}]


BOARD_COUNTS = "{ complaintBoard { total breached unassigned cells { status priority total breached unassigned } } }"


async def test_the_board_counts_the_active_hostels_unresolved_complaints_only(client, db, world):
    r = await resident(client, db, world.hostel)
    supervisor = await staff_gid(db, SUPERVISOR_EMAIL)
    late = await file(r, "HIGH", "Geyser sparks")
    await db.execute(
        "UPDATE complaints SET response_due_at = now() - interval '1 hour' WHERE id = $1", decode_gid(late["id"])[1]
    )
    taken = await file(r, "LOW", "Window stiff")
    await ok(world.admin, ASSIGN, {"complaintId": taken["id"], "assigneeId": supervisor}, "complaintAssign")
    done = await file(r, "LOW", "Bulb out")
    await ok(world.admin, RESOLVE, {"complaintId": done["id"], "summary": "Replaced."}, "complaintResolve")
    body = await world.admin(BOARD_COUNTS)
    assert body["data"]["complaintBoard"] == {
        "total": 2,
        "breached": 1,
        "unassigned": 1,
        "cells": [
            {"status": "ASSIGNED", "priority": "LOW", "total": 1, "breached": 0, "unassigned": 0},
            {"status": "OPEN", "priority": "HIGH", "total": 1, "breached": 1, "unassigned": 1},
        ],
    }
    assert world.admin.statements(body) == 1
    # another hostel's warden counts their own hostel's (as its list shows them), none of these
    lotus = await world.other(BOARD_COUNTS)
    listed = await world.other("{ complaints(filter: {status: {in: [OPEN, ASSIGNED, REOPENED]}}) { totalCount } }")
    assert lotus["data"]["complaintBoard"]["total"] == listed["data"]["complaints"]["totalCount"] >= 1
    denied = await r["gql"](BOARD_COUNTS, expect_errors=True)
    assert denied["data"] is None and denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
