"""One throwaway PostgreSQL per test session (embedded, like `campus serve`), migrated once.

Tests talk to the ASGI app over HTTP (httpx) and isolate themselves by creating their own
rows (unique codes, their own schools/hostels as tenants), so they can share the database.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import logging
import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

os.environ.setdefault("CAMPUS_VERIFY_SQL_CACHE", "1")  # every SQL cache hit re-checked (kit/db.py)
os.environ.setdefault("CAMPUS_CHEAP_PASSWORD_HASHES", "1")  # Argon2id at its cheapest (auth/passwords.py)

import asyncpg  # noqa: E402
import httpx
import pytest
from asgi_lifespan import LifespanManager

from gateway import embedded_pg
from tests import pgbouncer
from tests.template_db import TEMPLATE_DB, database_copy, migrated_with_demo, tune_for_tests

if TYPE_CHECKING:
    from kit.settings import Settings

# The gateway (demo, gateway.app, kit.settings: 6 CPU seconds of imports, growing with the types)
# is imported where it is used, not here: the xdist controller loads this file too, before it
# starts the workers, and runs no test.

if pgbouncer.enabled():  # every Settings() of the session (and the servers it starts) goes through it
    os.environ.setdefault("DB_PGBOUNCER", "true")

ROOT = Path(__file__).resolve().parent.parent


DATA_DIR = Path(tempfile.mkdtemp(prefix="campus-test-"))
# hostel files (kit/storage.py) in the run's folder, for the gateway (make_settings) and for
# what reads the environment alone (the demo loader, job workers); per process, not inherited
# from the xdist controller: every worker's database numbers its files from 1
os.environ["FILE_STORAGE_DIR"] = str(DATA_DIR / "files")

# Under pytest-xdist (`./dev test -n 2`) the workers share ONE embedded PostgreSQL: a process the
# controller starts migrates and loads the demo into a template database, and each worker then gets its own
# copy of it (CREATE DATABASE ... TEMPLATE: a file copy, well under a second). The controller
# names the shared folder (environment, inherited by the workers) and removes it at the end.
SHARED_ENV = "CAMPUS_TEST_SHARED_DIR"


_template_builder: Any = None


def _share_the_schema() -> None:
    """A dozen test modules read the schema's types, fields and arguments (`build_schema()._schema`,
    half a CPU second each, growing with the types): built once per process, after gateway.app
    took its own (create_app builds the schema it serves, as in production)."""
    import gateway.app  # noqa: F401 - binds the uncached build_schema first
    import schema.root

    schema.root.build_schema = functools.cache(schema.root.build_schema)


@pytest.hookimpl(trylast=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    config = session.config
    if hasattr(config, "workerinput") or not getattr(config.option, "numprocesses", None):
        # after pytest-cov's own pytest_sessionstart, which starts measuring an xdist worker:
        # importing the gateway before it (in pytest_configure) lost every worker's coverage
        _share_the_schema()


def pytest_configure(config: pytest.Config) -> None:
    global _template_builder
    if hasattr(config, "workerinput") or not getattr(config.option, "numprocesses", None):
        pass  # a process that runs tests: pytest_sessionstart shares the schema
    else:  # the xdist controller
        import fcntl
        import subprocess
        import sys

        shared = os.environ[SHARED_ENV] = tempfile.mkdtemp(prefix="campus-test-shared-")
        # The template is built by a process of its own (tests/template_db.py) while the workers
        # start: untraced by coverage, and no worker idles while the other builds it. It holds the
        # workers' lock (inherited, taken here first so that no worker can get in before it).
        with open(Path(shared) / "template.lock", "a+") as lock, open(Path(shared) / "template.log", "w") as out:
            fcntl.flock(lock, fcntl.LOCK_EX)
            _template_builder = subprocess.Popen(
                [sys.executable, "-m", "tests.template_db", shared],
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                pass_fds=(lock.fileno(),),
            )


def pytest_unconfigure(config: pytest.Config) -> None:
    import shutil

    shutil.rmtree(DATA_DIR, ignore_errors=True)  # the server deleted its own folder; keys and locks remain
    if not hasattr(config, "workerinput") and os.environ.get(SHARED_ENV):
        shared = Path(os.environ.pop(SHARED_ENV))
        if _template_builder is not None:
            _template_builder.wait()
        if (shared / "pg" / "postmaster.pid").exists():  # no worker attached to stop it (all failed early)
            embedded_pg.start(shared / "pg", database=TEMPLATE_DB).stop()
        shutil.rmtree(shared, ignore_errors=True)


DURATIONS_KEY = "campus/durations"  # seconds (setup + call + teardown) of the tests that took a second or more
LONG = 5.0  # a test that took this long in the last run is scheduled with the `slow` ones


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Long tests run first, in the shuffled order pytest-randomly gave them, spread over the workers.

    Long: marked `slow` (they start server processes or walk the whole schema: 5-80 s each), or
    taking LONG seconds or more in the last run here (pytest's cache, `.pytest_cache`: a schema
    walk that grows with the types is scheduled early without anyone marking it).

    `--dist worksteal` first hands each of the N workers a contiguous 1/N of the list, and an idle
    worker later steals from the END of another's queue. Long tests merely first would all go to
    the first worker (and none ever stolen), which becomes the run's critical path when they add up
    to more than 1/N of the run. So each worker's share starts with its part of the long tests:
    whole files (a file's tests share its module fixtures, e.g. the server processes of
    tests/test_two_processes.py and tests/test_subscriptions.py, gateway_pair), the longest first,
    each to the worker with the least so far."""
    cache = getattr(config, "cache", None)
    durations: dict[str, float] = cache.get(DURATIONS_KEY, {}) if cache else {}

    def weight(item: pytest.Item) -> float:
        marked = item.get_closest_marker("slow") is not None
        return durations.get(item.nodeid, 20.0 if marked else 0.0)

    def long(item: pytest.Item) -> bool:
        return item.get_closest_marker("slow") is not None or weight(item) >= LONG

    first = [item for item in items if long(item)]
    rest = [item for item in items if not long(item)]
    workers = int(getattr(config, "workerinput", {}).get("workercount", 1))
    if workers < 2 or getattr(config.option, "dist", "no") != "worksteal":
        items[:] = first + rest
        return
    files: dict[str, list[pytest.Item]] = {}
    for item in first:
        # the tests of the session's two server processes (gateway_pair) are one group, whatever their file
        shared = "gateway_pair" in getattr(item, "fixturenames", ())
        files.setdefault("gateway_pair" if shared else item.nodeid.split("::")[0], []).append(item)
    shares: list[list[pytest.Item]] = [[] for _ in range(workers)]
    loads = [0.0] * workers
    for group in sorted(files.values(), key=lambda g: -sum(map(weight, g))):
        lightest = loads.index(min(loads))
        shares[lightest] += group
        loads[lightest] += sum(map(weight, group))
    # the sizes of the first hand-out (xdist's WorkStealingScheduling.check_schedule)
    ordered, left = [], len(items)
    for k in range(workers):
        size = left // (workers - k)
        left -= size
        fill = max(0, size - len(shares[k]))
        ordered += shares[k] + rest[:fill]
        del rest[:fill]
    items[:] = ordered + rest


