"""The baseline: the benchmark reads answered by hand-written asyncpg SQL.

A plain Starlette app with POST /graphql that recognises the benchmark operations by
operationName and answers with the JSON the gateway gives for them, encoded with orjson. It is
what a hand-tuned endpoint for exactly these reads costs, the floor the gateway is compared with:

- Nested / StartsWith: one statement for the page of 50 schools (first by key; StartsWith: whose
  code starts with "BENCH-") with the current session joined, one for up to 3 sessions of each
  of those schools (LATERAL .. LIMIT 3 over the page's ids);
- One: a primary-key look-up of one school, from the decoded global id;
- Phone: one school's current session and that session's school, one statement (two joins).

No transaction is opened (each statement is its own), statements are prepared once per
connection (asyncpg's statement cache). The response also carries `extensions.stats.sqlStatements`
like the gateway's QUERY_STATS, so the driver reports both the same way.

Run (run.py does this):  BENCH_DATABASE_URL=postgresql://... uvicorn --app-dir bench baseline:app --port 8001
Settings (environment): BENCH_DATABASE_URL (required), BENCH_POOL_SIZE (default 10, the gateway's
DB_POOL_SIZE default), BENCH_RLS_SETTINGS (a JSON object of `app.*` settings: run.py's
"baseline-rls", connected as the application role: each request then sends the least that a read
under row-level security needs, as the gateway and PostGraphile+RLS do: one message with
BEGIN READ ONLY and the settings, the reads, ROLLBACK; still no authentication, no rate limit
and no GraphQL).
"""

from __future__ import annotations

import base64
import contextlib
import os

import asyncpg
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

# The benchmark's fixed arguments (see run.py's NESTED_QUERY).
PAGE_SIZE = 50
SESSIONS_PER_SCHOOL = 3
CODE_PREFIX = "BENCH-"

SQL_SCHOOL_PAGE = """
SELECT s.id, s.name, s.school_code, s.city, c.id AS cs_id, c.name AS cs_name, c.start_date AS cs_start_date
FROM schools s
LEFT JOIN academic_sessions c ON c.id = s.current_session_id
WHERE s.school_code LIKE $1
ORDER BY s.id
LIMIT $2
"""
SQL_FIRST_SCHOOLS = """
SELECT s.id, s.name, s.school_code, s.city, c.id AS cs_id, c.name AS cs_name, c.start_date AS cs_start_date
FROM schools s
LEFT JOIN academic_sessions c ON c.id = s.current_session_id
ORDER BY s.id
LIMIT $1
"""
SQL_SESSIONS_OF = """
SELECT p.school_id, a.id, a.name, a.start_date, a.end_date
FROM unnest($1::bigint[]) AS p(school_id)
CROSS JOIN LATERAL (
    SELECT id, name, start_date, end_date FROM academic_sessions
    WHERE school_id = p.school_id ORDER BY id LIMIT $2
) a
"""
SQL_ONE_SCHOOL = "SELECT id, name, school_code, city FROM schools WHERE id = $1"
SQL_PHONE = """
SELECT c.id AS cs_id, c.name AS cs_name, o.id AS school_id, o.name AS school_name
FROM schools s
JOIN academic_sessions c ON c.id = s.current_session_id
JOIN schools o ON o.id = c.school_id
WHERE s.id = $1
"""


def gid(type_name: str, pk: int) -> str:
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


def decode_gid(value: str) -> tuple[str, int] | None:
    try:
        type_name, _, pk = base64.b64decode(value.encode(), validate=True).decode().partition(":")
        return (type_name, int(pk)) if pk.isdigit() else None
    except ValueError:
        return None


def like_prefix(prefix: str) -> str:
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


async def nested(conn: asyncpg.Connection, starts_with: bool) -> tuple[dict, int]:
    if starts_with:
        schools = await conn.fetch(SQL_SCHOOL_PAGE, like_prefix(CODE_PREFIX), PAGE_SIZE)
    else:
        schools = await conn.fetch(SQL_FIRST_SCHOOLS, PAGE_SIZE)
    by_school: dict[int, list] = {r["id"]: [] for r in schools}
    statements = 1
    if schools:
        statements += 1
        for r in await conn.fetch(SQL_SESSIONS_OF, list(by_school), SESSIONS_PER_SCHOOL):
            by_school[r["school_id"]].append(
                {
                    "node": {
                        "id": gid("AcademicSession", r["id"]),
                        "name": r["name"],
                        "startDate": r["start_date"],
                        "endDate": r["end_date"],
                    }
                }
            )
    edges = []
    for r in schools:
        current = None
        if r["cs_id"] is not None:
            current = {"id": gid("AcademicSession", r["cs_id"]), "name": r["cs_name"], "startDate": r["cs_start_date"]}
        edges.append(
            {
                "node": {
                    "id": gid("School", r["id"]),
                    "name": r["name"],
                    "schoolCode": r["school_code"],
                    "city": r["city"],
                    "currentSession": current,
                    "academicSessions": {"edges": by_school[r["id"]]},
                }
            }
        )
    return {"schools": {"edges": edges}}, statements


