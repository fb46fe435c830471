"""Expenses and finance (seed 001 expense and finance domains)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

import strawberry
from strawberry.types import Info

import models
from auth.permissions import declare
from kit.declared import type_of
from kit.model_types import extend_type
from models.fees import access
from kit.fields import declare_cost
from kit.planner import BadInput
from resolvers.finance import reports, service
from kit.connection import PageInfo, graphql_enum
from kit.errors import UserErrors
from kit.fields import authorize, load_entities, load_entity
from kit.mutations import decode_ref
from kit.workflow import workflow
from schema.fees import FINANCE_REPORTS

ExpensePaymentMode = graphql_enum(models.ExpensePaymentMode)


ExpenseHead = type_of(models.ExpenseHead)
FinanceAccountTransfer = type_of(models.FinanceAccountTransfer)


@extend_type(models.ExpenseVoucher)
class ExpenseVoucher:
    # seed 001 `createdBy`: the audit column read as a link (models/expenses: no foreign key there)
    created_by_user: User | None = strawberry.field(
        default=None, name="createdBy", description="The user who recorded the voucher."
    )


@extend_type(models.DayClosing)
class DayClosing:
    closed_by_user: User | None = strawberry.field(
        default=None, name="closedBy", description="The user who closed the day."
    )


# ---- report types (computed: resolvers/finance/reports.py) ------------------------------------


@strawberry.type(description="Money of one payment mode: how many records and how much.")
class ModeAmount:
    mode: str
    count: int
    amount: Decimal

    @classmethod
    def of(cls, m: reports.ModeAmount) -> ModeAmount:
        return cls(mode=m.mode, count=m.count, amount=m.amount)


@strawberry.type(description="Collection of one fee head (fee type), from payment allocations.")
class FeeHeadCollection:
    fee_type_id: strawberry.Private[int]
    fee_type_name: str
    allocations: int = strawberry.field(description="Allocation rows counted.")
    principal: Decimal
    late_fee: Decimal
    total: Decimal = strawberry.field(description="principal + lateFee")

    @strawberry.field
    def fee_type(self, info: Info) -> FeeType | None:
        return load_entity(info, models.FeeType, self.fee_type_id)

    @classmethod
    def of(cls, h: reports.HeadCollection) -> FeeHeadCollection:
        return cls(
            fee_type_id=h.fee_type_id,
            fee_type_name=h.fee_type_name,
            allocations=h.allocations,
            principal=h.principal,
            late_fee=h.late_fee,
            total=h.total,
        )


@strawberry.type(description="Transfers between two accounts on the day.")
class TransferAmount:
    from_account: str
    to_account: str
    count: int
    amount: Decimal


@strawberry.type(
    description=(
        "The school's money of one date (whatever academic session it belongs to): fee payments by mode (CASH is cash, "
        "every other mode is bank) and by fee head, active expense vouchers by mode (CASH vs BANK/UPI), transfers, and "
        "the day's closing if it is closed. The same computation as dayClose."
    )
)
class DailyCash:
    date: dt.date
    revenue_by_mode: list[ModeAmount]
    revenue_by_fee_head: list[FeeHeadCollection]
    expenses_by_mode: list[ModeAmount]
    transfers: list[TransferAmount]
    cash_revenue: Decimal
    bank_revenue: Decimal
    total_revenue: Decimal
    cash_expense: Decimal
    bank_expense: Decimal
    total_expense: Decimal
    transfer_out: Decimal = strawberry.field(description="Money that left the cash drawer for the bank.")
    transfer_in: Decimal = strawberry.field(description="Money that arrived in the bank from the cash drawer.")
    net_cash: Decimal = strawberry.field(description="cashRevenue - cashExpense - transferOut")
    net_bank: Decimal = strawberry.field(description="bankRevenue - bankExpense + transferIn")
    net: Decimal = strawberry.field(description="totalRevenue - totalExpense (transfers net to zero)")
    closed: bool = strawberry.field(description="The day is closed (and not reopened by an override).")
    closing_id: strawberry.Private[int | None] = None

    @strawberry.field(description="The day's closing, if the day was closed.")
    def closing(self, info: Info) -> DayClosing | None:
        return load_entity(info, models.DayClosing, self.closing_id)

    @classmethod
    def of(cls, f: reports.DayFigures) -> DailyCash:
        return cls(
            date=f.date,
            revenue_by_mode=[ModeAmount.of(m) for m in f.revenue_by_mode],
            revenue_by_fee_head=[FeeHeadCollection.of(h) for h in f.revenue_by_head],
            expenses_by_mode=[ModeAmount.of(m) for m in f.expenses_by_mode],
            transfers=[
                TransferAmount(from_account=t.from_account, to_account=t.to_account, count=t.count, amount=t.amount)
                for t in f.transfers
            ],
            cash_revenue=f.cash_revenue,
            bank_revenue=f.bank_revenue,
            total_revenue=f.total_revenue,
            cash_expense=f.cash_expense,
            bank_expense=f.bank_expense,
            total_expense=f.total_expense,
            transfer_out=f.transfer_out,
            transfer_in=f.transfer_in,
            net_cash=f.net_cash,
            net_bank=f.net_bank,
            net=f.net,
            closed=f.closing_id is not None and not f.override_allowed,
            closing_id=f.closing_id,
        )


@strawberry.type(description="Fee-head-wise collection over a date range (allocations of payments dated in it).")
class FeeHeadSummary:
    from_: dt.date = strawberry.field(name="from")
    to: dt.date
    heads: list[FeeHeadCollection]
    total_principal: Decimal
    total_late_fee: Decimal
    total: Decimal


@strawberry.type(description="Expenses of one head: active vouchers.")
class ExpenseHeadTotal:
    expense_head_id: strawberry.Private[int]
    expense_head_name: str
    vouchers: int
    amount: Decimal

    @strawberry.field
    def expense_head(self, info: Info) -> ExpenseHead | None:
        return load_entity(info, models.ExpenseHead, self.expense_head_id)


@strawberry.type(
    description="Profit and loss: income from payment allocations (principal and late fee by fee head), "
    "expenses from active vouchers by head, and the net."
)
class ProfitAndLoss:
    from_: dt.date | None = strawberry.field(name="from", description="First day (monthly P&L); null for a session.")
    to: dt.date | None = strawberry.field(description="Last day (monthly P&L); null for a session.")
    income: list[FeeHeadCollection]
    expenses: list[ExpenseHeadTotal]
    total_income: Decimal
    total_expense: Decimal
    net: Decimal = strawberry.field(description="totalIncome - totalExpense")
    session_id: strawberry.Private[int | None] = None

    @strawberry.field(description="The academic session (session P&L); null for a month.")
    def session(self, info: Info) -> AcademicSession | None:
        return load_entity(info, models.AcademicSession, self.session_id)

    @classmethod
    def of(cls, p: reports.Pnl) -> ProfitAndLoss:
        return cls(
            from_=p.start,
            to=p.end,
            income=[FeeHeadCollection.of(h) for h in p.income],
            expenses=[
                ExpenseHeadTotal(
                    expense_head_id=e.expense_head_id,
                    expense_head_name=e.expense_head_name,
                    vouchers=e.vouchers,
                    amount=e.amount,
                )
                for e in p.expenses
            ],
            total_income=p.total_income,
            total_expense=p.total_expense,
            net=p.net,
            session_id=p.session_id,
        )


@strawberry.type(
    description="A student who owes money in the academic session in force, with the totals of their "
    "active fee assignments. pending is the one formula (amount + lateFeeAccrued - discount - "
    "sponsorCovered - lateFeeWaived - principalPaid - lateFeePaid)."
)
class Defaulter:
    student_id: strawberry.Private[int]
    assignments: int = strawberry.field(description="Active assignments of the session.")
    amount: Decimal
    discount: Decimal
    sponsor_covered: Decimal
    late_fee_accrued: Decimal
    late_fee_waived: Decimal
    principal_paid: Decimal
    late_fee_paid: Decimal
    paid: Decimal = strawberry.field(description="principalPaid + lateFeePaid")
    pending: Decimal

    @strawberry.field
    def student(self, info: Info) -> Student | None:
        return load_entity(info, models.Student, self.student_id)

    @classmethod
    def of(cls, d: reports.Defaulter) -> Defaulter:
        return cls(
            student_id=d.student_id,
            assignments=d.assignments,
            amount=d.amount,
            discount=d.discount,
            sponsor_covered=d.sponsor_covered,
            late_fee_accrued=d.late_fee_accrued,
            late_fee_waived=d.late_fee_waived,
            principal_paid=d.principal_paid,
            late_fee_paid=d.late_fee_paid,
            paid=d.paid,
            pending=d.pending,
        )


@strawberry.type
class DefaulterEdge:
    cursor: str
    node: Defaulter


@strawberry.type(description="The whole list, every page: how many defaulters and how much they owe.")
class DefaulterTotals:
    count: int
    pending: Decimal


@strawberry.type(description="Defaulters, most pending first (then by student), in keyset pages.")
class DefaulterConnection:
    edges: list[DefaulterEdge]
    nodes: list[Defaulter]
    page_info: PageInfo
    total_count: int = strawberry.field(description="Defaulters in the whole list (= totals.count).")
    totals: DefaulterTotals


@strawberry.type(description="Totals of a student's active fee assignments in the session, and of their payments.")
class LedgerTotals:
    assignments: int
    amount: Decimal
    discount: Decimal
    sponsor_covered: Decimal
    late_fee_accrued: Decimal
    late_fee_waived: Decimal
    principal_paid: Decimal
    late_fee_paid: Decimal
    pending: Decimal = strawberry.field(description="The one formula, summed over the active assignments.")
    payments: int
    payments_total: Decimal = strawberry.field(description="Principal and late fee of the session's payments.")


@strawberry.type(
    description="A student's fees in the academic session in force: every assignment (active or not, each "
    "with its pending), the adjustments and payments, and the totals."
)
class StudentLedger:
    student_id: strawberry.Private[int]
    assignment_ids: strawberry.Private[list[int]]
    adjustment_ids: strawberry.Private[list[int]]
    payment_ids: strawberry.Private[list[int]]
    totals: LedgerTotals

    @strawberry.field
    def student(self, info: Info) -> Student | None:
        return load_entity(info, models.Student, self.student_id)

    @strawberry.field(description="By due date.")
    async def assignments(self, info: Info) -> list[StudentFeeAssignment]:
        return await load_entities(info, models.StudentFeeAssignment, self.assignment_ids)

    @strawberry.field(description="Discounts and late-fee waivers, oldest first.")
    async def adjustments(self, info: Info) -> list[FeeAdjustment]:
        return await load_entities(info, models.FeeAdjustment, self.adjustment_ids)

    @strawberry.field(description="By payment date; each with its allocations.")
    async def payments(self, info: Info) -> list[FeePayment]:
        return await load_entities(info, models.FeePayment, self.payment_ids)


# ---- report queries -------------------------------------------------------------------------

From = Annotated[dt.date, strawberry.argument(name="from", description="First day (inclusive).")]
To = Annotated[dt.date, strawberry.argument(description="Last day (inclusive).")]


def _school_of(info: Info) -> int:
    ctx = info.context
    if ctx.school_id is None:
        raise BadInput("Choose a school first: send X-Tenant-Id with the School's ID.")
    return ctx.school_id


def _session_of(info: Info) -> int:
    if info.context.session_id is None:
        raise BadInput("No academic session is selected: the school has no current session.")
    return info.context.session_id


def _check_range(start: dt.date, end: dt.date) -> None:
    if end < start:
        raise BadInput("`to` is before `from`.")


@strawberry.type
class Query:
    @strawberry.field(
        description="The school's money of one date: revenue by mode and by fee head, expenses by mode, "
        "transfers, the net, and the closing if the day is closed."
    )
    async def daily_cash(self, info: Info, date: dt.date) -> DailyCash:
        authorize(info, FINANCE_REPORTS)
        figures = await reports.day_figures(info.context.db.fetch, _school_of(info), date)
        return DailyCash.of(figures)

    @strawberry.field(description="Fee-head-wise collection of payments dated from `from` to `to`.")
    async def fee_head_summary(self, info: Info, from_: From, to: To) -> FeeHeadSummary:
        authorize(info, FINANCE_REPORTS)
        _check_range(from_, to)
        s = await reports.fee_head_summary(info.context.db.fetch, _school_of(info), from_, to)
        return FeeHeadSummary(
            from_=s.start,
            to=s.end,
            heads=[FeeHeadCollection.of(h) for h in s.heads],
            total_principal=s.total_principal,
            total_late_fee=s.total_late_fee,
            total=s.total,
        )

    @strawberry.field(description="Profit and loss of a calendar month: payments and vouchers dated in it.")
    async def monthly_pnl(self, info: Info, year: int, month: int) -> ProfitAndLoss:
        authorize(info, FINANCE_REPORTS)
        if not 1 <= month <= 12 or not 1900 <= year <= 9999:
            raise BadInput("month is 1 to 12 and year 1900 to 9999.")
        return ProfitAndLoss.of(await reports.monthly_pnl(info.context.db.fetch, _school_of(info), year, month))

    @strawberry.field(
        description="Profit and loss of the academic session in force (X-Session-Id or the current one): "
        "its allocations and its active vouchers."
    )
    async def session_pnl(self, info: Info) -> ProfitAndLoss:
        authorize(info, FINANCE_REPORTS)
        school_id = _school_of(info)
        return ProfitAndLoss.of(await reports.session_pnl(info.context.db.fetch, school_id, _session_of(info)))

    @strawberry.field(
        description="Students with pending fees in the academic session in force, most pending first. "
        "Every page and the totals use the same formula and the same session."
    )
    async def defaulters(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        min_pending: Annotated[
            Decimal | None,
            strawberry.argument(description="Only students owing at least this much (always more than 0)."),
        ] = None,
    ) -> DefaulterConnection:
        authorize(info, FINANCE_REPORTS)
        settings = info.context.settings
        size = settings.default_page_size if first is None else first
        if not 0 <= size <= settings.max_page_size:
            raise BadInput(f"first must be between 0 and {settings.max_page_size}, got {size}.")
        school_id = _school_of(info)
        try:
            page = await reports.defaulters(
                info.context.db.fetch, school_id, _session_of(info), size, after, min_pending
            )
        except reports.BadCursor as exc:
            raise BadInput(str(exc)) from None
        nodes = [Defaulter.of(d) for d in page.rows]
        cursors = [d.cursor for d in page.rows]
        return DefaulterConnection(
            edges=[DefaulterEdge(cursor=c, node=n) for c, n in zip(cursors, nodes, strict=True)],
            nodes=nodes,
            page_info=PageInfo(
                has_next_page=page.has_next,
                has_previous_page=page.has_previous,
                start_cursor=cursors[0] if cursors else None,
                end_cursor=cursors[-1] if cursors else None,
            ),
            total_count=page.count,
            totals=DefaulterTotals(count=page.count, pending=page.pending),
        )

    @strawberry.field(
        description="A student's fee ledger in the academic session in force; null when there is no such "
        "student in the school."
    )
    async def student_ledger(self, info: Info, student_id: strawberry.ID) -> StudentLedger | None:
        authorize(info, FINANCE_REPORTS)
        try:
            pk = decode_ref(student_id, models.Student, "studentId")
        except UserErrors:
            raise BadInput("studentId must be the ID of a Student.") from None
        school_id = _school_of(info)
        ledger = await reports.student_ledger(info.context.db.fetch, school_id, _session_of(info), pk)
        if ledger is None:
            return None
        return StudentLedger(
            student_id=ledger.student_id,
            assignment_ids=ledger.assignment_ids,
            adjustment_ids=ledger.adjustment_ids,
            payment_ids=ledger.payment_ids,
            totals=LedgerTotals(**vars(ledger.totals)),
        )


for _name in ("dailyCash", "feeHeadSummary", "monthlyPnl", "sessionPnl", "defaulters", "studentLedger"):
    declare(f"Query.{_name}", FINANCE_REPORTS)
# Reports return a bounded handful of rows each; a ledger is a student's term.
declare_cost("Query.studentLedger", 20)


# ---- mutations ------------------------------------------------------------------------------

WRITERS = access.FINANCE_WRITE
OVERRIDERS = access.OVERRIDERS


# the workflows through the frame (kit/workflow.py): input from the service's parameters, payload from the entity
mutations = (
    workflow("expenseHeadCreate", service.expense_head_create, WRITERS, returns=models.ExpenseHead),
    workflow("expenseHeadToggle", service.expense_head_toggle, WRITERS, returns=models.ExpenseHead),
    workflow("expenseVoucherCreate", service.expense_voucher_create, WRITERS, returns=models.ExpenseVoucher),
    workflow("expenseVoucherToggle", service.expense_voucher_toggle, WRITERS, returns=models.ExpenseVoucher),
    workflow("accountTransferCreate", service.account_transfer_create, WRITERS, returns=models.FinanceAccountTransfer),
    workflow(
        "dayClose",
        service.day_close,
        WRITERS,
        returns=models.DayClosing,
        description=(
            "Close a day: opening = the previous closing (before the first: the balance brought into the books, 0 for a "
            "school's first closing; reclosing keeps it), plus that day's cash and bank revenue "
            "(fee payments: CASH vs other modes), minus expenses (active vouchers), with the CASH to BANK transfers. "
            "After it, payments, vouchers and transfers dated on the day are refused. Refused for a future date, a day "
            "already closed (CONFLICT; unless a super admin allowed an override: then the closing is recomputed and "
            "replaced), or while an earlier day after the previous closing has money and is not closed."
        ),
    ),
    workflow(
        "dayClosingOverride",
        service.day_closing_override,
        OVERRIDERS,
        returns=models.DayClosing,
        description="Super admins only: let a closed day take late entries and be closed again (dayClose "
        "recomputes it and ends the override).",
    ),
)

from schema.fees import FeeAdjustment, FeePayment, FeeType, StudentFeeAssignment  # noqa: E402
from schema.school import AcademicSession  # noqa: E402
from schema.students import Student  # noqa: E402
from schema.user import User  # noqa: E402
