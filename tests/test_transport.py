"""Transport enrollment: transportEnroll / transportUnenroll and the route's seat count
(seed 001 §7.6 "transport capacity invariant managed atomically", §10.6).

Every test builds its own route and students, so the demo routes and riders stay as they are.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from kit.ids import decode_gid, encode_gid
from tests.conftest import as_user, GQL, bearer, school_today, unique

ENROLL = """mutation($input: TransportEnrollInput!) { transportEnroll(input: $input) {
  transportEnrollment { id active student { id } pickupPoint { id route { id currentStrength } } }
  errors { field code message } } }"""
UNENROLL = """mutation($input: TransportUnenrollInput!) { transportUnenroll(input: $input) {
  transportEnrollment { id active pickupPoint { route { currentStrength } } } errors { field code message } } }"""
ROUTE = "query($id: ID!) { node(id: $id) { ... on TransportRoute { currentStrength capacity } } }"


@pytest.fixture
async def admin(client) -> GQL:
    return await as_user(client, "admin@greenwood.demo")


async def greenwood(db) -> dict[str, int]:
    async with db.acquire() as conn:
        row = await conn.fetchrow("SELECT id, current_session_id FROM schools WHERE school_code = 'DEMO-GWH'")
        class_id = await conn.fetchval(
            "SELECT id FROM school_classes WHERE school_id = $1 AND session_id = $2 ORDER BY id LIMIT 1",
            row["id"],
            row["current_session_id"],
        )
    return {"school": row["id"], "session": row["current_session_id"], "class": class_id}


async def make_students(db, count: int, enrolled: bool = True, active: bool = True) -> list[str]:
    """New Greenwood students (global IDs), actively enrolled in the current session unless told otherwise."""
    gw = await greenwood(db)
    ids = []
    async with db.acquire() as conn, conn.transaction():
        for _ in range(count):
            sid = await conn.fetchval(
                "INSERT INTO students (school_id, admission_number, first_name, gender, active, current_class_id) "
                "VALUES ($1, $2, 'Rider', 'FEMALE', $3, $4) RETURNING id",
                gw["school"],
                unique("TR"),
                active,
                gw["class"],
            )
            if enrolled:
                await conn.execute(
                    "INSERT INTO student_enrollments (school_id, student_id, class_id, session_id, active) "
                    "VALUES ($1, $2, $3, $4, true)",
                    gw["school"],
                    sid,
                    gw["class"],
                    gw["session"],
                )
            ids.append(encode_gid("Student", sid))
    return ids


async def make_route(admin: GQL, capacity: int, points: int = 1) -> tuple[str, list[str]]:
    """A new route of the admin's school with its pickup points, through the API."""
    body = await admin(
        """mutation($i: TransportRouteCreateInput!) { transportRouteCreate(input: $i) {
        transportRoute { id currentStrength } errors { code message } } }""",
        {"i": {"name": unique("Route"), "capacity": capacity}},
    )
    payload = body["data"]["transportRouteCreate"]
    assert payload["errors"] == [] and payload["transportRoute"]["currentStrength"] == 0
    route = payload["transportRoute"]["id"]
    point_ids = []
    for k in range(points):
        body = await admin(
            """mutation($i: PickupPointCreateInput!) { pickupPointCreate(input: $i) {
            pickupPoint { id } errors { code message } } }""",
            {"i": {"name": f"Stop {k}", "amount": "650.00", "frequency": "MONTHLY", "routeId": route}},
        )
        assert body["data"]["pickupPointCreate"]["errors"] == []
        point_ids.append(body["data"]["pickupPointCreate"]["pickupPoint"]["id"])
    return route, point_ids


async def strength(admin: GQL, route: str) -> int:
    return (await admin(ROUTE, {"id": route}))["data"]["node"]["currentStrength"]


async def active_riders(admin: GQL, route: str) -> list[str]:
    """Students with an active transport enrollment on the route, read through the API."""
    riders, after = [], None
    while True:
        body = await admin(
            """query($after: String) { transportEnrollments(first: 100, after: $after, filter: {active: {eq: true}}) {
            nodes { student { id } pickupPoint { route { id } } } pageInfo { hasNextPage endCursor } } }""",
            {"after": after},
        )
        page = body["data"]["transportEnrollments"]
        riders += [n["student"]["id"] for n in page["nodes"] if n["pickupPoint"]["route"]["id"] == route]
        if not page["pageInfo"]["hasNextPage"]:
            return riders
        after = page["pageInfo"]["endCursor"]


