"""Traces (gateway/tracing.py): the span tree of a request, read from the SDK's in-memory
exporter, the caller's W3C `traceparent` honoured, OTLP from the standard variables, off by default."""

from __future__ import annotations

import http.server
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from gateway.app import create_app
from gateway.tracing import SqlInstrumentor, setup_tracing
from kit.settings import Settings
from tests.conftest import GQL, bearer, make_settings

TRACE_ID = uuid.uuid4().hex
PARENT_ID = uuid.uuid4().hex[:16]


@pytest.fixture  # one traced app at a time: the asyncpg instrumentation is process-wide (gateway/tracing.py)
async def traced(app_url: str) -> AsyncIterator[tuple[Any, InMemorySpanExporter]]:
    exporter = InMemorySpanExporter()
    application = create_app(make_settings(), database_url=app_url, span_exporter=exporter)
    async with LifespanManager(application):
        yield application, exporter


def _finished(app: Any, exporter: InMemorySpanExporter) -> list[ReadableSpan]:
    app.state.tracing.provider.force_flush()  # spans leave in batches, from a background thread
    return list(exporter.get_finished_spans())


def _sql(span: ReadableSpan) -> str | None:
    attributes = span.attributes or {}
    return str(attributes["db.statement"]) if span.kind is SpanKind.CLIENT and "db.statement" in attributes else None


def _setup(statement: str) -> bool:
    # the transaction's start with the tenant scope (kit/db.py), counted apart from the query's own
    return statement.startswith(("BEGIN", "SELECT /* scope */"))


async def test_a_request_shows_its_span_tree_request_operation_sql(traced):
    app, exporter = traced
    name = f"Traced{uuid.uuid4().hex[:8]}"
    document = f"query {name} {{ schools(first: 3) {{ totalCount edges {{ node {{ name city }} }} }} }}"
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        gql = GQL(client)
        gql.headers.update(await bearer(client, "superadmin@demo.campus"))
        await gql(document)  # once, so that the document is cached and the read takes the READ ONLY path
        _finished(app, exporter)
        exporter.clear()
        body = await gql(document, headers={"traceparent": f"00-{TRACE_ID}-{PARENT_ID}-01"})
    spans = _finished(app, exporter)

    # all of the request's spans in the caller's trace
    assert spans and {format(s.context.trace_id, "032x") for s in spans} == {TRACE_ID}
    servers = [s for s in spans if s.kind is SpanKind.SERVER]
    assert len(servers) == 1
    server = servers[0]
    assert server.name == "POST /graphql"
    assert server.parent is not None and server.parent.is_remote
    assert format(server.parent.span_id, "016x") == PARENT_ID
    assert (server.attributes or {})["http.status_code"] == 200

    operations = [s for s in spans if s.name == f"query {name}"]
    assert len(operations) == 1
    operation = operations[0]
    assert operation.parent is not None and operation.parent.span_id == server.context.span_id
    assert (operation.attributes or {})["graphql.operation.name"] == name
    assert (operation.attributes or {})["graphql.operation.type"] == "query"

    under_operation = [s for s in spans if s.parent is not None and s.parent.span_id == operation.context.span_id]
    statements = [_sql(s) for s in under_operation]
    assert all(statements), [s.name for s in under_operation]  # only SQL below the operation: no span per field
    own = [s for s in statements if s and not _setup(s)]
    # one span per statement the operation ran: as many as the answer's own count
    assert len(own) == body["extensions"]["stats"]["sqlStatements"] >= 1
    assert any("FROM schools" in s for s in own)
    # the caller's identity is looked up before the operation: SQL directly under the request
    under_request = [_sql(s) for s in spans if s.parent is not None and s.parent.span_id == server.context.span_id]
    assert any(s and "FROM users" in s for s in under_request)


