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


def _fee_row(**changes: object) -> dict:
    """An assignment row as the accrual command reads it (a mapping of plain values): 1000.00 due
    on 10 May 2026, no grace, nothing paid, no late fee yet."""
    import datetime as dt

    row: dict = {
        "amount": D("1000.00"),
        "due_date": dt.date(2026, 5, 10),
        "late_fee_type": "FLAT",
        "late_fee_value": D("50.00"),
        "late_fee_grace_days": 0,
        "late_fee_cap_type": None,
        "late_fee_cap_value": None,
        "late_fee_applied": False,
        "late_fee_accrued": D("0.00"),
        "late_fee_accrued_on": None,
        "principal_paid": D("0.00"),
        "total_discount_amount": D("0.00"),
        "sponsor_covered_amount": D("0.00"),
    }
    row.update(changes)
    return row


def _text(*parts: str) -> str:
    """A string built at run time (equal to the literal, not the same object): rows read from the
    database or JSON carry such strings."""
    return "".join(parts)


def test_late_fee_kinds_and_caps_are_compared_by_value() -> None:
    """On 12 May (2 days late), 1000.00 unpaid: FLAT 50 -> 50.00; PERCENTAGE 2 % -> 20.00; DAILY 1 %
    -> 2 x 10.00 = 20.00; a FIXED cap of 30 keeps FLAT 50 at 30.00; a PERCENTAGE cap of 1 % -> 10.00."""
    import datetime as dt

    from resolvers.fees.calculators import late_fee_accrual

    on = dt.date(2026, 5, 12)
    none = late_fee_accrual(_fee_row(late_fee_type=_text("NO", "NE")), on)
    assert (none.amount, none.reason) == (D("0"), "no late fee")
    flat = late_fee_accrual(_fee_row(late_fee_type=_text("FL", "AT")), on)
    assert (flat.amount, flat.applied, flat.reason) == (D("50.00"), True, "FLAT late fee, 2 day(s) after grace")
    pct = late_fee_accrual(_fee_row(late_fee_type=_text("PERCEN", "TAGE"), late_fee_value=D("2")), on)
    assert (pct.amount, pct.applied, pct.accrued_on) == (D("20.00"), True, None)
    daily = late_fee_accrual(_fee_row(late_fee_type=_text("DAILY_", "PERCENTAGE"), late_fee_value=D("1")), on)
    assert (daily.amount, daily.applied, daily.accrued_on) == (D("20.00"), False, on)
    fixed = late_fee_accrual(_fee_row(late_fee_cap_type=_text("FIX", "ED"), late_fee_cap_value=D("30")), on)
    assert (fixed.amount, fixed.reason) == (D("30.00"), "FLAT late fee, 2 day(s) after grace, capped FIXED")
    capped = late_fee_accrual(_fee_row(late_fee_cap_type=_text("PERCEN", "TAGE"), late_fee_cap_value=D("1")), on)
    assert (capped.amount, capped.reason) == (D("10.00"), "FLAT late fee, 2 day(s) after grace, capped PERCENTAGE")
    uncapped = late_fee_accrual(_fee_row(late_fee_cap_type=_text("NO", "NE"), late_fee_cap_value=D("1")), on)
    assert (uncapped.amount, uncapped.reason) == (D("50.00"), "FLAT late fee, 2 day(s) after grace")


@pytest.mark.parametrize("kind", ["CUSTOM", "WEEKLY", "ZERO"])
def test_an_unknown_late_fee_type_is_refused(kind: str) -> None:
    """Not guessed as one of the known kinds, whichever side of them it sorts."""
    import datetime as dt

    from resolvers.fees.calculators import late_fee_accrual

    with pytest.raises(ValueError, match=f"unknown late fee type {kind}"):
        late_fee_accrual(_fee_row(late_fee_type=kind), dt.date(2026, 5, 12))


def test_no_late_fee_on_an_overpaid_assignment() -> None:
    """Paid 1000.01 of 1000.00: the principal due is -0.01, nothing is late."""
    import datetime as dt

    from resolvers.fees.calculators import late_fee_accrual

    accrual = late_fee_accrual(_fee_row(principal_paid=D("1000.01")), dt.date(2026, 5, 20))
    assert (accrual.amount, accrual.applied, accrual.reason) == (D("0"), False, "not overdue")


