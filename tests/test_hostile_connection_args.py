"""Hostile connection arguments on every root connection. Forged cursors: a value of the wrong
JSON type, one the column cannot hold (NUL bytes, over-long text, decimals past any
precision, naive or out-of-calendar times, unknown enum members) is BAD_USER_INPUT "The
cursor is damaged." — never an internal error (a database error) for the caller."""

from __future__ import annotations

import base64
import datetime as dt
import decimal

import orjson
import pytest
from graphql import GraphQLNonNull, get_named_type

from kit.registry import get_spec
from schema.root import build_schema
from tests.conftest import as_user

SCHEMA = build_schema()._schema


def _hostile(spec, attr) -> list:
    if attr in spec.enum_attrs:
        return ["NOT_A_MEMBER", "a\x00b", 5]
    kind = spec.columns[attr].type.python_type
    if kind is str:
        length = getattr(spec.columns[attr].type, "length", None)
        return ["a\x00b", 5, *(["x" * (length + 1)] if length else [])]
    if kind is dt.datetime:
        return ["2020-01-01T00:00:00", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", 5]
    if kind is dt.date:
        return ["2020-13-01", 5]
    if kind is decimal.Decimal:
        return ["1e999999", "1e-999999", 1e308, "NaN", "9" * 40]
    if kind is int:
        return [2**40 if spec.columns[attr].type.__class__.__name__ != "BigInteger" else 2**63, 1.5]
    return ["a\x00b"]


def _cases():
    out = []
    for name, field in SCHEMA.query_type.fields.items():
        conn = get_named_type(field.type)
        if not conn.name.endswith("Connection") or "orderBy" not in field.args:
            continue
        if any(isinstance(a.type, GraphQLNonNull) for a in field.args.values()):
            continue
        spec = get_spec(conn.name.removesuffix("Connection"))
        for key, attr in spec.sort_fields.items():
            signature = f"{attr}+,id+"
            for value in _hostile(spec, attr):
                cursor = base64.urlsafe_b64encode(orjson.dumps([signature, value, 1])).decode()
                out.append((name, key, value, cursor))
    return out


@pytest.mark.slow
async def test_forged_cursor_values_are_bad_input_for_every_sortable_field(client):
    admin = await as_user(client, "superadmin@demo.campus")
    cases = _cases()
    assert len(cases) >= 100, len(cases)
    damaged = 0
    for start in range(0, len(cases), 10):  # a batch: each operation is executed (and fails) on its own
        chunk = cases[start : start + 10]
        batch = [
            {"query": f'{{ {name}(first: 1, orderBy: [{{field: {key}}}], after: "{cursor}") {{ totalCount }} }}'}
            for name, key, _, cursor in chunk
        ]
        r = await client.post("/graphql", json=batch, headers=admin.headers)
        assert r.status_code == 200, r.text[:300]
        for (name, key, value, _), result in zip(chunk, r.json(), strict=True):
            errors = result.get("errors") or []
            assert [e["extensions"]["code"] for e in errors] == ["BAD_USER_INPUT"], (name, key, value, errors)
            assert errors[0]["message"] == "The cursor is damaged.", (name, key, value, errors)
            damaged += 1
    assert damaged == len(cases)
    # a genuine cursor of every kind still pages
    first = await admin("{ hostels(first: 1, orderBy: [{field: CREATED_AT}]) { pageInfo { endCursor } } }")
    cursor = first["data"]["hostels"]["pageInfo"]["endCursor"]
    body = await admin(
        "query($c: String) { a: hostels(first: 1, orderBy: [{field: CREATED_AT}], after: $c) { totalCount } }",
        {"c": cursor},
    )
    assert body["data"]["a"]["totalCount"] >= 1
    for field in ("NAME", "STARTING_PRICE_MONTHLY", "TOTAL_BEDS"):
        first = await admin("{ hostels(first: 1, orderBy: [{field: %s}]) { pageInfo { endCursor } } }" % field)
        cursor = first["data"]["hostels"]["pageInfo"]["endCursor"]
        await admin(
            "query($c: String) { hostels(first: 1, orderBy: [{field: %s}], after: $c) { totalCount } }" % field,
            {"c": cursor},
        )


async def test_a_filter_of_thousands_of_conditions_is_refused_on_every_connection(client):
    """20,000 `or` branches took seconds of SQL building and running for one anonymous request."""
    from kit.planner import MAX_FILTER_CONDITIONS

    admin = await as_user(client, "superadmin@demo.campus")
    names = [
        (name, get_named_type(field.args["filter"].type).name)
        for name, field in SCHEMA.query_type.fields.items()
        if "filter" in field.args
        and get_named_type(field.type).name.endswith("Connection")
        and not any(isinstance(a.type, GraphQLNonNull) for a in field.args.values())
        # composable filters only (and/or/not, the kit's): a fixed filter has nothing to blow up
        and "or" in get_named_type(field.args["filter"].type).fields
    ]
    assert len(names) >= 30, len(names)
    wide = {"or": [{"and": []}] * (MAX_FILTER_CONDITIONS + 1)}
    deep: dict = {"and": []}
    for _ in range(20):  # spread over the depths: counted at all of them together
        deep = {"and": [deep, *[{"and": []}] * (MAX_FILTER_CONDITIONS // 20)]}
    for start in range(0, len(names), 10):
        batch = [
            {"query": f"query($f: {ftype}) {{ {name}(first: 1, filter: $f) {{ totalCount }} }}", "variables": {"f": f}}
            for name, ftype in names[start : start + 10]
            for f in (wide,)
        ]
        r = await client.post("/graphql", json=batch, headers=admin.headers)
        for (name, _), result in zip(names[start : start + 10], r.json(), strict=True):
            errors = result.get("errors") or []
            assert [e["extensions"]["code"] for e in errors] == ["BAD_USER_INPUT"], (name, errors)
            assert f"at most {MAX_FILTER_CONDITIONS} conditions" in errors[0]["message"]
    r = await client.post(
        "/graphql",
        json={
            "query": "query($f: HostelFilter) { hostels(first: 1, filter: $f) { totalCount } }",
            "variables": {"f": deep},
        },
    )
    assert r.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", r.text[:300]
    # an ordinary filter of a few dozen conditions still runs
    ordinary = {"or": [{"name": {"contains": str(i)}} for i in range(40)]}
    r = await client.post(
        "/graphql",
        json={
            "query": "query($f: HostelFilter) { hostels(first: 1, filter: $f) { totalCount } }",
            "variables": {"f": ordinary},
        },
    )
    assert r.status_code == 200 and "errors" not in r.json(), r.text[:300]


@pytest.mark.slow
async def test_order_by_is_short_and_names_each_field_once_on_every_connection(client):
    """orderBy: 50,000 copies of NAME took 2.3 s and answered 600 kB cursors."""
    from kit.planner import MAX_ORDER_FIELDS

    admin = await as_user(client, "superadmin@demo.campus")
    cases = []
    for name, field in SCHEMA.query_type.fields.items():
        conn = get_named_type(field.type)
        if "orderBy" not in field.args or any(isinstance(a.type, GraphQLNonNull) for a in field.args.values()):
            continue
        order_type = get_named_type(field.args["orderBy"].type).name
        spec = get_spec(conn.name.removesuffix("Connection"))
        key = next(iter(spec.sort_fields), "ID")
        cases.append((name, order_type, [{"field": key}] * 2, "twice"))
        # one past the limit on each connection (the same check of the kit's planner: 1,000 copies
        # on every connection cost a minute of coercion under coverage), 1,000 on the first
        copies = 1_000 if len(cases) == 1 else MAX_ORDER_FIELDS + 1
        cases.append((name, order_type, [{"field": key}] * copies, f"at most {MAX_ORDER_FIELDS} fields"))
    assert len(cases) >= 60, len(cases)
    for start in range(0, len(cases), 10):
        chunk = cases[start : start + 10]
        batch = [
            {
                "query": f"query($o: [{otype}!]) {{ {name}(first: 1, orderBy: $o) {{ totalCount }} }}",
                "variables": {"o": o},
            }
            for name, otype, o, _ in chunk
        ]
        r = await client.post("/graphql", json=batch, headers=admin.headers)
        for (name, _, _, words), result in zip(chunk, r.json(), strict=True):
            errors = result.get("errors") or []
            assert [e["extensions"]["code"] for e in errors] == ["BAD_USER_INPUT"] and words in errors[0]["message"], (
                name,
                errors,
            )
    body = await admin(
        "{ hostels(first: 1, orderBy: [{field: CITY}, {field: NAME, direction: DESC}, {field: ID}]) { totalCount } }"
    )
    assert body["data"]["hostels"]["totalCount"] >= 1
