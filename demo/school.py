"""A realistic school year for each demo school: teachers, classes, subjects, a few hundred
students with guardians, enrollments, four weeks of attendance, a locked term exam with
marks, grade policies, transport, documents, promotions, a subscription and activity.

Deterministic (seeded per school), bulk-inserted; called once by demo/__init__.py.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select, update

from auth.passwords import hash_password
from models import (
    AcademicSession,
    ActivityLog,
    AttendanceStatus,
    ClassSubject,
    Exam,
    ExamStatus,
    ExamSubject,
    Gender,
    GradePolicy,
    Guardian,
    PickupPoint,
    PromotionRecord,
    PromotionType,
    RoleAssignment,
    SchoolClass,
    Student,
    StudentAttendance,
    StudentDocument,
    StudentEnrollment,
    StudentGuardian,
    StudentMark,
    StudentStatus,
    Subject,
    SchoolSubscription,
    SubscriptionPayment,
    Teacher,
    TransportEnrollment,
    TransportRoute,
    User,
    UserRole,
)
from models.fees import FeeFrequency

FIRST = [
    "Aarav",
    "Vivaan",
    "Aditya",
    "Ishaan",
    "Kabir",
    "Arjun",
    "Reyansh",
    "Sai",
    "Ananya",
    "Diya",
    "Saanvi",
    "Aadhya",
    "Myra",
    "Kiara",
    "Ira",
    "Riya",
    "Meera",
    "Neha",
    "Rohan",
    "Karan",
    "Nikhil",
    "Pooja",
    "Sneha",
    "Tanvi",
]
LAST = [
    "Sharma",
    "Verma",
    "Patel",
    "Iyer",
    "Nair",
    "Reddy",
    "Kulkarni",
    "Joshi",
    "Deshpande",
    "Gupta",
    "Singh",
    "Khan",
    "Mehta",
    "Bose",
    "Das",
    "Pillai",
    "Rao",
    "Chopra",
]
SUBJECTS = [
    ("English", "ENG"),
    ("Mathematics", "MAT"),
    ("Science", "SCI"),
    ("Social Studies", "SST"),
    ("Hindi", "HIN"),
    ("Computer Science", "CSC"),
]
GRADES = [
    ("0", "32.99", "E"),
    ("33", "44.99", "D"),
    ("45", "59.99", "C"),
    ("60", "74.99", "B"),
    ("75", "89.99", "A"),
    ("90", "100", "A+"),
]
STUDENTS_PER_CLASS = 12


async def _insert(session: Any, model: type, rows: list[dict[str, Any]]) -> list[int]:
    if not rows:
        return []
    result = await session.execute(insert(model).returning(model.id, sort_by_parameter_order=True), rows)
    return [r[0] for r in result]


def _school_days(end: dt.date, count: int) -> list[dt.date]:
    days, day = [], end
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day -= dt.timedelta(days=1)
    return sorted(days)


async def load_school_year(
    session: Any, school_id: int, code: str, teacher_user_ids: list[int], today: dt.date
) -> None:
    rng = random.Random(code)
    now = dt.datetime.now(dt.UTC)
    sessions = (
        await session.execute(
            select(AcademicSession.id, AcademicSession.name)
            .where(AcademicSession.school_id == school_id)
            .order_by(AcademicSession.start_date)
        )
    ).all()
    previous_session, current_session = sessions[-2][0], sessions[-1][0]
    base = {"school_id": school_id, "created_at": now}

    # teachers: the demo teacher users plus a few more staff accounts
    password = hash_password("Campus-demo-2026")
    extra = [
        {
            "email": f"teacher{i}@{code.lower()}.demo",
            "full_name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            "password_hash": password,
            "role": UserRole.TEACHER,
            "school_id": school_id,
            "created_at": now,
        }
        for i in range(1, 6)
    ]
    extra_ids = await _insert(session, User, extra)
    await _insert(
        session,
        RoleAssignment,
        [{"user_id": u, "role": UserRole.TEACHER, "school_id": school_id, "created_at": now} for u in extra_ids],
    )
    teachers = await _insert(session, Teacher, [{**base, "user_id": u} for u in [*teacher_user_ids, *extra_ids]])

    subjects = await _insert(
        session,
        Subject,
        [{**base, "name": n, "code": c, "type": "CORE", "max_marks": 100, "min_marks": 33} for n, c in SUBJECTS],
    )
    await _insert(
        session,
        GradePolicy,
        [{**base, "min_percent": Decimal(lo), "max_percent": Decimal(hi), "grade": g} for lo, hi, g in GRADES],
    )

    class_rows, previous_rows = [], []
    for grade in range(1, 11):
        for section in ("A", "B"):
            class_rows.append(
                {
                    **base,
                    "name": f"Class {grade}",
                    "section": section,
                    "session_id": current_session,
                    "capacity": 40,
                    "class_teacher_id": teachers[(grade * 2 + len(section)) % len(teachers)],
                }
            )
            previous_rows.append(
                {**base, "name": f"Class {grade}", "section": section, "session_id": previous_session, "capacity": 40}
            )
    classes = await _insert(session, SchoolClass, class_rows)
    previous_classes = await _insert(session, SchoolClass, previous_rows)
    # the demo teacher teaches Class 5 A: mathematics and science
    await _insert(
        session,
        ClassSubject,
        [
            {
                **base,
                "class_id": c,
                "subject_id": s,
                "display_order": j + 1,
                "teacher_id": teachers[0] if i == 8 and j in (1, 2) else teachers[(i + j) % len(teachers)],
            }
            for i, c in enumerate(classes)
            for j, s in enumerate(subjects)
        ],
    )
    await session.execute(update(SchoolClass).where(SchoolClass.id == classes[8]).values(class_teacher_id=teachers[0]))

    # students, guardians, enrollments
    student_rows, guardian_rows = [], []
    for i, class_id in enumerate(classes):
        for n in range(STUDENTS_PER_CLASS):
            number = i * STUDENTS_PER_CLASS + n + 1
            gender = rng.choice([Gender.MALE, Gender.FEMALE])
            last = rng.choice(LAST)
            student_rows.append(
                {
                    **base,
                    "admission_number": f"{code[-3:]}-{2020 + i // 4}-{number:04d}",
                    "first_name": rng.choice(FIRST),
                    "last_name": last,
                    "gender": gender,
                    "dob": dt.date(2019 - i // 2, rng.randint(1, 12), rng.randint(1, 28)),
                    "date_of_admission": dt.date(2020 + i // 8, 4, rng.randint(1, 20)),
                    "current_status": StudentStatus.ENROLLED,
                    "current_class_id": class_id,
                    "city": "Pune" if code.endswith("GWH") else "Nashik",
                    "blood_group": rng.choice(["A+", "B+", "O+", "AB+"]),
                    "contact_number": f"+91 9{rng.randint(100000000, 999999999)}",
                }
            )
            guardian_rows.append(
                {
                    **base,
                    "name": f"{rng.choice(FIRST)} {last}",
                    "relation": rng.choice(["FATHER", "MOTHER"]),
                    "contact_number": f"+91 8{number:04d}{rng.randint(10000, 99999)}",
                    "occupation": "Service",
                }
            )
    students = await _insert(session, Student, student_rows)
    guardians = await _insert(session, Guardian, guardian_rows)
    await _insert(
        session,
        StudentGuardian,
        [
            {**base, "student_id": s, "guardian_id": g, "primary_guardian": True}
            for s, g in zip(students, guardians, strict=True)
        ],
    )
    by_class: dict[int, list[int]] = {}
    enrollment_rows, previous_enrollments, promotions = [], [], []
    for index, student_id in enumerate(students):
        class_index = index // STUDENTS_PER_CLASS
        class_id = classes[class_index]
        by_class.setdefault(class_id, []).append(student_id)
        enrollment_rows.append(
            {
                **base,
                "student_id": student_id,
                "class_id": class_id,
                "session_id": current_session,
                "roll_number": index % STUDENTS_PER_CLASS + 1,
                "enrollment_date": today.replace(month=4, day=1) if today.month >= 4 else dt.date(today.year - 1, 4, 1),
                "admission_type": "PROMOTION",
            }
        )
        if class_index >= 2:  # promoted from the class below last year
            previous_class = previous_classes[class_index - 2]
            previous_enrollments.append(
                {
                    **base,
                    "student_id": student_id,
                    "class_id": previous_class,
                    "session_id": previous_session,
                    "active": False,
                    "roll_number": index % STUDENTS_PER_CLASS + 1,
                }
            )
            promotions.append(
                {
                    **base,
                    "student_id": student_id,
                    "source_session_id": previous_session,
                    "target_session_id": current_session,
                    "source_class_id": previous_class,
                    "target_class_id": class_id,
                    "promotion_type": PromotionType.PROMOTED,
                    "promoted_by": "admin",
                    "promoted_at": now - dt.timedelta(days=200),
                }
            )
    await _insert(session, StudentEnrollment, [*enrollment_rows, *previous_enrollments])
    await _insert(session, PromotionRecord, promotions)

    # four weeks of attendance up to yesterday (today's is for the teacher's phone to mark)
    days = _school_days(today - dt.timedelta(days=1), 20)
    weights = [AttendanceStatus.PRESENT] * 18 + [AttendanceStatus.ABSENT, AttendanceStatus.LATE]
    attendance = [
        {
            **base,
            "class_id": class_id,
            "session_id": current_session,
            "student_id": s,
            "attendance_date": day,
            "status": rng.choice(weights),
        }
        for class_id, members in by_class.items()
        for s in members
        for day in days
    ]
    for start in range(0, len(attendance), 2000):
        await _insert(session, StudentAttendance, attendance[start : start + 2000])

    # a locked term exam with marks for every class, and a draft one
    exams = await _insert(
        session,
        Exam,
        [
            {
                **base,
                "class_id": c,
                "session_id": current_session,
                "name": "Term 1",
                "exam_type": "TERM",
                "status": ExamStatus.LOCKED,
                "start_date": days[0],
                "end_date": days[4],
            }
            for c in classes
        ],
    )
    await _insert(
        session,
        Exam,
        [
            {
                **base,
                "class_id": c,
                "session_id": current_session,
                "name": "Unit Test 2",
                "exam_type": "UNIT",
                "status": ExamStatus.DRAFT,
            }
            for c in classes[:4]
        ],
    )
    exam_subjects = await _insert(
        session,
        ExamSubject,
        [{**base, "exam_id": e, "subject_id": s, "max_marks": 100} for e in exams for s in subjects],
    )
    marks = []
    for e_index, exam_id in enumerate(exams):
        for s_index in range(len(subjects)):
            exam_subject = exam_subjects[e_index * len(subjects) + s_index]
            for student_id in by_class[classes[e_index]]:
                marks.append(
                    {
                        **base,
                        "exam_id": exam_id,
                        "exam_subject_id": exam_subject,
                        "student_id": student_id,
                        "marks_obtained": max(0, min(100, int(rng.gauss(68, 15)))),
                    }
                )
    for start in range(0, len(marks), 2000):
        await _insert(session, StudentMark, marks[start : start + 2000])

    # transport
    routes = await _insert(
        session,
        TransportRoute,
        [{**base, "name": f"Route {n}", "description": f"{n} side", "capacity": 30} for n in ("North", "East")],
    )
    points = await _insert(
        session,
        PickupPoint,
        [
            {
                **base,
                "name": f"{r_name} stop {k}",
                "route_id": r,
                "amount": Decimal("850.00") + 150 * k,
                "frequency": FeeFrequency.MONTHLY,
            }
            for r, r_name in zip(routes, ("North", "East"), strict=True)
            for k in range(1, 4)
        ],
    )
    riders = students[:36]
    await _insert(
        session,
        TransportEnrollment,
        [
            {**base, "student_id": s, "pickup_point_id": points[i % len(points)], "session_id": current_session}
            for i, s in enumerate(riders)
        ],
    )
    for r_index, route in enumerate(routes):
        taken = sum(1 for i in range(len(riders)) if (i % len(points)) // 3 == r_index)
        await session.execute(update(TransportRoute).where(TransportRoute.id == route).values(current_strength=taken))

    await _insert(
        session,
        StudentDocument,
        [
            {
                **base,
                "student_id": s,
                "file_type": "application/pdf",
                "file_name": "birth-certificate.pdf",
                "file_url": None,
                "uploaded_at": now,
            }
            for s in students[:10]
        ],
    )
    subscription = await _insert(
        session,
        SchoolSubscription,
        [
            {
                **base,
                "plan_name": "Standard",
                "student_limit": 500,
                "monthly_price": Decimal("4999.00"),
                "start_date": dt.date(today.year, 1, 1),
                "end_date": dt.date(today.year, 12, 31),
                "active": True,
            }
        ],
    )
    await _insert(
        session,
        SubscriptionPayment,
        [
            {
                **base,
                "subscription_id": subscription[0],
                "amount_paid": Decimal("14997.00"),
                "payment_date": dt.date(today.year, 1, 5),
                "payment_mode": "BANK",
                "transaction_reference": f"INV-{code}-001",
            }
        ],
    )
    await _insert(
        session,
        ActivityLog,
        [{**base, "action": "demo.load", "entity_type": "School", "entity_id": school_id, "timestamp": now}],
    )


# Demo families (issue 18): who reads which students as their guardian. Each entry: the
# guardian's email, the school code, and the positions (in admission order) of their children.
# Greenwood's parent has two children in two classes; Riverside's is the demo's multi-role user.
FAMILIES = [
    ("parent@greenwood.demo", "DEMO-GWH", [0, 3 * STUDENTS_PER_CLASS + 1]),
    ("multi@demo.campus", "DEMO-RVP", [2]),
]


async def load_families(session: Any, school_id: int, code: str, user_ids: dict[str, int]) -> None:
    """Link the demo guardians of `code`: a Guardian record of the school per family, linked to
    its children (beside their primary guardian), an accepted invitation linking the account to
    it, and one document per child the school shares with the family."""
    import hashlib
    import secrets

    from models import FamilyInvitation

    now = dt.datetime.now(dt.UTC)
    base = {"school_id": school_id, "created_at": now}
    students = list(
        (await session.execute(select(Student.id).where(Student.school_id == school_id).order_by(Student.id))).scalars()
    )
    for n, (email, school_code, positions) in enumerate(FAMILIES):
        if school_code != code:
            continue
        user = await session.get(User, user_ids[email])
        [guardian] = await _insert(
            session,
            Guardian,
            [
                {
                    **base,
                    "name": user.full_name,
                    "relation": "MOTHER",
                    "contact_number": f"+91 7000{n:02d}{school_id:04d}",
                    "email": email,
                }
            ],
        )
        children = [students[p] for p in positions]
        await _insert(session, StudentGuardian, [{**base, "student_id": s, "guardian_id": guardian} for s in children])
        await _insert(
            session,
            FamilyInvitation,
            [
                {
                    "school_id": school_id,
                    "guardian_id": guardian,
                    "email": email,
                    # an invitation accepted long ago: its token is no longer known to anyone
                    "token_hash": hashlib.sha256(secrets.token_bytes(32)).hexdigest(),
                    "invited_at": now - dt.timedelta(days=30),
                    "expires_at": now - dt.timedelta(days=23),
                    "accepted_at": now - dt.timedelta(days=29),
                    "user_id": user.id,
                }
            ],
        )
        await _insert(
            session,
            StudentDocument,
            [
                {
                    **base,
                    "student_id": s,
                    "file_type": "application/pdf",
                    "file_name": "report-card-term-1.pdf",
                    "uploaded_at": now,
                    "shared_with_family": True,
                }
                for s in children
            ],
        )
