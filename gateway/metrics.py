"""Prometheus metrics on /metrics (prometheus-client).

What is measured, once per /graphql request (never per SQL statement, so the cost stays a few
counter updates per request):

- `campus_graphql_requests_total{operation,outcome}` and
  `campus_graphql_request_duration_seconds{operation}`: one per HTTP request to /graphql.
- `campus_sql_statements_per_request` and `campus_sql_seconds_per_request`: the request's
  QueryStats (kit/db.py), setup statements (identity, tenant scope) included.
- `campus_db_pool_*`: the connection pool, read when scraped.
- `campus_login_failures_total{reason}`, `campus_login_lockouts_total` (auth/metrics.py).
- `campus_jobs_queued{queue}`, `campus_jobs_failed{queue}`: read at scrape time from the
  job queue through `set_job_stats_source` (wired by the job queue's package).

The `operation` label is bounded: only the name of an operation that parsed and validated
against the schema is used (`anonymous` when it has none, `batch` for a batch, `unknown` when
the request was refused before an operation was chosen), and only the first
METRICS_MAX_OPERATIONS distinct names of a process get their own series; later names share
`other`. A validated name is still the client's choice (any `query X1 { __typename }`
validates), so the cap is what keeps a hostile client from growing the label set; the names
of the real clients are seen first, at start-up.

Several worker processes (`WORKERS`/`--workers` > 1): set PROMETHEUS_MULTIPROC_DIR to an
empty folder before the server starts (prometheus-client reads it when it is imported); each
worker then writes its values there and any worker's /metrics sums all of them. The pool
figures are then sampled each second per worker into gauges summed over live workers.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from starlette.requests import Request
from starlette.responses import Response

from auth.metrics import LOGIN_FAILURES, LOGIN_LOCKOUTS  # noqa: F401 - registered with REGISTRY on import
from gateway.http_errors import error_response
from kit import db
from kit.settings import Settings

log = logging.getLogger("gateway.metrics")

MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))

REQUESTS = Counter(
    "campus_graphql_requests",
    "GraphQL requests by operation name and outcome "
    "(ok; error: the answer carries GraphQL errors; internal: an unexpected error was masked; "
    "invalid: refused before execution, e.g. a document that does not validate; "
    "cancelled: the client went away first; unavailable: the database could not be reached; "
    "shed: refused before it started, the server being busy).",
    ["operation", "outcome"],
)
DURATION = Histogram(
    "campus_graphql_request_duration_seconds",
    "Time to answer a GraphQL request (identity, execution and commit), by operation name.",
    ["operation"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
SQL_STATEMENTS = Histogram(
    "campus_sql_statements_per_request",
    "SQL statements a GraphQL request ran (the identity and tenant-scope statements included).",
    buckets=(0, 1, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 50, 100),
)
SQL_SECONDS = Histogram(
    "campus_sql_seconds_per_request",
    "Time a GraphQL request spent waiting for its SQL statements.",
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0, 30.0),
)

# ---- faults (issue 17): the database going away, load shedding, timeouts --------------------------

UNAVAILABLE = Counter(
    "campus_db_unavailable",
    "Requests (where=database: answered 503) or fields (where=field: SERVICE_UNAVAILABLE) that "
    "could not be served because the database could not be reached.",
    ["where"],
)
DISCONNECTS = Counter(
    "campus_db_disconnects",
    "Dead database connections met by requests (each replaces the pool's older connections).",
)
RETRIES = Counter(
    "campus_db_retries",
    "Reads sent again on a fresh connection after the pooled one was found dead.",
)
SHED = Counter(
    "campus_requests_shed",
    "Requests refused with 503 before they started: reason queue_full, queue_timeout "
    "(waited QUEUE_WAIT_MS for a slot) or pool_timeout (waited DB_POOL_TIMEOUT_MS for a connection); "
    "caller user or anonymous.",
    ["reason", "caller"],
)
QUEUE_WAIT = Histogram(
    "campus_request_queue_seconds",
    "Time an admitted /graphql request waited for a slot (MAX_IN_FLIGHT) before it started.",
    buckets=(0.0, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
TIMEOUTS = Counter(
    "campus_statement_timeouts",
    "Statements PostgreSQL stopped at DB_STATEMENT_TIMEOUT_MS (answered with code TIMEOUT).",
)


def record_unavailable(where: str) -> None:
    UNAVAILABLE.labels(where).inc()


def record_shed(reason: str, caller: str) -> None:
    SHED.labels(reason, caller).inc()


def record_queue_wait(seconds: float) -> None:
    QUEUE_WAIT.observe(seconds)


def record_timeout() -> None:
    TIMEOUTS.inc()


db.on_disconnect.append(DISCONNECTS.inc)
db.on_retry.append(RETRIES.inc)


ANONYMOUS, BATCH, UNKNOWN, OTHER = "anonymous", "batch", "unknown", "other"
MAX_LABEL_LENGTH = 100


class OperationLabels:
    """The `operation` label of validated operation names, capped per process."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.known: set[str] = set()

    def __call__(self, name: str | None) -> str:
        if not name:
            return ANONYMOUS
        name = name[:MAX_LABEL_LENGTH]
        if name in self.known:
            return name
        if len(self.known) >= self.limit:
            return OTHER
        self.known.add(name)
        return name


