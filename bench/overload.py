"""Overload (issue 17, item 2): the latency of the ADMITTED requests and the share shed, as the
connections grow from 16 to 800 against one gateway process, measured end to end.

    .venv/bin/python bench/overload.py [--connections 16,200,800] [--duration 10] [--no-admission]
                                       [--no-pin] [--env NAME=VALUE ...]

Starts `campus serve --no-worker` (one process, embedded PostgreSQL with the demo data in
bench/.data/overload, created on first use), logs in as the Greenwood admin and sends a 20-row
authenticated list (`students(first: 20)`) from N keep-alive connections for --duration seconds
per level. A client that is refused (503) waits what Retry-After says before it sends again, as a
well-behaved client does; one whose connection is closed opens a new one.

The client is a separate process (plain asyncio streams on uvloop: a request is bytes written
and a response read by its Content-Length, a few microseconds of CPU; httpx's pool spent
seconds of the shared cores at 800 connections and its own scheduling ended up in the
latencies). With 2 cores or more the gateway is pinned to CPU 0 and PostgreSQL and the client
to CPU 1 (--no-pin: no pinning), so the gateway's one event loop never waits for the client.

Per level: requests answered 200 per second; the client's p50/p99/max of the admitted requests
(answered 200, no `errors`) and, apart, of the refusals (503); the share shed; the p99 the gateway
measured for the admitted requests (its request-duration histogram, which starts when the
admission sees the request, so it includes the wait for a slot: a bucket bound); the CPU (cores)
of the gateway, PostgreSQL, the client and everything else on the machine (other engineers'
tests: noise), and the load average. The difference between the client's p99 and the gateway's
is the time before the app saw the request (the accept queue, HTTP parsing, the event loop
busy with the other connections). OVERLOAD_TRACE=FILE writes every request of the client as
[sent at (s from the start), seconds, status, connection index] (what showed the accept queue:
with uvloop the last-opened connections' first requests waited seconds). `--no-admission` runs the same with MAX_IN_FLIGHT=0 (every
request queues for the pool, as before issue 17). Compare runs of one machine, not figures
across machines.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
DATA = BENCH / ".data" / "overload"
QUERY = "{ students(first: 20) { nodes { id admissionNumber firstName lastName gender } } }"
LOGIN = """mutation { tokenCreate(input: {email: "admin@greenwood.demo", password: "Campus-demo-2026"})
  { accessToken errors { message } } }"""
TRACE: list | None = [] if os.environ.get("OVERLOAD_TRACE") else None
TIMEOUT = 30.0  # a request not answered in this long counts as `other`


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---- the client (run as its own process: `overload.py --client`) -------------------------------


def request_bytes(port: int, token: str) -> bytes:
    body = json.dumps({"query": QUERY}).encode()
    head = (
        f"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nAccept: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def header(head: bytes, name: bytes) -> bytes | None:
    for line in head.split(b"\r\n")[1:]:
        key, _, value = line.partition(b":")
        if key.strip().lower() == name:
            return value.strip()
    return None


async def client_load(port: int, token: str, connections: int, duration: float) -> dict[str, Any]:
    """N connections, each sending the request, reading the answer, and again until `duration`
    has passed (a request under way then is waited for and counted)."""
    payload = request_bytes(port, token)
    admitted: list[float] = []
    refused: list[float] = []
    counts = {"other": 0, "reconnects": 0}

    async def connect() -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.open_connection("127.0.0.1", port)

    opened = await asyncio.gather(*(connect() for _ in range(connections)))
    used = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    deadline = start + duration

    async def worker(index: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while time.perf_counter() < deadline:
            t0 = time.perf_counter()
            try:
                async with asyncio.timeout(TIMEOUT):
                    writer.write(payload)
                    head = await reader.readuntil(b"\r\n\r\n")
                    length = int(header(head, b"content-length") or b"0")
                    body = await reader.readexactly(length)
            except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
                counts["other"] += 1
                writer.close()
                counts["reconnects"] += 1
                reader, writer = await connect()
                continue
            elapsed = time.perf_counter() - t0
            status = int(head[9:12])
            if TRACE is not None:
                TRACE.append((t0 - start, elapsed, status, index))
            if status == 200 and b'"errors"' not in body:
                admitted.append(elapsed)
            elif status == 503:
                refused.append(elapsed)
            else:
                counts["other"] += 1
            if (header(head, b"connection") or b"").lower() == b"close":
                writer.close()
                counts["reconnects"] += 1
                reader, writer = await connect()
            if status == 503:
                await asyncio.sleep(float(header(head, b"retry-after") or b"1"))  # as a client should

        writer.close()

    await asyncio.gather(*(worker(i, r, w) for i, (r, w) in enumerate(opened)))
    elapsed = time.perf_counter() - start
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "admitted": sorted(admitted),
        "refused": sorted(refused),
        "seconds": elapsed,
        "cpu": (cpu.ru_utime + cpu.ru_stime) - (used.ru_utime + used.ru_stime),  # during the load
        **counts,
    }


def client_main(port: int, token: str, connections: int, duration: float) -> None:
    with contextlib.suppress(ImportError):
        import uvloop

        uvloop.install()
    print(json.dumps(asyncio.run(client_load(port, token, connections, duration))))
    if TRACE is not None:
        Path(os.environ["OVERLOAD_TRACE"]).write_text(json.dumps(TRACE))


# ---- the server side ---------------------------------------------------------------------------


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
            return f"≤ {le:g} s" if le != float("inf") else "> 30 s"
    return "-"


# the admitted requests are those whose operation validated: the list has no name ("anonymous");
# a shed request never reaches /graphql's handler
ADMITTED = ("campus_graphql_request_duration_seconds", 'operation="anonymous"')


def postmaster(data: Path) -> int | None:
    with contextlib.suppress(OSError, ValueError, IndexError):
        return int((data / "pg" / "postmaster.pid").read_text().splitlines()[0])
    return None


def cpu_of(pids: list[int]) -> float:
    import psutil

    total = 0.0
    for pid in pids:
        with contextlib.suppress(psutil.Error):
            t = psutil.Process(pid).cpu_times()
            total += t.user + t.system
    return total


def pg_pids(pm: int | None) -> list[int]:
    import psutil

    if pm is None:
        return []
    with contextlib.suppress(psutil.Error):
        root = psutil.Process(pm)
        return [pm, *(p.pid for p in root.children(recursive=True))]
    return []


def machine_busy() -> float:
    import psutil

    t = psutil.cpu_times()
    return t.user + t.nice + t.system + getattr(t, "irq", 0.0) + getattr(t, "softirq", 0.0)


def pin(pids: list[int], cpus: set[int]) -> None:
    for pid in pids:
        with contextlib.suppress(OSError):
            os.sched_setaffinity(pid, cpus)


def pct(values: list[float], p: float) -> str:
    if not values:
        return "-"
    return f"{values[min(len(values) - 1, int(p / 100 * len(values)))] * 1000:.0f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--connections", default="16,200,800")
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--no-admission", action="store_true", help="MAX_IN_FLIGHT=0: no admission control")
    parser.add_argument("--no-pin", action="store_true", help="do not pin the gateway and the client to CPUs")
    parser.add_argument("--env", action="append", default=[], help="NAME=VALUE for the gateway (repeatable)")
    parser.add_argument("--client", nargs=4, metavar=("PORT", "TOKEN", "N", "SECONDS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # 800 connections here and in the server
    if args.client:
        port, token, n, seconds = args.client
        client_main(int(port), token, int(n), float(seconds))
        return 0

    pinned = not args.no_pin and len(os.sched_getaffinity(0)) >= 2
    gateway_cpu, others_cpu = ({0}, {1}) if pinned else (None, None)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "MIGRATION_DATABASE_URL")}
    env.update(
        DATA_DIR=str(DATA),
        LOG_LEVEL="ERROR",
        LOG_REQUESTS="notable",
        LOG_SLOW_MS="100000",
        QUERY_STATS="false",
        RATE_LIMIT_USER="0",
    )
    if args.no_admission:
        env["MAX_IN_FLIGHT"] = "0"
    for item in args.env:
        name, _, value = item.partition("=")
        env[name] = value
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
        pm = postmaster(DATA)

        def run_client(n: int, seconds: float) -> dict[str, Any]:
            if pinned:  # the pool's connections are open by now; a new backend inherits the postmaster's
                pin([server.pid], gateway_cpu)  # type: ignore[arg-type]
                pin(pg_pids(pm), others_cpu)  # type: ignore[arg-type]
            out = subprocess.run(
                [sys.executable, __file__, "--client", str(port), token, str(n), str(seconds)],
                capture_output=True,
                check=True,
                preexec_fn=(lambda: os.sched_setaffinity(0, others_cpu)) if pinned else None,  # type: ignore[arg-type]
            )
            return json.loads(out.stdout)

        run_client(16, 3)  # warm-up
        mode = "no admission control (MAX_IN_FLIGHT=0)" if args.no_admission else "admission control (defaults)"
        extra = f", {' '.join(args.env)}" if args.env else ""
        where = "gateway on CPU 0, PostgreSQL and client on CPU 1" if pinned else "not pinned"
        print(f"\n{mode}{extra}, {args.duration:g} s per level, {where}\n")
        print(
            "| connections | admitted/s | p50 admitted (client) | p99 admitted (client) | max admitted (client) "
            "| p99 admitted (gateway) | shed (503) | p99 of a 503 (client) | other "
            "| CPU gateway / PG / client / other | load avg |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        for n in (int(c) for c in args.connections.split(",")):
            before = server_histogram(base, *ADMITTED)
            pgs = pg_pids(pm)
            cpu0, wall = (cpu_of([server.pid]), cpu_of(pgs), machine_busy()), time.perf_counter()
            r = run_client(n, args.duration)
            cpu1, wall = (cpu_of([server.pid]), cpu_of(pgs), machine_busy()), time.perf_counter() - wall
            after = server_histogram(base, *ADMITTED)
            seconds = r["seconds"]
            gw, pg, busy = (b - a for a, b in zip(cpu0, cpu1, strict=True))
            # over the client's whole run (its start-up and connecting too), in cores; the client's own
            # CPU over the load only
            other = max(0.0, busy - gw - pg - r["cpu"])
            admitted, refused = r["admitted"], r["refused"]
            total = len(admitted) + len(refused) + r["other"]
            shed = len(refused) / total if total else 0.0
            max_ms = f"{admitted[-1] * 1000:.0f} ms" if admitted else "-"
            print(
                f"| {n} | {len(admitted) / seconds:.0f} | {pct(admitted, 50)} | {pct(admitted, 99)} | {max_ms} "
                f"| {server_p99(before, after)} | {shed:.0%} | {pct(refused, 99)} | {r['other']} "
                f"| {gw / wall:.2f} / {pg / wall:.2f} / {r['cpu'] / seconds:.2f} / {other / wall:.2f} "
                f"| {os.getloadavg()[0]:.1f} |",
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
