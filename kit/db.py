"""Database engine, per-request connection handling and SQL statement statistics.

Rule for concurrency (DESIGN.md, "one AsyncSession must never run two operations at once"):
a request uses exactly one pooled connection, and every statement of the request takes the
request's lock. Dataloader batches and sibling resolvers therefore queue on the one
connection instead of failing or taking more connections; the look-ahead read path keeps
the number of statements per request small, so the queue stays short. Measured in bench/.
"""

from __future__ import annotations

import os

import asyncio
import contextvars
import logging
import time
import uuid
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, AsyncIterator, cast
import weakref

import asyncpg
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError, DisconnectionError, InvalidatePoolError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.sql import ClauseElement
from sqlalchemy.util import greenlet_spawn
from sqlalchemy.sql.compiler import SQLCompiler

DIALECT = PGDialect_asyncpg()
SETUP_SQL_PREFIX = "SELECT /* scope */ "
# PostgreSQL re-plans a prepared statement with a `LIMIT $n` on every execution: its generic
# plan must assume 10% of the rows, so it always looks dearer than the custom one. For reads
# whose values cannot change the best plan (keys, page sizes, cursors, tenant settings) that
# planning is pure cost (a fifth of the database's CPU on a page of schools with their sessions).
GENERIC_PLANS = ", set_config('plan_cache_mode', 'force_generic_plan', true)"
log = logging.getLogger("kit.db")

# Set in a pooled connection's `info` while a request (or hostel_read) holds it, cleared only
# once its transaction is known to be over and no operation is in flight. A connection that
# comes back to the pool still marked (a task cancelled at the wrong moment, a failed
# ROLLBACK) is discarded at its next checkout instead of being handed to another request.
IN_USE = "campus_in_use"


@dataclass
class QueryStats:
    """SQL statements an operation ran. `setup` are the per-transaction context statements."""

    statements: int = 0
    setup: int = 0
    # messages sent to PostgreSQL whose answer the request waited for (a statement, or one
    # simple-query message of several); a read-only request's ROLLBACK, sent after the
    # response, is not among them
    round_trips: int = 0
    seconds: float = 0.0
    plans_built: int = 0  # read plans and statements built, not found in the planner's caches
    log: list[str] = field(default_factory=list)
    keep_log: bool = False

    def add(self, sql: str, seconds: float, setup: bool = False) -> None:
        if setup:
            self.setup += 1
        else:
            self.statements += 1
        self.round_trips += 1
        self.seconds += seconds
        if self.keep_log:
            self.log.append(sql)


# Connection releases still running. A release is shielded from the request's cancellation
# (a client that went away), so it may outlive the request: shutdown waits for these before
# closing the pool, and tests wait for them before looking at the server's sessions.
_releases: set[asyncio.Task[None]] = set()


def _start_release(coro: Any) -> asyncio.Task[None]:
    """Run a release to its end whoever waits for it; keep it findable."""
    task: asyncio.Task[None] = asyncio.ensure_future(coro)
    _releases.add(task)
    task.add_done_callback(_release_done)
    return task


def _release_in_background(coro: Any) -> asyncio.Future[None]:
    """Run a release to its end even if the awaiting request is cancelled."""
    return asyncio.shield(_start_release(coro))


def _release_done(task: asyncio.Task[None]) -> None:
    _releases.discard(task)
    if not task.cancelled() and task.exception() is not None:
        # seen by the request if it is still waiting (a failed COMMIT); else the client is gone
        log.info("a connection release ended with an error", exc_info=task.exception())


async def settle_releases() -> None:
    """Wait until every connection release under way has finished (shutdown, tests)."""
    while _releases:
        await asyncio.gather(*list(_releases), return_exceptions=True)


def _prepare_trips(raw: Any, sql: str) -> int:
    """1 when asyncpg must prepare `sql` before running it (a round trip of its own: Parse and
    Describe, then Bind and Execute), 0 when its statement cache holds it. Always 1 behind
    PgBouncer (the cache is off there). Reads asyncpg's cache key, (query, record class,
    ignore_custom_codec); a key that changes shape only overcounts."""
    try:
        key = (sql, raw._protocol.get_record_class(), False)
        return 0 if raw._stmt_cache.get(key, promote=False) is not None else 1
    except AttributeError:  # another asyncpg: count it as prepared each time
        return 1


