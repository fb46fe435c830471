"""The hostel resident lifecycle as a table (seed 000 student/; resolvers/hostel_student/service.py):
every resident status x every staff action that moves it. Expected moves, written out by hand:

    ACTIVE        --residentGiveNotice-->  NOTICE_PERIOD
    ACTIVE        --residentCheckOut-->    CHECKED_OUT
    NOTICE_PERIOD --residentCheckOut-->    CHECKED_OUT
    every other pair (notice twice, anything after CHECKED_OUT, anything while SUSPENDED): INVALID

An allowed move answers the new status and writes one audit entry for the resident (its history); a
refusal answers INVALID and changes neither the status nor the history nor the bed. SUSPENDED has no
API path in: it is arranged in SQL. Each pair has its own room type, room, bed and resident in the
demo Sunrise hostel (tests/hostel_setup.py), so no demo resident changes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from kit.ids import decode_gid
from tests.conftest import as_user
from tests.hostel_setup import ERR, hostel, pk, resident, room, room_type, today

STATUSES = ["ACTIVE", "NOTICE_PERIOD", "CHECKED_OUT", "SUSPENDED"]
# status -> action -> the status it moves to, or None when refused (INVALID)
TABLE: dict[str, dict[str, str | None]] = {
    "ACTIVE": {"residentGiveNotice": "NOTICE_PERIOD", "residentCheckOut": "CHECKED_OUT"},
    "NOTICE_PERIOD": {"residentGiveNotice": None, "residentCheckOut": "CHECKED_OUT"},
    "CHECKED_OUT": {"residentGiveNotice": None, "residentCheckOut": None},
    "SUSPENDED": {"residentGiveNotice": None, "residentCheckOut": None},
}
PATHS = {"ACTIVE": [], "NOTICE_PERIOD": ["residentGiveNotice"], "CHECKED_OUT": ["residentCheckOut"], "SUSPENDED": []}

MUTATIONS = {
    "residentGiveNotice": f"""mutation($i: ResidentGiveNoticeInput!) {{ residentGiveNotice(input: $i) {{
      hostelStudent {{ id status }} {ERR} }} }}""",
    "residentCheckOut": f"""mutation($i: ResidentCheckOutInput!) {{ residentCheckOut(input: $i) {{
      hostelStudent {{ id status }} {ERR} }} }}""",
}
STATE = """query($id: ID!, $pk: Int!) { node(id: $id) { ... on HostelStudent { status checkOutDate expectedCheckOutDate
  bedAssignments { nodes { status endsOn } } } }
  auditLogs(filter: {entityType: {eq: "HostelStudent"}, entityId: {eq: $pk}}, first: 50) { nodes { action } } }"""


def test_the_table_is_whole() -> None:
    assert set(TABLE) == set(STATUSES) and all(set(row) == set(MUTATIONS) for row in TABLE.values())


def _input(action: str, student: str) -> dict[str, Any]:
    if action == "residentGiveNotice":  # well past any notice period of the demo hostel
        return {"studentId": student, "checkOutDate": (today() + dt.timedelta(days=75)).isoformat()}
    return {"studentId": student, "checkOutDate": today().isoformat()}


async def _seen(g: Any, student: str) -> tuple[str, dict[str, Any], list[str]]:
    body = (await g(STATE, {"id": student, "pk": decode_gid(student)[1]}))["data"]
    return body["node"]["status"], body["node"], [n["action"] for n in body["auditLogs"]["nodes"]]


@pytest.mark.parametrize("status", STATUSES)
async def test_every_action_from_every_resident_status(client: Any, db: Any, status: str) -> None:
    sunrise = await hostel(db, "demo-sunrise")
    warden = await as_user(client, "warden@sunrise.demo", sunrise["gid"])
    rt = await room_type(warden, beds=1)
    for action, target in TABLE[status].items():
        r = await room(warden, rt, beds=1)
        res = await resident(warden, db, sunrise["id"], rt, r["beds"][0])
        student = res["student"]
        for step in PATHS[status]:
            moved = (await warden(MUTATIONS[step], {"i": _input(step, student)}))["data"][step]
            assert moved["errors"] == [], (status, step, moved)
        if status == "SUSPENDED":
            async with db.acquire() as conn:  # arranging: no API suspends a resident
                await conn.execute("UPDATE hostel_students SET status = 'SUSPENDED' WHERE id = $1", pk(student))
        before_status, before, before_history = await _seen(warden, student)
        assert before_status == status
        result = (await warden(MUTATIONS[action], {"i": _input(action, student)}))["data"][action]
        after_status, after, after_history = await _seen(warden, student)
        where = f"{status} --{action}-->"
        if target is not None:
            assert result["errors"] == [] and result["hostelStudent"]["status"] == target, (where, result)
            assert after_status == target, where
            assert after_history == [*before_history, action], f"{where} writes one history entry"
        else:
            assert result["hostelStudent"] is None, (where, result)
            assert [e["code"] for e in result["errors"]] == ["INVALID"], (where, result)
            assert (after_status, after, after_history) == (status, before, before_history), f"{where} changes nothing"
