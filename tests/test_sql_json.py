"""SQL_JSON (issue 14, item 5): pure-data subtrees are written as JSON by PostgreSQL, and the
answer is byte for byte the one the Python path gives.

Each document runs through two apps on the same database: the session's app with SQL_JSON switched
off for the test (the python_path fixture) and one with it on (the default). Their `data` must be the same bytes, and the documents meant to be
pure data must have been answered by PostgreSQL's JSON (kit.sql_json.STATS) in one statement.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson
import pytest
from asgi_lifespan import LifespanManager

from gateway.app import create_app
from kit import direct, sql_json
from tests.conftest import GQL, bearer, make_schools, make_settings, unique


@pytest.fixture(scope="session")
async def json_app(app_url: str) -> AsyncIterator[Any]:
    application = create_app(make_settings(sql_json=True), database_url=app_url)
    async with LifespanManager(application):
        yield application


@pytest.fixture
async def both(
    app: Any, json_app: Any, python_path: None
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    async with (
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway.test") as off,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=json_app), base_url="http://gateway.test") as on,
    ):
        yield off, on


def _data_bytes(response: httpx.Response) -> bytes:
    """The `data` member exactly as sent: the body is {"data":...,"extensions":{...}}."""
    body = response.content
    assert body.startswith(b'{"data":'), body[:200]
    end = body.rindex(b',"extensions":')
    return body[len(b'{"data":') : end]


async def run_both(
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient],
    email: str,
    query: str,
    variables: dict[str, Any] | None = None,
    pure: bool = True,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Run `query` as `email` without and with SQL_JSON; the same `data` bytes, no errors.
    `pure`: the SQL_JSON app answered it from PostgreSQL's JSON, in one statement."""
    off, on = (GQL(c) for c in clients)
    for g, c in zip((off, on), clients, strict=True):
        g.headers.update(await bearer(c, email))
    before, direct_before = sql_json.STATS["answered"], direct.STATS["answered"]
    r_off = await off.raw(query, variables)
    r_on = await on.raw(query, variables)
    body_off, body_on = r_off.json(), r_on.json()
    assert "errors" not in body_off, body_off["errors"]
    assert "errors" not in body_on, body_on["errors"]
    assert _data_bytes(r_on) == _data_bytes(r_off)
    answered = sql_json.STATS["answered"] - before
    if pure:
        assert answered >= 1, "the SQL_JSON app took the Python path"
        assert body_on["extensions"]["stats"]["sqlStatements"] == 1
        # one root field of pure data: answered without graphql-core's execution (kit/direct.py)
        assert direct.STATS["answered"] - direct_before == 1, "the SQL_JSON app executed the document"
    else:
        assert answered == 0
        assert direct.STATS["answered"] == direct_before
    return body_off, body_on


SUPER = "superadmin@demo.campus"
GREENWOOD_ADMIN = "admin@greenwood.demo"

SESSIONS = """academicSessions(first: INNER) {
  __typename totalCount
  pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  edges { cursor node { id name startDate endDate active createdAt updatedAt } } }"""

SCHOOLS_TEMPLATE = (
    """
query Schools($p: String!, $after: String, $before: String, $order: [SchoolOrder!]) {
  schools(PAGE, after: $after, before: $before, orderBy: $order, filter: {schoolCode: {startsWith: $p}}) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor __typename }
    edges {
      cursor
      node {
        __typename id name schoolCode city active createdAt updatedAt
        currentSession { id name startDate school { id name } }
        again: currentSession { name endDate }
        """
    + SESSIONS
    + """
      }
    }
  }
}"""
)


def schools_query(page: str, inner: int) -> str:
    """Page sizes written into the document: the cost limit counts them (variables would count
    as the largest page)."""
    return SCHOOLS_TEMPLATE.replace("PAGE", page).replace("INNER", str(inner))


@pytest.fixture(scope="module")
async def schools(db: Any) -> tuple[str, list[dict[str, Any]]]:
    """Seven schools: no city on some, no sessions on some (null currentSession, empty lists)."""
    prefix = unique("SJ")
    made = await make_schools(db, prefix, 7, sessions_per_school=[0, 1, 2, 4], cities=["Pune", None])
    return prefix, made


