"""Benchmark the gateway against the hand-written baseline, in one run.

    .venv/bin/python bench/run.py [--schools 2000] [--duration 10] [--connections 16] [--rounds 2]

Starts an embedded PostgreSQL under bench/.data/pg, migrates and seeds it (bench/seed.py), starts
the gateway (`campus serve`, QUERY_STATS on) and the baseline (bench/baseline.py under uvicorn)
on two free loopback ports, checks that both give identical `data` for both queries, warms each
up, then for each query alternates gateway/baseline for --rounds rounds of --duration seconds,
driving load with wrk (or, without wrk, a small asyncio+httpx client). Prints a markdown table
and writes it to bench/results/latest.md (+ latest.json). All load goes to 127.0.0.1 and every
phase is bounded in time; every process started here is stopped at the end, on errors and on
Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import datetime as dt
import json
import os
import platform
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
DATA = BENCH / ".data"
RESULTS = BENCH / "results"
VENV_BIN = Path(sys.executable).parent

sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

import seed as seed_mod  # noqa: E402  (bench/seed.py)

# The reads, as each server's schema spells them. The gateway and the baseline share one document
# per read (the baseline recognises it by operationName); PostGraphile names things its own way
# (allSchools/nodes, <table>By<Columns>, node ids of its own), so it gets its own document asking
# for the same values. run.py compares the answers after normalize().
SESSIONS = "academicSessions(first: 3) { edges { node { id name startDate endDate } } }"
GATEWAY_SCHOOL = f"id name schoolCode city currentSession {{ id name startDate }} {SESSIONS}"
PGL_SESSIONS = "academicSessionsBySchoolId(first: 3, orderBy: ROW_ID_ASC) { nodes { id name startDate endDate } }"
PGL_SCHOOL = f"id name schoolCode city academicSessionByRowIdAndCurrentSessionId {{ id name startDate }} {PGL_SESSIONS}"
DOCUMENTS = {
    "gateway": {
        "nested": f"query Nested {{ schools(first: 50) {{ edges {{ node {{ {GATEWAY_SCHOOL} }} }} }} }}",
        "one": "query One($id: ID!) { node(id: $id) { ... on School { id name schoolCode city } } }",
        "phone": "query Phone($id: ID!) { node(id: $id) { ... on School { currentSession { id name school { id name } } } } }",
        "startswith": 'query StartsWith { schools(first: 50, filter: {schoolCode: {startsWith: "BENCH-"}}) '
        f"{{ edges {{ node {{ {GATEWAY_SCHOOL} }} }} }} }}",
    },
    # `school(id:)` is PostGraphile's fetch of one School by its node id: the counterpart of the
    # gateway's node(id) + `... on School` (a client holds an opaque id in both).
    "pgl": {
        "nested": f"query Nested {{ allSchools(first: 50, orderBy: ROW_ID_ASC) {{ nodes {{ {PGL_SCHOOL} }} }} }}",
        "one": "query One($id: ID!) { school(id: $id) { id name schoolCode city } }",
        "phone": "query Phone($id: ID!) { school(id: $id) { "
        "academicSessionByRowIdAndCurrentSessionId { id name schoolBySchoolId { id name } } } }",
        # the filter comes from postgraphile-plugin-connection-filter (package.json)
        "startswith": 'query StartsWith { allSchools(first: 50, orderBy: ROW_ID_ASC, filter: {schoolCode: {startsWith: "BENCH-"}}) '
        f"{{ nodes {{ {PGL_SCHOOL} }} }} }}",
    },
}
OPERATION_NAMES = {"nested": "Nested", "one": "One", "phone": "Phone", "startswith": "StartsWith"}
QUERIES = ("nested", "one", "phone", "startswith")
QUERY_TITLES = {
    "nested": "nested: 50 schools (first by key) + current session + ≤3 sessions each",
    "one": "one school by id",
    "phone": "phone: one school → its current session → its school",
    "startswith": '50 schools whose code startsWith "BENCH-" + the same relations (PostGraphile\'s plan weakness)',
}
# Servers: key -> (title in the tables, which documents it answers)
SERVERS = {
    "gateway": ("gateway", "gateway"),
    "baseline": ("hand-written asyncpg", "gateway"),
    # the same reads as the application role inside BEGIN READ ONLY with the gateway's app.*
    # settings, then ROLLBACK: the least a read under row-level security costs in Python
    "baseline-rls": ("hand-written asyncpg + RLS", "gateway"),
    "pgl": ("PostGraphile 5", "pgl"),
    "pgl-rls": ("PostGraphile 5 + RLS", "pgl"),
}
PGL_DIR = BENCH / "postgraphile"
PGL_NODE = PGL_DIR / "node_modules" / ".bin" / "node"

try:
    import psutil
except ImportError:  # CPU columns become n/a
    psutil = None


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


class BenchError(RuntimeError):
    pass


# --------------------------------------------------------------------------- processes


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_is_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


@dataclass
class Server:
    name: str
    cmd: list[str]
    env: dict[str, str]
    port: int
    log_path: Path
    proc: subprocess.Popen | None = None
    _log_fh: object = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def graphql_url(self) -> str:
        return f"{self.base}/graphql"

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log_fh = open(self.log_path, "wb")
        log(f"starting {self.name}: {' '.join(self.cmd)} (log {self.log_path.relative_to(ROOT)})")
        # Own session: a Ctrl-C in the terminal reaches only run.py, which then stops it in order.
        self.proc = subprocess.Popen(
            self.cmd, env=self.env, cwd=ROOT, stdout=self._log_fh, stderr=subprocess.STDOUT, start_new_session=True
        )

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(
                    f"{self.name} exited with {self.proc.returncode} before it was ready:\n{self.log_tail()}"
                )
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.base}/healthz", timeout=2).status_code == 200:
                    log(f"{self.name} ready on {self.base}")
                    return
            time.sleep(0.25)
        raise BenchError(f"{self.name} not ready after {timeout:.0f}s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            self._close_log()
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)  # its own process group (start_new_session)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            log(f"{self.name} ignored SIGTERM; killing it")
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=5)
        log(f"stopped {self.name} (exit {self.proc.returncode})")
        self._close_log()

    def _close_log(self) -> None:
        if self._log_fh is not None:
            self._log_fh.close()
            self._log_fh = None


def tree_cpu(pid: int | None) -> dict[int, float]:
    """CPU seconds (user+system) of a process and its descendants, per pid."""
    if psutil is None or pid is None:
        return {}
    out: dict[int, float] = {}
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return {}
    for p in procs:
        with contextlib.suppress(psutil.Error):
            t = p.cpu_times()
            out[p.pid] = t.user + t.system
    return out


def cpu_delta(before: dict[int, float], after: dict[int, float]) -> float | None:
    if psutil is None or not after:
        return None
    return sum(v - before.get(pid, 0.0) for pid, v in after.items())


def postmaster_pid(pgdata: Path) -> int | None:
    with contextlib.suppress(OSError, ValueError, IndexError):
        return int((pgdata / "postmaster.pid").read_text().splitlines()[0])
    return None


# The gateway's database role (migrations/policies.py APP_ROLE): row-level security applies to it.
APP_ROLE = os.environ.get("APP_DB_ROLE", "campus_app")


def node_url(url: str) -> str:
    """node-postgres spelling of an embedded PostgreSQL URL (Unix socket in ?host=)."""
    url = seed_mod.plain_url(url)
    return url.replace(":@", "@", 1)  # no empty password


def setup_postgraphile() -> None:
    """PostGraphile and its Node 22 from package-lock.json (postgraphile/setup.sh; npm ci)."""
    if shutil.which("npm") is None:
        raise BenchError("PostGraphile needs npm to install it (postgraphile/setup.sh); or leave pgl out of --servers")
    log("PostGraphile: postgraphile/setup.sh (npm ci on first use)")
    proc = subprocess.run([str(PGL_DIR / "setup.sh")], capture_output=True, text=True, timeout=900)
    if proc.returncode != 0 or not PGL_NODE.exists():
        raise BenchError(
            f"postgraphile/setup.sh failed (exit {proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
        )


def postgraphile_server(name: str, url: str, settings: dict | None, args, base_env: dict) -> Server:
    env = {
        **base_env,
        "NODE_ENV": "production",
        "PGL_DATABASE_URL": url,
        "PGL_PORT": str(args.ports[name]),
        "PGL_WORKERS": str(args.workers),
        "PGL_POOL_SIZE": str(args.pgl_pool_size),
    }
    if settings is not None:
        env["PGL_PG_SETTINGS"] = json.dumps(settings)
    cmd = [str(PGL_NODE), str(PGL_DIR / "server.mjs")]
    return Server(name, cmd, env, args.ports[name], DATA / "logs" / f"{name}.log")


def check_app_role(url: str) -> str:
    """Fail unless the application role is subject to row-level security; say which of the
    tables the reads touch have it (schools, the tenant root, has none; academic_sessions does)."""

    async def query() -> tuple:
        import asyncpg

        conn = await asyncpg.connect(seed_mod.plain_url(url))
        try:
            role = await conn.fetchrow("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = $1", APP_ROLE)
            tables = await conn.fetch(
                "SELECT relname, relrowsecurity AND relforcerowsecurity AS rls FROM pg_class "
                "WHERE relname = ANY($1::text[]) AND relkind = 'r' ORDER BY relname",
                ["schools", "academic_sessions"],
            )
            return role, tables
        finally:
            await conn.close()

    role, tables = asyncio.run(query())
    if role is None or role["rolsuper"] or role["rolbypassrls"]:
        raise BenchError(f"pgl-rls: role {APP_ROLE} is missing, a superuser or bypasses RLS: {role}")
    return ", ".join(f"{t['relname']} {'RLS on' if t['rls'] else 'no RLS'}" for t in tables)


def gateway_settings(server: Server, headers: dict[str, str]) -> dict[str, str]:
    """The `app.*` settings the gateway makes for this token's requests (kit/db.py `_begin`,
    scope from gateway/graphql_http.py `identify`), asked of the gateway itself."""
    from auth.identity import PLATFORM

    r = httpx.post(
        server.graphql_url,
        headers=headers,
        timeout=30,
        json={
            "query": "{ me { user { id } activeTenant { __typename ... on School { id } ... on Hostel { id } } "
            "memberships { role tenant { __typename } } } }"
        },
    )
    me = (r.json().get("data") or {}).get("me")
    if not me:
        raise BenchError(f"pgl-rls: the gateway does not know the bench token's user: {r.text[:500]}")

    def key(gid: str) -> str:
        return base64.b64decode(gid).decode().partition(":")[2]

    tenant = me["activeTenant"]
    school = key(tenant["id"]) if tenant and tenant["__typename"] == "School" else ""
    hostel = key(tenant["id"]) if tenant and tenant["__typename"] == "Hostel" else ""
    platform = tenant is None and any(m["tenant"] is None and m["role"] in PLATFORM for m in me["memberships"])
    return {
        "app.user_id": key(me["user"]["id"]),
        "app.school_id": school,
        "app.hostel_id": hostel,
        "app.platform_read": "on" if platform else "",
    }


# --------------------------------------------------------------------------- requests and checks


def body_of(server: str, query: str, school_pk: int) -> dict:
    style = SERVERS[server][1]
    body: dict = {"query": DOCUMENTS[style][query], "operationName": OPERATION_NAMES[query], "variables": {}}
    if query in ("one", "phone"):
        if style == "pgl":  # PostGraphile's node id: base64 of the JSON ["School", "<key>"]
            raw = json.dumps(["School", str(school_pk)], separators=(",", ":"))
        else:
            raw = f"School:{school_pk}"
        body["variables"] = {"id": base64.b64encode(raw.encode()).decode()}
    return body


def key_of(global_id: str, type_name: str, style: str) -> int:
    """The primary key inside a server's opaque id, checking that it names `type_name`."""
    raw = base64.b64decode(global_id.encode(), validate=True).decode()
    if style == "pgl":
        kind, key = json.loads(raw)
    else:
        kind, _, key = raw.partition(":")
    if kind != type_name:
        raise BenchError(f"id {global_id!r} is a {kind}, expected a {type_name}")
    return int(key)


