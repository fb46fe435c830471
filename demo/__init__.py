"""Demo data a newcomer can log into: two schools, two hostels, users of every role.

Loaded once (skipped when the first demo school exists): the hand-written data of each family
(demo/school.py, demo/finance.py, demo/hostel.py), then a generated row of every tenant type
still empty in a demo tenant (demo/generated.py; values a model's checks need: demo/overrides.py).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.pool import NullPool

from auth.passwords import hash_password
from kit import clock
from demo.complaint import load_complaints
from demo.finance import load_school_finance
from demo.hostel import load_hostel_season
from demo.announcement import load_announcements
from demo.maintenance import load_maintenance
from demo.notification import load_notifications
from demo.school import load_families, load_school_year
from models import (
    AcademicSession,
    AdminHostelAssignment,
    AdminRole,
    AdminUser,
    Hostel,
    PasswordHistory,
    PasswordPolicy,
    PrimaryHostelDesignation,
    RoleAssignment,
    School,
    User,
    UserRole,
)
from models.hostel import HostelStatus, HostelType

DEMO_PASSWORD = "Campus-demo-2026"

SCHOOLS = [
    dict(
        school_code="DEMO-GWH",
        name="Greenwood High School",
        display_name="Greenwood High",
        board="CBSE",
        medium="English",
        city="Pune",
        state="Maharashtra",
        pincode="411001",
        contact_number="+91 20 5550 1100",
        contact_email="office@greenwood.example",
        address="12 Hill Road",
    ),
    dict(
        school_code="DEMO-RVP",
        name="Riverside Public School",
        display_name="Riverside",
        board="ICSE",
        medium="English",
        city="Nashik",
        state="Maharashtra",
        pincode="422001",
        contact_number="+91 253 555 2200",
        contact_email="office@riverside.example",
        address="4 River View",
    ),
]
HOSTELS = [
    dict(
        slug="demo-sunrise",
        name="Sunrise Boys Hostel",
        hostel_type=HostelType.BOYS,
        city="Pune",
        state="Maharashtra",
        address_line1="88 College Road",
        pincode="411004",
        total_rooms=60,
        total_beds=180,
        starting_price_monthly=Decimal("7500.00"),
        security_deposit=Decimal("15000.00"),
        contact_phone="+91 20 5550 3300",
        check_in_time=dt.time(12),
        check_out_time=dt.time(10),
        gallery_urls=["/media/sunrise/1.jpg", "/media/sunrise/2.jpg"],
        social_links={"instagram": "@sunrise.hostel"},
    ),
    dict(
        slug="demo-lotus",
        name="Lotus Girls Residence",
        hostel_type=HostelType.GIRLS,
        city="Pune",
        state="Maharashtra",
        address_line1="5 Lake Lane",
        pincode="411007",
        total_rooms=45,
        total_beds=120,
        starting_price_monthly=Decimal("8200.00"),
        security_deposit=Decimal("16000.00"),
        contact_phone="+91 20 5550 4400",
        status=HostelStatus.ACTIVE,
    ),
]
# email, name, primary role, memberships: (role, "school code" | "hostel slug" | None)
USERS = [
    ("superadmin@demo.campus", "Sam Super", UserRole.SUPER_ADMIN, [(UserRole.SUPER_ADMIN, None)]),
    ("platform@demo.campus", "Pat Platform", UserRole.PLATFORM_ADMIN, [(UserRole.PLATFORM_ADMIN, None)]),
    ("admin@greenwood.demo", "Asha Admin", UserRole.SCHOOL_ADMIN, [(UserRole.SCHOOL_ADMIN, "DEMO-GWH")]),
    ("accounts@greenwood.demo", "Arun Accountant", UserRole.ACCOUNTANT, [(UserRole.ACCOUNTANT, "DEMO-GWH")]),
    ("teacher@greenwood.demo", "Tara Teacher", UserRole.TEACHER, [(UserRole.TEACHER, "DEMO-GWH")]),
    ("admin@riverside.demo", "Ravi Admin", UserRole.SCHOOL_ADMIN, [(UserRole.SCHOOL_ADMIN, "DEMO-RVP")]),
    ("accounts@riverside.demo", "Rina Accountant", UserRole.ACCOUNTANT, [(UserRole.ACCOUNTANT, "DEMO-RVP")]),
    ("teacher@riverside.demo", "Rohan Teacher", UserRole.TEACHER, [(UserRole.TEACHER, "DEMO-RVP")]),
    ("parent@greenwood.demo", "Gita Guardian", UserRole.GUARDIAN, [(UserRole.GUARDIAN, "DEMO-GWH")]),
    (
        "multi@demo.campus",
        "Meera Multi",
        UserRole.TEACHER,
        [(UserRole.TEACHER, "DEMO-GWH"), (UserRole.GUARDIAN, "DEMO-RVP")],
    ),
    ("warden@sunrise.demo", "Hari Hosteladmin", UserRole.HOSTEL_ADMIN, []),  # admin of both hostels, below
    ("warden@lotus.demo", "Lata Hosteladmin", UserRole.HOSTEL_ADMIN, []),
    ("supervisor@sunrise.demo", "Sunil Supervisor", UserRole.SUPERVISOR, [(UserRole.SUPERVISOR, "demo-sunrise")]),
    ("resident@sunrise.demo", "Kiran Resident", UserRole.HOSTEL_STUDENT, [(UserRole.HOSTEL_STUDENT, "demo-sunrise")]),
    ("visitor@demo.campus", "Vera Visitor", UserRole.VISITOR, [(UserRole.VISITOR, None)]),
]
# hostel admins: email -> [(hostel slug, primary)]
HOSTEL_ADMINS = {
    "warden@sunrise.demo": [("demo-sunrise", True), ("demo-lotus", False)],
    "warden@lotus.demo": [("demo-lotus", True)],
}


# who works on the demo hostels' complaints beside their admins (demo/complaint.py)
HOSTEL_SUPERVISORS = {"demo-sunrise": ("supervisor@sunrise.demo",)}


# whose files the demo hostels keep (demo/files.py): the staff's shared ones, a member's private one
HOSTEL_FILE_USERS = {
    "demo-sunrise": ("warden@sunrise.demo", "resident@sunrise.demo"),
    "demo-lotus": ("warden@lotus.demo", "warden@sunrise.demo"),
}


async def load(url: str) -> bool:
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with AsyncSession(engine, expire_on_commit=False) as session, session.begin():
            exists = await session.scalar(select(School.id).where(School.school_code == SCHOOLS[0]["school_code"]))
            if exists:
                await _fill_generated(engine)  # types added since the demo was loaded get their rows
                return False
            schools = {}
            for data in SCHOOLS:
                school = School(**data)
                session.add(school)
                await session.flush()
                current = None
                today = clock.today_in(school.time_zone)  # the school's date, not UTC's
                this_year = today.year if today.month >= 4 else today.year - 1  # sessions run April to March
                for year in (this_year - 2, this_year - 1, this_year):
                    s = AcademicSession(
                        name=f"{year}-{str(year + 1)[2:]}",
                        start_date=dt.date(year, 4, 1),
                        end_date=dt.date(year + 1, 3, 31),
                        school_id=school.id,
                        active=year == this_year,
                    )
                    session.add(s)
                    await session.flush()
                    current = s
                school.current_session_id = current.id
                schools[data["school_code"]] = school
            hostels = {}
            for data in HOSTELS:
                hostels[data["slug"]] = hostel = Hostel(**data)
                session.add(hostel)
            await session.flush()
            session.add(
                PasswordPolicy(
                    min_length=10,
                    require_upper=True,
                    require_lower=True,
                    require_digit=True,
                    require_symbol=False,
                    history_count=5,
                )
            )
            admin_role = AdminRole(
                name="Hostel administrator",
                code="HOSTEL_ADMIN",
                level=10,
                is_system=True,
                permissions=["hostel.*", "booking.*", "resident.*"],
            )
            session.add(admin_role)
            await session.flush()
            password_hash = hash_password(DEMO_PASSWORD)
            now = dt.datetime.now(dt.UTC)
            teacher_users: dict[int, list[int]] = {}
            user_ids: dict[str, int] = {}
            for email, name, role, memberships in USERS:
                primary_school = next((schools[t].id for _, t in memberships if t in schools), None)
                user = User(
                    email=email, full_name=name, role=role, password_hash=password_hash, school_id=primary_school
                )
                session.add(user)
                await session.flush()
                user_ids[email] = user.id
                session.add(
                    PasswordHistory(user_id=user.id, password_hash=password_hash, changed_at=now, reason="created")
                )
                for member_role, tenant in memberships:
                    session.add(
                        RoleAssignment(
                            user_id=user.id,
                            role=member_role,
                            school_id=schools[tenant].id if tenant in schools else None,
                            hostel_id=hostels[tenant].id if tenant in hostels else None,
                        )
                    )
                if role is UserRole.TEACHER and primary_school is not None:
                    teacher_users.setdefault(primary_school, []).append(user.id)
                if email in HOSTEL_ADMINS:
                    admin = AdminUser(
                        user_id=user.id,
                        admin_role_id=admin_role.id,
                        designation="Warden",
                        can_manage_multiple_hostels=len(HOSTEL_ADMINS[email]) > 1,
                    )
                    session.add(admin)
                    await session.flush()
                    for slug, primary in HOSTEL_ADMINS[email]:
                        session.add(
                            AdminHostelAssignment(
                                admin_user_id=admin.id, hostel_id=hostels[slug].id, is_primary=primary, assigned_at=now
                            )
                        )
                        if primary:
                            session.add(
                                PrimaryHostelDesignation(
                                    admin_user_id=admin.id, hostel_id=hostels[slug].id, designated_at=now
                                )
                            )
            await session.flush()
            for code, school in schools.items():
                local_today = clock.today_in(school.time_zone)  # demo dates (closed days, dues) are the school's
                await load_school_year(session, school.id, code, teacher_users.get(school.id, []), local_today)
                await load_school_finance(session, school.id, code, school.current_session_id, local_today)
                await load_families(session, school.id, code, user_ids)
            for hostel in hostels.values():
                await load_hostel_season(
                    session, hostel, user_ids, clock.today_in(hostel.time_zone)
                )  # the hostel's date
                wardens = [e for e, held in HOSTEL_ADMINS.items() if any(s == hostel.slug for s, _ in held)]
                await load_notifications(session, hostel, user_ids, wardens)
                await load_complaints(session, hostel, user_ids, [*wardens, *HOSTEL_SUPERVISORS.get(hostel.slug, ())])
                approver = "supervisor@sunrise.demo" if hostel.slug == "demo-sunrise" else wardens[-1]
                await load_announcements(session, hostel, user_ids[wardens[0]], user_ids[approver])
                await load_maintenance(session, hostel, user_ids, clock.today_in(hostel.time_zone))
            from demo.files import load_hostel_files

            for slug, (staff, member) in HOSTEL_FILE_USERS.items():
                await load_hostel_files(session, hostels[slug], user_ids, staff, member)
        from resolvers.hostel import analytics  # derived figures of the demo season, computed from its rows

        await analytics.compute_all(url)  # as of each hostel's own today (a UTC date is a day off around midnight)
        await _fill_generated(engine)
        return True
    finally:
        await engine.dispose()


async def _fill_generated(engine: Any) -> list[str]:
    """A generated row for every tenant type the hand-written data leaves empty in a demo tenant
    (demo/generated.py): the isolation matrix then runs on rows of every type."""
    from demo.generated import fill

    async with AsyncSession(engine, expire_on_commit=False) as session, session.begin():
        return await fill(session)


def print_logins() -> None:
    print(f"  demo logins (password for all: {DEMO_PASSWORD}):")
    for email, _, role, memberships in USERS:
        where = [t for _, t in memberships if t] + [slug for slug, _ in HOSTEL_ADMINS.get(email, [])]
        print(f"    {role.value:<15} {email}" + (f"  ({', '.join(where)})" if where else ""))
