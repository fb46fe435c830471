"""PostgreSQL stops a statement that runs longer than DB_STATEMENT_TIMEOUT_MS: the caller gets a
TIMEOUT error (not an internal error), the pooled connection is reused cleanly, and a session
left idle in a transaction is ended by DB_IDLE_IN_TRANSACTION_MS."""

from __future__ import annotations

import asyncio

import httpx
from asgi_lifespan import LifespanManager
from sqlalchemy import text

from gateway.app import create_app
from tests.conftest import make_settings


async def test_a_statement_past_the_timeout_is_a_timeout_error_and_the_pool_stays_usable(app_url, db):
    application = create_app(
        make_settings(db_statement_timeout_ms=200, db_pool_size=1, db_pool_overflow=0), database_url=app_url
    )
    async with (
        LifespanManager(application),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=application), base_url="http://gateway.test") as client,
    ):
        query = {"query": "{ hostels(first: 1) { totalCount } }"}
        async with db.acquire() as conn, conn.transaction():
            # the statement waits for this lock longer than its timeout allows (deterministic, no sleep in the app)
            await conn.execute("LOCK TABLE hostels IN ACCESS EXCLUSIVE MODE")
            # without a timeout the request waits for the lock forever: fail instead of hanging
            r = await asyncio.wait_for(client.post("/graphql", json=query), 10)
        assert r.status_code == 200, r.text
        (error,) = r.json()["errors"]
        assert (
            error["extensions"]["code"] == "TIMEOUT" and error["extensions"]["requestId"] == r.headers["x-request-id"]
        ), error
        # the one pooled connection serves the next request
        r = await client.post("/graphql", json=query)
        assert r.status_code == 200 and r.json()["data"]["hostels"]["totalCount"] >= 1, r.text
        async with application.state.engine.connect() as conn:
            shown = {
                name: (await conn.execute(text(f"SHOW {name}"))).scalar()
                for name in ("statement_timeout", "idle_in_transaction_session_timeout")
            }
        assert shown == {"statement_timeout": "200ms", "idle_in_transaction_session_timeout": "1min"}, shown
