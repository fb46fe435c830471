"""Demo maintenance of a hostel, made through the maintenance services themselves (so every row
is one the workflows would write): issue types, an approval threshold, vendors under contract,
the fiscal year's budget, requests in every state (one raised for the Sunrise demo resident, one
on the supervisor's list for today), costs, an invoice, a vendor review, preventive schedules
run once by the schedule job's own function, and the month's computed figures."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from sqlalchemy import text

import models as m
from kit import clock
from resolvers.maintenance import jobs, service

# (code, name, requires a certificate, target days, category budget)
ISSUE_TYPES = (
    ("PLUMBING", "Plumbing", False, 2, Decimal("120000.00")),
    ("ELECTRICAL", "Electrical", True, 1, Decimal("150000.00")),
    ("CARPENTRY", "Carpentry", False, 5, Decimal("60000.00")),
    ("HVAC", "Air conditioning", False, 3, Decimal("90000.00")),
)
# who raises the demo requests and who approves above the threshold, per hostel
PEOPLE = {
    "demo-sunrise": ("supervisor@sunrise.demo", "warden@sunrise.demo"),
    "demo-lotus": ("warden@sunrise.demo", "warden@lotus.demo"),
}


def fiscal_year(today: dt.date) -> tuple[str, dt.date, dt.date]:
    """India's fiscal year (April to March) holding `today`."""
    first = today.year if today.month >= 4 else today.year - 1
    return f"{first}-{str(first + 1)[-2:]}", dt.date(first, 4, 1), dt.date(first + 1, 3, 31)


async def load_maintenance(session: Any, hostel: Any, user_ids: dict[str, int], today: dt.date) -> None:
    """`today` is the hostel's date (the services' too: its time zone is set meanwhile)."""
    token = clock.use_time_zone(hostel.time_zone)
    try:
        await _load(session, hostel, user_ids, today)
    finally:
        clock.reset(token)


