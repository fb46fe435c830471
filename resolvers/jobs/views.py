"""What platform administrators see of the job queue, read inside the request's transaction
(`run(sql, params)`: kit/sql.py). The queue's tables are procrastinate's, not models: the kit's
planner cannot read them, so this is the smallest adapter (keyset by id, newest first, two
equality filters); schema/jobs.py wraps it in the kit's `Connection` types.

Only ids leave a job's arguments (`tenantId`, `day`), never other values; the last error is a
class and one line (resolvers/jobs/tasks.py `error_message`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from kit.sql import Run
from resolvers.jobs.tasks import SCHEMA

FINISHED = ("succeeded", "failed", "cancelled", "aborted")

LIST = f"""
SELECT j.id, j.task_name, j.status::text AS status, j.attempts, j.queue_name, j.args,
       COALESCE(j.scheduled_at, (SELECT min(e.at) FROM {SCHEMA}.procrastinate_events e
                                  WHERE e.job_id = j.id AND e.type = 'deferred')) AS scheduled_at,
       (SELECT max(e.at) FROM {SCHEMA}.procrastinate_events e WHERE e.job_id = j.id AND e.type = 'started') AS started_at,
       CASE WHEN j.status::text IN {FINISHED} THEN
         (SELECT max(e.at) FROM {SCHEMA}.procrastinate_events e
           WHERE e.job_id = j.id AND e.type::text IN {FINISHED}) END AS finished_at,
       x.message AS last_error
  FROM {SCHEMA}.procrastinate_jobs j LEFT JOIN {SCHEMA}.job_errors x ON x.job_id = j.id
 WHERE ($1::text IS NULL OR j.status::text = $1) AND ($2::text IS NULL OR j.task_name = $2)
   AND ($3::bigint IS NULL OR j.id < $3)
 ORDER BY j.id DESC
 LIMIT $4
"""

COUNT = f"""
SELECT count(*) FROM {SCHEMA}.procrastinate_jobs j
 WHERE ($1::text IS NULL OR j.status::text = $1) AND ($2::text IS NULL OR j.task_name = $2)
"""

DEPTH = f"SELECT status::text, count(*) FROM {SCHEMA}.procrastinate_jobs GROUP BY status"


@dataclass
class JobRow:
    id: int
    task_name: str
    status: str
    attempts: int
    queue: str
    tenant: tuple[str, int] | None  # ("School" | "Hostel", id) from the arguments
    day: dt.date | None
    scheduled_at: dt.datetime | None
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    last_error: str | None


def _tenant(args: dict[str, Any]) -> tuple[str, int] | None:
    for key, type_name in (("school_id", "School"), ("hostel_id", "Hostel")):
        if isinstance(args.get(key), int):
            return type_name, args[key]
    return None


def _day(args: dict[str, Any]) -> dt.date | None:
    try:
        return dt.date.fromisoformat(args["day"])
    except (KeyError, TypeError, ValueError):
        return None


def _row(r: Any) -> JobRow:
    import json

    args = r["args"] if isinstance(r["args"], dict) else json.loads(r["args"] or "{}")
    return JobRow(
        id=r["id"],
        task_name=r["task_name"],
        status=r["status"],
        attempts=r["attempts"],
        queue=r["queue_name"],
        tenant=_tenant(args),
        day=_day(args),
        scheduled_at=r["scheduled_at"],
        started_at=r["started_at"],
        finished_at=r["finished_at"],
        last_error=r["last_error"],
    )


async def list_jobs(
    run: Run, status: str | None, task_name: str | None, before_id: int | None, limit: int
) -> tuple[list[JobRow], bool]:
    """A page of jobs, newest first: (rows, whether more follow)."""
    rows = await run(LIST, [status, task_name, before_id, limit + 1])
    return [_row(r) for r in rows[:limit]], len(rows) > limit


async def count_jobs(run: Run, status: str | None, task_name: str | None) -> int:
    rows = await run(COUNT, [status, task_name])
    return int(rows[0][0])


async def get_job(run: Run, job_id: int) -> JobRow | None:
    rows = await run(LIST.replace("($3::bigint IS NULL OR j.id < $3)", "j.id = $3"), [None, None, job_id, 1])
    return _row(rows[0]) if rows else None


class NotRetryable(ValueError):
    pass


async def retry_failed(run: Run, job_id: int) -> None:
    """Put a failed job back in the queue now (procrastinate's own retry: attempts + 1, a
    `retried` event). LookupError: no such job; NotRetryable: it has not failed."""
    rows = await run(f"SELECT status::text FROM {SCHEMA}.procrastinate_jobs WHERE id = $1 FOR UPDATE", [job_id])
    if not rows:
        raise LookupError(job_id)
    if rows[0][0] != "failed":
        raise NotRetryable(rows[0][0])
    await run(f"SELECT {SCHEMA}.procrastinate_retry_job_v2($1, now(), NULL, NULL, NULL)", [job_id])


BY_QUEUE = (
    f"SELECT queue_name, status::text, count(*) FROM {SCHEMA}.procrastinate_jobs"
    " WHERE status IN ('todo', 'failed') GROUP BY 1, 2"
)


async def queue_stats(conn: Any) -> dict[str, dict[str, int]]:
    """For /metrics (gateway/metrics.py `set_job_stats_source`): jobs waiting and jobs failed
    for good, per queue: {"queued": {queue: n}, "failed": {queue: n}}."""
    out: dict[str, dict[str, int]] = {"queued": {}, "failed": {}}
    for queue, status, count in await conn.fetch(BY_QUEUE):
        out["queued" if status == "todo" else "failed"][queue] = count
    return out


async def queue_depth(conn: Any) -> dict[str, int]:
    """Jobs per status ({"todo": 3, "failed": 1, ...}) for metrics: `conn` is an asyncpg
    connection (or anything with `fetch(sql)`) of the application role."""
    return {status: count for status, count in await conn.fetch(DEPTH)}


__all__ = ["JobRow", "NotRetryable", "count_jobs", "get_job", "list_jobs", "queue_depth", "queue_stats", "retry_failed"]
