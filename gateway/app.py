"""The ASGI application: /graphql (GraphiQL on GET from a browser), /healthz, /readyz."""

from __future__ import annotations

import contextlib
import gc
import logging
import re
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from sqlalchemy import text
import orjson
from auth.passwords import CHEAP_HASHES_ENV, cheap_hashes
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from starlette_compress import CompressMiddleware
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from auth.tokens import KeySet
from kit.db import connect, connection_lost, create_engine, is_disconnect, settle_releases
from gateway.exports import export_routes
from gateway.files import hostel_file_route, student_document_route
from gateway.unsubscribe import unsubscribe_route
from gateway.graphql_http import RATE_LIMIT_HEADERS, GraphQLHTTP, response_media_type
from gateway.limits import Admission, AdmissionMiddleware
from gateway.live import LiveView
from kit.live import LiveHub
from gateway.http_errors import RETRY_AFTER, error_response, internal_error_body, unavailable_response
from gateway.logs import configure_logging, request_id_var
from gateway.metrics import Metrics, record_queue_wait, record_shed, set_job_stats_source
from resolvers.jobs.views import queue_stats
from gateway.tracing import setup_tracing
from kit.settings import Settings, get_settings
from opentelemetry.sdk.trace.export import SpanExporter
from schema.root import build_schema