_durations: dict[str, float] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Each test's time, summed over its phases (under xdist: in the controller, which gets every report)."""
    _durations[report.nodeid] = _durations.get(report.nodeid, 0.0) + report.duration


def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    if hasattr(config, "workerinput") or getattr(config, "cache", None) is None or not _durations:
        return
    known: dict[str, float] = config.cache.get(DURATIONS_KEY, {})
    for nodeid, seconds in _durations.items():
        if seconds >= 1.0:
            known[nodeid] = round(seconds, 2)
        else:
            known.pop(nodeid, None)
    config.cache.set(DURATIONS_KEY, known)


@pytest.fixture
def log_records() -> Iterator[Any]:
    """`log_records("gateway.http")`: the list the records of that logger go to during the test.
    Caught on the logger itself, not through caplog's root handler: configure_logging (create_app,
    the CLI) replaces the root's handlers, and other tests' libraries may leave the logger disabled
    or logging switched off; what a test checks is the product's logging, not that state."""
    attached: list[tuple[logging.Logger, logging.Handler, tuple[bool, int, int]]] = []

    def catch(name: str, level: int = logging.INFO) -> list[logging.LogRecord]:
        records: list[logging.LogRecord] = []

        class Keep(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                records.append(record)

        logger, handler = logging.getLogger(name), Keep(level)
        attached.append((logger, handler, (logger.disabled, logger.level, logging.root.manager.disable)))
        logger.disabled = False
        logger.setLevel(level)
        logging.disable(logging.NOTSET)
        logger.addHandler(handler)
        return records

    yield catch
    for logger, handler, (disabled, level, switched_off) in attached:
        logger.removeHandler(handler)
        logger.disabled, logger.level = disabled, level
        logging.disable(switched_off)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """The seed of the order and of `random` (pytest-randomly's header line is hidden by -q)."""
    seed = getattr(config.option, "randomly_seed", None)
    if seed is not None and config.pluginmanager.hasplugin("randomly"):
        terminalreporter.write_line(f"test order and random data: replay with -p randomly --randomly-seed={seed}")


@pytest.fixture(scope="session")
def pg() -> Iterator[Any]:
    worker, shared = os.environ.get("PYTEST_XDIST_WORKER"), os.environ.get(SHARED_ENV)
    if not (worker and shared):  # one process: its own server, with a template and a copy, as under xdist
        server = embedded_pg.start(DATA_DIR / "pg", database=TEMPLATE_DB, throwaway=True)
        tune_for_tests(server.server)
        migrated_with_demo(server.url())
        yield database_copy(server, embedded_pg.DATABASE_NAME)
        server.cleanup()
        return
    import fcntl

    with open(Path(shared) / "template.lock", "a+") as lock:
        # the controller's builder has the lock until the template is ready (pytest_configure); if it
        # failed, the first worker builds it as before (its log: template.log in the shared folder)
        fcntl.flock(lock, fcntl.LOCK_EX)
        # not throwaway: pgserver would stop a throwaway server when the FIRST worker exits, under
        # the other's feet; each worker stops it only if it is the last user, the controller deletes it
        template = embedded_pg.start(Path(shared) / "pg", database=TEMPLATE_DB)
        ready = Path(shared) / "template.ready"
        if not ready.exists():
            tune_for_tests(template.server)
            migrated_with_demo(template.url())
            ready.touch()
        mine = f"campus_{worker}"
        template.server.psql(f'DROP DATABASE IF EXISTS "{mine}";')
        server = database_copy(template, mine)
    yield server
    server.stop()  # the last worker out stops the server; pytest_unconfigure deletes the folder


@pytest.fixture(scope="session")
def pg_url(pg: Any) -> str:
    """The owner's URL: migrations, and arranging test data (it bypasses row-level security)."""
    return pg.url()


@pytest.fixture(scope="session")
def app_url(pg: Any) -> Iterator[str]:
    """The application's login: owns nothing, cannot bypass row-level security. With
    CAMPUS_TEST_PGBOUNCER=1 it leads through PgBouncer in transaction pooling mode."""
    if not pgbouncer.enabled():
        yield pg.url(user="campus_app")
        return
    with pgbouncer.pgbouncer(pg.url(user="campus_app"), DATA_DIR / "pgbouncer") as url:
        yield url


@pytest.fixture(scope="session")
def gateway_pair(pg_url: str, app_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Any, str]]:
    """Two `campus serve` processes on the session's database with the same signing keys (their
    JWT_PRIVATE_KEYS, third): tests/test_two_processes.py and tests/test_subscriptions.py share
    them (about 8 CPU seconds and a few seconds of waiting each start; tests/conftest.py schedules
    their tests on one worker)."""
    from tests.test_two_processes import _shared_keys, _start, _stop, _wait_ready

    keys, data_dir = _shared_keys(), tmp_path_factory.mktemp("two-processes")
    a = _start("a", pg_url, app_url, keys, data_dir)
    b = _start("b", pg_url, app_url, keys, data_dir)
    try:
        _wait_ready([a, b])
        yield a, b, keys
    finally:
        _stop(a)
        _stop(b)