def test_daily_fee_asked_for_a_day_already_charged_or_earlier() -> None:
    """DAILY 1 %, charged through 15 May: asking for the 15th or the 13th adds nothing and does
    not move the day charged through back (accrued_on stays unset); the 16th adds one day: 10.00."""
    import datetime as dt

    from resolvers.fees.calculators import late_fee_accrual

    row = _fee_row(
        late_fee_type="DAILY_PERCENTAGE",
        late_fee_value=D("1"),
        late_fee_accrued=D("50.00"),
        late_fee_accrued_on=dt.date(2026, 5, 15),
    )
    for day in (dt.date(2026, 5, 15), dt.date(2026, 5, 13)):
        again = late_fee_accrual(row, day)
        assert (again.amount, again.accrued_on, again.reason) == (D("0"), None, "already accrued for this day")
    nxt = late_fee_accrual(row, dt.date(2026, 5, 16))
    assert (nxt.amount, nxt.accrued_on) == (D("10.00"), dt.date(2026, 5, 16))


def test_a_one_time_fee_is_marked_applied_only_when_charged() -> None:
    """FLAT 0.50 and FLAT 1.00 are charged and marked applied (not charged again tomorrow); a FLAT
    fee of 0 charges nothing and is not marked."""
    import datetime as dt

    from resolvers.fees.calculators import late_fee_accrual

    on = dt.date(2026, 5, 12)
    for value in ("0.50", "1.00"):
        accrual = late_fee_accrual(_fee_row(late_fee_value=D(value)), on)
        assert (accrual.amount, accrual.applied) == (D(value), True)
    zero = late_fee_accrual(_fee_row(late_fee_value=D("0")), on)
    assert (zero.amount, zero.applied) == (D("0"), False)


def test_missing_values_count_as_zero() -> None:
    """A FLAT fee without a value charges 0.00; a FIXED cap without a value caps at 0.00; a
    PARTIAL cover without a value covers 0.00."""
    import datetime as dt

    from resolvers.fees.calculators import funding_cover, late_fee_accrual

    on = dt.date(2026, 5, 12)
    assert late_fee_accrual(_fee_row(late_fee_value=None), on).amount == D("0")
    assert late_fee_accrual(_fee_row(late_fee_cap_type="FIXED", late_fee_cap_value=None), on).amount == D("0")
    cover = {"active": True, "valid_from": None, "valid_to": None, "coverage_type": "PARTIAL"}
    for mode in ("FIXED_AMOUNT", "PERCENTAGE"):
        assert funding_cover(D("800"), D("0"), {**cover, "coverage_mode": mode, "coverage_value": None}, on) == D("0")


def test_funding_types_and_modes_are_compared_by_value() -> None:
    """800.00 less a 100.00 discount: FULL covers 700.00; PARTIAL FIXED_AMOUNT 250 covers 250.00;
    PARTIAL PERCENTAGE 10 covers 70.00."""
    import datetime as dt

    from resolvers.fees.calculators import funding_cover

    on = dt.date(2026, 5, 12)
    base = {"active": True, "valid_from": None, "valid_to": None}
    full = {**base, "coverage_type": _text("FU", "LL"), "coverage_mode": None, "coverage_value": None}
    assert funding_cover(D("800"), D("100"), full, on) == D("700.00")
    fixed = {**base, "coverage_type": "PARTIAL", "coverage_mode": _text("FIXED_", "AMOUNT"), "coverage_value": 250}
    assert funding_cover(D("800"), D("100"), fixed, on) == D("250.00")
    pct = {**base, "coverage_type": "PARTIAL", "coverage_mode": _text("PERCEN", "TAGE"), "coverage_value": 10}
    assert funding_cover(D("800"), D("100"), pct, on) == D("70.00")


def test_an_accrual_is_a_frozen_value() -> None:
    import datetime as dt
    from dataclasses import FrozenInstanceError

    from resolvers.fees.calculators import late_fee_accrual

    accrual = late_fee_accrual(_fee_row(), dt.date(2026, 5, 12))
    with pytest.raises(FrozenInstanceError):
        accrual.amount = D("0")  # type: ignore[misc]
