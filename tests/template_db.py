"""Builds the template database of a parallel test run (`python -m tests.template_db FOLDER`).

The xdist controller starts it (tests/conftest.py) as the workers start, holding the lock the
workers wait on: migrations and the demo data are loaded once, by a process that coverage does
not trace (under `--cov` with greenlet concurrency that load cost each run ~20 s while the other
worker waited), and at the same time as the workers import the gateway. It leaves the embedded
PostgreSQL running for the workers; the last worker out stops it.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

TEMPLATE_DB = "campus_template"


def migrated_with_demo(url: str) -> None:
    import demo
    from gateway import migrate

    migrate.upgrade(url)
    asyncio.run(demo.load(url))


def build(shared: Path) -> None:
    from gateway import embedded_pg

    ready = shared / "template.ready"
    if ready.exists():
        return
    template = embedded_pg.start(shared / "pg", database=TEMPLATE_DB)
    migrated_with_demo(template.url())
    ready.touch()


if __name__ == "__main__":
    build(Path(sys.argv[1]))