def normalize(query: str, style: str, data: dict):
    """One comparable shape for every server's answer: values (names, codes, dates) and rows
    named by their primary key, whatever the server calls the fields or how it encodes ids."""
    pgl = style == "pgl"
    current = "academicSessionByRowIdAndCurrentSessionId" if pgl else "currentSession"

    def session(s: dict | None, *fields: str) -> dict | None:
        if s is None:
            return None
        return {"id": key_of(s["id"], "AcademicSession", style), **{f: s[f] for f in fields}}

    def school(n: dict) -> dict:
        sessions = (
            n["academicSessionsBySchoolId"]["nodes"] if pgl else [e["node"] for e in n["academicSessions"]["edges"]]
        )
        return {
            "id": key_of(n["id"], "School", style),
            "name": n["name"],
            "schoolCode": n["schoolCode"],
            "city": n["city"],
            "currentSession": session(n[current], "name", "startDate"),
            "academicSessions": [session(s, "name", "startDate", "endDate") for s in sessions],
        }

    if query in ("nested", "startswith"):
        return [
            school(n) for n in (data["allSchools"]["nodes"] if pgl else [e["node"] for e in data["schools"]["edges"]])
        ]
    node = data["school"] if pgl else data["node"]
    if node is None:
        return None
    if query == "one":
        return {"id": key_of(node["id"], "School", style), **{f: node[f] for f in ("name", "schoolCode", "city")}}
    cs = node[current]
    if cs is None:
        return {"currentSession": None}
    owner = cs["schoolBySchoolId" if pgl else "school"]
    return {
        "currentSession": {
            **session(cs, "name"),
            "school": {"id": key_of(owner["id"], "School", style), "name": owner["name"]},
        }
    }


