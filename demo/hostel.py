"""A realistic season for each demo hostel: room types with features and prices, a few
hundred beds in rooms over several floors, residents in most beds (profiles, guardians,
documents, transfers), a season of bookings in every state with their approvals,
rejections, cancellations and refunds, modifications, conversions and calendar, waitlists,
amenities, media, policies and settings.

Deterministic (seeded per hostel), bulk-inserted; called once by demo/__init__.py. Bookings
that hold a bed take beds no resident sleeps in, one booking per bed, so the demo obeys
the no-double-booking constraints like real data must.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import update

import models as m
from demo.files import document_files
from demo.school import FIRST, LAST, _insert
from resolvers.booking.lifecycle import add_months

D = Decimal
# (code, name, category, beds per room, monthly price, deposit)
ROOM_TYPES = [
    ("SGL", "Single room", m.RoomCategory.SINGLE, 1, D("14500.00"), D("29000.00")),
    ("DBL", "Twin sharing", m.RoomCategory.DOUBLE, 2, D("10500.00"), D("21000.00")),
    ("TRP", "Triple sharing", m.RoomCategory.TRIPLE, 3, D("8200.00"), D("16400.00")),
    ("QD", "Four sharing", m.RoomCategory.FOUR_SHARING, 4, D("6900.00"), D("13800.00")),
]
FEATURES = [
    ("Study table", m.FeatureType.FURNITURE),
    ("Wardrobe", m.FeatureType.FURNITURE),
    ("Wi-Fi", m.FeatureType.UTILITY),
    ("Housekeeping twice a week", m.FeatureType.SERVICE),
]
INSTITUTIONS = [
    "COEP Technological University",
    "Fergusson College",
    "Symbiosis Law School",
    "MIT-WPU",
    "Infosys Hinjewadi",
    "Persistent Systems",
]


async def load_hostel_season(session: Any, hostel: Any, user_ids: dict[str, int], today: dt.date) -> None:
    """`today` is the hostel's date (its time zone)."""
    rng = random.Random(hostel.slug)
    now = dt.datetime.now(dt.UTC)
    local = ZoneInfo(hostel.time_zone or "UTC")
    h = hostel.id
    base = {"hostel_id": h}
    male = hostel.hostel_type is m.HostelType.BOYS
    gender = m.Gender.MALE if male else m.Gender.FEMALE
    floors, rooms_per_floor = (5, 20) if male else (4, 16)
    prefix = hostel.slug.split("-")[-1][:3].upper()

    # ---- configuration -----------------------------------------------------------------------
    await _insert(
        session,
        m.HostelSettings,
        [
            {
                **base,
                "curfew_time": dt.time(22, 30),
                "visitor_hours_from": dt.time(10),
                "visitor_hours_until": dt.time(19),
                "mess_included": True,
                "feature_flags": {"amenityBooking": True},
            }
        ],
    )
    await _insert(
        session,
        m.ApprovalSettings,
        [
            {
                **base,
                "auto_approve": not male,
                "auto_approve_max_months": 6,
                "approval_message": "Welcome! Pay the advance to confirm your bed.",
            }
        ],
    )
    policy_ids = await _insert(
        session,
        m.CancellationPolicy,
        [
            {
                **base,
                "name": "Standard",
                "effective_from": today - dt.timedelta(days=200),
                "description": "Full refund 30+ days before arrival, half 7-29 days, nothing later.",
                "tiers": [{"minDaysBefore": 30, "refundPercent": "100"}, {"minDaysBefore": 7, "refundPercent": "50"}],
            }
        ],
    )
    cat_ids = await _insert(
        session,
        m.AmenityCategory,
        [
            {**base, "name": n, "sort_order": i, "icon": icon}
            for i, (n, icon) in enumerate([("Study & Wi-Fi", "wifi"), ("Laundry", "washer"), ("Fitness", "dumbbell")])
        ],
    )
    amenity_ids = await _insert(
        session,
        m.HostelAmenity,
        [
            {
                **base,
                "category_id": cat_ids[0],
                "name": "Reading room",
                "is_bookable": False,
                "capacity": 40,
                "open_from": dt.time(6),
                "open_until": dt.time(23, 59),
                "booking_fee": None,
            },
            {
                **base,
                "category_id": cat_ids[0],
                "name": "High-speed Wi-Fi",
                "is_bookable": False,
                "capacity": None,
                "open_from": None,
                "open_until": None,
                "booking_fee": None,
            },
            {
                **base,
                "category_id": cat_ids[1],
                "name": "Washing machines",
                "is_bookable": True,
                "capacity": 6,
                "open_from": dt.time(7),
                "open_until": dt.time(22),
                "booking_fee": D("40.00"),
            },
            {
                **base,
                "category_id": cat_ids[2],
                "name": "Gym",
                "is_bookable": True,
                "capacity": 12,
                "open_from": dt.time(5, 30),
                "open_until": dt.time(21),
                "booking_fee": None,
            },
        ],
    )
    media_cats = await _insert(
        session,
        m.MediaCategory,
        [{**base, "name": n, "sort_order": i} for i, n in enumerate(["Rooms", "Common areas"])],
    )
    await _insert(
        session,
        m.HostelMedia,
        [
            {
                **base,
                "category_id": media_cats[i % 2],
                "media_type": t,
                "url": f"/media/{hostel.slug}/{i}.{ext}",
                "title": title,
                "sort_order": i,
                "is_cover": i == 0,
            }
            for i, (t, ext, title) in enumerate(
                [
                    (m.MediaType.IMAGE, "jpg", "Twin room"),
                    (m.MediaType.IMAGE, "jpg", "Lounge"),
                    (m.MediaType.VIDEO, "mp4", "Walk-through"),
                    (m.MediaType.VIRTUAL_TOUR, "html", "360° tour"),
                ]
            )
        ],
    )
    policy_rows = [
        (m.PolicyType.CURFEW, "Curfew", "Gates close at 22:30; late entry is logged at the desk."),
        (m.PolicyType.VISITOR, "Visitors", "Visitors sign in at the desk, 10:00-19:00, common areas only."),
        (m.PolicyType.CONDUCT, "Conduct", "No alcohol, smoking or cooking appliances in rooms."),
    ]
    hostel_policy_ids = await _insert(
        session,
        m.HostelPolicy,
        [
            {
                **base,
                "policy_type": t,
                "title": title,
                "content": text,
                "effective_from": today - dt.timedelta(days=300),
            }
            for t, title, text in policy_rows
        ],
    )
    await _insert(
        session,
        m.AssignmentRule,
        [
            {**base, "name": "Fill partly occupied rooms", "strategy": m.AssignmentStrategy.FILL_ROOMS, "priority": 10},
            {**base, "name": "Spread out in exam season", "strategy": m.AssignmentStrategy.SPREAD, "priority": 50},
        ],
    )

    # ---- room types, rooms, beds ---------------------------------------------------------------
    type_ids = await _insert(
        session,
        m.RoomTypeDefinition,
        [
            {
                **base,
                "code": code,
                "name": name,
                "category": cat,
                "beds_per_room": beds,
                "base_price_monthly": price,
                "security_deposit": dep,
                "is_air_conditioned": beds == 1,
                "has_attached_bathroom": beds <= 2,
                "is_featured": beds == 2,
                "description": f"{name}: {beds} bed{'s' if beds > 1 else ''} per room.",
            }
            for code, name, cat, beds, price, dep in ROOM_TYPES
        ],
    )
    types = dict(zip(type_ids, ROOM_TYPES, strict=True))
    await _insert(
        session,
        m.RoomTypeFeature,
        [
            {**base, "room_type_id": t, "name": n, "feature_type": ft, "is_included": True, "additional_cost": None}
            for t in type_ids
            for n, ft in FEATURES
        ],
    )
    await _insert(
        session,
        m.RoomTypePricing,
        [
            {
                **base,
                "room_type_id": t,
                "season": season,
                "valid_from": start,
                "valid_to": end,
                "monthly_price": (types[t][4] * factor).quantize(D("0.01")),
                "discount_percent": disc,
                "is_special_offer": disc > 0,
                "yearly_price": (types[t][4] * factor * 11).quantize(D("0.01")),
            }
            for t in type_ids
            for season, start, end, factor, disc in [
                ("Academic year", today - dt.timedelta(days=120), today + dt.timedelta(days=240), D("1"), D("0")),
                ("Summer", today + dt.timedelta(days=241), today + dt.timedelta(days=330), D("0.85"), D("15")),
            ]
        ],
    )
    await _insert(
        session,
        m.RoomTypeUpgrade,
        [
            {
                **base,
                "from_room_type_id": type_ids[i + 1],
                "to_room_type_id": type_ids[i],
                "min_stay_days": 30,
                "price_difference_monthly": types[type_ids[i]][4] - types[type_ids[i + 1]][4],
                "conditions": "Subject to availability",
            }
            for i in range(len(type_ids) - 1)
        ],
    )
    await _insert(
        session,
        m.AvailabilityWindow,
        [
            {
                **base,
                "room_type_id": None,
                "name": "Admissions peak",
                "window_type": m.WindowType.PEAK,
                "starts_on": today + dt.timedelta(days=150),
                "ends_on": today + dt.timedelta(days=200),
                "price_adjustment_percent": D("5.00"),
                "min_stay_months": 3,
            }
        ],
    )
    await _insert(
        session,
        m.AvailabilityRule,
        [
            {
                **base,
                "room_type_id": type_ids[0],
                "name": "Keep two singles for staff transfers",
                "rule_type": m.AvailabilityRuleType.HOLD_BACK_BEDS,
                "value": 2,
                "description": None,
            }
        ],
    )

    room_rows, room_type_of = [], []
    for floor in range(1, floors + 1):
        for n in range(1, rooms_per_floor + 1):
            t = type_ids[(n - 1) % len(type_ids)] if n <= rooms_per_floor - 2 else type_ids[3]
            room_rows.append(
                {
                    **base,
                    "room_type_id": t,
                    "room_number": f"{floor}{n:02d}",
                    "floor": floor,
                    "wing": "A" if n <= rooms_per_floor // 2 else "B",
                    "capacity": types[t][3],
                    "monthly_rent": types[t][4],
                    "status": m.RoomStatus.IN_SERVICE,
                }
            )
            room_type_of.append(t)
    room_ids = await _insert(session, m.Room, room_rows)
    await _insert(
        session,
        m.RoomPricingHistory,
        [
            {
                **base,
                "room_id": r,
                "old_monthly_rent": row["monthly_rent"],
                "new_monthly_rent": row["monthly_rent"],
                "effective_from": today - dt.timedelta(days=365),
                "reason": "Opening rent",
            }
            for r, row in zip(room_ids, room_rows, strict=True)
        ],
    )
    await _insert(
        session,
        m.RoomSpecification,
        [
            {
                **base,
                "room_id": r,
                "area_sqft": D(90 + 45 * row["capacity"]),
                "windows": 1 + row["capacity"] // 2,
                "electrical_points": 2 * row["capacity"],
                "has_balcony": row["floor"] > 1 and row["capacity"] <= 2,
                "bathroom_type": m.BathroomType.ATTACHED if row["capacity"] <= 2 else m.BathroomType.SHARED,
                "fire_safety": {"smokeDetector": True, "extinguisherOnFloor": True},
            }
            for r, row in zip(room_ids, room_rows, strict=True)
        ],
    )
    await _insert(
        session,
        m.RoomOccupancyLimit,
        [
            {
                **base,
                "room_id": r,
                "max_occupants": row["capacity"],
                "min_occupants": 0,
                "gender_rule": m.GenderRule.MALE_ONLY if male else m.GenderRule.FEMALE_ONLY,
                "min_age": 16,
                "max_age": None,
            }
            for r, row in zip(room_ids, room_rows, strict=True)
        ],
    )
    await _insert(
        session,
        m.RoomAccessControl,
        [
            {
                **base,
                "room_id": r,
                "access_method": m.AccessMethod.RFID if row["floor"] > 2 else m.AccessMethod.KEY,
                "keys_issued": row["capacity"],
                "has_door_sensor": row["floor"] > 2,
            }
            for r, row in zip(room_ids, room_rows, strict=True)
        ],
    )
    await _insert(
        session,
        m.RoomMaintenanceStatus,
        [
            {
                **base,
                "room_id": r,
                "state": m.MaintenanceState.NEEDS_ATTENTION if i % 23 == 0 else m.MaintenanceState.OK,
                "last_inspected_on": today - dt.timedelta(days=20 + i % 40),
                "next_inspection_on": today + dt.timedelta(days=i % 60),
                "open_issues": 1 if i % 23 == 0 else 0,
                "notes": "Leaking tap reported" if i % 23 == 0 else None,
            }
            for i, r in enumerate(room_ids)
        ],
    )
    ram_rows = []
    for r, row in zip(room_ids, room_rows, strict=True):
        ram_rows.append(
            {
                **base,
                "room_id": r,
                "name": "Study table",
                "amenity_type": m.RoomAmenityType.FURNITURE,
                "quantity": row["capacity"],
                "brand": "Godrej",
            }
        )
        ram_rows.append(
            {
                **base,
                "room_id": r,
                "name": "Ceiling fan",
                "amenity_type": m.RoomAmenityType.APPLIANCE,
                "quantity": 1,
                "brand": "Havells",
            }
        )
    ram_ids = await _insert(session, m.RoomAmenity, ram_rows)
    fans = ram_ids[1::2][:12]
    await _insert(
        session,
        m.AmenityCondition,
        [
            {
                **base,
                "room_amenity_id": a,
                "assessed_on": today - dt.timedelta(days=10),
                "damage_notes": None,
                "condition": m.ConditionGrade.FAIR if i % 4 == 0 else m.ConditionGrade.GOOD,
                "needs_maintenance": i % 4 == 0,
            }
            for i, a in enumerate(fans)
        ],
    )
    await _insert(
        session,
        m.AmenityMaintenance,
        [
            {
                **base,
                "room_amenity_id": a,
                "maintenance_type": m.AmenityMaintenanceType.SERVICE,
                "cost": D("350.00"),
                "performed_on": today - dt.timedelta(days=40),
                "vendor": "CoolAir Services",
                "notes": "Bearings greased",
            }
            for a in fans[:4]
        ],
    )
    await _insert(
        session,
        m.AmenityUsage,
        [
            {
                **base,
                "room_amenity_id": a,
                "period_start": today.replace(day=1) - dt.timedelta(days=31),
                "period_end": today.replace(day=1) - dt.timedelta(days=1),
                "usage_hours": D("300.00"),
                "energy_kwh": D("22.50"),
                "operational_cost": D("180.00"),
            }
            for a in fans[:6]
        ],
    )
    await _insert(
        session,
        m.AmenityInventory,
        [
            {
                **base,
                "room_amenity_id": a,
                "asset_tag": f"{prefix}-FAN-{i:04d}",
                "purchased_on": today - dt.timedelta(days=700),
                "purchase_cost": D("2400.00"),
                "current_value": D("1500.00"),
                "warranty_until": today + dt.timedelta(days=30),
            }
            for i, a in enumerate(fans)
        ],
    )

    bed_rows, bed_room, bed_type = [], [], []
    for r, row in zip(room_ids, room_rows, strict=True):
        for b in range(row["capacity"]):
            bunk = row["capacity"] >= 3
            bed_rows.append(
                {
                    **base,
                    "room_id": r,
                    "bed_number": "ABCD"[b],
                    "bed_type": (m.BedType.BUNK_LOWER if b % 2 == 0 else m.BedType.BUNK_UPPER)
                    if bunk
                    else m.BedType.SINGLE,
                    "status": m.BedStatus.IN_SERVICE,
                }
            )
            bed_room.append((r, row))
            bed_type.append(row["room_type_id"])
    bed_ids = await _insert(session, m.Bed, bed_rows)
    await _insert(
        session,
        m.BedCondition,
        [
            {
                **base,
                "bed_id": b,
                "condition": m.ConditionGrade.GOOD if i % 17 else m.ConditionGrade.FAIR,
                "cleanliness": m.ConditionGrade.GOOD,
                "needs_maintenance": i % 17 == 0,
                "inspected_on": today - dt.timedelta(days=i % 30),
            }
            for i, b in enumerate(bed_ids)
        ],
    )
    await _insert(
        session,
        m.BedConfiguration,
        [
            {
                **base,
                "bed_id": b,
                "frame": "Steel",
                "mattress_type": "Coir 4in",
                "has_reading_light": i % 2 == 0,
                "has_privacy_curtain": bed_room[i][1]["capacity"] >= 3,
            }
            for i, b in enumerate(bed_ids)
        ],
    )
    await _insert(
        session,
        m.BedAccessibility,
        [
            {
                **base,
                "bed_id": b,
                "wheelchair_accessible": True,
                "ground_level": True,
                "grab_bars": i % 2 == 0,
                "notes": "Ramp at the A-wing entrance",
            }
            for i, b in enumerate(bed_ids)
            if bed_room[i][1]["floor"] == 1 and bed_rows[i]["bed_type"] is not m.BedType.BUNK_UPPER
        ][:10],
    )
    await session.execute(
        update(m.Hostel).where(m.Hostel.id == h).values(total_rooms=len(room_ids), total_beds=len(bed_ids))
    )
    block_room = room_ids[-1]
    block_ids = await _insert(
        session,
        m.CalendarBlock,
        [
            {
                **base,
                "scope": m.BlockScope.ROOM,
                "room_id": block_room,
                "bed_id": None,
                "starts_on": today - dt.timedelta(days=3),
                "ends_on": today + dt.timedelta(days=11),
                "reason": "Repainting and seepage repair",
            }
        ],
    )

    # ---- residents in about 65% of the beds ----------------------------------------------------
    # singles are in demand: nearly all taken (the availability alerts have something to say)
    occupied = [
        i
        for i in range(len(bed_ids))
        if bed_room[i][0] != block_room and rng.random() < (0.95 if bed_room[i][1]["capacity"] == 1 else 0.65)
    ]
    resident_user = user_ids.get("resident@sunrise.demo") if male else None
    students = []
    for n, i in enumerate(occupied):
        check_in = today - dt.timedelta(days=rng.randint(20, 400))
        notice = n % 19 == 3
        students.append(
            {
                **base,
                "user_id": resident_user if n == 0 else None,
                "booking_id": None,
                "full_name": f"{rng.choice(FIRST)} {rng.choice(LAST)}"
                if n
                else ("Kiran Resident" if male else "Lata Resident"),
                "email": f"resident{n}@{hostel.slug}.demo",
                "phone": f"+91 98{rng.randint(10000000, 99999999)}",
                "gender": gender,
                "date_of_birth": dt.date(2000 + rng.randint(0, 6), rng.randint(1, 12), rng.randint(1, 28)),
                "institution": rng.choice(INSTITUTIONS),
                "course": rng.choice(["B.Tech", "BA LLB", "MBA", "B.Com", None]),
                "employer": None,
                "status": m.ResidentStatus.NOTICE_PERIOD if notice else m.ResidentStatus.ACTIVE,
                "check_in_date": check_in,
                "expected_check_out_date": today + dt.timedelta(days=30) if notice else None,
                "notice_given_on": today - dt.timedelta(days=3) if notice else None,
                "check_out_date": None,
                "monthly_rent": bed_room[i][1]["monthly_rent"],
                "security_deposit": bed_room[i][1]["monthly_rent"] * 2,
                "mess_opted": rng.random() < 0.7,
                "id_verified": rng.random() < 0.9,
            }
        )
    student_ids = await _insert(session, m.HostelStudent, students)
    assignment_ids = await _insert(
        session,
        m.BedAssignment,
        [
            {
                **base,
                "bed_id": bed_ids[i],
                "room_id": bed_room[i][0],
                "student_id": s,
                "booking_id": None,
                "starts_on": row["check_in_date"],
                "ends_on": row["expected_check_out_date"],
                "status": m.BedAssignmentStatus.ACTIVE,
                "monthly_rent": row["monthly_rent"],
                "check_in_condition_notes": "Bed and table in good order",
            }
            for i, s, row in zip(occupied, student_ids, students, strict=True)
        ],
    )
    for i, s in zip(occupied, student_ids, strict=True):
        await session.execute(update(m.Bed).where(m.Bed.id == bed_ids[i]).values(current_student_id=s))
    await _insert(
        session,
        m.RoomAssignmentHistory,
        [
            {
                **base,
                "bed_assignment_id": a,
                "student_id": s,
                "change": m.AssignmentChange.ASSIGNED,
                "from_bed_id": None,
                "to_bed_id": bed_ids[i],
                "effective_on": row["check_in_date"],
                "reason": "Check-in",
            }
            for a, s, i, row in zip(assignment_ids, student_ids, occupied, students, strict=True)
        ],
    )
    await _insert(
        session,
        m.StudentProfile,
        [
            {
                **base,
                "student_id": s,
                "blood_group": rng.choice(["A+", "B+", "O+", "AB+", "O-"]),
                "nationality": "Indian",
                "permanent_address": f"{rng.randint(1, 200)} MG Road, {rng.choice(['Nashik', 'Nagpur', 'Indore', 'Surat'])}",
                "hobbies": rng.sample(["cricket", "chess", "music", "coding", "reading"], 2),
                "profile_completeness": 80,
            }
            for s in student_ids
        ],
    )
    await _insert(
        session,
        m.StudentPreferences,
        [
            {
                **base,
                "student_id": s,
                "diet": rng.choice(list(m.DietType)),
                "language": rng.choice(["en", "hi", "mr"]),
                "roommate_preferences": {"sleepsEarly": rng.random() < 0.5},
            }
            for s in student_ids
        ],
    )
    await _insert(
        session,
        m.GuardianContact,
        [
            {
                **base,
                "student_id": s,
                "name": f"{rng.choice(FIRST)} {row['full_name'].split()[-1]}",
                "relation": "Parent",
                "phone": f"+91 97{rng.randint(10000000, 99999999)}",
                "email": None,
                "is_emergency_contact": True,
                "verified": True,
            }
            for s, row in zip(student_ids, students, strict=True)
        ],
    )
    # residents' documents: each a small stored PDF, scanned in by the warden at check-in
    warden = user_ids[f"warden@{hostel.slug.split('-')[-1]}.demo"]
    resident_docs = [
        (s, t, row["full_name"])
        for s, row in zip(student_ids, students, strict=True)
        for t in (m.ResidentDocumentType.ID_PROOF, m.ResidentDocumentType.RENTAL_AGREEMENT)
    ]
    resident_files = await document_files(
        session,
        h,
        [
            (f"{t.value.lower()}.pdf", f"{t.value.replace('_', ' ').title()}: {name}", warden, None)
            for _, t, name in resident_docs
        ],
    )
    await _insert(
        session,
        m.HostelStudentDocument,
        [
            {
                **base,
                "student_id": s,
                "document_type": t,
                "file_name": f"{t.value.lower()}.pdf",
                "file_id": file_id,
                "verified": True,
                "verified_at": now,
                "verified_by": warden,
                "expires_on": None,
            }
            for (s, t, _), file_id in zip(resident_docs, resident_files, strict=True)
        ],
    )
    await _insert(
        session,
        m.PolicyAcknowledgment,
        [
            {
                **base,
                "policy_id": p,
                "student_id": s,
                "policy_version": 1,
                "acknowledged_at": now - dt.timedelta(days=5),
            }
            for s in student_ids[:25]
            for p in hostel_policy_ids
        ],
    )
    await _insert(
        session,
        m.HostelPolicyViolation,
        [
            {
                **base,
                "policy_id": hostel_policy_ids[0],
                "student_id": student_ids[5],
                "occurred_at": now - dt.timedelta(days=9),
                "description": "Returned at 23:40 without informing the warden.",
                "severity": m.ViolationSeverity.MINOR,
                "action_taken": "Verbal warning",
                "status": m.ViolationStatus.ACTION_TAKEN,
            }
        ],
    )
    await _insert(
        session,
        m.AmenityBooking,
        [
            {
                **base,
                "amenity_id": amenity_ids[3],
                "student_id": student_ids[k],
                # 06:00-09:00 tomorrow on the hostel's wall clock (opening hours are local), stored as UTC
                "starts_at": dt.datetime.combine(today + dt.timedelta(days=1), dt.time(6 + k), tzinfo=local).astimezone(
                    dt.UTC
                ),
                "ends_at": dt.datetime.combine(today + dt.timedelta(days=1), dt.time(7 + k), tzinfo=local).astimezone(
                    dt.UTC
                ),
                "status": m.AmenityBookingStatus.BOOKED,
                "purpose": "Workout",
            }
            for k in range(3)
        ],
    )
    await _insert(
        session,
        m.AmenityFeedback,
        [
            {
                **base,
                "room_amenity_id": ram_ids[2 * room_ids.index(bed_room[occupied[k]][0]) + 1],
                "student_id": student_ids[k],
                "rating": 3 + k % 3,
                "comment": "Fan is noisy at full speed" if k == 0 else "Works well",
                "reports_issue": k == 0,
            }
            for k in range(4)
        ],
    )
    await _insert(
        session,
        m.BedPreference,
        [
            {**base, "student_id": student_ids[k], "bed_id": bed_ids[k], "rank": 1, "reason": "Near the window"}
            for k in range(2)
        ],
    )
    await _insert(
        session,
        m.AssignmentPreference,
        [
            {
                **base,
                "student_id": None,
                "preferred_floor": 1,
                "preferred_room_type_id": None,
                "quiet_room": False,
                "near_washroom": False,
                "notes": "Hostel-wide: seat first-years on the lower floors",
            },
            {
                **base,
                "student_id": student_ids[1],
                "preferred_floor": 3,
                "preferred_room_type_id": type_ids[1],
                "quiet_room": True,
                "near_washroom": False,
                "notes": "Prefers a quiet twin room",
            },
        ],
    )

    # one earlier transfer: the resident moved from a (now free) bed to the current one
    free_beds = [i for i in range(len(bed_ids)) if i not in set(occupied) and bed_room[i][0] != block_room]
    mover, old_bed = 2, free_beds.pop()
    old_assignment = await _insert(
        session,
        m.BedAssignment,
        [
            {
                **base,
                "bed_id": bed_ids[old_bed],
                "room_id": bed_room[old_bed][0],
                "student_id": student_ids[mover],
                "booking_id": None,
                "starts_on": students[mover]["check_in_date"] - dt.timedelta(days=60),
                "ends_on": students[mover]["check_in_date"],
                "status": m.BedAssignmentStatus.ENDED,
                "monthly_rent": bed_room[old_bed][1]["monthly_rent"],
                "check_in_condition_notes": None,
            }
        ],
    )
    await _insert(
        session,
        m.RoomTransferHistory,
        [
            {
                **base,
                "student_id": student_ids[mover],
                "from_room_id": bed_room[old_bed][0],
                "from_bed_id": bed_ids[old_bed],
                "to_room_id": bed_room[occupied[mover]][0],
                "to_bed_id": bed_ids[occupied[mover]],
                "transfer_date": students[mover]["check_in_date"],
                "reason": "Asked for a quieter floor",
                "old_monthly_rent": bed_room[old_bed][1]["monthly_rent"],
                "new_monthly_rent": students[mover]["monthly_rent"],
            }
        ],
    )
    await _insert(
        session,
        m.RoomAssignmentHistory,
        [
            {
                **base,
                "bed_assignment_id": old_assignment[0],
                "student_id": student_ids[mover],
                "change": m.AssignmentChange.TRANSFERRED,
                "from_bed_id": bed_ids[old_bed],
                "to_bed_id": bed_ids[occupied[mover]],
                "effective_on": students[mover]["check_in_date"],
                "reason": "Asked for a quieter floor",
            }
        ],
    )

    # ---- a season of bookings in every state ---------------------------------------------------
    S = m.BookingStatus
    plan = (
        [S.PENDING] * 6
        + [S.APPROVED] * 5
        + [S.CONFIRMED] * 6
        + [S.CHECKED_IN] * 3
        + [S.COMPLETED] * 4
        + [S.NO_SHOW] * 2
        + [S.CANCELLED] * 4
        + [S.REJECTED] * 3
    )
    path = {
        S.PENDING: [],
        S.APPROVED: [S.APPROVED],
        S.CONFIRMED: [S.APPROVED, S.CONFIRMED],
        S.CHECKED_IN: [S.APPROVED, S.CONFIRMED, S.CHECKED_IN],
        S.COMPLETED: [S.APPROVED, S.CONFIRMED, S.CHECKED_IN, S.COMPLETED],
        S.NO_SHOW: [S.APPROVED, S.NO_SHOW],
        S.CANCELLED: [S.APPROVED, S.CONFIRMED, S.CANCELLED],
        S.REJECTED: [S.REJECTED],
    }
    visitor = user_ids.get("visitor@demo.campus")
    bookings, bed_of = [], []
    for n, status in enumerate(plan):
        if status in (S.CHECKED_IN, S.COMPLETED, S.NO_SHOW):
            check_in = today - dt.timedelta(days=rng.randint(1, 25))
        else:
            check_in = today + dt.timedelta(days=rng.randint(5, 120))
        months = rng.choice([1, 3, 6, 6, 11])
        bed_index = free_beds.pop() if status in (S.APPROVED, S.CONFIRMED, S.CHECKED_IN) else None
        t = bed_type[bed_index] if bed_index is not None else type_ids[n % len(type_ids)]
        price = types[t][4]
        total = price * months
        paid = (
            (total * D("0.25")).quantize(D("0.01"))
            if status in (S.CONFIRMED, S.CHECKED_IN, S.COMPLETED, S.CANCELLED)
            else D("0")
        )
        bookings.append(
            {
                **base,
                "reference": f"{prefix}-{today.year}-{n + 1:06d}",
                "booker_user_id": visitor if n in (0, 8) else None,
                "room_type_id": t,
                "status": status,
                "source": rng.choice(list(m.BookingSource)),
                "check_in_date": check_in,
                "duration_months": months,
                "check_out_date": add_months(check_in, months),
                "monthly_rent": price,
                "security_deposit": types[t][5],
                "total_amount": total,
                "advance_amount": (total * D("0.25")).quantize(D("0.01")),
                "amount_paid": paid,
                "special_requests": "Lower bunk please" if n % 5 == 0 else None,
                "status_changed_at": now - dt.timedelta(days=1),
            }
        )
        bed_of.append(bed_index)
    booking_ids = await _insert(session, m.Booking, bookings)
    await _insert(
        session,
        m.AuditLog,
        [
            {
                **base,
                "user_id": row["booker_user_id"],
                "action": "bookingCreate",
                "entity_type": "Booking",
                "entity_id": b,
                "ip_address": None,
                "request_id": None,
                "occurred_at": now - dt.timedelta(days=2),
            }
            for b, row in zip(booking_ids, bookings, strict=True)
        ],
    )
    history = []
    for b, row in zip(booking_ids, bookings, strict=True):
        prev = None
        for step in [S.PENDING] + path[row["status"]]:
            history.append(
                {
                    **base,
                    "booking_id": b,
                    "from_status": prev,
                    "to_status": step,
                    "reason": "Guest changed plans" if step is S.CANCELLED else None,
                }
            )
            prev = step
    await _insert(session, m.BookingStatusHistory, history)
    await _insert(
        session,
        m.BookingGuest,
        [
            {
                **base,
                "booking_id": b,
                "full_name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                "email": f"guest{n}@example.org",
                "phone": f"+91 99{rng.randint(10000000, 99999999)}",
                "gender": gender,
                "date_of_birth": dt.date(2004, 5, 1 + n % 27),
                "institution": rng.choice(INSTITUTIONS),
                "emergency_contact_name": "Parent",
                "emergency_contact_phone": "+91 90000 00000",
                "guardian_name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                "guardian_phone": "+91 90000 00001",
                "guardian_relation": "Father",
                "consent_terms": True,
                "consent_marketing": n % 3 == 0,
            }
            for n, b in enumerate(booking_ids)
        ],
    )
    # each guest's ID proof: a small stored PDF handed in for the booking (by its booker, when a
    # visitor made it, else by the warden at the desk), readable by the booker
    guest_files = await document_files(
        session,
        h,
        [
            ("aadhaar.pdf", f"ID proof: booking {row['reference']}", row["booker_user_id"] or warden, b)
            for b, row in zip(booking_ids, bookings, strict=True)
        ],
    )
    await _insert(
        session,
        m.GuestDocument,
        [
            {
                **base,
                "booking_id": b,
                "document_type": m.GuestDocumentType.ID_PROOF,
                "file_name": "aadhaar.pdf",
                "file_id": guest_files[n],
                "verified": row["status"] is not S.PENDING,
                "verified_at": now if row["status"] is not S.PENDING else None,
                "expires_on": None,
            }
            for n, (b, row) in enumerate(zip(booking_ids, bookings, strict=True))
        ],
    )
    await _insert(
        session,
        m.BookingNote,
        [
            {
                **base,
                "booking_id": booking_ids[k],
                "body": "Called the guest; arriving by the evening train.",
                "visibility": m.NoteVisibility.INTERNAL,
                "pinned": k == 0,
            }
            for k in range(0, 12, 3)
        ],
    )
    approved = [
        (b, row) for b, row in zip(booking_ids, bookings, strict=True) if row["status"] not in (S.PENDING, S.REJECTED)
    ]
    await _insert(
        session,
        m.BookingApproval,
        [
            {
                **base,
                "booking_id": b,
                "auto_approved": not male,
                "final_monthly_rent": row["monthly_rent"],
                "final_total_amount": row["total_amount"],
                "advance_required": row["advance_amount"],
                "advance_due_on": row["check_in_date"] - dt.timedelta(days=3),
                "message": "See you soon!",
            }
            for b, row in approved
        ],
    )
    holds = [
        (b, row, bed_of[k])
        for k, (b, row) in enumerate(zip(booking_ids, bookings, strict=True))
        if bed_of[k] is not None
    ]
    await _insert(
        session,
        m.BookingAssignment,
        [
            {
                **base,
                "booking_id": b,
                "bed_id": bed_ids[i],
                "room_id": bed_room[i][0],
                "starts_on": row["check_in_date"],
                "ends_on": row["check_out_date"],
                "active": True,
                "released_at": None,
                "release_reason": None,
            }
            for b, row, i in holds
        ],
    )
    await _insert(
        session,
        m.BookingAssignmentHistory,
        [
            {
                **base,
                "booking_id": b,
                "change": "ASSIGNED",
                "from_bed_id": None,
                "to_bed_id": bed_ids[i],
                "reason": "On approval",
            }
            for b, row, i in holds
        ],
    )
    await _insert(
        session,
        m.BookingCalendarEvent,
        [
            {
                **base,
                "booking_id": b,
                "block_id": None,
                "event_type": kind,
                "event_date": day,
                "title": f"{row['reference']} {'arrives' if kind is m.CalendarEventType.CHECK_IN else 'leaves'}",
                "active": True,
            }
            for b, row in zip(booking_ids, bookings, strict=True)
            if row["status"] in (S.CONFIRMED, S.CHECKED_IN)
            for kind, day in (
                (m.CalendarEventType.CHECK_IN, row["check_in_date"]),
                (m.CalendarEventType.CHECK_OUT, row["check_out_date"]),
            )
        ]
        + [
            {
                **base,
                "booking_id": None,
                "block_id": block_ids[0],
                "event_type": m.CalendarEventType.BLOCK,
                "event_date": today - dt.timedelta(days=3),
                "title": "Room closed for repairs",
                "active": True,
            }
        ],
    )
    rejected = [b for b, row in zip(booking_ids, bookings, strict=True) if row["status"] is S.REJECTED]
    await _insert(
        session,
        m.RejectionRecord,
        [
            {
                **base,
                "booking_id": b,
                "reason_code": m.RejectionReason.NO_AVAILABILITY,
                "reason": "Singles are full for these dates.",
                "suggested_alternatives": [
                    {
                        "roomTypeId": type_ids[1],
                        "name": "Twin sharing",
                        "freeBeds": 3,
                        "monthlyRent": str(types[type_ids[1]][4]),
                    }
                ],
            }
            for b in rejected
        ],
    )
    cancelled = [(b, row) for b, row in zip(booking_ids, bookings, strict=True) if row["status"] is S.CANCELLED]
    cancellation_ids = await _insert(
        session,
        m.BookingCancellation,
        [
            {
                **base,
                "booking_id": b,
                "policy_id": policy_ids[0],
                "cancelled_by_guest": True,
                "reason": "Got a seat in another city",
                "days_before_check_in": (row["check_in_date"] - today).days,
                "refund_percent": D("100") if (row["check_in_date"] - today).days >= 30 else D("50"),
                "amount_paid": row["amount_paid"],
                "refund_amount": row["amount_paid"]
                if (row["check_in_date"] - today).days >= 30
                else (row["amount_paid"] / 2).quantize(D("0.01")),
                "refund_status": m.RefundStatus.PENDING,
            }
            for b, row in cancelled
        ],
    )
    await _insert(
        session,
        m.RefundTransaction,
        [
            {
                **base,
                "booking_id": b,
                "cancellation_id": c,
                "amount": row["amount_paid"]
                if (row["check_in_date"] - today).days >= 30
                else (row["amount_paid"] / 2).quantize(D("0.01")),
                "method": m.RefundMethod.ORIGINAL_PAYMENT,
                "status": m.RefundStatus.PENDING,
                "reference": None,
                "processed_at": None,
            }
            for (b, row), c in zip(cancelled, cancellation_ids, strict=True)
        ],
    )
    # checked-in guests have a conversion checklist under way; completed ones became residents
    checked_in = [
        b for b, row in zip(booking_ids, bookings, strict=True) if row["status"] in (S.CHECKED_IN, S.COMPLETED)
    ]
    checklist_ids = await _insert(
        session,
        m.ConversionChecklist,
        [
            {
                **base,
                "booking_id": b,
                "completed": bookings[booking_ids.index(b)]["status"] is S.COMPLETED,
                "items_total": 5,
                "items_done": 5 if bookings[booking_ids.index(b)]["status"] is S.COMPLETED else 2,
                "completed_at": now if bookings[booking_ids.index(b)]["status"] is S.COMPLETED else None,
            }
            for b in checked_in
        ],
    )
    items = [
        "ID_VERIFIED:Identity verified",
        "GUARDIAN_CONFIRMED:Guardian contact confirmed",
        "AGREEMENT_SIGNED:Rental agreement signed",
        "DEPOSIT_COLLECTED:Security deposit collected",
        "ROOM_INSPECTED:Room inspected with the resident",
    ]
    await _insert(
        session,
        m.ChecklistItem,
        [
            {
                **base,
                "checklist_id": c,
                "code": item.split(":")[0],
                "title": item.split(":")[1],
                "done": k < (5 if bookings[booking_ids.index(b)]["status"] is S.COMPLETED else 2),
                "done_at": now if k < (5 if bookings[booking_ids.index(b)]["status"] is S.COMPLETED else 2) else None,
                "done_by": None,
            }
            for c, b in zip(checklist_ids, checked_in, strict=True)
            for k, item in enumerate(items)
        ],
    )
    completed = [b for b in checked_in if bookings[booking_ids.index(b)]["status"] is S.COMPLETED]
    for k, b in enumerate(completed):  # the residents these bookings became
        await session.execute(
            update(m.HostelStudent).where(m.HostelStudent.id == student_ids[10 + k]).values(booking_id=b)
        )
    await _insert(
        session,
        m.BookingConversion,
        [
            {
                **base,
                "booking_id": b,
                "student_id": student_ids[10 + k],
                "deposit_collected": bookings[booking_ids.index(b)]["security_deposit"],
                "first_rent_due_on": add_months(bookings[booking_ids.index(b)]["check_in_date"], 1),
                "documents_transferred": 1,
            }
            for k, b in enumerate(completed)
        ],
    )
    pending = [
        (b, row) for b, row in zip(booking_ids, bookings, strict=True) if row["status"] in (S.PENDING, S.APPROVED)
    ][:2]
    mod_ids = await _insert(
        session,
        m.BookingModification,
        [
            {
                **base,
                "booking_id": b,
                "modification_type": m.ModificationType.DURATION,
                "status": m.ModificationStatus.PENDING if k == 0 else m.ModificationStatus.APPROVED,
                "old_check_in_date": row["check_in_date"],
                "new_check_in_date": row["check_in_date"],
                "old_duration_months": row["duration_months"],
                "new_duration_months": row["duration_months"],
                "old_room_type_id": row["room_type_id"],
                "new_room_type_id": row["room_type_id"],
                "old_total_amount": row["total_amount"],
                "new_total_amount": row["total_amount"],
                "price_difference": D("0.00"),
                "reason": "Guest asked to confirm the same plan in writing",
            }
            for k, (b, row) in enumerate(pending)
        ],
    )
    await _insert(
        session,
        m.ModificationApprovalRecord,
        [
            {
                **base,
                "modification_id": mod_ids[1],
                "approved": True,
                "adjusted_total_amount": None,
                "notes": "No change in price",
            }
        ],
    )
    await _insert(
        session,
        m.AssignmentConflict,
        [
            {
                **base,
                "bed_id": bed_ids[occupied[0]],
                "booking_id": booking_ids[0],
                "conflict_type": m.ConflictType.DOUBLE_BOOKING,
                "details": "Bed already occupied by a resident for the requested dates.",
                "resolved": True,
            }
        ],
    )

    # ---- waitlist ------------------------------------------------------------------------------
    wait_ids = await _insert(
        session,
        m.BookingWaitlist,
        [
            {
                **base,
                "room_type_id": type_ids[k % 2],
                "user_id": visitor if k == 0 else None,
                "contact_name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                "contact_email": f"wait{k}@example.org",
                "contact_phone": None,
                "gender": gender,
                "from_date": today + dt.timedelta(days=30 + 7 * k),
                "to_date": today + dt.timedelta(days=120 + 7 * k),
                "priority": 10 if k == 1 else 100,
                "status": m.WaitlistStatus.NOTIFIED if k == 3 else m.WaitlistStatus.WAITING,
                "booking_id": None,
            }
            for k in range(4)
        ],
    )
    await _insert(
        session,
        m.WaitlistNotification,
        [
            {
                **base,
                "waitlist_id": wait_ids[3],
                "bed_id": bed_ids[free_beds[-1]],
                "available_from": today + dt.timedelta(days=51),
                "available_to": today + dt.timedelta(days=141),
                "message": "A bed is free for your dates: book within 48 hours to take it.",
                "expires_at": now + dt.timedelta(hours=30),
            }
        ],
    )
