"""CSV exports of the finance reports (seed 001 §9.3 `/api/finance/export/*`), under the same
token, tenant and role rules as GraphQL (the identity of gateway/graphql_http.py, like the
file downloads of gateway/files.py):

    GET /exports/daily-cash.csv?date=YYYY-MM-DD
    GET /exports/monthly-pnl.csv?year=YYYY&month=M
    GET /exports/session-pnl.csv                  (the session in force: X-Session-Id or current)
    GET /exports/expenses.csv?from=YYYY-MM-DD&to=YYYY-MM-DD   (at most 366 days)

No token: 401. A caller without SCHOOL_ADMIN, ACCOUNTANT or SUPER_ADMIN, or without a
school as the active tenant: 404, the answer for an export that does not exist. Bad
parameters: 400. The figures are those of the GraphQL reports: the same functions of
resolvers/finance/reports.py compute both. The body is streamed row by row.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from auth.permissions import FINANCE_REPORTERS
from kit.db import RequestDB
from gateway.graphql_http import GraphQLHTTP
from gateway.school_routes import EXPORT_COST, error, for_school_caller
from kit.money import money
from resolvers.finance import reports

READERS = frozenset(FINANCE_REPORTERS)  # seed 001 §9.2: not PLATFORM_ADMIN
MAX_EXPENSE_DAYS = 366


class BadParameter(Exception):
    pass


def _date(request: Request, name: str) -> dt.date:
    value = request.query_params.get(name)
    if not value:
        raise BadParameter(f"Send {name}=YYYY-MM-DD.")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise BadParameter(f"{name} is not a date (YYYY-MM-DD).") from None


def _int(request: Request, name: str, low: int, high: int) -> int:
    value = request.query_params.get(name, "")
    if not value.isdigit() or not low <= int(value) <= high:
        raise BadParameter(f"Send {name} as a whole number from {low} to {high}.")
    return int(value)


def _money(value: Any) -> str:
    """Two decimals always ("0.00"), rounded like every amount (kit/money.py)."""
    return f"{money(value):f}"


# ---- CSV bodies: rows of the report objects -----------------------------------------------------


def daily_cash_rows(f: reports.DayFigures) -> Iterable[list[Any]]:
    yield ["section", "item", "count", "amount"]
    for m in f.revenue_by_mode:
        yield ["revenue_by_mode", m.mode, m.count, _money(m.amount)]
    for h in f.revenue_by_head:
        yield ["revenue_by_fee_head", h.fee_type_name, h.allocations, _money(h.total)]
    for m in f.expenses_by_mode:
        yield ["expenses_by_mode", m.mode, m.count, _money(m.amount)]
    for t in f.transfers:
        yield ["transfer", f"{t.from_account}->{t.to_account}", t.count, _money(t.amount)]
    for name in (
        "cash_revenue",
        "bank_revenue",
        "total_revenue",
        "cash_expense",
        "bank_expense",
        "total_expense",
        "transfer_out",
        "transfer_in",
        "net_cash",
        "net_bank",
        "net",
    ):
        yield ["total", name, "", _money(getattr(f, name))]
    yield ["status", "closed", "", "yes" if f.closing_id is not None and not f.override_allowed else "no"]


def pnl_rows(p: reports.Pnl) -> Iterable[list[Any]]:
    yield ["section", "head", "count", "principal", "late_fee", "amount"]
    for h in p.income:
        yield ["income", h.fee_type_name, h.allocations, _money(h.principal), _money(h.late_fee), _money(h.total)]
    for e in p.expenses:
        yield ["expense", e.expense_head_name, e.vouchers, "", "", _money(e.amount)]
    yield ["total", "income", "", "", "", _money(p.total_income)]
    yield ["total", "expense", "", "", "", _money(p.total_expense)]
    yield ["total", "net", "", "", "", _money(p.net)]


def expense_rows(rows: list[Any]) -> Iterable[list[Any]]:
    yield [
        "voucher_number",
        "expense_date",
        "expense_head",
        "amount",
        "payment_mode",
        "description",
        "reference_number",
    ]
    for number, day, head, amount, mode, description, reference in rows:
        yield [number, day.isoformat(), head, _money(amount), mode, description or "", reference or ""]


def _safe(value: Any) -> Any:
    """Cells that a spreadsheet would run as a formula are quoted with a leading apostrophe."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r") and not _is_number(value):
        return "'" + value
    return value


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


