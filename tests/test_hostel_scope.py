"""The one way a mutation writes in a hostel that is not the caller's tenant (a visitor
booking online): RequestDB.hostel_scope sets the RLS key and the ORM tenant guard for the
block only, and puts both back, whether the block's savepoint committed or rolled back."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from kit.db import DbScope, RequestDB, create_engine


@pytest.fixture
async def engine(app_url: str):
    e = create_engine(app_url, pool_size=1, max_overflow=0)
    yield e
    await e.dispose()


async def _setting(session) -> str:
    return (await session.execute(text("SELECT current_setting('app.hostel_id', true)"))).scalar_one()


async def test_scope_is_restored_after_commit_and_rollback(engine, db) -> None:
    async with db.acquire() as conn:
        lotus = await conn.fetchval("SELECT id FROM hostels WHERE slug = 'demo-lotus'")
        sunrise = await conn.fetchval("SELECT id FROM hostels WHERE slug = 'demo-sunrise'")
    for own in (None, sunrise):
        rdb = RequestDB(engine, DbScope(user_id=1, hostel_id=own))
        try:
            session = await rdb.session()
            assert await _setting(session) == ("" if own is None else str(own))
            async with rdb.hostel_scope(lotus):
                assert await _setting(session) == str(lotus)
                assert session.info["tenant_scope"] == (None, lotus)
                rooms = (await session.execute(text("SELECT count(*) FROM rooms"))).scalar_one()
                assert rooms > 0  # RLS now shows Lotus' rows
            assert await _setting(session) == ("" if own is None else str(own))
            assert session.info["tenant_scope"] == (None, own)
            with pytest.raises(RuntimeError):
                async with rdb.hostel_scope(lotus):
                    savepoint = await session.begin_nested()
                    await session.execute(text("SELECT 1"))
                    await savepoint.rollback()
                    raise RuntimeError("the work failed")
            assert await _setting(session) == ("" if own is None else str(own))
            visible = (
                await session.execute(text("SELECT count(*) FROM rooms WHERE hostel_id = :h"), {"h": lotus})
            ).scalar_one()
            assert visible == 0  # nothing of Lotus stays readable
        finally:
            await rdb.close(commit=False)