def first_difference(a, b, path: str = "data") -> str | None:
    if type(a) is not type(b):
        return f"{path}: {type(a).__name__} {a!r:.120} != {type(b).__name__} {b!r:.120}"
    if isinstance(a, dict):
        if set(a) != set(b):
            return f"{path}: keys {sorted(a)} != {sorted(b)}"
        for k in a:
            if (d := first_difference(a[k], b[k], f"{path}.{k}")) is not None:
                return d
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} items != {len(b)} items"
        for i, (x, y) in enumerate(zip(a, b)):
            if (d := first_difference(x, y, f"{path}[{i}]")) is not None:
                return d
        return None
    return None if a == b else f"{path}: {a!r:.120} != {b!r:.120}"


def login_token(server: Server) -> str:
    """An access token of the demo super admin (a platform role: it reads every school)."""
    from demo import DEMO_PASSWORD

    r = httpx.post(
        server.graphql_url,
        timeout=30,
        json={
            "query": "mutation($e: String!, $p: String!) { tokenCreate(input: {email: $e, password: $p}) { accessToken errors { message } } }",
            "variables": {"e": "superadmin@demo.campus", "p": DEMO_PASSWORD},
        },
    )
    payload = r.json()["data"]["tokenCreate"]
    if not payload["accessToken"]:
        raise BenchError(f"login failed: {payload['errors']}")
    return payload["accessToken"]


def header_dict(headers: list[str]) -> dict[str, str]:
    out = {}
    for h in headers:
        name, sep, value = h.partition(":")
        if not sep:
            raise BenchError(f"--header {h!r} is not 'Name: value'")
        out[name.strip()] = value.strip()
    return out


def sample(server: Server, body: dict, headers: dict[str, str]) -> dict:
    r = httpx.post(server.graphql_url, json=body, headers=headers, timeout=30)
    if r.status_code != 200:
        raise BenchError(f"{server.name}: HTTP {r.status_code} for {body.get('operationName')}: {r.text[:500]}")
    doc = r.json()
    if doc.get("errors"):
        raise BenchError(
            f"{server.name}: GraphQL errors for {body.get('operationName')}: {json.dumps(doc['errors'])[:1000]}"
        )
    return doc


def sql_statements(doc: dict):
    stats = (doc.get("extensions") or {}).get("stats") or {}
    value = stats.get("sqlStatements")
    if not isinstance(value, int):
        return "n/a"
    setup = stats.get("sqlSetupStatements")  # the gateway's per-transaction context statements
    return f"{value} (+{setup} setup)" if isinstance(setup, int) and setup else value


def sanity_check(query: str, values, bench_schools: int, school_pk: int) -> None:
    """The normalized answer is what the read asks for (so equal answers are also right ones)."""
    if query in ("nested", "startswith"):
        want = min(50, bench_schools)
        if not isinstance(values, list) or len(values) < want or len(values) > 50:
            raise BenchError(f"{query}: expected {want}..50 schools, got {values!r:.300}")
        for node in values if query == "startswith" else values[:1]:
            if node["currentSession"] is None or not 1 <= len(node["academicSessions"]) <= 3:
                raise BenchError(f"{query}: unexpected school {node!r:.300}")
    elif query == "one":
        if not values or values["id"] != school_pk:
            raise BenchError(f"one: expected school {school_pk}, got {values!r:.300}")
    elif not values or not values["currentSession"] or values["currentSession"]["school"]["id"] != school_pk:
        raise BenchError(f"phone: expected the current session of school {school_pk}, got {values!r:.300}")


