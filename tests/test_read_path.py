"""The read path's shortcuts give exactly what graphql-core's own execution gives."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import parse, validate

import kit.executor as executor
from kit import planner
from schema.root import build_schema
from tests.conftest import make_schools, unique

# the Python read path (SQL_JSON answers these documents in one statement: tests/test_sql_json.py)
pytestmark = pytest.mark.usefixtures("python_path")

DOCUMENTS = Path(__file__).parent / "documents"


def test_documents_validate_against_the_schema():
    schema = build_schema()._schema
    for path in DOCUMENTS.glob("*.graphql"):
        assert validate(schema, parse(path.read_text())) == [], path.name


async def _run_documents(gql, schools, prefix):
    dashboard = await gql((DOCUMENTS / "schools_dashboard.graphql").read_text(), {"prefix": prefix})
    detail = await gql(
        (DOCUMENTS / "school_by_id.graphql").read_text(), {"id": schools[2]["gid"], "withSessions": True}
    )
    return dashboard, detail


async def test_rendered_results_equal_graphql_cores(gql, db, monkeypatch):
    prefix = unique("RENDER")
    schools = await make_schools(db, prefix, 12, sessions_per_school=[0, 2, 5], cities=["Pune", None])
    fallbacks = executor.STATS["fallbacks"]
    fast = await _run_documents(gql, schools, prefix)
    assert executor.STATS["fallbacks"] == fallbacks, "the compiled renderer gave up on a plain read"
    monkeypatch.setattr(executor, "RENDERABLE", {})  # graphql-core completes every value
    slow = await _run_documents(gql, schools, prefix)
    assert [b["data"] for b in fast] == [b["data"] for b in slow]
    dashboard, detail = fast
    assert dashboard["data"]["schools"]["totalCount"] == 12
    assert dashboard["data"]["schools"]["edges"][0]["node"]["__typename"] == "School"
    assert detail["data"]["node"]["academicSessions"]["edges"] == [
        {"node": {"name": "2023-24"}},
        {"node": {"name": "2024-25"}},
    ]


@pytest.mark.parametrize("rows", [6, 30])
async def test_dataloaders_batch_what_look_ahead_did_not_load(gql, db, monkeypatch, rows):
    prefix = unique("LOADER")
    await make_schools(db, prefix, rows, sessions_per_school=[1, 4])
    query = """query($p: String!) { schools(first: 50, filter: {schoolCode: {startsWith: $p}}) { nodes {
        schoolCode currentSession { name } academicSessions(first: 2) { totalCount nodes { name } } } } }"""
    expected = await gql(query, {"p": prefix})

    async def no_prefetch(ctx, plan, buckets):
        return None

    # Objects now arrive without their connections: each falls back to
    # AcademicSessionsBySchoolIdLoader, which must batch all parents into one statement.
    monkeypatch.setattr(planner, "_load_manys", no_prefetch)
    body = await gql(query, {"p": prefix})
    assert body["data"] == expected["data"]
    assert gql.statements(body) == 2


async def test_mutation_payloads_read_through_selection_aware_loaders(gql, db):
    [school] = await make_schools(db, unique("PAYLOAD"), 1, sessions_per_school=3)
    body = await gql(
        """mutation($id: ID!) { schoolUpdate(input: {id: $id, board: "IB"}) { errors { code }
        school { board currentSession { name school { schoolCode } } academicSessions(first: 5) { totalCount } } } }""",
        {"id": school["gid"]},
    )
    payload = body["data"]["schoolUpdate"]
    assert payload["school"] == {
        "board": "IB",
        "currentSession": {"name": "2022-23", "school": {"schoolCode": school["code"]}},
        "academicSessions": {"totalCount": 3},
    }


async def test_hostel_documents_render_as_graphql_core_does(client, db, monkeypatch):
    """The example queries of docs/examples.md for visitors, wardens and residents: they run,
    and the compiled renderer gives exactly graphql-core's answer."""
    import datetime as dt

    from kit.ids import encode_gid
    from tests.conftest import GQL, as_user

    async with db.acquire() as conn:
        sunrise = await conn.fetchval("SELECT id FROM hostels WHERE slug = 'demo-sunrise'")
    today = dt.datetime.now(dt.UTC).date()
    runs = [
        (
            GQL(client),
            "hostel_search.graphql",
            {"hostel": encode_gid("Hostel", sunrise), "from": str(today), "to": str(today + dt.timedelta(days=14))},
        ),
        (await as_user(client, "warden@sunrise.demo"), "hostel_board.graphql", {"today": str(today)}),
        (await as_user(client, "resident@sunrise.demo"), "resident_phone.graphql", {}),
    ]

    async def run_all() -> list[dict]:
        return [(await g((DOCUMENTS / name).read_text(), variables))["data"] for g, name, variables in runs]

    fast = await run_all()
    monkeypatch.setattr(executor, "RENDERABLE", {})
    assert fast == await run_all()
    search, board, phone = fast
    assert len(search["hostelAvailability"]["roomTypes"][0]["days"]) == 14
    total = board["hostelOccupancy"]["total"]
    assert board["rooms"]["nodes"] and total["beds"] > 0
    assert total["beds"] == total["occupied"] + total["reserved"] + total["blocked"] + total["free"]
    assert phone["myResidence"]["student"]["fullName"] == "Kiran Resident"
