"""Bad client input, thrown at every HTTP route: every answer is JSON with a request id and a
4xx (or a 200 carrying GraphQL errors), never a traceback, plain text or a 500; and a global ID
decodes strictly wherever one is taken (node, nodes, mutations, filters, headers, file route)."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from kit.ids import encode_gid
from tests.conftest import as_user, bearer
from tests.uploads import PREFLIGHT

DOC = "{ schools(first: 1) { totalCount } }"


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


# IDs that are not what encode_gid writes: every one must be refused cleanly
BAD_IDS = [
    encode_gid("School", 2**63),
    encode_gid("School", 2**63 - 1 + 10**6),
    encode_gid("School", 10**40),
    encode_gid("Student", 2**64),
    encode_gid("AcademicSession", 2**70),
    encode_gid("StudentDocument", 2**80),
    _b64("School:١٢"),
    _b64("School:²"),
    _b64("School:007"),
    _b64("School:-1"),
    _b64("School: 1"),
    _b64("School:1 "),
    _b64("School:"),
    _b64(":1"),
    _b64("Sch ool:1"),
    _b64("School:1:2"),
    _b64("School:1").rstrip("="),
    _b64("School:1") + "\n",
    " " + _b64("School:1"),
    "U2Nob29sOjF=",
    "U2Nob29sOjE=" * 40,
    "A" * 5000,
    "!!!",
    "",
    "école",
    "5",
    "-1",
    "99999999999999999999999",
]


def _assert_clean(r: Any, label: Any) -> None:
    assert r.status_code < 500, (label, r.status_code, r.text[:300])
    # JSON, in the media type the client asked for (GraphQL over HTTP)
    assert r.headers["content-type"].split(";")[0] in ("application/json", "application/graphql-response+json"), (
        label,
        r.headers["content-type"],
        r.text[:200],
    )
    request_id = r.headers.get("x-request-id")
    assert request_id, label
    body = r.json()
    bodies = body if isinstance(body, list) else [body]
    for b in bodies:
        for e in b.get("errors") or ():
            ext = e.get("extensions") or {}
            assert ext.get("code") != "INTERNAL_SERVER_ERROR", (label, e)
            assert "Traceback" not in e.get("message", ""), label
            if "requestId" in ext or r.status_code >= 400:  # every refused request names its id in the body too
                assert ext.get("requestId") == request_id, (label, e)
    if r.status_code >= 400 and not isinstance(body, list):
        assert body.get("errors"), (label, body)


async def test_malformed_operations_bodies_params_and_headers_answer_json_4xx(client, gql):
    # the document is cached first, so that the malformed fields meet the cached path too
    assert (await gql.raw(DOC)).status_code == 200
    await client.post("/graphql", json={"query": DOC})
    wrong = [1, 1.5, -(10**30), 10**30, True, None, [], [1, "a"], {}, {"a": 1}, "", "x" * 10_000, "\u0000"]
    bodies: list[Any] = []
    for value in wrong:
        bodies += [
            {"query": value},
            {"query": DOC, "variables": value},
            {"query": DOC, "operationName": value},
            {"query": DOC, "extensions": value},
            {"query": DOC, "extensions": {"persistedQuery": value}},
            {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": value}}},
            {"query": DOC, "extensions": {"persistedQuery": {"version": value, "sha256Hash": "00"}}},
        ]
    bodies += [
        [],
        [1],
        [[]],
        [{"query": 1}],
        [{"query": DOC, "operationName": []}],
        [{"query": DOC}] * 11,
        "x",
        5,
        None,
    ]
    raw_bodies = [
        b"",
        b"{",
        b"\xff\xfe\x00",
        b'{"query": "{ schools { totalCount } }", "variables": {"a": 1e99999}}',
        b'{"query": 123456789012345678901234567890123}',
        b"[" * 5000,
        b'{"query": "' + b"{" * 3000 + b'"}',
        b'{"query": "{ node(id: \\"' + encode_gid("School", 2**64).encode() + b'\\") { id } }"}',
    ]
    headers_sets = [{}, await bearer(client, "admin@greenwood.demo")]
    for headers in headers_sets:
        for body in bodies:
            r = await client.post("/graphql", json=body, headers=headers)
            _assert_clean(r, body if not isinstance(body, list) or len(body) < 3 else "batch")
        for raw in raw_bodies:
            r = await client.post("/graphql", content=raw, headers={**headers, "content-type": "application/json"})
            _assert_clean(r, raw[:60])
        for params in (
            {"query": DOC, "operationName": "[1]"},
            {"query": DOC, "variables": "[1]"},
            {"query": DOC, "variables": "1e99999"},
            {"query": DOC, "extensions": "[]"},
            {"query": DOC, "extensions": '{"persistedQuery": {"version": 1, "sha256Hash": [1]}}'},
            {"extensions": '{"persistedQuery": {"version": 1, "sha256Hash": {"a": 1}}}'},
            {"query": "{" * 5000},
            {"variables": "{}"},
            {"query": ""},
        ):
            r = await client.get("/graphql", params=params, headers=headers)
            _assert_clean(r, params)
        upload = """mutation($f: Upload!) { __typename }"""
        for operations, mapping in (
            (b'{"query": "%s", "variables": {"f": null, "l": [1]}}' % upload.encode(), b'{"0": ["variables.l.x.y"]}'),
            (b'{"query": "q", "variables": {"l": [1]}}', b'{"0": ["variables.l.99.y"]}'),
            (b'[{"query": "q"}]', b'{"0": ["5.variables.f"]}'),
            (b'[{"query": "q"}]', b'{"0": ["x.variables.f"]}'),
            (b'{"query": "q"}', b'{"0": "variables.f"}'),
            (b'{"query": "q"}', b"[1]"),
            (b'{"query": "q"}', b'{"1": ["variables.f"]}'),
            (b"1", b"{}"),
            (b'"x"', b"{}"),
        ):
            files = {"operations": (None, operations), "map": (None, mapping), "0": ("a.txt", b"hello", "text/plain")}
            r = await client.post("/graphql", files=files, headers={**headers, **PREFLIGHT})
            _assert_clean(r, (operations, mapping))
        for content_type in (
            "text/plain",
            "multipart/form-data",
            "multipart/form-data; boundary=x",
            "application/json; charset=latin1",
        ):
            r = await client.post("/graphql", content=b"--x\r\n\r\n", headers={**headers, "content-type": content_type})
            _assert_clean(r, content_type)


@pytest.mark.parametrize("header", ["X-Tenant-Id", "X-Session-Id"])
async def test_bad_ids_in_headers_are_a_clean_400(client, header):
    auth = await bearer(client, "admin@greenwood.demo")
    for bad in filter(None, BAD_IDS):  # an empty header is no header
        r = await client.post(
            "/graphql", json={"query": "{ me { rolesInForce } }"}, headers={**auth, header: bad.encode()}
        )
        _assert_clean(r, (header, bad))
        assert r.status_code == 400, (bad, r.text)


async def test_every_route_answers_bad_input_in_json(client):
    auth = await bearer(client, "accounts@greenwood.demo")
    anonymous: dict[str, str] = {}
    oversized = encode_gid("School", 2**64)
    requests = [
        ("GET", "/nowhere"),
        ("POST", "/healthz"),
        ("PUT", "/graphql"),
        ("DELETE", "/graphql"),
        ("POST", "/.well-known/jwks.json"),
        ("GET", "/static/../../etc/passwd"),
        ("GET", "/exports/nothing.csv"),
        *[("GET", f"/files/student-documents/{bad}") for bad in BAD_IDS if bad and "/" not in bad and "\n" not in bad],
        ("GET", "/exports/daily-cash.csv?date=99999-01-01"),
        ("GET", "/exports/daily-cash.csv?date=%00"),
        ("GET", "/exports/monthly-pnl.csv?year=999999999999999999999999&month=1"),
        ("GET", "/exports/monthly-pnl.csv?year=2026&month=13"),
        ("GET", "/exports/monthly-pnl.csv?year=9999&month=12"),
        ("GET", "/exports/monthly-pnl.csv?year=-1&month=-1"),
        ("GET", "/exports/expenses.csv?from=2026-01-01&to=1900-01-01"),
        ("GET", "/exports/expenses.csv?from=x&to=y"),
        ("GET", "/exports/expenses.csv?from=0001-01-01&to=9999-12-31"),
    ]
    for headers in (
        anonymous,
        auth,
        {**auth, "X-Tenant-Id": oversized},
        {**auth, "X-Session-Id": oversized},
        {"Authorization": "Bearer " + "a" * 5000},
        {"Authorization": "Bearer a.b.c"},
        {"Authorization": "Basic x"},
    ):
        for method, path in requests:
            r = await client.request(method, path, headers=headers)
            assert r.status_code != 500, (method, path, r.text[:300])
            if r.status_code >= 400:
                _assert_clean(r, (method, path, headers.keys()))


async def test_bad_global_ids_are_not_found_or_bad_input_everywhere(client, gql):
    admin = await as_user(client, "admin@greenwood.demo")
    for bad in BAD_IDS:
        for who, query, variables in (
            (gql, "query($id: ID!) { node(id: $id) { id } }", {"id": bad}),
            (gql, "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": [bad, bad]}),
            (gql, "query($id: ID!) { schools(filter: {id: {eq: $id}}) { totalCount } }", {"id": bad}),
            (admin, "query($id: ID!) { students(filter: {currentClassId: {in: [$id]}}) { totalCount } }", {"id": bad}),
            (
                gql,
                'mutation($id: ID!) { schoolUpdate(input: {id: $id, name: "Never"}) { school { id } errors { code field } } }',
                {"id": bad},
            ),
            (
                admin,
                "mutation($id: ID!) { studentDeactivate(input: {id: $id}) { errors { code field } } }",
                {"id": bad},
            ),
        ):
            r = await who.raw(query, variables)
            _assert_clean(r, (bad, query))
            body = r.json()
            data = body.get("data") or {}
            for value in data.values():
                if isinstance(value, dict) and "errors" in value:
                    assert value["errors"] and value["errors"][0]["code"] in (
                        "NOT_FOUND",
                        "INVALID",
                        "BAD_USER_INPUT",
                    ), (bad, value)
            for e in body.get("errors") or ():
                assert e["extensions"]["code"] in ("NOT_FOUND", "BAD_USER_INPUT"), (bad, query, e)


async def test_forged_cursors_with_out_of_range_numbers_are_bad_input(gql):
    import json

    first = await gql("{ schools(first: 1) { pageInfo { endCursor } } }")
    signature = json.loads(base64.urlsafe_b64decode(first["data"]["schools"]["pageInfo"]["endCursor"]))[0]
    for value in (2**63, -(2**63) - 1, 2**64 - 1, 10**30, 1.5, "1", True, None, [1], {"a": 1}):
        cursor = base64.urlsafe_b64encode(json.dumps([signature, value]).encode()).decode()
        r = await gql.raw("query($c: String!) { schools(first: 1, after: $c) { totalCount } }", {"c": cursor})
        _assert_clean(r, value)
        errors = r.json().get("errors") or []
        assert all(e["extensions"]["code"] == "BAD_USER_INPUT" for e in errors), (value, errors)
        if value in (2**63, -(2**63) - 1, 2**64 - 1, 10**30):
            assert errors, value