# --------------------------------------------------------------------------- load


@dataclass
class Measurement:
    server: str
    query: str
    round: int
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    mean_ms: float
    errors: dict
    server_cpu_s: float | None = None
    pg_cpu_s: float | None = None
    client_cpu_s: float | None = None  # wrk (or the in-process httpx client)
    other_cpu_s: float | None = None  # everything else busy on the machine: noise
    steal_s: float | None = None  # CPU time the hypervisor gave to others

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def error_total(self) -> int:
        return sum(self.errors.values())


def run_wrk(url: str, body_file: Path, args) -> dict:
    cmd = [
        "wrk",
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{args.duration}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        str(BENCH / "post.lua"),
    ]
    for h in args.header:
        cmd += ["-H", h]
    cmd.append(url)
    env = {**os.environ, "BENCH_BODY_FILE": str(body_file)}
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=args.duration + 60)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("BENCH_JSON ")), None)
    if proc.returncode != 0 or line is None:
        raise BenchError(f"wrk failed (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    raw = json.loads(line.removeprefix("BENCH_JSON "))
    lat = raw["latency_us"]
    return {
        "requests": raw["requests"],
        "seconds": raw["duration_us"] / 1e6,
        "p50_ms": lat["p50"] / 1000,
        "p99_ms": lat["p99"] / 1000,
        "mean_ms": lat["mean"] / 1000,
        "errors": {
            "non2xx": raw["errors"]["status"],
            "graphql": raw["errors"]["graphql"],
            "socket": sum(raw["errors"][k] for k in ("connect", "read", "write", "timeout")),
        },
    }


async def _httpx_load(url: str, payload: bytes, connections: int, duration: float, extra: dict) -> dict:
    latencies: list[float] = []
    errors = {"non2xx": 0, "graphql": 0, "socket": 0}
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    headers = {"Content-Type": "application/json", **extra}
    async with httpx.AsyncClient(limits=limits, timeout=10) as client:
        start = time.perf_counter()
        deadline = start + duration

        async def worker() -> None:
            while time.perf_counter() < deadline:
                t0 = time.perf_counter()
                try:
                    r = await client.post(url, content=payload, headers=headers)
                except httpx.HTTPError:
                    errors["socket"] += 1
                    continue
                latencies.append(time.perf_counter() - t0)
                if r.status_code // 100 != 2:
                    errors["non2xx"] += 1
                elif b'"errors"' in r.content:
                    errors["graphql"] += 1

        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - start
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1000 if latencies else 0.0

    return {
        "requests": len(latencies),
        "seconds": elapsed,
        "p50_ms": pct(50),
        "p99_ms": pct(99),
        "mean_ms": statistics.fmean(latencies) * 1000 if latencies else 0.0,
        "errors": errors,
    }


def run_httpx(url: str, body_file: Path, args) -> dict:
    return asyncio.run(
        _httpx_load(url, body_file.read_bytes(), args.connections, args.duration, header_dict(args.header))
    )


def measure(
    server: Server, query: str, rnd: int, body_file: Path, args, pg_pid: int | None, duration: float | None = None
) -> Measurement:
    if duration is not None:
        args = argparse.Namespace(**{**vars(args), "duration": duration})
    who = resource.RUSAGE_CHILDREN if args.client == "wrk" else resource.RUSAGE_SELF
    srv0, pg0, cl0, sys0 = tree_cpu(server.proc.pid), tree_cpu(pg_pid), resource.getrusage(who), system_cpu()
    result = (run_wrk if args.client == "wrk" else run_httpx)(server.graphql_url, body_file, args)
    srv1, pg1, cl1, sys1 = tree_cpu(server.proc.pid), tree_cpu(pg_pid), resource.getrusage(who), system_cpu()
    if server.proc.poll() is not None:
        raise BenchError(f"{server.name} died during the load:\n{server.log_tail()}")
    m = Measurement(
        server.name,
        query,
        rnd,
        server_cpu_s=cpu_delta(srv0, srv1),
        pg_cpu_s=cpu_delta(pg0, pg1),
        client_cpu_s=(cl1.ru_utime + cl1.ru_stime) - (cl0.ru_utime + cl0.ru_stime),
        **result,
    )
    if sys0 and sys1 and m.server_cpu_s is not None and m.pg_cpu_s is not None:
        busy = sys1[0] - sys0[0]
        m.other_cpu_s = max(0.0, busy - m.server_cpu_s - m.pg_cpu_s - m.client_cpu_s)
        m.steal_s = sys1[1] - sys0[1]
    return m


def system_cpu() -> tuple[float, float] | None:
    """(busy, steal) CPU seconds of the whole machine since boot."""
    if psutil is None:
        return None
    t = psutil.cpu_times()
    steal = getattr(t, "steal", 0.0)
    return t.user + t.nice + t.system + getattr(t, "irq", 0.0) + getattr(t, "softirq", 0.0), steal


# --------------------------------------------------------------------------- profile


def py_spy_path() -> str | None:
    return shutil.which("py-spy", path=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}")


def summarise_profile(raw: Path, top: int = 30) -> str:
    """Self and inclusive sample shares per function from py-spy's raw (collapsed stacks) output."""
    from collections import Counter

    def short(frame: str) -> str:
        fn, _, loc = frame.strip().partition(" (")
        loc = loc.rstrip(")").rsplit(":", 1)[0]
        loc = re.sub(r".*/site-packages/", "", loc).replace(str(ROOT) + "/", "")
        loc = re.sub(r".*/lib/python3\.\d+/", "", loc)
        return f"{fn} ({loc})" if loc else fn

    own: Counter = Counter()
    incl: Counter = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        if not n.isdigit():
            continue
        # --subprocesses puts a "process <pid>:<cmdline>" frame at the root: not a function.
        frames = [short(f) for f in stack.split(";") if f.strip() and not f.startswith("process ")]
        if not frames:
            continue
        total += int(n)
        own[frames[-1]] += int(n)
        for f in set(frames):
            incl[f] += int(n)
    if not total:
        return "(no samples)"
    rows = ["| self % | function |", "| ---: | --- |"]
    rows += [f"| {v / total * 100:.1f} | `{k}` |" for k, v in own.most_common(top)]
    rows += ["", "| inclusive % | function |", "| ---: | --- |"]
    rows += [f"| {v / total * 100:.1f} | `{k}` |" for k, v in incl.most_common(top * 2)]
    return f"{total} samples (non-idle)\n\n" + "\n".join(rows)


def profile(server: Server, query: str, body_file: Path, args) -> Path:
    """Run the load once more while py-spy samples the server; not part of the measured figures."""
    out_dir = args.output.parent
    out_dir.mkdir(parents=True, exist_ok=True)
    raw = out_dir / f"profile-{server.name}-{query}.txt"
    spy = subprocess.Popen(
        [
            py_spy_path(),
            "record",
            "--pid",
            str(server.proc.pid),
            "--subprocesses",
            "--duration",
            str(args.duration),
            "--rate",
            "100",
            "--nonblocking",
            "--format",
            "raw",
            "--output",
            str(raw),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        time.sleep(0.5)
        (run_wrk if args.client == "wrk" else run_httpx)(server.graphql_url, body_file, args)
        _, err = spy.communicate(timeout=args.duration + 30)
    finally:
        if spy.poll() is None:
            spy.kill()
            spy.wait()
    if not raw.exists():
        raise BenchError(f"py-spy wrote no profile (exit {spy.returncode}): {err[-1000:]}")
    md = raw.with_suffix(".md")
    md.write_text(
        f"# py-spy profile: {server.name}, {query} query, {args.duration}s of load\n\n{summarise_profile(raw)}\n"
    )
    return md


# --------------------------------------------------------------------------- report


@dataclass
class Summary:
    server: str
    query: str
    runs: list[Measurement] = field(default_factory=list)

    @property
    def rps(self) -> float:
        secs = sum(m.seconds for m in self.runs)
        return sum(m.requests for m in self.runs) / secs if secs else 0.0

    @property
    def rps_range(self) -> str:
        if len(self.runs) < 2:
            return ""
        vals = [m.rps for m in self.runs]
        return f" ({min(vals):,.0f}–{max(vals):,.0f})"

    def mean(self, attr: str) -> float:
        return statistics.fmean(getattr(m, attr) for m in self.runs)

    def errors(self) -> str:
        tot = {k: sum(m.errors.get(k, 0) for m in self.runs) for k in ("non2xx", "socket", "graphql")}
        return "0" if not any(tot.values()) else " / ".join(f"{k} {v}" for k, v in tot.items() if v)

    def cpu_ms_per_req(self, attr: str) -> str:
        vals = [getattr(m, attr) for m in self.runs]
        reqs = sum(m.requests for m in self.runs)
        if any(v is None for v in vals) or not reqs:
            return "n/a"
        return f"{sum(vals) / reqs * 1000:.2f}"


def fmt_ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}" if a and b else "n/a"


RATIOS = (
    ("pgl", "gateway/PGL"),
    ("pgl-rls", "gateway/PGL+RLS"),
    ("baseline", "gateway/baseline"),
    ("baseline-rls", "gateway/baseline+RLS"),
)


def round_ratios(g: Summary, other: Summary) -> list[float]:
    """gateway req/s over the other's, round by round (the two ran next to each other)."""
    theirs = {m.round: m.rps for m in other.runs}
    return [m.rps / theirs[m.round] for m in g.runs if theirs.get(m.round)]


def ratio_table(summaries: dict[tuple[str, str], Summary], servers: list[str]) -> list[str]:
    """req/s per server and read, then the gateway's req/s over each other server's: over all
    rounds, with the min–max of the per-round ratios."""
    ratios = [(n, title) for n, title in RATIOS if n in servers and "gateway" in servers]
    header = ["read", *(f"{SERVERS[n][0]} req/s" for n in servers), *(title for _, title in ratios)]
    lines = ["| " + " | ".join(header) + " |", "| --- |" + " ---: |" * (len(header) - 1)]
    for q in QUERIES:
        cells = [f"{summaries[(n, q)].rps:,.0f}" for n in servers]
        for n, _ in ratios:
            g = summaries[("gateway", q)]
            per_round = round_ratios(g, summaries[(n, q)])
            spread = f" ({min(per_round):.2f}–{max(per_round):.2f})" if len(per_round) > 1 else ""
            cells.append(f"**{fmt_ratio(g.rps, summaries[(n, q)].rps)}**{spread}")
        lines.append(f"| {QUERY_TITLES[q]} | " + " | ".join(cells) + " |")
    return lines


def machine_line() -> str:
    cpu = platform.processor() or ""
    with contextlib.suppress(OSError):
        for ln in Path("/proc/cpuinfo").read_text().splitlines():
            if ln.startswith("model name"):
                cpu = ln.split(":", 1)[1].strip()
                break
    mem = ""
    if psutil is not None:
        mem = f", {psutil.virtual_memory().total / 2**30:.0f} GiB"
    return f"{os.cpu_count()} cores ({cpu}){mem}, {platform.system()} {platform.release()}, Python {platform.python_version()}"


def git_commit() -> str:
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10
        )
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True, timeout=10)
        return (rev.stdout.strip() or "no commit") + (" (+ uncommitted changes)" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def report(
    args,
    summaries: dict[tuple[str, str], Summary],
    stmts: dict[tuple[str, str], object],
    dataset: str,
    servers: list[str],
) -> str:
    if args.client == "wrk":
        version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split()
        client = f"wrk {version[1] if len(version) > 1 else ''}".strip()
    else:
        client = "asyncio+httpx client"
    lines = [
        f"# campus gateway benchmark — {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
        "",
        f"- commit: {git_commit()}",
        f"- machine: {machine_line()}",
        f"- dataset: {dataset}",
        f"- load: {client}, {args.connections} connections, {args.threads} client thread(s), "
        f"{args.duration}s per run, {args.rounds} round(s) per server and query (alternating), "
        f"{args.warmup}s warm-up; servers: {', '.join(f'{n} = {SERVERS[n][0]}' for n in servers)}; "
        f"{args.workers} process(es) each (gateway and baseline: uvicorn workers; PostGraphile: "
        f"{'one Node process' if args.workers == 1 else 'Node cluster workers'}, production mode), "
        "same embedded PostgreSQL",
        "- p50/p99: mean over the rounds; req/s: all requests / all seconds (min–max of the rounds); "
        "CPU: process tree CPU time / requests (PG = the whole PostgreSQL server)",
        "",
        "| query | server | req/s | p50 ms | p99 ms | errors | SQL stmts/req | server CPU ms/req | PG CPU ms/req |",
        "| --- | --- | ---: | ---: | ---: | --- | ---: | ---: | ---: |",
    ]
    for q in QUERIES:
        for s in servers:
            sm = summaries[(s, q)]
            lines.append(
                f"| {q} | {s} | {sm.rps:,.0f}{sm.rps_range} | {sm.mean('p50_ms'):.2f} | "
                f"{sm.mean('p99_ms'):.2f} | {sm.errors()} | {stmts[(s, q)]} | "
                f"{sm.cpu_ms_per_req('server_cpu_s')} | {sm.cpu_ms_per_req('pg_cpu_s')} |"
            )
    lines += ["", *ratio_table(summaries, servers)]
    lines += [
        "",
        "<details><summary>every run</summary>",
        "",
        "CPU in cores busy on average during the run (the machine has "
        f"{os.cpu_count()}): server, PostgreSQL, load client, anything else, hypervisor steal.",
        "",
        "| query | round | server | requests | s | req/s | p50 ms | p99 ms | errors "
        "| server | PG | client | other | steal |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |",
    ]

    def cores(v: float | None, secs: float) -> str:
        return "n/a" if v is None or not secs else f"{v / secs:.2f}"

    noisy = []
    for q in QUERIES:
        runs = sorted((m for s in servers for m in summaries[(s, q)].runs), key=lambda m: (m.round,))
        for m in runs:
            lines.append(
                f"| {q} | {m.round} | {m.server} | {m.requests} | {m.seconds:.1f} | {m.rps:,.0f} | "
                f"{m.p50_ms:.2f} | {m.p99_ms:.2f} | {m.error_total} | {cores(m.server_cpu_s, m.seconds)} | "
                f"{cores(m.pg_cpu_s, m.seconds)} | {cores(m.client_cpu_s, m.seconds)} | "
                f"{cores(m.other_cpu_s, m.seconds)} | {cores(m.steal_s, m.seconds)} |"
            )
            if m.seconds and ((m.other_cpu_s or 0) + (m.steal_s or 0)) / m.seconds > 0.3:
                noisy.append(f"{q}/{m.server}/round {m.round}")
    lines += ["", "</details>", ""]
    if noisy:
        lines += [
            f"**Noise warning:** other processes or the hypervisor took more than 0.3 core during "
            f"{', '.join(noisy)}; compare the rounds before trusting these figures.",
            "",
        ]
    return "\n".join(lines)


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    ap.add_argument("--schools", type=int, default=2000, help="dataset size: number of schools")
    ap.add_argument("--sessions-per-school", type=int, default=4)
    ap.add_argument("--duration", type=int, default=10, help="seconds of load per run")
    ap.add_argument("--connections", type=int, default=16, help="concurrent client connections")
    ap.add_argument("--threads", type=int, default=1, help="wrk threads (the client shares the 2 cores)")
    ap.add_argument("--rounds", type=int, default=2, help="rounds per read, the servers' order alternating")
    ap.add_argument(
        "--warmup",
        type=int,
        default=5,
        help="seconds of unmeasured load per server and read (V8's JIT and Grafast's plan cache warm up too)",
    )
    ap.add_argument(
        "--servers",
        default=",".join(SERVERS),
        help="comma-separated, of: " + ", ".join(f"{k} ({v[0]})" for k, v in SERVERS.items()),
    )
    ap.add_argument(
        "--workers",
        type=int,
        default=1,
        help="processes per server: campus serve --workers N, uvicorn --workers N for the baseline, "
        "N Node cluster workers for PostGraphile",
    )
    ap.add_argument("--pgl-pool-size", type=int, default=10, help="pg pool of each PostGraphile process")
    ap.add_argument("--client", choices=("auto", "wrk", "httpx"), default="auto")
    ap.add_argument("--gateway-port", type=int, default=0, help="0: a free port")
    ap.add_argument("--baseline-port", type=int, default=0, help="0: a free port")
    ap.add_argument("--baseline-rls-port", type=int, default=0, help="0: a free port")
    ap.add_argument("--pgl-port", type=int, default=0, help="0: a free port")
    ap.add_argument("--pgl-rls-port", type=int, default=0, help="0: a free port")
    ap.add_argument("--baseline-pool-size", type=int, default=10, help="asyncpg pool of the baseline")
    ap.add_argument(
        "--gateway-env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra environment for the gateway (repeatable)",
    )
    ap.add_argument(
        "--header",
        action="append",
        default=[],
        metavar="'Name: value'",
        help="extra request header for both servers, e.g. an Authorization (repeatable)",
    )
    ap.add_argument("--startup-timeout", type=float, default=90)
    ap.add_argument("--pgdata", type=Path, default=DATA / "pg")
    ap.add_argument("--fresh", action="store_true", help="delete the benchmark database folder first")
    ap.add_argument("--output", type=Path, help="default: results/latest.md (latest-workersN.md with --workers N)")
    ap.add_argument(
        "--profile",
        action="store_true",
        help="after the measurements, sample each server with py-spy under the same load "
        "(results/profile-*.md); the tables are not affected",
    )
    args = ap.parse_args(argv)
    if args.client == "auto":
        args.client = "wrk" if shutil.which("wrk") else "httpx"
    elif args.client == "wrk" and not shutil.which("wrk"):
        ap.error("wrk is not installed (apt-get install wrk)")
    if args.profile and not py_spy_path():
        ap.error("--profile needs py-spy (pip install py-spy)")
    if args.threads > args.connections:
        ap.error("--threads must not exceed --connections")
    if min(args.duration, args.rounds, args.connections, args.schools) < 1 or args.duration > 600:
        ap.error("--duration must be 1..600, --rounds, --connections and --schools >= 1")
    args.servers = [n.strip() for n in args.servers.split(",") if n.strip()]
    if not args.servers or set(args.servers) - set(SERVERS):
        ap.error(f"--servers: choose among {', '.join(SERVERS)}")
    for rls in ("pgl-rls", "baseline-rls"):
        if rls in args.servers and "gateway" not in args.servers:
            ap.error(f"{rls} takes its settings from the gateway's answer for the bench token: add gateway")
    if not 1 <= args.workers <= 64 or args.pgl_pool_size < 1:
        ap.error("--workers must be 1..64, --pgl-pool-size >= 1")
    if args.output is None:
        args.output = RESULTS / ("latest.md" if args.workers == 1 else f"latest-workers{args.workers}.md")
    args.ports = {}
    for name in SERVERS:
        port = getattr(args, name.replace("-", "_") + "_port")
        if port == 0:
            port = free_port()
        elif not port_is_free(port):
            ap.error(f"port {port} is in use")
        args.ports[name] = port
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    servers_wanted = args.servers

    def on_term(signum, frame):  # noqa: ANN001
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGHUP, on_term)

    from gateway import embedded_pg, migrate  # the repo root is on sys.path

    pg = None
    servers: dict[str, Server] = {}
    try:
        if args.fresh and args.pgdata.exists():
            pid = postmaster_pid(args.pgdata)
            if pid is not None and Path(f"/proc/{pid}").exists():
                raise BenchError(f"--fresh: a PostgreSQL (pid {pid}) still runs on {args.pgdata}; stop it first")
            log(f"--fresh: deleting {args.pgdata}")
            shutil.rmtree(args.pgdata)
        log(f"starting embedded PostgreSQL in {args.pgdata}")
        pg = embedded_pg.start(args.pgdata)
        url = pg.url()
        log("migrating")
        migrate.upgrade(url)
        result = asyncio.run(seed_mod.seed(url, args.schools, args.sessions_per_school))
        log(str(result))
        dataset = (
            f"{result.bench_schools} bench schools, {result.bench_sessions} academic sessions "
            f"(--schools {args.schools}, {args.sessions_per_school} sessions each)"
        )

        async def pick_school() -> int:
            import asyncpg

            conn = await asyncpg.connect(seed_mod.plain_url(url))
            try:
                return await conn.fetchval(
                    "SELECT id FROM schools WHERE school_code = $1", seed_mod.school_code(max(1, args.schools // 2))
                )
            finally:
                await conn.close()

        school_pk = asyncio.run(pick_school())

        # One body file per server and read (wrk sends it as is).
        bodies: dict[tuple[str, str], Path] = {}
        (DATA / "bodies").mkdir(parents=True, exist_ok=True)
        for name in servers_wanted:
            for q in QUERIES:
                bodies[(name, q)] = DATA / "bodies" / f"{name}-{q}.json"
                bodies[(name, q)].write_text(json.dumps(body_of(name, q, school_pk)))

        base_env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "HOST", "PORT", "WORKERS")}
        workers = str(args.workers)
        # the application's own login: owns nothing, row-level security applies (as in production)
        app_url = url.replace("://postgres:@", f"://{APP_ROLE}@", 1)
        if "gateway" in servers_wanted:
            campus = VENV_BIN / "campus"
            if not campus.exists():
                raise BenchError(f"{campus} not found: pip install -e . first")
            env = {
                **base_env,
                "DATABASE_URL": app_url,
                "MIGRATION_DATABASE_URL": url,
                "QUERY_STATS": "true",
                "GRAPHIQL": "false",
                "HOST": "127.0.0.1",
                "DATA_DIR": str(DATA),
                # charged on every request as in production, never refused (the load passes any
                # real budget); --gateway-env RATE_LIMIT_PLATFORM=0 measures without the limit
                "RATE_LIMIT_PLATFORM": "1000000000000",
            }
            for kv in args.gateway_env:
                k, _, v = kv.partition("=")
                env[k] = v
            cmd = [str(campus), "serve", "--port", str(args.ports["gateway"]), "--workers", workers]
            # the demo data brings the users: requests carry the demo super admin's token
            servers["gateway"] = Server("gateway", cmd, env, args.ports["gateway"], DATA / "logs" / "gateway.log")

        def baseline_server(name: str, env: dict[str, str]) -> Server:
            return Server(
                name,
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "--app-dir",
                    str(BENCH),
                    "baseline:app",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(args.ports[name]),
                    "--workers",
                    workers,
                    "--no-access-log",
                    "--log-level",
                    "warning",
                ],
                {**base_env, "BENCH_POOL_SIZE": str(args.baseline_pool_size), **env},
                args.ports[name],
                DATA / "logs" / f"{name}.log",
            )

        if "baseline" in servers_wanted:
            servers["baseline"] = baseline_server("baseline", {"BENCH_DATABASE_URL": url})
        if "pgl" in servers_wanted or "pgl-rls" in servers_wanted:
            setup_postgraphile()
        if "pgl" in servers_wanted:
            # plain: as the database owner, who is not subject to row-level security
            servers["pgl"] = postgraphile_server("pgl", node_url(url), None, args, base_env)
        # One after the other: N workers of each importing and building schemas at once on a
        # small machine can miss uvicorn's 5 s worker health check (seen with --workers 2).
        for s in servers.values():
            s.start()
            s.wait_ready(args.startup_timeout)
        if "gateway" in servers:
            args.header.append(f"Authorization: Bearer {login_token(servers['gateway'])}")
        if "pgl-rls" in servers_wanted:
            # as the application role, with the settings the gateway makes for the same token
            settings = gateway_settings(servers["gateway"], header_dict(args.header))
            log(f"pgl-rls: connecting as {APP_ROLE} ({check_app_role(url)}) with pgSettings {settings}")
            servers["pgl-rls"] = postgraphile_server("pgl-rls", node_url(app_url), settings, args, base_env)
            servers["pgl-rls"].start()
            servers["pgl-rls"].wait_ready(args.startup_timeout)
        if "baseline-rls" in servers_wanted:
            settings = gateway_settings(servers["gateway"], header_dict(args.header))
            env = {"BENCH_DATABASE_URL": app_url, "BENCH_RLS_SETTINGS": json.dumps(settings)}
            servers["baseline-rls"] = baseline_server("baseline-rls", env)
            servers["baseline-rls"].start()
            servers["baseline-rls"].wait_ready(args.startup_timeout)
        servers = {n: servers[n] for n in SERVERS if n in servers}  # table order

        # Same values from every server, before any load.
        stmts: dict[tuple[str, str], object] = {}
        bench_schools = min(args.schools, result.bench_schools)
        for q in QUERIES:
            values = {}
            raw = {}
            for name, s in servers.items():
                doc = raw[name] = sample(s, body_of(name, q, school_pk), header_dict(args.header))
                try:
                    values[name] = normalize(q, SERVERS[name][1], doc["data"])
                except (KeyError, TypeError, ValueError) as exc:
                    raise BenchError(f"{q}: {name} answered an unexpected shape ({exc!r}): {doc!r:.500}") from None
                sanity_check(q, values[name], bench_schools, school_pk)
                stmts[(name, q)] = sql_statements(doc)
            for base in ("baseline", "baseline-rls"):
                if "gateway" in raw and base in raw:  # one document: the same JSON, not only the same values
                    diff = first_difference(raw["gateway"]["data"], raw[base]["data"])
                    if diff is not None:
                        raise BenchError(f"{q}: gateway and {base} answer differently: {diff}")
            first = next(iter(values))
            for name in values:
                diff = first_difference(values[first], values[name], "values")
                if diff is not None:
                    raise BenchError(f"{q}: {first} and {name} answer different values: {diff}")
            log(
                f"{q}: same values from {', '.join(values)}; SQL statements per request: "
                + ", ".join(f"{n} {stmts[(n, q)]}" for n in values)
            )

        pg_pid = postmaster_pid(args.pgdata.resolve())
        if args.warmup:
            for q in QUERIES:
                for name, s in servers.items():
                    log(f"warm-up {name} {q} ({args.warmup}s)")
                    measure(s, q, 0, bodies[(name, q)], args, pg_pid, duration=args.warmup)

        summaries = {(n, q): Summary(n, q) for n in servers for q in QUERIES}
        order = list(servers)
        for q in QUERIES:
            for rnd in range(1, args.rounds + 1):
                for name in order if rnd % 2 else order[::-1]:
                    time.sleep(0.5)
                    m = measure(servers[name], q, rnd, bodies[(name, q)], args, pg_pid)
                    summaries[(name, q)].runs.append(m)
                    log(
                        f"{q} round {rnd} {name}: {m.rps:,.0f} req/s, p50 {m.p50_ms:.2f} ms, "
                        f"p99 {m.p99_ms:.2f} ms, errors {m.error_total}"
                    )

        if args.profile:
            for q in QUERIES:
                for name, s in servers.items():
                    if name.startswith("pgl"):
                        continue  # py-spy samples Python; Node has its own profilers
                    log(f"profiling {name} {q} ({args.duration}s)")
                    log(f"wrote {profile(s, q, bodies[(name, q)], args)}")

        # The answers are still right after the load.
        for q in QUERIES:
            for name, s in servers.items():
                sample(s, body_of(name, q, school_pk), header_dict(args.header))

        md = report(args, summaries, stmts, dataset, list(servers))
        print()
        print(md)
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(md)
        args.output.with_suffix(".json").write_text(
            json.dumps(
                {
                    "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
                    "dataset": dataset,
                    "sql_statements": {f"{s}/{q}": v for (s, q), v in stmts.items()},
                    "runs": [vars(m) for sm in summaries.values() for m in sm.runs],
                },
                indent=2,
            )
        )
        log(f"wrote {args.output}")
        return 0
    except BenchError as exc:
        print(f"\nBENCH FAILED: {exc}", file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr, flush=True)
        return 130
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # let the clean-up finish
        for s in reversed(list(servers.values())):
            try:
                s.stop()
            except Exception as exc:  # noqa: BLE001
                log(f"could not stop {s.name}: {exc}")
        if pg is not None:
            log("stopping embedded PostgreSQL")
            pg.stop()


if __name__ == "__main__":
    sys.exit(main())
