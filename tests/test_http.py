"""The HTTP surface: bad input never gives a 500 and never changes anything."""

from __future__ import annotations

import hashlib
import logging
import traceback

import httpx
import orjson
import pytest
from asgi_lifespan import LifespanManager

from gateway.app import create_app
from kit import planner, sql_json
from tests.conftest import GQL, make_settings, unique

COUNT = "query($c: String!) { schools(filter: {schoolCode: {eq: $c}}) { totalCount } }"


async def _count(gql, code):
    return (await gql(COUNT, {"c": code}))["data"]["schools"]["totalCount"]


async def test_malformed_json_is_400(gql):
    r = await gql.client.post(
        "/graphql", content=b'{"query": "{ schools { totalCount } "', headers={"content-type": "application/json"}
    )
    assert r.status_code == 400
    assert r.json()["errors"][0]["message"] == "The request body is not valid JSON."


async def test_wrong_content_type_is_415(gql):
    r = await gql.client.post(
        "/graphql", content=b"query=1", headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert r.status_code == 415


async def test_a_mutation_over_get_is_405_and_creates_nothing(gql):
    code = unique("GET")
    q = 'mutation { schoolCreate(input: {name: "G", schoolCode: "%s"}) { errors { code } } }' % code
    r = await gql.client.get("/graphql", headers=gql.headers, params={"query": q})
    assert r.status_code == 405
    assert r.headers["allow"] == "POST"
    assert await _count(gql, code) == 0


async def test_a_query_over_get_works(gql):
    r = await gql.client.get(
        "/graphql", headers=gql.headers, params={"query": "{ schools(first: 1) { pageInfo { hasNextPage } } }"}
    )
    assert r.status_code == 200 and "data" in r.json()


async def test_batches_run_each_operation_and_are_limited(gql):
    ok = await gql.client.post(
        "/graphql",
        headers=gql.headers,
        json=[
            {"query": "{ a: schools(first: 1) { totalCount } }"},
            {"query": "query Q { b: hostels(first: 1) { totalCount } }", "operationName": "Nope"},
        ],
    )
    assert ok.status_code == 200
    first, second = ok.json()
    assert "a" in first["data"]
    assert second["errors"][0]["message"] == 'Unknown operation named "Nope".'

    code = unique("BATCH")
    too_many = [
        {"query": 'mutation { schoolCreate(input: {name: "B", schoolCode: "%s-%d"}) { errors { code } } }' % (code, i)}
        for i in range(11)
    ]
    r = await gql.client.post("/graphql", headers=gql.headers, json=too_many)
    assert r.status_code == 400 and r.json()["errors"][0]["extensions"]["code"] == "BATCH_LIMIT"
    body = await gql(
        "query($p: String!) { schools(filter: {schoolCode: {startsWith: $p}}) { totalCount } }", {"p": code}
    )
    assert body["data"]["schools"]["totalCount"] == 0


async def test_unknown_operation_name_is_400(gql):
    r = await gql.raw("query A { schools { totalCount } }", operationName="B")
    assert r.status_code == 400 and 'Unknown operation named "B"' in r.json()["errors"][0]["message"]
    several = await gql.raw("query A { schools { totalCount } } query B { hostels { totalCount } }")
    assert several.status_code == 400 and "operationName" in several.json()["errors"][0]["message"]


async def test_syntax_and_validation_errors_are_400_and_development_suggests_names(gql):
    # production answers without the suggestion: tests/test_http_edge.py
    r = await gql.raw("{ schools { totalCont } }")
    assert r.status_code == 400
    message = r.json()["errors"][0]["message"]
    assert "totalCont" in message and "Did you mean 'totalCount'?" in message
    syntax = await gql.raw("{ schools { ")
    assert syntax.status_code == 400 and "Syntax Error" in syntax.json()["errors"][0]["message"]


@pytest.mark.parametrize(
    "query, code",
    [
        (
            "{ schools { edges { node { academicSessions { edges { node { school { academicSessions { edges { node { school { "
            "academicSessions { edges { node { name } } } } } } } } } } } } } } }",
            "DEPTH_LIMIT",
        ),
        ("{ " + " ".join(f"a{i}: schools {{ totalCount }}" for i in range(31)) + " }", "ALIAS_LIMIT"),
        ("{ schools(first: 100) { nodes { academicSessions(first: 100) { nodes { name } } } } }", "COST_LIMIT"),
    ],
)
async def test_operation_limits(gql, query, code):
    r = await gql.raw(query)
    assert r.status_code == 400
    assert r.json()["errors"][0]["extensions"]["code"] == code


async def test_token_limit(gql):
    r = await gql.raw("{ schools { " + "totalCount " * 2100 + "} }")
    assert r.status_code == 400
    assert "tokens" in r.json()["errors"][0]["message"]


async def test_unexpected_errors_are_masked_and_logged_with_an_id(gql, monkeypatch, caplog):
    async def broken(*args, **kwargs):
        raise RuntimeError("secret internals: password=hunter2")

    monkeypatch.setattr(planner, "fetch_connection", broken)
    monkeypatch.setattr(sql_json, "fetch_connection_json", broken)  # the read's path with SQL_JSON on

    class Kept(logging.Handler):  # on the logger itself, not the root: configure_logging (create_app, the CLI)
        # replaces the root's handlers, and in one random order (-n 2, seed 12345) caplog missed the record
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    records: list[logging.LogRecord] = []
    logger, kept = logging.getLogger("gateway.graphql"), Kept(logging.ERROR)
    logger.addHandler(kept)
    # in some orders an earlier test leaves the logger disabled or the logging module switched off
    # (a library's logging config); the product's logging is what is checked here, not that state
    was_disabled, logger.disabled = logger.disabled, False
    was_level, logger.level = logger.level, logging.ERROR
    switched_off = logging.root.manager.disable
    logging.disable(logging.NOTSET)
    try:
        with caplog.at_level(logging.ERROR, logger="gateway.graphql"):
            r = await gql.raw("{ schools { totalCount } }")
    finally:
        logger.removeHandler(kept)
        logger.disabled, logger.level = was_disabled, was_level
        logging.disable(switched_off)
    assert r.status_code == 200
    error = r.json()["errors"][0]
    assert "hunter2" not in r.text and "RuntimeError" not in r.text
    error_id = error["extensions"]["errorId"]
    assert error["message"] == f"Internal error; reference {error_id}."
    logged = [rec for rec in records if getattr(rec, "error_id", None) == error_id]
    assert logged, [(rec.getMessage(), getattr(rec, "error_id", None)) for rec in records]
    # the traceback (with any exception it was raised from or grouped in) keeps what the answer hides
    assert "hunter2" in "".join(traceback.format_exception(logged[0].exc_info[1])), logged[0].exc_info


async def test_automatic_persisted_queries(gql):
    query = "{ hostels(first: 1) { totalCount } }"
    digest = hashlib.sha256(query.encode()).hexdigest()
    ext = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
    unknown = await gql.client.post("/graphql", headers=gql.headers, json={"extensions": ext})
    assert unknown.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    registered = await gql.client.post("/graphql", headers=gql.headers, json={"query": query, "extensions": ext})
    assert "totalCount" in registered.json()["data"]["hostels"]
    by_hash = await gql.client.post("/graphql", headers=gql.headers, json={"extensions": ext})
    assert by_hash.json()["data"] == registered.json()["data"]
    # a phone may send the hash over GET, which caches well
    via_get = await gql.client.get("/graphql", headers=gql.headers, params={"extensions": orjson.dumps(ext).decode()})
    assert via_get.json()["data"] == registered.json()["data"]
    mismatch = await gql.client.post(
        "/graphql", headers=gql.headers, json={"query": "{ schools { totalCount } }", "extensions": ext}
    )
    assert (
        mismatch.status_code == 400 and mismatch.json()["errors"][0]["message"] == "provided sha does not match query"
    )


async def test_documents_are_parsed_and_validated_once(gql, app, monkeypatch):
    import gateway.graphql_http as http

    calls = []
    real_validate = http.validate
    monkeypatch.setattr(http, "validate", lambda *a, **k: calls.append(1) or real_validate(*a, **k))
    query = "query Once { schools(first: 2) { totalCount } } # %s" % unique("doc")
    for _ in range(3):
        await gql(query)
    assert len(calls) == 1


async def test_stats_extension_and_request_id(gql):
    r = await gql.raw("{ schools(first: 1) { totalCount } }", headers={"X-Request-Id": "abc-123"})
    assert r.headers["x-request-id"] == "abc-123"
    stats = r.json()["extensions"]["stats"]
    # one statement (PostgreSQL writes the connection's JSON, its count included), which takes
    # some time, not seconds
    assert stats["sqlStatements"] == 1 and 0 < stats["sqlMs"] < 10_000


async def test_health_and_readiness(gql):
    assert (await gql.client.get("/healthz")).json() == {"status": "ok"}
    ready = await gql.client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["database"] == "ok"


async def test_graphiql_is_served_with_local_assets(gql):
    page = await gql.client.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "tokenCreate" in page.text and "https://" not in page.text
    for asset in ("graphiql.min.js", "graphiql.min.css", "react.production.min.js", "react-dom.production.min.js"):
        assert f"/static/graphiql/{asset}" in page.text
        r = await gql.client.get(f"/static/graphiql/{asset}")
        assert r.status_code == 200 and len(r.content) > 1000


async def test_introspection_and_graphiql_can_be_switched_off(pg_url):
    app = create_app(make_settings(introspection=False, graphiql=False, query_stats=False), database_url=pg_url)
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client,
    ):
        r = await client.post("/graphql", json={"query": "{ __schema { types { name } } }"}, headers=GQL.ACCEPT)
        assert r.status_code == 400 and "introspection" in r.json()["errors"][0]["message"].lower()
        ok = await client.post("/graphql", json={"query": "{ schools(first: 1) { totalCount } }"})
        assert ok.status_code == 200 and "extensions" not in ok.json()
        page = await client.get("/graphql", headers={"accept": "text/html"})
        assert "text/html" not in page.headers.get("content-type", "")
