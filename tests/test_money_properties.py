"""Property tests of the money rules against plain reference implementations written here.

Each reference is the seed's rule written out afresh in exact rational arithmetic
(`fractions.Fraction`) with its own half-up rounding to the paisa, so it shares no code (and no
Decimal context) with the implementation: seed 001 §8.1 (pending), §7.4 (late fees), §7.3
(funding), §7.2 (discounts, with the percentage base decided in issue 10), seed 000
booking_cancellation.py (refund tiers), and kit/money.py (half up, two places, for every domain).
The end-to-end figures are pinned by literal examples through HTTP in tests/test_money_examples.py.

Hypothesis runs derandomized (`derandomize=True`: the same examples on every run and machine,
so a failure reproduces with the same command) with a small `max_examples`; the calculators are
pure, each test takes well under a second.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kit.errors import UserErrors
from kit.money import money, percent
from resolvers.booking.cancellation import parse_tiers, refund_percent
from resolvers.fees.calculators import funding_cover, late_fee_accrual
from resolvers.fees.formula import late_fee_due, pending, principal_due
from resolvers.fees.service import discount_for

SETTINGS = settings(
    derandomize=True, max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)


# ---- the reference: exact fractions, half up to the paisa -------------------------------------------------


def F(value: Any) -> Fraction:
    return Fraction(str(value)) if not isinstance(value, Fraction) else value


def half_up(x: Fraction) -> Fraction:
    """Round to 0.01, ties away from zero (the commercial rule the code calls ROUND_HALF_UP)."""
    cents = abs(x) * 100
    whole = cents.numerator // cents.denominator
    if cents - whole >= Fraction(1, 2):
        whole += 1
    return Fraction(whole if x >= 0 else -whole, 100)


def same(code: Decimal, ref: Fraction) -> bool:
    """The code's Decimal equals the reference exactly, and carries two places (a paisa amount)."""
    return F(code) == ref and code.as_tuple().exponent == -2


# ---- strategies ---------------------------------------------------------------------------------------------


def cents(low: int = 0, high: int = 10_000_000) -> st.SearchStrategy[Decimal]:
    """Amounts with two places, 0.00 .. 100,000.00 by default."""
    return st.integers(low, high).map(lambda c: Decimal(c).scaleb(-2))


percents = st.integers(0, 10_000).map(lambda c: Decimal(c).scaleb(-2))  # 0.00 .. 100.00
DUE = dt.date(2026, 5, 10)


# ---- kit/money.py ----------------------------------------------------------------------------------------


@SETTINGS
@given(st.integers(-(10**12), 10**12), st.integers(0, 6))
def test_money_rounds_half_up_to_two_places(units: int, places: int) -> None:
    value = Decimal(units).scaleb(-places)
    assert same(money(value), half_up(F(value)))


@SETTINGS
@given(st.integers(0, 10**9), st.integers(0, 10**9))
def test_percent_is_part_over_whole_half_up(part: int, whole: int) -> None:
    got = percent(part, whole)
    if whole == 0:
        assert got is None
    else:
        assert same(got, half_up(Fraction(part * 100, whole)))


# ---- pending (seed 001 §8.1) ----------------------------------------------------------------------------


@SETTINGS
@given(
    amount=cents(),
    accrued=cents(0, 100_000),
    discount=cents(0, 100_000),
    sponsor=cents(0, 100_000),
    waived=cents(0, 100_000),
    principal_paid=cents(),
    late_paid=cents(0, 100_000),
)
def test_pending_principal_and_late_fee_due(
    amount, accrued, discount, sponsor, waived, principal_paid, late_paid
) -> None:
    row = {
        "amount": amount,
        "late_fee_accrued": accrued,
        "total_discount_amount": discount,
        "sponsor_covered_amount": sponsor,
        "late_fee_waived": waived,
        "principal_paid": principal_paid,
        "late_fee_paid": late_paid,
    }
    a, lf, d, s, w, pp, lp = map(F, (amount, accrued, discount, sponsor, waived, principal_paid, late_paid))
    assert F(pending(row)) == a + lf - d - s - w - pp - lp
    assert F(principal_due(row)) == a - d - s - pp
    assert F(late_fee_due(row)) == lf - w - lp
    # the two parts make the whole
    assert pending(row) == principal_due(row) + late_fee_due(row)


def test_pending_reads_missing_terms_as_zero() -> None:
    assert pending(
        {
            "amount": Decimal("10.00"),
            "late_fee_accrued": None,
            "total_discount_amount": None,
            "sponsor_covered_amount": None,
            "late_fee_waived": None,
            "principal_paid": None,
            "late_fee_paid": None,
        }
    ) == Decimal("10.00")


# ---- late fees (seed 001 §7.4) ------------------------------------------------------------------------------


