"""The files' jobs. `process_image`: an uploaded image version's dimensions, format and EXIF,
and its variants (a thumbnail that fits 256 px, a web size that fits 1600 px), made with Pillow.
`prune_upload_sessions` (hourly, at the end): the parts of ended upload sessions.

Deferred by the upload in its own transaction (resolvers/file_management/service.py); runs in one
transaction scoped to the hostel; idempotent (a variant already made is replaced, a processed
image is left alone); a file Pillow cannot read is recorded as FAILED (retrying cannot help).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
import logging
from typing import Any

import procrastinate
from PIL import ExifTags, Image, UnidentifiedImageError
from sqlalchemy import text

from kit.settings import get_settings
from kit.storage import storage_for
from resolvers.jobs.tasks import RETRY, SCHEDULE_QUEUE, _run, app, scoped

log = logging.getLogger(__name__)

SIZES = {"THUMBNAIL": 256, "WEB": 1600}
MAX_PIXELS = 40_000_000  # a decompression bomb is refused, not resized


def variant_key(storage_key: str, kind: str) -> str:
    return f"{storage_key}-{kind.lower()}"


def _exif(image: Image.Image) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for tag, value in image.getexif().items():
        name = ExifTags.TAGS.get(tag)
        if name and isinstance(value, (str, int, float)) and len(str(value)) <= 200:
            out[name] = value if not isinstance(value, str) else value.strip("\x00")
    return out


def render(data: bytes) -> tuple[dict[str, Any], list[tuple[str, int, int, bytes, str]]]:
    """(details, [(kind, width, height, bytes, media type)]) of an image; raises on a bad image."""
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    with Image.open(io.BytesIO(data)) as image:
        details = {
            "width": image.width,
            "height": image.height,
            "image_format": image.format,
            "color_mode": image.mode,
            "exif": _exif(image),
        }
        image.load()
        variants = []
        for kind, edge in SIZES.items():
            copy = image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB")
            copy.thumbnail((edge, edge))
            out = io.BytesIO()
            copy.save(out, format="WEBP", quality=80)
            variants.append((kind, copy.width, copy.height, out.getvalue(), "image/webp"))
    return details, variants


async def process(conn: Any, hostel_id: int, image_id: int) -> str:
    row = (
        await conn.execute(
            text(
                "SELECT i.status::text AS status, i.file_id, i.version_id, v.storage_key FROM image_uploads i "
                "JOIN file_versions v ON v.hostel_id = i.hostel_id AND v.id = i.version_id "
                "WHERE i.hostel_id = :h AND i.id = :id FOR UPDATE OF i"
            ),
            {"h": hostel_id, "id": image_id},
        )
    ).first()
    if row is None or row.status == "DONE":
        return "skipped"
    store = storage_for(get_settings())
    data = await store.get(row.storage_key)
    try:
        details, variants = await asyncio.to_thread(render, data)
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError) as exc:
        await conn.execute(
            text("UPDATE image_uploads SET status = 'FAILED', error = :e, processed_at = now() WHERE id = :id"),
            {"e": f"{type(exc).__name__}: {exc}"[:500], "id": image_id},
        )
        return "failed"
    for kind, width, height, content, media in variants:
        key = variant_key(row.storage_key, kind)
        await store.put(key, content)
        await conn.execute(
            text(
                "INSERT INTO image_variants (hostel_id, file_id, version_id, kind, width, height, content_type, "
                "size_bytes, storage_key) VALUES (:h, :f, :v, :kind, :w, :ht, :ct, :size, :key) "
                "ON CONFLICT (hostel_id, version_id, kind) DO UPDATE SET width = EXCLUDED.width, "
                "height = EXCLUDED.height, size_bytes = EXCLUDED.size_bytes, updated_at = now()"
            ),
            {
                "h": hostel_id,
                "f": row.file_id,
                "v": row.version_id,
                "kind": kind,
                "w": width,
                "ht": height,
                "ct": media,
                "size": len(content),
                "key": key,
            },
        )
    await conn.execute(
        text(
            "UPDATE image_uploads SET status = 'DONE', width = :w, height = :ht, image_format = :fmt, "
            "color_mode = :mode, exif = CAST(:exif AS jsonb), processed_at = :at, error = NULL WHERE id = :id"
        ),
        {
            "w": details["width"],
            "ht": details["height"],
            "fmt": details["image_format"],
            "mode": details["color_mode"],
            "exif": json.dumps(details["exif"], default=str),
            "at": dt.datetime.now(dt.UTC),
            "id": image_id,
        },
    )
    return "done"


@app.task(name="process_image", queue="files", retry=RETRY, pass_context=True)
async def process_image(context: procrastinate.JobContext, hostel_id: int, image_id: int) -> None:
    async def work() -> None:
        async with scoped(hostel_id=hostel_id) as conn:
            outcome = await process(conn, hostel_id, image_id)
        log.info("image processed", extra={"hostel_id": hostel_id, "image_id": image_id, "outcome": outcome})

    await _run(context, work)


# ---- the parts of ended upload sessions ---------------------------------------------------------


async def prune_upload_sessions(now: dt.datetime | None = None) -> int:
    """Sessions still open past their time become EXPIRED; the parts' bytes of every ended
    session (completed, aborted, expired) are deleted from the storage, once. Their rows stay
    (what was received). Per hostel, in its own scoped transaction; idempotent."""
    from resolvers.file_management.service import part_key
    from resolvers.jobs.tasks import _engine

    now = now or dt.datetime.now(dt.UTC)
    async with _engine().begin() as conn:
        await conn.execute(text("SELECT set_config('app.platform_read', 'on', true)"))
        hostels = (
            await conn.execute(
                text(
                    "SELECT DISTINCT hostel_id FROM upload_sessions WHERE parts_deleted_at IS NULL "
                    "AND (status <> 'OPEN' OR expires_at <= :now)"
                ),
                {"now": now},
            )
        ).scalars()
        hostel_ids = list(hostels)
    store = storage_for(get_settings())
    pruned = 0
    for hostel_id in hostel_ids:
        async with scoped(hostel_id=hostel_id) as conn:
            await conn.execute(
                text(
                    "UPDATE upload_sessions SET status = 'EXPIRED', updated_at = :now "
                    "WHERE hostel_id = :h AND status = 'OPEN' AND expires_at <= :now"
                ),
                {"h": hostel_id, "now": now},
            )
            ended = (
                await conn.execute(
                    text(
                        "UPDATE upload_sessions SET parts_deleted_at = :now WHERE hostel_id = :h "
                        "AND parts_deleted_at IS NULL AND status <> 'OPEN' RETURNING id, parts_total"
                    ),
                    {"h": hostel_id, "now": now},
                )
            ).all()
            for session_id, parts_total in ended:
                for n in range(1, parts_total + 1):
                    await store.delete(part_key(hostel_id, session_id, n))
            pruned += len(ended)
    return pruned


@app.periodic(cron="41 * * * *")
@app.task(name="prune_upload_sessions", queue=SCHEDULE_QUEUE, queueing_lock="prune_upload_sessions", retry=RETRY)
async def prune_upload_sessions_job(timestamp: int) -> None:
    count = await prune_upload_sessions()
    log.info("upload sessions pruned", extra={"sessions": count})
