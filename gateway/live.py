"""GraphQL subscriptions over WebSocket (`graphql-transport-ws`) on the /graphql path.

Strawberry speaks the protocol (`strawberry.asgi.GraphQL` and its graphql-transport-ws
handler: connection_init, ping/pong, subscribe, complete, the close codes); this module gives it
the gateway's rules:

- `connection_init`'s payload carries the same headers as HTTP (`Authorization: Bearer <access
  token>`, optionally `X-Tenant-Id`, `X-Session-Id`): the identity and tenant are resolved
  exactly as for a request (auth/identity.py), or the socket is closed with 4403 and the reason.
- The token is checked again before every event (the identity statement, uncached), every
  LIVE_RECHECK_SECONDS, and at once when its session is revoked (logout and revocations publish
  `session:<id>`, resolvers/auth/service.py); at its expiry, or when a check fails, the socket is
  closed with 4403. A client reconnects with a fresh token.
- Documents are parsed and validated by the HTTP endpoint's cache and rules (depth, aliases,
  cost); only subscriptions run here (queries and mutations: POST).
- Starting a subscription is charged to the caller's rate limit (kit/ratelimit.py) as a query of
  the same cost; past the budget it is refused with RATE_LIMITED (an `error` message, the socket
  stays open). Events cost nothing: the server pushes them.
- Each event runs in a context of its own: a fresh connection and transaction scoped to the
  caller's tenant (row-level security included), fresh dataloaders, closed after the event is
  sent (schema/live.py opens it through `LiveConnection.event`).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from graphql import ExecutionResult, GraphQLError, subscribe
from graphql.language import OperationType
from starlette.datastructures import Headers
from strawberry.asgi import GraphQL
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.unset import UNSET
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler

from auth.identity import Identity, IdentityError, check_requested_session
from auth.tokens import AccessClaims, ExpiredToken, InvalidToken
from gateway.graphql_http import GraphQLHTTP
from kit import clock, ratelimit
from kit.context import RequestContext
from kit.db import QueryStats, RequestDB, current_stats
from kit.executor import RenderingExecutor
from kit.live import LiveHub, LiveLost
from kit.loaders import LoaderRegistry

log = logging.getLogger("gateway.live")

FORBIDDEN = 4403  # graphql-transport-ws: connection_init refused; also the end of a token's right


class Refused(Exception):
    """The socket's token or tenant no longer holds: closed with 4403 and this reason."""


@dataclass
class LiveContext(RequestContext):
    """`info.context` of a subscription: a RequestContext whose connection, identity and loaders
    are replaced for each event (`LiveConnection.event`)."""

    live: Any = None


@dataclass
class _Request:
    """What identity resolution reads of a request, for the socket (headers of connection_init)."""

    headers: Headers
    client: Any


def _reason(text: str) -> str:
    return text if len(text.encode()) <= 120 else text[:117] + "..."  # a close reason holds 123 bytes