def ref_late_fee(row: dict[str, Any], on: dt.date) -> tuple[Fraction, bool]:
    """(amount to accrue now, late_fee_applied afterwards), from the seed's rule."""
    kind = row["late_fee_type"]
    applied = row["late_fee_applied"]
    if kind == "NONE" or row["due_date"] is None:
        return Fraction(0), applied
    grace = row["late_fee_grace_days"] or 0
    grace_end = row["due_date"] + dt.timedelta(days=grace)
    unpaid = (
        F(row["amount"]) - F(row["total_discount_amount"]) - F(row["sponsor_covered_amount"]) - F(row["principal_paid"])
    )
    if on <= grace_end or unpaid <= 0:
        return Fraction(0), applied
    accrued, value = F(row["late_fee_accrued"]), F(row["late_fee_value"])
    if kind == "FLAT":
        total = accrued if applied else accrued + value
    elif kind == "PERCENTAGE":
        total = accrued if applied else accrued + unpaid * value / 100
    else:  # DAILY_PERCENTAGE: each day after the grace period not charged yet, on what is unpaid now
        since = max(grace_end, row.get("late_fee_accrued_on") or grace_end)
        days = (on - since).days
        if days <= 0:
            return Fraction(0), applied
        total = accrued + unpaid * value / 100 * days
    if row["late_fee_cap_type"] == "FIXED":
        total = min(total, F(row["late_fee_cap_value"]))
    elif row["late_fee_cap_type"] == "PERCENTAGE":
        total = min(total, unpaid * F(row["late_fee_cap_value"]) / 100)
    amount = max(Fraction(0), half_up(total) - accrued)
    return amount, applied or (kind in ("FLAT", "PERCENTAGE") and amount > 0)


@st.composite
def assignments(draw: Any) -> dict[str, Any]:
    kind = draw(st.sampled_from(["NONE", "FLAT", "PERCENTAGE", "DAILY_PERCENTAGE"]))
    cap = draw(st.sampled_from(["NONE", "FIXED", "PERCENTAGE"]))
    amount = draw(cents(0, 5_000_000))
    paid_share = draw(st.integers(0, 110))  # of the amount, in percent: sometimes settled or over-settled
    discount = draw(st.sampled_from([Decimal("0.00"), money(amount / 10)]))
    sponsor = draw(st.sampled_from([Decimal("0.00"), money(amount / 4)]))
    accrued = draw(cents(0, 50_000))
    return {
        "amount": amount,
        "due_date": DUE,
        "late_fee_type": kind,
        "late_fee_value": draw(cents(1, 1_000_000) if kind == "FLAT" else percents),
        "late_fee_grace_days": draw(st.one_of(st.none(), st.integers(0, 40))),
        "late_fee_cap_type": cap,
        "late_fee_cap_value": draw(cents(0, 500_000) if cap == "FIXED" else percents),
        "late_fee_applied": draw(st.booleans()) if kind in ("FLAT", "PERCENTAGE") else False,
        "late_fee_accrued": accrued,
        "late_fee_accrued_on": draw(st.one_of(st.none(), st.integers(0, 90).map(lambda n: DUE + dt.timedelta(days=n))))
        if kind == "DAILY_PERCENTAGE"
        else None,
        "principal_paid": money(amount * paid_share / 100),
        "late_fee_paid": Decimal("0.00"),
        "late_fee_waived": Decimal("0.00"),
        "total_discount_amount": discount,
        "sponsor_covered_amount": sponsor,
    }


@SETTINGS
@given(assignments(), st.integers(-30, 200))
def test_late_fee_accrual_matches_the_rule(row: dict[str, Any], days_after_due: int) -> None:
    on = DUE + dt.timedelta(days=days_after_due)
    got = late_fee_accrual(row, on)
    amount, applied = ref_late_fee(row, on)
    assert same(got.amount, amount) or (amount == 0 and got.amount == 0), (got, amount)
    assert got.applied is applied
    assert got.amount >= 0


@SETTINGS
@given(assignments(), st.integers(1, 120), st.integers(0, 60))
def test_accruing_day_by_day_never_exceeds_the_cap_and_repeats_add_nothing(
    row: dict[str, Any], first: int, more: int
) -> None:
    """Run the accrual like the daily command (write the result back) on two dates, twice each."""
    row = {**row, "late_fee_accrued": Decimal("0.00"), "late_fee_applied": False, "late_fee_accrued_on": None}
    for on in (DUE + dt.timedelta(days=first), DUE + dt.timedelta(days=first + more)):
        for attempt in range(2):
            result = late_fee_accrual(row, on)
            expected, _ = ref_late_fee(row, on)
            assert F(result.amount) == expected
            if attempt == 1:
                assert result.amount == 0, "a second run on the same day adds nothing"
            row["late_fee_accrued"] += result.amount
            row["late_fee_applied"] = result.applied
            if result.accrued_on is not None and result.amount > 0:
                row["late_fee_accrued_on"] = result.accrued_on
    if row["late_fee_cap_type"] == "FIXED":
        assert row["late_fee_accrued"] <= row["late_fee_cap_value"]


