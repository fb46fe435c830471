"""What one request costs the gateway's process, counted rather than timed.

On a shared 2-core machine the CPU time of a request moves by 30-50 % with the other load
(cache misses, preemption), so small changes to the read path cannot be judged by req/s. This
script drives the ASGI app in process (no HTTP server, no client: the bench's reads as they reach
the app), on bench/run.py's database (run it once first: it seeds `bench/.data/pg`), and reports
per request:

- CPU µs (user and sys, `getrusage`): noisy, but quick;
- with `--callgrind`: the instructions the gateway's process executes (valgrind's callgrind,
  collecting only the measured requests, not the start-up): the same count, ± a few tenths of a
  percent, whatever else the machine does. PostgreSQL's work is not in it (another process).

    .venv/bin/python bench/request_cost.py one                       # CPU µs/request
    .venv/bin/python bench/request_cost.py one --callgrind           # instructions/request (~2 min)
    .venv/bin/python bench/request_cost.py one --callgrind --env DIRECT_READS=false   # A/B a setting
    .venv/bin/python bench/request_cost.py '{ __typename }' --anonymous
    .venv/bin/python bench/request_cost.py nested --profile          # cProfile, by CPU time

READ is one of bench/run.py's reads (nested, one, phone, startswith) or a GraphQL document (it may
use `$id`, the id of a school in the middle of the dataset). Requests carry the demo super
admin's token unless --anonymous. Needs `apt-get install valgrind` for --callgrind.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:0] = [str(ROOT), str(BENCH)]


async def _call(app: Any, body: bytes, headers: list[tuple[bytes, bytes]]) -> tuple[int, bytes]:
    out: dict[str, Any] = {"body": b""}

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            out["status"] = message["status"]
        elif message["type"] == "http.response.body":
            out["body"] += message.get("body", b"")

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"bench"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            *headers,
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    await app(scope, receive, send)
    return out["status"], out["body"]


async def measure(args: argparse.Namespace, url: str) -> None:
    import asyncpg
    from asgi_lifespan import LifespanManager

    import run as bench_run
    from demo import DEMO_PASSWORD
    from gateway.app import create_app
    from kit.ids import encode_gid
    from kit.settings import get_settings

    app = create_app(get_settings())
    async with LifespanManager(app):
        login = {
            "query": "mutation($e: String!, $p: String!) { tokenCreate(input: {email: $e, password: $p}) { accessToken } }",
            "variables": {"e": "superadmin@demo.campus", "p": DEMO_PASSWORD},
        }
        _, answer = await _call(app, json.dumps(login).encode(), [])
        token = json.loads(answer)["data"]["tokenCreate"]["accessToken"]
        conn = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
        try:
            school = await conn.fetchval(
                "SELECT id FROM schools WHERE school_code LIKE 'BENCH-%' ORDER BY id LIMIT 1 OFFSET 999"
            )
        finally:
            await conn.close()
        if args.read in bench_run.QUERIES:
            payload = bench_run.body_of("gateway", args.read, school)
        else:
            payload = {
                "query": args.read,
                "variables": {"id": encode_gid("School", school)} if "$id" in args.read else {},
            }
        body = json.dumps(payload).encode()
        headers = [] if args.anonymous else [(b"authorization", f"Bearer {token}".encode())]
        status, answer = await _call(app, body, headers)
        print(f"{status} {answer[:160].decode(errors='replace')}...")
        if status != 200 or b'"errors"' in answer:
            raise SystemExit("the read failed: fix it before measuring")

        async def clients(n: int) -> None:
            async def one(k: int) -> None:
                for _ in range(k):
                    await _call(app, body, headers)

            await asyncio.gather(*(one(n // args.concurrency) for _ in range(args.concurrency)))

        await clients(args.warmup)
        if args.ready_file:  # --callgrind: collection is switched on from outside now
            print("READY", flush=True)
            while not os.path.exists(args.ready_file):
                await asyncio.sleep(0.1)
        profile = cProfile.Profile(time.process_time) if args.profile else None
        before = resource.getrusage(resource.RUSAGE_SELF)
        if profile:
            profile.enable()
        await clients(args.requests)
        if profile:
            profile.disable()
        after = resource.getrusage(resource.RUSAGE_SELF)
        n = (args.requests // args.concurrency) * args.concurrency
        user = (after.ru_utime - before.ru_utime) / n * 1e6
        system = (after.ru_stime - before.ru_stime) / n * 1e6
        print(f"REQUESTS {n} user {user:.0f} µs sys {system:.0f} µs per request")
        if profile:
            stats = pstats.Stats(profile)
            stats.sort_stats("tottime").print_stats(40)
            stats.sort_stats("cumulative").print_stats(60)


def callgrind(argv: list[str], args: argparse.Namespace) -> None:
    """Run this script again under callgrind, collecting only the measured requests."""
    with tempfile.TemporaryDirectory(prefix="request-cost-") as tmp:
        ready = Path(tmp) / "go"
        out = Path(tmp) / "callgrind.out"
        inner = [a for a in argv if a != "--callgrind"] + ["--ready-file", str(ready)]
        cmd = [
            "valgrind",
            "--tool=callgrind",
            "--instr-atstart=no",
            f"--callgrind-out-file={out}",
            sys.executable,
            __file__,
            *inner,
        ]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert proc.stdout is not None
        requests = 0
        for line in proc.stdout:
            if line.startswith("READY"):
                subprocess.run(["callgrind_control", "-i", "on", str(proc.pid)], check=True, capture_output=True)
                ready.touch()
            elif line.startswith("REQUESTS"):
                requests = int(line.split()[1])
                print(line.rstrip(), "(under valgrind: not the native figure)")
            elif not line.startswith("=="):
                print(line.rstrip())
        if proc.wait() != 0 or not requests:
            raise SystemExit("the run under valgrind failed")
        total = next(
            int(line.split()[1]) for line in out.read_text().splitlines() if line.startswith(("summary:", "totals:"))
        )
        print(f"instructions per request: {total // requests:,} ({args.read!r}, {' '.join(args.env) or 'defaults'})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("read", help="nested, one, phone, startswith, or a GraphQL document")
    ap.add_argument("--requests", type=int, default=300)
    ap.add_argument("--warmup", type=int, default=200)
    ap.add_argument("--concurrency", type=int, default=4, help="requests in flight at once")
    ap.add_argument("--anonymous", action="store_true", help="no token")
    ap.add_argument("--env", action="append", default=[], metavar="KEY=VALUE", help="a gateway setting (repeatable)")
    ap.add_argument("--callgrind", action="store_true", help="count instructions (valgrind)")
    ap.add_argument("--profile", action="store_true", help="print a cProfile of the measured requests")
    ap.add_argument("--ready-file", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.callgrind:
        callgrind(sys.argv[1:], args)
        return
    from gateway import embedded_pg

    data = BENCH / ".data"
    if not (data / "pg").exists():
        raise SystemExit("no bench database: run bench/run.py once (it seeds bench/.data/pg)")
    pg = embedded_pg.start(data / "pg")
    try:
        url = pg.url()
        os.environ.update(
            {
                "DATABASE_URL": url.replace("://postgres:@", "://campus_app@", 1),
                "MIGRATION_DATABASE_URL": url,
                "QUERY_STATS": "true",
                "GRAPHIQL": "false",
                "DATA_DIR": str(data),
                "RATE_LIMIT_PLATFORM": "1000000000000",  # charged, never refused (as bench/run.py)
                "LOG_LEVEL": "WARNING",
            }
        )
        for kv in args.env:
            key, _, value = kv.partition("=")
            os.environ[key] = value
        import uvloop  # what `campus serve` runs on

        uvloop.install()
        asyncio.run(measure(args, url))
    finally:
        pg.stop()


if __name__ == "__main__":
    main()