async def enroll(g: GQL, student: str, point: str) -> dict[str, Any]:
    return (await g(ENROLL, {"input": {"studentId": student, "pickupPointId": point}}))["data"]["transportEnroll"]


async def unenroll(g: GQL, student: str) -> dict[str, Any]:
    return (await g(UNENROLL, {"input": {"studentId": student}}))["data"]["transportUnenroll"]


async def test_enroll_and_unenroll_move_the_seat_count(admin, db):
    route, [point] = await make_route(admin, capacity=3)
    [student] = await make_students(db, 1)
    done = await enroll(admin, student, point)
    assert done["errors"] == []
    enrollment = done["transportEnrollment"]
    assert enrollment["active"] is True and enrollment["student"]["id"] == student
    assert enrollment["pickupPoint"] == {"id": point, "route": {"id": route, "currentStrength": 1}}
    assert await active_riders(admin, route) == [student]

    gone = await unenroll(admin, student)
    assert gone["errors"] == []
    assert gone["transportEnrollment"]["id"] == enrollment["id"]
    assert gone["transportEnrollment"]["active"] is False
    assert gone["transportEnrollment"]["pickupPoint"]["route"]["currentStrength"] == 0
    assert await active_riders(admin, route) == []

    logs = await admin(
        """query($id: Int!) { activityLogs(filter: {entityType: {eq: "TransportEnrollment"}, entityId: {eq: $id}},
        orderBy: [{field: TIMESTAMP, direction: ASC}]) { nodes { action } } }""",
        {"id": decode_gid(enrollment["id"])[1]},
    )
    assert [n["action"] for n in logs["data"]["activityLogs"]["nodes"]] == ["transportEnroll", "transportUnenroll"]


async def test_an_ended_enrollment_is_reactivated_not_duplicated(admin, db):
    route, [first_point, second_point] = await make_route(admin, capacity=2, points=2)
    [student] = await make_students(db, 1)
    first = await enroll(admin, student, first_point)
    assert (await unenroll(admin, student))["errors"] == []
    again = await enroll(admin, student, second_point)
    assert again["errors"] == []
    # the same row, active again, on the new pickup point
    assert again["transportEnrollment"]["id"] == first["transportEnrollment"]["id"]
    assert again["transportEnrollment"]["active"] is True
    assert again["transportEnrollment"]["pickupPoint"]["id"] == second_point
    assert await strength(admin, route) == 1
    async with db.acquire() as conn:
        rows = await conn.fetchval(
            "SELECT count(*) FROM transport_enrollments WHERE student_id = $1", decode_gid(student)[1]
        )
    assert rows == 1


async def test_refusals_change_nothing(admin, db):
    route, [point, closed_point] = await make_route(admin, capacity=5, points=2)
    [rider, not_enrolled, inactive, never_rode] = (
        await make_students(db, 1)
        + await make_students(db, 1, enrolled=False)
        + await make_students(db, 1, active=False)
        + await make_students(db, 1)
    )
    assert (await enroll(admin, rider, point))["errors"] == []

    double = await enroll(admin, rider, point)
    assert double == {
        "transportEnrollment": None,
        "errors": [
            {
                "field": ["input", "studentId"],
                "code": "CONFLICT",
                "message": "This student already rides in this academic session.",
            }
        ],
    }

    outside = await enroll(admin, not_enrolled, point)
    assert outside["transportEnrollment"] is None
    assert outside["errors"] == [
        {
            "field": ["input", "studentId"],
            "code": "INVALID",
            "message": "This student is not enrolled in the academic session.",
        }
    ]

    assert (await enroll(admin, inactive, point))["errors"][0]["code"] == "INVALID"

    closed = await admin(
        "mutation($id: ID!) { pickupPointDeactivate(input: {id: $id}) { errors { code } } }", {"id": closed_point}
    )
    assert closed["data"]["pickupPointDeactivate"]["errors"] == []
    refused = await enroll(admin, never_rode, closed_point)
    assert refused["transportEnrollment"] is None
    assert refused["errors"][0]["code"] == "INVALID" and refused["errors"][0]["field"] == ["input", "pickupPointId"]
    assert "not active" in refused["errors"][0]["message"]

    missing_point = await enroll(admin, never_rode, encode_gid("PickupPoint", 987_654_321))
    assert missing_point["errors"][0]["code"] == "NOT_FOUND"
    wrong_type = await enroll(admin, never_rode, route)
    assert wrong_type["errors"][0] == {
        "field": ["input", "pickupPointId"],
        "code": "INVALID",
        "message": "pickupPointId must be the ID of a PickupPoint.",
    }

    nothing = await unenroll(admin, never_rode)
    assert nothing == {
        "transportEnrollment": None,
        "errors": [
            {
                "field": ["input", "studentId"],
                "code": "NOT_FOUND",
                "message": "This student has no active transport enrollment in this academic session.",
            }
        ],
    }

    assert await strength(admin, route) == 1
    assert await active_riders(admin, route) == [rider]


