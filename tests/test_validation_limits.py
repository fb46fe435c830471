"""Validation is linear in the document: the depth/alias/cost rules walk each fragment once,
and graphql-core's quadratic overlapping-fields rule is bounded. The work is counted
(gateway/limits.py WORK), not timed."""

from __future__ import annotations

from gateway import limits
from tests.conftest import GQL

LEAF = "hostels(first: 1) { totalCount }"


def _doubling(levels: int, leaf: str) -> str:
    """`levels` fragments, each spreading the next one twice: 2**levels copies of the leaf."""
    parts = ["query { ...F0 }"]
    parts += [f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels)]
    parts.append(f"fragment F{levels} on Query {{ {leaf} }}")
    return " ".join(parts)


async def test_fragments_spreading_each_other_are_costed_in_linear_work(client):
    document = _doubling(20, LEAF)
    assert len(document) < 1000
    before = limits.WORK["fragment_visits"]
    r = await client.post("/graphql", json={"query": document}, headers=GQL.ACCEPT)
    visits = limits.WORK["fragment_visits"] - before
    assert r.status_code == 400
    (error,) = r.json()["errors"]
    # each spread costs its fragment again: 2**20 copies of a leaf costing 1
    assert error["extensions"]["code"] == "COST_LIMIT" and "would cost 1048576;" in error["message"], error
    # but each fragment was walked once by the depth rule and once by the cost rule
    assert visits <= 2 * 21, visits


async def test_a_cheap_document_of_doubling_fragments_is_answered(client):
    before = limits.WORK["fragment_visits"]
    r = await client.post("/graphql", json={"query": _doubling(20, "__typename")})
    assert r.status_code == 200 and r.json()["data"] == {"__typename": "Query"}
    assert limits.WORK["fragment_visits"] - before <= 2 * 21
    r = await client.get("/healthz")
    assert r.status_code == 200


async def test_repeating_one_field_hundreds_of_times_is_refused_before_the_quadratic_check_runs_long(client, app):
    budget = app.state.settings.max_field_comparisons
    for document in (
        "{" + " hostels { totalCount }" * 300 + "}",
        "{"
        + " ".join(f"...F{i}" for i in range(150))
        + "} "
        + " ".join(f"fragment F{i} on Query {{ hostels {{ totalCount }} }}" for i in range(150)),
    ):
        before = limits.WORK["field_comparisons"]
        r = await client.post("/graphql", json={"query": document}, headers=GQL.ACCEPT)
        assert r.status_code == 400, r.text
        assert [e["extensions"]["code"] for e in r.json()["errors"]] == ["QUERY_TOO_COMPLEX"]
        assert limits.WORK["field_comparisons"] - before <= budget + 1


async def test_ordinary_documents_stay_far_below_the_comparison_budget(client):
    before = limits.WORK["field_comparisons"]
    r = await client.post(
        "/graphql",
        json={
            "query": "query { a: hostels(first: 2) { nodes { id name } totalCount } "
            "b: hostels(first: 2) { nodes { id } } ...H } fragment H on Query { hostels(first: 2) { totalCount } }"
        },
    )
    assert r.status_code == 200 and "errors" not in r.json(), r.text
    assert limits.WORK["field_comparisons"] - before < 50


def _overlap_work() -> int:
    return limits.WORK["field_comparisons"] + limits.WORK["fragment_comparisons"]


async def test_many_fragments_spread_side_by_side_are_refused_within_the_budget(client, app):
    """n fragments spread side by side are compared pairwise (n²/2 pairs) by graphql-core
    even when no two of their fields share a name: those comparisons spend the budget too."""
    budget = app.state.settings.max_field_comparisons
    from graphql.validation.rules import overlapping_fields_can_be_merged as rule

    pairs = 0
    original = rule.PairSet.add

    def counting_add(self, *args):  # every fragment pair graphql-core memoises = one comparison run
        nonlocal pairs
        pairs += 1
        return original(self, *args)

    documents = [
        # distinct response names: no field comparison at all, only fragment pairs
        "{"
        + " ".join(f"...F{i}" for i in range(170))
        + "} "
        + " ".join(f"fragment F{i} on Query {{ a{i}: __typename }}" for i in range(170)),
        # fragments that all spread one common fragment
        "{"
        + " ".join(f"...F{i}" for i in range(130))
        + "} "
        + " ".join(f"fragment F{i} on Query {{ ...Z }}" for i in range(130))
        + " fragment Z on Query { __typename }",
    ]
    rule.PairSet.add = counting_add
    try:
        for document in documents:
            before, pairs = _overlap_work(), 0
            r = await client.post("/graphql", json={"query": document}, headers=GQL.ACCEPT)
            assert r.status_code == 400, r.text
            assert "QUERY_TOO_COMPLEX" in [e.get("extensions", {}).get("code") for e in r.json()["errors"]], r.text
            assert _overlap_work() - before <= budget + 1
            assert pairs <= budget + 1, pairs
    finally:
        rule.PairSet.add = original
    r = await client.post(
        "/graphql",
        json={
            "query": "{ ...A ...B ...C } fragment A on Query { a: __typename } "
            "fragment B on Query { b: __typename } fragment C on Query { c: __typename }"
        },
    )
    assert r.status_code == 200 and r.json()["data"] == {"a": "Query", "b": "Query", "c": "Query"}, r.text


async def test_introspection_roots_are_limited_per_document(client):
    """Introspection is outside depth and cost: ten aliases of __schema were 2.7 s of the worker
    for one anonymous request (dev mode, where introspection is on)."""
    from gateway.limits import INTROSPECTION_ROOTS

    many = (
        "{ "
        + " ".join(f"a{i}: __schema {{ types {{ name }} }}" for i in range(INTROSPECTION_ROOTS["__schema"] + 1))
        + " }"
    )
    types = (
        "{ "
        + " ".join(f't{i}: __type(name: "Query") {{ name }}' for i in range(INTROSPECTION_ROOTS["__type"] + 1))
        + " }"
    )
    for document in (many, types):
        r = await client.post("/graphql", json={"query": document}, headers=GQL.ACCEPT)
        assert r.status_code == 400, r.text[:300]
        assert [e["extensions"]["code"] for e in r.json()["errors"]] == ["INTROSPECTION_LIMIT"], r.text[:300]
    from graphql import get_introspection_query

    r = await client.post("/graphql", json={"query": get_introspection_query(descriptions=True)})  # GraphiQL's
    assert r.status_code == 200 and r.json()["data"]["__schema"]["queryType"]["name"] == "Query", r.text[:300]
