"""Bad input gets a clear error naming the field, and changes nothing.

The property test walks every mutation's arguments in the schema, builds an input from the
types alone, and for every text field sends a NUL byte and an over-long value, for every
Decimal an exponent, for every Date a year-9999 value (and tomorrow for birth dates): each
must answer INVALID naming exactly that field in the payload, never an internal error, and
write nothing. Filters and other query arguments answer BAD_USER_INPUT.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import orjson

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    get_named_type,
)

from auth.permissions import DECLARED
from kit.ids import encode_gid
from schema.root import build_schema
from tests.conftest import as_user, school_today, unique
from tests.uploads import PREFLIGHT

SCHEMA = build_schema()._schema
TOO_LONG = "x" * 10_001  # over every limit: the longest column is TEXT, capped at 10,000


def _sample(gtype: Any, depth: int = 0) -> Any:
    """A value of `gtype` that passes GraphQL coercion (required fields only)."""
    if isinstance(gtype, GraphQLNonNull):
        return _sample(gtype.of_type, depth)
    if isinstance(gtype, GraphQLList):
        return [_sample(gtype.of_type, depth)]
    if isinstance(gtype, GraphQLEnumType):
        return next(iter(gtype.values))
    if isinstance(gtype, GraphQLInputObjectType):
        return {name: _sample(f.type, depth + 1) for name, f in gtype.fields.items() if _is_required(f)}
    return {
        "String": "sample",
        "ID": encode_gid("School", 1),
        "Int": 1,
        "Boolean": False,
        "Decimal": "1.00",
        "Date": school_today().isoformat(),
        "DateTime": "2026-01-01T00:00:00Z",
        "JSON": {},
        "Time": "09:00:00",
        "Float": 1.0,
    }.get(gtype.name)


def _is_required(field: Any) -> bool:
    from graphql.pyutils import Undefined

    return isinstance(field.type, GraphQLNonNull) and field.default_value is Undefined


def _probes(gtype: Any, base: Any, path: list[str]) -> list[tuple[list[str], Any, str, str]]:
    """(path, whole value with one field replaced, kind, expected words) for every probed leaf."""
    out = []
    inner = gtype.of_type if isinstance(gtype, GraphQLNonNull) else gtype
    if isinstance(inner, GraphQLList):
        item_type = inner.of_type
        item = base[0] if base else _sample(item_type)
        for sub_path, value, kind, words in _probes(item_type, item, [*path, "0"]):
            out.append((sub_path, [value], kind, words))
        return out
    if isinstance(inner, GraphQLInputObjectType):
        for name, f in inner.fields.items():
            current = base.get(name) if isinstance(base, dict) and name in base else _sample(f.type)
            for sub_path, value, kind, words in _probes(f.type, current, [*path, name]):
                out.append((sub_path, {**(base or {}), name: value}, kind, words))
        return out
    if not isinstance(inner, GraphQLScalarType):
        return out
    field = path[-1]
    if inner.name == "String":
        out.append((path, "a\x00b", "nul", "NUL"))
        out.append((path, TOO_LONG, "long", "at most"))
    elif inner.name == "Decimal":
        out.append((path, "1e3", "exponent", "exponent"))
        out.append((path, "NaN", "nan", "finite"))
        out.append((path, "1" + "0" * 20, "huge", "too large"))  # more digits than any NUMERIC column holds
    elif inner.name == "JSON":
        out.append((path, {"note": ["a\x00b"]}, "json", "NUL"))  # jsonb refuses \u0000 anywhere
    elif inner.name == "DateTime":
        out.append((path, "9999-01-01T00:00:00Z", "far", "cannot be after"))
    elif inner.name == "Date":
        past_only = "birth" in field.lower() or field.lower() == "dob"
        out.append((path, "9999-01-01", "far", "future" if past_only else "cannot be after"))
        if past_only:
            out.append((path, (school_today() + dt.timedelta(days=2)).isoformat(), "future", "future"))
    return out


def _mutation_cases() -> list[tuple[str, list[tuple[str, list[str], dict[str, Any], str, str]]]]:
    cases = []
    for name, field in SCHEMA.mutation_type.fields.items():
        base = {a: _sample(arg.type) for a, arg in field.args.items() if _is_required(arg)}
        probes = []
        for arg_name, arg in field.args.items():
            current = base.get(arg_name, _sample(arg.type))
            for path, value, kind, words in _probes(arg.type, current, [arg_name]):
                probes.append((kind, path, {**base, arg_name: value}, words, arg_name))
        if probes:
            cases.append((name, probes))
    return cases


def _whole_payload(payload: Any) -> str:
    parts = []
    for name, f in payload.fields.items():
        if any(isinstance(a.type, GraphQLNonNull) for a in f.args.values()):
            continue
        if name == "errors":
            parts.append("errors { field code message }")
        elif isinstance(get_named_type(f.type), (GraphQLScalarType, GraphQLEnumType)):
            parts.append(name)
        else:
            parts.append(f"{name} {{ __typename }}")
    return " ".join(parts)


def _has_upload(field: Any) -> bool:
    def walk(gtype: Any, seen: set[str]) -> bool:
        named = get_named_type(gtype)
        if named.name == "Upload":
            return True
        if isinstance(named, GraphQLInputObjectType) and named.name not in seen:
            seen.add(named.name)
            return any(walk(f.type, seen) for f in named.fields.values())
        return False

    return any(walk(a.type, set()) for a in field.args.values())


def _upload_paths(gtype: Any, value: Any, path: list[str]) -> list[list[str]]:
    """Where the Upload placeholders (None) of a sampled value sit."""
    inner = gtype.of_type if isinstance(gtype, GraphQLNonNull) else gtype
    if isinstance(inner, GraphQLList):
        return [p for i, item in enumerate(value or []) for p in _upload_paths(inner.of_type, item, [*path, str(i)])]
    if isinstance(inner, GraphQLInputObjectType) and isinstance(value, dict):
        return [
            p
            for name, item in value.items()
            if name in inner.fields
            for p in _upload_paths(inner.fields[name].type, item, [*path, name])
        ]
    return [path] if inner.name == "Upload" and value is None and isinstance(gtype, GraphQLNonNull) else []


def _type_text(gtype: Any) -> str:
    if isinstance(gtype, GraphQLNonNull):
        return f"{_type_text(gtype.of_type)}!"
    if isinstance(gtype, GraphQLList):
        return f"[{_type_text(gtype.of_type)}]"
    return gtype.name


async def _writes(db: Any) -> int:
    async with db.acquire() as conn:  # every mutation leaves an audit entry (kit/writes.py)
        return await conn.fetchval(
            "SELECT (SELECT count(*) FROM activity_logs) + (SELECT count(*) FROM audit_logs)"
            " + (SELECT count(*) FROM schools) + (SELECT count(*) FROM users)"
        )


async def test_every_mutation_refuses_nul_overlong_exponent_and_absurd_dates_naming_the_field(client, db):
    admin = await as_user(client, "superadmin@demo.campus")
    resident = await as_user(client, "resident@sunrise.demo")  # the residents' own mutations refuse the super admin
    before = await _writes(db)
    cases = _mutation_cases()
    assert len(cases) >= 60, len(cases)
    seen: dict[str, int] = {}
    for name, probes in cases:
        field = SCHEMA.mutation_type.fields[name]
        payload = get_named_type(field.type)
        assert "errors" in payload.fields, name
        rule = DECLARED[f"Mutation.{name}"]
        caller = admin if rule.public or rule.any_authenticated or "SUPER_ADMIN" in rule.roles else resident
        selection = _whole_payload(payload)  # every field: a refusal must render, not only its errors
        size = 4 if _has_upload(field) else 20  # aliases per document, files per multipart request are limited
        for start in range(0, len(probes), size):
            chunk = probes[start : start + size]
            var_defs, parts, variables = [], [], {}
            for i, (_, _, args, _, _) in enumerate(chunk):
                arg_text = []
                for arg_name, value in args.items():
                    var = f"v{i}_{arg_name}"
                    var_defs.append(f"${var}: {_type_text(field.args[arg_name].type)}")
                    variables[var] = value
                    arg_text.append(f"{arg_name}: ${var}")
                parts.append(f"m{i}: {name}({', '.join(arg_text)}) {{ {selection} }}")
            doc = f"mutation({', '.join(var_defs)}) {{ {' '.join(parts)} }}"
            uploads = [
                f"variables.{var}.{'.'.join(p)}"
                for var, value in variables.items()
                for p in _upload_paths(field.args[var.split("_", 1)[1]].type, value, [])
            ]
            if uploads:
                operations = orjson.dumps({"query": doc, "variables": variables}).decode()
                mapping = orjson.dumps({f"f{k}": [p] for k, p in enumerate(uploads)}).decode()
                response = await client.post(
                    "/graphql",
                    headers={**caller.headers, **PREFLIGHT},
                    data={"operations": operations, "map": mapping},
                    files={f"f{k}": ("a.pdf", b"%PDF-1.4 test", "application/pdf") for k in range(len(uploads))},
                )
            else:
                response = await caller.raw(doc, variables)
            assert response.status_code == 200, (name, response.text[:500])
            body = response.json()
            assert "errors" not in body, (name, body["errors"][:3])
            for i, (kind, path, _, words, _) in enumerate(chunk):
                errors = body["data"][f"m{i}"]["errors"]
                match = [e for e in errors if e["field"] == path]
                assert match and all(e["code"] == "INVALID" for e in match), (name, kind, path, errors)
                assert words in match[0]["message"], (name, kind, match)
                seen[kind] = seen.get(kind, 0) + 1
    assert await _writes(db) == before  # nothing written by any of them
    assert (
        seen["nul"] >= 200
        and seen["long"] >= 200
        and seen["exponent"] >= 20
        and seen["huge"] >= 20
        and seen["far"] >= 20
    ), seen
    assert seen.get("future", 0) >= 1 and seen.get("json", 0) >= 1, seen


async def test_lengths_come_from_the_column_and_valid_input_still_passes(gql, db):
    doc = """mutation($i: SchoolCreateInput!) { schoolCreate(input: $i) { school { name } errors { field code message } } }"""
    code = unique("LEN")[:40]
    base = {"name": "Length School", "schoolCode": code, "address": "1 Road"}
    for field, limit in (("name", 255), ("city", 100), ("pincode", 20)):
        body = await gql(doc, {"i": {**base, field: "y" * (limit + 1)}})
        errors = body["data"]["schoolCreate"]["errors"]
        assert errors == [
            {
                "field": ["input", field],
                "code": "INVALID",
                "message": f"{field} is at most {limit} characters (got {limit + 1}).",
            }
        ], errors
    async with db.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM schools WHERE school_code = $1", code) == 0
    body = await gql(doc, {"i": {**base, "name": "z" * 255, "city": "c" * 100}})
    assert body["data"]["schoolCreate"]["errors"] == [] and body["data"]["schoolCreate"]["school"]["name"] == "z" * 255


async def test_every_generated_input_is_limited_by_its_column(gql, client, db):
    """Text one character over the column's length, decimals one digit over its precision:
    INVALID with the column's figure, for every input field tied to a column (generated inputs,
    and hand-written ones named after their model)."""
    from sqlalchemy import Numeric, String

    from kit.inputs import DEFAULT_TEXT_MAX, INPUT_COLUMNS

    by_input = {
        get_named_type(f.args["input"].type).name: name
        for name, f in SCHEMA.mutation_type.fields.items()
        if "input" in f.args
    }
    before = await _writes(db)
    checked = {"text": 0, "varchar": 0, "numeric": 0}
    for key, column in INPUT_COLUMNS.items():
        type_name, field = key.split(".")
        mutation = by_input.get(type_name)
        if mutation is None or _has_upload(SCHEMA.mutation_type.fields[mutation]):
            continue
        scalar = get_named_type(SCHEMA.type_map[type_name].fields[field].type).name
        if isinstance(column.type, String) and scalar == "String":
            limit = column.type.length or DEFAULT_TEXT_MAX
            value, words = "y" * (limit + 1), f"is at most {limit} characters"
            checked["varchar" if column.type.length else "text"] += 1
        elif isinstance(column.type, Numeric) and column.type.precision and scalar == "Decimal":
            whole = column.type.precision - (column.type.scale or 0)
            value, words = "9" * (whole + 1), f"at most {whole} digits"
            checked["numeric"] += 1
        else:
            continue
        arg_type = SCHEMA.mutation_type.fields[mutation].args["input"].type
        doc = f"mutation($i: {_type_text(arg_type)}) {{ {mutation}(input: $i) {{ errors {{ field code message }} }} }}"
        rule = DECLARED[f"Mutation.{mutation}"]
        caller = (
            gql
            if rule.public or rule.any_authenticated or "SUPER_ADMIN" in rule.roles
            else await as_user(client, "resident@sunrise.demo")
        )  # the rule is checked before the input
        body = await caller(doc, {"i": {**_sample(arg_type), field: value}})
        errors = body["data"][mutation]["errors"]
        assert any(
            e["field"] == ["input", field] and e["code"] == "INVALID" and words in e["message"] for e in errors
        ), (mutation, field, errors)
    assert await _writes(db) == before
    assert checked["varchar"] >= 50 and checked["text"] >= 5 and checked["numeric"] >= 5, checked


async def test_decimal_messages_say_what_is_wrong(gql):
    from kit.scalars import _parse_decimal

    for text, words in (
        ("1e3", "exponent"),
        ("1E-2", "exponent"),
        ("NaN", "finite"),
        ("-Infinity", "finite"),
        ("1_000", "plain decimal"),
    ):
        assert words in _parse_decimal(text).problem
    assert not hasattr(_parse_decimal("1250.50"), "problem") and not hasattr(_parse_decimal("-0.5"), "problem")
    body = await gql("""{ defaulters(minPending: "1e3") { totalCount } }""", expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body
    assert "exponent" in body["errors"][0]["message"] and "minPending" in body["errors"][0]["message"]


def _string_filter_cases() -> list[tuple[str, str]]:
    out = []
    for root_name, root in SCHEMA.query_type.fields.items():
        arg = root.args.get("filter")
        if arg is None:
            continue
        filt = get_named_type(arg.type)
        for fname, f in filt.fields.items():
            if get_named_type(f.type).name == "StringFilter":
                out.append((root_name, fname))
    return out


async def test_filters_and_query_arguments_refuse_nul_and_overlong_text_clearly(gql):
    cases = _string_filter_cases()
    assert len(cases) >= 30, len(cases)
    checked = 0
    for root, f in cases:  # one root list per request: a failed non-null root field nulls the whole answer
        for value, words in (("a\x00b", "NUL"), (TOO_LONG, "at most")):
            doc = f"query($s: String) {{ {root}(filter: {{and: [{{{f}: {{contains: $s}}}}]}}) {{ totalCount }} }}"
            body = await gql(doc, {"s": value}, expect_errors=True)
            error = body["errors"][0]
            assert error["extensions"]["code"] in ("BAD_USER_INPUT", "FORBIDDEN"), (root, f, error)
            if error["extensions"]["code"] == "BAD_USER_INPUT":
                assert words in error["message"] and f in error["message"], error
                checked += 1
    assert checked >= 2 * len(cases) - 10
    body = await gql('{ feePaymentByIdempotencyKey(idempotencyKey: "k\\u0000") { id } }', expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT" and "NUL" in body["errors"][0]["message"], body


async def test_text_a_service_stores_in_a_shorter_column_is_invalid_and_changes_nothing(gql, db):
    """`studentWithdraw.reason` is stored in `reason_for_leaving VARCHAR(500)` under another name:
    the input cleaning cannot tie it to the column, so the check of every ORM write is the
    backstop (kit/writes.py): INVALID naming the column's field, never an internal error."""
    from tests.test_students import WITHDRAW, _school

    s = await _school(db)
    student = encode_gid("Student", s["students"][0])
    body = await gql(
        WITHDRAW.replace("errors { code }", "errors { code field message }"),
        {"input": {"studentId": student, "dateOfLeaving": school_today().isoformat(), "reason": "r" * 501}},
        headers=s["headers"],
    )
    result = body["data"]["studentWithdraw"]
    assert result["student"] is None
    assert result["errors"] == [
        {
            "code": "INVALID",
            "field": ["input", "reasonForLeaving"],
            "message": "reasonForLeaving is at most 500 characters (got 501).",
        }
    ], result
    async with db.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT current_status, reason_for_leaving FROM students WHERE id = $1", s["students"][0]
        )
        active = await conn.fetchval("SELECT active FROM student_enrollments WHERE student_id = $1", s["students"][0])
    assert (row["current_status"], row["reason_for_leaving"], active) == ("ENROLLED", None, True)