async def test_root_connection_with_to_one_and_to_many_is_one_statement(both, schools):
    prefix, made = schools
    body, _ = await run_both(both, SUPER, schools_query("first: 10", 3), {"p": prefix})
    page = body["data"]["schools"]
    assert page["totalCount"] == 7 and len(page["edges"]) == 7
    nodes = [e["node"] for e in page["edges"]]
    assert [n["academicSessions"]["totalCount"] for n in nodes] == [0, 1, 2, 4, 0, 1, 2]
    assert [len(n["academicSessions"]["edges"]) for n in nodes] == [0, 1, 2, 3, 0, 1, 2]
    assert nodes[0]["currentSession"] is None and nodes[1]["currentSession"]["school"]["id"] == made[1]["gid"]
    assert nodes[1]["city"] is None and nodes[0]["city"] == "Pune"
    assert nodes[3]["academicSessions"]["pageInfo"]["hasNextPage"] is True


async def test_pages_forward_and_backward_with_cursors_and_ordering(both, schools):
    prefix, _ = schools
    order = [{"field": "NAME", "direction": "DESC"}]
    first, _ = await run_both(both, SUPER, schools_query("first: 3", 1), {"p": prefix, "order": order})
    info = first["data"]["schools"]["pageInfo"]
    assert info["hasNextPage"] is True and info["hasPreviousPage"] is False
    second, _ = await run_both(
        both, SUPER, schools_query("first: 3", 1), {"p": prefix, "order": order, "after": info["endCursor"]}
    )
    assert second["data"]["schools"]["pageInfo"]["hasPreviousPage"] is True
    back, _ = await run_both(
        both,
        SUPER,
        schools_query("last: 2", 2),
        {"p": prefix, "order": order, "before": second["data"]["schools"]["pageInfo"]["endCursor"]},
    )
    names = [e["node"]["name"] for e in back["data"]["schools"]["edges"]]
    assert names == sorted(names, reverse=True) and len(names) == 2
    # a page past the end, and an empty list
    whole, _ = await run_both(both, SUPER, schools_query("first: 10", 1), {"p": prefix, "order": order})
    end = whole["data"]["schools"]["pageInfo"]["endCursor"]
    past, _ = await run_both(both, SUPER, schools_query("first: 3", 1), {"p": prefix, "order": order, "after": end})
    assert past["data"]["schools"]["edges"] == [] and past["data"]["schools"]["pageInfo"]["hasPreviousPage"] is True
    empty, _ = await run_both(both, SUPER, schools_query("first: 3", 1), {"p": unique("NONE")})
    assert empty["data"]["schools"] == {
        "totalCount": 0,
        "pageInfo": {
            "hasNextPage": False,
            "hasPreviousPage": False,
            "startCursor": None,
            "endCursor": None,
            "__typename": "PageInfo",
        },
        "edges": [],
    }


async def test_a_tenant_sees_only_its_rows(both, schools):
    """Greenwood's admin: Greenwood's school and sessions only, never the test schools."""
    _, made = schools
    query = """query Mine { schools(first: 50) { nodes { id name academicSessions(first: 20) { nodes { id name school { id } } } } } }"""
    body, _ = await run_both(both, GREENWOOD_ADMIN, query)
    ids = {n["id"] for n in body["data"]["schools"]["nodes"]}
    assert len(ids) == 1 and not ids & {m["gid"] for m in made}
    sessions = body["data"]["schools"]["nodes"][0]["academicSessions"]["nodes"]
    assert sessions and {s["school"]["id"] for s in sessions} == ids


async def test_node_by_id(both, schools):
    _, made = schools
    query = """query One($id: ID!) { node(id: $id) { __typename id ... on School { name schoolCode city
      currentSession { id name school { id name } } academicSessions(first: 2) { totalCount edges { cursor node { id name } } } } } }"""
    body, _ = await run_both(both, SUPER, query, {"id": made[3]["gid"]})
    assert body["data"]["node"]["id"] == made[3]["gid"]
    # another tenant's school, as Greenwood's admin: null on both paths, no error
    hidden, _ = await run_both(both, GREENWOOD_ADMIN, query, {"id": made[3]["gid"]})
    assert hidden["data"]["node"] is None
    await run_both(
        both, SUPER, "query Two($id: ID!) { node(id: $id) { ... on School { id name } } }", {"id": made[0]["gid"]}
    )


