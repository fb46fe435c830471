"""OCR of documents: the `OcrEngine` interface, the development engine, and the `ocr_document`
job that fills a `DocumentOCR` row.

No cloud service is called: the development engine reads the text of text/plain files (and
`name: value` lines in it as fields) and nothing from anything else, at confidence 100 or 0. A
deployment with a real engine (Tesseract, a cloud API) sets `ENGINE` to an object with the same
`name` and `read`. The job is idempotent: a row already DONE, FAILED or SKIPPED is left alone.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import re
from dataclasses import dataclass, field
from typing import Any, Protocol

import procrastinate
from sqlalchemy import text

from kit.settings import get_settings
from kit.storage import storage_for
from resolvers.jobs.tasks import RETRY, _run, app, scoped

log = logging.getLogger(__name__)

FIELD_LINE = re.compile(r"^\s*([A-Za-z][A-Za-z0-9 _]{0,49}?)\s*:\s*(.+?)\s*$")


@dataclass
class OcrResult:
    text: str
    fields: dict[str, str] = field(default_factory=dict)
    confidence_percent: int | None = None


class OcrEngine(Protocol):
    name: str

    def read(self, data: bytes, content_type: str) -> OcrResult:
        """The text and fields read from a file; raises ValueError when it cannot be read."""
        ...


class DevelopmentOcrEngine:
    """Reads plain text as is; any other file yields no text (there is no OCR on this machine)."""

    name = "development"

    def read(self, data: bytes, content_type: str) -> OcrResult:
        if not content_type.startswith("text/plain"):
            return OcrResult(text="", confidence_percent=0)
        body = data.decode("utf-8")  # UnicodeDecodeError is a ValueError: recorded as FAILED
        fields = {}
        for line in body.splitlines():
            found = FIELD_LINE.match(line)
            if found:
                fields[re.sub(r"\W+", "_", found.group(1).strip().lower())] = found.group(2)
        return OcrResult(text=body, fields=fields, confidence_percent=100)


ENGINE: OcrEngine = DevelopmentOcrEngine()


async def process(conn: Any, hostel_id: int, ocr_id: int, engine: OcrEngine | None = None) -> str:
    engine = engine or ENGINE
    row = (
        await conn.execute(
            text(
                "SELECT o.status, v.storage_key, v.content_type FROM document_ocr o "
                "JOIN document_uploads d ON d.hostel_id = o.hostel_id AND d.id = o.document_id "
                "JOIN file_uploads f ON f.hostel_id = d.hostel_id AND f.id = d.file_id "
                "JOIN file_versions v ON v.hostel_id = f.hostel_id AND v.file_id = f.id "
                "  AND v.version_number = f.current_version "
                "WHERE o.hostel_id = :h AND o.id = :id FOR UPDATE OF o"
            ),
            {"h": hostel_id, "id": ocr_id},
        )
    ).first()
    if row is None or row.status != "PENDING":
        return "skipped"
    data = await storage_for(get_settings()).get(row.storage_key)
    now = dt.datetime.now(dt.UTC)
    try:
        result = await asyncio.to_thread(engine.read, data, row.content_type)
    except ValueError as exc:  # the file cannot be read: retrying cannot help
        await conn.execute(
            text(
                "UPDATE document_ocr SET status = 'FAILED', engine = :e, error = :err, processed_at = :at, "
                "updated_at = :at WHERE id = :id"
            ),
            {"e": engine.name, "err": f"{type(exc).__name__}: {exc}"[:500], "at": now, "id": ocr_id},
        )
        return "failed"
    await conn.execute(
        text(
            "UPDATE document_ocr SET status = 'DONE', engine = :e, text = :t, extracted_fields = CAST(:f AS jsonb), "
            "confidence_percent = :c, error = NULL, processed_at = :at, updated_at = :at WHERE id = :id"
        ),
        {
            "e": engine.name,
            "t": result.text,
            "f": json.dumps(result.fields),
            "c": result.confidence_percent,
            "at": now,
            "id": ocr_id,
        },
    )
    return "done"


@app.task(name="ocr_document", queue="files", retry=RETRY, pass_context=True)
async def ocr_document(context: procrastinate.JobContext, hostel_id: int, ocr_id: int) -> None:
    async def work() -> None:
        async with scoped(hostel_id=hostel_id) as conn:
            outcome = await process(conn, hostel_id, ocr_id)
        log.info("document read", extra={"hostel_id": hostel_id, "ocr_id": ocr_id, "outcome": outcome})

    await _run(context, work)
