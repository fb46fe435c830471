"""Demo data a newcomer can log into: two schools, two hostels, users of every role.

Loaded once (skipped when the first demo school exists). Later domains extend `load`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.pool import NullPool

from auth.passwords import hash_password
from models import AcademicSession, Hostel, School, User, UserRole
from models.hostel import HostelStatus, HostelType

DEMO_PASSWORD = "Campus-demo-2026"

SCHOOLS = [
    dict(school_code="DEMO-GWH", name="Greenwood High School", display_name="Greenwood High", board="CBSE",
         medium="English", city="Pune", state="Maharashtra", pincode="411001", contact_number="+91 20 5550 1100",
         contact_email="office@greenwood.example", address="12 Hill Road"),
    dict(school_code="DEMO-RVP", name="Riverside Public School", display_name="Riverside", board="ICSE",
         medium="English", city="Nashik", state="Maharashtra", pincode="422001", contact_number="+91 253 555 2200",
         contact_email="office@riverside.example", address="4 River View"),
]
HOSTELS = [
    dict(slug="demo-sunrise", name="Sunrise Boys Hostel", hostel_type=HostelType.BOYS, city="Pune", state="Maharashtra",
         address_line1="88 College Road", pincode="411004", total_rooms=60, total_beds=180,
         starting_price_monthly=Decimal("7500.00"), security_deposit=Decimal("15000.00"),
         contact_phone="+91 20 5550 3300", check_in_time=dt.time(12), check_out_time=dt.time(10),
         gallery_urls=["/media/sunrise/1.jpg", "/media/sunrise/2.jpg"], social_links={"instagram": "@sunrise.hostel"}),
    dict(slug="demo-lotus", name="Lotus Girls Residence", hostel_type=HostelType.GIRLS, city="Pune", state="Maharashtra",
         address_line1="5 Lake Lane", pincode="411007", total_rooms=45, total_beds=120,
         starting_price_monthly=Decimal("8200.00"), security_deposit=Decimal("16000.00"),
         contact_phone="+91 20 5550 4400", status=HostelStatus.ACTIVE),
]
# email, name, role, school code (None: platform or hostel user)
USERS = [
    ("superadmin@demo.campus", "Sam Super", UserRole.SUPER_ADMIN, None),
    ("platform@demo.campus", "Pat Platform", UserRole.PLATFORM_ADMIN, None),
    ("admin@greenwood.demo", "Asha Admin", UserRole.SCHOOL_ADMIN, "DEMO-GWH"),
    ("accounts@greenwood.demo", "Arun Accountant", UserRole.ACCOUNTANT, "DEMO-GWH"),
    ("teacher@greenwood.demo", "Tara Teacher", UserRole.TEACHER, "DEMO-GWH"),
    ("admin@riverside.demo", "Ravi Admin", UserRole.SCHOOL_ADMIN, "DEMO-RVP"),
    ("accounts@riverside.demo", "Rina Accountant", UserRole.ACCOUNTANT, "DEMO-RVP"),
    ("teacher@riverside.demo", "Rohan Teacher", UserRole.TEACHER, "DEMO-RVP"),
    ("warden@sunrise.demo", "Hari Hosteladmin", UserRole.HOSTEL_ADMIN, None),
    ("supervisor@sunrise.demo", "Sunil Supervisor", UserRole.SUPERVISOR, None),
    ("warden@lotus.demo", "Lata Hosteladmin", UserRole.HOSTEL_ADMIN, None),
    ("resident@sunrise.demo", "Kiran Resident", UserRole.HOSTEL_STUDENT, None),
    ("visitor@demo.campus", "Vera Visitor", UserRole.VISITOR, None),
]


async def load(url: str) -> bool:
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with AsyncSession(engine, expire_on_commit=False) as session, session.begin():
            exists = await session.scalar(select(School.id).where(School.school_code == SCHOOLS[0]["school_code"]))
            if exists:
                return False
            schools = {}
            for data in SCHOOLS:
                school = School(**data)
                session.add(school)
                await session.flush()
                current = None
                for year in (2024, 2025, 2026):
                    s = AcademicSession(name=f"{year}-{str(year + 1)[2:]}", start_date=dt.date(year, 4, 1),
                                        end_date=dt.date(year + 1, 3, 31), school_id=school.id, active=year == 2026)
                    session.add(s)
                    await session.flush()
                    current = s
                school.current_session_id = current.id
                schools[data["school_code"]] = school
            for data in HOSTELS:
                session.add(Hostel(**data))
            password_hash = hash_password(DEMO_PASSWORD)
            for email, name, role, code in USERS:
                session.add(User(email=email, full_name=name, role=role, password_hash=password_hash,
                                 school_id=schools[code].id if code else None))
            return True
    finally:
        await engine.dispose()


def print_logins() -> None:
    print(f"  demo logins (password for all: {DEMO_PASSWORD}):")
    for email, _, role, code in USERS:
        print(f"    {role.value:<15} {email}" + (f"  ({code})" if code else ""))
