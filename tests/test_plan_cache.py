"""Per-document work is done once (issue 14, item 3): a document seen before, with variables of
the same shape, reuses its read plan and its statements; only values are bound. Proved by the
count of plans built (`extensions.stats.plansBuilt`), not by timing."""

from __future__ import annotations

import pytest

from kit import planner
from tests.conftest import as_user, make_schools, unique


def built(body: dict) -> int:
    return body["extensions"]["stats"]["plansBuilt"]


def document(tag: str) -> str:
    """The nested dashboard read; `tag` makes the text (so the parsed document) new to this test."""
    return f"""
query Schools_{tag.replace("-", "_")}($f: SchoolFilter, $n: Int!) {{
  schools(first: $n, filter: $f) {{
    edges {{ node {{ id schoolCode currentSession {{ id name }} academicSessions(first: 2) {{ nodes {{ name }} }} }} }}
  }}
}}"""


@pytest.mark.usefixtures("python_path")  # its statements are the Python path's
async def test_a_repeated_document_builds_no_plan_and_answers_the_same(gql, db):
    prefix = unique("PLAN")
    await make_schools(db, prefix, 4, sessions_per_school=[0, 1, 3])
    doc, variables = document(prefix), {"f": {"schoolCode": {"startsWith": prefix}}, "n": 10}

    first = await gql(doc, variables)
    assert built(first) > 0  # a document this test made up: nothing of it was cached
    again = await gql(doc, variables)
    assert built(again) == 0
    assert again["data"] == first["data"]
    assert [e["node"]["schoolCode"] for e in again["data"]["schools"]["edges"]] == [
        f"{prefix}-{i:03d}" for i in range(4)
    ]
    assert gql.statements(again) == gql.statements(first) == 2


async def test_other_values_of_the_same_shape_build_nothing_and_get_their_own_rows(gql, db):
    a, b = unique("PLANA"), unique("PLANB")
    await make_schools(db, a, 3, sessions_per_school=1)
    await make_schools(db, b, 5, sessions_per_school=2)
    doc = document(a)
    await gql(doc, {"f": {"schoolCode": {"startsWith": a}}, "n": 10})

    other = await gql(doc, {"f": {"schoolCode": {"startsWith": b}}, "n": 4})
    assert built(other) == 0
    nodes = [e["node"] for e in other["data"]["schools"]["edges"]]
    assert [n["schoolCode"] for n in nodes] == [f"{b}-{i:03d}" for i in range(4)]  # first: 4 bound, not cached
    assert all([s["name"] for s in n["academicSessions"]["nodes"]] == ["2020-21", "2021-22"] for n in nodes)


@pytest.mark.parametrize(
    "other_filter",
    [
        {"schoolCode": {"startsWith": "{p}"}, "city": {"eq": "City 1"}},  # one more condition
        {"schoolCode": {"startsWith": "{p}"}, "city": {"isNull": True}},  # IS NULL is SQL, not a value
        {"or": [{"schoolCode": {"eq": "{p}-000"}}, {"schoolCode": {"eq": "{p}-001"}}]},
    ],
)
async def test_another_shape_builds_its_own_statement(gql, db, other_filter):
    prefix = unique("PLANS")
    await make_schools(db, prefix, 3, cities=["City 0", "City 1", None])
    doc = document(prefix)
    await gql(doc, {"f": {"schoolCode": {"startsWith": prefix}}, "n": 10})

    filt = _fill(other_filter, prefix)
    body = await gql(doc, {"f": filt, "n": 10})
    assert built(body) > 0
    codes = [e["node"]["schoolCode"] for e in body["data"]["schools"]["edges"]]
    expected = {
        "city": [f"{prefix}-001"] if "eq" in str(other_filter) else [f"{prefix}-002"],
        "or": [f"{prefix}-000", f"{prefix}-001"],
    }["or" if "or" in filt else "city"]
    assert codes == expected
    assert built(await gql(doc, {"f": filt, "n": 10})) == 0  # and that shape is cached in its turn


def _fill(value, prefix):
    if isinstance(value, dict):
        return {k: _fill(v, prefix) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, prefix) for v in value]
    return value.replace("{p}", prefix) if isinstance(value, str) else value


