"""The job queue's app, its tasks and the worker (see the package's docstring).

When things run:
- `dispatch_daily`, every 10 minutes (procrastinate's periodic tasks; one worker defers each
  tick): for every school whose local day has begun and has no accrual job for that day yet,
  `accrue_late_fees(school_id, day)`; likewise `compute_analytics(hostel_id, day)` for every
  active hostel. So each tenant's work starts within 10 minutes of its local midnight.
- `retry_stalled`, every minute, and at every worker's start: a job left `doing` by a worker
  that stopped beating (killed, host lost) is put back in the queue.
- `prune_jobs`, hourly: succeeded jobs are deleted after an hour (the scheduler's own) or a
  week (the others); failed ones stay until retried.
- `prune_persisted_queries`, daily: persisted queries (APQ) no gateway process has seen for
  PERSISTED_QUERY_DAYS are deleted (a client that still has one registers it again).
- `prune_rate_limits`, hourly: rate-limit buckets of windows that ended are deleted.

Every task is idempotent (the accrual charges a day once, analytics replace their rows), runs
in ONE transaction scoped to its tenant (`scoped`), and is retried with exponential backoff
(3, 9, 27 ... seconds, 8 attempts) unless it refuses its arguments (`JobRefused`: no retry).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import procrastinate
from procrastinate.exceptions import AlreadyEnqueued
from procrastinate.retry import RetryDecision, RetryStrategy
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from kit import clock
from kit.ratelimit import PRUNE_SQL
from kit.settings import get_settings

log = logging.getLogger(__name__)

SCHEMA = "procrastinate"
DAILY_QUEUE = "daily"  # the tenants' daily work
SCHEDULE_QUEUE = "schedule"  # the periodic dispatcher and the stalled-job recovery
DISPATCH_LOCK = 0x6A6F6273  # pg advisory lock key ("jobs"): one dispatcher at a time


class JobRefused(ValueError):
    """The job's arguments can never succeed (no such tenant, a day not begun): failed at once."""


class Backoff(RetryStrategy):
    """Exponential backoff, except for arguments that will never work."""

    def get_retry_decision(self, *, exception: BaseException, job: Any) -> RetryDecision | None:
        if isinstance(exception, JobRefused):
            return None
        return super().get_retry_decision(exception=exception, job=job)


RETRY = Backoff(max_attempts=8, exponential_wait=3)

# The connector is replaced by `opened` (the URL is known at run time, not at import).
# `import_paths`: modules of other domains declaring their tasks beside their work (importing
# them here would be a circle); procrastinate imports them when a worker starts.
app = procrastinate.App(
    connector=procrastinate.PsycopgConnector(),
    import_paths=[
        "resolvers.notification.delivery",
        "resolvers.notification.escalation",
        "resolvers.file_management.images",
        "resolvers.complaint.sla",
        "resolvers.complaint.analytics",
        "resolvers.announcement.publishing",
        "resolvers.announcement.scheduling",
        "resolvers.announcement.tracking",
        "resolvers.maintenance.jobs",
        "resolvers.file_management.ocr",
        "resolvers.file_management.expiry",
        "resolvers.file_management.analytics",
    ],
)


def libpq_url(url: str) -> str:
    """The gateway's SQLAlchemy URL (postgresql+asyncpg://...) as libpq (psycopg) reads it."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def asyncpg_url(url: str) -> str:
    return url if "+asyncpg" in url else url.replace("postgresql://", "postgresql+asyncpg://", 1)


class _Open:
    engine: AsyncEngine | None = None


@asynccontextmanager
async def opened(url: str, pool_size: int = 4) -> AsyncIterator[procrastinate.App]:
    """The app open on `url` (the application role): procrastinate's psycopg pool (search path:
    its schema) for the queue, and an asyncpg engine for the tasks' work."""
    connector = procrastinate.PsycopgConnector(
        conninfo=libpq_url(url),
        min_size=1,
        max_size=pool_size,
        kwargs={"options": f"-c search_path={SCHEMA}", "application_name": "campus-worker"},
    )
    engine = create_async_engine(
        asyncpg_url(url),
        pool_size=pool_size,
        max_overflow=2,
        connect_args={"server_settings": {"application_name": "campus-worker", "timezone": "UTC"}},
    )
    previous, _Open.engine = _Open.engine, engine
    try:
        with app.replace_connector(connector):
            async with app.open_async():
                yield app
    finally:
        _Open.engine = previous
        await engine.dispose()


