"""Whom an announcement reaches: its targets (every current resident, floors, rooms, room
types, named residents), each narrowed by its rules (every including rule met, no excluding
one), combined by its bulk rule (any or every target; residents left out whatever the targets
say). The result is written to `TargetAudienceCache` and each target's estimate, so the draft
screen shows the audience without computing it again."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text

from kit.errors import ErrorCode, user_error
from models.announcement import TargetingField, TargetingOperator

# current residents with their bed's room and floor (none without a bed)
RESIDENTS = text(
    "SELECT s.id, s.user_id, r.id AS room_id, r.floor, r.room_type_id, s.gender, s.institution, s.course, "
    "s.mess_opted, s.status, s.check_in_date FROM hostel_students s "
    "LEFT JOIN beds b ON b.hostel_id = s.hostel_id AND b.current_student_id = s.id "
    "LEFT JOIN rooms r ON r.hostel_id = b.hostel_id AND r.id = b.room_id "
    "WHERE s.hostel_id = :h AND s.status IN ('ACTIVE', 'NOTICE_PERIOD') ORDER BY s.id"
)
TARGETS = text(
    "SELECT id, target_type, floors, room_ids, room_type_ids, student_ids FROM announcement_targets "
    "WHERE hostel_id = :h AND announcement_id = :a ORDER BY id"
)
RULES = text(
    "SELECT r.target_id, r.field, r.operator, r.value, r.is_exclusion FROM announcement_targeting_rules r "
    "JOIN announcement_targets t ON t.hostel_id = r.hostel_id AND t.id = r.target_id "
    "WHERE r.hostel_id = :h AND t.announcement_id = :a ORDER BY r.priority, r.id"
)
BULK = text(
    "SELECT combine, exclude_student_ids FROM announcement_bulk_targeting_rules WHERE hostel_id = :h AND announcement_id = :a"
)


@dataclass(frozen=True)
class Member:
    id: int
    user_id: int | None
    room_id: int | None
    floor: int | None


def _field_value(resident: Any, field: str) -> Any:
    return {
        "GENDER": resident.gender,
        "INSTITUTION": resident.institution,
        "COURSE": resident.course,
        "MESS_OPTED": resident.mess_opted,
        "FLOOR": resident.floor,
        "STATUS": resident.status,
        "CHECK_IN_DATE": resident.check_in_date,
    }[field]


def parse_value(field: TargetingField | str, value: str) -> Any:
    """A rule's value in its field's type; INVALID when it is not one."""
    field = TargetingField(field)
    raw = value.strip()
    try:
        if field is TargetingField.FLOOR:
            return int(raw)
        if field is TargetingField.MESS_OPTED:
            if raw.lower() not in ("true", "false"):
                raise ValueError(raw)
            return raw.lower() == "true"
        if field is TargetingField.CHECK_IN_DATE:
            return dt.date.fromisoformat(raw)
    except ValueError:
        raise user_error(ErrorCode.INVALID, f"{raw!r} is not a value of {field.value}.", "value") from None
    if field in (TargetingField.GENDER, TargetingField.STATUS):
        return raw.upper()
    return raw


def check_rule(field: str, operator: str, value: str) -> None:
    """A rule that can be evaluated: its value parses, the operator suits the field."""
    op = TargetingOperator(operator)
    parts = value.split(",") if op is TargetingOperator.IN else [value]
    if not value.strip() or any(not p.strip() for p in parts):
        raise user_error(ErrorCode.INVALID, "A rule needs a value (IN: comma-separated values).", "value")
    for part in parts:
        parse_value(field, part)
    if op is TargetingOperator.CONTAINS and field not in ("INSTITUTION", "COURSE"):
        raise user_error(ErrorCode.INVALID, "CONTAINS applies to INSTITUTION and COURSE only.", "operator")
    if op in (TargetingOperator.GTE, TargetingOperator.LTE) and field not in ("FLOOR", "CHECK_IN_DATE"):
        raise user_error(ErrorCode.INVALID, "GTE and LTE apply to FLOOR and CHECK_IN_DATE only.", "operator")


def _meets(resident: Any, field: str, operator: str, value: str) -> bool:
    actual = _field_value(resident, field)
    if isinstance(actual, str) and field in ("GENDER", "STATUS"):
        actual = actual.upper()
    if operator == "IN":
        return actual in {parse_value(field, v) for v in value.split(",")}
    wanted = parse_value(field, value)
    if operator == "CONTAINS":
        return actual is not None and str(wanted).lower() in str(actual).lower()
    if operator == "EQ":
        return bool(actual == wanted)
    if operator == "NE":
        return bool(actual != wanted)
    if actual is None:
        return False
    return bool(actual >= wanted) if operator == "GTE" else bool(actual <= wanted)


def _in_target(resident: Any, target: Any) -> bool:
    kind = target.target_type
    if kind == "ALL":
        return True
    if kind == "FLOORS":
        return resident.floor in set(target.floors)
    if kind == "ROOMS":
        return resident.room_id in set(target.room_ids)
    if kind == "ROOM_TYPES":
        return resident.room_type_id in set(target.room_type_ids)
    return resident.id in set(target.student_ids)


async def compute(db: Any, hostel_id: int, announcement_id: int) -> list[Member]:
    """The audience now, written to the cache and the targets' estimates."""
    params = {"h": hostel_id, "a": announcement_id}
    residents = (await db.execute(RESIDENTS, params)).all()
    targets = (await db.execute(TARGETS, params)).all()
    rules: dict[int, list[Any]] = {}
    for rule in (await db.execute(RULES, params)).all():
        rules.setdefault(rule.target_id, []).append(rule)
    bulk = (await db.execute(BULK, params)).first()
    combine = bulk.combine if bulk else "UNION"
    excluded = set(bulk.exclude_student_ids) if bulk else set()

    reached: dict[int, set[int]] = {}
    for target in targets:
        own = rules.get(target.id, [])
        reached[target.id] = {
            r.id
            for r in residents
            if _in_target(r, target) and all(_meets(r, x.field, x.operator, x.value) != x.is_exclusion for x in own)
        }
    sets = list(reached.values())
    ids = (set.intersection(*sets) if combine == "INTERSECTION" else set.union(*sets)) if sets else set()
    ids -= excluded
    members = [Member(r.id, r.user_id, r.room_id, r.floor) for r in residents if r.id in ids]

    floors = Counter("none" if m.floor is None else str(m.floor) for m in members)
    await db.execute(
        text(
            "INSERT INTO announcement_audience_cache (hostel_id, announcement_id, student_ids, recipient_count, "
            "with_login_count, by_floor, computed_at) VALUES (:h, :a, :ids, :n, :logins, CAST(:floors AS jsonb), now()) "
            "ON CONFLICT (hostel_id, announcement_id) DO UPDATE SET student_ids = EXCLUDED.student_ids, "
            "recipient_count = EXCLUDED.recipient_count, with_login_count = EXCLUDED.with_login_count, "
            "by_floor = EXCLUDED.by_floor, computed_at = EXCLUDED.computed_at, updated_at = now()"
        ),
        {
            **params,
            "ids": [m.id for m in members],
            "n": len(members),
            "logins": sum(m.user_id is not None for m in members),
            "floors": json.dumps(dict(sorted(floors.items()))),
        },
    )
    for target_id, reach in reached.items():
        await db.execute(
            text("UPDATE announcement_targets SET estimated_recipients = :n, updated_at = now() WHERE id = :t"),
            {"n": len(reach - excluded), "t": target_id},
        )
    return members