def make_settings(**overrides: Any) -> Settings:
    from kit.settings import Settings

    base = dict(query_stats=True, graphiql=True, introspection=True, log_json=False, db_pool_size=5, data_dir=DATA_DIR)
    # a loaded CI machine must not shed the suite's own bursts (50 parallel payments on a pool of
    # 5): the waits are bounded loosely here; tests/test_faults.py sets them tight on purpose
    base.update(queue_wait_ms=60_000, max_queued=1_000, db_pool_timeout_ms=60_000)
    base.update(overrides)
    return Settings(**base)


@pytest.fixture(scope="session")
async def app(app_url: str) -> AsyncIterator[Any]:
    from gateway.app import create_app

    application = create_app(make_settings(), database_url=app_url)
    async with LifespanManager(application):
        yield application


class GQL:
    """A GraphQL client over real HTTP through the ASGI app. It asks as Apollo Client 4 does
    (GraphQL over HTTP: documents that fail to parse or validate are answered 400)."""

    ACCEPT = {"Accept": "application/graphql-response+json, application/json;q=0.9"}

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.headers: dict[str, str] = dict(self.ACCEPT)

    async def raw(
        self, query: str, variables: dict[str, Any] | None = None, headers: dict[str, str] | None = None, **extra: Any
    ) -> httpx.Response:
        body: dict[str, Any] = {"query": query, **extra}
        if variables is not None:
            body["variables"] = variables
        return await self.client.post("/graphql", json=body, headers={**self.headers, **(headers or {})})

    async def __call__(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        expect_errors: bool = False,
    ) -> dict[str, Any]:
        response = await self.raw(query, variables, headers)
        body = response.json()
        if not expect_errors:
            assert response.status_code == 200, body
            assert "errors" not in body, body["errors"]
        return body

    def statements(self, body: dict[str, Any]) -> int:
        return body["extensions"]["stats"]["sqlStatements"]