async def test_an_inactive_route_takes_no_riders(admin, db):
    route, [point] = await make_route(admin, capacity=5)
    [student] = await make_students(db, 1)
    await admin("mutation($id: ID!) { transportRouteDeactivate(input: {id: $id}) { errors { code } } }", {"id": route})
    refused = await enroll(admin, student, point)
    assert refused["errors"][0]["code"] == "INVALID" and "is not active" in refused["errors"][0]["message"]
    assert await strength(admin, route) == 0


async def test_a_full_route_says_so(admin, db):
    route, [point] = await make_route(admin, capacity=1)
    [first, second] = await make_students(db, 2)
    assert (await enroll(admin, first, point))["errors"] == []
    full = await enroll(admin, second, point)
    assert full["transportEnrollment"] is None
    [error] = full["errors"]
    assert error["code"] == "CONFLICT" and error["field"] == ["input", "pickupPointId"]
    assert error["message"].endswith(" is full.") and error["message"].startswith("Route Route-")
    # nothing of the refused enrollment remains
    async with db.acquire() as conn:
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM transport_enrollments WHERE student_id = $1", decode_gid(second)[1]
            )
            == 0
        )
    assert await strength(admin, route) == 1


async def test_a_pickup_point_with_riders_keeps_its_route(admin, db):
    route, [point] = await make_route(admin, capacity=2)
    other_route, _ = await make_route(admin, capacity=2, points=0)
    [student] = await make_students(db, 1)
    assert (await enroll(admin, student, point))["errors"] == []
    moved = await admin(
        """mutation($i: PickupPointUpdateInput!) { pickupPointUpdate(input: $i) { errors { code field } } }""",
        {"i": {"id": point, "routeId": other_route}},
    )
    assert moved["data"]["pickupPointUpdate"]["errors"] == [{"code": "CONFLICT", "field": ["input", "routeId"]}]
    renamed = await admin(
        """mutation($i: PickupPointUpdateInput!) { pickupPointUpdate(input: $i) { errors { code } } }""",
        {"i": {"id": point, "name": "Renamed stop", "routeId": route}},
    )
    assert renamed["data"]["pickupPointUpdate"]["errors"] == []
    # and a route's capacity cannot drop below the seats taken
    shrunk = await admin(
        """mutation($i: TransportRouteUpdateInput!) { transportRouteUpdate(input: $i) { errors { code } } }""",
        {"i": {"id": route, "capacity": 0}},
    )
    assert shrunk["data"]["transportRouteUpdate"]["errors"][0]["code"] == "INVALID"
    assert (await unenroll(admin, student))["errors"] == []
    moved = await admin(
        """mutation($i: PickupPointUpdateInput!) { pickupPointUpdate(input: $i) { errors { code } } }""",
        {"i": {"id": point, "routeId": other_route}},
    )
    assert moved["data"]["pickupPointUpdate"]["errors"] == []


async def test_another_school_cannot_enroll_or_unenroll_a_greenwood_student(client, admin, db):
    route, [point] = await make_route(admin, capacity=3)
    [student, rider] = await make_students(db, 2)
    assert (await enroll(admin, rider, point))["errors"] == []
    riverside = await as_user(client, "admin@riverside.demo")
    their_route, [their_point] = await make_route(riverside, capacity=3)

    missing = encode_gid("Student", 987_654_321)
    foreign, absent = await enroll(riverside, student, their_point), await enroll(riverside, missing, their_point)
    assert (
        foreign
        == absent
        == {
            "transportEnrollment": None,
            "errors": [{"field": ["input", "studentId"], "code": "NOT_FOUND", "message": "No Student with this ID."}],
        }
    )
    # a Greenwood pickup point is as unknown to Riverside as a missing one
    foreign_point = await enroll(riverside, student, point)
    assert foreign_point["errors"][0]["code"] == "NOT_FOUND"
    foreign_unenroll, absent_unenroll = await unenroll(riverside, rider), await unenroll(riverside, missing)
    assert foreign_unenroll == absent_unenroll and foreign_unenroll["errors"][0]["code"] == "NOT_FOUND"

    assert await strength(admin, route) == 1 and await active_riders(admin, route) == [rider]
    assert await strength(riverside, their_route) == 0