async def one(conn: asyncpg.Connection, variables: dict) -> tuple[dict, int]:
    decoded = decode_gid(str(variables.get("id", "")))
    if decoded is None or decoded[0] != "School":
        return {"node": None}, 0
    r = await conn.fetchrow(SQL_ONE_SCHOOL, decoded[1])
    if r is None:
        return {"node": None}, 1
    return {
        "node": {"id": gid("School", r["id"]), "name": r["name"], "schoolCode": r["school_code"], "city": r["city"]}
    }, 1


async def phone(conn: asyncpg.Connection, variables: dict) -> tuple[dict, int]:
    decoded = decode_gid(str(variables.get("id", "")))
    if decoded is None or decoded[0] != "School":
        return {"node": None}, 0
    r = await conn.fetchrow(SQL_PHONE, decoded[1])
    if r is None:
        # no such school, or one without a current session: tell them apart as the gateway does
        exists = await conn.fetchval("SELECT 1 FROM schools WHERE id = $1", decoded[1])
        return {"node": {"currentSession": None} if exists else None}, 2
    session = {"id": gid("AcademicSession", r["cs_id"]), "name": r["cs_name"]}
    session["school"] = {"id": gid("School", r["school_id"]), "name": r["school_name"]}
    return {"node": {"currentSession": session}}, 1


OPERATIONS = ("Nested", "StartsWith", "One", "Phone")


def operation_of(payload: dict) -> str | None:
    name = payload.get("operationName")
    return name if name in OPERATIONS else None


def _literal(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


RLS_SETTINGS = orjson.loads(os.environ.get("BENCH_RLS_SETTINGS") or "null")
RLS_BEGIN = (
    "BEGIN READ ONLY; SELECT "
    + ", ".join(f"set_config({_literal(k)}, {_literal(v)}, true)" for k, v in RLS_SETTINGS.items())
    if RLS_SETTINGS
    else None
)


def json_response(body: dict, status: int = 200) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")


async def graphql(request: Request) -> Response:
    try:
        payload = orjson.loads(await request.body())
    except orjson.JSONDecodeError:
        return json_response({"errors": [{"message": "body is not JSON"}]}, 400)
    op = operation_of(payload) if isinstance(payload, dict) else None
    if op is None:
        known = ", ".join(OPERATIONS)
        return json_response({"errors": [{"message": f"the baseline knows only the operations {known}"}]}, 400)
    variables = payload.get("variables") or {}
    async with request.app.state.pool.acquire() as conn:
        if RLS_BEGIN is not None:
            await conn.execute(RLS_BEGIN)
        try:
            if op in ("Nested", "StartsWith"):
                data, statements = await nested(conn, starts_with=op == "StartsWith")
            elif op == "One":
                data, statements = await one(conn, variables)
            else:
                data, statements = await phone(conn, variables)
        finally:
            if RLS_BEGIN is not None:
                await conn.execute("ROLLBACK")
    return json_response({"data": data, "extensions": {"stats": {"sqlStatements": statements}}})


async def healthz(request: Request) -> Response:
    return json_response({"status": "ok"})


def plain_url(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    return f"{scheme.split('+', 1)[0]}{sep}{rest}"


@contextlib.asynccontextmanager
async def lifespan(app: Starlette):
    size = int(os.environ.get("BENCH_POOL_SIZE", "10"))
    app.state.pool = await asyncpg.create_pool(
        plain_url(os.environ["BENCH_DATABASE_URL"]),
        min_size=size,
        max_size=size,
        server_settings={"application_name": "campus-bench-baseline", "timezone": "UTC"},
    )
    try:
        yield
    finally:
        await app.state.pool.close()


app = Starlette(routes=[Route("/graphql", graphql, methods=["POST"]), Route("/healthz", healthz)], lifespan=lifespan)
