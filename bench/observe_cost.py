"""What metrics and traces cost per request, measured in process (bench/README.md, "Metrics and traces").

The ASGI app is driven by httpx in this process (no wrk, no network), logged in as the demo super
admin, against a throwaway embedded PostgreSQL with the demo data; `time.process_time()` over N
requests after a warm-up, configurations alternating for ROUNDS rounds:

    .venv/bin/python bench/observe_cost.py [--requests 800] [--rounds 2] [--split]
    .venv/bin/python bench/observe_cost.py --sql-json   # the bench's reads with SQL_JSON off and on

Traces go to a stand-in OTLP collector (a child process answering 200). `--split` measures traces
without the asyncpg instrumentation and without the ASGI middleware instead of the sampled run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from asgi_lifespan import LifespanManager  # noqa: E402

import demo  # noqa: E402
import gateway.tracing as tracing  # noqa: E402
from gateway import embedded_pg, migrate  # noqa: E402
from gateway.app import create_app  # noqa: E402
from kit.ids import encode_gid  # noqa: E402
from kit.settings import Settings  # noqa: E402

QUERIES = {
    "node by id": "query One($id: ID!) { node(id: $id) { ... on School { id name schoolCode city } } }",
    "20 schools + current session": "{ schools(first: 20) { edges { node { id name schoolCode city "
    "currentSession { id name } } } } }",
}
# bench/run.py's reads (issue 14): --sql-json compares them with SQL_JSON off and on. Moving work
# into PostgreSQL only pays if PostgreSQL's share does not grow by as much, so the CPU of the
# database's backends is counted too (/proc of each client backend: Linux only).
SQL_JSON_QUERIES = {
    "nested": "query Nested { schools(first: 50) { edges { node { id name schoolCode city "
    "currentSession { id name startDate } academicSessions(first: 3) { edges { node { id name startDate endDate } } } "
    "} } } }",
    "one": "query One($id: ID!) { node(id: $id) { ... on School { id name schoolCode city } } }",
    "phone": "query Phone($id: ID!) { node(id: $id) { ... on School { currentSession { id name school { id name } } } } }",
}
SINK = """
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
"""


class _Pass:
    """Stands in for the ASGI tracing middleware (--split)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        await self.app(scope, receive, send)


async def backend_cpu(owner_url: str) -> dict[int, float]:
    """CPU seconds so far of each client backend of the database (/proc/<pid>/stat)."""
    import asyncpg

    conn = await asyncpg.connect(owner_url.replace("postgresql+asyncpg", "postgresql"))
    try:
        pids = await conn.fetch(
            "SELECT pid FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"
        )
    finally:
        await conn.close()
    tick = os.sysconf("SC_CLK_TCK")
    out = {}
    for (pid,) in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        out[pid] = (int(fields[11]) + int(fields[12])) / tick  # utime + stime
    return out


async def measure(
    url: str, settings: dict, body: dict, n: int, variant: str | None, owner_url: str | None = None
) -> float | tuple[float, float]:
    start, middleware = tracing.Tracing.start, tracing.Tracing.middleware
    if variant == "sampled":
        os.environ.update(OTEL_TRACES_SAMPLER="parentbased_traceidratio", OTEL_TRACES_SAMPLER_ARG="0.1")
    if variant == "no asyncpg":
        tracing.Tracing.start = lambda self: None
    if variant == "no asgi":
        tracing.Tracing.middleware = lambda self: (_Pass, {})
    try:
        s = Settings(
            query_stats=False, graphiql=False, data_dir=Path(tempfile.gettempdir()) / "campus-observe-cost", **settings
        )
        app = create_app(s, database_url=url)
        async with LifespanManager(app):
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
                login = await c.post(
                    "/graphql",
                    json={
                        "query": 'mutation($p: String!) { tokenCreate(input: {email: "superadmin@demo.campus", '
                        "password: $p}) { accessToken } }",
                        "variables": {"p": demo.DEMO_PASSWORD},
                    },
                )
                headers = {"Authorization": "Bearer " + login.json()["data"]["tokenCreate"]["accessToken"]}

                async def run(k: int) -> None:
                    for _ in range(k):
                        r = await c.post("/graphql", json=body, headers=headers)
                        assert r.status_code == 200 and "errors" not in r.json(), r.text

                await run(200)
                pg0 = await backend_cpu(owner_url) if owner_url else {}
                t0 = time.process_time()
                await run(n)
                us = (time.process_time() - t0) / n * 1e6
                if not owner_url:
                    return us
                pg1 = await backend_cpu(owner_url)
                return us, sum(v - pg0.get(pid, 0.0) for pid, v in pg1.items()) / n * 1e6
    finally:
        tracing.Tracing.start, tracing.Tracing.middleware = start, middleware
        os.environ.pop("OTEL_TRACES_SAMPLER", None)
        os.environ.pop("OTEL_TRACES_SAMPLER_ARG", None)