async def test_a_teacher_is_forbidden(client, admin, db):
    route, [point] = await make_route(admin, capacity=3)
    [student] = await make_students(db, 1)
    teacher = await as_user(client, "teacher@greenwood.demo")
    for query, variables in (
        (ENROLL, {"input": {"studentId": student, "pickupPointId": point}}),
        (UNENROLL, {"input": {"studentId": student}}),
    ):
        body = await teacher(query, variables, expect_errors=True)
        assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await strength(admin, route) == 0


async def test_thirty_parallel_enrollments_on_ten_free_seats(client, admin, db):
    route, [point] = await make_route(admin, capacity=12)
    # 2 seats already taken: 10 free
    for student in await make_students(db, 2):
        assert (await enroll(admin, student, point))["errors"] == []
    students = await make_students(db, 30)

    results = await asyncio.gather(*(enroll(admin, s, point) for s in students))

    won = [s for s, r in zip(students, results, strict=True) if r["errors"] == []]
    lost = [r for r in results if r["errors"]]
    assert len(won) == 10 and len(lost) == 20
    for r in lost:
        [error] = r["errors"]
        assert r["transportEnrollment"] is None
        assert error["code"] == "CONFLICT" and error["message"].endswith(" is full."), error
    assert await strength(admin, route) == 12
    riders = await active_riders(admin, route)
    assert len(riders) == 12 and set(won) <= set(riders)


async def test_the_same_student_enrolled_twice_at_once_rides_once(admin, db):
    route, [point, other_point] = await make_route(admin, capacity=5, points=2)
    [student] = await make_students(db, 1)
    results = await asyncio.gather(enroll(admin, student, point), enroll(admin, student, other_point))
    assert sorted(bool(r["errors"]) for r in results) == [False, True]
    [refused] = [r for r in results if r["errors"]]
    assert refused["errors"][0]["code"] == "CONFLICT"
    assert await strength(admin, route) == 1 and await active_riders(admin, route) == [student]

    # the same after an unenrollment: two reactivations at once, one wins
    assert (await unenroll(admin, student))["errors"] == []
    results = await asyncio.gather(enroll(admin, student, point), enroll(admin, student, other_point))
    assert sorted(bool(r["errors"]) for r in results) == [False, True]
    assert await strength(admin, route) == 1 and await active_riders(admin, route) == [student]


async def test_transport_enrollment_creates_and_ends_the_pickup_points_fee(client, db):
    """seed §10.6: a rider owes the pickup point's fee; ending the ride ends an unpaid fee."""

    admin = await bearer(client, "admin@greenwood.demo")
    async with db.acquire() as conn:
        row = await conn.fetchrow("""SELECT e.student_id, p.id AS point, p.amount FROM student_enrollments e
            JOIN schools sc ON sc.id = e.school_id AND sc.current_session_id = e.session_id
            JOIN pickup_points p ON p.school_id = e.school_id AND p.active
            WHERE sc.school_code = 'DEMO-GWH' AND e.active AND NOT EXISTS (SELECT 1 FROM transport_enrollments t
              WHERE t.student_id = e.student_id AND t.session_id = e.session_id)
            ORDER BY e.student_id DESC, p.id LIMIT 1""")
    student, point = encode_gid("Student", row["student_id"]), encode_gid("PickupPoint", row["point"])
    enroll = (
        "mutation($s: ID!, $p: ID!) { transportEnroll(input: {studentId: $s, pickupPointId: $p}) { errors { code } } }"
    )
    unenroll = "mutation($s: ID!) { transportUnenroll(input: {studentId: $s}) { errors { code } } }"

    async def fee_state():
        async with db.acquire() as conn:
            return await conn.fetch(
                """SELECT a.amount, a.active FROM student_fee_assignments a JOIN fee_structures fs ON fs.id = a.fee_structure_id
                JOIN fee_types ft ON ft.id = fs.fee_type_id WHERE ft.name = 'Transport' AND a.student_id = $1""",
                row["student_id"],
            )

    r = (
        await client.post("/graphql", json={"query": enroll, "variables": {"s": student, "p": point}}, headers=admin)
    ).json()
    assert r["data"]["transportEnroll"]["errors"] == []
    assert [(f["amount"], f["active"]) for f in await fee_state()] == [(row["amount"], True)]
    await client.post("/graphql", json={"query": unenroll, "variables": {"s": student}}, headers=admin)
    assert [f["active"] for f in await fee_state()] == [False]
    await client.post("/graphql", json={"query": enroll, "variables": {"s": student, "p": point}}, headers=admin)
    assert [f["active"] for f in await fee_state()] == [True]  # reactivated, not duplicated


