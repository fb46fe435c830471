"""The pure money rules, without a database: `late_fee_accrual` (seed §7.4), `funding_cover`
(§7.3) and the guards of resolvers/fees/service.py (discounts §7.2, waivers, policies,
funding arrangements)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest

from models.fees import DiscountType, FundingCoverageMode, FundingCoverageType, LateFeeCapType, LateFeeType
from resolvers.fees.calculators import funding_cover, late_fee_accrual
from resolvers.fees.service import (
    PolicyInput,
    check_money,
    default_due_date,
    discount_for,
    funding_values,
    policy_errors,
    waiver_check,
)
from kit.errors import UserErrors

D = Decimal
DUE = dt.date(2026, 5, 10)
GRACE = 5
VALUES = {"FLAT": D("50.00"), "PERCENTAGE": D("10.00"), "DAILY_PERCENTAGE": D("1.00"), "NONE": D("0.00")}
CAPS = {"NONE": D("0.00"), "FIXED": D("5.00"), "PERCENTAGE": D("0.30")}  # caps that bind on the first day


def assignment(kind: str = "FLAT", cap: str = "NONE", **changes) -> dict:
    row = {
        "amount": D("1000.00"),
        "due_date": DUE,
        "late_fee_type": kind,
        "late_fee_value": VALUES[kind],
        "late_fee_grace_days": GRACE,
        "late_fee_cap_type": cap,
        "late_fee_cap_value": CAPS[cap],
        "late_fee_applied": False,
        "late_fee_accrued": D("0.00"),
        "principal_paid": D("0.00"),
        "late_fee_paid": D("0.00"),
        "late_fee_waived": D("0.00"),
        "total_discount_amount": D("0.00"),
        "sponsor_covered_amount": D("0.00"),
    }
    row.update(changes)
    return row


def day(overdue: int, grace: int = GRACE) -> dt.date:
    """The date `overdue` days after the grace period (0: its last day)."""
    return DUE + dt.timedelta(days=grace + overdue)


def expected(kind: str, cap: str, overdue: int, unpaid: Decimal = D("1000.00")) -> Decimal:
    """The rule written out independently of the calculator."""
    if kind == "NONE" or overdue <= 0 or unpaid <= 0:
        return D("0.00")
    raw = {
        "FLAT": VALUES["FLAT"],
        "PERCENTAGE": unpaid * VALUES["PERCENTAGE"] / 100,
        "DAILY_PERCENTAGE": unpaid * VALUES["DAILY_PERCENTAGE"] / 100 * overdue,
    }[kind]
    limit = {"NONE": raw, "FIXED": CAPS["FIXED"], "PERCENTAGE": unpaid * CAPS["PERCENTAGE"] / 100}[cap]
    return min(raw, limit).quantize(D("0.01"))


def accrue(row: dict, on: dt.date) -> Decimal:
    """Run the calculator and write its result back, like the command and the payment path."""
    result = late_fee_accrual(row, on)
    row["late_fee_accrued"] += result.amount
    row["late_fee_applied"] = result.applied
    if result.accrued_on is not None and result.amount > 0:
        row["late_fee_accrued_on"] = result.accrued_on
    return result.amount


KINDS = ("NONE", "FLAT", "PERCENTAGE", "DAILY_PERCENTAGE")
CAP_KINDS = ("NONE", "FIXED", "PERCENTAGE")


# ---- late_fee_accrual -----------------------------------------------------------------------------


@pytest.mark.parametrize("cap", CAP_KINDS)
@pytest.mark.parametrize("kind", KINDS)
def test_nothing_on_the_last_grace_day_and_the_rule_from_the_first_day_after(kind, cap):
    assert late_fee_accrual(assignment(kind, cap), day(0)).amount == 0  # last day of grace
    assert late_fee_accrual(assignment(kind, cap), DUE).amount == 0  # the due date itself
    assert late_fee_accrual(assignment(kind, cap), DUE - dt.timedelta(days=30)).amount == 0
    first = late_fee_accrual(assignment(kind, cap), day(1))
    assert first.amount == expected(kind, cap, 1)
    if kind != "NONE":
        assert first.amount > 0


@pytest.mark.parametrize("cap", CAP_KINDS)
@pytest.mark.parametrize("kind", KINDS)
def test_later_days_and_caps(kind, cap):
    for overdue in (2, 3, 10, 40):
        assert late_fee_accrual(assignment(kind, cap), day(overdue)).amount == expected(kind, cap, overdue), overdue


@pytest.mark.parametrize("kind", KINDS)
def test_without_grace_days_the_day_after_the_due_date_accrues(kind):
    row = assignment(kind, late_fee_grace_days=0)
    assert late_fee_accrual(row, DUE).amount == 0
    assert late_fee_accrual(assignment(kind, late_fee_grace_days=None), DUE + dt.timedelta(days=1)).amount == expected(
        kind, "NONE", 1
    )


@pytest.mark.parametrize("cap", CAP_KINDS)
@pytest.mark.parametrize("kind", ("FLAT", "PERCENTAGE"))
def test_flat_and_percentage_are_applied_once(kind, cap):
    row = assignment(kind, cap)
    first = late_fee_accrual(row, day(1))
    assert first.applied is True and first.amount == expected(kind, cap, 1)
    accrue(row, day(1))
    assert row["late_fee_applied"] is True
    assert accrue(row, day(1)) == 0  # again on the same day
    assert accrue(row, day(2)) == 0  # and on every later day
    assert accrue(row, day(60)) == 0
    assert row["late_fee_accrued"] == expected(kind, cap, 1)


@pytest.mark.parametrize("cap", CAP_KINDS)
def test_daily_percentage_is_idempotent_on_one_date_and_grows_by_day(cap):
    row = assignment("DAILY_PERCENTAGE", cap)
    assert accrue(row, day(3)) == expected("DAILY_PERCENTAGE", cap, 3)
    assert accrue(row, day(3)) == 0
    assert accrue(row, day(2)) == 0  # an earlier date after a later one adds nothing either
    assert row["late_fee_applied"] is False  # daily fees are never "applied once"
    accrue(row, day(4))
    assert row["late_fee_accrued"] == expected("DAILY_PERCENTAGE", cap, 4)
    assert accrue(row, day(4)) == 0


def test_daily_percentage_skipped_days_catch_up():
    row = assignment("DAILY_PERCENTAGE")
    accrue(row, day(1))
    accrue(row, day(5))  # the command did not run on days 2-4
    assert row["late_fee_accrued"] == D("50.00")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "settled",
    [
        {"principal_paid": D("1000.00")},
        {"sponsor_covered_amount": D("1000.00")},
        {"total_discount_amount": D("300.00"), "principal_paid": D("700.00")},
        {"total_discount_amount": D("100.00"), "sponsor_covered_amount": D("400.00"), "principal_paid": D("500.00")},
    ],
)
def test_nothing_when_the_principal_is_settled(kind, settled):
    assert late_fee_accrual(assignment(kind, **settled), day(10)).amount == 0


def test_percentages_apply_to_the_unpaid_principal():
    partly = {"principal_paid": D("400.00"), "total_discount_amount": D("100.00")}  # unpaid 500
    assert late_fee_accrual(assignment("PERCENTAGE", **partly), day(1)).amount == D("50.00")
    assert late_fee_accrual(assignment("DAILY_PERCENTAGE", **partly), day(3)).amount == D("15.00")
    assert late_fee_accrual(
        assignment("FLAT", "PERCENTAGE", late_fee_cap_value=D("2.00"), **partly), day(1)
    ).amount == D("10.00")
    # a late fee owed does not count as principal
    assert late_fee_accrual(
        assignment("DAILY_PERCENTAGE", late_fee_accrued=D("30.00"), late_fee_accrued_on=day(2), **partly), day(3)
    ).amount == D("5.00")


def test_rounding_is_half_up_to_the_cent():
    odd = {"amount": D("333.33")}
    assert late_fee_accrual(assignment("PERCENTAGE", late_fee_value=D("2.50"), **odd), day(1)).amount == D("8.33")
    assert late_fee_accrual(assignment("DAILY_PERCENTAGE", late_fee_value=D("0.50"), **odd), day(3)).amount == D("5.00")
    assert late_fee_accrual(assignment("PERCENTAGE", late_fee_value=D("1.50"), amount=D("1.00")), day(1)).amount == D(
        "0.02"
    )


def test_fixed_cap_counts_what_was_accrued_before():
    row = assignment("DAILY_PERCENTAGE", "FIXED", late_fee_cap_value=D("25.00"))
    assert accrue(row, day(2)) == D("20.00")
    assert accrue(row, day(3)) == D("5.00")
    assert accrue(row, day(9)) == 0
    assert row["late_fee_accrued"] == D("25.00")


def test_no_late_fee_without_a_due_date_or_type():
    assert late_fee_accrual(assignment("FLAT", due_date=None), day(10)).amount == 0
    assert late_fee_accrual(assignment("FLAT", late_fee_type=None), day(10)).amount == 0
    assert late_fee_accrual(assignment("NONE"), day(10)).applied is False


def test_enums_and_objects_are_read_like_mappings():
    row = assignment("FLAT", "FIXED", late_fee_type=LateFeeType.FLAT, late_fee_cap_type=LateFeeCapType.FIXED)
    assert late_fee_accrual(row, day(1)).amount == D("5.00")
    assert late_fee_accrual(SimpleNamespace(**row), day(1)).amount == D("5.00")


def test_daily_percentage_keeps_accruing_after_a_part_payment():
    row = assignment("DAILY_PERCENTAGE")
    accrue(row, day(10))  # 10 days on 1000 at 1 %: 100.00
    row["principal_paid"] = D("500.00")
    assert accrue(row, day(11)) == D("5.00")  # one more day on the 500 still owed


# ---- funding_cover --------------------------------------------------------------------------------


def arrangement(
    kind: str = "PARTIAL",
    mode: str = "PERCENTAGE",
    value: str = "25.00",
    active: bool = True,
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
) -> dict:
    return {
        "coverage_type": kind,
        "coverage_mode": mode,
        "coverage_value": D(value),
        "active": active,
        "valid_from": valid_from,
        "valid_to": valid_to,
    }


ON = dt.date(2026, 6, 15)


def test_funding_full_covers_the_net_amount():
    assert funding_cover(D("3000.00"), D("0"), arrangement("FULL", value="100"), ON) == D("3000.00")
    assert funding_cover(D("3000.00"), D("300.00"), arrangement("FULL", value="0"), ON) == D("2700.00")
    assert funding_cover(D("100.00"), D("150.00"), arrangement("FULL"), ON) == D("0.00")  # never negative


def test_funding_partial_fixed_and_percentage_capped_by_the_net():
    assert funding_cover(D("1000.00"), D("0"), arrangement(mode="FIXED_AMOUNT", value="400.00"), ON) == D("400.00")
    assert funding_cover(D("1000.00"), D("0"), arrangement(mode="FIXED_AMOUNT", value="1500.00"), ON) == D("1000.00")
    assert funding_cover(D("1000.00"), D("800.00"), arrangement(mode="FIXED_AMOUNT", value="400.00"), ON) == D("200.00")
    assert funding_cover(D("1000.00"), D("0"), arrangement(value="25.00"), ON) == D("250.00")
    assert funding_cover(D("1000.00"), D("200.00"), arrangement(value="25.00"), ON) == D("200.00")
    assert funding_cover(D("1000.00"), D("0"), arrangement(value="100.00"), ON) == D("1000.00")
    assert funding_cover(D("1000.00"), D("0"), arrangement(value="150.00"), ON) == D("1000.00")
    assert funding_cover(D("100.00"), D("0"), arrangement(value="33.33"), ON) == D("33.33")
    assert funding_cover(D("0.10"), D("0"), arrangement(value="33.00"), ON) == D("0.03")


def test_funding_validity_window_edges():
    window = {"valid_from": ON, "valid_to": ON + dt.timedelta(days=30)}
    assert funding_cover(D("1000.00"), D("0"), arrangement(**window), ON) == D("250.00")  # first day
    assert funding_cover(D("1000.00"), D("0"), arrangement(**window), ON - dt.timedelta(days=1)) == 0  # before
    assert funding_cover(D("1000.00"), D("0"), arrangement(**window), ON + dt.timedelta(days=30)) == D(
        "250.00"
    )  # last day
    assert funding_cover(D("1000.00"), D("0"), arrangement(**window), ON + dt.timedelta(days=31)) == 0  # after
    assert funding_cover(D("1000.00"), D("0"), arrangement(valid_from=ON), dt.date(2099, 1, 1)) == D("250.00")
    assert funding_cover(D("1000.00"), D("0"), arrangement(valid_to=ON), dt.date(2000, 1, 1)) == D("250.00")


def test_funding_missing_or_inactive_covers_nothing():
    assert funding_cover(D("1000.00"), D("0"), None, ON) == 0
    assert funding_cover(D("1000.00"), D("0"), arrangement("FULL", active=False), ON) == 0
    enum_row = SimpleNamespace(
        coverage_type=FundingCoverageType.PARTIAL,
        coverage_mode=FundingCoverageMode.FIXED_AMOUNT,
        coverage_value=D("120.00"),
        active=True,
        valid_from=None,
        valid_to=None,
    )
    assert funding_cover(D("1000.00"), D("0"), enum_row, ON) == D("120.00")


# ---- discount guards (§7.2) -------------------------------------------------------------------------


def refused(call, *args, **kwargs) -> str:
    with pytest.raises(UserErrors) as info:
        call(*args, **kwargs)
    return " ".join(e.message for e in info.value.errors)


def test_percentage_discount_is_of_the_assignment_amount_and_capped_by_the_principal_due():
    # issue 10's reading of §7.2: 10 % of 1000 after 400 paid is 100 (not 10 % of the 600 due = 60)
    assert discount_for(DiscountType.PERCENTAGE, D("10.00"), D("1000.00"), D("600.00")) == D("100.00")
    assert discount_for(DiscountType.PERCENTAGE, D("10.00"), D("3000.00"), D("2700.00")) == D("300.00")
    assert discount_for("PERCENTAGE", D("100.00"), D("2700.00"), D("2700.00")) == D("2700.00")
    assert discount_for(DiscountType.PERCENTAGE, D("33.33"), D("100.00"), D("100.00")) == D("33.33")
    assert discount_for(DiscountType.PERCENTAGE, D("12.50"), D("0.99"), D("0.99")) == D("0.12")
    assert discount_for(DiscountType.PERCENTAGE, D("50.00"), D("1000.00"), D("80.00")) == D(
        "80.00"
    )  # capped by the due


def test_flat_discount_is_refused_above_the_principal_due():
    assert discount_for(DiscountType.FLAT, D("500.00"), D("2700.00"), D("2700.00")) == D("500.00")
    assert discount_for(DiscountType.FLAT, D("2700.00"), D("2700.00"), D("2700.00")) == D("2700.00")  # down to zero
    assert refused(discount_for, DiscountType.FLAT, D("2700.01"), D("3000.00"), D("2700.00")).startswith(
        "Flat discount cannot exceed principal due"
    )


def test_discount_needs_an_active_definition_and_a_positive_principal_due():
    assert "not active" in refused(
        discount_for, DiscountType.PERCENTAGE, D("10"), D("100.00"), D("100.00"), active=False
    )
    assert "nothing to discount" in refused(discount_for, DiscountType.PERCENTAGE, D("10"), D("100.00"), D("0.00"))
    assert "nothing to discount" in refused(discount_for, DiscountType.FLAT, D("10"), D("100.00"), D("-5.00"))
    assert "0.00" in refused(discount_for, DiscountType.PERCENTAGE, D("10"), D("0.01"), D("0.01"))  # rounds to nothing


def test_waiver_within_the_late_fee_due():
    assert waiver_check(D("40.00"), D("100.00")) == D("40.00")
    assert waiver_check(D("100.00"), D("100.00")) == D("100.00")
    assert "At most 100.00" in refused(waiver_check, D("100.01"), D("100.00"))
    assert "At most 0" in refused(waiver_check, D("1.00"), D("0.00"))
    assert "greater than 0" in refused(waiver_check, D("0"), D("100.00"))
    assert "greater than 0" in refused(waiver_check, D("-1.00"), D("100.00"))
    assert "decimal places" in refused(waiver_check, D("1.005"), D("100.00"))


# ---- policy and funding inputs -------------------------------------------------------------------------


def messages(errors) -> list[tuple[str, str]]:
    return [(e.field[-1], e.message) for e in errors]


def test_policy_rules():
    ok = [
        PolicyInput(LateFeeType.NONE),
        PolicyInput(LateFeeType.FLAT, D("100.00"), 5),
        PolicyInput(LateFeeType.PERCENTAGE, D("100.00")),
        PolicyInput(LateFeeType.DAILY_PERCENTAGE, D("0.50"), 0, LateFeeCapType.PERCENTAGE, D("100.00")),
        PolicyInput(LateFeeType.FLAT, D("10.00"), cap_type=LateFeeCapType.FIXED, cap_value=D("5.00")),
    ]
    for policy in ok:
        assert policy_errors(policy) == [], policy
    bad = {
        "amountValue": [
            PolicyInput(LateFeeType.PERCENTAGE, D("100.01")),
            PolicyInput(LateFeeType.DAILY_PERCENTAGE, D("101")),
            PolicyInput(LateFeeType.FLAT, D("-1.00")),
            PolicyInput(LateFeeType.FLAT, D("0")),
            PolicyInput(LateFeeType.FLAT),
            PolicyInput(LateFeeType.FLAT, D("1.001")),
        ],
        "capValue": [
            PolicyInput(LateFeeType.FLAT, D("1"), cap_type=LateFeeCapType.PERCENTAGE, cap_value=D("100.5")),
            PolicyInput(LateFeeType.FLAT, D("1"), cap_type=LateFeeCapType.FIXED),
            PolicyInput(LateFeeType.FLAT, D("1"), cap_value=D("-3")),
        ],
        "graceDays": [PolicyInput(LateFeeType.FLAT, D("1"), -1), PolicyInput(LateFeeType.FLAT, D("1"), 400)],
    }
    for field, policies in bad.items():
        for policy in policies:
            errors = policy_errors(policy)
            assert errors and errors[0].field == ["input", "lateFeePolicy", field], (policy, messages(errors))


def test_funding_values():
    assert funding_values(FundingCoverageType.FULL, None, None, None, None) == (
        FundingCoverageMode.PERCENTAGE,
        D("100"),
    )
    assert funding_values(FundingCoverageType.PARTIAL, FundingCoverageMode.FIXED_AMOUNT, D("5000.00"), ON, ON) == (
        FundingCoverageMode.FIXED_AMOUNT,
        D("5000.00"),
    )
    assert funding_values(FundingCoverageType.PARTIAL, FundingCoverageMode.PERCENTAGE, D("100"), None, None)[1] == D(
        "100"
    )
    cases = [
        ((FundingCoverageType.FULL, None, D("50"), None, None), "coverageValue"),
        ((FundingCoverageType.PARTIAL, None, D("50"), None, None), "coverageMode"),
        ((FundingCoverageType.PARTIAL, FundingCoverageMode.PERCENTAGE, None, None, None), "coverageValue"),
        ((FundingCoverageType.PARTIAL, FundingCoverageMode.PERCENTAGE, D("100.01"), None, None), "coverageValue"),
        ((FundingCoverageType.PARTIAL, FundingCoverageMode.FIXED_AMOUNT, D("0"), None, None), "coverageValue"),
        ((FundingCoverageType.PARTIAL, FundingCoverageMode.FIXED_AMOUNT, D("-10"), None, None), "coverageValue"),
        ((FundingCoverageType.FULL, None, None, ON, ON - dt.timedelta(days=1)), "validTo"),
    ]
    for args, field in cases:
        with pytest.raises(UserErrors) as info:
            funding_values(*args)
        assert info.value.errors[0].field == ["input", field], (args, messages(info.value.errors))


def test_money_inputs():
    assert check_money(D("12.50"), "amount") == []
    assert check_money(D("12.500"), "amount") == []  # trailing zeros are still 2 places
    assert check_money(None, "amount") == []
    assert "decimal places" in check_money(D("12.501"), "amount")[0].message
    assert "too large" in check_money(D("1E+20"), "amount")[0].message
    assert "too large" in check_money(D("10000000000000"), "amount", precision=15)[0].message
    assert "negative" in check_money(D("-0.01"), "amount")[0].message
    assert "greater than 0" in check_money(D("0"), "amount", positive=True)[0].message


def test_default_due_date():
    assert default_due_date(10, dt.date(2026, 7, 3)) == dt.date(2026, 7, 10)
    assert default_due_date(None, dt.date(2026, 7, 3)) == dt.date(2026, 7, 3)
