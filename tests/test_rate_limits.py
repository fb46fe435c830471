"""Cost-based rate limits (kit/ratelimit.py): each request's cost is charged to the caller, by
user or by address, in a budget per window kept in PostgreSQL and shared by every process.

Each test builds its own app with low limits and asks from addresses and users of its own
(fresh users, unique client addresses), so that no other test spends its budgets. The windows
are a day long unless the test is about the window, so none ends during a test."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from asgi_lifespan import LifespanManager

from gateway.app import create_app
from resolvers.jobs import tasks
from tests.conftest import GQL, LOGIN, login, make_settings, unique
from tests.hostel_setup import new_user

DAY = 86_400

# Costs, by hand (gateway/limits.py: an object field 1, scalars 0, a connection's selection
# times its page size, its edges/nodes not again):
RATE = "{ rateLimit { limit cost used remaining resetAt } }"
RATE_COST = 1  # rateLimit
ME = "{ me { user { email } sessions(first: 3) { edges { node { createdAt } } } } }"
ME_COST = 9  # me 1 + user 1 + sessions (1 + 3 × (edges 1 + node 1))
LOGIN_COST = 2  # tokenCreate 1 + errors 1 (conftest.LOGIN)


def address() -> str:
    """A client address no other test uses."""
    b = uuid.uuid4().bytes
    return f"10.{b[0]}.{b[1]}.{b[2] or 1}"


@asynccontextmanager
async def limited_app(app_url: str, **settings: Any) -> AsyncIterator[Any]:
    app = create_app(make_settings(rate_limit_window_seconds=DAY, **settings), database_url=app_url)
    async with LifespanManager(app):
        yield app


@asynccontextmanager
async def client_of(app: Any, ip: str | None = None) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=(ip or address(), 40_000))
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as c:
        yield c


async def logged_in(client: httpx.AsyncClient, email: str) -> GQL:
    tokens = await login(client, email)
    assert tokens["errors"] == [], tokens
    g = GQL(client)
    g.headers["Authorization"] = f"Bearer {tokens['accessToken']}"
    return g


async def rate(g: GQL) -> dict[str, Any]:
    return (await g(RATE))["data"]["rateLimit"]


async def platform_user(db: Any) -> str:
    email, user_id = await new_user(db, "PLATFORM_ADMIN")
    await db.execute("INSERT INTO role_assignments (user_id, role) VALUES ($1, 'PLATFORM_ADMIN')", user_id)
    return email


# ---- charging -----------------------------------------------------------------------------


async def test_a_users_budget_drains_by_each_operations_cost_and_a_batch_costs_the_sum(app_url, db):
    email, _ = await new_user(db)
    async with limited_app(app_url, rate_limit_user=1000) as app, client_of(app) as c:
        g = await logged_in(c, email)
        first = await rate(g)
        assert (first["limit"], first["cost"], first["used"], first["remaining"]) == (1000, 1, 1, 999)

        r = await g.raw(ME)
        assert r.status_code == 200 and "errors" not in r.json(), r.json()
        used = RATE_COST + ME_COST
        assert (r.headers["x-ratelimit-used"], r.headers["x-ratelimit-remaining"]) == (str(used), str(1000 - used))
        assert r.headers["x-ratelimit-limit"] == "1000"
        reset = dt.datetime.fromisoformat(first["resetAt"])
        assert r.headers["x-ratelimit-reset"] == str(int(reset.timestamp()))

        batch = await c.post("/graphql", json=[{"query": ME}, {"query": RATE}], headers=g.headers)
        assert batch.status_code == 200
        in_batch = batch.json()[1]["data"]["rateLimit"]
        used += ME_COST + RATE_COST
        assert (in_batch["cost"], in_batch["used"]) == (ME_COST + RATE_COST, used)

        last = await rate(g)
        used += RATE_COST
        assert (last["cost"], last["used"], last["remaining"]) == (RATE_COST, used, 1000 - used)
        assert last["resetAt"] == first["resetAt"]


async def test_one_users_spending_does_not_show_in_anothers_budget(app_url, db):
    (spender, _), (other, _) = await new_user(db), await new_user(db)
    async with limited_app(app_url, rate_limit_user=1000) as app, client_of(app) as c:
        a, b = await logged_in(c, spender), await logged_in(c, other)
        for _ in range(3):
            await a(ME)
        assert (await rate(a))["used"] == 3 * ME_COST + RATE_COST
        assert (await rate(b))["used"] == RATE_COST  # the same address, another user: their own budget


async def test_documents_refused_before_they_run_cost_nothing(app_url, db):
    email, _ = await new_user(db)
    async with limited_app(app_url, rate_limit_user=1000) as app, client_of(app) as c:
        g = await logged_in(c, email)
        before = (await rate(g))["used"]
        broken = await g("{ me { noSuchField } }", expect_errors=True)
        assert "noSuchField" in broken["errors"][0]["message"] and "data" not in broken
        assert (await rate(g))["used"] == before + RATE_COST


# ---- over budget ----------------------------------------------------------------------------


async def test_over_budget_nothing_runs_and_the_answer_says_when_to_retry(app_url, db):
    email, user_id = await new_user(db)
    ip = address()
    limit = 2 * LOGIN_COST + 1
    async with limited_app(app_url, rate_limit_anonymous=limit) as app, client_of(app, ip) as c:
        for _ in range(2):
            assert (await login(c, email))["errors"] == []
        sessions = await db.fetchval("SELECT count(*) FROM user_sessions WHERE user_id = $1", user_id)
        assert sessions == 2

        # the third login would pass the budget: refused, and no session is created
        variables = {"input": {"email": email, "password": "demo-password-unused"}}
        for accept, status in (("application/graphql-response+json", 429), ("application/json", 200)):
            r = await c.post("/graphql", json={"query": LOGIN, "variables": variables}, headers={"Accept": accept})
            assert r.status_code == status
            body = r.json()
            assert "data" not in body
            error = body["errors"][0]
            assert error["extensions"]["code"] == "RATE_LIMITED"
            retry = error["extensions"]["retryAfter"]
            assert 1 <= retry <= DAY
            assert r.headers["retry-after"] == str(retry)
            assert f"retry in {retry} seconds" in error["message"]
            assert (error["extensions"]["cost"], error["extensions"]["remaining"]) == (LOGIN_COST, 1)
            reset = dt.datetime.fromisoformat(error["extensions"]["resetAt"])
            assert abs((reset - dt.datetime.now(dt.UTC)).total_seconds() - retry) < 5
        assert await db.fetchval("SELECT count(*) FROM user_sessions WHERE user_id = $1", user_id) == sessions
        attempts = await db.fetchval("SELECT count(*) FROM login_attempts WHERE email = $1", email)
        assert attempts == 2  # the refused logins did not even count as attempts

        # refusals charged nothing: the last point is still there to spend, then none
        left = await rate(GQL(c))
        assert (left["used"], left["remaining"]) == (limit, 0)
        refused = await GQL(c)(RATE, expect_errors=True)
        assert refused["errors"][0]["extensions"]["code"] == "RATE_LIMITED"


async def test_an_operation_costing_more_than_the_whole_budget_is_refused_outright(app_url, db):
    email, _ = await new_user(db)
    async with limited_app(app_url, rate_limit_user=ME_COST - 1) as app, client_of(app) as c:
        g = await logged_in(c, email)
        body = await g(ME, expect_errors=True)
        assert body["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
        assert (await rate(g))["used"] == RATE_COST


async def test_a_batch_over_budget_runs_none_of_its_operations(app_url, db):
    email, user_id = await new_user(db)
    async with limited_app(app_url, rate_limit_anonymous=3 * LOGIN_COST - 1) as app, client_of(app) as c:
        op = {"query": LOGIN, "variables": {"input": {"email": email, "password": "demo-password"}}}
        r = await c.post("/graphql", json=[op, op, op])
        assert [item["errors"][0]["extensions"]["code"] for item in r.json()] == ["RATE_LIMITED"] * 3
        assert "retry-after" in r.headers
        assert await db.fetchval("SELECT count(*) FROM login_attempts WHERE email = $1", email) == 0
        assert await db.fetchval("SELECT count(*) FROM user_sessions WHERE user_id = $1", user_id) == 0


async def test_the_budget_is_full_again_when_the_window_resets(app_url):
    app = create_app(make_settings(rate_limit_window_seconds=2, rate_limit_anonymous=1), database_url=app_url)
    async with LifespanManager(app), client_of(app) as c:
        g = GQL(c)
        refused = None
        for _ in range(3):  # the first two requests may straddle a window's end
            body = await g(RATE, expect_errors=True)
            if "errors" in body:
                refused = body["errors"][0]["extensions"]
                break
        assert refused is not None and refused["code"] == "RATE_LIMITED"
        await asyncio.sleep(refused["retryAfter"] + 0.2)
        again = await rate(g)
        assert (again["used"], again["remaining"]) == (1, 0)
        assert dt.datetime.fromisoformat(again["resetAt"]) > dt.datetime.fromisoformat(refused["resetAt"])


# ---- shared across processes, per caller -----------------------------------------------------


async def test_two_gateway_processes_spend_one_budget(app_url, db):
    email, _ = await new_user(db)
    async with (
        limited_app(app_url, rate_limit_user=3) as one,
        limited_app(app_url, rate_limit_user=3) as two,
        client_of(one) as c1,
        client_of(two) as c2,
    ):
        g1 = await logged_in(c1, email)
        g2 = GQL(c2)
        g2.headers = dict(g1.headers)
        assert (await rate(g1))["used"] == 1
        assert (await rate(g2))["used"] == 2
        assert (await rate(g1))["used"] == 3
        refused = await g2(RATE, expect_errors=True)
        assert refused["errors"][0]["extensions"]["code"] == "RATE_LIMITED"


async def test_anonymous_callers_are_limited_by_address_and_do_not_spend_each_others_budget(app_url):
    ip_a, ip_b = address(), address()
    async with (
        limited_app(app_url, rate_limit_anonymous=2) as app,
        client_of(app, ip_a) as a,
        client_of(app, ip_b) as b,
    ):
        assert (await rate(GQL(a)))["used"] == 1
        # X-Forwarded-For is not believed without TRUSTED_PROXIES: still address A
        spoofed = await GQL(a)(RATE, headers={"X-Forwarded-For": ip_b})
        assert spoofed["data"]["rateLimit"]["used"] == 2
        assert (await GQL(a)(RATE, expect_errors=True))["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
        other = await rate(GQL(b))
        assert (other["used"], other["remaining"]) == (1, 1)


async def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_budget(app_url):
    proxy, ip_a, ip_b = address(), address(), address()
    async with (
        limited_app(app_url, rate_limit_anonymous=1, trusted_proxies=proxy) as app,
        client_of(app, proxy) as via_proxy,
    ):
        g = GQL(via_proxy)
        assert (await g(RATE, headers={"X-Forwarded-For": ip_a}))["data"]["rateLimit"]["used"] == 1
        assert (await g(RATE, headers={"X-Forwarded-For": ip_b}))["data"]["rateLimit"]["used"] == 1
        refused = await g(RATE, headers={"X-Forwarded-For": ip_a}, expect_errors=True)
        assert refused["errors"][0]["extensions"]["code"] == "RATE_LIMITED"


async def test_each_role_class_gets_its_own_setting_and_zero_means_no_limit(app_url, db):
    visitor, _ = await new_user(db)
    platform = await platform_user(db)
    limits = dict(rate_limit_anonymous=7, rate_limit_user=50, rate_limit_platform=500)
    async with limited_app(app_url, **limits) as app, client_of(app) as c:
        assert (await rate(GQL(c)))["limit"] == 7
        assert (await rate(await logged_in(c, visitor)))["limit"] == 50
        assert (await rate(await logged_in(c, platform)))["limit"] == 500
    async with limited_app(app_url, rate_limit_anonymous=0) as app, client_of(app) as c:
        r = await GQL(c).raw(RATE)
        assert r.json()["data"]["rateLimit"] is None
        assert "x-ratelimit-limit" not in r.headers


# ---- cleanup ----------------------------------------------------------------------------------


async def test_the_hourly_job_deletes_the_buckets_of_windows_long_over(app_url, db):
    old, current = unique("ip:old"), unique("ip:current")
    await db.execute(
        "INSERT INTO rate_limit_buckets (caller, window_start, used) VALUES "
        "($1, now() - interval '1 day', 5), ($2, date_trunc('minute', now()), 5)",
        old,
        current,
    )
    async with tasks.opened(app_url):
        await tasks.prune_rate_limits(window_seconds=60)
    left = await db.fetch("SELECT caller FROM rate_limit_buckets WHERE caller = ANY($1)", [old, current])
    assert [r["caller"] for r in left] == [current]


async def test_a_browser_dashboard_may_read_the_rate_limit_headers(app_url):
    async with limited_app(app_url, rate_limit_anonymous=1) as app, client_of(app) as c:
        origin = {"Origin": "http://localhost:5173"}
        assert (await c.post("/graphql", json={"query": RATE}, headers=origin)).status_code == 200
        refused = await c.post("/graphql", json={"query": RATE}, headers=origin)
        exposed = {h.strip().lower() for h in refused.headers["access-control-expose-headers"].split(",")}
        assert {"retry-after", "x-ratelimit-remaining", "x-ratelimit-reset"} <= exposed
        assert refused.headers["retry-after"] == str(refused.json()["errors"][0]["extensions"]["retryAfter"])


async def test_the_headers_are_sent_where_the_database_hides_notices(app_url, db):
    """The charge answers a read with a NOTICE: a database (or role) whose client_min_messages
    is above `notice` must not make the X-RateLimit headers vanish."""
    database = await db.fetchval("SELECT current_database()")
    await db.execute(f'ALTER DATABASE "{database}" SET client_min_messages = warning')
    try:
        async with limited_app(app_url, rate_limit_anonymous=50) as app, client_of(app) as c:
            first = await c.post("/graphql", json={"query": RATE})
            second = await c.post("/graphql", json={"query": RATE})
        for r in (first, second):
            assert r.status_code == 200 and "errors" not in r.json(), r.text
        assert first.headers["x-ratelimit-used"] == str(RATE_COST), dict(first.headers)
        assert second.headers["x-ratelimit-remaining"] == str(50 - 2 * RATE_COST)
    finally:
        await db.execute(f'ALTER DATABASE "{database}" RESET client_min_messages')


async def test_exports_and_downloads_spend_the_same_budget_and_are_refused_past_it(app_url, db):
    """The plain routes (CSV exports, file downloads) are charged like GraphQL: a script that
    loops over an export meets the same limit, with the same headers."""
    from gateway.school_routes import EXPORT_COST

    email, user_id = await new_user(db, "ACCOUNTANT")
    async with db.acquire() as conn:
        school = await conn.fetchval("SELECT id FROM schools WHERE school_code = 'DEMO-GWH'")
        await conn.execute(
            "INSERT INTO role_assignments (user_id, role, school_id) VALUES ($1, 'ACCOUNTANT', $2)", user_id, school
        )
    budget = 2 * EXPORT_COST + 50  # two exports and the login fit; a third export does not
    async with limited_app(app_url, rate_limit_user=budget) as app, client_of(app) as c:
        g = await logged_in(c, email)
        path = "/exports/session-pnl.csv"
        first = await c.get(path, headers=g.headers)
        assert first.status_code == 200, first.text
        used = int(first.headers["x-ratelimit-used"])
        assert used >= EXPORT_COST and first.headers["x-ratelimit-limit"] == str(budget)
        second = await c.get(path, headers=g.headers)
        assert second.status_code == 200 and int(second.headers["x-ratelimit-used"]) == used + EXPORT_COST
        refused = await c.get(path, headers=g.headers)
        assert refused.status_code == 429, refused.text
        assert refused.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
        assert int(refused.headers["retry-after"]) >= 1
        # nothing was charged for the refusal, and GraphQL now meets the same spent budget
        assert (await rate(g))["used"] == used + EXPORT_COST + RATE_COST


# ---- every route ----------------------------------------------------------------------------

# Each route the app serves, and why it is or is not charged against the caller's budget: a
# route added without a line here fails the walk below, so no new endpoint escapes the limit
# by being forgotten. Charged routes: a request to try (parameters filled in).
CHARGED_ROUTES = {
    "/graphql": "/graphql?query=%7BrateLimit%7Bused%7D%7D",  # { rateLimit { used } }: cost 1
    "/exports/daily-cash.csv": "/exports/daily-cash.csv",
    "/exports/monthly-pnl.csv": "/exports/monthly-pnl.csv",
    "/exports/session-pnl.csv": "/exports/session-pnl.csv",
    "/exports/expenses.csv": "/exports/expenses.csv",
    "/files/student-documents/{id}": "/files/student-documents/U3R1ZGVudERvY3VtZW50OjE",
    "/unsubscribe": "/unsubscribe?token=not-a-token",  # each check costs a transaction
}
UNCHARGED_ROUTES = {
    "/healthz": "the orchestrator's liveness probe: no database",
    "/readyz": "the orchestrator's readiness probe: one SELECT 1",
    "/metrics": "the scraper's; open in development, protected in production",
    "/.well-known/jwks.json": "public keys, the same bytes for everyone",
    "/files/{token}": "the signed, expiring token is the credential, checked before any database work",
    "/static": "GraphiQL's assets, files on disk",
}


async def test_every_route_is_declared_and_the_charged_ones_refuse_a_spent_budget(app_url):
    """A walk over the app's routes: each is declared charged or not (with the reason), and
    past an anonymous address's budget every charged route answers 429 with Retry-After while
    the uncharged ones still answer."""
    async with limited_app(app_url, rate_limit_anonymous=1) as app, client_of(app) as c:
        served = {route.path for route in app.routes}
        assert served == set(CHARGED_ROUTES) | set(UNCHARGED_ROUTES), (
            "declare each route in CHARGED_ROUTES or UNCHARGED_ROUTES: "
            f"undeclared {sorted(served - set(CHARGED_ROUTES) - set(UNCHARGED_ROUTES))}, "
            f"gone {sorted(set(CHARGED_ROUTES) | set(UNCHARGED_ROUTES) - served)}"
        )
        spend = await c.get(CHARGED_ROUTES["/graphql"])
        assert spend.status_code == 200 and spend.headers.get("x-ratelimit-remaining") == "0", spend.text
        for path, url in CHARGED_ROUTES.items():
            # (GraphQL answers 429 to clients of its own media type; application/json clients get 200)
            refused = await c.get(url, headers={"Accept": "application/graphql-response+json"})
            assert refused.status_code == 429, (path, refused.status_code, refused.text)
            assert int(refused.headers["retry-after"]) >= 1, path
            assert refused.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED", path
        for path in ("/healthz", "/readyz", "/.well-known/jwks.json", "/metrics"):
            assert (await c.get(path)).status_code == 200, path