async def test_two_tenants_share_the_plan_and_each_sees_only_its_own_rows(client):
    doc = f"query Sessions_{unique('T').replace('-', '_')} {{ academicSessions(first: 100) {{ nodes {{ id name school {{ name }} }} }} }}"
    greenwood = await as_user(client, "admin@greenwood.demo")
    riverside = await as_user(client, "admin@riverside.demo")

    mine = await greenwood(doc)
    theirs = await riverside(doc)
    assert built(theirs) == 0  # same document, same shape of visibility: only the tenant id is bound
    assert {s["school"]["name"] for s in mine["data"]["academicSessions"]["nodes"]} == {"Greenwood High School"}
    assert {s["school"]["name"] for s in theirs["data"]["academicSessions"]["nodes"]} == {"Riverside Public School"}
    assert not {s["id"] for s in mine["data"]["academicSessions"]["nodes"]} & {
        s["id"] for s in theirs["data"]["academicSessions"]["nodes"]
    }
    # and the first tenant again, after the other one: still its own rows
    assert (await greenwood(doc))["data"] == mine["data"]


async def test_a_role_with_other_visibility_gets_its_own_statement(client, gql):
    doc = f"query Schools_{unique('R').replace('-', '_')} {{ schools(first: 100) {{ nodes {{ name }} }} }}"
    everyone = await gql(doc)  # the platform: every school
    teacher = await as_user(client, "teacher@greenwood.demo")
    body = await teacher(doc)
    assert [s["name"] for s in body["data"]["schools"]["nodes"]] == ["Greenwood High School"]
    assert len(everyone["data"]["schools"]["nodes"]) > 1


async def test_skip_and_include_variables_are_part_of_the_shape(gql, db):
    prefix = unique("PLANI")
    await make_schools(db, prefix, 3, sessions_per_school=2)
    doc = f"""query Inc_{prefix.replace("-", "_")}($p: String!, $s: Boolean!) {{
      schools(first: 5, filter: {{schoolCode: {{startsWith: $p}}}}) {{
        totalCount @include(if: $s) nodes {{ schoolCode academicSessions(first: 1) @skip(if: $s) {{ nodes {{ name }} }} }}
      }} }}"""
    without = await gql(doc, {"p": prefix, "s": False})
    with_total = await gql(doc, {"p": prefix, "s": True})
    assert "totalCount" not in without["data"]["schools"] and with_total["data"]["schools"]["totalCount"] == 3
    assert "academicSessions" not in with_total["data"]["schools"]["nodes"][0]
    assert without["data"]["schools"]["nodes"][0]["academicSessions"]["nodes"] == [{"name": "2020-21"}]
    assert built(with_total) > 0
    assert built(await gql(doc, {"p": prefix, "s": False})) == 0
    assert built(await gql(doc, {"p": prefix, "s": True})) == 0


@pytest.mark.parametrize("rows", [3, 4])
async def test_has_next_page_is_exact_whether_or_not_it_is_asked(gql, db, rows):
    """The row after the page is fetched only when hasNextPage / hasPreviousPage is read."""
    prefix = unique("PLANP")
    await make_schools(db, prefix, rows)
    forward = """query($p: String!) { schools(first: 3, filter: {schoolCode: {startsWith: $p}}) {
      pageInfo { hasNextPage endCursor } nodes { schoolCode } } }"""
    backward = """query($p: String!) { schools(last: 3, filter: {schoolCode: {startsWith: $p}}) {
      pageInfo { hasPreviousPage startCursor } nodes { schoolCode } } }"""
    bare = """query($p: String!) { schools(first: 3, filter: {schoolCode: {startsWith: $p}}) {
      pageInfo { endCursor } nodes { schoolCode } } }"""
    fwd = (await gql(forward, {"p": prefix}))["data"]["schools"]
    back = (await gql(backward, {"p": prefix}))["data"]["schools"]
    plain = (await gql(bare, {"p": prefix}))["data"]["schools"]
    assert fwd["pageInfo"]["hasNextPage"] is (rows > 3)
    assert back["pageInfo"]["hasPreviousPage"] is (rows > 3)
    assert plain["nodes"] == fwd["nodes"] == [{"schoolCode": f"{prefix}-{i:03d}"} for i in range(3)]
    assert plain["pageInfo"]["endCursor"] == fwd["pageInfo"]["endCursor"]
    assert back["nodes"] == [{"schoolCode": f"{prefix}-{i:03d}"} for i in range(rows - 3, rows)]


async def test_the_caches_are_bounded(gql, db, monkeypatch):
    """A client sending ever new documents evicts old plans; memory does not grow."""
    monkeypatch.setattr(planner, "MAX_STATEMENTS", 3)
    monkeypatch.setattr(planner._skeletons, "size", 3)
    prefix = unique("PLANB")
    await make_schools(db, prefix, 2)
    for i in range(6):  # six documents of six shapes
        ors = ", ".join(f'{{schoolCode: {{eq: "{prefix}-{j:03d}"}}}}' for j in range(i + 1))
        body = await gql(f"{{ schools(filter: {{or: [{ors}]}}) {{ nodes {{ schoolCode }} }} }}")
        assert built(body) > 0
        assert len(body["data"]["schools"]["nodes"]) == min(i + 1, 2)
    assert len(planner._statements) <= 3 and len(planner._skeletons.entries) <= 3