current_stats: contextvars.ContextVar[QueryStats | None] = contextvars.ContextVar("query_stats", default=None)


# ---- the database going away (issue 17) ---------------------------------------------------------

# asyncpg's errors that say the connection or the server is gone, not that a statement failed:
# a dead socket, a server stopping (57P01/57P02) or still starting (57P03), a refused connect.
# (QueryCanceledError is also class 57, and is a statement timeout: not among them.)
_DISCONNECTS = (
    asyncpg.PostgresConnectionError,  # class 08, ConnectionDoesNotExistError among them
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.TooManyConnectionsError,
    ConnectionError,  # refused, reset, broken pipe
)


class DatabaseUnavailable(Exception):
    """A connection to the database could not be opened (refused, no socket file while the
    embedded server restarts, the connect timeout, the server starting or stopping)."""


class PooledLease:
    """A pooled connection taken straight from the pool, without SQLAlchemy's Connection and
    AsyncConnection objects around it: what a read-only request needs (the asyncpg connection,
    the pool record's `info`), for about a third of the checkout's CPU. The pool's own checkout
    runs as for `engine.connect()`: its events (kit/db.py `_checkout`), invalidation, timeouts."""

    __slots__ = ("_fairy",)

    def __init__(self, fairy: Any) -> None:
        self._fairy = fairy

    @property
    def info(self) -> dict[Any, Any]:
        return cast(dict[Any, Any], self._fairy.info)

    @property
    def invalidated(self) -> bool:
        return not self._fairy.is_valid

    async def get_raw_connection(self) -> Any:
        return self._fairy  # its `driver_connection` is the asyncpg connection

    async def invalidate(self) -> None:
        await greenlet_spawn(self._fairy.invalidate)

    async def close(self) -> None:
        await greenlet_spawn(self._fairy.close)


async def connect(engine: AsyncEngine, lease: bool = False) -> Any:
    """A pooled connection (with `lease`, a PooledLease); DatabaseUnavailable when the server
    cannot be reached (any OSError of the connect counts: only here is a missing file or a
    timeout known to be the database's)."""
    try:
        if lease:
            return PooledLease(await greenlet_spawn(engine.sync_engine.raw_connection))
        return await engine.connect()
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, DBAPIError) as exc:
        if isinstance(exc, OSError) or is_disconnect(exc):
            raise DatabaseUnavailable(f"the database cannot be reached: {exc!r}") from exc
        raise


def is_disconnect(exc: BaseException | None) -> bool:
    """True when `exc` (or what it wraps: SQLAlchemy's DBAPIError, a cause) means the database
    could not be reached or the connection died: the request may be answered 503, never 500."""
    for _ in range(8):
        if exc is None:
            return False
        if isinstance(exc, DBAPIError) and exc.connection_invalidated:
            return True
        if isinstance(exc, (DatabaseUnavailable, *_DISCONNECTS)):
            return True
        if isinstance(exc, asyncpg.InterfaceError) and "connection is closed" in str(exc):
            return True
        if isinstance(exc, asyncpg.exceptions.InternalClientError) and "is in progress" in str(exc):
            # the server's FATAL (terminating connection) arrived first and the socket is dying;
            # a request's statements never overlap on its connection (RequestDB.lock) otherwise
            return True
        exc = getattr(exc, "orig", None) or exc.__cause__ or exc.__context__
    return False


def is_pool_timeout(exc: BaseException | None) -> bool:
    for _ in range(4):
        if exc is None:
            return False
        if isinstance(exc, PoolTimeout):
            return True
        exc = exc.__cause__
    return False


class _PoolHealth:
    """Set when a request's raw driver call met a dead connection. SQLAlchemy's own handler sees
    only the statements that go through it, and most of ours go straight to asyncpg; so the next
    checkout raises SQLAlchemy's InvalidatePoolError, which replaces every pooled connection
    older than now (SQLAlchemy's "invalidate the pool on disconnect"), not one per request."""

    def __init__(self) -> None:
        self.lost = False


