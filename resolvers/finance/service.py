"""Expenses, transfers and day closings (seed 001 expense and finance domains, §6.1-6.2, §7.6, §9.3).

Every function runs inside the mutation's savepoint (`writes.mutation_scope`): an expected
failure raises a UserErrors and nothing of it stays; each success leaves one ActivityLog.
The school is the active tenant and the session the one the request resolved (ctx), never input.

- Expense heads are unique per school by their normalised name (trimmed, inner spaces
  collapsed, lower-cased): "  Office   Rent" and "office rent" are the same head (CONFLICT).
- Voucher numbers `EXP-00001`, `EXP-00002`, ... never skip, even under concurrency: the
  school's `voucher_sequences` row is created if missing (INSERT ... ON CONFLICT DO NOTHING,
  starting after the highest number already used) and taken with SELECT ... FOR UPDATE; the
  number is drawn after every check, and a refusal rolls the savepoint back with the counter.
  Concurrent creations queue on that row until the holder's request commits.
- Money movements (vouchers, their (de)activation, transfers) are dated after the last closing in
  force (`closing.ensure_day_open`: LOCKED otherwise, also on an empty day that closing skipped)
  and not after today (the school's date, kit/clock.py), within the academic session
  they are recorded in (the one in force).
  Transfers are append-only and go from CASH to BANK only (as the seed's service enforces).
- The day-closing chain (resolvers/finance/closing.py): `dayClose` takes the school's chain lock
  exclusively (every posting holds it shared while it writes). Opening = the previous closing's
  cash and bank (before the first closing: the balance brought into the books, the opening
  its earliest closing has, 0/0 without one; kept when the first closing is closed again); the day's figures are `reports.day_figures`
  (the dailyCash report: one computation for both):
      closing cash = opening cash + cash revenue - cash expense - transfer out
      closing bank = opening bank + bank revenue - bank expense + transfer in
  Refused (CONFLICT): a future date, a day on or before the last closing in force, a day after a
  reopened one, a day with an earlier unclosed day with money since the last closing (its money
  would otherwise fall out of every closing); empty days in between are closed with it.
- `dayClosingOverride` (SUPER_ADMIN only) reopens a day and every later closing; closing the day
  again recomputes it and closes the later reopened ones again, in order.

Lock order, the same everywhere: the school's chain lock, then rows (head, voucher, sequence).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

import models
from kit import clock
from kit import writes
from kit.registry import spec_for_model
from resolvers.finance import closing, reports
from kit.errors import ErrorCode, user_error
from kit.workflow import Ref
from typing_extensions import Doc

HEAD = spec_for_model(models.ExpenseHead)
VOUCHER = spec_for_model(models.ExpenseVoucher)
TRANSFER = spec_for_model(models.FinanceAccountTransfer)
CLOSING = spec_for_model(models.DayClosing)

NAME_MAX, DESCRIPTION_MAX, REFERENCE_MAX, REMARKS_MAX = 150, 500, 100, 500
MONEY_MAX = Decimal("99999999999999999.99")  # NUMERIC(19, 2)
TRANSFER_FROM, TRANSFER_TO = "CASH", "BANK"
VOUCHER_PREFIX = "EXP-"


def normalize_name(name: str) -> str:
    return " ".join(name.split()).lower()


_school = writes.require_school
_session = writes.require_session


def _money(value: Decimal, field: str) -> Decimal:
    if not value.is_finite() or value <= 0:
        raise user_error(ErrorCode.INVALID, "amount must be more than 0.", field)
    if value > MONEY_MAX:
        raise user_error(ErrorCode.INVALID, "amount is too large.", field)
    cents = value.quantize(Decimal("0.01"))
    if cents != value:
        raise user_error(ErrorCode.INVALID, "amount has at most 2 decimal places.", field)
    return cents


def _not_future(day: dt.date, field: str) -> None:
    if day > clock.today():
        raise user_error(
            ErrorCode.INVALID,
            f"{field} cannot be in the future (today is {clock.today().isoformat()} in the school's time zone).",
            field,
        )


SESSION_SPAN = text(
    "SELECT name, start_date, end_date FROM academic_sessions WHERE id = :session AND school_id = :school"
)


async def _within_session(session: Any, school_id: int, session_id: int, day: dt.date, field: str) -> None:
    """A money movement recorded in an academic session is dated within it (like payments: issue 10)."""
    span = (await session.execute(SESSION_SPAN, {"session": session_id, "school": school_id})).first()
    if span is not None and (
        (span.start_date is not None and day < span.start_date) or (span.end_date is not None and day > span.end_date)
    ):
        raise user_error(
            ErrorCode.INVALID,
            f"{field} {day.isoformat()} is outside the academic session {span.name} "
            f"({span.start_date} to {span.end_date}) it would be recorded in.",
            field,
        )


# ---- expense heads ---------------------------------------------------------------------------


async def expense_head_create(
    ctx: Any,
    name: Annotated[str, Doc("Unique in the school, compared trimmed, spaces collapsed, lower-cased.")],
    description: str | None = None,
) -> int:
    """Create an expense head; CONFLICT when one with the same normalised name exists."""
    school_id = _school(ctx)
    clean = " ".join((name or "").split())
    if not clean:
        raise user_error(ErrorCode.INVALID, "name cannot be empty.", "name")
    if len(clean) > NAME_MAX:
        raise user_error(ErrorCode.INVALID, f"name is at most {NAME_MAX} characters.", "name")
    description = writes.clean_text(description, "description", DESCRIPTION_MAX)
    normalized = normalize_name(clean)
    EH = models.ExpenseHead
    async with writes.mutation_scope(ctx, HEAD) as session:
        clash = await session.scalar(select(EH.name).where(EH.school_id == school_id, EH.normalized_name == normalized))
        if clash is not None:
            raise user_error(
                ErrorCode.CONFLICT,
                f'An expense head "{clash}" already exists (names are compared without case and extra spaces).',
                "name",
            )
        head = EH(name=clean, normalized_name=normalized, description=description, active=True)
        try:
            async with session.begin_nested():
                session.add(head)
                await session.flush()
        except IntegrityError:  # created by a concurrent request since the check
            raise user_error(ErrorCode.CONFLICT, f'An expense head "{clean}" already exists.', "name") from None
        await writes.log_activity(session, ctx, "expenseHeadCreate", "ExpenseHead", head.id)
        return head.id


ACTIVE = Annotated[bool, Doc("The state wanted; omitted: the opposite of now.")]


async def expense_head_toggle(
    ctx: Any,
    session: Any,
    id: Ref[models.ExpenseHead],  # noqa: A002
    active: ACTIVE | None = None,
) -> int:
    """Deactivate or reactivate an expense head (vouchers need an active head)."""
    _school(ctx)
    head = await writes.get_for_update(ctx, session, HEAD, id)
    head.active = (not head.active) if active is None else active
    return head.id


# ---- vouchers --------------------------------------------------------------------------------

SEQUENCE_CREATE = text(f"""
INSERT INTO voucher_sequences (school_id, next_number, created_at, created_by)
SELECT :school, coalesce(max(CAST(substring(v.voucher_number FROM {len(VOUCHER_PREFIX) + 1}) AS bigint)), 0) + 1, now(), :user
  FROM expense_vouchers v
 WHERE v.school_id = :school AND v.voucher_number ~ '^{VOUCHER_PREFIX}[0-9]{{1,12}}$'