def _cached_sql(kind: str, type_name: str, single: bool) -> str:
    """The SQL the planner cached for a read by keys: (kind, key, single key, plan shape, ...)."""
    for key, statement in reversed(planner._statements.items()):
        if key[0] == kind and key[-2][0] == type_name and key[-3] is single:
            return statement.sql
    raise AssertionError(f"no cached {kind} statement of {type_name}")


async def _plans(db, sql: str, values: list) -> tuple[int, int]:
    """(generic, custom) plans PostgreSQL made for `sql` prepared once and executed per value,
    as asyncpg runs the gateway's statements (a prepared statement per connection)."""
    async with db.acquire() as conn:
        stmt = await conn.prepare(sql)
        for value in values:
            await stmt.fetch(value)
        row = await conn.fetchrow(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement = $1", sql
        )
        return row["generic_plans"], row["custom_plans"]


@pytest.mark.usefixtures("python_path")  # its statements are the Python path's
async def test_a_read_by_id_is_not_planned_again_on_every_execution(gql, db):
    """A read of one row by id is `id = $1`, which PostgreSQL plans once per prepared statement
    (a generic plan after the first five executions) rather than on every execution (issue 14
    measured 0.3-0.55 ms of planning for 0.05 ms of execution with `id = ANY($1)`)."""
    schools = await make_schools(db, unique("PLANK"), 12)
    one = "query($id: ID!) { node(id: $id) { ... on School { schoolCode } } }"
    for s in schools[:2]:
        body = await gql(one, {"id": s["gid"]})
        assert body["data"]["node"] == {"schoolCode": s["code"]}
    two = await gql(
        "query($ids: [ID!]!) { nodes(ids: $ids) { ... on School { schoolCode } } }",
        {"ids": [schools[0]["gid"], schools[1]["gid"]]},
    )
    assert [n["schoolCode"] for n in two["data"]["nodes"]] == [schools[0]["code"], schools[1]["code"]]

    by_id = _cached_sql("keys", "School", True)
    assert "= $1" in by_id and "ANY" not in by_id
    generic, custom = await _plans(db, by_id, [s["id"] for s in schools])
    assert custom <= 5 and generic >= len(schools) - 5


async def test_pages_without_filters_run_on_generic_plans_and_filtered_ones_keep_custom_plans(app_url):
    """A page's `LIMIT $n` makes PostgreSQL plan its prepared statement again on every execution
    (the generic plan must guess 10% of the rows); a read whose arguments are only keys, page
    sizes and cursors runs on the generic plan instead. A filter's values may change the best
    plan: those statements keep PostgreSQL's choice. Seen in pg_prepared_statements of the
    app's one connection."""
    import httpx
    from asgi_lifespan import LifespanManager

    from gateway.app import create_app
    from tests.conftest import GQL, bearer, make_settings

    tag = unique("G").replace("-", "_")
    plain = f"query Plain_{tag}($n: Int!) {{ schools(first: $n) {{ nodes {{ id name academicSessions(first: 2) {{ nodes {{ name }} }} }} }} }}"
    filtered = f"query Filtered_{tag}($p: String!) {{ schools(first: 5, filter: {{schoolCode: {{startsWith: $p}}}}) {{ nodes {{ id name }} }} }}"
    app = create_app(make_settings(db_pool_size=1, db_pool_overflow=0), database_url=app_url)
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway.test") as client,
    ):
        g = GQL(client)
        g.headers.update(await bearer(client, "superadmin@demo.campus"))
        for i in range(8):
            await g(plain, {"n": 3 + i % 2})
            await g(filtered, {"p": "DEMO"})
        async with app.state.engine.connect() as conn:
            rows = (
                await conn.exec_driver_sql(
                    "SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements"
                    " WHERE statement LIKE '%FROM schools%' AND statement LIKE '%LIMIT%'"
                )
            ).all()

    def plans(marker: str) -> tuple[int, int]:
        found = [
            (r.generic_plans, r.custom_plans)
            for r in rows
            if marker in r.statement and "pg_prepared_statements" not in r.statement
        ]
        assert len(found) == 1, (marker, [r.statement[:120] for r in rows])
        return found[0]

    generic, custom = plans("academic_sessions")  # the plain read's one statement (SQL_JSON)
    # the document's first request was parsed after its transaction began (not yet known as a
    # query): planned as PostgreSQL chooses; every later one on the generic plan
    assert custom == 1 and generic == 7, (generic, custom)
    generic, custom = plans("LIKE")  # the filtered read: planned with its values
    assert custom >= 5, (generic, custom)