_health: weakref.WeakKeyDictionary[Any, _PoolHealth] = weakref.WeakKeyDictionary()
# called with no argument each time a disconnect is seen / a call is retried on a fresh
# connection (gateway/metrics.py counts them; kit/ imports nothing of gateway/)
on_disconnect: list[Any] = []
on_retry: list[Any] = []


def connection_lost(engine: AsyncEngine) -> None:
    health = _health.get(engine.sync_engine)
    if health is not None:
        health.lost = True
    for hook in on_disconnect:
        hook()


def create_engine(
    url: str,
    pool_size: int = 10,
    max_overflow: int = 5,
    statement_timeout_ms: int = 0,
    idle_in_transaction_ms: int = 0,
    pgbouncer: bool = False,
    pool_timeout_ms: int = 30_000,
    connect_timeout_s: float = 60.0,
) -> AsyncEngine:
    """The application's engine. With the timeouts set (the app sets both, kit/settings.py),
    PostgreSQL itself stops a statement that runs too long (a worker's connection is not held
    by one expensive request) and ends a session left idle inside a transaction (whatever
    bug leaves one, its locks do not outlive the timeout).

    `pgbouncer`: the URL leads to PgBouncer in transaction pooling mode, whose server
    connections change between transactions. Then no prepared statement is cached (asyncpg's
    cache and SQLAlchemy's), SQLAlchemy's statements get unique names (another client's may
    still sit on the server connection), and the timeouts are left to the role's settings
    (PgBouncer refuses unknown start-up parameters). The tenant settings are transaction-local
    (`set_config(..., true)`), so they need nothing.

    `pool_timeout_ms`: a request waits at most this long for a pooled connection, then is refused
    (503) rather than queueing for seconds; `connect_timeout_s`: opening a connection to a server
    that does not answer (a host gone, not a refused connect) fails after this long."""
    server_settings = {"application_name": "campus-gateway", "timezone": "UTC"}
    if statement_timeout_ms and not pgbouncer:
        server_settings["statement_timeout"] = str(int(statement_timeout_ms))
    if idle_in_transaction_ms and not pgbouncer:
        server_settings["idle_in_transaction_session_timeout"] = str(int(idle_in_transaction_ms))
    if not pgbouncer:
        # the rate-limit charge answers with a NOTICE (kit/ratelimit.py): a role or database
        # whose client_min_messages is above `notice` would hide it (and the X-RateLimit headers)
        server_settings["client_min_messages"] = "notice"
    connect_args: dict[str, Any] = {"server_settings": server_settings, "timeout": connect_timeout_s}
    if pgbouncer:
        connect_args.update(
            statement_cache_size=0,
            prepared_statement_cache_size=0,
            prepared_statement_name_func=lambda: f"__asyncpg_{uuid.uuid4().hex}__",
        )
    engine = create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=pool_timeout_ms / 1000,
        # no ping per checkout (a round trip per request): a disconnect seen once invalidates
        # the whole pool instead (_PoolHealth), and a closed socket is replaced at checkout
        pool_pre_ping=False,
        # the connection returned last goes out first: under light load the same few
        # connections serve, their prepared statements already made (a statement's first run
        # on a connection costs a round trip more)
        pool_use_lifo=True,
        # The transaction is always ended explicitly by RequestDB; the pool's own rollback on
        # return would be one more round trip for nothing.
        pool_reset_on_return=None,
        connect_args=connect_args,
    )

    health = _health[engine.sync_engine] = _PoolHealth()

    @event.listens_for(engine.sync_engine, "checkout")
    def _checkout(dbapi_conn: Any, record: Any, proxy: Any) -> None:
        if health.lost:
            # the database went away under another request: every connection opened before now
            # is replaced (SQLAlchemy reconnects this one at once, the others at their checkout)
            health.lost = False
            record.info.pop(IN_USE, None)
            raise InvalidatePoolError("a pooled connection was found dead; replacing the pool's connections")
        # The pool resets nothing on return (pool_reset_on_return=None): a connection whose last
        # holder did not release it cleanly, or that sits in a transaction, is not reused.
        raw = getattr(dbapi_conn, "driver_connection", None)
        if record.info.pop(IN_USE, False) or (raw is not None and (raw.is_closed() or raw.is_in_transaction())):
            raise DisconnectionError("connection returned to the pool unclean; discarded")

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _before(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        conn.info["_t0"] = time.perf_counter()

    @event.listens_for(engine.sync_engine, "after_cursor_execute")
    def _after(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        stats = current_stats.get()
        if stats is not None:
            stats.add(
                statement,
                time.perf_counter() - conn.info.pop("_t0", time.perf_counter()),
                setup=statement.startswith(SETUP_SQL_PREFIX),
            )

    return engine


_compiled_cache: dict[Any, tuple[str, tuple[str, ...], dict[str, Any]]] = {}


# On in the test suite: every cache hit is compiled again and must give the same SQL, so a
# statement shape that misses something the SQL depends on fails the test that meets it.
VERIFY_CACHE = os.environ.get("CAMPUS_VERIFY_SQL_CACHE") == "1"


class StatementShapeError(AssertionError):
    """Two statements of different SQL were given the same shape (kit/planner.py)."""


def _verify(stmt: ClauseElement, cache_key: Any, hit: tuple[str, tuple[str, ...], dict[str, Any]]) -> None:
    compiled = cast(SQLCompiler, stmt.compile(dialect=DIALECT))  # a Core statement: SQL, positional
    fresh = (compiled.string, tuple(compiled.positiontup or ()), dict(compiled.params))
    if fresh != hit:
        raise StatementShapeError(f"statement shape {cache_key!r} names two statements:\n{hit[0]}\n---\n{fresh[0]}")


def compile_statement(stmt: ClauseElement, cache_key: Any = None) -> tuple[str, tuple[str, ...], dict[str, Any]]:
    """Compile a Core statement for asyncpg once per shape: its SQL, the order of its
    parameters, and the values of constants written into the statement itself."""
    if cache_key is not None:
        hit = _compiled_cache.get(cache_key)
        if hit is not None:
            if VERIFY_CACHE:
                _verify(stmt, cache_key, hit)
            return hit
    compiled = cast(SQLCompiler, stmt.compile(dialect=DIALECT))  # a Core statement: SQL, positional
    result = (compiled.string, tuple(compiled.positiontup or ()), dict(compiled.params))
    if cache_key is not None:
        if len(_compiled_cache) > 5000:
            _compiled_cache.clear()
        _compiled_cache[cache_key] = result
    return result


@dataclass
class DbScope:
    """What a transaction is scoped to: set with set_config(..., true) at its start (the
    RLS key). Final once the identity layer has validated it."""

    user_id: int | None = None
    school_id: int | None = None
    hostel_id: int | None = None
    platform_read: bool = False  # a platform role without a tenant: reads across tenants


class RequestDB:
    """One pooled connection and one transaction per request.

    Phases: `fetch_unscoped` (the identity lookup, autocommit, before any tenant is known),
    then the transaction begins with the validated scope on first use. Query-only requests
    begin `READ ONLY` with the scope in one round trip, straight on asyncpg; requests with
    mutations begin through SQLAlchemy so that the ORM session joins the transaction.
    """

    def __init__(self, engine: AsyncEngine, scope: DbScope | None = None, read_only: bool = False) -> None:
        self.engine = engine
        self.scope = scope or DbScope()
        self.read_only = read_only
        # a read-only request whose statements are keyed lookups and pages (no filters): their
        # prepared statements run on generic plans (`generic_plans_ok`, gateway/graphql_http.py)
        self.generic_plans = False
        self.lock = asyncio.Lock()
        self._conn: AsyncConnection | PooledLease | None = None
        self._raw: Any = None
        self._began = False
        self._maybe_began = False  # a BEGIN was sent: the transaction may be open even if _began is not set
        self._session: AsyncSession | None = None
        self._in_flight = 0  # statements sent whose answer was not received (interrupted)
        self._closed = False
        self._answered = 0  # calls answered on the current connection
        self._retried = False  # a dead connection was replaced once already (_call)

    async def _acquire(self) -> None:
        if self._closed:
            # a resolver still running after the request ended (a sibling that failed made
            # graphql-core stop waiting for it) must not take a new connection nobody closes
            raise RuntimeError("the request is over; its connection is closed")
        await self._acquire_connection()

    async def _acquire_connection(self) -> None:
        if self._conn is None:
            # a read-only request uses only the asyncpg connection: no SQLAlchemy Connection
            conn = await connect(self.engine, lease=self.read_only)
            conn.info[IN_USE] = True  # until close() knows it is clean
            try:
                self._raw = (await conn.get_raw_connection()).driver_connection
            except BaseException:
                await _discard(conn, None)
                raise
            self._conn = conn
            self._answered = 0

    async def _call(self, name: str, *args: Any, on_sqlalchemy: bool = False, resend: bool = True) -> Any:
        """Await one driver call (`name` of the asyncpg connection, or of the SQLAlchemy one),
        remembering if it was interrupted (cancelled, connection lost) rather than answered:
        such a connection is in doubt and never reused.

        A connection found dead on the request's first call (the database restarted while it
        sat in the pool) is replaced by a fresh one and the call made again, once, when that
        cannot do anything twice: nothing was sent (the socket was known closed), or the call
        is `resend`-safe (a read, the start of the transaction). Writes are never sent again."""
        closed_before = self._raw.is_closed()
        self._in_flight += 1
        try:
            result = await getattr(self._conn if on_sqlalchemy else self._raw, name)(*args)
        except BaseException as exc:
            # asyncpg refuses to start a call on a connection still busy with an error the server
            # sent unasked (FATAL: terminating connection): nothing was sent, the socket is dying
            stuck = isinstance(exc, asyncpg.exceptions.InternalClientError) and is_disconnect(exc)
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                # the request was cancelled (its client went away): asyncpg may report the cut
                # call as a closed connection, but nothing is retried and the pool is not at fault
                raise
            if not is_disconnect(exc):
                if isinstance(exc, asyncpg.PostgresError):
                    self._in_flight -= 1  # the server answered: the connection's state is known
                raise
            connection_lost(self.engine)
            if self._answered or self._retried or not (closed_before or stuck or resend):
                raise
            self._retried = True
            log.warning("a pooled connection was dead; retrying on a fresh one", extra={"error": repr(exc)})
            for hook in on_retry:
                hook()
            conn, raw = self._conn, self._raw
            self._conn = self._raw = None
            self._in_flight = 0
            self._maybe_began = False
            assert conn is not None  # a call runs on the request's connection
            await _discard(conn, raw)
            await self._acquire_connection()
            return await self._call(name, *args, on_sqlalchemy=on_sqlalchemy, resend=resend)
        self._in_flight -= 1
        self._answered += 1
        return result

    async def fetch_unscoped(self, sql: str, params: list[Any] | tuple[Any, ...]) -> list[Any]:
        """A statement outside the request's transaction (identity, before the scope is set)."""
        if self._began:
            raise RuntimeError("the request transaction has already begun")
        async with self.lock:
            await self._acquire()
            t0 = time.perf_counter()
            prepare = _prepare_trips(self._raw, sql)
            # a plain SELECT may be sent again on a fresh connection; a write (the rate-limit
            # charge's INSERT in a WITH) may not
            read = sql.lstrip()[:6].upper() == "SELECT"
            rows: list[Any] = await self._call("fetch", sql, *params, resend=read)
            stats = current_stats.get()
            if stats is not None:
                stats.add(sql, time.perf_counter() - t0, setup=True)
                stats.round_trips += prepare
            return rows

    async def prepared(self, name: str, prepare_sql: str) -> bool:
        """Whether the connection holds the SQL-level prepared statement `name` (so a simple
        query can EXECUTE it), preparing it on the connection's first use (one round trip,
        once per connection). False where statements cannot stay prepared (PgBouncer in
        transaction mode: asyncpg's statement cache is off there, kit/db.py create_engine)."""
        async with self.lock:
            await self._acquire()
            assert self._conn is not None  # _acquire took it
            if self._raw._stmt_cache.get_max_size() == 0:
                return False
            if name not in self._conn.info.setdefault("campus_prepared", set()):
                t0 = time.perf_counter()
                await self._call("execute", prepare_sql)
                # (the connection's own set: _call may have replaced a dead connection)
                self._conn.info.setdefault("campus_prepared", set()).add(name)
                stats = current_stats.get()
                if stats is not None:
                    stats.add(f"PREPARE {name}", time.perf_counter() - t0, setup=True)
            return True

    async def begin(self, prelude: list[str], commit_prelude: bool = False) -> list[Any]:
        """Begin a read-only request's transaction now, after `prelude` (statements of literal
        SQL, run first in the same simple-query message: the cached identity's check, the
        rate-limit charge). `commit_prelude`: the prelude writes, so it is committed before
        BEGIN (a COMMIT there draws a harmless "no transaction in progress" warning; without
        it BEGIN would take the prelude into the read-only transaction and ROLLBACK undo it).

        One round trip for all of it. Returns the NOTICEs the message drew (the charge's
        answer). An error of the prelude (a refusal, a changed identity) is raised as asyncpg's
        error; then nothing after it ran and no transaction is open."""
        if not self.read_only or self._began:
            raise RuntimeError("begin(prelude) starts a read-only request's transaction, once")
        notices: list[Any] = []
        async with self.lock:
            await self._begin(prelude, commit_prelude, notices)
        return notices

    async def _begin(
        self, prelude: list[str] | None = None, commit_prelude: bool = False, notices: list[Any] | None = None
    ) -> None:
        await self._acquire()
        values = [_setting(v) for v in (self.scope.user_id, self.scope.school_id, self.scope.hostel_id)]
        values.append("on" if self.scope.platform_read else "")
        t0 = time.perf_counter()
        self._maybe_began = True
        if self.read_only:
            head = "".join(f"{sql}; " for sql in prelude or ())
            if prelude and commit_prelude:
                head += "COMMIT; "
            message = (
                head
                + "BEGIN READ ONLY; "
                + SETUP_SQL_PREFIX
                + "set_config('app.user_id', '{}', true), "
                "set_config('app.school_id', '{}', true), set_config('app.hostel_id', '{}', true), "
                "set_config('app.platform_read', '{}', true)".format(*values)
                + (GENERIC_PLANS if self.generic_plans else "")
            )

            def heard(_conn: Any, message: Any) -> None:
                # asyncpg calls listeners (call_soon) before the awaited query resumes: the
                # notices of this message are all here when `execute` returns
                if notices is not None:
                    notices.append(message)

            if notices is not None:
                self._raw.add_log_listener(heard)
            try:
                # the charge (a write) is not sent twice; the rest is reads and BEGIN
                await self._call("execute", message, resend=not commit_prelude)
            finally:
                stats = current_stats.get()
                if stats is not None:
                    stats.add("BEGIN READ ONLY; scope", time.perf_counter() - t0, setup=True)
                if notices is not None:
                    self._raw.remove_log_listener(heard)
        else:
            # SQLAlchemy's adapter begins the transaction with this first statement
            assert self._conn is not None  # _acquire took it
            await self._call(
                "exec_driver_sql",
                SETUP_SQL_PREFIX + "set_config('app.user_id', $1, true), set_config('app.school_id', $2, true),"
                " set_config('app.hostel_id', $3, true), set_config('app.platform_read', $4, true)",
                tuple(values),
                on_sqlalchemy=True,
            )
        self._began = True

    async def connection(self) -> AsyncConnection:
        if not self._began:
            await self._begin()
        # a begun transaction holds its connection; SQLAlchemy's unless the request is read-only
        assert isinstance(self._conn, AsyncConnection), "a read-only request has only its asyncpg connection"
        return self._conn

    async def fetch(self, sql: str, params: list[Any] | tuple[Any, ...], setup: bool = False) -> list[Any]:
        """Run compiled SQL straight on the request's asyncpg connection (prepared, cached)
        inside the scoped transaction; `setup` statements are context, not the query's."""
        async with self.lock:
            if not self._began:
                await self._begin()
            t0 = time.perf_counter()
            prepare = _prepare_trips(self._raw, sql)
            rows: list[Any] = await self._call("fetch", sql, *params)
            stats = current_stats.get()
            if stats is not None:
                stats.add(sql, time.perf_counter() - t0, setup=setup)
                stats.round_trips += prepare
            return rows

    async def fetchval(self, sql: str, params: list[Any] | tuple[Any, ...]) -> Any:
        rows = await self.fetch(sql, params)
        return rows[0][0] if rows else None

    async def session(self) -> AsyncSession:
        """The request's ORM session, bound to the request's connection (writes)."""
        if self.read_only:
            raise RuntimeError("a read-only request has no ORM session")
        if self._session is None:
            conn = await self.connection()
            # Joins the request's transaction; each mutation works in its own savepoint
            # (kit/writes.py) and the request commits once at the end.
            self._session = AsyncSession(
                bind=conn, expire_on_commit=False, autoflush=False, join_transaction_mode="rollback_only"
            )
            self._session.info["tenant_scope"] = (self.scope.school_id, self.scope.hostel_id)
            self._session.info["platform_read"] = self.scope.platform_read
            self._session.info["user_id"] = self.scope.user_id
        return self._session

    @asynccontextmanager
    async def hostel_scope(self, hostel_id: int) -> AsyncIterator[AsyncSession]:
        """Scope this transaction to `hostel_id` for the block, then restore the request's own
        scope: the RLS key (`app.hostel_id`) and the ORM tenant guard (session.info) alike.

        For writes a caller makes in a hostel that is not their tenant (a visitor booking on
        the website). Authorization is the caller's job: use `writes.acting_in_hostel`, which
        admits only public, active hostels. Nothing of the hostel stays readable afterwards:
        the setting is put back before the payload is read."""
        session = await self.session()
        await self.connection()  # the transaction has begun (the session joined it)
        previous = session.info["tenant_scope"]
        sql = SETUP_SQL_PREFIX + "set_config('app.hostel_id', $1, true)"
        await self._call("exec_driver_sql", sql, (_setting(hostel_id),), on_sqlalchemy=True)
        session.info["tenant_scope"] = (previous[0], hostel_id)
        try:
            yield session
        finally:
            session.info["tenant_scope"] = previous
            await self._call("exec_driver_sql", sql, (_setting(self.scope.hostel_id),), on_sqlalchemy=True)

    async def close(self, commit: bool) -> None:
        """End the request's transaction and give the connection back to the pool clean: no
        transaction open, no `app.*` setting left (they are transaction-local), no statement
        in flight. If that cannot be made sure of (an interrupted statement, a failed
        COMMIT/ROLLBACK, a cancellation here), the connection is discarded instead.

        A failed COMMIT of a read-write request is raised (the writes are lost); a read-only
        request has nothing to commit, so its answer stands."""
        self._closed = True
        if self._conn is None:
            return
        if self.read_only:
            # nothing to keep and nothing to report: the ROLLBACK goes out while the response
            # does (off the latency path); the connection returns to the pool once it is done
            _start_release(self._close(commit))
            return
        stats = current_stats.get()
        if stats is not None and self._maybe_began:
            stats.round_trips += 1  # the COMMIT or ROLLBACK the response waits for
        # shielded: a cancellation of the request while it ends must not leave the connection half-released
        await _release_in_background(self._close(commit))

    async def _close(self, commit: bool) -> None:
        # the lock: a statement of a resolver still running ends first (or is found interrupted)
        async with self.lock:
            if self._conn is None:
                return
            await self._release(commit)

    async def _release(self, commit: bool) -> None:
        conn, raw, session = self._conn, self._raw, self._session
        assert conn is not None  # callers check it under the lock
        began, maybe_began, in_flight = self._began, self._maybe_began, self._in_flight
        self._conn = self._raw = self._session = None
        self._began = self._maybe_began = False
        self._in_flight = 0
        await _release(
            conn,
            raw,
            in_flight,
            maybe_began,
            session,
            commit=commit and began and not self.read_only,
            read_only=self.read_only,
        )


async def _release(
    conn: AsyncConnection | PooledLease,
    raw: Any,
    in_flight: int,
    maybe_began: bool,
    session: AsyncSession | None,
    commit: bool,
    read_only: bool,
) -> None:
    clean = False
    try:
        if in_flight:
            raise _InDoubt("a statement was interrupted")
        if maybe_began:
            if session is not None:
                await session.close()
            if read_only or isinstance(conn, PooledLease):  # (a lease is only taken read-only)
                await raw.execute("ROLLBACK")  # read only: nothing to keep
            elif commit:
                await conn.commit()
            else:
                await conn.rollback()
        if raw is None or raw.is_in_transaction() or raw._protocol._is_cancelling():
            raise _InDoubt("the transaction is still open")
        clean = True
    except BaseException as exc:
        lost = not isinstance(exc, _InDoubt) and (conn.invalidated or is_disconnect(exc))
        if lost:  # the database went away: no traceback, the request says so (503)
            log.warning("connection discarded: the database connection was lost", extra={"error": repr(exc)})
        elif not isinstance(exc, _InDoubt):
            log.warning("connection discarded: ending its transaction failed", exc_info=exc)
        if commit and lost:
            # whether the COMMIT happened is unknown: the client retries with its idempotency key
            raise DatabaseUnavailable("the connection was lost before the COMMIT was answered") from exc
        if commit and not isinstance(exc, _InDoubt):
            raise
    finally:
        if clean:
            conn.info.pop(IN_USE, None)
            await conn.close()
        else:
            await _discard(conn, raw)


class _InDoubt(Exception):
    pass


async def _discard(conn: AsyncConnection | PooledLease, raw: Any) -> None:
    """Close a connection whose state is unknown and drop it from the pool."""
    try:
        if raw is not None:
            raw.terminate()  # synchronous: nothing can interrupt it
    except Exception:  # noqa: BLE001
        pass
    try:
        await conn.invalidate()
    except Exception:  # noqa: BLE001 - it stays marked IN_USE: the next checkout discards it
        log.warning("invalidating a connection failed", exc_info=True)
    finally:
        await conn.close()


def _setting(value: int | None) -> str:
    # ids only: they are interpolated into the read-only BEGIN statement
    return "" if value is None else str(int(value))


# ---- one hostel's counts, read outside the request's own scope ------------------------------

HOSTEL_READ_SQL = (
    SETUP_SQL_PREFIX + "set_config('app.hostel_id', $1, true), set_config('app.school_id', '', true), "
    "set_config('app.user_id', '', true), set_config('app.platform_read', '', true), "
    "(SELECT h.is_public AND h.active FROM hostels h WHERE h.id = $2)"
)


class HostelNotReadable(Exception):
    """The hostel does not exist, or is not public and active while only public ones may be read."""


@asynccontextmanager
async def hostel_read(engine: AsyncEngine, hostel_id: int, *, public_only: bool = True) -> AsyncIterator[Any]:
    """A short READ ONLY transaction on its own pooled connection, scoped to ONE hostel
    (`app.hostel_id`, nothing else: no user, school or platform reading), for computations
    whose callers receive only counts (public availability, a hostel admin's portfolio).

    It never widens the request's own scope: the request's transaction keeps its tenant, and
    this one sees exactly one hostel and can write nothing. With `public_only` (the default)
    it refuses (HostelNotReadable) unless the hostel is public and active; callers pass
    `public_only=False` only after checking that the caller holds a role in that hostel.
    Yields `run(sql, params) -> rows` (kit/sql.py `Run`); statements are counted
    in the request's stats like its own."""
    conn = await connect(engine)
    conn.info[IN_USE] = True
    raw: Any = None
    state = {"in_flight": 0}

    async def call(method: Any, *args: Any) -> Any:
        state["in_flight"] += 1
        try:
            result = await method(*args)
        except BaseException as exc:
            if is_disconnect(exc):
                connection_lost(engine)
            elif isinstance(exc, asyncpg.PostgresError):
                state["in_flight"] -= 1
            raise
        state["in_flight"] -= 1
        return result

    try:
        raw = (await conn.get_raw_connection()).driver_connection
        stats = current_stats.get()
        t0 = time.perf_counter()
        state["began"] = True
        await call(raw.execute, "BEGIN READ ONLY")
        row = await call(raw.fetchrow, HOSTEL_READ_SQL, str(int(hostel_id)), int(hostel_id))
        if stats is not None:
            stats.add("BEGIN READ ONLY; hostel scope", time.perf_counter() - t0, setup=True)
        public = row[4]
        if public is None or (public_only and not public):
            raise HostelNotReadable(hostel_id)

        async def run(sql: str, params: list[Any]) -> list[Any]:
            t1 = time.perf_counter()
            rows: list[Any] = await call(raw.fetch, sql, *params)
            if stats is not None:
                stats.add(sql, time.perf_counter() - t1)
            return rows

        yield run
    finally:
        # read only: nothing to keep; the connection returns clean or is discarded
        await _release_in_background(
            _release(conn, raw, state["in_flight"], bool(state.get("began")), None, commit=False, read_only=True)
        )