async def test_a_route_or_pickup_point_with_riders_is_not_deactivated(admin, db):
    """Issue 10 item 14b: deactivating a route (or one of its pickup points) with active riders is a
    CONFLICT that changes nothing; once the riders are unenrolled, it is deactivated."""
    route, [point, empty_point] = await make_route(admin, capacity=3, points=2)
    riders = await make_students(db, 2)
    for student in riders:
        assert (await enroll(admin, student, point))["errors"] == []
    deactivate = {
        "route": (
            "mutation($id: ID!) { transportRouteDeactivate(input: {id: $id}) { "
            "transportRoute { id active } errors { code field message } } }",
            "transportRouteDeactivate",
            route,
        ),
        "point": (
            "mutation($id: ID!) { pickupPointDeactivate(input: {id: $id}) { "
            "pickupPoint { id active } errors { code field message } } }",
            "pickupPointDeactivate",
            point,
        ),
    }

    async def state() -> Any:
        body = await admin(
            """query($r: ID!, $p: ID!) { r: node(id: $r) { ... on TransportRoute { active currentStrength capacity name } }
                              p: node(id: $p) { ... on PickupPoint { active name } } }""",
            {"r": route, "p": point},
        )
        logs = await admin(
            """{ activityLogs(filter: {action: {in: ["transportRouteDeactivate", "pickupPointDeactivate"]}}) { totalCount } }"""
        )
        return body["data"], logs["data"]["activityLogs"]["totalCount"], sorted(await active_riders(admin, route))

    before = await state()
    for query, field, target in deactivate.values():
        payload = (await admin(query, {"id": target}))["data"][field]
        [error] = payload["errors"]
        assert error["code"] == "CONFLICT" and error["field"] == ["input", "id"], error
        assert "2 active rider(s)" in error["message"]
        assert list(payload.values())[0] is None
        assert await state() == before  # nothing changed: flags, seat count, riders, activity log

    # a pickup point without riders is deactivated although its route has riders
    body = await admin(deactivate["point"][0], {"id": empty_point})
    assert body["data"]["pickupPointDeactivate"]["errors"] == []
    for student in riders:
        assert (await unenroll(admin, student))["errors"] == []
    for query, field, target in (deactivate["point"], deactivate["route"]):
        payload = (await admin(query, {"id": target}))["data"][field]
        assert payload["errors"] == [] and list(payload.values())[0]["active"] is False, payload


async def test_a_student_in_a_class_or_on_a_bus_is_not_deactivated(admin, db):
    """studentDeactivate of a student actively enrolled (and riding) is a CONFLICT that changes
    nothing; it used to leave an inactive student holding a class place and a bus seat (so the
    class and the route could not be deactivated either). Withdrawn first, they are deactivated."""
    route, [point] = await make_route(admin, capacity=3)
    rider, pupil = await make_students(db, 2)
    assert (await enroll(admin, rider, point))["errors"] == []
    deactivate = (
        "mutation($id: ID!) { studentDeactivate(input: {id: $id}) { student { id active } "
        "errors { code field message } } }"
    )

    async def state(student: str) -> Any:
        body = await admin(
            "query($id: ID!) { node(id: $id) { ... on Student { active currentStatus } } }", {"id": student}
        )
        async with db.acquire() as conn:
            enrolled = await conn.fetchval(
                "SELECT count(*) FROM student_enrollments WHERE student_id = $1 AND active", decode_gid(student)[1]
            )
        return body["data"]["node"], enrolled, await strength(admin, route), sorted(await active_riders(admin, route))

    for student, words in (
        (rider, "actively enrolled in a class and riding a school bus"),
        (pupil, "actively enrolled"),
    ):
        before = await state(student)
        payload = (await admin(deactivate, {"id": student}))["data"]["studentDeactivate"]
        [error] = payload["errors"]
        assert error["code"] == "CONFLICT" and error["field"] == ["input", "id"] and words in error["message"], error
        assert payload["student"] is None and await state(student) == before

    withdraw = """mutation($i: StudentWithdrawInput!) { studentWithdraw(input: $i) { errors { code message } } }"""
    body = await admin(
        withdraw, {"i": {"studentId": rider, "dateOfLeaving": str(school_today()), "reason": "Moved away"}}
    )
    assert body["data"]["studentWithdraw"]["errors"] == [], body
    payload = (await admin(deactivate, {"id": rider}))["data"]["studentDeactivate"]
    assert payload["errors"] == [] and payload["student"]["active"] is False
    assert await strength(admin, route) == 0
