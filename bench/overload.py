"""Overload (issue 17, item 2): the p99 of the ADMITTED requests and the share shed, as the
connections grow from 16 to 800 against one gateway process.

    .venv/bin/python bench/overload.py [--connections 16,200,800] [--duration 10] [--no-admission]

Starts `campus serve --no-worker` (one process, embedded PostgreSQL with the demo data in
bench/.data/overload, created on first use), logs in as the Greenwood admin and sends a
20-row authenticated list (`students(first: 20)`) from N connections for --duration seconds
each (an asyncio+httpx client in this process, keep-alive, a 30 s timeout). Per level: requests
answered per second, p50/p99 of the requests answered 200 (admitted), the share answered 503
(shed, SERVICE_UNAVAILABLE; the client then waits Retry-After), anything else; and the p99 the
gateway itself measured for the admitted requests (its request-duration histogram, a bucket
bound): the difference is time spent before the app saw the request (accept queue, HTTP parsing,
an event loop busy with the other connections) and in the client, which shares the 2 cores. `--no-admission` runs the same with MAX_IN_FLIGHT=0
(the gateway before issue 17: every request queues for the pool). The client shares the machine
with the server: compare runs of one machine, not figures across machines.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
QUERY = "{ students(first: 20) { nodes { id admissionNumber firstName lastName gender } } }"
LOGIN = """mutation { tokenCreate(input: {email: "admin@greenwood.demo", password: "Campus-demo-2026"})
  { accessToken errors { message } } }"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def load(url: str, headers: dict[str, str], connections: int, duration: float) -> dict[str, float]:
    admitted: list[float] = []
    counts = {"shed": 0, "other": 0}
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        start = time.perf_counter()
        deadline = start + duration

        async def worker() -> None:
            while time.perf_counter() < deadline:
                t0 = time.perf_counter()
                try:
                    r = await client.post(url, json={"query": QUERY}, headers=headers)
                except httpx.HTTPError:
                    counts["other"] += 1
                    continue
                if r.status_code == 200 and b'"errors"' not in r.content:
                    admitted.append(time.perf_counter() - t0)
                elif r.status_code == 503:
                    counts["shed"] += 1
                    await asyncio.sleep(float(r.headers.get("retry-after", "1")))  # a client honours Retry-After
                else:
                    counts["other"] += 1

        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - start
    admitted.sort()
    total = len(admitted) + counts["shed"] + counts["other"]

    def pct(p: float) -> float:
        return admitted[min(len(admitted) - 1, int(p / 100 * len(admitted)))] * 1000 if admitted else 0.0

    return {
        "ok_per_s": len(admitted) / elapsed,
        "p50_ms": pct(50),
        "p99_ms": pct(99),
        "shed_share": counts["shed"] / total if total else 0.0,
        "other": counts["other"],
    }


def server_histogram(base: str, name: str, label: str) -> dict[float, float]:
    """Cumulative bucket counts {le: count} of one histogram series of the gateway's /metrics."""
    out: dict[float, float] = {}
    for line in httpx.get(f"{base}/metrics", timeout=30).text.splitlines():
        if line.startswith(f"{name}_bucket{{") and label in line:
            le = line.split('le="', 1)[1].split('"', 1)[0]
            out[float("inf") if le == "+Inf" else float(le)] = float(line.rsplit(" ", 1)[1])
    return out


def server_p99(before: dict[float, float], after: dict[float, float]) -> str:
    """The bucket the 99th percentile of the requests between two scrapes falls in ("<= 0.5 s")."""
    counts = {le: after.get(le, 0.0) - before.get(le, 0.0) for le in after}
    total = counts.get(float("inf"), 0.0)
    if not total:
        return "-"
    for le in sorted(counts):
        if counts[le] >= 0.99 * total:
            return f"<= {le:g} s" if le != float("inf") else "> 30 s"
    return "-"


# the admitted requests are those whose operation validated: the list has no name ("anonymous");
# a shed request never gets that far ("unknown")
ADMITTED = ("campus_graphql_request_duration_seconds", 'operation="anonymous"')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--connections", default="16,200,800")
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--no-admission", action="store_true", help="MAX_IN_FLIGHT=0: no admission control")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # 800 connections here and in the server
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "MIGRATION_DATABASE_URL")}
    env.update(
        DATA_DIR=str(BENCH / ".data" / "overload"),
        LOG_LEVEL="ERROR",
        LOG_REQUESTS="notable",
        LOG_SLOW_MS="100000",
        QUERY_STATS="false",
        RATE_LIMIT_USER="0",
    )
    if args.no_admission:
        env["MAX_IN_FLIGHT"] = "0"
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "campus"), "serve", "--no-worker", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 600
        while True:
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None or time.time() > deadline:
                print("the gateway did not start", file=sys.stderr)
                return 1
            time.sleep(0.5)
        token = httpx.post(f"{base}/graphql", json={"query": LOGIN}).json()["data"]["tokenCreate"]["accessToken"]
        headers = {"Authorization": f"Bearer {token}"}
        asyncio.run(load(f"{base}/graphql", headers, 16, 3))  # warm-up
        mode = "no admission control (MAX_IN_FLIGHT=0)" if args.no_admission else "admission control (defaults)"
        print(f"\n{mode}, {args.duration:g} s per level\n")
        print(
            "| connections | answered 200/s (client) | admitted/s (server) | p50 admitted (client) "
            "| p99 admitted (client) | p99 admitted (server) | shed (503) | other |"
        )
        print("|---|---|---|---|---|---|---|---|")
        for n in (int(c) for c in args.connections.split(",")):
            before = server_histogram(base, *ADMITTED)
            r = asyncio.run(load(f"{base}/graphql", headers, n, args.duration))
            after = server_histogram(base, *ADMITTED)
            served = (after.get(float("inf"), 0.0) - before.get(float("inf"), 0.0)) / args.duration
            print(
                f"| {n} | {r['ok_per_s']:.0f} | {served:.0f} | {r['p50_ms']:.0f} ms | {r['p99_ms']:.0f} ms | "
                f"{server_p99(before, after)} | {r['shed_share']:.0%} | {r['other']:.0f} |",
                flush=True,
            )
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(120)
        except subprocess.TimeoutExpired:
            server.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