async def test_decimals_enums_and_dates_of_fee_payments(both):
    query = """query Payments { feePayments(first: 20) { totalCount edges { cursor node {
      id principalPaid lateFeePaid paymentDate mode createdAt session { id name }
      student { id firstName gender dateOfAdmission currentClass { id } } } } } }"""
    body, _ = await run_both(both, "accounts@greenwood.demo", query)
    assert body["data"]["feePayments"]["edges"], "the demo has payments at Greenwood"


async def test_anything_else_keeps_the_python_path(both):
    # a field rule (Student.email) decides per row in Python
    query = "query Contacts { students(first: 5) { nodes { id firstName email currentClass { id } } } }"
    body, _ = await run_both(both, GREENWOOD_ADMIN, query, pure=False)
    assert body["data"]["students"]["nodes"]
    # a bad cursor is refused the same way by both
    off, on = (GQL(c) for c in both)
    for g, c in zip((off, on), both, strict=True):
        g.headers.update(await bearer(c, SUPER))
    bad = 'query Bad { schools(first: 2, after: "nope") { nodes { id } } }'
    r_off, r_on = await off.raw(bad), await on.raw(bad)
    errors = [
        [(e["message"], e["extensions"]["code"]) for e in orjson.loads(r.content)["errors"]] for r in (r_off, r_on)
    ]
    assert errors[0] == errors[1] and errors[0][0][1] == "BAD_USER_INPUT"


def _doc_queries() -> list[Any]:
    """The docs' examples that only read: every one runs both ways (tests/test_doc_examples.py)."""
    from tests.test_doc_examples import EXAMPLES

    out = []
    for e in EXAMPLES:
        if not e.operations or e.marker is None or e.marker.get("upload"):
            continue
        if any(op.operation.value != "query" for op in e.operations):
            continue
        if e.marker["role"] == "new-school-admin" or any(
            s in orjson.dumps(e.marker["variables"]).decode() for s in ("$unique", "$student", "$refreshToken")
        ):
            continue
        out.append(e)
    return out


async def test_every_read_of_the_docs_answers_the_same_bytes(both):
    from tests.test_doc_examples import _resolve

    examples = _doc_queries()
    assert len(examples) >= 5
    answered_before, by_json, python_path = sql_json.STATS["answered"], 0, list[str]()
    for e in examples:
        role = e.marker["role"]
        email = None if role == "anonymous" else role
        headers = [await bearer(c, email) if email else {} for c in both]
        token = headers[0].get("Authorization", " ").split(" ")[1] or None
        variables = await _resolve(e.marker["variables"], both[0], email, token)
        for op in e.operations:
            body = {"query": e.source, "variables": variables, "operationName": op.name.value if op.name else None}
            before = sql_json.STATS["answered"]
            r_off, r_on = [await c.post("/graphql", json=body, headers=h) for c, h in zip(both, headers, strict=True)]
            assert r_off.status_code == r_on.status_code == 200, (e.where, r_off.content[:300], r_on.content[:300])
            assert "errors" not in r_off.json() and "errors" not in r_on.json(), (e.where, r_on.content[:500])
            assert _data_bytes(r_on) == _data_bytes(r_off), e.where
            if sql_json.STATS["answered"] > before:
                by_json += 1
            else:
                python_path.append(f"{e.where} {op.name.value if op.name else ''}")
    assert sql_json.STATS["answered"] > answered_before, "no example of the docs took the JSON path"
    print(f"docs' reads answered with PostgreSQL's JSON: {by_json} of {sum(len(e.operations) for e in examples)}")
    print("the Python path:", *python_path, sep="\n  ")


