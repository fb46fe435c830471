"""File analytics: each file's use computed from the access log, favourites and versions, never
typed in. Daily by the job `compute_file_analytics` (every active hostel), on demand for one
file with `fileAnalyticsRefresh` (hostel staff). Computing again replaces the row (one per file,
a unique key), so the job is idempotent."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy import text

import models
from kit.workflow import Ref
from resolvers.file_management.service import _in_hostel
from resolvers.jobs.tasks import RETRY, SCHEDULE_QUEUE, _engine, app, scoped

log = logging.getLogger(__name__)

COMPUTE = text(
    "INSERT INTO file_analytics (hostel_id, file_id, downloads_total, downloads_30_days, unique_downloaders, "
    "  favorites, versions, bytes_stored, last_downloaded_at, computed_at) "
    "SELECT f.hostel_id, f.id, "
    "  (SELECT count(*) FROM file_access_logs l WHERE l.hostel_id = f.hostel_id AND l.file_id = f.id), "
    "  (SELECT count(*) FROM file_access_logs l WHERE l.hostel_id = f.hostel_id AND l.file_id = f.id "
    "     AND l.created_at > CAST(:now AS timestamptz) - interval '30 days'), "
    "  (SELECT count(DISTINCT l.user_id) FROM file_access_logs l WHERE l.hostel_id = f.hostel_id AND l.file_id = f.id), "
    "  (SELECT count(*) FROM file_favorites v WHERE v.hostel_id = f.hostel_id AND v.file_id = f.id), "
    "  (SELECT count(*) FROM file_versions v WHERE v.hostel_id = f.hostel_id AND v.file_id = f.id), "
    "  (SELECT coalesce(sum(v.size_bytes), 0) FROM file_versions v WHERE v.hostel_id = f.hostel_id AND v.file_id = f.id), "
    "  (SELECT max(l.created_at) FROM file_access_logs l WHERE l.hostel_id = f.hostel_id AND l.file_id = f.id), "
    "  CAST(:now AS timestamptz) "
    "FROM file_uploads f WHERE f.hostel_id = :h AND (CAST(:file AS bigint) IS NULL OR f.id = :file) "
    "ON CONFLICT (hostel_id, file_id) DO UPDATE SET downloads_total = EXCLUDED.downloads_total, "
    "  downloads_30_days = EXCLUDED.downloads_30_days, unique_downloaders = EXCLUDED.unique_downloaders, "
    "  favorites = EXCLUDED.favorites, versions = EXCLUDED.versions, bytes_stored = EXCLUDED.bytes_stored, "
    "  last_downloaded_at = EXCLUDED.last_downloaded_at, computed_at = EXCLUDED.computed_at, updated_at = now() "
    "RETURNING id"
)


async def compute(conn: Any, hostel_id: int, now: dt.datetime | None = None, file_id: int | None = None) -> list[int]:
    """Replace the analytics of a hostel's files (or of one); the rows' ids."""
    params = {"h": hostel_id, "now": now or dt.datetime.now(dt.UTC), "file": file_id}
    return list((await conn.execute(COMPUTE, params)).scalars())


async def refresh(ctx: Any, session: Any, file_id: Ref[models.FileUpload]) -> int:
    """Compute one file's analytics now (hostel staff)."""
    (row,) = await compute(session, _in_hostel(ctx), file_id=file_id)
    return row


@app.periodic(cron="53 3 * * *")
@app.task(name="compute_file_analytics", queue=SCHEDULE_QUEUE, queueing_lock="compute_file_analytics", retry=RETRY)
async def compute_file_analytics(timestamp: int) -> None:
    now = dt.datetime.fromtimestamp(timestamp, dt.UTC)
    async with _engine().begin() as conn:
        await conn.execute(text("SELECT set_config('app.platform_read', 'on', true)"))
        hostels = list((await conn.execute(text("SELECT id FROM hostels WHERE active ORDER BY id"))).scalars())
    rows = 0
    for hostel_id in hostels:
        async with scoped(hostel_id=hostel_id) as conn:
            rows += len(await compute(conn, hostel_id, now))
    log.info("file analytics computed", extra={"rows": rows})