class LiveConnection:
    """One WebSocket: its token, its headers, its identity, and the watch over them."""

    def __init__(self, view: LiveView, websocket: Any) -> None:
        self.view, self.websocket = view, websocket
        self.connection_params: dict[str, Any] | None = None  # set by Strawberry on connection_init
        self.claims: AccessClaims | None = None
        self.request: _Request | None = None
        self.identity: Identity | None = None
        self.watch: asyncio.Task[None] | None = None
        self.closed = False
        self.request_id = uuid.uuid4().hex  # in the log lines and masked errors of this socket

    @property
    def hub(self) -> LiveHub:
        return self.view.hub

    async def authenticate(self) -> Any:
        """connection_init: the token and headers of its payload (names in any case)."""
        params = self.connection_params or {}
        headers = Headers({str(k).lower(): v for k, v in params.items() if isinstance(v, str)})
        scheme, _, token = (headers.get("authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Refused('Send the access token in connection_init: {"Authorization": "Bearer <token>"}.')
        try:
            self.claims = self.view.http.keys.decode(token.strip())
        except ExpiredToken:
            raise Refused("The access token has expired; refresh it and connect again.") from None
        except InvalidToken as exc:
            raise Refused(str(exc)) from None
        self.request = _Request(headers, self.websocket.client)
        db, _ = await self.scope()
        await db.close(commit=False)
        self.watch = asyncio.create_task(self._watch())
        return UNSET  # a connection_ack without payload

    async def scope(self) -> tuple[RequestDB, Identity]:
        """A fresh connection whose transaction is scoped to the caller, after the identity
        statement (uncached: a revoked token, a removed role or a deactivated user is refused)."""
        assert self.claims is not None and self.request is not None
        db = RequestDB(self.view.http.engine)
        try:
            identity = await self.view.http._resolve(self.request, db, self.claims, False)  # noqa: SLF001
            await check_requested_session(db, identity, bool(self.request.headers.get("x-session-id")))
        except IdentityError as exc:
            await db.close(commit=False)
            raise Refused(str(exc)) from None
        except BaseException:
            await db.close(commit=False)
            raise
        self.identity = identity
        return db, identity

    async def close(self, reason: str) -> None:
        if self.closed:
            return
        self.closed = True
        with contextlib.suppress(Exception):
            await self.websocket.close(code=FORBIDDEN, reason=_reason(reason))

    async def _watch(self) -> None:
        """Closes the socket at the token's expiry, or when a check fails: every
        LIVE_RECHECK_SECONDS, and at once when the token's session is revoked."""
        assert self.claims is not None
        claims, every = self.claims, self.view.http.settings.live_recheck_seconds
        try:
            while not self.closed:
                try:
                    async with self.hub.subscribe(f"session:{claims.session_id}") as revoked:
                        while not self.closed:
                            left = (claims.expires_at - dt.datetime.now(dt.UTC)).total_seconds()
                            if left <= 0:
                                await self.close("The access token has expired; refresh it and connect again.")
                                return
                            with contextlib.suppress(TimeoutError):
                                await asyncio.wait_for(revoked.next(), min(left, every))
                            await self._check()
                except LiveLost:
                    await self._check()
                    await asyncio.sleep(1)  # the LISTEN connection is being made again
        except Refused as exc:
            await self.close(str(exc))
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - a check that cannot run (database away): end the socket
            log.exception("live connection check failed")
            await self.close("The server could not check the token; connect again.")

    async def _check(self) -> None:
        db, _ = await self.scope()
        await db.close(commit=False)

    @contextlib.asynccontextmanager
    async def event(self, ctx: LiveContext) -> AsyncIterator[None]:
        """The context of one event (or of a subscription's start): a fresh scoped connection,
        the identity as PostgreSQL says now, fresh loaders; closed when the block ends."""
        try:
            db, identity = await self.scope()
        except Refused as exc:
            await self.close(str(exc))
            raise LiveLost(str(exc)) from None
        tenant = identity.tenant
        ctx.db = db
        ctx.identity = identity
        ctx.user_id = identity.user_id
        ctx.roles = identity.roles
        ctx.school_id = tenant.id if tenant and tenant.kind == "School" else None
        ctx.hostel_id = tenant.id if tenant and tenant.kind == "Hostel" else None
        ctx.session_id = identity.academic_session_id
        ctx.platform_read = db.scope.platform_read
        ctx.loaders = LoaderRegistry(ctx)
        stats = current_stats.set(QueryStats())
        zone = clock.use_time_zone(identity.time_zone)
        try:
            yield
        finally:
            clock.reset(zone)
            current_stats.reset(stats)
            await db.close(commit=False)  # reads only

    def context(self) -> LiveContext:
        return LiveContext(
            settings=self.view.http.settings,
            db=RequestDB(self.view.http.engine),  # replaced by `event` before any statement
            request_id=self.request_id,
            client_ip=self.websocket.client.host if self.websocket.client else None,
            live=self,
        )

    def stop(self) -> None:
        self.closed = True
        if self.watch is not None:
            self.watch.cancel()


class LiveHandler(BaseGraphQLTransportWSHandler[Any, Any]):
    """Strawberry's protocol handler; the operations run as the HTTP endpoint runs them."""

    async def handle_connection_init(self, message: Any) -> None:
        try:
            await super().handle_connection_init(message)
        except Refused as exc:
            await self.context.close(str(exc))

    async def shutdown(self) -> None:
        self.context.stop()
        await super().shutdown()

    async def run_operation(self, operation: Any) -> None:
        conn: LiveConnection = self.context
        http: GraphQLHTTP = conn.view.http
        try:
            cached = http._document(operation.query)  # noqa: SLF001 - the endpoint's cache and rules
            if cached.errors:
                await self._error(operation, cached.errors)
                return
            name = operation.operation_name
            if name not in cached.operations:
                message = (
                    "Name the operation to run (operationName)." if name is None else f"Unknown operation {name!r}."
                )
                await self._error(operation, [{"message": message, "extensions": {"code": "BAD_REQUEST"}}])
                return
            if cached.operations[name] is not OperationType.SUBSCRIPTION:
                await self._error(
                    operation,
                    [
                        {
                            "message": "Only subscriptions run over the WebSocket; send queries and mutations with POST.",
                            "extensions": {"code": "BAD_REQUEST"},
                        }
                    ],
                )
                return
            ctx = conn.context()
            async with conn.event(ctx):  # the subscription's start: its checks read the database
                # charged like a query of the same cost (kit/ratelimit.py); its events cost nothing
                refusal = await self._charge(ctx, cached.costs.get(name, 0))
                if refusal is not None:
                    await self._error(operation, refusal)
                    return
                stream = subscribe(
                    http.schema,
                    cached.document,
                    context_value=ctx,
                    variable_values=operation.variables,
                    operation_name=name,
                    executor_class=RenderingExecutor,
                    hide_suggestions=not http.settings.suggestions,
                )
                if asyncio.iscoroutine(stream) or isinstance(stream, asyncio.Future):
                    stream = await stream
            if isinstance(stream, ExecutionResult):
                await self._error(operation, [self._format(e, ctx) for e in stream.errors or ()])
                return
            async with contextlib.aclosing(stream):
                async for result in stream:
                    payload: dict[str, Any] = {"data": result.data}
                    if result.errors:
                        payload["errors"] = [self._format(e, ctx) for e in result.errors]
                    await operation.send_operation_message({"id": operation.id, "type": "next", "payload": payload})
            await operation.send_operation_message({"id": operation.id, "type": "complete"})
        except (WebSocketDisconnected, asyncio.CancelledError):
            raise
        except LiveLost as exc:
            await self._error(operation, [{"message": str(exc)}])
        except Exception:  # noqa: BLE001 - masked for the client, logged with an id
            from gateway.http_errors import internal_error_body

            body, error_id = internal_error_body()
            log.exception("subscription failed", extra={"error_id": error_id})
            await self._error(operation, body["errors"])

    async def _charge(self, ctx: LiveContext, cost: int) -> list[dict[str, Any]] | None:
        """Charge a subscription's start to the caller's rate-limit budget, as a query of the same
        cost is charged (one autocommit statement before anything runs). Past the budget: the
        errors to answer (RATE_LIMITED, as HTTP answers them), the subscription does not start and
        the socket stays open (the client may subscribe again after `retryAfter` seconds)."""
        from gateway.http_errors import rate_limited_body

        rate = await ratelimit.charge(ctx.db, ctx.settings, ctx.identity, ctx.client_ip, cost)
        if rate is None or not rate.refused:
            return None
        errors: list[dict[str, Any]] = rate_limited_body(rate)["errors"]
        errors[0]["extensions"]["requestId"] = ctx.request_id
        return errors

    def _format(self, error: GraphQLError, ctx: LiveContext) -> dict[str, Any]:
        return self.context.view.http._format_error(error, ctx.request_id)  # noqa: SLF001

    async def _error(self, operation: Any, errors: list[dict[str, Any]]) -> None:
        if self.context.closed:
            return
        with contextlib.suppress(WebSocketDisconnected):
            await operation.send_operation_message({"id": operation.id, "type": "error", "payload": errors})


class LiveView(GraphQL[Any, Any]):
    """The WebSocket side of /graphql (Starlette routes the handshake here, HTTP elsewhere)."""

    graphql_transport_ws_handler_class = LiveHandler

    def __init__(self, http: GraphQLHTTP, strawberry_schema: Any, hub: LiveHub) -> None:
        settings = http.settings
        super().__init__(
            strawberry_schema,
            graphql_ide=None,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            connection_init_wait_timeout=timedelta(seconds=15),
            max_subscriptions_per_connection=settings.live_max_subscriptions,
        )
        self.http, self.hub = http, hub
        origins, regex = settings.cors()
        self._origins = {o.lower() for o in origins}
        self._origin_regex = re.compile(regex) if regex else None

    def is_websocket_origin_allowed(self, request: Any, origin: str) -> bool:
        # a page of another site may open the socket only where CORS would let it call /graphql
        if "*" in self._origins or origin.rstrip("/").lower() in self._origins:
            return True
        return bool(self._origin_regex and self._origin_regex.match(origin))

    async def get_context(self, request: Any, response: Any) -> LiveConnection:  # type: ignore[override]
        return LiveConnection(self, request)

    async def on_ws_connect(self, context: LiveConnection) -> Any:  # type: ignore[override]
        return await context.authenticate()
