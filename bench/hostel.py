"""Requests/s of the hostel room board and of public hostelAvailability on the demo data.

    .venv/bin/python bench/hostel.py [--duration 10] [--connections 16] [--rounds 2] [--days 30]

Starts a throwaway embedded PostgreSQL under bench/.data/hostel-pg (deleted at the end, so the
demo data is always the current one), migrates it, starts the gateway
(`campus serve --workers 1`, QUERY_STATS on, demo data loaded) on a free 127.0.0.1 port, and
drives two operations with wrk (bench/post.lua; `--client httpx` without wrk), each for
--rounds rounds of --duration seconds after a warm-up:

- **board**: the room board of demo-sunrise as its warden sees it (X-Tenant-Id):
  `rooms(first: 100) { nodes { roomNumber floor beds { nodes { bedNumber currentStudent { fullName } } } } }`;
- **availability**: a visitor's search without logging in, `hostelAvailability` of demo-sunrise over
  `--days` days from today (counts per day and room type, read in its own scoped READ ONLY
  transaction).

Prints a markdown table (req/s, p50/p99 ms, errors, SQL statements per request) and writes it to
bench/results/hostel.md. All load goes to 127.0.0.1, every phase is bounded in time, and the
gateway and PostgreSQL started here are stopped at the end, on errors and on Ctrl-C.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import signal
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

import httpx  # noqa: E402

import run as bench  # noqa: E402  (bench/run.py: servers, load, CPU accounting)

DATA = bench.DATA
BOARD = (
    "query Board { rooms(first: 100) { nodes { roomNumber floor "
    "beds { nodes { bedNumber currentStudent { fullName } } } } } }"
)
AVAILABILITY = (
    "query Availability($h: ID!, $from: Date!, $to: Date!) { hostelAvailability(hostelId: $h, from: $from, "
    "to: $to) { hostel { name } roomTypes { roomType { id name basePriceMonthly } totalBeds minFreeBeds "
    "days { date freeBeds } } } }"
)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--duration", type=int, default=10)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--connections", type=int, default=16)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--days", type=int, default=30, help="days of the availability search (at most 180)")
    p.add_argument("--client", choices=("wrk", "httpx"), default="wrk" if bench.shutil.which("wrk") else "httpx")
    p.add_argument("--pgdata", type=Path, default=DATA / "hostel-pg")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--startup-timeout", type=float, default=120)
    p.add_argument("--output", type=Path, default=bench.RESULTS / "hostel.md")
    return p.parse_args(argv)


def login(server: bench.Server, email: str) -> str:
    from demo import DEMO_PASSWORD

    r = httpx.post(
        server.graphql_url,
        timeout=30,
        json={
            "query": "mutation($e: String!, $p: String!) { tokenCreate(input: {email: $e, password: $p}) "
            "{ accessToken errors { message } } }",
            "variables": {"e": email, "p": DEMO_PASSWORD},
        },
    )
    payload = r.json()["data"]["tokenCreate"]
    if not payload["accessToken"]:
        raise bench.BenchError(f"login of {email} failed: {payload['errors']}")
    return payload["accessToken"]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)

    def on_term(signum, frame):  # noqa: ANN001
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, on_term)
    from gateway import embedded_pg, migrate

    pg = server = None
    try:
        bench.log(f"starting embedded PostgreSQL in {args.pgdata}")
        if args.pgdata.exists():
            pid = bench.postmaster_pid(args.pgdata)
            if pid is not None and Path(f"/proc/{pid}").exists():
                raise bench.BenchError(f"a PostgreSQL (pid {pid}) still runs on {args.pgdata}; stop it first")
            bench.shutil.rmtree(args.pgdata)
        pg = embedded_pg.start(args.pgdata, throwaway=True)
        url = pg.url()
        migrate.upgrade(url)
        port = args.port or bench.free_port()
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "HOST", "PORT", "WORKERS")}
        env.update(
            {
                "DATABASE_URL": url.replace("://postgres:@", "://campus_app@", 1),
                "MIGRATION_DATABASE_URL": url,
                "QUERY_STATS": "true",
                "GRAPHIQL": "false",
                "HOST": "127.0.0.1",
                "DATA_DIR": str(DATA),
                "LOG_LEVEL": "WARNING",
            }
        )
        server = bench.Server(
            "gateway",
            [str(bench.VENV_BIN / "campus"), "serve", "--port", str(port), "--workers", "1"],
            env,
            port,
            DATA / "logs" / "hostel-gateway.log",
        )
        server.start()
        server.wait_ready(args.startup_timeout)
        # statistics of the freshly loaded demo (as autovacuum would gather them in a running system)
        import asyncio

        import asyncpg

        async def analyze() -> None:
            conn = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
            try:
                await conn.execute("ANALYZE")
            finally:
                await conn.close()

        asyncio.run(analyze())

        found = httpx.post(
            server.graphql_url,
            timeout=30,
            json={"query": '{ hostels(filter: {slug: {eq: "demo-sunrise"}}) { nodes { id } } }'},
        ).json()
        sunrise = found["data"]["hostels"]["nodes"][0]["id"]
        warden = {"Authorization": f"Bearer {login(server, 'warden@sunrise.demo')}", "X-Tenant-Id": sunrise}
        today = dt.datetime.now(dt.UTC).date()
        cases = {
            "board": ({"query": BOARD, "operationName": "Board"}, warden),
            "availability": (
                {
                    "query": AVAILABILITY,
                    "operationName": "Availability",
                    "variables": {"h": sunrise, "from": str(today), "to": str(today + dt.timedelta(days=args.days))},
                },
                {},
            ),
        }
        (DATA / "bodies").mkdir(parents=True, exist_ok=True)
        bodies, stmts, shapes = {}, {}, {}
        for name, (body, headers) in cases.items():
            bodies[name] = DATA / "bodies" / f"hostel-{name}.json"
            bodies[name].write_text(json.dumps(body))
            doc = bench.sample(server, body, headers)
            stmts[name] = bench.sql_statements(doc)
            if name == "board":
                rooms = doc["data"]["rooms"]["nodes"]
                shapes[name] = (
                    f"{len(rooms)} rooms, {sum(len(r['beds']['nodes']) for r in rooms)} beds, "
                    f"{sum(1 for r in rooms for b in r['beds']['nodes'] if b['currentStudent'])} residents"
                )
            else:
                types = doc["data"]["hostelAvailability"]["roomTypes"]
                shapes[name] = f"{len(types)} room types x {args.days} days"
            bench.log(f"{name}: {shapes[name]}; SQL statements per request {stmts[name]}")

        pg_pid = bench.postmaster_pid(args.pgdata.resolve())
        summaries = {}
        for name, (_, headers) in cases.items():
            run_args = argparse.Namespace(**vars(args), header=[f"{k}: {v}" for k, v in headers.items()])
            if args.warmup:
                bench.measure(server, name, 0, bodies[name], run_args, pg_pid, duration=args.warmup)
            runs = []
            for rnd in range(1, args.rounds + 1):
                time.sleep(0.5)
                m = bench.measure(server, name, rnd, bodies[name], run_args, pg_pid)
                runs.append(m)
                bench.log(
                    f"{name} round {rnd}: {m.rps:,.0f} req/s, p50 {m.p50_ms:.2f} ms, p99 {m.p99_ms:.2f} ms, "
                    f"errors {m.error_total}"
                )
            summaries[name] = runs

        lines = [
            f"hostel reads, {args.client} -c{args.connections} -d{args.duration:g}s x {args.rounds} rounds, "
            f"one gateway worker ({dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC)",
            "",
            "| operation | data | req/s | p50 ms | p99 ms | errors | SQL stmts/req |",
            "| --- | --- | ---: | ---: | ---: | ---: | --- |",
        ]
        for name, runs in summaries.items():
            requests = sum(m.requests for m in runs)
            seconds = sum(m.seconds for m in runs)
            lines.append(
                f"| {name} | {shapes[name]} | {requests / seconds:,.0f} | "
                f"{sum(m.p50_ms for m in runs) / len(runs):.2f} | {sum(m.p99_ms for m in runs) / len(runs):.2f} | "
                f"{sum(m.error_total for m in runs)} | {stmts[name]} |"
            )
        md = "\n".join(lines) + "\n"
        print()
        print(md)
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(md)
        bench.log(f"wrote {args.output}")
        return 0
    except bench.BenchError as exc:
        print(f"\nBENCH FAILED: {exc}", file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    finally:
        if server is not None:
            server.stop()
        if pg is not None:
            pg.cleanup()
            bench.log("stopped PostgreSQL and deleted its data")


if __name__ == "__main__":
    sys.exit(main())
