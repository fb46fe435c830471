"""Each isolation layer is enough on its own: RLS without the application filter, the
application filter without RLS; and a pooled connection carries no tenant."""

from __future__ import annotations

import httpx
import pytest
from asgi_lifespan import LifespanManager
from sqlalchemy import text

from gateway.app import create_app
from kit.context import RequestContext
from models.base import Base
from tests.conftest import bearer, make_settings

SESSIONS = "{ academicSessions(first: 100) { nodes { id school { schoolCode } } } schools(first: 50) { nodes { schoolCode academicSessions(first: 10) { nodes { id } } } } }"


async def _school_codes_seen(client, email: str) -> set[str]:
    body = (await client.post("/graphql", json={"query": SESSIONS}, headers=await bearer(client, email))).json()
    assert "errors" not in body, body
    codes = {n["school"]["schoolCode"] for n in body["data"]["academicSessions"]["nodes"] if n["school"]}
    nested = {s["schoolCode"] for s in body["data"]["schools"]["nodes"] if s["academicSessions"]["nodes"]}
    return codes | nested


async def _sessions_by_school(db) -> dict[str, int]:
    async with db.acquire() as conn:
        rows = await conn.fetch(
            "SELECT s.school_code, count(*) FROM academic_sessions a JOIN schools s ON s.id = a.school_id "
            "WHERE s.school_code LIKE 'DEMO-%' GROUP BY 1"
        )
    return dict(rows)


async def test_rls_alone_isolates_when_the_application_filter_is_off(client, db, monkeypatch):
    monkeypatch.setattr(RequestContext, "visibility", lambda self, spec, alias, bind: ((), []))
    seen = await _school_codes_seen(client, "admin@riverside.demo")
    assert seen == {"DEMO-RVP"}
    # and the filter really was off: the platform role without a tenant reads across tenants
    assert {"DEMO-GWH", "DEMO-RVP"} <= await _school_codes_seen(client, "superadmin@demo.campus")


@pytest.fixture
async def owner_client(pg_url):
    """The same app connected as the table owner, a superuser: RLS does not apply to it."""
    app = create_app(make_settings(), database_url=pg_url)
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://owner") as c,
    ):
        yield c


async def test_the_application_filter_alone_isolates_when_rls_is_bypassed(owner_client, monkeypatch):
    assert await _school_codes_seen(owner_client, "admin@riverside.demo") == {"DEMO-RVP"}
    # and RLS really was bypassed: without the application filter, everything shows
    monkeypatch.setattr(RequestContext, "visibility", lambda self, spec, alias, bind: ((), []))
    assert {"DEMO-GWH", "DEMO-RVP"} <= await _school_codes_seen(owner_client, "admin@riverside.demo")


async def test_rls_refuses_writes_into_another_tenant(app, db):
    async with db.acquire() as conn:
        greenwood = await conn.fetchval("SELECT id FROM schools WHERE school_code = 'DEMO-GWH'")
        riverside = await conn.fetchval("SELECT id FROM schools WHERE school_code = 'DEMO-RVP'")
    async with app.state.engine.connect() as conn:
        await conn.execute(text("SELECT set_config('app.school_id', :s, true)"), {"s": str(riverside)})
        with pytest.raises(Exception, match="row-level security"):
            await conn.execute(
                text("INSERT INTO academic_sessions (name, school_id) VALUES ('sneaky', :g)"), {"g": greenwood}
            )
        await conn.rollback()


async def test_a_pooled_connection_carries_no_tenant(client, app):
    body = (
        await client.post(
            "/graphql",
            json={"query": "{ academicSessions { totalCount } }"},
            headers=await bearer(client, "admin@greenwood.demo"),
        )
    ).json()
    assert body["data"]["academicSessions"]["totalCount"] > 0
    for _ in range(app.state.settings.db_pool_size):  # whichever pooled connection we get
        async with app.state.engine.connect() as conn:
            row = (
                await conn.execute(
                    text(
                        "SELECT coalesce(current_setting('app.school_id', true), ''), "
                        "(SELECT count(*) FROM academic_sessions)"
                    )
                )
            ).one()
            assert row == ("", 0)
            await conn.rollback()


async def test_every_tenant_table_has_forced_rls_and_the_app_role_cannot_bypass_it(db):
    tenant_tables = {
        m.__tablename__
        for m in Base.registry._class_registry.values()
        if isinstance(m, type) and getattr(m, "__tenant_key__", None) and hasattr(m, "__tablename__")
    }
    assert "academic_sessions" in tenant_tables
    async with db.acquire() as conn:
        rows = await conn.fetch(
            "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, "
            "EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid) AS has_policy "
            "FROM pg_class c WHERE c.relname = ANY($1::text[])",
            sorted(tenant_tables),
        )
        role = await conn.fetchrow("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = 'campus_app'")
        owned = await conn.fetchval(
            "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner WHERE r.rolname = 'campus_app'"
        )
    assert {r["relname"] for r in rows} == tenant_tables
    assert all(r["relrowsecurity"] and r["relforcerowsecurity"] and r["has_policy"] for r in rows), rows
    assert role == (False, False) and owned == 0


async def test_append_only_tables_refuse_updates_from_the_application(app):
    async with app.state.engine.connect() as conn:
        with pytest.raises(Exception, match="permission denied"):
            await conn.execute(text("UPDATE login_attempts SET success = true"))
        await conn.rollback()