# bench/run.py's three reads of issue 14 (nested, one, phone), as the gateway is sent them
BENCH_READS = {
    "nested": "query Nested { schools(first: 50) { edges { node { id name schoolCode city "
    "currentSession { id name startDate } academicSessions(first: 3) { edges { node { id name startDate endDate } } } "
    "} } } }",
    "one": "query One($id: ID!) { node(id: $id) { ... on School { id name schoolCode city } } }",
    "phone": "query Phone($id: ID!) { node(id: $id) { ... on School { currentSession { id name school { id name } } } } }",
}


@pytest.mark.parametrize("read", sorted(BENCH_READS))
async def test_the_bench_reads_take_one_statement(both, schools, read):
    _, made = schools
    variables = {"id": made[3]["gid"]} if "$id" in BENCH_READS[read] else None
    off, _ = await run_both(both, SUPER, BENCH_READS[read], variables)
    assert off["data"]


async def test_a_repeated_document_builds_nothing(both, schools):
    """The JSON statement is built once per document and variable shapes: a repeat only binds."""
    prefix, made = schools
    on = GQL(both[1])
    on.headers.update(await bearer(both[1], SUPER))
    query = schools_query("first: 2", 2)
    first = await on(query, {"p": prefix})
    again = await on(query, {"p": prefix, "after": first["data"]["schools"]["pageInfo"]["endCursor"]})
    repeat = await on(query, {"p": prefix, "after": again["data"]["schools"]["pageInfo"]["endCursor"]})
    assert repeat["extensions"]["stats"]["plansBuilt"] == 0
    assert repeat["extensions"]["stats"]["sqlStatements"] == 1
    names = [e["node"]["name"] for r in (first, again, repeat) for e in r["data"]["schools"]["edges"]]
    assert names == sorted(names) == [f"{prefix} School {i:03d}" for i in range(6)]
    node = (
        "query N($id: ID!) { node(id: $id) { ... on School { name academicSessions(first: 1) { nodes { name } } } } }"
    )
    await on(node, {"id": made[1]["gid"]})
    assert (await on(node, {"id": made[2]["gid"]}))["extensions"]["stats"]["plansBuilt"] == 0


async def test_text_is_escaped_as_orjson_escapes_it(both, db):
    """Quotes, backslashes, control characters, non-ASCII and emoji: PostgreSQL's to_json and
    orjson must write the same bytes."""
    prefix = unique("ESC")
    names = ['He said "hi" \\ back', "tab\there\nnew\rline\x08\x0c", "ctl \x01\x1f\x7f", "Zürich – 東京 😀 \u2028"]
    async with db.acquire() as conn:
        for i, name in enumerate(names):
            await conn.execute(
                "INSERT INTO schools (name, school_code, city) VALUES ($1, $2, $3)", name, f"{prefix}-{i}", name[::-1]
            )
    query = (
        "query Esc($p: String!) { schools(first: 10, filter: {schoolCode: {startsWith: $p}}) { nodes { name city } } }"
    )
    body, _ = await run_both(both, SUPER, query, {"p": prefix})
    assert [n["name"] for n in body["data"]["schools"]["nodes"]] == names


CONNECTION_PARTS = (
    "__typename",
    "totalCount",
    "pageInfo { hasNextPage endCursor }",
    "edges { cursor }",
    "edges { node { FIELD } }",
    "nodes { FIELD }",
)


@pytest.mark.slow  # 252 requests
async def test_every_combination_of_connection_parts_answers_the_same_bytes(both, schools):
    """Each non-empty set of a connection's parts, as a to-many of parents with 0, 1, 2 and 4
    children and as the root page: a part that aggregates nothing (totalCount alone) once gave
    a row per child (parents repeated) or none (a broken object)."""
    import itertools

    prefix, _ = schools
    for size in range(1, len(CONNECTION_PARTS) + 1):
        for parts in itertools.combinations(CONNECTION_PARTS, size):
            inner = " ".join(parts).replace("FIELD", "name")
            outer = " ".join(parts).replace("FIELD", "schoolCode")
            nested = f"""query($p: String!) {{ schools(first: 10, filter: {{schoolCode: {{startsWith: $p}}}}) {{
              nodes {{ schoolCode academicSessions(first: 2) {{ {inner} }} }} }} }}"""
            body, _ = await run_both(both, SUPER, nested, {"p": prefix})
            nodes = body["data"]["schools"]["nodes"]
            assert [n["schoolCode"] for n in nodes] == sorted({n["schoolCode"] for n in nodes}), parts
            root = f"""query($p: String!) {{ schools(first: 3, filter: {{schoolCode: {{startsWith: $p}}}}) {{ {outer} }} }}"""
            await run_both(both, SUPER, root, {"p": prefix})


