"""The GraphQL HTTP endpoint: a thin layer over graphql-core's `execute`.

Documents are parsed and validated once and cached (with the operation limits), clients
may send a persisted-query hash instead of the document (Apollo's APQ protocol), responses
are encoded with orjson, and unexpected errors are masked for the client and logged with
an id the client sees. See DESIGN.md "Speed" for why this is not Strawberry's own view.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import re
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from inspect import isawaitable
from pathlib import Path
from typing import Any, Callable, cast

import orjson
from asyncpg.exceptions import PostgresError, QueryCanceledError
from graphql import ExecutionResult, GraphQLError, execute, parse, specified_rules, validate
from graphql.language import FieldNode, OperationDefinitionNode, OperationType, visit
from graphql.language.visitor import BREAK, Visitor
from graphql.validation import NoSchemaIntrospectionCustomRule
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, Response
from sqlalchemy.ext.asyncio import AsyncEngine

from kit.context import RequestContext
from kit.executor import RenderingExecutor, is_awaitable
from kit.db import DbScope, QueryStats, RequestDB, current_stats, is_disconnect, is_pool_timeout
from gateway.http_errors import (
    RETRY_AFTER,
    UNAVAILABLE,
    error_body,
    error_response,
    internal_error_body,
    rate_limited_body,
    unavailable_error,
    unavailable_response,
)
from gateway.limits import (
    ARRIVED,
    TooComplex,
    comparison_budget,
    log_shed,
    make_rules,
    recording_costs,
    too_complex_error,
)
from gateway.metrics import (
    BATCH,
    UNKNOWN,
    Metrics,
    record_request,
    record_shed,
    record_timeout,
    record_unavailable,
)
from gateway.logs import request_id_var
from kit.settings import Settings
from kit import clock, ratelimit
from kit import direct as direct_reads
from auth.identity import (
    CHECK_NAME,
    IDENTITY_CHANGED,
    PREPARE_CHECK_SQL,
    Identity,
    IdentityCache,
    IdentityError,
    check_requested_session,
    check_sql,
)
from auth.identity import resolve as resolve_identity
from auth.tokens import AccessClaims, ExpiredToken, InvalidToken, KeySet

log = logging.getLogger("gateway.graphql")

MAX_BODY = 1_000_000
GRAPHIQL_PAGE = Path(__file__).parent / "graphiql.html"


# The GraphiQL page loads everything from this server (gateway/static): the policy says so, so a
# page that would load a CDN script or send a query elsewhere fails loudly in the browser.
# Styles may be inline (React sets style attributes); fonts and icons are data: URLs in the CSS.
GRAPHIQL_HEADERS = {
    "Content-Security-Policy": "; ".join(
        (
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "base-uri 'none'",
            "form-action 'none'",  # the login form is sent by script; without it, no password in a URL
            "frame-ancestors 'none'",
        )
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def _graphiql_page(with_demo_logins: bool) -> str:
    """The page, with the demo logins to pick from in development (they are printed by `campus
    serve` too; the page is only served while GraphiQL is on)."""
    page = GRAPHIQL_PAGE.read_text()
    if not with_demo_logins:
        return page
    import html

    import demo

    options = "".join(
        f'<option value="{html.escape(email)}">{html.escape(role.value)} {html.escape(email)}</option>'
        for email, _, role, _ in demo.USERS
    )
    picker = (
        f'<select id="demo-logins" title="Demo logins (development)" data-password="{html.escape(demo.DEMO_PASSWORD)}">'
        f'<option value="">demo login…</option>{options}</select>'
    )
    return page.replace("<!--DEMO_LOGINS-->", picker)


def _coded(formatted: dict[str, Any], code: str) -> dict[str, Any]:
    """Every error a client receives carries `extensions.code` (Apollo's names for the stages
    graphql-core reports without one), so clients branch on codes, never on messages."""
    extensions = formatted.setdefault("extensions", {})
    extensions.setdefault("code", code)
    return formatted


def _statement_timed_out(exc: BaseException | None) -> bool:
    """PostgreSQL stopped a statement at statement_timeout (asyncpg's error, maybe wrapped by SQLAlchemy)."""
    for _ in range(6):
        if exc is None:
            return False
        if isinstance(exc, QueryCanceledError):
            return True
        exc = getattr(exc, "orig", None) or exc.__cause__
    return False


RATE_LIMIT_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Used", "X-RateLimit-Reset")


def rate_limit_headers(rate: ratelimit.RateLimitState) -> dict[str, str]:
    """GitHub's rate-limit headers, and Retry-After (RFC 9110) on a refusal."""
    values = (rate.limit, rate.remaining, rate.used, int(rate.reset_at.timestamp()))
    headers = {name: str(value) for name, value in zip(RATE_LIMIT_HEADERS, values)}
    if rate.refused:
        headers["Retry-After"] = str(rate.retry_after)
    return headers


class RequestError(Exception):
    """A request that cannot be executed at all: answered with a 4xx and GraphQL errors."""

    def __init__(
        self, status: int, message: str, code: str = "BAD_REQUEST", headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.headers = status, code, headers or {}


JSON = "application/json"
GRAPHQL_RESPONSE = "application/graphql-response+json"
DOCUMENT_ERROR = 400  # the document does not parse or validate (or its variables do not fit)
RATE_LIMITED = 429  # over the caller's budget: nothing ran (answered 200 for application/json, as DOCUMENT_ERROR)


def response_media_type(accept: str | None) -> str:
    """The media type of the answer: application/graphql-response+json when the client prefers
    it (by order, then q), else application/json (also for no Accept, `*/*`, or neither)."""
    best, best_q = JSON, -1.0
    for position, part in enumerate((accept or "").split(",")):
        kind, _, params = part.strip().partition(";")
        kind = kind.strip().lower()
        if kind not in (JSON, GRAPHQL_RESPONSE):
            continue
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q > best_q and q > 0:
            best, best_q = kind, q
    return best


@dataclass
class CachedDocument:
    document: Any
    errors: list[dict[str, Any]]
    operations: dict[str | None, OperationType]
    costs: dict[str | None, int] = field(default_factory=dict)  # by operation name (gateway/limits.py)
    generic_plans: bool = False  # generic_plans_ok(document)
    # by operation name: its kit/direct.py plan (None: graphql-core executes it), made at first use
    direct: dict[str | None, direct_reads.DirectPlan | None] = field(default_factory=dict)


# Arguments whose values never change which plan is best: keys, page sizes, cursors (keyset on
# the ordering's index). Anything else (a filter's LIKE or range, an ordering, a report's
# parameters) may, and keeps PostgreSQL's own choice between custom and generic plans.
PLAN_NEUTRAL_ARGUMENTS = frozenset({"first", "last", "after", "before", "id", "ids"})


class _PlanNeutral(Visitor):
    """Stops at the first field taking an argument outside PLAN_NEUTRAL_ARGUMENTS."""

    def __init__(self) -> None:
        super().__init__()
        self.ok = True

    def enter_field(self, node: FieldNode, *_: Any) -> Any:
        if any(a.name.value not in PLAN_NEUTRAL_ARGUMENTS for a in node.arguments or ()):
            self.ok = False
            return BREAK
        return None


def generic_plans_ok(document: Any) -> bool:
    """True when no field of the document takes an argument outside PLAN_NEUTRAL_ARGUMENTS
    (directives' arguments are @skip/@include: they choose fields, not plans)."""
    check = _PlanNeutral()
    visit(document, check)
    return check.ok


def _place(target: Any, path: list[str], value: Any) -> None:
    """Put a file where `map` says, e.g. variables.input.file or 0.variables.files.1."""
    for step in path[:-1]:
        if isinstance(target, list):
            target = target[int(step)] if step.isdigit() and int(step) < len(target) else None
        else:
            target = target.get(step) if isinstance(target, dict) else None
        if target is None:
            raise RequestError(400, f"`map` names a path that is not in `operations`: {'.'.join(path)}")
    last = path[-1]
    if isinstance(target, list) and last.isdigit() and int(last) < len(target):
        target[int(last)] = value
    elif isinstance(target, dict):
        target[last] = value
    else:
        raise RequestError(400, f"`map` names a path that is not in `operations`: {'.'.join(path)}")


@dataclass(slots=True)
class _Observed:
    """What /metrics records of one request, filled in as it goes (gateway/metrics.py)."""

    operation: str = UNKNOWN
    stats: QueryStats | None = None


def _nothing_served(body: dict[str, Any]) -> bool:
    """True when the answer's errors are all SERVICE_UNAVAILABLE and no root field has data."""
    errors = body.get("errors")
    if not errors or any((e.get("extensions") or {}).get("code") != UNAVAILABLE for e in errors):
        return False
    data = body.get("data")
    return data is None or all(value is None for value in data.values())


_OUTCOME_RANK = {"ok": 0, "error": 1, "rate_limited": 2, "invalid": 3, "unavailable": 4, "internal": 5}


def _outcome(body: dict[str, Any], status: int | None) -> str:
    errors = body.get("errors")
    if errors and any((e.get("extensions") or {}).get("code") == "INTERNAL_SERVER_ERROR" for e in errors):
        return "internal"
    if errors and any((e.get("extensions") or {}).get("code") == UNAVAILABLE for e in errors):
        return "unavailable"
    if status == RATE_LIMITED:  # over the caller's budget: nothing ran
        return "rate_limited"
    if status is not None:  # refused before execution (a document error, a batch member refused)
        return "invalid"
    return "error" if errors else "ok"


class _Batch(list):
    """Operations that came as a JSON array: errors are answered per operation."""


class LRU(OrderedDict):
    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def get_fresh(self, key: Any) -> Any:
        value = self.get(key)
        if value is not None:
            self.move_to_end(key)
        return value

    def put(self, key: Any, value: Any) -> None:
        self[key] = value
        if len(self) > self.size:
            self.popitem(last=False)


# persisted queries (APQ): GraphQLHTTP._share_persisted
SHA256_HEX = re.compile(r"[0-9a-f]{64}")
PERSISTED_TOUCH_SECONDS = 24 * 3600  # a process refreshes a hash's last_seen at most this often
PERSISTED_LOOKUP_SQL = "UPDATE persisted_queries SET last_seen = now() WHERE sha256 = $1 RETURNING document"
PERSISTED_REGISTER_SQL = (
    "INSERT INTO persisted_queries (sha256, document) VALUES ($1, $2) "
    "ON CONFLICT (sha256) DO UPDATE SET last_seen = now()"
)


class GraphQLHTTP:
    def __init__(
        self,
        schema: Any,
        engine: AsyncEngine,
        settings: Settings,
        keys: KeySet,
        metrics: Metrics | None = None,
        tracer: Any = None,
    ) -> None:
        self.schema = schema._schema
        self.metrics = metrics
        self.tracer = tracer  # an OpenTelemetry tracer when traces are on (gateway/tracing.py)
        self.keys = keys
        self.engine = engine
        self.settings = settings
        self.rules = [*specified_rules, *make_rules(settings)]
        if not settings.introspection:
            self.rules.append(NoSchemaIntrospectionCustomRule)
        self.documents = LRU(settings.document_cache_size)
        self.persisted = LRU(settings.document_cache_size)  # sha256 -> (document, when last_seen was refreshed)
        self.identities = IdentityCache()  # checked with each request's BEGIN: auth/identity.py
        self._graphiql_page: str | None = None

    # ---- HTTP ---------------------------------------------------------------------------

    async def handle(self, request: Request) -> Response:
        if self.metrics is None:
            return (await self._handle(request, _Observed()))[0]
        observed = _Observed()
        # from the admission (gateway/limits.py AdmissionMiddleware): the wait for a slot counts
        started = request.scope.get(ARRIVED) or time.perf_counter()
        outcome = "internal"  # unless the request is answered: something escaped to the error mask
        try:
            response, outcome = await self._handle(request, observed)
            return response
        except asyncio.CancelledError:
            outcome = "cancelled"  # the client went away (or the server is stopping): not our error
            raise
        finally:
            stats = observed.stats
            record_request(
                observed.operation,
                outcome,
                time.perf_counter() - started,
                stats.statements + stats.setup if stats else 0,
                stats.seconds if stats else 0.0,
            )

    async def _handle(self, request: Request, observed: _Observed) -> tuple[Response, str]:
        """The answer and its outcome for /metrics."""
        media = response_media_type(request.headers.get("accept"))
        try:
            if request.method == "GET":
                if (
                    self.settings.graphiql
                    and "text/html" in request.headers.get("accept", "")
                    and "query" not in request.query_params
                ):
                    return self._graphiql(), "ok"
                operations, batched = [self._from_query_params(request)], False
                get_only = True
            elif request.method == "POST":
                operations, batched = await self._from_body(request)
                get_only = False
            else:
                raise RequestError(405, "Use GET or POST.", headers={"Allow": "GET, POST"})
            if batched and len(operations) > self.settings.max_batch:
                raise RequestError(
                    400, f"A batch may hold at most {self.settings.max_batch} operations.", "BATCH_LIMIT"
                )
            if batched and not operations:
                raise RequestError(400, "The batch is empty.")
            if batched:
                observed.operation = BATCH
            results = await self._run(request, operations, get_only, observed)
        except RequestError as exc:
            return error_response(exc.status, str(exc), exc.code, exc.headers, media_type=media), "invalid"
        except ClientDisconnect:
            response = error_response(
                400, "The request body was not received completely.", "BAD_REQUEST", media_type=media
            )
            return response, "invalid"
        except Exception as exc:
            # nothing could be done: the database is unreachable, or no pooled connection freed up
            if is_disconnect(exc):
                log.warning("database unavailable", extra={"error": repr(exc)})
                record_unavailable("database")
                return unavailable_response("The database is unavailable; retry shortly.", "database", media), (
                    "unavailable"
                )
            if is_pool_timeout(exc):
                caller = "user" if (getattr(request.state, "claims", None) or (None,))[0] else "anonymous"
                record_shed("pool_timeout", caller)
                log_shed("pool_timeout", caller)
                return unavailable_response("The server is busy; retry shortly.", "pool_timeout", media), "shed"
            raise
        status = 200
        if not batched and results[0][1] is not None:
            status = results[0][1]
            # GraphQL over HTTP: a well-formed request whose document does not parse or validate
            # is answered 200 with `errors` for application/json (what older clients read), and
            # 4xx for application/graphql-response+json (whose clients read the status).
            if status in (DOCUMENT_ERROR, RATE_LIMITED) and media == JSON:
                status = 200
        payload = [r for r, _ in results] if batched else results[0][0]
        rate = getattr(request.state, "rate_limit", None)
        headers = rate_limit_headers(rate) if rate is not None else None
        if not batched and _nothing_served(payload):
            # every field failed because the database went away: the whole request is unavailable
            status = 503
            headers = {**(headers or {}), "Retry-After": RETRY_AFTER}
        response = Response(orjson.dumps(payload), status_code=status, media_type=media, headers=headers)
        if self.metrics is None:
            return response, "ok"
        # a batch counts as its worst member
        return response, max((_outcome(r, s) for r, s in results), key=_OUTCOME_RANK.__getitem__)

    def _graphiql(self) -> Response:
        if not GRAPHIQL_PAGE.exists():
            return HTMLResponse("GraphiQL is not installed.", status_code=404)
        if self._graphiql_page is None:
            self._graphiql_page = _graphiql_page(with_demo_logins=not self.settings.production)
        return HTMLResponse(self._graphiql_page, headers=GRAPHIQL_HEADERS)

    def _from_query_params(self, request: Request) -> dict[str, Any]:
        params = request.query_params
        op: dict[str, Any] = {"query": params.get("query"), "operationName": params.get("operationName")}
        for key in ("variables", "extensions"):
            if params.get(key):
                try:
                    op[key] = orjson.loads(params[key])
                except orjson.JSONDecodeError:
                    raise RequestError(400, f"The {key} parameter is not valid JSON.") from None
        return op

    async def _from_body(self, request: Request) -> tuple[list[dict[str, Any]], bool]:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type == "multipart/form-data":
            return await self._from_multipart(request)
        if content_type != "application/json":
            raise RequestError(
                415,
                "Send the operation as application/json (or multipart/form-data with files).",
                "UNSUPPORTED_MEDIA_TYPE",
            )
        length = request.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > MAX_BODY:
            raise RequestError(413, "The request body is too large.", "PAYLOAD_TOO_LARGE")
        body = await request.body()
        if len(body) > MAX_BODY:
            raise RequestError(413, "The request body is too large.", "PAYLOAD_TOO_LARGE")
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError:
            raise RequestError(400, "The request body is not valid JSON.") from None
        if isinstance(data, list):
            if not all(isinstance(op, dict) for op in data):
                raise RequestError(400, "Each operation of a batch must be a JSON object.")
            return _Batch(data), True
        if not isinstance(data, dict):
            raise RequestError(400, "The request body must be a JSON object with a query.")
        return [data], False

    # ---- execution ----------------------------------------------------------------------

    async def _from_multipart(self, request: Request) -> tuple[list[dict[str, Any]], bool]:
        """The GraphQL multipart request protocol: `operations`, `map`, then the files.

        A browser sends a multipart form cross-site without asking first (it is a "simple"
        request), so a form on any site could post to the API with the user's cookies or from
        inside their network. A header that only scripts can set forces the CORS preflight:
        `Apollo-Require-Preflight: true` (what Apollo Client's upload link sends) or
        `X-Apollo-Operation-Name`; without one the request is refused before it is read."""
        if not (request.headers.get("apollo-require-preflight") or request.headers.get("x-apollo-operation-name")):
            raise RequestError(
                400,
                "A multipart request must carry the header `Apollo-Require-Preflight: true` "
                "(it makes browsers check CORS first).",
                "PREFLIGHT_REQUIRED",
            )
        limit = self.settings.max_upload_bytes
        length = request.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > limit + MAX_BODY:
            raise RequestError(413, f"Files may be at most {limit // 1_000_000} MB.", "PAYLOAD_TOO_LARGE")
        try:
            form = await request.form(max_files=5, max_fields=20, max_part_size=MAX_BODY)
            operations = orjson.loads(form["operations"])
            mapping = orjson.loads(form.get("map") or "{}")
        except (KeyError, orjson.JSONDecodeError, ValueError):
            raise RequestError(400, "A multipart request needs JSON `operations` and `map` fields.") from None
        except Exception:  # noqa: BLE001 - the form parser's own limits
            raise RequestError(400, "The multipart body could not be read.") from None
        if not isinstance(mapping, dict):
            raise RequestError(400, "`map` must be a JSON object.")
        for key, paths in mapping.items():
            upload = form.get(key)
            if upload is None or isinstance(upload, str) or not isinstance(paths, list):
                raise RequestError(400, f"File {key!r} named in `map` is missing.")
            for path in paths:
                _place(operations, str(path).split("."), upload)
        batched = isinstance(operations, list)
        ops = operations if batched else [operations]
        if not all(isinstance(op, dict) for op in ops):
            raise RequestError(400, "`operations` must be an operation or a list of them.")
        return (_Batch(ops), True) if batched else (ops, False)

    async def _run(
        self, request: Request, operations: list[dict[str, Any]], get_only: bool, observed: _Observed
    ) -> list[tuple[dict[str, Any], int | None]]:
        db = RequestDB(self.engine)
        stats = QueryStats()
        observed.stats = stats
        token = current_stats.set(stats)
        results = []
        committed = False
        clock_token = None
        try:
            await self._share_persisted(db, operations)  # hash-only operations get their documents
            db.read_only = self._all_queries(operations)  # the transaction has not begun yet
            db.generic_plans = db.read_only and all(
                self.documents.get(op.get("query")).generic_plans for op in operations
            )
            identity, problem = await self.identify(request, db, cost=lambda: self._cost(operations))
            clock_token = clock.use_time_zone(identity.time_zone if identity else None)
            # ---- rate limit (kit/ratelimit.py): charged by `identify`; past the budget nothing runs
            rate = request.state.rate_limit
            if rate is not None and rate.refused:
                refusal = rate_limited_body(rate)
                return [(refusal, RATE_LIMITED) for _ in operations]
            # ---- end of the rate limit
            for op in operations:
                try:
                    results.append(
                        await self._execute_one(request, db, op, get_only, identity, problem, stats, observed)
                    )
                except RequestError as exc:
                    if not isinstance(operations, _Batch):
                        raise
                    results.append((error_body(str(exc), exc.code), exc.status))
            await db.close(commit=True)
            committed = True
        finally:
            current_stats.reset(token)
            if clock_token is not None:
                clock.reset(clock_token)
            if not committed:
                await db.close(commit=False)
        return results

    async def identify(
        self, request: Request, db: RequestDB, cost: Callable[[], int] | None = None
    ) -> tuple[Any, str | None]:
        """The caller (None when anonymous) and why not (an expired token), with `db` scoped
        to the caller's tenant. Also used by the file routes. With `cost`, the request's cost
        is charged to the caller's rate limit (request.state.rate_limit), before the
        transaction begins (checking X-Session-Id begins it)."""
        claims, problem = self._authenticate(request)
        if claims is None:
            if request.headers.get("x-tenant-id") or request.headers.get("x-session-id"):
                raise RequestError(401, "Log in to choose a tenant or an academic session.", "UNAUTHENTICATED")
            if cost is not None and db.read_only:
                await self._begin_read(request, db, None, cost())
            elif cost is not None:
                await self._charge(request, db, None, cost())
            return None, problem
        try:
            # a read-only request may take its identity from the cache: checked with its BEGIN
            cached = db.read_only and cost is not None
            identity = await self._resolve(request, db, claims, cached)
            if cached and cost is not None:
                try:
                    await self._begin_read(request, db, identity, cost())
                except PostgresError as exc:
                    if exc.sqlstate != IDENTITY_CHANGED or identity.cache_key is None:
                        raise
                    # the cached row is no longer what PostgreSQL says: ask it again (nothing
                    # was charged nor begun: the check comes first in the message)
                    self.identities.drop(identity.cache_key)
                    identity = await self._resolve(request, db, claims, False)
                    await self._begin_read(request, db, identity, cost())
            elif cost is not None:
                await self._charge(request, db, identity, cost())
            await check_requested_session(db, identity, bool(request.headers.get("x-session-id")))
        except IdentityError as exc:
            raise RequestError(exc.status, str(exc), exc.code) from None
        return identity, None

    async def _resolve(self, request: Request, db: RequestDB, claims: AccessClaims, from_cache: bool) -> Identity:
        identity = await resolve_identity(
            db,
            claims,
            request.headers,
            request_id_var.get() or "",
            request.client.host if request.client else None,
            cache=self.identities,
            from_cache=from_cache,
        )
        tenant = identity.tenant
        db.scope = DbScope(
            identity.user_id,
            tenant.id if tenant and tenant.kind == "School" else None,
            tenant.id if tenant and tenant.kind == "Hostel" else None,
            platform_read=tenant is None and bool(identity.platform_roles),
        )
        return identity

    async def _begin_read(self, request: Request, db: RequestDB, identity: Identity | None, cost: int) -> None:
        """A read-only request's start in one round trip: the cached identity's check, the
        rate-limit charge, BEGIN READ ONLY and the tenant settings (kit/db.py `begin`)."""
        client_ip = request.client.host if request.client else None
        pending = ratelimit.charge_statement(self.settings, identity, client_ip, cost)
        prelude = []
        if identity is not None and identity.check is not None:
            prepared = await db.prepared(CHECK_NAME, PREPARE_CHECK_SQL)
            prelude.append(check_sql(*identity.check, prepared=prepared))
        if pending is not None:
            prelude.append(pending.sql)
        request.state.rate_limit = None
        if not prelude:
            return  # nothing to check nor charge: the transaction begins with the first read
        try:
            notices = await db.begin(prelude, commit_prelude=pending is not None)
        except PostgresError as exc:
            if pending is None or exc.sqlstate != ratelimit.REFUSED_SQLSTATE:
                raise
            request.state.rate_limit = pending.state(exc.detail or "{}", refused=True)
            return
        if pending is not None:
            charged = [n for n in notices if n.message == ratelimit.CHARGED_NOTICE]
            if charged:
                request.state.rate_limit = pending.state(charged[-1].detail or "{}", refused=False)
            else:  # a server whose client_min_messages hides NOTICEs: charged, state unknown
                log.warning("the rate-limit charge sent no NOTICE; is client_min_messages above notice?")

    async def _charge(self, request: Request, db: RequestDB, identity: Any, cost: int) -> None:
        """The rate limit (kit/ratelimit.py): one autocommit statement; its state is read by the
        `rateLimit` field and the response headers."""
        client_ip = request.client.host if request.client else None
        request.state.rate_limit = await ratelimit.charge(db, self.settings, identity, client_ip, cost)

    def _authenticate(self, request: Request) -> tuple[AccessClaims | None, str | None]:
        known = getattr(request.state, "claims", None)
        if known is not None:  # checked once already, by the admission (is_user)
            return known
        found = self._check_token(request)
        request.state.claims = found
        return found

    def is_user(self, scope: Any) -> bool:
        """Whether the request carries a valid access token: the admission's caller class
        (gateway/limits.py AdmissionMiddleware). A bad token counts as anonymous there and is
        refused by the route with its 401."""
        if not any(name == b"authorization" for name, _ in scope["headers"]):
            return False  # no token: nothing to build or check
        try:
            claims, _ = self._authenticate(Request(scope))
        except RequestError:
            return False
        return claims is not None

    def _check_token(self, request: Request) -> tuple[AccessClaims | None, str | None]:
        header = request.headers.get("authorization")
        if not header:
            return None, None
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise RequestError(
                401,
                "Send the access token as Authorization: Bearer <token>.",
                "UNAUTHENTICATED",
                {"WWW-Authenticate": "Bearer"},
            )
        try:
            return self.keys.decode(token.strip()), None
        except ExpiredToken as exc:
            # Treated as anonymous, so that tokenRefresh still works with a stale header;
            # anything protected answers UNAUTHENTICATED with this explanation.
            return None, str(exc)
        except InvalidToken as exc:
            raise RequestError(
                401, str(exc), "UNAUTHENTICATED", {"WWW-Authenticate": 'Bearer error="invalid_token"'}
            ) from None

    async def _execute_one(
        self,
        request: Request,
        db: RequestDB,
        op: dict[str, Any],
        get_only: bool,
        identity: Any,
        auth_problem: str | None,
        stats: QueryStats,
        observed: _Observed,
    ) -> tuple[dict[str, Any], int | None]:
        # Request validation: a RequestError propagates to _run.
        if op.get("extensions") is not None and not isinstance(op["extensions"], dict):
            raise RequestError(400, "extensions must be a JSON object.")
        query = self._resolve_query(op)
        variables = op.get("variables")
        if variables is not None and not isinstance(variables, dict):
            raise RequestError(400, "variables must be a JSON object.")
        operation_name = op.get("operationName")
        if operation_name is not None and not isinstance(operation_name, str):
            raise RequestError(400, "operationName must be a string.")
        cached = self._document(query)
        if cached.errors:  # shared by every request of the document: the id is this request's
            request_id = request_id_var.get() or ""
            return {
                "errors": [
                    {**e, "extensions": {**e.get("extensions", {}), "requestId": request_id}} for e in cached.errors
                ]
            }, DOCUMENT_ERROR
        if operation_name not in cached.operations:
            if operation_name is None:
                raise RequestError(400, "The document has several operations: name one with operationName.")
            raise RequestError(400, f'Unknown operation named "{operation_name}".')
        kind = cached.operations[operation_name]
        # the operation's own name, also when the document's lone operation was not named in the request
        name = operation_name or next((n for n in cached.operations if n is not None), None)
        if self.metrics is not None and observed.operation != BATCH:
            observed.operation = self.metrics.operation_label(name)
        if get_only and kind is not OperationType.QUERY:
            raise RequestError(405, "Mutations are sent with POST.", "METHOD_NOT_ALLOWED", {"Allow": "POST"})
        if kind is OperationType.SUBSCRIPTION:
            raise RequestError(
                400, "Subscriptions run over a WebSocket on this path (graphql-transport-ws), not over HTTP."
            )

        tenant = identity.tenant if identity is not None else None
        ctx = RequestContext(
            settings=self.settings,
            db=db,
            request_id=request_id_var.get() or "",
            client_ip=request.client.host if request.client else None,
            request=request,
            identity=identity,
            user_id=identity.user_id if identity else None,
            roles=identity.roles if identity else frozenset(),
            auth_problem=auth_problem,
            school_id=tenant.id if tenant and tenant.kind == "School" else None,
            hostel_id=tenant.id if tenant and tenant.kind == "Hostel" else None,
            session_id=identity.academic_session_id if identity else None,
            platform_read=db.scope.platform_read,
        )
        statements_before, setup_before, seconds_before = stats.statements, stats.setup, stats.seconds
        plans_before = stats.plans_built
        trips_before = stats.round_trips
        started = time.perf_counter()
        # traces: a span per operation, the parent of its SQL statements' spans (asyncpg's instrumentation)
        span = (
            self.tracer.start_as_current_span(
                f"{kind.value} {name}" if name else kind.value,
                attributes={"graphql.operation.type": kind.value, "graphql.operation.name": name or ""},
            )
            if self.tracer is not None
            else contextlib.nullcontext()
        )
        with span:
            result = await self._direct(cached, operation_name, ctx, variables)
            if result is None:
                result = await self._executed(cached, operation_name, ctx, variables)
        body: dict[str, Any] = {}
        if result.errors:
            # an error without a path was raised before any field ran: the variables did not fit
            body["errors"] = [
                _coded(self._format_error(e, ctx.request_id), "BAD_USER_INPUT")
                if e.path is None
                else self._format_error(e, ctx.request_id)
                for e in result.errors
            ]
        body["data"] = result.data
        if self.settings.query_stats:
            body["extensions"] = {
                "stats": {
                    "sqlStatements": stats.statements - statements_before,
                    "sqlSetupStatements": stats.setup if statements_before == 0 else stats.setup - setup_before,
                    # the operation's waits for PostgreSQL, its share of the request's start included
                    "sqlRoundTrips": stats.round_trips if statements_before == 0 else stats.round_trips - trips_before,
                    "sqlMs": round((stats.seconds - seconds_before) * 1000, 3),
                    "plansBuilt": stats.plans_built - plans_before,
                    "totalMs": round((time.perf_counter() - started) * 1000, 3),
                }
            }
        return body, None

    async def _direct(
        self, cached: CachedDocument, operation_name: str | None, ctx: RequestContext, variables: Any
    ) -> ExecutionResult | None:
        """The operation answered by kit/direct.py (its root fields' JSON, no graphql-core
        execution), or None when graphql-core executes it."""
        if not (self.settings.sql_json and self.settings.direct_reads):
            return None
        if operation_name not in cached.direct:
            cached.direct[operation_name] = direct_reads.plan(self.schema, cached.document, operation_name)
        plan = cached.direct[operation_name]
        if plan is None:
            return None
        try:
            data, errors = await direct_reads.run(self.schema, plan, ctx, variables, is_awaitable)
        except direct_reads.Declined:
            return None
        return ExecutionResult(data, errors or None)

    async def _executed(
        self, cached: CachedDocument, operation_name: str | None, ctx: RequestContext, variables: Any
    ) -> ExecutionResult:
        result = execute(
            self.schema,
            cached.document,
            context_value=ctx,
            variable_values=variables,
            operation_name=operation_name,
            hide_suggestions=not self.settings.suggestions,
            executor_class=RenderingExecutor,
            is_awaitable=is_awaitable,
        )
        if isawaitable(result):
            result = await result
        return cast(ExecutionResult, result)

    # ---- persisted queries (APQ), shared by every gateway process through PostgreSQL --------
    #
    # A hash registered through one process is answered by all (issue 13, item 5). The LRU in
    # front makes a hit cost no round trip; a hit refreshes the row's `last_seen` at most once
    # a day per process, so the periodic pruning (resolvers/jobs/tasks.py) keeps documents in use.

    async def _share_persisted(self, db: RequestDB, operations: list[dict[str, Any]]) -> None:
        """Fill in the document of each hash-only operation whose hash some process registered,
        and register each valid document sent with its correct hash. Runs before the request's
        transaction (autocommit statements), so a registration stands whatever the operation
        does. Malformed or mismatched extensions are left to `_resolve_query` to answer."""
        for op in operations:
            extensions = op.get("extensions")
            persisted = extensions.get("persistedQuery") if isinstance(extensions, dict) else None
            if not isinstance(persisted, dict) or persisted.get("version") != 1:
                continue
            digest = persisted.get("sha256Hash")
            if not isinstance(digest, str) or not SHA256_HEX.fullmatch(digest.lower()):
                continue
            digest, query, now = digest.lower(), op.get("query"), time.monotonic()
            known = self.persisted.get_fresh(digest)
            fresh = known is not None and now - known[1] < PERSISTED_TOUCH_SECONDS
            if query is None:
                if not fresh:
                    rows = await db.fetch_unscoped(PERSISTED_LOOKUP_SQL, [digest])
                    if not rows:
                        continue  # unknown everywhere: PersistedQueryNotFound
                    known = (rows[0][0], now)
                    self.persisted.put(digest, known)
                assert known is not None  # fresh, or just read
                op["query"] = known[0]
            elif (
                isinstance(query, str)
                and not (fresh and known is not None and known[0] == query)
                and hashlib.sha256(query.encode()).hexdigest() == digest
                and not self._document(query).errors  # only documents that can run are kept
            ):
                await db.fetch_unscoped(PERSISTED_REGISTER_SQL, [digest, query])
                self.persisted.put(digest, (query, now))

    def _cost(self, operations: list[dict[str, Any]]) -> int:
        """What the operations cost together; one that will be refused before it runs costs nothing."""
        total = 0
        for op in operations:
            try:
                cached = self._document(self._resolve_query(op))
            except RequestError:
                continue
            name = op.get("operationName")
            if not cached.errors and (name is None or isinstance(name, str)):
                total += cached.costs.get(name, 0)
        return total

    def _all_queries(self, operations: list[dict[str, Any]]) -> bool:
        """True when every operation is a known query: its transaction can be READ ONLY.
        Runs before the operations are checked: it must take any JSON without failing."""
        for op in operations:
            query = op.get("query")  # a known persisted query's document was filled in
            cached = self.documents.get(query) if isinstance(query, str) else None
            if cached is None or not cached.operations:
                return False
            name = op.get("operationName")
            if name is not None and not isinstance(name, str):
                return False
            kind = cached.operations.get(name)
            if kind is not OperationType.QUERY:
                return False
        return True

    def _resolve_query(self, op: dict[str, Any]) -> str:
        query = op.get("query")
        persisted = (
            (op.get("extensions") or {}).get("persistedQuery") if isinstance(op.get("extensions"), dict) else None
        )
        if persisted is not None:
            if (
                not isinstance(persisted, dict)
                or persisted.get("version") != 1
                or not isinstance(persisted.get("sha256Hash"), str)
            ):
                raise RequestError(400, 'persistedQuery must be {"version": 1, "sha256Hash": "<hex>"}.')
            digest = persisted["sha256Hash"].lower()
            if query is None:  # not known to any process (_share_persisted fills in known ones)
                # 200, as Apollo clients expect: they retry with the full document.
                raise RequestError(200, "PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND")
            if not isinstance(query, str) or hashlib.sha256(query.encode()).hexdigest() != digest:
                raise RequestError(400, "provided sha does not match query", "PERSISTED_QUERY_HASH_MISMATCH")
        if not isinstance(query, str) or not query.strip():
            raise RequestError(400, "Send the GraphQL document in `query`.")
        return query

    def _document(self, query: str) -> CachedDocument:
        cached = self.documents.get_fresh(query)
        if cached is not None:
            return cached
        try:
            document = parse(query, max_lexical_tokens=self.settings.max_tokens, max_source_length=100_000)
        except GraphQLError as exc:
            cached = CachedDocument(None, [_coded(self._format_error(exc, ""), "GRAPHQL_PARSE_FAILED")], {})
        else:
            try:
                with comparison_budget(self.settings.max_field_comparisons), recording_costs() as costs:
                    errors = validate(
                        self.schema, document, self.rules, max_errors=20, hide_suggestions=not self.settings.suggestions
                    )
            except TooComplex:
                errors, costs = [too_complex_error()], {}
            operations = {
                d.name.value if d.name else None: d.operation
                for d in document.definitions
                if isinstance(d, OperationDefinitionNode)
            }
            if len(operations) == 1:  # a lone operation also runs without operationName
                operations[None] = next(iter(operations.values()))
                costs[None] = next(iter(costs.values()), 0)
            cached = CachedDocument(
                document,
                [_coded(e.formatted, "GRAPHQL_VALIDATION_FAILED") for e in errors],
                operations,
                costs,
                generic_plans_ok(document),
            )
        self.documents.put(query, cached)
        return cached

    def _format_error(self, error: GraphQLError, request_id: str) -> dict[str, Any]:
        original = error.original_error
        if original is None or isinstance(original, GraphQLError):
            formatted = error.formatted
            if isinstance(original, GraphQLError) and original.extensions:
                formatted.setdefault("extensions", {}).update(original.extensions)
            return formatted
        if is_disconnect(original) or is_pool_timeout(original):
            log.warning("database unavailable", extra={"path": error.path, "error": repr(original)})
            record_unavailable("field")
            formatted = unavailable_error(request_id or request_id_var.get() or "")
            if error.path:
                formatted["path"] = error.path
            return formatted
        if _statement_timed_out(original):
            record_timeout()
            log.warning("statement timeout", extra={"path": error.path})
            formatted = {
                "message": "This took too long and was stopped; ask for less (smaller pages, a narrower filter).",
                "extensions": {"code": "TIMEOUT", "requestId": request_id or request_id_var.get() or ""},
            }
            if error.path:
                formatted["path"] = error.path
            return formatted
        body, error_id = internal_error_body()
        log.error("unexpected error in resolver", exc_info=original, extra={"error_id": error_id, "path": error.path})
        masked = body["errors"][0]
        if error.locations:
            masked["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
        if error.path:
            masked["path"] = error.path
        return masked
