"""A term of fees for each demo school: fee types and structures with late-fee policies,
assignments snapshotting them, discounts, sponsors, payments with allocations (some late),
expenses with gap-free voucher numbers, a cash-to-bank transfer, and closed days.

Every total is consistent: assignment totals equal their allocations and adjustments, and
each closed day equals the previous closing plus that day's money (checked by tests).
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select

from models import (
    AdjustmentType,
    DayClosing,
    DiscountDefinition,
    DiscountType,
    ExpenseHead,
    ExpensePaymentMode,
    ExpenseVoucher,
    FeeAdjustment,
    FeeFrequency,
    FeePayment,
    FeePaymentAllocation,
    FeeStructure,
    FeeType,
    FinanceAccountTransfer,
    FundingCoverageMode,
    FundingCoverageType,
    LateFeeCapType,
    LateFeeLog,
    LateFeePolicy,
    LateFeeType,
    SchoolClass,
    StudentEnrollment,
    StudentFeeAssignment,
    StudentFundingArrangement,
    VoucherSequence,
)

ZERO = Decimal("0.00")


async def _insert(session: Any, model: type, rows: list[dict[str, Any]]) -> list[int]:
    if not rows:
        return []
    result = await session.execute(insert(model).returning(model.id, sort_by_parameter_order=True), rows)
    return [r[0] for r in result]


async def load_school_finance(session: Any, school_id: int, code: str, session_id: int, today: dt.date) -> None:
    rng = random.Random(f"fees-{code}")
    now = dt.datetime.now(dt.UTC)
    base = {"school_id": school_id, "created_at": now}
    tuition, exam_fee = await _insert(
        session,
        FeeType,
        [
            {**base, "name": "Tuition", "description": "Monthly tuition"},
            {**base, "name": "Examination", "description": "Term examination fee"},
        ],
    )
    classes = (
        (
            await session.execute(
                select(SchoolClass.id).where(SchoolClass.school_id == school_id, SchoolClass.session_id == session_id)
            )
        )
        .scalars()
        .all()
    )
    tuition_structures = await _insert(
        session,
        FeeStructure,
        [
            {
                **base,
                "class_id": c,
                "session_id": session_id,
                "fee_type_id": tuition,
                "amount": Decimal("3000.00"),
                "frequency": FeeFrequency.MONTHLY,
                "due_day_of_month": 10,
            }
            for c in classes
        ],
    )
    [exam_structure] = await _insert(
        session,
        FeeStructure,
        [
            {
                **base,
                "class_id": None,
                "session_id": session_id,
                "fee_type_id": exam_fee,
                "amount": Decimal("500.00"),
                "frequency": FeeFrequency.ONE_TIME,
                "due_day_of_month": 10,
            }
        ],
    )
    await _insert(
        session,
        LateFeePolicy,
        [
            {
                **base,
                "fee_structure_id": s,
                "type": LateFeeType.FLAT,
                "amount_value": Decimal("100.00"),
                "grace_days": 5,
                "cap_type": LateFeeCapType.NONE,
                "cap_value": ZERO,
            }
            for s in tuition_structures
        ],
    )
    sibling, staff = await _insert(
        session,
        DiscountDefinition,
        [
            {**base, "name": "Sibling", "type": DiscountType.PERCENTAGE, "amount_value": Decimal("10.00")},
            {**base, "name": "Staff ward", "type": DiscountType.FLAT, "amount_value": Decimal("500.00")},
        ],
    )

    enrolled = (
        await session.execute(
            select(StudentEnrollment.student_id, StudentEnrollment.class_id)
            .where(
                StudentEnrollment.school_id == school_id,
                StudentEnrollment.session_id == session_id,
                StudentEnrollment.active,
            )
            .order_by(StudentEnrollment.student_id)
        )
    ).all()
    structure_of = dict(zip(classes, tuition_structures, strict=True))
    tuition_due = (
        (today - dt.timedelta(days=25)).replace(day=10)
        if today.day > 10
        else (today - dt.timedelta(days=40)).replace(day=10)
    )
    exam_due = today + dt.timedelta(days=20)

    sponsored = {s for i, (s, _) in enumerate(enrolled) if i % 40 == 7}
    await _insert(
        session,
        StudentFundingArrangement,
        [
            {
                **base,
                "student_id": s,
                "session_id": session_id,
                "coverage_type": FundingCoverageType.FULL,
                "coverage_mode": FundingCoverageMode.PERCENTAGE,
                "coverage_value": Decimal("100.00"),
            }
            for s in sorted(sponsored)
        ],
    )

    assignments: list[dict[str, Any]] = []
    for index, (student, class_id) in enumerate(enrolled):
        for structure, amount, due, late in (
            (structure_of[class_id], Decimal("3000.00"), tuition_due, True),
            (exam_structure, Decimal("500.00"), exam_due, False),
        ):
            assignments.append(
                {
                    **base,
                    "student_id": student,
                    "fee_structure_id": structure,
                    "session_id": session_id,
                    "amount": amount,
                    "due_date": due,
                    "late_fee_type": LateFeeType.FLAT if late else LateFeeType.NONE,
                    "late_fee_value": Decimal("100.00") if late else ZERO,
                    "late_fee_grace_days": 5 if late else 0,
                    "late_fee_cap_type": LateFeeCapType.NONE,
                    "late_fee_cap_value": ZERO,
                    "sponsor_covered_amount": amount if student in sponsored else ZERO,
                    "total_discount_amount": ZERO,
                    "principal_paid": ZERO,
                    "late_fee_paid": ZERO,
                    "late_fee_accrued": ZERO,
                    "late_fee_waived": ZERO,
                    "late_fee_applied": False,
                    "_fee_type": tuition if late else exam_fee,
                    "_index": index,
                }
            )

    adjustments, payments, late_logs = [], [], []
    days = [today - dt.timedelta(days=d) for d in (6, 5, 4, 3, 2)]
    for a in assignments:
        if a["_fee_type"] != tuition or a["sponsor_covered_amount"]:
            continue
        roll = rng.random()
        if a["_index"] % 12 == 3:  # siblings get 10 %
            discount = (a["amount"] * Decimal("0.10")).quantize(Decimal("0.01"))
            a["total_discount_amount"] = discount
            adjustments.append(
                {
                    "assignment": a,
                    "type": AdjustmentType.DISCOUNT,
                    "amount": discount,
                    "discount_definition_id": sibling,
                    "discount_name_snapshot": "Sibling",
                    "discount_type_snapshot": DiscountType.PERCENTAGE,
                    "discount_value_snapshot": Decimal("10.00"),
                    "reason": "Sibling studying in the school",
                }
            )
        if roll < 0.55:  # paid on time
            principal = a["amount"] - a["total_discount_amount"]
            payments.append((a, principal, ZERO, rng.choice(days), rng.choice(["CASH", "UPI", "BANK"])))
        elif roll < 0.75:  # paid late: the flat late fee accrued at payment time and paid first
            a["late_fee_accrued"] = Decimal("100.00")
            a["late_fee_applied"] = True
            late_logs.append(
                {
                    "assignment": a,
                    "computed_amount": Decimal("100.00"),
                    "applied_date": days[-1],
                    "reason": "FLAT late fee after 5 grace days",
                }
            )
            principal = (a["amount"] - a["total_discount_amount"]) / 2
            payments.append((a, principal.quantize(Decimal("0.01")), Decimal("100.00"), days[-1], "CASH"))
        # the rest owe everything: the defaulters list has people in it
    for a, principal, late_fee, _, _ in payments:
        a["principal_paid"] += principal
        a["late_fee_paid"] += late_fee

    ids = await _insert(
        session, StudentFeeAssignment, [{k: v for k, v in a.items() if not k.startswith("_")} for a in assignments]
    )
    for a, pk in zip(assignments, ids, strict=True):
        a["id"] = pk
    await _insert(
        session,
        FeeAdjustment,
        [{**base, "assignment_id": x.pop("assignment")["id"], **x, "created_by_staff": "demo"} for x in adjustments],
    )
    await _insert(session, LateFeeLog, [{**base, "assignment_id": x.pop("assignment")["id"], **x} for x in late_logs])
    payment_ids = await _insert(
        session,
        FeePayment,
        [
            {
                **base,
                "student_id": a["student_id"],
                "session_id": session_id,
                "principal_paid": p,
                "late_fee_paid": lf,
                "payment_date": day,
                "mode": mode,
                "transaction_reference": f"RCPT-{code}-{n:05d}",
            }
            for n, (a, p, lf, day, mode) in enumerate(payments, start=1)
        ],
    )
    await _insert(
        session,
        FeePaymentAllocation,
        [
            {
                **base,
                "fee_payment_id": pid,
                "assignment_id": a["id"],
                "fee_type_id": a["_fee_type"],
                "principal_amount": p,
                "late_fee_amount": lf,
                "session_id": session_id,
            }
            for pid, (a, p, lf, _, _) in zip(payment_ids, payments, strict=True)
        ],
    )

    # expenses with gap-free numbers, one transfer, and the closed days
    heads = await _insert(
        session,
        ExpenseHead,
        [{**base, "name": n, "normalized_name": n.lower()} for n in ("Electricity", "Stationery", "Maintenance")],
    )
    vouchers = []
    for n in range(1, 9):
        vouchers.append(
            {
                **base,
                "voucher_number": f"EXP-{n:05d}",
                "expense_date": days[n % len(days)],
                "expense_head_id": heads[n % 3],
                "amount": Decimal(rng.randrange(800, 9000)).quantize(Decimal("0.01")),
                "payment_mode": ExpensePaymentMode.CASH if n % 2 else ExpensePaymentMode.BANK,
                "session_id": session_id,
                "description": "Demo expense",
            }
        )
    await _insert(session, ExpenseVoucher, vouchers)
    await _insert(session, VoucherSequence, [{**base, "next_number": len(vouchers) + 1}])
    transfer = {
        **base,
        "session_id": session_id,
        "transfer_date": days[2],
        "amount": Decimal("5000.00"),
        "from_account": "CASH",
        "to_account": "BANK",
        "reference_number": f"DEP-{code}-1",
    }
    await _insert(session, FinanceAccountTransfer, [transfer])

    opening_cash, opening_bank = Decimal("20000.00"), Decimal("150000.00")
    closings = []
    for day in days[:-1]:  # the last day stays open
        cash_in = sum((p + lf for _, p, lf, d, m in payments if d == day and m == "CASH"), ZERO)
        bank_in = sum((p + lf for _, p, lf, d, m in payments if d == day and m != "CASH"), ZERO)
        cash_out = sum(
            (
                v["amount"]
                for v in vouchers
                if v["expense_date"] == day and v["payment_mode"] is ExpensePaymentMode.CASH
            ),
            ZERO,
        )
        bank_out = sum(
            (
                v["amount"]
                for v in vouchers
                if v["expense_date"] == day and v["payment_mode"] is not ExpensePaymentMode.CASH
            ),
            ZERO,
        )
        moved = transfer["amount"] if transfer["transfer_date"] == day else ZERO
        closing_cash = opening_cash + cash_in - cash_out - moved
        closing_bank = opening_bank + bank_in - bank_out + moved
        closings.append(
            {
                **base,
                "date": day,
                "session_id": session_id,
                "opening_cash": opening_cash,
                "opening_bank": opening_bank,
                "cash_revenue": cash_in,
                "bank_revenue": bank_in,
                "cash_expense": cash_out,
                "bank_expense": bank_out,
                "transfer_out": moved,
                "transfer_in": moved,
                "closing_cash": closing_cash,
                "closing_bank": closing_bank,
                "closed_at": now,
                "override_allowed": False,
            }
        )
        opening_cash, opening_bank = closing_cash, closing_bank
    await _insert(session, DayClosing, closings)
