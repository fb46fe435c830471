"""The number of SQL statements depends on the query's depth, never on the number of rows."""

from __future__ import annotations

import pytest

from tests.conftest import make_schools, unique

# the Python read path (SQL_JSON answers these documents in one statement: tests/test_sql_json.py)
pytestmark = pytest.mark.usefixtures("python_path")

NESTED = """
query($p: String!, $n: Int!, $total: Boolean!) {
  schools(first: $n, filter: {schoolCode: {startsWith: $p}}) {
    totalCount @include(if: $total)
    edges { node { id name currentSession { id name } academicSessions(first: 3) { edges { node { id name startDate } } } } }
  }
}"""


@pytest.mark.parametrize("rows", [5, 50])
async def test_fifty_schools_with_sessions_take_two_statements(gql, db, rows):
    prefix = unique("CNT")
    await make_schools(db, prefix, rows, sessions_per_school=[0, 1, 2, 3, 4])
    body = await gql(NESTED, {"p": prefix, "n": 50, "total": False})
    edges = body["data"]["schools"]["edges"]
    assert len(edges) == rows
    assert all(len(e["node"]["academicSessions"]["edges"]) <= 3 for e in edges)
    assert sum(len(e["node"]["academicSessions"]["edges"]) for e in edges) == sum([0, 1, 2, 3, 3] * (rows // 5))
    assert gql.statements(body) == 2

    with_total = await gql(NESTED, {"p": prefix, "n": 50, "total": True})
    assert with_total["data"]["schools"]["totalCount"] == rows
    assert gql.statements(with_total) == 3


async def test_deeper_nesting_adds_one_statement_per_level(gql, db):
    prefix = unique("DEEP")
    await make_schools(db, prefix, 12, sessions_per_school=2)
    body = await gql(
        """
      query($p: String!) { schools(first: 50, filter: {schoolCode: {startsWith: $p}}) { nodes {
        academicSessions(first: 2) { nodes { name school { name academicSessions(first: 1) { nodes { name } } } } } } } }
    """,
        {"p": prefix},
    )
    schools = body["data"]["schools"]["nodes"]
    assert len(schools) == 12
    assert all(
        s["academicSessions"]["nodes"][0]["school"]["academicSessions"]["nodes"] == [{"name": "2020-21"}]
        for s in schools
    )
    # schools; their sessions (school joined); those schools' sessions
    assert gql.statements(body) == 3


async def test_nodes_by_id_batch_per_type(gql, db):
    prefix = unique("NODES")
    schools = await make_schools(db, prefix, 30, sessions_per_school=1)
    body = await gql(
        "query($ids: [ID!]!) { nodes(ids: $ids) { id ... on School { schoolCode currentSession { name } } } }",
        {"ids": [s["gid"] for s in schools]},
    )
    assert [n["schoolCode"] for n in body["data"]["nodes"]] == [s["code"] for s in schools]
    assert gql.statements(body) == 1