# ---- funding (seed 001 §7.3) --------------------------------------------------------------------------------


def ref_funding(base: Decimal, discount: Decimal, arr: dict[str, Any] | None, on: dt.date) -> Fraction:
    net = max(Fraction(0), F(base) - F(discount))
    if arr is None or not arr["active"]:
        return Fraction(0)
    if arr["valid_from"] is not None and on < arr["valid_from"] or arr["valid_to"] is not None and on > arr["valid_to"]:
        return Fraction(0)
    if arr["coverage_type"] == "FULL":
        return half_up(net)
    value = F(arr["coverage_value"])
    if arr["coverage_mode"] == "FIXED_AMOUNT":
        return half_up(min(value, net))
    return half_up(min(net * value / 100, net))


ON = dt.date(2026, 6, 15)
window_days = st.one_of(st.none(), st.integers(-20, 20).map(lambda n: ON + dt.timedelta(days=n)))


@st.composite
def arrangements(draw: Any) -> dict[str, Any] | None:
    if draw(st.integers(0, 9)) == 0:
        return None
    mode = draw(st.sampled_from(["FIXED_AMOUNT", "PERCENTAGE"]))
    return {
        "coverage_type": draw(st.sampled_from(["FULL", "PARTIAL"])),
        "coverage_mode": mode,
        "coverage_value": draw(cents(1, 5_000_000) if mode == "FIXED_AMOUNT" else percents),
        "active": draw(st.integers(0, 7)) > 0,
        "valid_from": draw(window_days),
        "valid_to": draw(window_days),
    }


@SETTINGS
@given(cents(0, 5_000_000), cents(0, 1_000_000), arrangements())
def test_funding_cover_matches_the_rule(base: Decimal, discount: Decimal, arr: dict[str, Any] | None) -> None:
    got = funding_cover(base, discount, arr, ON)
    ref = ref_funding(base, discount, arr, ON)
    assert F(got) == ref, (got, ref)
    assert 0 <= got <= max(base - discount, Decimal("0"))


# ---- discounts (seed 001 §7.2; percentage of the assignment's amount, issue 10) -------------------------------


def ref_discount(kind: str, value: Decimal, base: Decimal, due: Decimal, active: bool) -> Fraction | None:
    """The discount, or None when it must be refused."""
    if not active or due <= 0:
        return None
    if kind == "PERCENTAGE":
        amount = min(half_up(F(base) * F(value) / 100), F(due))
    else:
        if value > due:
            return None
        amount = F(value)
    return amount if amount > 0 else None


@SETTINGS
@given(
    st.sampled_from(["PERCENTAGE", "FLAT"]),
    cents(0, 2_000_000),
    cents(0, 5_000_000),
    cents(-10_000, 5_000_000),
    st.integers(0, 9).map(lambda n: n > 0),
)
def test_discount_matches_the_rule(kind: str, value: Decimal, base: Decimal, due: Decimal, active: bool) -> None:
    if kind == "PERCENTAGE":
        value = min(value, Decimal("100.00"))
    ref = ref_discount(kind, value, base, due, active)
    try:
        got = discount_for(kind, value, base, due, active)
    except UserErrors:
        assert ref is None, f"refused, the rule gives {ref}"
    else:
        assert ref is not None and F(got) == ref, (got, ref)
        assert due - got >= 0


# ---- cancellation refunds (seed 000 booking_cancellation.py) -----------------------------------------------------


@st.composite
def tier_lists(draw: Any) -> list[dict[str, Any]]:
    days = draw(st.lists(st.integers(0, 120), max_size=5, unique=True))
    return [{"minDaysBefore": d, "refundPercent": str(draw(percents))} for d in days]


@SETTINGS
@given(tier_lists(), st.integers(-10, 150), cents(0, 5_000_000))
def test_refund_is_the_tier_of_the_largest_min_days_not_above_the_notice(tiers, days_before, paid) -> None:
    fitting = [t for t in tiers if t["minDaysBefore"] <= days_before]
    pct = F(max(fitting, key=lambda t: t["minDaysBefore"])["refundPercent"]) if fitting else Fraction(0)
    got_pct = refund_percent(parse_tiers(tiers), days_before)
    assert F(got_pct) == pct
    assert F(money(paid * got_pct / 100)) == half_up(F(paid) * pct / 100)


@pytest.mark.parametrize(
    "tiers",
    [
        [{"minDaysBefore": 3, "refundPercent": "50"}, {"minDaysBefore": 3, "refundPercent": "9"}],
        [{"minDaysBefore": -1, "refundPercent": "50"}],
        [{"minDaysBefore": 3, "refundPercent": "100.01"}],
        [{"minDaysBefore": 3, "refundPercent": 50.0}],
    ],
)
def test_bad_tiers_are_refused(tiers: list[dict[str, Any]]) -> None:
    with pytest.raises(UserErrors):
        parse_tiers(tiers)
