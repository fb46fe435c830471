"""Connections: keyset pages both ways, filters, ordering, nested pages per parent."""

from __future__ import annotations

import pytest

from tests.conftest import make_schools, unique

LIST = """
query List($first: Int, $after: String, $last: Int, $before: String, $filter: SchoolFilter, $orderBy: [SchoolOrder!]) {
  schools(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy) {
    totalCount
    edges { cursor node { schoolCode city } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""


async def _walk_forward(gql, filt, order, size):
    codes, after = [], None
    while True:
        body = await gql(LIST, {"first": size, "after": after, "filter": filt, "orderBy": order})
        conn = body["data"]["schools"]
        codes += [(e["node"]["schoolCode"], e["node"]["city"]) for e in conn["edges"]]
        assert len(conn["edges"]) <= size
        if not conn["pageInfo"]["hasNextPage"]:
            return codes, conn["totalCount"]
        after = conn["pageInfo"]["endCursor"]


async def _walk_backward(gql, filt, order, size):
    codes, before = [], None
    while True:
        body = await gql(LIST, {"last": size, "before": before, "filter": filt, "orderBy": order})
        conn = body["data"]["schools"]
        codes = [(e["node"]["schoolCode"], e["node"]["city"]) for e in conn["edges"]] + codes
        if not conn["pageInfo"]["hasPreviousPage"]:
            return codes
        before = conn["pageInfo"]["startCursor"]


@pytest.mark.parametrize(
    "order",
    [
        None,
        [{"field": "NAME", "direction": "DESC"}],
        [{"field": "CITY", "direction": "ASC"}],
        [{"field": "CITY", "direction": "DESC"}, {"field": "NAME", "direction": "ASC"}],
    ],
)
async def test_keyset_pages_cover_every_row_once_in_order_both_ways(gql, db, order):
    prefix = unique("PG")
    # cities repeat and some are NULL: ties and NULLs are where keyset paging goes wrong
    await make_schools(db, prefix, 23, cities=["Pune", None, "Agra", "Pune", "Zirakpur", None, "Delhi"])
    filt = {"schoolCode": {"startsWith": prefix}}
    everything = await gql(LIST, {"first": 100, "filter": filt, "orderBy": order})
    expected = [(e["node"]["schoolCode"], e["node"]["city"]) for e in everything["data"]["schools"]["edges"]]
    assert len(expected) == 23

    if order and order[0]["field"] == "CITY":
        cities = [c for _, c in expected]
        non_null = [c for c in cities if c is not None]
        assert cities[: len(non_null)] == sorted(non_null, reverse=order[0]["direction"] == "DESC")
        assert all(c is None for c in cities[len(non_null) :]), "NULLs sort last"

    forward, total = await _walk_forward(gql, filt, order, 5)
    assert forward == expected
    assert total == 23
    assert await _walk_backward(gql, filt, order, 4) == expected


async def test_nested_connection_pages_per_parent(gql, db):
    prefix = unique("NEST")
    counts = [0, 1, 2, 3, 4, 5]
    schools = await make_schools(db, prefix, 6, sessions_per_school=counts)
    body = await gql(
        """
      query($p: String!) { schools(first: 10, filter: {schoolCode: {startsWith: $p}}) { edges { node {
        schoolCode academicSessions(first: 3) { totalCount pageInfo { hasNextPage } edges { node { name } } } } } } }
    """,
        {"p": prefix},
    )
    got = {e["node"]["schoolCode"]: e["node"]["academicSessions"] for e in body["data"]["schools"]["edges"]}
    for school, n in zip(schools, counts, strict=True):
        page = got[school["code"]]
        assert [e["node"]["name"] for e in page["edges"]] == [f"{2020 + y}-{21 + y}" for y in range(min(n, 3))]
        assert page["totalCount"] == n
        assert page["pageInfo"]["hasNextPage"] is (n > 3)


async def test_nested_connection_after_cursor_and_last(gql, db):
    prefix = unique("NESTC")
    await make_schools(db, prefix, 2, sessions_per_school=5)
    query = """
      query($p: String!, $after: String) { schools(filter: {schoolCode: {startsWith: $p}}) { nodes {
        academicSessions(first: 2, after: $after) { totalCount edges { cursor node { name } } }
        lastTwo: academicSessions(last: 2) { edges { node { name } } pageInfo { hasPreviousPage } } } } }"""
    first = await gql(query, {"p": prefix})
    school = first["data"]["schools"]["nodes"][0]
    assert [e["node"]["name"] for e in school["lastTwo"]["edges"]] == ["2023-24", "2024-25"]
    assert school["lastTwo"]["pageInfo"]["hasPreviousPage"] is True
    cursor = school["academicSessions"]["edges"][-1]["cursor"]
    second = await gql(query, {"p": prefix, "after": cursor})
    page = second["data"]["schools"]["nodes"][0]["academicSessions"]
    assert [e["node"]["name"] for e in page["edges"]] == ["2022-23", "2023-24"]
    assert page["totalCount"] == 5


async def test_filters_compose_with_and_or_not(gql, db):
    prefix = unique("FLT")
    await make_schools(db, prefix, 10, cities=["Pune", "Agra", None, "Pune_x%"])

    async def codes(filt):
        body = await gql(LIST, {"first": 50, "filter": {"and": [{"schoolCode": {"startsWith": prefix}}, filt]}})
        return sorted(e["node"]["schoolCode"][-3:] for e in body["data"]["schools"]["edges"])

    assert await codes({"city": {"eq": "Pune"}}) == ["000", "004", "008"]
    assert await codes({"city": {"isNull": True}}) == ["002", "006"]
    assert await codes({"or": [{"city": {"eq": "Agra"}}, {"city": {"isNull": True}}]}) == [
        "001",
        "002",
        "005",
        "006",
        "009",
    ]
    assert await codes({"not": {"city": {"in": ["Pune", "Agra"]}}, "city": {"isNull": False}}) == ["003", "007"]
    # LIKE wildcards in user text are literal
    assert await codes({"city": {"contains": "_x%"}}) == ["003", "007"]
    assert await codes({"city": {"contains": "pUnE"}}) == ["000", "003", "004", "007", "008"]


@pytest.mark.parametrize(
    "variables, message",
    [
        ({"first": 101}, "first must be between 0 and 100"),
        ({"first": -1}, "first must be between 0 and 100"),
        ({"first": 2, "last": 2}, "either first or last"),
        ({"after": "not-a-cursor"}, "is not a valid cursor"),
        ({"filter": {"id": {"eq": "garbage"}}}, "is not a valid ID"),
    ],
)
async def test_bad_arguments_get_clear_errors(gql, variables, message):
    body = await gql(LIST, variables, expect_errors=True)
    assert body["data"] is None
    assert message in body["errors"][0]["message"]
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_cursor_of_another_order_is_refused(gql, db):
    prefix = unique("CUR")
    await make_schools(db, prefix, 3)
    body = await gql(LIST, {"first": 1, "filter": {"schoolCode": {"startsWith": prefix}}})
    cursor = body["data"]["schools"]["pageInfo"]["endCursor"]
    wrong = await gql(LIST, {"first": 1, "after": cursor, "orderBy": [{"field": "NAME"}]}, expect_errors=True)
    assert "different orderBy" in wrong["errors"][0]["message"]


async def test_bad_enum_and_scalar_values_are_validation_errors(gql):
    response = await gql.raw("{ schools(orderBy: [{field: NOPE}]) { totalCount } }")
    assert response.status_code == 400
    assert "NOPE" in response.json()["errors"][0]["message"]


async def test_total_counts_of_different_types_in_one_request_are_each_their_own(client, db):
    """Counts are compiled once per statement shape; two lists with the same visibility and
    no filter must still count their own tables (regression: the shape key lacked the table)."""
    from tests.conftest import GQL, bearer

    warden = GQL(client)
    warden.headers = await bearer(client, "warden@sunrise.demo")
    for first, second in (("rooms", "beds"), ("beds", "rooms")):
        body = await warden(f"{{ a: {first} {{ totalCount }} b: {second} {{ totalCount }} }}")
        async with db.acquire() as conn:
            hostel = await conn.fetchval("SELECT id FROM hostels WHERE slug = 'demo-sunrise'")
            expected = [
                await conn.fetchval(f"SELECT count(*) FROM {t} WHERE hostel_id = $1", hostel) for t in (first, second)
            ]
        assert [body["data"]["a"]["totalCount"], body["data"]["b"]["totalCount"]] == expected
    nested = await warden("""{ roomTypes(first: 1, orderBy: [{field: NAME}]) { nodes { name rooms(first: 1) { totalCount }
      features(first: 1) { totalCount } } } }""")
    node = nested["data"]["roomTypes"]["nodes"][0]
    async with db.acquire() as conn:
        type_id = await conn.fetchval(
            "SELECT id FROM room_type_definitions WHERE hostel_id = $1 AND name = $2", hostel, node["name"]
        )
        rooms = await conn.fetchval("SELECT count(*) FROM rooms WHERE room_type_id = $1", type_id)
        features = await conn.fetchval("SELECT count(*) FROM room_type_features WHERE room_type_id = $1", type_id)
    assert (node["rooms"]["totalCount"], node["features"]["totalCount"]) == (rooms, features)