def record_request(operation: str, outcome: str, seconds: float, statements: int, sql_seconds: float) -> None:
    REQUESTS.labels(operation, outcome).inc()
    DURATION.labels(operation).observe(seconds)
    SQL_STATEMENTS.observe(statements)
    SQL_SECONDS.observe(sql_seconds)


# ---- the connection pool -------------------------------------------------------------------------


def pool_figures(pool: Any) -> dict[str, int]:
    """In use, idle, overflow and waiting connections of a SQLAlchemy QueuePool (async adapted)."""
    # Waiting: tasks blocked on the pool's queue (all connections out, overflow used up).
    # SQLAlchemy has no public count for it: read the asyncio.Queue's waiters, without creating
    # the queue when the pool has not made it yet (it is created lazily on the event loop).
    inner = getattr(pool, "_pool", None)
    queue = vars(inner).get("_queue") if inner is not None else None
    getters = getattr(queue, "_getters", None) or ()
    return {
        "in_use": int(pool.checkedout()),
        "idle": int(pool.checkedin()),
        "overflow": max(0, int(pool.overflow())),
        "size": int(pool.size()),
        "waiting": sum(1 for g in getters if not g.done()),
    }


POOL_HELP = {
    "in_use": "Database connections held by requests now.",
    "idle": "Database connections open in the pool, not in use.",
    "overflow": "Connections open beyond DB_POOL_SIZE (up to DB_POOL_OVERFLOW).",
    "size": "The pool's size (DB_POOL_SIZE) per worker.",
    "waiting": "Requests waiting for a connection (every connection in use, the overflow used up).",
}


ADMISSION_HELP = {
    "in_flight": "/graphql requests running now (at most MAX_IN_FLIGHT).",
    "queued": "/graphql requests waiting for a slot (at most MAX_QUEUED).",
}


def admission_figures(admission: Any) -> dict[str, int]:
    if admission is None:
        return {}
    return {"in_flight": admission.running, "queued": admission.waiting}


class PoolCollector:
    """Reads the pool (and the admission) when scraped: exact, and nothing is done per request
    (one process)."""

    def __init__(self, pool: Any, owner: "Metrics") -> None:
        self.pool = pool
        self.owner = owner

    def collect(self) -> Iterator[Metric]:
        for key, value in pool_figures(self.pool).items():
            yield GaugeMetricFamily(f"campus_db_pool_connections_{key}", POOL_HELP[key], value=value)
        for key, value in admission_figures(self.owner.admission).items():
            yield GaugeMetricFamily(f"campus_requests_{key}", ADMISSION_HELP[key], value=value)


_pool_gauges: dict[str, Gauge] = {}


def _multiprocess_pool_gauges() -> dict[str, Gauge]:
    # summed over the workers that are alive (their files are removed when they stop: shutdown())
    if not _pool_gauges:
        for key, help_text in POOL_HELP.items():
            _pool_gauges[key] = Gauge(
                f"campus_db_pool_connections_{key}", help_text, multiprocess_mode="livesum", registry=None
            )
        for key, help_text in ADMISSION_HELP.items():
            _pool_gauges[key] = Gauge(f"campus_requests_{key}", help_text, multiprocess_mode="livesum", registry=None)
    return _pool_gauges