_tokens: dict[str, str] = {}

LOGIN = """mutation($input: TokenCreateInput!) { tokenCreate(input: $input) {
  accessToken refreshToken errors { code message } } }"""


async def login(client: httpx.AsyncClient, email: str, password: str | None = None, **extra: Any) -> dict[str, Any]:
    """Logs in (with the demo password unless `password` is given): tokenCreate's payload."""
    if password is None:
        from demo import DEMO_PASSWORD

        password = DEMO_PASSWORD
    body = (
        await client.post(
            "/graphql",
            json={"query": LOGIN, "variables": {"input": {"email": email, "password": password, **extra}}},
            headers={"X-Forwarded-For": "ignored"},
        )
    ).json()
    return body["data"]["tokenCreate"]


def _fresh(token: str | None) -> bool:
    """The token lives at least two more minutes (access tokens live 15: a slow or loaded run
    outlives the first logins of the session)."""
    if token is None:
        return False
    import time

    import jwt

    return jwt.decode(token, options={"verify_signature": False})["exp"] > time.time() + 120


async def bearer(client: httpx.AsyncClient, email: str) -> dict[str, str]:
    """Authorization headers of a demo user (logged in once per test session, again when the
    token is about to expire)."""
    if not _fresh(_tokens.get(email)):
        tokens = await login(client, email)
        assert tokens["errors"] == [], tokens
        _tokens[email] = tokens["accessToken"]
    return {"Authorization": f"Bearer {_tokens[email]}"}


async def as_user(client: httpx.AsyncClient, email: str, tenant: str | None = None) -> GQL:
    """A GraphQL client logged in as a demo (or test) user, optionally in a tenant (X-Tenant-Id)."""
    g = GQL(client)
    g.headers.update(await bearer(client, email))
    if tenant:
        g.headers["X-Tenant-Id"] = tenant
    return g


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """The session's app through HTTP. Each request waits until the connections of the requests
    before it are back in the pool (a read-only request's ROLLBACK goes out in the background,
    kit/db.py): the next one then gets the warmed connection the pool hands out last, so the
    statement and round-trip counts tests compare do not depend on the machine's load."""
    from kit.db import settle_releases

    async def settled(_request: httpx.Request) -> None:
        await settle_releases()

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://gateway.test", event_hooks={"request": [settled]}
    ) as c:
        yield c