async def _stream(rows: Iterable[list[Any]], batch: int = 200) -> AsyncIterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    pending = 0
    for row in rows:
        writer.writerow([_safe(v) for v in row])
        pending += 1
        if pending >= batch:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    if buffer.tell():
        yield buffer.getvalue().encode()


# ---- routes ---------------------------------------------------------------------------------

Build = Callable[[Request, Any, int, int | None], Awaitable[tuple[str, Iterable[list[Any]]]]]


async def _daily_cash(
    request: Request, run: Any, school_id: int, session_id: int | None
) -> tuple[str, Iterable[list[Any]]]:
    day = _date(request, "date")
    return f"daily-cash-{day.isoformat()}.csv", daily_cash_rows(await reports.day_figures(run, school_id, day))


async def _monthly_pnl(
    request: Request, run: Any, school_id: int, session_id: int | None
) -> tuple[str, Iterable[list[Any]]]:
    year, month = _int(request, "year", 1900, 9999), _int(request, "month", 1, 12)
    return f"pnl-{year:04d}-{month:02d}.csv", pnl_rows(await reports.monthly_pnl(run, school_id, year, month))


async def _session_pnl(
    request: Request, run: Any, school_id: int, session_id: int | None
) -> tuple[str, Iterable[list[Any]]]:
    if session_id is None:
        raise BadParameter("No academic session is selected: the school has no current session.")
    return f"pnl-session-{session_id}.csv", pnl_rows(await reports.session_pnl(run, school_id, session_id))


async def _expenses(
    request: Request, run: Any, school_id: int, session_id: int | None
) -> tuple[str, Iterable[list[Any]]]:
    start, end = _date(request, "from"), _date(request, "to")
    if end < start:
        raise BadParameter("`to` is before `from`.")
    if (end - start).days >= MAX_EXPENSE_DAYS:
        raise BadParameter(f"Export at most {MAX_EXPENSE_DAYS} days at a time.")
    rows = await reports.expense_register(run, school_id, start, end)
    return f"expenses-{start.isoformat()}-{end.isoformat()}.csv", expense_rows(rows)


def _endpoint(graphql: GraphQLHTTP, build: Build) -> Callable[[Request], Awaitable[Response]]:
    async def export(request: Request) -> Response:
        async def work(db: RequestDB, identity: Any, school_id: int) -> Response:
            try:
                filename, rows = await build(request, db.fetch, school_id, identity.academic_session_id)
            except BadParameter as exc:
                return error(400, str(exc), "BAD_REQUEST")
            # every figure is computed before the first byte goes out (the transaction ends right after)
            return StreamingResponse(
                _stream(rows),
                media_type="text/csv; charset=utf-8",
                headers={
                    "Content-Disposition": f'attachment; filename="{filename}"',
                    "Cache-Control": "private, no-store",
                    "X-Content-Type-Options": "nosniff",
                },
            )

        return await for_school_caller(graphql, request, READERS, "No such export.", work, EXPORT_COST)

    return export


def export_routes(graphql: GraphQLHTTP) -> list[Route]:
    return [
        Route("/exports/daily-cash.csv", _endpoint(graphql, _daily_cash), methods=["GET"]),
        Route("/exports/monthly-pnl.csv", _endpoint(graphql, _monthly_pnl), methods=["GET"]),
        Route("/exports/session-pnl.csv", _endpoint(graphql, _session_pnl), methods=["GET"]),
        Route("/exports/expenses.csv", _endpoint(graphql, _expenses), methods=["GET"]),
    ]