async def sql_json(server: embedded_pg.EmbeddedPostgres, school: int, args: argparse.Namespace) -> None:
    import asyncpg

    # the nested read's 50 schools with 4 sessions each, as in bench/seed.py (the demo has 3 schools)
    conn = await asyncpg.connect(server.url().replace("postgresql+asyncpg", "postgresql"))
    await conn.execute(
        """
        WITH s AS (INSERT INTO schools (name, school_code, city)
                   SELECT 'Cost School ' || i, 'COST-' || i, 'City ' || (i % 7) FROM generate_series(1, 50) i
                   RETURNING id)
        INSERT INTO academic_sessions (name, start_date, end_date, school_id, active)
        SELECT (2020 + y) || '-' || (21 + y), make_date(2020 + y, 4, 1), make_date(2021 + y, 3, 31), s.id, y = 3
        FROM s, generate_series(0, 3) y"""
    )
    await conn.execute(
        "UPDATE schools SET current_session_id = a.id FROM academic_sessions a "
        "WHERE a.school_id = schools.id AND a.active AND schools.school_code LIKE 'COST-%'"
    )
    await conn.close()
    url = server.url(user="campus_app")
    configs = [("SQL_JSON off", {"metrics": False}), ("SQL_JSON on", {"metrics": False, "sql_json": True})]
    results: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for name, query in SQL_JSON_QUERIES.items():
        body = (
            {"query": query, "variables": {"id": encode_gid("School", school)}} if "$id" in query else {"query": query}
        )
        for round_ in range(args.rounds):
            for label, settings in configs if round_ % 2 == 0 else configs[::-1]:
                us, pg = await measure(url, settings, body, args.requests, None, server.url())
                results.setdefault((name, label), []).append((us, pg))
                print(f"{name}, round {round_ + 1}, {label}: {us:.0f} µs gateway + {pg:.0f} µs PostgreSQL", flush=True)
    print("\n| read | configuration | gateway CPU µs/request (median) | PostgreSQL CPU µs/request | rounds (gateway) |")
    print("|---|---|---:|---:|---|")
    for name in SQL_JSON_QUERIES:
        for label, _ in configs:
            xs = results[(name, label)]
            gw, pg = statistics.median(x[0] for x in xs), statistics.median(x[1] for x in xs)
            print(f"| {name} | {label} | {gw:.0f} | {pg:.0f} | {', '.join(f'{x[0]:.0f}' for x in xs)} |")


async def main(server: embedded_pg.EmbeddedPostgres, args: argparse.Namespace) -> None:
    import asyncpg

    conn = await asyncpg.connect(server.url().replace("postgresql+asyncpg", "postgresql"))
    school = await conn.fetchval("SELECT id FROM schools ORDER BY id LIMIT 1")
    await conn.close()
    if args.sql_json:
        await sql_json(server, school, args)
        return
    url = server.url(user="campus_app")
    traces = {"otel_traces_exporter": "otlp"}
    configs = [("off", {"metrics": False}, None), ("metrics", {}, None), ("metrics + traces", traces, None)]
    if args.split:
        configs += [("traces without asyncpg", traces, "no asyncpg"), ("traces without ASGI", traces, "no asgi")]
    else:
        configs += [("metrics + traces sampled 10%", traces, "sampled")]
    results: dict[tuple[str, str], list[float]] = {}
    for name, query in QUERIES.items():
        body = (
            {"query": query, "variables": {"id": encode_gid("School", school)}} if "$id" in query else {"query": query}
        )
        for round_ in range(args.rounds):
            for label, settings, variant in configs if round_ % 2 == 0 else configs[::-1]:
                us = await measure(url, settings, body, args.requests, variant)
                results.setdefault((name, label), []).append(us)
                print(f"{name}, round {round_ + 1}, {label}: {us:.0f} µs CPU/request", flush=True)
    print("\n| query | configuration | CPU µs/request (median) | rounds | vs off |\n|---|---|---:|---|---:|")
    for name in QUERIES:
        base = statistics.median(results[(name, "off")])
        for label, _, _ in configs:
            xs = results[(name, label)]
            m = statistics.median(xs)
            print(
                f"| {name} | {label} | {m:.0f} | {', '.join(f'{x:.0f}' for x in xs)} | {100 * (m / base - 1):+.1f}% |"
            )


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--requests", type=int, default=800)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--split", action="store_true")
    ap.add_argument("--sql-json", action="store_true", help="the bench's reads with SQL_JSON off and on")
    args = ap.parse_args()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sink = subprocess.Popen([sys.executable, "-c", SINK, str(port)])
    os.environ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] = f"http://127.0.0.1:{port}/v1/traces"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    server = embedded_pg.start(Path(tempfile.mkdtemp(prefix="campus-observe-cost-")) / "pg", throwaway=True)
    try:
        migrate.upgrade(server.url())
        asyncio.run(demo.load(server.url()))
        asyncio.run(main(server, args))
    finally:
        server.cleanup()
        sink.terminate()