async def _load(session: Any, hostel: Any, user_ids: dict[str, int], today: dt.date) -> None:
    h = hostel.id
    requester_email, approver_email = PEOPLE.get(hostel.slug, ("warden@sunrise.demo", "warden@sunrise.demo"))
    requester, approver = user_ids[requester_email], user_ids[approver_email]
    as_requester = SimpleNamespace(hostel_id=h, user_id=requester, roles=frozenset({"HOSTEL_ADMIN"}))
    as_approver = SimpleNamespace(hostel_id=h, user_id=approver, roles=frozenset({"HOSTEL_ADMIN"}))

    types: dict[str, int] = {}
    for code, name, certificate, days, _ in ISSUE_TYPES:
        issue = m.MaintenanceIssueType(
            hostel_id=h, code=code, name=name, requires_certificate=certificate, target_days=days
        )
        session.add(issue)
        await session.flush()
        types[code] = issue.id
    session.add(
        m.ApprovalThreshold(hostel_id=h, name="Above Rs 10,000", amount=Decimal("10000.00"), approver_user_id=approver)
    )
    label, starts, ends = fiscal_year(today)
    allocation = m.BudgetAllocation(
        hostel_id=h, fiscal_year=label, starts_on=starts, ends_on=ends, total_amount=Decimal("450000.00")
    )
    session.add(allocation)
    await session.flush()
    for code, _, _, _, amount in ISSUE_TYPES:
        session.add(
            m.CategoryBudget(hostel_id=h, allocation_id=allocation.id, issue_type_id=types[code], amount=amount)
        )
    prefix = hostel.slug.split("-")[-1].title()
    vendors = []
    for i, (name, specialty, limit) in enumerate(
        ((f"{prefix} Aqua Plumbers", "Plumbing", "15000.00"), (f"{prefix} Volt Electricals", "Electrical", "40000.00"))
    ):
        vendor = m.MaintenanceVendor(
            hostel_id=h, name=name, specialty=specialty, contact_name="Ramesh", phone=f"+9190000000{i}{h % 10}"
        )
        session.add(vendor)
        await session.flush()
        contract = m.VendorContract(
            hostel_id=h,
            vendor_id=vendor.id,
            contract_number=f"VC-{prefix[:3].upper()}-{i + 1:03d}",
            starts_on=today - dt.timedelta(days=180),
            ends_on=today + dt.timedelta(days=185),
            max_job_amount=Decimal(limit),
        )
        session.add(contract)
        await session.flush()
        vendors.append((vendor.id, contract.id))
    await session.flush()

    rooms = list(
        (
            await session.execute(
                text("SELECT id, floor FROM rooms WHERE hostel_id = :h AND active ORDER BY room_number LIMIT 8"),
                {"h": h},
            )
        ).all()
    )
    resident = await session.scalar(
        text(
            "SELECT s.id FROM hostel_students s JOIN users u ON u.id = s.user_id "
            "WHERE s.hostel_id = :h AND u.email = 'resident@sunrise.demo'"
        ),
        {"h": h},
    )

    async def new(code: str, title: str, room: int, estimate: str, **kw: Any) -> int:
        return await service.open_request(
            session,
            hostel_id=h,
            issue_type_id=types[code],
            title=title,
            user_id=requester,
            room_id=rooms[room].id,
            estimated_cost=Decimal(estimate),
            **kw,
        )

    # open, waiting to be assigned
    await new("CARPENTRY", "Wardrobe door off its hinge", 0, "800.00", priority=m.MaintenancePriority.LOW)
    # raised for the resident (from their complaint): they follow it on the phone
    mine = await new(
        "PLUMBING",
        "Leaking tap in the attached bathroom",
        1,
        "1200.00",
        student_id=resident,
        source=m.MaintenanceSource.COMPLAINT if resident else m.MaintenanceSource.STAFF,
    )
    # above the threshold: waiting for the approver
    await new("HVAC", "Replace the common room's AC compressor", 2, "38000.00", priority=m.MaintenancePriority.HIGH)
    # assigned to staff for today (the supervisor's day in Sunrise)
    worker = user_ids["supervisor@sunrise.demo"] if hostel.slug == "demo-sunrise" else approver
    await service.assign(as_requester, session, mine, _gid(worker))
    # approved, then with a vendor and started
    big = await new(
        "ELECTRICAL", "Rewire the second-floor corridor", 3, "22000.00", priority=m.MaintenancePriority.HIGH
    )
    await service.approve(as_approver, session, big, "Safety first")
    await service.assign_vendor(as_requester, session, big, vendors[1][1], Decimal("21500.00"))
    await service.start(as_requester, session, big)
    # done, checked and certified, its cost committed and its vendor's invoice matched
    done = await new("ELECTRICAL", "Replace the burnt MCB in the pantry", 4, "3500.00")
    vendor_job = await service.assign_vendor(as_requester, session, done, vendors[1][1], Decimal("3400.00"))
    await service.complete(
        as_requester,
        session,
        done,
        "Replaced the 32 A MCB and tightened the busbar.",
        Decimal("900.00"),
        [
            service.MaintenanceMaterialInput(
                name="MCB 32 A", quantity=Decimal("1"), unit_cost=Decimal("2500.00"), unit="pc"
            )
        ],
        certificate_number=f"EC-{prefix[:3].upper()}-0001",
        certificate_issued_by="Licensed electrician, Volt Electricals",
        certificate_valid_until=today + dt.timedelta(days=365),
    )
    await service.quality_check(as_approver, session, done, True, 5, "Tested under load")
    invoice = await service.record_invoice(
        as_requester, session, vendor_job, f"INV-{prefix[:3].upper()}-7781", today, Decimal("3400.00")
    )
    await service.commit_cost(
        as_requester, session, done, Decimal("3400.00"), m.MaintenanceCostType.VENDOR, "Volt Electricals", invoice
    )
    # completed by staff, waiting for its quality check
    fixed = await new("PLUMBING", "Unblock the third-floor drain", 5, "600.00")
    await service.assign(as_requester, session, fixed, _gid(approver))
    await service.complete(
        as_requester,
        session,
        fixed,
        "Cleared the trap and flushed the line.",
        Decimal("300.00"),
        [
            service.MaintenanceMaterialInput(
                name="Drain cleaner", quantity=Decimal("2"), unit_cost=Decimal("150.00"), unit="l"
            )
        ],
    )
    await service.commit_cost(as_requester, session, fixed, Decimal("600.00"), m.MaintenanceCostType.LABOUR)
    # cancelled
    dropped = await new("CARPENTRY", "Shelf for the study room", 6, "1500.00")
    await service.cancel(as_requester, session, dropped, "Moved to next term's refurbishment")

    # preventive schedules: one due today (the job's function opens its request), one later
    session.add_all(
        [
            m.MaintenanceSchedule(
                hostel_id=h,
                title="Clean the AC filters",
                issue_type_id=types["HVAC"],
                floor=rooms[0].floor,
                frequency=m.ScheduleFrequency.MONTHS,
                interval_count=1,
                next_due_on=today,
                estimated_cost=Decimal("1500.00"),
                assign_to_user_id=worker,
            ),
            m.MaintenanceSchedule(
                hostel_id=h,
                title="Water tank inspection",
                issue_type_id=types["PLUMBING"],
                frequency=m.ScheduleFrequency.WEEKS,
                interval_count=2,
                next_due_on=today + dt.timedelta(days=5),
                estimated_cost=Decimal("500.00"),
            ),
        ]
    )
    await session.flush()
    await jobs.run_schedules_in(session, h, today)

    last_month_end = today.replace(day=1) - dt.timedelta(days=1)
    await service.review_vendor(
        as_approver, session, vendors[1][0], last_month_end.replace(day=1), last_month_end, 4, 5, 3, "Quick and tidy"
    )
    await jobs.compute_figures(session, h, today.replace(day=1), today)


def _gid(user_id: int) -> str:
    from kit.ids import encode_gid

    return encode_gid("User", user_id)