async def test_without_traceparent_a_request_starts_its_own_trace(traced):
    app, exporter = traced
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        _finished(app, exporter)
        exporter.clear()
        r = await client.post("/graphql", json={"query": "{ __typename }"})
        assert r.status_code == 200
        # probes and scrapes make no trace
        assert (await client.get("/healthz")).status_code == 200
        assert (await client.get("/metrics")).status_code == 200
    spans = _finished(app, exporter)
    servers = [s for s in spans if s.kind is SpanKind.SERVER]
    assert [s.name for s in servers] == ["POST /graphql"]
    assert servers[0].parent is None
    assert format(servers[0].context.trace_id, "032x") != TRACE_ID
    assert [s.name for s in spans if s.kind is SpanKind.INTERNAL] == ["query"]


def test_traces_are_off_by_default_and_follow_the_standard_variables(monkeypatch):
    for name in ("OTEL_TRACES_EXPORTER", "OTEL_SDK_DISABLED"):
        monkeypatch.delenv(name, raising=False)
    assert setup_tracing(Settings()) is None
    assert setup_tracing(Settings(otel_traces_exporter="none")) is None
    assert setup_tracing(Settings(otel_traces_exporter="otlp", otel_sdk_disabled=True)) is None
    with pytest.raises(RuntimeError, match="OTEL_TRACES_EXPORTER='zipkin' is not supported"):
        setup_tracing(Settings(otel_traces_exporter="zipkin"))
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "console")
    tracing = setup_tracing(Settings())
    assert tracing is not None
    tracing.provider.shutdown()
    monkeypatch.setenv("OTEL_SDK_DISABLED", "true")
    assert setup_tracing(Settings()) is None


@pytest.fixture
def collector() -> Iterator[tuple[str, list[tuple[str, str, bytes]]]]:
    """A stand-in OTLP/HTTP collector: records what it receives."""
    received: list[tuple[str, str, bytes]] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.path, self.headers["Content-Type"], body))
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", received
    server.shutdown()
    server.server_close()


async def test_otlp_export_is_configured_by_the_standard_variables(app_url, collector, monkeypatch):
    endpoint, received = collector
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", f"{endpoint}/v1/traces")
    monkeypatch.setenv("OTEL_SERVICE_NAME", "gateway-under-test")
    name = f"Exported{uuid.uuid4().hex[:8]}"
    application = create_app(make_settings(otel_traces_exporter="otlp"), database_url=app_url)
    async with LifespanManager(application):
        assert SqlInstrumentor().is_instrumented_by_opentelemetry
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=application), base_url="http://t") as client:
            r = await client.post("/graphql", json={"query": f"query {name} {{ schools(first: 1) {{ totalCount }} }}"})
            assert r.status_code == 200
    # stopping the app flushes the exporter and takes the asyncpg instrumentation off again
    assert not SqlInstrumentor().is_instrumented_by_opentelemetry
    assert received and {path for path, _, _ in received} == {"/v1/traces"}
    assert {kind for _, kind, _ in received} == {"application/x-protobuf"}
    names, services = set(), set()
    for _, _, body in received:
        request = ExportTraceServiceRequest.FromString(body)
        for resource_spans in request.resource_spans:
            services |= {a.value.string_value for a in resource_spans.resource.attributes if a.key == "service.name"}
            for scope in resource_spans.scope_spans:
                names |= {s.name for s in scope.spans}
    assert services == {"gateway-under-test"}
    assert {"POST /graphql", f"query {name}"} <= names


async def test_a_caller_that_did_not_sample_its_trace_gets_no_spans(traced):
    """The default sampler follows the caller's `traceparent` flags: `-00` means not sampled, and
    then neither the request, the operation nor its SQL make a span."""
    app, exporter = traced
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        gql = GQL(client)
        gql.headers.update(await bearer(client, "superadmin@demo.campus"))
        _finished(app, exporter)
        exporter.clear()
        body = await gql(
            "{ schools(first: 2) { totalCount } }", headers={"traceparent": f"00-{uuid.uuid4().hex}-{PARENT_ID}-00"}
        )
        assert body["data"]["schools"]["totalCount"] >= 1
        assert _finished(app, exporter) == []
        await gql("{ schools(first: 2) { totalCount } }", headers={"traceparent": f"00-{TRACE_ID}-{PARENT_ID}-01"})
    spans = _finished(app, exporter)
    assert any(_sql(s) for s in spans) and {s.kind for s in spans} >= {SpanKind.SERVER, SpanKind.INTERNAL}