# ---- jobs (the job queue's package wires its source after the merge) ------------------------------

JobStats = Mapping[str, Mapping[str, int]]  # {"queued": {queue: n}, "failed": {queue: n}}
_job_stats_source: Callable[[], Awaitable[JobStats]] | None = None


def set_job_stats_source(source: Callable[[], Awaitable[JobStats]] | None) -> None:
    """Hook for the job queue: `source()` reads, from the database, the jobs waiting per queue
    (`queued`) and the jobs that failed for good per queue (`failed`). It is called at scrape
    time, so the figures are the same whichever process or host answers the scrape."""
    global _job_stats_source
    _job_stats_source = source


class _Fixed:
    def __init__(self, metrics: list[Metric]) -> None:
        self.metrics = metrics

    def collect(self) -> Iterator[Metric]:
        return iter(self.metrics)


async def _job_metrics() -> list[Metric]:
    if _job_stats_source is None:
        return []
    try:
        stats = await asyncio.wait_for(_job_stats_source(), timeout=5)
    except Exception:  # noqa: BLE001 - a scrape still answers with the other metrics
        log.warning("reading the job queue's figures failed", exc_info=True)
        return []
    out: list[Metric] = []
    for key, help_text in (
        ("queued", "Jobs waiting to run, by queue."),
        ("failed", "Jobs that failed for good (retries used up), by queue."),
    ):
        family = GaugeMetricFamily(f"campus_jobs_{key}", help_text, labels=["queue"])
        for queue, count in sorted((stats.get(key) or {}).items()):
            family.add_metric([queue], count)
        out.append(family)
    return out


# ---- the endpoint --------------------------------------------------------------------------------


class Metrics:
    """What one app exposes: the process-wide metrics plus its own pool."""

    def __init__(self, settings: Settings, engine: Any) -> None:
        self.settings = settings
        self.operation_label = OperationLabels(settings.metrics_max_operations)
        self.pool = engine.pool
        self.admission: Any = None  # the endpoint's (gateway/limits.py Admission), set by the app
        self.local = CollectorRegistry()
        if not MULTIPROCESS:
            self.local.register(PoolCollector(self.pool, self))

    def _authorized(self, request: Request) -> Response | None:
        """Development: open. Production: only with METRICS_TOKEN, sent as a bearer token; without
        the setting /metrics is not served at all (the public port shows nothing of the inside)."""
        if not self.settings.production:
            return None
        token = self.settings.metrics_token
        if not token:
            return error_response(404, "No such page.", "NOT_FOUND")
        scheme, _, sent = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(sent.strip().encode(), token.encode()):
            return error_response(
                401,
                "Send METRICS_TOKEN as Authorization: Bearer <token>.",
                "UNAUTHENTICATED",
                {"WWW-Authenticate": "Bearer"},
            )
        return None

    async def endpoint(self, request: Request) -> Response:
        refused = self._authorized(request)
        if refused is not None:
            return refused
        jobs = CollectorRegistry()
        jobs.register(_Fixed(await _job_metrics()))
        if MULTIPROCESS:
            self.sample_pool()  # this worker's figures are fresh; the others' at most a second old
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            body = generate_latest(registry)
        else:
            body = generate_latest(REGISTRY) + generate_latest(self.local)
        return Response(body + generate_latest(jobs), media_type=CONTENT_TYPE_LATEST)

    def sample_pool(self) -> None:
        figures = {**pool_figures(self.pool), **admission_figures(self.admission)}
        for key, value in figures.items():
            _multiprocess_pool_gauges()[key].set(value)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """The app's lifespan part: under several workers, sample the pool each second."""
        if not MULTIPROCESS:
            yield
            return

        async def sample() -> None:
            while True:
                self.sample_pool()
                await asyncio.sleep(1)

        task = asyncio.create_task(sample())
        try:
            yield
        finally:
            task.cancel()
            # a stopped worker's pool gauges no longer count (live* modes)
            multiprocess.mark_process_dead(os.getpid())
