"""Plain-SQL services take `run(sql, params) -> rows`, so one computation serves reads
(`ctx.db.fetch`: asyncpg, `$n` parameters, RLS in force) and mutations (`session_runner`:
the mutation's ORM session, same connection and savepoint as its writes)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

Run = Callable[[str, list[Any]], Awaitable[list[Any]]]


def session_runner(session: Any) -> Run:
    async def run(sql: str, params: list[Any]) -> list[Any]:
        conn = await session.connection()
        result = await conn.exec_driver_sql(sql, tuple(params))
        return list(result.all()) if result.returns_rows else []  # writes (INSERT/DELETE) return none

    return run
