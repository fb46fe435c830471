"""Money rounding (kit/money.py) and the pending formula (resolvers/fees/formula.py, seed §8.1)
without a database, pinned by hand-computed literals. The calculators: tests/test_late_fee_unit.py."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import Column, MetaData, Numeric, Table
from sqlalchemy.dialects import postgresql

from kit.money import money, percent
from resolvers.fees import formula

D = Decimal


@pytest.mark.parametrize(
    ("value", "rounded"),
    [
        ("10.005", "10.01"),
        ("10.004", "10.00"),
        ("-10.005", "-10.01"),
        ("0.125", "0.13"),
        ("7", "7.00"),
        (3, "3.00"),
        (D("2.675"), "2.68"),
        ("0.0049", "0.00"),
    ],
)
def test_money_rounds_half_up_to_the_paisa(value: object, rounded: str) -> None:
    assert str(money(value)) == rounded


@pytest.mark.parametrize(
    ("part", "whole", "result"),
    [
        (1, 3, D("33.33")),
        (2, 3, D("66.67")),
        (1, 8, D("12.50")),
        (1, 200, D("0.50")),
        (1, 400, D("0.25")),
        (5, 5, D("100.00")),
        (0, 7, D("0.00")),
        (D("0.5"), 2, D("25.00")),
    ],
)
def test_percent(part: object, whole: object, result: Decimal) -> None:
    assert percent(part, whole) == result
    assert str(percent(part, whole)) == str(result)


def test_percent_of_nothing_is_the_empty_answer() -> None:
    assert percent(3, 0) is None
    assert percent(3, 0, empty=D("0")) == D("0")
    assert percent(0, D("0.00"), empty="n/a") == "n/a"


ROW = {
    "amount": D("1000.00"),
    "late_fee_accrued": D("50.00"),
    "total_discount_amount": D("100.00"),
    "sponsor_covered_amount": D("200.00"),
    "late_fee_waived": D("20.00"),
    "principal_paid": D("300.00"),
    "late_fee_paid": D("10.00"),
}


def test_pending_of_a_mapping_and_of_an_object() -> None:
    # 1000 + 50 - 100 - 200 - 20 - 300 - 10 = 420
    assert formula.pending(ROW) == D("420.00")
    assert formula.pending(SimpleNamespace(**ROW)) == D("420.00")
    # principal: 1000 - 100 - 200 - 300 = 400; late fee: 50 - 20 - 10 = 20
    assert formula.principal_due(ROW) == D("400.00")
    assert formula.principal_due(SimpleNamespace(**ROW)) == D("400.00")
    assert formula.late_fee_due(ROW) == D("20.00")
    assert formula.late_fee_due(SimpleNamespace(**ROW)) == D("20.00")


@pytest.mark.parametrize("term", list(ROW))
def test_each_term_counts_once_with_its_sign(term: str) -> None:
    row = dict(ROW, **{term: D("0")})
    added = term in ("amount", "late_fee_accrued")
    assert formula.pending(row) == (D("420.00") - ROW[term] if added else D("420.00") + ROW[term])
    principal_terms = {"amount": 1, "total_discount_amount": -1, "sponsor_covered_amount": -1, "principal_paid": -1}
    late_terms = {"late_fee_accrued": 1, "late_fee_waived": -1, "late_fee_paid": -1}
    assert formula.principal_due(row) == D("400.00") - principal_terms.get(term, 0) * ROW[term]
    assert formula.late_fee_due(row) == D("20.00") - late_terms.get(term, 0) * ROW[term]


def test_missing_terms_count_as_zero() -> None:
    row = {k: None for k in ROW} | {"amount": D("80.00")}
    assert formula.pending(row) == D("80.00")
    assert formula.principal_due(row) == D("80.00")
    assert formula.late_fee_due(dict(row, late_fee_accrued=D("5"))) == D("5")
    assert formula.pending({k: None for k in ROW}) == D("0")


def test_pending_in_sql() -> None:
    table = Table("fee_assignments", MetaData(), *(Column(k, Numeric) for k in ROW))
    text = str(formula.pending_sql(table.c).compile(dialect=postgresql.dialect()))
    assert text == (
        "(((((fee_assignments.amount + fee_assignments.late_fee_accrued)"
        " - fee_assignments.total_discount_amount) - fee_assignments.sponsor_covered_amount)"
        " - fee_assignments.late_fee_waived) - fee_assignments.principal_paid) - fee_assignments.late_fee_paid"
    )
    assert formula.pending_sql_text("a") == (
        "(a.amount + a.late_fee_accrued - a.total_discount_amount"
        " - a.sponsor_covered_amount - a.late_fee_waived - a.principal_paid"
        " - a.late_fee_paid)"
    )


def test_a_percentage_cap_keeps_its_paise() -> None:
    """FLAT 50 on 1000.00 unpaid, capped at 0.25 % of it: 1000.00 x 0.25 / 100 = 2.50 (not 2)."""
    import datetime as dt

    from resolvers.fees.calculators import late_fee_accrual

    row = {
        "amount": D("1000.00"),
        "due_date": dt.date(2026, 5, 10),
        "late_fee_type": "FLAT",
        "late_fee_value": D("50.00"),
        "late_fee_grace_days": 0,
        "late_fee_cap_type": "PERCENTAGE",
        "late_fee_cap_value": D("0.25"),
        "late_fee_applied": False,
        "late_fee_accrued": D("0.00"),
        "principal_paid": D("0.00"),
        "late_fee_paid": D("0.00"),
        "late_fee_waived": D("0.00"),
        "total_discount_amount": D("0.00"),
        "sponsor_covered_amount": D("0.00"),
    }
    accrual = late_fee_accrual(row, dt.date(2026, 5, 11))
    assert accrual.amount == D("2.50") and accrual.applied is True
