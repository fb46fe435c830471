"""The exam lifecycle as a table, not a path (seed 001 test management §7.6; resolvers/exams/service.py
docstring): every status x every `examStatusUpdate` target. The expected moves are written out here by
hand, not read from the code:

    DRAFT -> SCHEDULED | ONGOING | COMPLETED | LOCKED   (forward only; steps may be skipped)
    SCHEDULED -> ONGOING | COMPLETED | LOCKED
    ONGOING -> COMPLETED | LOCKED
    COMPLETED -> LOCKED
    LOCKED: final (refused with LOCKED); any other backward or same-status move: INVALID

An allowed move succeeds, answers the new status and writes one `examStatusUpdate` activity entry
(the exam's history); a refused one answers the error code on `input.status`, leaves the status and
the history as they were. Each exam lives in a school of this test's own (a super admin acts in it
through X-Tenant-Id), so the demo's exams and promotion checks are untouched.
"""

from __future__ import annotations

from typing import Any

import pytest

from kit.ids import decode_gid, encode_gid
from tests.conftest import GQL, make_schools, tenant_header, unique

STATUSES = ["DRAFT", "SCHEDULED", "ONGOING", "COMPLETED", "LOCKED"]

# status -> {target status: None when allowed, else the error code} (by hand, from the rule above)
TABLE: dict[str, dict[str, str | None]] = {
    "DRAFT": {"DRAFT": "INVALID", "SCHEDULED": None, "ONGOING": None, "COMPLETED": None, "LOCKED": None},
    "SCHEDULED": {"DRAFT": "INVALID", "SCHEDULED": "INVALID", "ONGOING": None, "COMPLETED": None, "LOCKED": None},
    "ONGOING": {"DRAFT": "INVALID", "SCHEDULED": "INVALID", "ONGOING": "INVALID", "COMPLETED": None, "LOCKED": None},
    "COMPLETED": {
        "DRAFT": "INVALID",
        "SCHEDULED": "INVALID",
        "ONGOING": "INVALID",
        "COMPLETED": "INVALID",
        "LOCKED": None,
    },
    "LOCKED": {
        "DRAFT": "LOCKED",
        "SCHEDULED": "LOCKED",
        "ONGOING": "LOCKED",
        "COMPLETED": "LOCKED",
        "LOCKED": "LOCKED",
    },
}

EXAM_CREATE = (
    """mutation($i: ExamCreateInput!) { examCreate(input: $i) { exam { id status } errors { field code message } } }"""
)
STATUS_UPDATE = """mutation($i: ExamStatusUpdateInput!) { examStatusUpdate(input: $i) {
  exam { id status } errors { field code message } } }"""
EXAM = """query($id: ID!) { node(id: $id) { ... on Exam { id status } } }"""
HISTORY = """query($id: Int!) { activityLogs(filter: {entityType: {eq: "Exam"}, entityId: {eq: $id}}, first: 50) {
  nodes { action } } }"""


def test_the_table_is_whole() -> None:
    assert set(TABLE) == set(STATUSES) and all(set(row) == set(STATUSES) for row in TABLE.values())


@pytest.fixture
async def school_admin(gql: GQL, db: Any) -> tuple[GQL, str]:
    """The demo super admin acting inside a fresh school of its own (one session, one class)."""
    [school] = await make_schools(db, unique("EXT"), 1, sessions_per_school=1)
    async with db.acquire() as conn:
        class_id = await conn.fetchval(
            "INSERT INTO school_classes (school_id, session_id, name, section) "
            "VALUES ($1, $2, 'Class 4', 'A') RETURNING id",
            school["id"],
            school["sessions"][0],
        )
    admin = GQL(gql.client)
    admin.headers = {**gql.headers, **tenant_header(school["gid"])}
    return admin, encode_gid("SchoolClass", class_id)


async def _history(g: GQL, exam_gid: str) -> list[str]:
    body = await g(HISTORY, {"id": decode_gid(exam_gid)[1]})
    return [n["action"] for n in body["data"]["activityLogs"]["nodes"]]


async def _status(g: GQL, exam_gid: str) -> str:
    return (await g(EXAM, {"id": exam_gid}))["data"]["node"]["status"]


async def _exam_in(g: GQL, class_gid: str, status: str) -> str:
    created = (await g(EXAM_CREATE, {"i": {"classId": class_gid, "name": unique("Table exam")}}))["data"]["examCreate"]
    assert created["errors"] == [] and created["exam"]["status"] == "DRAFT", created
    exam = created["exam"]["id"]
    if status != "DRAFT":  # one forward jump reaches any status (skipping is allowed)
        moved = (await g(STATUS_UPDATE, {"i": {"examId": exam, "status": status}}))["data"]["examStatusUpdate"]
        assert moved["errors"] == [], (status, moved)
    assert await _status(g, exam) == status
    return exam


@pytest.mark.parametrize("status", STATUSES)
async def test_every_target_from_every_status(school_admin: tuple[GQL, str], status: str) -> None:
    g, class_gid = school_admin
    for target, refusal in TABLE[status].items():
        exam = await _exam_in(g, class_gid, status)
        before = await _history(g, exam)
        result = (await g(STATUS_UPDATE, {"i": {"examId": exam, "status": target}}))["data"]["examStatusUpdate"]
        after_status, after = await _status(g, exam), await _history(g, exam)
        if refusal is None:
            assert result["errors"] == [], f"{status} -> {target} should move: {result['errors']}"
            assert result["exam"] == {"id": exam, "status": target}
            assert after_status == target
            assert after == [*before, "examStatusUpdate"], "each move writes one history entry"
        else:
            assert result["exam"] is None, f"{status} -> {target} must be refused, it answered {result['exam']}"
            assert [(e["code"], e["field"]) for e in result["errors"]] == [(refusal, ["input", "status"])], result
            assert after_status == status and after == before, "a refusal changes nothing"