# ---- kit/direct.py: documents whose root fields are all pure data skip graphql-core's execution


@pytest.fixture(scope="module")
async def executed_app(app_url: str) -> AsyncIterator[Any]:
    """SQL_JSON on, DIRECT_READS off: graphql-core executes every document."""
    application = create_app(make_settings(sql_json=True, direct_reads=False), database_url=app_url)
    async with LifespanManager(application):
        yield application


async def _both_ways(executed_app: Any, json_app: Any, email: str | None, query: str, variables: Any) -> list[Any]:
    out = []
    for application in (executed_app, json_app):
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=application), base_url="http://gateway.test"
        ) as client:
            g = GQL(client)
            if email:
                g.headers.update(await bearer(client, email))
            before = direct.STATS["answered"]
            response = await g.raw(query, variables)
            out.append((response, direct.STATS["answered"] - before))
    return out


def _errors(response: httpx.Response) -> list[Any]:
    return [
        (e["message"], e.get("path"), e["extensions"]["code"]) for e in orjson.loads(response.content).get("errors", [])
    ]


async def test_direct_reads_answer_the_executed_bytes_and_decline_before_any_statement(executed_app, json_app, schools):
    prefix, made = schools
    two = """query Two($id: ID!, $p: String!) { __typename
      a: node(id: $id) { ... on School { id name currentSession { name } } }
      schools(first: 2, filter: {schoolCode: {startsWith: $p}}) { totalCount edges { cursor node { id city } } } }"""
    cases = [
        # (caller, document, variables, answered directly)
        (SUPER, two, {"id": made[1]["gid"], "p": prefix}, True),
        (GREENWOOD_ADMIN, two, {"id": made[1]["gid"], "p": prefix}, True),  # another tenant's school: null
        # not pure data (a field rule decides per row in Python): executed, no statement twice
        (GREENWOOD_ADMIN, "query C { students(first: 3) { nodes { id email } } }", None, False),
        # a fragment at the root, a directive, an introspection field: graphql-core's to execute
        (
            SUPER,
            "query F($id: ID!) { ...R } fragment R on Query { node(id: $id) { id } }",
            {"id": made[0]["gid"]},
            False,
        ),
        (SUPER, "query D($id: ID!) { node(id: $id) @include(if: true) { id } }", {"id": made[0]["gid"]}, False),
        (SUPER, "query I { __schema { queryType { name } } schools(first: 1) { totalCount } }", None, False),
        # refusals and bad input: worded by the ordinary path, the same on both
        (None, "query A { schools(first: 2) { totalCount } }", None, False),
        (SUPER, "query V($id: ID!) { node(id: $id) { id } }", {"id": None}, False),
        (SUPER, "query B { schools(first: 5000) { totalCount } }", None, False),
        (SUPER, 'query G { node(id: "not-an-id") { id } }', None, False),
    ]
    for email, query, variables, answered in cases:
        (executed, by_executor), (answer, by_direct) = await _both_ways(executed_app, json_app, email, query, variables)
        assert by_executor == 0, "DIRECT_READS=false answered directly"
        assert by_direct == (1 if answered else 0), (query, answer.content[:300])
        assert answer.status_code == executed.status_code, query
        assert _errors(answer) == _errors(executed), query
        body, expected = orjson.loads(answer.content), orjson.loads(executed.content)
        assert body.get("data") == expected.get("data"), query
        if "errors" not in expected:
            assert _data_bytes(answer) == _data_bytes(executed), query
            stats, expected_stats = body["extensions"]["stats"], expected["extensions"]["stats"]
            assert stats["sqlStatements"] == expected_stats["sqlStatements"], (query, stats, expected_stats)