def _engine() -> AsyncEngine:
    if _Open.engine is None:
        raise RuntimeError("the job app is not open: use `async with opened(url)`")
    return _Open.engine


@asynccontextmanager
async def scoped(*, school_id: int | None = None, hostel_id: int | None = None) -> AsyncIterator[AsyncConnection]:
    """One transaction scoped like a request of that tenant (kit/db.py's settings: row-level
    security sees that school or hostel only, no user, no platform reading). An exception rolls
    back everything the job wrote."""
    async with _engine().begin() as conn:
        await conn.execute(
            text(
                "SELECT set_config('app.user_id', '', true), set_config('app.school_id', :school, true), "
                "set_config('app.hostel_id', :hostel, true), set_config('app.platform_read', '', true)"
            ),
            {
                "school": "" if school_id is None else str(int(school_id)),
                "hostel": "" if hostel_id is None else str(int(hostel_id)),
            },
        )
        yield conn


def error_message(exc: BaseException) -> str:
    """What platform administrators see of a failure: the error's class and first line, no
    stack, no SQL statement or parameters (SQLAlchemy's text carries both)."""
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        exc = exc.orig
        message = str(exc).rsplit(">: ", 1)[-1]  # the adapter prefixes the driver's class
        name = type(getattr(exc, "__cause__", None) or exc).__name__
    else:
        message, name = str(exc), type(exc).__name__
    first = message.strip().splitlines()[0] if message.strip() else ""
    return f"{name}: {first}"[:500] if first else name


async def _record_error(job_id: int, attempt: int, exc: BaseException) -> None:
    try:
        async with _engine().begin() as conn:
            await conn.execute(
                text(
                    f"INSERT INTO {SCHEMA}.job_errors (job_id, attempt, message) VALUES (:job, :attempt, :message) "
                    "ON CONFLICT (job_id) DO UPDATE SET attempt = EXCLUDED.attempt, message = EXCLUDED.message, at = now()"
                ),
                {"job": job_id, "attempt": attempt, "message": error_message(exc)},
            )
    except Exception:  # noqa: BLE001 - the job's own failure is what procrastinate must record
        log.warning("could not record a job's error", exc_info=True, extra={"job_id": job_id})


async def _run(context: procrastinate.JobContext, work: Any) -> None:
    """Run a task's work; on failure keep its message for the GraphQL view, then let
    procrastinate retry (or fail) the job."""
    try:
        await work()
    except Exception as exc:
        job = context.job
        assert job.id is not None  # a job that runs was stored
        await _record_error(job.id, job.attempts + 1, exc)
        raise


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise JobRefused(f"{value!r} is not a date (YYYY-MM-DD)") from exc


async def _local_today(table: str, pk: int) -> dt.date:
    async with _engine().begin() as conn:
        await conn.execute(text("SELECT set_config('app.platform_read', 'on', true)"))
        zone = (await conn.execute(text(f"SELECT time_zone FROM {table} WHERE id = :id"), {"id": pk})).scalar()
    if zone is None:
        raise JobRefused(f"no row {pk} in {table}")
    return clock.today_in(zone)


@app.task(name="accrue_late_fees", queue=DAILY_QUEUE, retry=RETRY, pass_context=True)
async def accrue_late_fees(context: procrastinate.JobContext, school_id: int, day: str) -> None:
    """The late-fee accrual of one school for one of its local days (resolvers/fees/accrual.py);
    idempotent: a day is charged once."""
    from resolvers.fees.accrual import accrue_school

    on = _day(day)

    async def work() -> None:
        if on > await _local_today("schools", school_id):
            raise JobRefused(f"{on.isoformat()} has not begun at school {school_id}")
        async with scoped(school_id=school_id) as conn:
            count, total = await accrue_school(conn, school_id, on)
        log.info(
            "late fees accrued", extra={"school_id": school_id, "assignments": count, "total": str(total), "date": day}
        )

    await _run(context, work)