ON CONFLICT (school_id) DO NOTHING
""")
SEQUENCE_TAKE = text("SELECT next_number FROM voucher_sequences WHERE school_id = :school FOR UPDATE")
SEQUENCE_ADVANCE = text(
    "UPDATE voucher_sequences SET next_number = :next, updated_at = now(), updated_by = :user WHERE school_id = :school"
)


def voucher_number(n: int) -> str:
    return f"{VOUCHER_PREFIX}{n:05d}"


async def _next_voucher_number(ctx: Any, session: Any, school_id: int) -> str:
    params = {"school": school_id, "user": ctx.user_id}
    await session.execute(SEQUENCE_CREATE, params)
    n = (await session.execute(SEQUENCE_TAKE, params)).scalar_one()
    await session.execute(SEQUENCE_ADVANCE, {**params, "next": n + 1})
    return voucher_number(n)


async def expense_voucher_create(
    ctx: Any,
    session: Any,
    expense_date: Annotated[dt.date, Doc("Not in the future (the school's date), on a day that is not closed.")],
    expense_head_id: Annotated[Ref[models.ExpenseHead], Doc("An active ExpenseHead.")],
    amount: Annotated[Decimal, Doc("More than 0, at most 2 decimals.")],
    payment_mode: models.ExpensePaymentMode,
    description: str | None = None,
    reference_number: str | None = None,
) -> int:
    """Record an expense voucher in the academic session in force. Its number (EXP-00001, ...) is the
    school's next, without gaps. Refused (nothing changes) for an amount not above 0, an inactive or
    unknown head, a future date, or a closed day (LOCKED)."""
    # runs in the workflow frame's savepoint, which writes the activity entry
    head_id = expense_head_id
    school_id, session_id = _school(ctx), _session(ctx)
    amount = _money(amount, "amount")
    description = writes.clean_text(description, "description", DESCRIPTION_MAX)
    reference_number = writes.clean_text(reference_number, "referenceNumber", REFERENCE_MAX)
    _not_future(expense_date, "expenseDate")
    mode = models.ExpensePaymentMode(getattr(payment_mode, "value", payment_mode))
    EH = models.ExpenseHead
    await _within_session(session, school_id, session_id, expense_date, "expenseDate")
    await closing.ensure_day_open(session, school_id, expense_date, "expenseDate")
    head = (
        await session.execute(
            select(EH.name, EH.active).where(EH.id == head_id, EH.school_id == school_id).with_for_update(read=True)
        )
    ).first()
    if head is None:
        raise user_error(ErrorCode.NOT_FOUND, "No ExpenseHead with this ID.", "expenseHeadId")
    if not head.active:
        raise user_error(ErrorCode.INVALID, f'Expense head "{head.name}" is not active.', "expenseHeadId")
    number = await _next_voucher_number(ctx, session, school_id)  # last: the row lock is held shortest
    voucher = models.ExpenseVoucher(
        voucher_number=number,
        expense_date=expense_date,
        expense_head_id=head_id,
        amount=amount,
        payment_mode=mode,
        description=description,
        reference_number=reference_number,
        session_id=session_id,
        active=True,
    )
    session.add(voucher)
    await session.flush()
    return voucher.id


async def expense_voucher_toggle(
    ctx: Any,
    session: Any,
    id: Ref[models.ExpenseVoucher],  # noqa: A002
    active: ACTIVE | None = None,
) -> int:
    """Deactivate or reactivate an expense voucher; refused (LOCKED) when its day is closed."""
    school_id = _school(ctx)
    EV = models.ExpenseVoucher
    # find it first without a lock (another school's is NOT_FOUND, like a missing one) ...
    day = await session.scalar(select(EV.expense_date).where(EV.id == id, EV.school_id == school_id))
    if day is None:
        raise user_error(ErrorCode.NOT_FOUND, "No ExpenseVoucher with this ID.", "id")
    # ... then the day's lock before the row's, the order every writer uses
    await closing.ensure_day_open(session, school_id, day, "id")
    voucher = await writes.get_for_update(ctx, session, VOUCHER, id)
    if voucher.expense_date != day:  # pragma: no cover - the date never changes
        raise user_error(ErrorCode.CONFLICT, "The voucher changed meanwhile; try again.", "id")
    voucher.active = (not voucher.active) if active is None else active
    return voucher.id


# ---- transfers -------------------------------------------------------------------------------


async def account_transfer_create(
    ctx: Any,
    transfer_date: Annotated[dt.date, Doc("Not in the future (the school's date), on a day that is not closed.")],
    amount: Annotated[Decimal, Doc("More than 0, at most 2 decimals.")],
    from_account: Annotated[str, Doc("CASH (the only source today).")],
    to_account: Annotated[str, Doc("BANK (the only destination today).")],
    reference_number: str | None = None,
    remarks: str | None = None,
) -> int:
    """Record money moved from CASH to BANK (append-only) in the academic session in force. Refused
    for other accounts, an amount not above 0, a future date or a closed day (LOCKED)."""
    school_id, session_id = _school(ctx), _session(ctx)
    source, target = (from_account or "").strip().upper(), (to_account or "").strip().upper()
    if source != TRANSFER_FROM:
        raise user_error(ErrorCode.INVALID, f"Transfers go from {TRANSFER_FROM} to {TRANSFER_TO} only.", "fromAccount")
    if target != TRANSFER_TO:
        raise user_error(ErrorCode.INVALID, f"Transfers go from {TRANSFER_FROM} to {TRANSFER_TO} only.", "toAccount")
    amount = _money(amount, "amount")
    reference_number = writes.clean_text(reference_number, "referenceNumber", REFERENCE_MAX)
    remarks = writes.clean_text(remarks, "remarks", REMARKS_MAX)
    _not_future(transfer_date, "transferDate")
    async with writes.mutation_scope(ctx, TRANSFER) as session:
        await _within_session(session, school_id, session_id, transfer_date, "transferDate")
        await closing.ensure_day_open(session, school_id, transfer_date, "transferDate")
        transfer = models.FinanceAccountTransfer(
            session_id=session_id,
            transfer_date=transfer_date,
            amount=amount,
            from_account=source,
            to_account=target,
            reference_number=reference_number,
            remarks=remarks,
        )
        session.add(transfer)
        await session.flush()
        await writes.log_activity(session, ctx, "accountTransferCreate", "FinanceAccountTransfer", transfer.id)
        return transfer.id


# ---- day closing -----------------------------------------------------------------------------

UNCLOSED_BETWEEN_SQL = """
SELECT min(d) FROM (
  SELECT p.payment_date AS d FROM fee_payments p
   WHERE p.school_id = $1 AND ($2::date IS NULL OR p.payment_date > $2::date) AND p.payment_date < $3::date
  UNION ALL
  SELECT v.expense_date FROM expense_vouchers v
   WHERE v.school_id = $1 AND v.active AND ($2::date IS NULL OR v.expense_date > $2::date) AND v.expense_date < $3::date
  UNION ALL
  SELECT t.transfer_date FROM finance_account_transfers t
   WHERE t.school_id = $1 AND ($2::date IS NULL OR t.transfer_date > $2::date) AND t.transfer_date < $3::date
) x
"""


async def _first_unclosed(run: Any, school_id: int, after: dt.date | None, before: dt.date) -> dt.date | None:
    """The first day strictly between `after` (None: the beginning) and `before` with money."""
    return (await run(UNCLOSED_BETWEEN_SQL, [school_id, after, before]))[0][0]


async def _compute(
    ctx: Any,
    run: Any,
    school_id: int,
    session_id: int,
    day: dt.date,
    previous: Any | None,
    brought_forward: tuple[Decimal, Decimal] | None = None,
) -> dict[str, Any]:
    """The closing of `day`, opening with `previous`'s closing balances; without one (the first
    closing of the chain), with the balances `brought_forward` into the books (0 / 0 without any)."""
    if previous is not None:
        opening_cash, opening_bank = previous.closing_cash, previous.closing_bank
    else:
        opening_cash, opening_bank = brought_forward or (reports.ZERO, reports.ZERO)
    fig = await reports.day_figures(run, school_id, day)
    return dict(
        session_id=session_id,
        opening_cash=opening_cash,
        opening_bank=opening_bank,
        cash_revenue=fig.cash_revenue,
        bank_revenue=fig.bank_revenue,
        cash_expense=fig.cash_expense,
        bank_expense=fig.bank_expense,
        transfer_out=fig.transfer_out,
        transfer_in=fig.transfer_in,
        closing_cash=opening_cash + fig.net_cash,
        closing_bank=opening_bank + fig.net_bank,
        override_allowed=False,
        closed_by=ctx.user_id,
        closed_at=writes.now_utc(),
    )


async def day_close(ctx: Any, date: Annotated[dt.date, Doc("Today or earlier (the school's date).")]) -> int:
    """Close `date` (resolvers/finance/closing.py: the chain). Refused (CONFLICT, nothing changes):
    a day on or before the last closing in force; a day after a reopened one (that one is closed
    first); a day with an earlier day since the last closing that has money and is not closed.
    Closing a reopened day recomputes it and closes the later reopened days again, in order, each
    opening with the previous closing (stopping before one that has an unclosed day with money
    before it: that one waits for it)."""
    day = date
    school_id, session_id = _school(ctx), _session(ctx)
    if day > clock.today():
        raise user_error(
            ErrorCode.INVALID, f"{day.isoformat()} is in the future; a day is closed on or after it.", "date"
        )
    DC = models.DayClosing
    async with writes.mutation_scope(ctx, CLOSING) as session:
        await closing.lock_chain(session, school_id, exclusive=True)
        in_force = (
            await session.execute(
                select(DC)
                .where(DC.school_id == school_id, DC.override_allowed.is_(False))
                .order_by(DC.date.desc())
                .limit(1)
            )
        ).scalar_one_or_none()
        reopened = list(
            (
                await session.execute(
                    select(DC)
                    .where(DC.school_id == school_id, DC.override_allowed.is_(True))
                    .order_by(DC.date)
                    .with_for_update()
                )
            ).scalars()
        )
        if in_force is not None and day <= in_force.date:
            if day == in_force.date or await session.scalar(
                select(DC.id).where(DC.school_id == school_id, DC.date == day)
            ):
                raise user_error(
                    ErrorCode.CONFLICT,
                    f"{day.isoformat()} is already closed; a super admin can reopen it (dayClosingOverride).",
                    "date",
                )
            raise user_error(
                ErrorCode.CONFLICT,
                f"{day.isoformat()} is already closed: the books are closed through "
                f"{in_force.date.isoformat()}; a super admin can reopen it.",
                "date",
            )
        if reopened and day > reopened[0].date:
            raise user_error(
                ErrorCode.CONFLICT,
                f"{reopened[0].date.isoformat()} was reopened: close it first (the later "
                "reopened days are closed again with it, in order).",
                "date",
            )
        run = reports.session_runner(session)
        previous = in_force
        unclosed = await _first_unclosed(run, school_id, previous.date if previous is not None else None, day)
        if unclosed is not None:
            raise user_error(
                ErrorCode.CONFLICT,
                f"{unclosed.isoformat()} has money movements and is not closed; close the days in order.",
                "date",
            )
        # The first closing of the chain opens with what the school brought into the books (the
        # opening of its earliest closing, e.g. cash in hand when it started): reclosing it, or
        # closing a day before it while it is reopened, keeps that balance at the chain's start.
        # (With a closing in force before the day, `previous` is that one: every row left is later.)
        brought_forward = (
            (reopened[0].opening_cash, reopened[0].opening_bank) if previous is None and reopened else None
        )
        row = reopened.pop(0) if reopened and reopened[0].date == day else None
        values = await _compute(
            ctx, run, school_id, row.session_id if row is not None else session_id, day, previous, brought_forward
        )
        if row is None:
            row = DC(date=day, **values)
            session.add(row)
        else:  # reopened by a super admin: the closing is replaced and the day locked again
            for key, value in values.items():
                setattr(row, key, value)
            # ... and so are the later reopened closings, in order, each from the one before
            previous = row
            for later in reopened:
                if await _first_unclosed(run, school_id, previous.date, later.date) is not None:
                    break  # an entry was added on a day between them: that day is closed first
                for key, value in (await _compute(ctx, run, school_id, later.session_id, later.date, previous)).items():
                    setattr(later, key, value)
                await session.flush()
                await writes.log_activity(session, ctx, "dayClose", "DayClosing", later.id)
                previous = later
        await session.flush()
        await writes.log_activity(session, ctx, "dayClose", "DayClosing", row.id)
        return row.id


async def day_closing_override(ctx: Any, date: Annotated[dt.date, Doc("A closed day.")]) -> int:
    """Reopen `day` and every later closing (override_allowed); `day` may be an empty day that a
    closing skipped: the closing that covered it is reopened. NOT_FOUND when `day` is not closed."""
    day = date
    school_id = _school(ctx)
    DC = models.DayClosing
    async with writes.mutation_scope(ctx, CLOSING) as session:
        await closing.lock_chain(session, school_id, exclusive=True)
        rows = list(
            (
                await session.execute(
                    select(DC).where(DC.school_id == school_id, DC.date >= day).order_by(DC.date).with_for_update()
                )
            ).scalars()
        )
        if not rows:
            raise user_error(ErrorCode.NOT_FOUND, f"{day.isoformat()} is not closed.", "date")
        for row in rows:
            if not row.override_allowed:
                row.override_allowed = True
                await session.flush()
                await writes.log_activity(session, ctx, "dayClosingOverride", "DayClosing", row.id)
        return rows[0].id
