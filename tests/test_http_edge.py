"""The HTTP edge as browsers and client libraries meet it: CORS, compression, uploads that
force a preflight, and the production switch."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import httpx
import orjson
import pytest
from asgi_lifespan import LifespanManager

from gateway.app import create_app
from kit.ids import encode_gid
from kit.settings import get_settings
from tests.conftest import bearer, make_settings
from tests.uploads import PREFLIGHT

DASHBOARD = "http://localhost:5173"  # a Vite dev server: allowed in development


async def _edge_app(app_url: str, **settings):
    return create_app(make_settings(**settings), database_url=app_url)


def _client(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


# ---- CORS ---------------------------------------------------------------------------------


async def test_a_dashboard_on_a_local_dev_server_passes_the_preflight_and_reads_the_answer(client):
    preflight = await client.options(
        "/graphql",
        headers={
            "Origin": DASHBOARD,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type, x-tenant-id, x-session-id, x-request-id",
        },
    )
    assert preflight.status_code == 200, preflight.text
    assert preflight.headers["access-control-allow-origin"] == DASHBOARD
    assert "POST" in preflight.headers["access-control-allow-methods"]
    allowed = {h.strip().lower() for h in preflight.headers["access-control-allow-headers"].split(",")}
    assert {
        "authorization",
        "content-type",
        "x-tenant-id",
        "x-session-id",
        "x-request-id",
        "apollo-require-preflight",
    } <= allowed
    assert "access-control-allow-credentials" not in preflight.headers  # tokens are headers, never cookies

    r = await client.post(
        "/graphql", json={"query": "{ schools(first: 1) { totalCount } }"}, headers={"Origin": DASHBOARD}
    )
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] == DASHBOARD
    assert "x-request-id" in r.headers["access-control-expose-headers"].lower()


async def test_a_foreign_site_gets_no_cors_permission(client):
    for origin in ("https://evil.example", "http://localhost.evil.example", "null"):
        preflight = await client.options(
            "/graphql",
            headers={
                "Origin": origin,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization",
            },
        )
        assert preflight.status_code == 400 and "access-control-allow-origin" not in preflight.headers, origin
        r = await client.post("/graphql", json={"query": "{ __typename }"}, headers={"Origin": origin})
        assert "access-control-allow-origin" not in r.headers, origin


async def test_origins_are_a_setting_and_production_allows_none_unless_listed(app_url):
    prod = await _edge_app(app_url, env="production", jwt_private_keys=_keys())
    listed = await _edge_app(
        app_url,
        env="production",
        jwt_private_keys=_keys(),
        cors_origins="https://office.greenwood.example, https://app.example/",
    )
    ask = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization, content-type"}
    async with LifespanManager(prod), _client(prod) as c:
        r = await c.options("/graphql", headers={"Origin": DASHBOARD, **ask})
        assert "access-control-allow-origin" not in r.headers
    async with LifespanManager(listed), _client(listed) as c:
        for origin in ("https://office.greenwood.example", "https://app.example"):
            r = await c.options("/graphql", headers={"Origin": origin, **ask})
            assert r.status_code == 200 and r.headers["access-control-allow-origin"] == origin
        r = await c.options("/graphql", headers={"Origin": DASHBOARD, **ask})
        assert "access-control-allow-origin" not in r.headers


# ---- compression --------------------------------------------------------------------------


async def test_large_answers_are_compressed_as_the_client_accepts(client):
    """A dashboard's pages and GraphiQL's schema shrink several fold (figures: bench/compression.py)."""
    query = "{ __schema { types { name description fields { name description } } } }"
    plain = await client.post("/graphql", json={"query": query}, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.num_bytes_downloaded > 200_000
    for encoding in ("gzip", "br", "zstd"):
        r = await client.post(
            "/graphql", json={"query": query}, headers={"Accept-Encoding": f"{encoding}, identity;q=0.5"}
        )
        assert r.headers["content-encoding"] == encoding and r.headers["vary"].lower().count("accept-encoding") == 1
        assert r.json()["data"] == plain.json()["data"]  # decoded by httpx: the same answer
        assert r.num_bytes_downloaded * 5 < plain.num_bytes_downloaded, (encoding, r.num_bytes_downloaded)


async def test_small_answers_are_sent_as_they_are(client):
    r = await client.post("/graphql", json={"query": "{ __typename }"}, headers={"Accept-Encoding": "gzip, br, zstd"})
    assert r.status_code == 200 and "content-encoding" not in r.headers


# ---- uploads ------------------------------------------------------------------------------

UPLOAD_TWO = """mutation($a: StudentDocumentUploadInput!, $b: StudentDocumentUploadInput!) {
  a: studentDocumentUpload(input: $a) { studentDocument { id fileName } errors { code message } }
  b: studentDocumentUpload(input: $b) { studentDocument { id fileName } errors { code message } } }"""
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


async def _student(db) -> str:
    sid = await db.fetchval(
        "SELECT s.id FROM students s JOIN schools sc ON sc.id = s.school_id "
        "WHERE sc.school_code = 'DEMO-GWH' ORDER BY s.id LIMIT 1"
    )
    return encode_gid("Student", sid)


def _multipart(student: str, mapping: dict) -> dict:
    operations = {
        "query": UPLOAD_TWO,
        "variables": {
            "a": {"studentId": student, "file": None, "remarks": "edge a"},
            "b": {"studentId": student, "file": None, "remarks": "edge b"},
        },
    }
    return {"operations": orjson.dumps(operations).decode(), "map": orjson.dumps(mapping).decode()}


async def test_a_multipart_request_without_the_preflight_header_is_refused_and_stores_nothing(client, db):
    admin = await bearer(client, "admin@greenwood.demo")
    student = await _student(db)
    before = await db.fetchval("SELECT count(*) FROM student_documents")
    r = await client.post(
        "/graphql",
        headers=admin,
        data=_multipart(student, {"0": ["variables.a.file", "variables.b.file"]}),
        files={"0": ("form.pdf", PDF, "application/pdf")},
    )
    assert r.status_code == 400
    error = r.json()["errors"][0]
    assert error["extensions"]["code"] == "PREFLIGHT_REQUIRED" and "Apollo-Require-Preflight" in error["message"]
    assert await db.fetchval("SELECT count(*) FROM student_documents") == before


async def test_one_file_mapped_to_two_variables_reaches_both(client, db):
    admin = await bearer(client, "admin@greenwood.demo")
    student = await _student(db)
    r = await client.post(
        "/graphql",
        headers={**admin, **PREFLIGHT},
        data=_multipart(student, {"0": ["variables.a.file", "variables.b.file"]}),
        files={"0": ("twice.pdf", PDF, "application/pdf")},
    )
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    ids = []
    for alias in ("a", "b"):
        assert data[alias]["errors"] == [] and data[alias]["studentDocument"]["fileName"] == "twice.pdf", data
        ids.append(data[alias]["studentDocument"]["id"])
    assert ids[0] != ids[1]
    for gid in ids:  # both stored whole
        file = await client.get(f"/files/student-documents/{gid}", headers=admin)
        assert file.status_code == 200 and file.content == PDF


# ---- development and production -----------------------------------------------------------


def _keys() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    pem = (
        Ed25519PrivateKey.generate()
        .private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        .decode()
    )
    return orjson.dumps({"k1": pem}).decode()


async def test_development_suggests_names_and_production_does_not(app_url):
    typo = {"query": "{ schols(first: 1) { totalCount } }"}
    dev = await _edge_app(app_url)
    async with LifespanManager(dev), _client(dev) as c:
        message = (await c.post("/graphql", json=typo)).json()["errors"][0]["message"]
        assert "Did you mean 'schools'" in message, message
    prod = await _edge_app(
        app_url, env="production", jwt_private_keys=_keys(), graphiql=None, introspection=None, query_stats=None
    )
    async with LifespanManager(prod), _client(prod) as c:
        message = (await c.post("/graphql", json=typo)).json()["errors"][0]["message"]
        assert "schols" in message and "Did you mean" not in message, message
        r = await c.post("/graphql", json={"query": "{ __schema { types { name } } }"})
        assert "introspection" in r.json()["errors"][0]["message"].lower()
        ok = await c.post("/graphql", json={"query": "{ schools(first: 1) { totalCount } }"})
        assert ok.status_code == 200 and "extensions" not in ok.json()
        page = await c.get("/graphql", headers={"accept": "text/html"})
        assert "text/html" not in page.headers.get("content-type", "")


def test_production_refuses_to_start_with_generated_development_keys(app_url):
    with pytest.raises(RuntimeError, match="JWT_PRIVATE_KEYS"):
        create_app(make_settings(env="production"), database_url=app_url)


# ---- GraphQL over HTTP: media types and status codes (the full audit: bench/http_audit.sh) ----

GRAPHQL_RESPONSE = "application/graphql-response+json"


@pytest.mark.parametrize(
    "accept,media,document_error_status",
    [
        (None, "application/json", 200),
        ("application/json", "application/json", 200),
        ("*/*", "application/json", 200),
        (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE, 400),
        (f"{GRAPHQL_RESPONSE}, application/json;q=0.9", GRAPHQL_RESPONSE, 400),
        (f"application/json, {GRAPHQL_RESPONSE};q=0.5", "application/json", 200),
    ],
)
async def test_the_answer_speaks_the_media_type_asked_for(client, accept, media, document_error_status):
    headers = {"Accept": accept} if accept else {}
    ok = await client.post("/graphql", json={"query": "query Ok { __typename }"}, headers=headers)
    assert ok.status_code == 200 and ok.headers["content-type"].split(";")[0] == media
    for document in ("{", "query Bad { schools { nope } }", "query Unused($id: ID!) { __typename }"):
        r = await client.post("/graphql", json={"query": document, "variables": {"id": None}}, headers=headers)
        assert r.status_code == document_error_status, (document, r.text)
        assert r.headers["content-type"].split(";")[0] == media
        body = r.json()
        assert "data" not in body and body["errors"][0]["message"], body  # not executed: no data entry
    for bad_request in ({"query": "{ __typename }", "extensions": "x"}, {"query": 1}, {"variables": {}}):
        r = await client.post("/graphql", json=bad_request, headers=headers)
        assert r.status_code == 400 and r.headers["content-type"].split(";")[0] == media, (bad_request, r.text)
        assert r.json()["errors"][0]["extensions"]["code"], r.text


@pytest.mark.slow
def test_serve_reports_a_busy_port_in_one_line_before_starting_anything(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "gateway.cli", "serve", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "DATA_DIR": str(tmp_path)},
        )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"campus serve: 127.0.0.1:{port} is already in use (Address already in use); stop the other server or pass --port N"
    ]
    assert not (tmp_path / "pg").exists()  # no database was started for nothing


def test_a_production_process_refuses_the_tests_cheap_password_hashes(monkeypatch):
    from gateway.app import app_from_env

    monkeypatch.setenv("ENV", "production")
    monkeypatch.setenv("JWT_PRIVATE_KEYS", _keys())
    monkeypatch.setenv("CAMPUS_CHEAP_PASSWORD_HASHES", "1")
    get_settings.cache_clear()
    try:
        with pytest.raises(RuntimeError, match="CAMPUS_CHEAP_PASSWORD_HASHES"):
            app_from_env()
    finally:
        get_settings.cache_clear()  # the next reader sees the environment as it was
