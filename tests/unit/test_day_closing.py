"""The day-closing rule of money movements (resolvers/finance/closing.py, seed §7.6) without a
database: a day on or before the latest closing in force is refused (LOCKED), a later one is
open; and which lock a writer and a closer take. The HTTP chain is tests/test_closing_chain.py."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from kit.errors import UserErrors
from resolvers.finance import closing

D = dt.date


@pytest.mark.parametrize(
    ("day", "through", "refusal"),
    [
        (D(2026, 3, 10), None, None),  # nothing closed yet
        (D(2026, 3, 11), D(2026, 3, 10), None),  # the day after the closing
        (D(2027, 1, 1), D(2026, 3, 10), None),
        (D(2026, 3, 10), D(2026, 3, 10), "2026-03-10 is closed; a super admin can reopen it."),
        (
            D(2026, 3, 9),
            D(2026, 3, 10),
            "2026-03-09 is closed (the books are closed through 2026-03-10); a super admin can reopen it.",
        ),
        (
            D(2025, 12, 31),
            D(2026, 3, 10),
            "2025-12-31 is closed (the books are closed through 2026-03-10); a super admin can reopen it.",
        ),
    ],
)
def test_day_closed(day: dt.date, through: dt.date | None, refusal: str | None) -> None:
    assert closing.day_closed(day, through) == refusal


class Session:
    """Records the statements; answers the closed-through query with `through`."""

    def __init__(self, through: dt.date | None) -> None:
        self.through = through
        self.statements: list[tuple[str, dict[str, Any]]] = []

    async def execute(self, statement: Any, params: dict[str, Any]) -> Any:
        self.statements.append((str(statement), params))
        through = self.through
        return type("Result", (), {"scalar": lambda _self: through})()


async def test_ensure_day_open_takes_the_shared_lock_then_refuses_a_closed_day() -> None:
    session = Session(D(2026, 3, 10))
    with pytest.raises(UserErrors) as refused:
        await closing.ensure_day_open(session, 12, D(2026, 3, 10), "paymentDate")
    [error] = refused.value.errors
    assert (error.code.value, error.field) == ("LOCKED", ["input", "paymentDate"])
    assert error.message == "2026-03-10 is closed; a super admin can reopen it."
    (lock, lock_params), (query, query_params) = session.statements
    assert "pg_advisory_xact_lock_shared(" in lock and lock_params == {"school": 12, "key": 0}
    assert "FROM day_closing" in query and "NOT override_allowed" in query and query_params == {"school": 12}


async def test_ensure_day_open_lets_an_open_day_pass() -> None:
    session = Session(D(2026, 3, 10))
    await closing.ensure_day_open(session, 12, D(2026, 3, 11))
    session = Session(None)
    await closing.ensure_day_open(session, 12, D(2020, 1, 1))
    assert len(session.statements) == 2


async def test_a_closer_takes_the_lock_exclusively() -> None:
    session = Session(None)
    await closing.lock_chain(session, 5, exclusive=True)
    [(lock, params)] = session.statements
    assert "pg_advisory_xact_lock(" in lock and "_shared" not in lock and params == {"school": 5, "key": 0}
    await closing.lock_chain(session, 5)
    assert "pg_advisory_xact_lock_shared(" in session.statements[1][0]


async def test_closed_through_is_the_query_answer() -> None:
    assert await closing.closed_through(Session(D(2026, 1, 2)), 3) == D(2026, 1, 2)
    assert await closing.closed_through(Session(None), 3) is None
