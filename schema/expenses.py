"""Expenses and finance (seed 001 expense and finance domains)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import strawberry

import models
from schema.common.connection import Connection, graphql_enum
from schema.common.entity import entity_type, relation
from schema.common.fields import list_field
from schema.common.node import Node
from schema.fees import FINANCE_READERS

ExpensePaymentMode = graphql_enum(models.ExpensePaymentMode)


@entity_type(models.ExpenseHead)
class ExpenseHead(Node):
    name: str
    description: str | None
    active: bool


@entity_type(models.ExpenseVoucher)
class ExpenseVoucher(Node):
    voucher_number: str
    expense_date: dt.date
    amount: Decimal
    payment_mode: ExpensePaymentMode
    description: str | None
    reference_number: str | None
    active: bool
    created_at: dt.datetime
    expense_head: ExpenseHead = relation()


@entity_type(models.FinanceAccountTransfer, description="Money moved between the school's accounts (append-only).")
class FinanceAccountTransfer(Node):
    transfer_date: dt.date
    amount: Decimal
    from_account: str
    to_account: str
    reference_number: str | None
    remarks: str | None


@entity_type(models.DayClosing, description="A closed day: cash and bank from the previous closing, locked.")
class DayClosing(Node):
    date: dt.date
    opening_cash: Decimal
    opening_bank: Decimal
    cash_revenue: Decimal
    bank_revenue: Decimal
    cash_expense: Decimal
    bank_expense: Decimal
    transfer_out: Decimal
    transfer_in: Decimal
    closing_cash: Decimal
    closing_bank: Decimal
    override_allowed: bool
    closed_at: dt.datetime | None


@strawberry.type
class Query:
    expense_heads: Connection[ExpenseHead] = list_field(models.ExpenseHead, name="expenseHeads", permission=FINANCE_READERS)
    expense_vouchers: Connection[ExpenseVoucher] = list_field(models.ExpenseVoucher, name="expenseVouchers",
                                                              permission=FINANCE_READERS)
    account_transfers: Connection[FinanceAccountTransfer] = list_field(
        models.FinanceAccountTransfer, name="accountTransfers", permission=FINANCE_READERS)
    day_closings: Connection[DayClosing] = list_field(models.DayClosing, name="dayClosings", permission=FINANCE_READERS)


mutations = ()