log = logging.getLogger("gateway.http")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdMiddleware:
    """Gives each request an id (the client's X-Request-Id when sane), echoes it, logs the
    request. Whatever escapes the routes is answered here as a masked JSON 500 carrying the
    request id (logged with the traceback), never Starlette's plain-text error page."""

    def __init__(self, app: ASGIApp, log_all: bool = True, slow_ms: float = 0.0) -> None:
        self.app = app
        # LOG_REQUESTS (kit/settings.py): every request, or only the failed and the slow ones
        self.log_all, self.slow_ms = log_all, slow_ms

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500
        started_response = False

        async def send_with_id(message: dict) -> None:
            nonlocal status, started_response
            if message["type"] == "http.response.start":
                status = message["status"]
                started_response = True
                message.setdefault("headers", []).append((b"x-request-id", request_id.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:  # noqa: BLE001 - the last line of defence: mask and log
            if started_response:
                log.error("unhandled error after the answer began", exc_info=exc, extra={"path": scope.get("path")})
                raise
            if is_disconnect(exc):
                # the database went away under a route (an export, a file): 503, not a 500
                log.warning("database unavailable", extra={"path": scope.get("path"), "error": repr(exc)})
                status = 503
                answer = unavailable_response("The database is unavailable; retry shortly.", "database")
                await answer(scope, receive, send_with_id)
                return
            body, error_id = internal_error_body()
            log.error("unhandled error", exc_info=exc, extra={"error_id": error_id, "path": scope.get("path")})
            status = 500
            payload = orjson.dumps(body)
            await send_with_id(
                {
                    "type": "http.response.start",
                    "status": 500,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(payload)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": payload})
        finally:
            elapsed_ms = (time.perf_counter() - started) * 1000
            if (
                (self.log_all or status >= 400 or elapsed_ms >= self.slow_ms)
                and log.isEnabledFor(logging.INFO)
                and scope["path"] not in ("/healthz", "/readyz", "/metrics")
            ):
                log.info(
                    "request",
                    extra={
                        "request_id": request_id,
                        "method": scope["method"],
                        "path": scope["path"],
                        "status": status,
                        "ms": round(elapsed_ms, 2),
                    },
                )
            request_id_var.reset(token)


# What a browser client may send cross-site: the token, JSON, the tenant and session it acts in,
# its own request id, and the headers of Apollo Client (uploads' preflight, APQ and client naming).
CORS_REQUEST_HEADERS = [
    "Authorization",
    "Content-Type",
    "X-Tenant-Id",
    "X-Session-Id",
    "X-Request-Id",
    "Apollo-Require-Preflight",
    "X-Apollo-Operation-Name",
    "Apollographql-Client-Name",
    "Apollographql-Client-Version",
]


def create_app(
    settings: Settings | None = None, database_url: str | None = None, span_exporter: SpanExporter | None = None
) -> Starlette:
    """The app; `span_exporter` (tests, the bench) switches traces on with that exporter."""
    settings = settings or get_settings()
    if settings.production and not settings.jwt_private_keys:
        raise RuntimeError(
            "ENV=production needs JWT_PRIVATE_KEYS: generated development keys are refused "
            "(they sit in DATA_DIR, readable by whoever reads the disk)."
        )
    url = database_url or settings.database_url
    if not url:
        raise RuntimeError("No database: set DATABASE_URL, or start with `campus serve` (embedded PostgreSQL).")
    engine = create_engine(
        url,
        settings.db_pool_size,
        settings.db_pool_overflow,
        settings.db_statement_timeout_ms,
        settings.db_idle_in_transaction_ms,
        pgbouncer=settings.db_pgbouncer,
        pool_timeout_ms=settings.db_pool_timeout_ms,
        connect_timeout_s=settings.db_connect_timeout_seconds,
    )
    schema = build_schema()
    keys = KeySet.from_settings(settings)
    metrics = Metrics(settings, engine) if settings.metrics else None
    if metrics is not None:

        async def job_stats() -> Any:
            async with engine.connect() as conn:  # the app role may read the queue's tables
                raw = (await conn.get_raw_connection()).driver_connection
                return await queue_stats(raw)

        set_job_stats_source(job_stats)
    tracing = setup_tracing(settings, span_exporter)
    graphql = GraphQLHTTP(schema, engine, settings, keys, metrics, tracing.tracer if tracing else None)
    live_hub = LiveHub(settings.live_database_url or url)  # connects at the first subscription
    # bounded waiting and load shedding (issue 17) for every route that touches the database,
    # outermost (below); MAX_IN_FLIGHT=0 switches it off
    admission = (
        Admission(settings.max_in_flight, settings.max_queued, settings.queue_wait_ms / 1000)
        if settings.max_in_flight
        else None
    )
    if metrics is not None:
        metrics.admission = admission

    async def jwks(request: Request) -> JSONResponse:
        return JSONResponse(keys.jwks(), headers={"Cache-Control": "public, max-age=300"})

    async def healthz(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> JSONResponse:
        """Follows the database: 503 while it cannot be reached (a load balancer sends nothing
        here meanwhile); /healthz says only that the process answers."""
        try:
            conn = await connect(engine)
            try:
                await conn.execute(text("SELECT 1"))
            finally:
                await conn.close()
        except Exception as exc:  # noqa: BLE001 - any failure means not ready
            if is_disconnect(exc):
                connection_lost(engine)  # the pool's other connections are as dead as this one
            log.warning("database not reachable", extra={"error": str(exc)})
            return JSONResponse(
                {"status": "unavailable", "database": "unreachable"},
                status_code=503,
                headers={"Retry-After": RETRY_AFTER},
            )
        return JSONResponse({"status": "ready", "database": "ok"})

    async def http_error(request: Request, exc: Exception) -> Response:
        # Starlette's own answers (an unknown path, a method a route does not take) in JSON too
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        code = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}.get(
            status, "BAD_REQUEST" if status < 500 else "INTERNAL_SERVER_ERROR"
        )
        message = {404: "No such page.", 405: "This method is not allowed here."}.get(
            status, str(getattr(exc, "detail", "")) or "Bad request."
        )
        return error_response(status, message, code, getattr(exc, "headers", None))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # The libraries leave ~80k tracked objects: freezing them and collecting young
        # objects less often removes most of the collector's cost (DESIGN.md, Speed).
        gc.collect()
        gc.freeze()
        gc.set_threshold(50_000, 50, 100)
        if tracing is not None:
            tracing.start()
        try:
            async with metrics.running() if metrics is not None else contextlib.nullcontext():
                yield
        finally:
            await live_hub.close()
            await settle_releases()  # a release outliving its cancelled request ends first
            await engine.dispose()
            if tracing is not None:
                tracing.stop()

    app = Starlette(
        routes=[
            Route("/graphql", graphql.handle, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", LiveView(graphql, schema, live_hub)),  # subscriptions
            Route("/healthz", healthz),
            Route("/.well-known/jwks.json", jwks),
            Route("/files/student-documents/{id}", student_document_route(graphql)),
            Route("/files/{token}", hostel_file_route(graphql)),
            Route("/unsubscribe", unsubscribe_route(graphql), methods=["GET", "POST"]),
            *export_routes(graphql),
            Route("/readyz", readyz),
            *([Route("/metrics", metrics.endpoint)] if metrics is not None else []),
            Mount("/static", StaticFiles(directory=Path(__file__).parent / "static", check_dir=False), name="static"),
        ],
        lifespan=lifespan,
        exception_handlers={HTTPException: http_error},
    )
    # outermost last: the request id and the error mask wrap CORS, which wraps compression
    app.add_middleware(CompressMiddleware, minimum_size=settings.compress_min_bytes)
    origins, origin_regex = settings.cors()
    cors = (
        dict(
            allow_origins=origins,
            allow_origin_regex=origin_regex,
            allow_methods=["GET", "POST"],
            allow_headers=CORS_REQUEST_HEADERS,
            expose_headers=["X-Request-Id", "Retry-After", *RATE_LIMIT_HEADERS],
            allow_credentials=False,
            max_age=600,
        )
        if origins or origin_regex
        else None
    )
    if cors is not None:
        app.add_middleware(CORSMiddleware, **cors)
    app.add_middleware(RequestIdMiddleware, log_all=settings.log_requests == "all", slow_ms=settings.log_slow_ms)
    if tracing is not None:  # outermost: the request's span covers everything below
        middleware, options = tracing.middleware()
        app.add_middleware(middleware, **options)
    if settings.trusted_proxies:
        # uvicorn's: the client address (login throttle, rate limits) from X-Forwarded-For, but
        # only when the connection comes from one of these proxies (`campus serve` turns
        # uvicorn's own header handling off, so this setting alone decides)
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
    if admission is not None:
        # outermost of all: a request refused under overload costs no other layer (no span, no
        # log line, no body read); the refusal alone gets the CORS headers, so a browser reads it
        app.add_middleware(
            AdmissionMiddleware,
            admission=admission,
            is_user=graphql.is_user,
            media_type=response_media_type,
            on_shed=record_shed if metrics is not None else None,
            on_wait=record_queue_wait if metrics is not None else None,
            refusal_wrapper=(lambda refusal: CORSMiddleware(refusal, **cors)) if cors is not None else None,
        )
    app.state.admission = admission
    app.state.engine = engine
    app.state.live_hub = live_hub
    app.state.schema = schema
    app.state.settings = settings
    app.state.keys = keys
    app.state.metrics = metrics
    app.state.tracing = tracing
    return app


def app_from_env() -> Starlette:
    """Uvicorn factory: `uvicorn --factory gateway.app:app_from_env` (workers use this)."""
    settings = get_settings()
    if settings.production and cheap_hashes():  # (in-process tests build production apps on purpose)
        raise RuntimeError(
            f"ENV=production refuses {CHEAP_HASHES_ENV}=1: a test aid that makes password hashes cheap to crack."
        )
    configure_logging(settings.log_level, settings.log_json)
    return create_app(settings)
