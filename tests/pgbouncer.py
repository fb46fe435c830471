"""PgBouncer in transaction pooling mode in front of the test session's PostgreSQL.

On with CAMPUS_TEST_PGBOUNCER=1 (tests/conftest.py): the application's URL then leads through
a PgBouncer of this session (Debian's `pgbouncer` package: `.ci/pgbouncer` installs it), on a
free local port, with its configuration written into the session's temporary folder. The
owner's URL (migrations, arranging data) stays direct, as in production (docs/deployment.md).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import make_url

SWITCH = "CAMPUS_TEST_PGBOUNCER"


def enabled() -> bool:
    return os.environ.get(SWITCH) == "1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _backend(url: str) -> tuple[str, int]:
    """(host or socket folder, port) of the PostgreSQL behind `url` (the embedded one listens on a socket)."""
    parsed = make_url(url)
    host = parsed.query.get("host") or parsed.host or "127.0.0.1"
    assert isinstance(host, str)
    if parsed.port:
        return host, parsed.port
    sockets = sorted(Path(host).glob(".s.PGSQL.*")) if host.startswith("/") else []
    return host, int(sockets[0].name.rsplit(".", 1)[1]) if sockets else 5432


@contextmanager
def pgbouncer(app_url: str, folder: Path) -> Iterator[str]:
    """Start PgBouncer before the PostgreSQL of `app_url`; yield the URL through it."""
    binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
    if not os.path.exists(binary):
        raise RuntimeError(f"{SWITCH}=1 needs PgBouncer: apt-get install -y pgbouncer (.ci/pgbouncer does)")
    parsed = make_url(app_url)
    host, port = _backend(app_url)
    listen = _free_port()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "userlist.txt").write_text(f'"{parsed.username}" ""\n')
    lines = [
        "[databases]",
        # the timeouts the app cannot send through PgBouncer (kit/db.py), as a production role has them
        f"{parsed.database} = host={host} port={port} dbname={parsed.database} "
        "connect_query='SET statement_timeout = 30000; SET idle_in_transaction_session_timeout = 60000'",
        "[pgbouncer]",
        "listen_addr = 127.0.0.1",
        f"listen_port = {listen}",
        "unix_socket_dir =",
        "pool_mode = transaction",
        "auth_type = trust",  # the embedded server trusts its local socket; PgBouncer listens on loopback only
        f"auth_file = {folder / 'userlist.txt'}",
        # fewer server connections than the tests' clients ask for: transactions really share them
        "default_pool_size = 8",
        "max_client_conn = 500",
        "ignore_startup_parameters = extra_float_digits",
    ]
    if os.geteuid() == 0:  # PgBouncer refuses to run as root: as the embedded server's own user
        lines.append("user = pgserver")
    config = folder / "pgbouncer.ini"
    config.write_text("\n".join(lines) + "\n")
    log = open(folder / "pgbouncer.log", "w")  # noqa: SIM115 - open for the process's whole life
    proc = subprocess.Popen([binary, str(config)], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 30
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"pgbouncer exited: {(folder / 'pgbouncer.log').read_text()}")
            try:
                socket.create_connection(("127.0.0.1", listen), timeout=1).close()
                break
            except OSError:
                if time.time() > deadline:
                    raise RuntimeError("pgbouncer did not start listening") from None
                time.sleep(0.1)
        yield parsed.set(host="127.0.0.1", port=listen, query={}).render_as_string(hide_password=False)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