@app.task(name="compute_analytics", queue=DAILY_QUEUE, retry=RETRY, pass_context=True)
async def compute_analytics(context: procrastinate.JobContext, hostel_id: int, day: str) -> None:
    """The derived analytics of one hostel as of one of its local days
    (resolvers/hostel/analytics.py); idempotent: computing again replaces the rows."""
    from resolvers.hostel.analytics import compute, peer_reader

    as_of = _day(day)

    async def work() -> None:
        if as_of > await _local_today("hostels", hostel_id):
            raise JobRefused(f"{as_of.isoformat()} has not begun at hostel {hostel_id}")
        async with scoped(hostel_id=hostel_id) as conn:

            async def run(sql: str, params: list[Any]) -> list[Any]:
                result = await conn.exec_driver_sql(sql, tuple(params))
                return list(result.all()) if result.returns_rows else []

            summary = await compute(run, hostel_id, as_of, peer_reader(_engine()))
        log.info("analytics computed", extra={"hostel_id": hostel_id, "date": day, "rows": sum(summary.rows.values())})

    await _run(context, work)


# ---- the periodic dispatcher ----------------------------------------------------------------------

DAILY_TASKS = (
    ("accrue_late_fees", "school_id", "schools", ""),
    ("compute_analytics", "hostel_id", "hostels", " WHERE active"),
)


async def dispatch(now: dt.datetime | None = None, queue: str = DAILY_QUEUE) -> list[tuple[str, int, str]]:
    """Enqueue each tenant's daily job for its local day at `now`, unless that day already has
    one (any state but cancelled/aborted: a failed one waits for an administrator's retry).
    Dispatchers take turns on an advisory lock, so two at once enqueue each job once. Returns
    what it enqueued: (task, tenant id, day)."""
    now = now or dt.datetime.now(dt.UTC)
    enqueued: list[tuple[str, int, str]] = []
    async with _engine().connect() as conn:
        await conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": DISPATCH_LOCK})
        await conn.commit()
        try:
            wanted: list[tuple[str, str, int, str]] = []
            async with conn.begin():
                await conn.execute(text("SELECT set_config('app.platform_read', 'on', true)"))
                for task, key, table, where in DAILY_TASKS:
                    for pk, zone in (
                        await conn.execute(text(f"SELECT id, time_zone FROM {table}{where} ORDER BY id"))
                    ).all():
                        wanted.append((task, key, pk, clock.today_in(zone, now).isoformat()))
                done = {
                    (row.task_name, row.tenant, row.day)
                    for row in await conn.execute(
                        text(
                            f"SELECT task_name, COALESCE(args->>'school_id', args->>'hostel_id') AS tenant, "
                            f"args->>'day' AS day FROM {SCHEMA}.procrastinate_jobs "
                            "WHERE task_name IN ('accrue_late_fees', 'compute_analytics') "
                            "AND status NOT IN ('cancelled', 'aborted') AND args->>'day' = ANY(:days)"
                        ),
                        {"days": sorted({w[3] for w in wanted})},
                    )
                }
            for task, key, pk, day in wanted:
                if (task, str(pk), day) in done:
                    continue
                try:
                    await (
                        app.tasks[task]
                        .configure(queue=queue, queueing_lock=f"{task}:{pk}:{day}")
                        .defer_async(**{key: pk, "day": day})
                    )
                except AlreadyEnqueued:  # a dispatcher that does not take the lock (an older one)
                    continue
                enqueued.append((task, pk, day))
        finally:
            await conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": DISPATCH_LOCK})
            await conn.commit()
    if enqueued:
        log.info("daily jobs enqueued", extra={"jobs": len(enqueued)})
    return enqueued


@app.periodic(cron="*/10 * * * *")
@app.task(name="dispatch_daily", queue=SCHEDULE_QUEUE, queueing_lock="dispatch_daily", retry=RETRY)
async def dispatch_daily(timestamp: int) -> None:
    await dispatch(dt.datetime.fromtimestamp(timestamp, dt.UTC))


async def recover_stalled(stalled_seconds: float) -> list[int]:
    """Put back in the queue every job left `doing` by a worker silent for `stalled_seconds`
    (killed mid-job: its transaction died with its connection, so the job is run again)."""
    ids = []
    for job in await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=stalled_seconds):
        await app.job_manager.retry_job(job)
        assert job.id is not None
        ids.append(job.id)
    if ids:
        log.warning("stalled jobs put back in the queue", extra={"jobs": ids})
    return ids


@app.periodic(cron="* * * * *")
@app.task(name="retry_stalled", queue=SCHEDULE_QUEUE, queueing_lock="retry_stalled", pass_context=True)
async def retry_stalled(context: procrastinate.JobContext, timestamp: int) -> None:
    await recover_stalled(context.additional_context.get("stalled_seconds", 60.0))