@pytest.fixture
def python_path(app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The session's app answers every read in Python (SQL_JSON off) for this test: for tests of
    the Python read path itself (its statements, batching and caches); tests/test_sql_json.py
    checks that both paths answer the same bytes."""
    monkeypatch.setattr(app.state.settings, "sql_json", False)


@pytest.fixture
async def gql(client: httpx.AsyncClient) -> GQL:
    """A client logged in as the demo super admin (platform scope) unless headers say otherwise."""
    g = GQL(client)
    g.headers.update(await bearer(client, "superadmin@demo.campus"))
    return g


def school_today() -> dt.date:
    """Today at the schools of the tests (their default time zone, Asia/Kolkata): the date the
    gateway's date rules use, which runs ahead of UTC in the evening."""
    from zoneinfo import ZoneInfo

    return dt.datetime.now(ZoneInfo("Asia/Kolkata")).date()


def hostel_today() -> dt.date:
    """Today at the hostels of the tests (their default time zone, Asia/Kolkata, like schools):
    the date the hostel date rules use (check-in, bookings, occupancy, analytics)."""
    return school_today()


def demo_session_name(years_back: int = 0) -> str:
    """Name of a demo academic session: the current one (April to March) or one before it."""
    today = dt.datetime.now(dt.UTC).date()
    year = (today.year if today.month >= 4 else today.year - 1) - years_back
    return f"{year}-{str(year + 1)[2:]}"


def tenant_header(gid: str) -> dict[str, str]:
    return {"X-Tenant-Id": gid}


@pytest.fixture(scope="session")
async def db(pg_url: str) -> AsyncIterator[asyncpg.Pool]:
    """Direct SQL for arranging test data quickly (never for asserting through the back door
    what a client could check through the API)."""
    pool = await asyncpg.create_pool(pg_url.replace("postgresql+asyncpg", "postgresql"), min_size=1, max_size=4)
    yield pool
    await pool.close()


_counter = itertools.count()


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}-{next(_counter)}"


async def make_schools(
    db: asyncpg.Pool,
    prefix: str,
    count: int,
    sessions_per_school: int | list[int] = 0,
    cities: list[str | None] | None = None,
) -> list[dict[str, Any]]:
    """Insert schools coded <prefix>-000.. with academic sessions; returns their ids."""
    from kit.ids import encode_gid

    out = []
    async with db.acquire() as conn, conn.transaction():
        for i in range(count):
            city = cities[i % len(cities)] if cities else f"City {i % 7}"
            sid = await conn.fetchval(
                "INSERT INTO schools (name, school_code, city) VALUES ($1, $2, $3) RETURNING id",
                f"{prefix} School {i:03d}",
                f"{prefix}-{i:03d}",
                city,
            )
            n = (
                sessions_per_school[i % len(sessions_per_school)]
                if isinstance(sessions_per_school, list)
                else sessions_per_school
            )
            session_ids = []
            for y in range(n):
                session_ids.append(
                    await conn.fetchval(
                        "INSERT INTO academic_sessions (name, start_date, end_date, school_id, active) "
                        "VALUES ($1, make_date($2, 4, 1), make_date($2 + 1, 3, 31), $3, $4) RETURNING id",
                        f"{2020 + y}-{21 + y}",
                        2020 + y,
                        sid,
                        y == n - 1,
                    )
                )
            if session_ids:
                await conn.execute("UPDATE schools SET current_session_id = $1 WHERE id = $2", session_ids[-1], sid)
            out.append(
                {"id": sid, "gid": encode_gid("School", sid), "code": f"{prefix}-{i:03d}", "sessions": session_ids}
            )
    return out


__all__ = ["GQL", "bearer", "hostel_today", "login", "make_schools", "make_settings", "tenant_header", "unique"]
