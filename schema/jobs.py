"""Background jobs for platform administrators: `backgroundJobs` (status, attempts, times, last
error) and `backgroundJobRetry` for a failed job. Hand-written: the queue's tables are
procrastinate's (resolvers/jobs/views.py), not declared models; the page uses the kit's
`Connection`/`PageInfo` types and the page-size settings, with an id keyset (newest first)."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import enum

import strawberry
from strawberry.types import Info

from auth.permissions import PLATFORM, declare, roles
from kit.connection import Connection, Edge, PageInfo
from kit.errors import BadInput, ErrorCode, UserError, authorize
from kit.ids import InvalidId, decode_gid, encode_gid
from resolvers.jobs import views

RULE = roles(*PLATFORM, description="platform administrators (SUPER_ADMIN, PLATFORM_ADMIN)")
TYPE = "BackgroundJob"


@strawberry.enum(description="Where a background job is in its life.")
class BackgroundJobStatus(enum.Enum):
    TODO = "todo"
    DOING = "doing"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    ABORTED = "aborted"


@strawberry.type(description="A background job (resolvers/jobs/): a daily task of one tenant, or the scheduler's own.")
class BackgroundJob:
    id: strawberry.ID
    task_name: str = strawberry.field(description="accrue_late_fees, compute_analytics, dispatch_daily, retry_stalled.")
    status: BackgroundJobStatus
    attempts: int = strawberry.field(
        description="Runs so far: each ended run, each run cut short (its worker died) and each manual retry count one."
    )
    queue: str
    tenant_id: strawberry.ID | None = strawberry.field(description="The School or Hostel the job works for.")
    day: dt.date | None = strawberry.field(description="The tenant's local day the job works on.")
    scheduled_at: dt.datetime | None = strawberry.field(description="When it was queued, or is due to run (a retry).")
    started_at: dt.datetime | None = strawberry.field(description="When its latest run started.")
    finished_at: dt.datetime | None = strawberry.field(description="When it ended (succeeded, failed, cancelled).")
    last_error: str | None = strawberry.field(description="The error of its latest failed run: class and message.")

    @staticmethod
    def of(row: views.JobRow) -> "BackgroundJob":
        return BackgroundJob(
            id=strawberry.ID(encode_gid(TYPE, row.id)),
            task_name=row.task_name,
            status=BackgroundJobStatus(row.status) if row.status != "aborting" else BackgroundJobStatus.DOING,
            attempts=row.attempts,
            queue=row.queue,
            tenant_id=strawberry.ID(encode_gid(*row.tenant)) if row.tenant else None,
            day=row.day,
            scheduled_at=row.scheduled_at,
            started_at=row.started_at,
            finished_at=row.finished_at,
            last_error=row.last_error,
        )


@strawberry.input(description="Which background jobs to list (both: jobs matching both).")
class BackgroundJobFilter:
    status: BackgroundJobStatus | None = None
    task_name: str | None = None


def _cursor(pk: int) -> str:
    return base64.b64encode(f"job:{pk}".encode()).decode()


def _after(cursor: str | None) -> int | None:
    if cursor is None:
        return None
    try:
        kind, _, digits = base64.b64decode(cursor, validate=True).decode().partition(":")
    except (ValueError, binascii.Error, UnicodeDecodeError):
        kind, digits = "", ""
    if kind != "job" or not digits.isdigit() or len(digits) > 19:
        raise BadInput("after is not a cursor of backgroundJobs.")
    return int(digits)


@strawberry.type
class Query:
    @strawberry.field(description="The background jobs, newest first. Platform administrators only.")
    async def background_jobs(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: BackgroundJobFilter | None = None,  # noqa: A002
    ) -> Connection[BackgroundJob]:
        authorize(info, RULE)
        ctx = info.context
        limit = ctx.settings.default_page_size if first is None else first
        if not 0 <= limit <= ctx.settings.max_page_size:
            raise BadInput(f"first must be between 0 and {ctx.settings.max_page_size}, got {limit}.")
        status = filter.status.value if filter and filter.status else None
        task = filter.task_name if filter else None
        rows, more = await views.list_jobs(ctx.db.fetch, status, task, _after(after), limit)
        total = await views.count_jobs(ctx.db.fetch, status, task)  # one cheap count, whatever the selection
        nodes = [BackgroundJob.of(r) for r in rows]
        edges = [Edge(cursor=_cursor(r.id), node=n) for r, n in zip(rows, nodes)]
        return Connection(
            edges=edges,
            nodes=nodes,
            page_info=PageInfo(
                has_next_page=more,
                has_previous_page=after is not None,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
            total_count=total,
        )


@strawberry.input(description="The failed job to run again.")
class BackgroundJobRetryInput:
    id: strawberry.ID


@strawberry.type(description="What backgroundJobRetry did.")
class BackgroundJobRetryPayload:
    background_job: BackgroundJob | None = strawberry.field(description="The job as it is now; null on errors.")
    errors: list[UserError] = strawberry.field(description="Why nothing was changed; empty on success.")


def _error(code: ErrorCode, message: str) -> BackgroundJobRetryPayload:
    return BackgroundJobRetryPayload(
        background_job=None, errors=[UserError(field=["input", "id"], code=code, message=message)]
    )


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Queue a failed background job again, to run now (its attempts go up by one). Platform administrators only."
    )
    async def background_job_retry(self, info: Info, input: BackgroundJobRetryInput) -> BackgroundJobRetryPayload:  # noqa: A002
        authorize(info, RULE)
        run = info.context.db.fetch
        try:
            kind, pk = decode_gid(str(input.id))
        except InvalidId:
            kind, pk = "", 0
        if kind != TYPE:
            return _error(ErrorCode.NOT_FOUND, "No BackgroundJob with this ID.")
        try:
            await views.retry_failed(run, pk)
        except LookupError:
            return _error(ErrorCode.NOT_FOUND, "No BackgroundJob with this ID.")
        except views.NotRetryable as exc:
            return _error(ErrorCode.INVALID, f"Only a failed job can be retried; this one is {exc.args[0]}.")
        row = await views.get_job(run, pk)
        return BackgroundJobRetryPayload(background_job=BackgroundJob.of(row) if row else None, errors=[])


mutations = (Mutation,)

declare("Query.backgroundJobs", RULE)
declare("Mutation.backgroundJobRetry", RULE)