KEEP_HOURS = {SCHEDULE_QUEUE: 1, None: 24 * 7}  # succeeded jobs kept: the scheduler's an hour, others a week


async def prune(queue: str | None = None, hours: int | None = None) -> None:
    """Delete succeeded jobs older than their queue's keeping time (failed ones stay until an
    administrator retries them). Keeps the list readable; the dispatcher only looks at today."""
    if queue is not None:
        await app.job_manager.delete_old_jobs(nb_hours=hours if hours is not None else KEEP_HOURS[None], queue=queue)
        return
    await app.job_manager.delete_old_jobs(nb_hours=KEEP_HOURS[SCHEDULE_QUEUE], queue=SCHEDULE_QUEUE)
    await app.job_manager.delete_old_jobs(nb_hours=KEEP_HOURS[None])


@app.periodic(cron="7 * * * *")
@app.task(name="prune_jobs", queue=SCHEDULE_QUEUE, queueing_lock="prune_jobs", retry=RETRY)
async def prune_jobs(timestamp: int) -> None:
    await prune()


PERSISTED_QUERY_DAYS = 30


async def prune_persisted(days: int = PERSISTED_QUERY_DAYS) -> int:
    """Delete the persisted queries unseen for `days` (each process refreshes `last_seen` of
    the hashes it serves daily, gateway/graphql_http.py); returns how many."""
    async with _engine().begin() as conn:
        result = await conn.execute(
            text("DELETE FROM persisted_queries WHERE last_seen < now() - make_interval(days => :days)"),
            {"days": int(days)},
        )
        return int(result.rowcount or 0)


@app.periodic(cron="23 2 * * *")
@app.task(name="prune_persisted_queries", queue=SCHEDULE_QUEUE, queueing_lock="prune_persisted_queries", retry=RETRY)
async def prune_persisted_queries(timestamp: int) -> None:
    await prune_persisted()


async def prune_rate_limits(window_seconds: int | None = None) -> int:
    """Delete rate-limit buckets of windows long over (kit/ratelimit.py); how many went."""
    window = window_seconds or get_settings().rate_limit_window_seconds
    async with _engine().begin() as conn:
        result = await conn.exec_driver_sql(PRUNE_SQL, (window,))
    return int(result.rowcount)


@app.periodic(cron="17 * * * *")
@app.task(name="prune_rate_limits", queue=SCHEDULE_QUEUE, queueing_lock="prune_rate_limits", retry=RETRY)
async def prune_rate_limits_job(timestamp: int) -> None:
    await prune_rate_limits()


async def run_worker(
    url: str,
    *,
    queues: list[str] | None = None,
    wait: bool = True,
    concurrency: int = 2,
    heartbeat_seconds: float = 10.0,
    stalled_seconds: float = 60.0,
    install_signal_handlers: bool = True,
    shutdown_seconds: float = 30.0,
) -> None:
    """A worker on `url` until stopped (SIGTERM/SIGINT with the handlers, or cancelled): first
    the jobs of stalled workers go back in the queue, then it runs jobs and the periodic ones.
    With `wait=False` it stops once the queues are empty. Stopped, it takes no new job and gives
    its running jobs `shutdown_seconds` to finish; procrastinate then aborts them and, the abort
    being a shutdown's, retries them (RETRY): they go back to the queue, none is lost."""
    async with opened(url, pool_size=concurrency + 3):
        await recover_stalled(stalled_seconds)
        await app.run_worker_async(
            queues=queues,
            wait=wait,
            concurrency=concurrency,
            name="campus-worker",
            update_heartbeat_interval=heartbeat_seconds,
            stalled_worker_timeout=stalled_seconds,
            install_signal_handlers=install_signal_handlers,
            additional_context={"stalled_seconds": stalled_seconds},
            shutdown_graceful_timeout=shutdown_seconds,
        )


async def stop(task: asyncio.Task[None]) -> None:
    """Stop an in-process worker (`campus serve`): cancelling lets procrastinate end its running
    jobs' waits and unregister; jobs cut short are run again (idempotent)."""
    task.cancel()
    try:
        await task
    except (asyncio.CancelledError, Exception):  # noqa: BLE001 - shutting down: logged by procrastinate
        pass


__all__ = [
    "JobRefused",
    "accrue_late_fees",
    "app",
    "compute_analytics",
    "dispatch",
    "opened",
    "prune",
    "recover_stalled",
    "run_worker",
    "scoped",
]
