"""OpenTelemetry traces, off by default.

On with the standard variables: OTEL_TRACES_EXPORTER=otlp (OTLP over HTTP/protobuf, configured
by OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, OTEL_EXPORTER_OTLP_HEADERS...
which the exporter reads itself) or `console`; OTEL_SDK_DISABLED=true switches them off again.
The SDK reads OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES and OTEL_TRACES_SAMPLER[_ARG].
(The OpenTelemetry default exporter is `otlp`; here unset means none, so that a development
server does not try to reach a collector that is not there.)

The span tree of a request:
  `POST /graphql` (ServerSpans below: W3C `traceparent` from the caller honoured)
    ├─ SQL of the identity lookup (asyncpg instrumentation)
    └─ `query Name` (one per GraphQL operation, gateway/graphql_http.py)
         └─ one span per SQL statement (asyncpg instrumentation)

No span per resolved field: a list of 50 rows resolves hundreds of fields, and a span each
would cost more than the request. Strawberry's OpenTelemetry extension is not used for the
same reason and because it would not run: /graphql calls graphql-core's `execute` itself,
not Strawberry's, so Strawberry's extensions never see the operation.

SQL spans come from the asyncpg instrumentation alone: the read path calls asyncpg directly
(kit/db.py RequestDB.fetch) and SQLAlchemy's asyncpg dialect runs prepared statements that the
same instrumentation sees, so SQLAlchemy's own instrumentation would only double the spans of
the write path. It patches asyncpg for the whole process while the app runs (start/stop in the
lifespan), so one process runs one traced app at a time (a server does; tests take care).
Statement parameters are not recorded (they hold personal data).
"""

from __future__ import annotations

from typing import Any

import re

from opentelemetry import propagate
from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter
from opentelemetry.trace import SpanKind, Tracer, get_current_span

from kit.settings import Settings

SERVICE_NAME = "campus-gateway"
# not traced: probes and scrapes, many a minute and of no interest
EXCLUDED_URLS = r"/(healthz|readyz|metrics)$"


class SqlInstrumentor(AsyncPGInstrumentor):
    """asyncpg's instrumentation, making a span only inside a span that records: a request the
    sampler left out (OTEL_TRACES_SAMPLER) then pays nothing per statement, and statements
    outside any request (start-up, background work) make no orphan traces."""

    _instance = None  # its own singleton, not AsyncPGInstrumentor's

    async def _do_execute(self, func: Any, instance: Any, args: Any, kwargs: Any) -> Any:
        if not get_current_span().is_recording():
            return await func(*args, **kwargs)
        return await super()._do_execute(func, instance, args, kwargs)

    async def _do_prepared_execute(self, func: Any, instance: Any, args: Any, kwargs: Any) -> Any:
        if not get_current_span().is_recording():
            return await func(*args, **kwargs)
        return await super()._do_prepared_execute(func, instance, args, kwargs)

    async def _do_cursor_execute(self, func: Any, instance: Any, args: Any, kwargs: Any) -> Any:
        if not get_current_span().is_recording():
            return await func(*args, **kwargs)
        return await super()._do_cursor_execute(func, instance, args, kwargs)


class ServerSpans:
    """A SERVER span per HTTP request, named `METHOD /path`, child of the caller's `traceparent`.

    In place of opentelemetry-instrumentation-asgi, which gathers the request's attributes
    and wraps every `receive`/`send` before the sampler has decided: with sampling (the way to
    run traces in production) a request left out then paid a fifth to a third more CPU. Here a
    request left out costs the context extraction and a non-recording span; attributes are set
    only on a span that records."""

    def __init__(self, app: Any, tracer: Tracer, excluded_urls: str) -> None:
        self.app = app
        self.tracer = tracer
        self.excluded = re.compile(excluded_urls)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or self.excluded.search(scope["path"]):
            await self.app(scope, receive, send)
            return
        carrier = {
            name.decode("latin-1"): value.decode("latin-1")
            for name, value in scope["headers"]
            if name in (b"traceparent", b"tracestate")
        }
        context = propagate.extract(carrier) if carrier else None
        name = f"{scope['method']} {scope['path']}"
        with self.tracer.start_as_current_span(name, context=context, kind=SpanKind.SERVER) as span:
            if not span.is_recording():
                await self.app(scope, receive, send)
                return
            client = scope.get("client")
            span.set_attributes(
                {
                    "http.method": scope["method"],
                    "http.target": scope["path"],
                    "http.scheme": scope.get("scheme", "http"),
                    "http.flavor": scope.get("http_version", "1.1"),
                    **({"net.peer.ip": client[0]} if client else {}),
                }
            )

            async def send_recording(message: Any) -> None:
                if message["type"] == "http.response.start":
                    span.set_attribute("http.status_code", message["status"])
                await send(message)

            await self.app(scope, receive, send_recording)


class Tracing:
    def __init__(self, provider: TracerProvider) -> None:
        self.provider = provider
        self.tracer: Tracer = provider.get_tracer("gateway.graphql")
        self._asyncpg = SqlInstrumentor()

    def middleware(self) -> tuple[type, dict[str, Any]]:
        """The ASGI middleware and its options: a server span per request, the caller's
        `traceparent` as its parent (the global propagator: W3C trace context by default)."""
        return ServerSpans, {"tracer": self.provider.get_tracer("gateway.http"), "excluded_urls": EXCLUDED_URLS}

    def start(self) -> None:
        if not self._asyncpg.is_instrumented_by_opentelemetry:
            self._asyncpg.instrument(tracer_provider=self.provider)

    def stop(self) -> None:
        if self._asyncpg.is_instrumented_by_opentelemetry:
            self._asyncpg.uninstrument()
        self.provider.shutdown()  # exports what is still queued


def _exporters(names: str) -> list[SpanExporter]:
    out: list[SpanExporter] = []
    for name in (n.strip().lower() for n in names.split(",")):
        if name in ("", "none"):
            continue
        if name == "otlp":
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            out.append(OTLPSpanExporter())
        elif name == "console":
            out.append(ConsoleSpanExporter())
        else:
            raise RuntimeError(f"OTEL_TRACES_EXPORTER={name!r} is not supported here: use otlp, console or none.")
    return out


def setup_tracing(settings: Settings, exporter: SpanExporter | None = None) -> Tracing | None:
    """The app's tracing, or None when off. `exporter` (tests, the bench) replaces the exporters
    the environment names."""
    if settings.otel_sdk_disabled:
        return None
    exporters = [exporter] if exporter is not None else _exporters(settings.otel_traces_exporter or "")
    if not exporters:
        return None
    resource = Resource.create()
    if str(resource.attributes.get("service.name", "")).startswith("unknown_service"):
        resource = resource.merge(Resource({"service.name": SERVICE_NAME}))
    provider = TracerProvider(resource=resource)
    for one in exporters:
        # exported in a background thread, in batches: the request does not wait for the collector
        provider.add_span_processor(BatchSpanProcessor(one))
    return Tracing(provider)
