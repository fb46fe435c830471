"""Demo complaints of a hostel: SLA rules for the urgent and high priorities, and a season of
complaints in every state (open and overdue, assigned, escalated, resolved awaiting the
resident, reopened, closed with feedback), with their assignments, comments (an internal note
among them), escalations, resolutions and timelines, then the analytics computed from them.

In Sunrise the demo resident (resident@sunrise.demo) has complaints of their own: their phone
shows an open one, one resolved waiting for their confirmation and a closed one they rated."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

import models as m
from kit import clock
from models.complaint.complaint import ComplaintEvent as E
from models.complaint.complaint import ComplaintPriority as P
from models.complaint.complaint import ComplaintStatus as S

RULES = {P.URGENT: (2, 12), P.HIGH: (6, 36)}  # the hostel's own, beside the built-in hours (sla.DEFAULT_HOURS)

# (hours ago filed, category, priority, title, the resident's own?, steps)
# steps: ("assign", hours ago, staff index) | ("comment", hours ago, internal?, text) |
# ("escalate", hours ago, reason) | ("auto", hours ago, trigger) | ("resolve", hours ago, summary) |
# ("reopen", hours ago, reason) | ("confirm", hours ago) | ("autoclose", hours ago) | ("feedback", rating, text)
SEASON: list[tuple[float, str, P, str, bool, list[tuple[Any, ...]]]] = [
    (
        9 * 24,
        "ROOM",
        P.MEDIUM,
        "Ceiling fan rattles at night",
        True,
        [
            ("assign", 8.8 * 24, 0),
            ("comment", 8.7 * 24, False, "We will send the electrician tomorrow morning."),
            ("resolve", 8 * 24, "Fan bearings replaced and the fan balanced."),
            ("confirm", 7.6 * 24),
            ("feedback", 4, "Quick fix, thank you."),
        ],
    ),
    (
        48,
        "FACILITY",
        P.HIGH,
        "No hot water in the 2nd floor bathroom",
        True,
        [
            ("assign", 46, -1),
            ("comment", 40, True, "Geyser thermostat likely gone; spare ordered from the vendor."),
            ("resolve", 10, "Geyser thermostat replaced; hot water from 6 am to 10 pm."),
        ],
    ),
    (
        6,
        "FACILITY",
        P.MEDIUM,
        "Wi-Fi drops every evening",
        True,
        [
            ("comment", 5, False, "It happens between 8 and 11 pm, in room and in the common room."),
            ("comment", 4, True, "ISP ticket raised; check the access point on floor 1 first."),
        ],
    ),
    (72, "NOISE", P.LOW, "Loud music after 11 pm next door", False, [("assign", 60, -1)]),
    (
        5 * 24,
        "FOOD",
        P.MEDIUM,
        "Dinner served cold three days in a row",
        False,
        [
            ("assign", 4.8 * 24, -1),
            ("comment", 4 * 24, True, "Talked to the mess contractor; warmers to be checked."),
            ("escalate", 3 * 24, "Repeated complaint; the contractor has not responded."),
        ],
    ),
    (
        20,
        "ROOM",
        P.URGENT,
        "Window latch broken on the ground floor",
        False,
        [("auto", 19, "RESPONSE_OVERDUE"), ("auto", 12, "RESOLUTION_OVERDUE")],
    ),
    (
        12 * 24,
        "FACILITY",
        P.HIGH,
        "Corridor lights out on floor 2",
        False,
        [
            ("assign", 11.9 * 24, -1),
            ("resolve", 11.5 * 24, "Two tube lights replaced."),
            ("reopen", 11 * 24, "Still dark near the stairs."),
            ("assign", 10.9 * 24, 0),
            ("resolve", 10 * 24, "Stairwell fitting rewired and replaced."),
            ("confirm", 9.8 * 24),
            ("feedback", 2, "Took two tries and four days."),
        ],
    ),
    (
        15 * 24,
        "CLEANLINESS",
        P.MEDIUM,
        "Laundry machine leaking onto the floor",
        False,
        [
            ("assign", 14 * 24, -1),
            ("resolve", 11 * 24, "Drain hose replaced."),
            ("autoclose", 8 * 24),
        ],
    ),
    (26, "SECURITY", P.HIGH, "Unknown visitor at the gate at night", False, [("assign", 25, 0)]),
    (
        26 * 24,
        "CLEANLINESS",
        P.LOW,
        "Dustbins on floor 3 not cleared",
        False,
        [
            ("assign", 25 * 24, -1),
            ("resolve", 24 * 24, "Daily clearing added to the housekeeping roster."),
            ("confirm", 23 * 24),
        ],
    ),
]


async def load_complaints(session: Any, hostel: Any, user_ids: dict[str, int], staff_emails: list[str]) -> None:
    from resolvers.complaint import analytics, sla

    h = hostel.id
    now = dt.datetime.now(dt.UTC)
    staff = [user_ids[e] for e in staff_emails if e in user_ids]
    if not staff:
        return
    for priority, (response, resolution) in RULES.items():
        session.add(
            m.AutoEscalationRule(
                hostel_id=h,
                name=f"{priority.value.title()} complaints",
                priority=priority,
                response_hours=response,
                resolution_hours=resolution,
                escalate_to_user_id=staff[0],
            )
        )
    await session.flush()
    rules = {
        r.priority: r
        for r in (await session.scalars(select(m.AutoEscalationRule).where(m.AutoEscalationRule.hostel_id == h))).all()
    }
    students = (
        await session.execute(
            select(m.HostelStudent.id, m.HostelStudent.user_id)
            .where(m.HostelStudent.hostel_id == h)
            .order_by(m.HostelStudent.id)
            .limit(12)
        )
    ).all()
    users = {s.id: s.user_id for s in students}
    own = next((s.id for s in students if s.user_id is not None), students[0].id)
    others = [s.id for s in students if s.id != own]
    rooms = list(
        (await session.scalars(select(m.Room.id).where(m.Room.hostel_id == h).order_by(m.Room.id).limit(10))).all()
    )
    for n, (filed_ago, category, priority, title, mine, steps) in enumerate(SEASON):
        filed = now - dt.timedelta(hours=filed_ago)
        response, resolution = RULES.get(priority) or sla.DEFAULT_HOURS[priority]
        student = own if mine else others[n % len(others)]
        c = m.Complaint(
            hostel_id=h,
            title=title,
            description=f"{title}. Reported by the resident; details in the comments.",
            category=m.ComplaintCategory(category),
            priority=priority,
            status=S.OPEN,
            student_id=student,
            filed_by_user_id=staff[-1] if n % 4 == 3 or users.get(student) is None else users[student],
            room_id=rooms[n % len(rooms)] if category in ("ROOM", "NOISE") and rooms else None,
            location=None if category in ("ROOM", "NOISE") else "Block A",
            response_due_at=filed + dt.timedelta(hours=response),
            resolution_due_at=filed + dt.timedelta(hours=resolution),
            created_at=filed,
            reference="pending",
        )
        session.add(c)
        await session.flush()
        c.reference = f"CMP-{c.id:06d}"
        history = [(E.FILED, None, S.OPEN, "Filed", c.filed_by_user_id, filed)]
        current: m.ComplaintAssignment | None = None
        final: m.ComplaintResolution | None = None
        for kind, *args in steps:
            at = now - dt.timedelta(hours=args[0]) if kind != "feedback" else None
            before = c.status
            if kind == "assign":
                who = staff[args[1]]
                if current is not None:
                    current.ended_at = at
                    current.duration_minutes = int((at - current.assigned_at).total_seconds() // 60)
                current = m.ComplaintAssignment(
                    hostel_id=h,
                    complaint_id=c.id,
                    assigned_to_user_id=who,
                    assigned_by_user_id=staff[0],
                    assigned_at=at,
                    workload_score=1 + n % 3,
                    created_at=at,
                )
                session.add(current)
                c.assigned_to_id, c.status = who, S.ASSIGNED
                c.first_response_at = c.first_response_at or at
                history.append((E.ASSIGNED, before, S.ASSIGNED, "Assigned", staff[0], at))
            elif kind == "comment":
                author = staff[0] if args[1] else c.filed_by_user_id
                session.add(
                    m.ComplaintComment(
                        hostel_id=h,
                        complaint_id=c.id,
                        author_user_id=author,
                        body=args[2],
                        is_internal=args[1],
                        created_at=at,
                    )
                )
            elif kind in ("escalate", "auto"):
                c.escalation_level += 1
                trigger = (
                    m.ComplaintEscalationTrigger(args[1]) if kind == "auto" else m.ComplaintEscalationTrigger.MANUAL
                )
                reason = args[1] if kind == "escalate" else f"{trigger.value.replace('_', ' ').lower()}"
                session.add(
                    m.ComplaintEscalation(
                        hostel_id=h,
                        complaint_id=c.id,
                        trigger=trigger,
                        level=c.escalation_level,
                        rule_id=rules[priority].id if kind == "auto" else None,
                        escalated_by_user_id=None if kind == "auto" else staff[0],
                        escalated_to_user_id=staff[0],
                        reason=reason,
                        escalated_at=at,
                        created_at=at,
                    )
                )
                c.sla_breached_at = c.sla_breached_at or (at if kind == "auto" else None)
                history.append((E.ESCALATED, before, before, f"Escalated to level {c.escalation_level}", None, at))
            elif kind == "resolve":
                within = at <= c.resolution_due_at
                if current is not None:
                    current.ended_at = at
                    current.duration_minutes = int((at - current.assigned_at).total_seconds() // 60)
                    current = None
                final = m.ComplaintResolution(
                    hostel_id=h,
                    complaint_id=c.id,
                    resolved_by_user_id=c.assigned_to_id or staff[0],
                    summary=args[1],
                    within_sla=within,
                    is_final_resolution=True,
                    created_at=at,
                )
                session.add(final)
                await session.flush()
                c.status, c.resolved_at, c.confirm_by = S.RESOLVED, at, at + sla.CONFIRM_WINDOW
                if not within:
                    c.sla_breached_at = c.sla_breached_at or c.resolution_due_at
                history.append((E.RESOLVED, before, S.RESOLVED, args[1], staff[0], at))
            elif kind == "reopen":
                assert final is not None
                final.is_final_resolution, final.reopened_at, final.reopen_reason = False, at, args[1]
                await session.flush()
                c.status, c.resolved_at, c.confirm_by, c.assigned_to_id = S.REOPENED, None, None, None
                c.reopen_count += 1
                history.append((E.REOPENED, before, S.REOPENED, args[1], c.filed_by_user_id, at))
            elif kind in ("confirm", "autoclose"):
                c.status, c.closed_at, c.confirm_by = S.CLOSED, at, None
                event = E.CONFIRMED if kind == "confirm" else E.AUTO_CLOSED
                history.append(
                    (event, before, S.CLOSED, "Closed", None if kind == "autoclose" else c.filed_by_user_id, at)
                )
            elif kind == "feedback":
                from resolvers.complaint.service import sentiment

                session.add(
                    m.ComplaintFeedback(
                        hostel_id=h,
                        complaint_id=c.id,
                        rating=args[0],
                        comments=args[1],
                        sentiment=sentiment(args[0]),
                        follow_up_required=args[0] <= 2,
                        created_at=c.closed_at,
                    )
                )
        if c.status in (S.OPEN, S.ASSIGNED, S.REOPENED) and c.sla_breached_at is None:
            if (c.first_response_at is None and c.response_due_at <= now) or c.resolution_due_at <= now:
                c.sla_breached_at = now
        for event, before, after, note, actor, at in history:
            session.add(
                m.ComplaintStatusHistory(
                    hostel_id=h,
                    complaint_id=c.id,
                    event=event,
                    from_status=before,
                    to_status=after,
                    note=note,
                    actor_user_id=actor,
                    created_at=at,
                )
            )
        await session.flush()
    await analytics.compute(session, h, clock.today_in(hostel.time_zone), hostel.time_zone)
