"""Who may call each root field, proved from the outside: every Query and Mutation field, called
through HTTP by a logged-in user of every role of the platform (and an anonymous caller).

The expectation is the reviewed table `tests/rules/root_fields.txt` (tests/test_rule_matrix.py
keeps it equal to the declared rules); this file checks that the running gateway enforces it:

- a caller the table does not list gets UNAUTHENTICATED (anonymous) or FORBIDDEN on the field's
  own path, its data is null, and the request ran no SQL statement beyond the identity/setup
  ones (`extensions.stats.sqlStatements == 0`), so it changed nothing;
- a caller the table lists gets past the gate. The arguments are generated from the schema
  so that nothing can happen behind the gate: every required argument and input field gets a
  value of its type, texts carry a NUL byte (kit/inputs.py refuses them after the permission
  check and before anything runs: INVALID in a mutation's payload, BAD_USER_INPUT in a query,
  and again no statement at all), IDs are well-formed global IDs of the right type that do not
  exist (NOT_FOUND, nothing written), dates are today, decimals "1.00", Int 1, enums their first
  value, lists one element. A field with nothing of that kind to spoil gets an optional text or
  a date 9999-01-01 (out of every window) instead; the two that still succeed (`tokenRevoke`,
  `sessionsRevokeAll`) are listed in SUCCEED with the reason and run by users made for the test.

Field level, not row level: the gate of a field is its declared rule. Rules that depend on the
row (a booking's owner, a hostel admin's hostel, a guardian's own children) are checked after
the gate, on the row; for them "allowed" here means "allowed to try", and their row outcomes
are tested in tests/test_isolation.py and the domain tests. Such fields: a booking's own records
for any logged-in user (bookingCreate/Cancel/Modify, guestDocumentAdd, waitlistJoin: the
booker's own), hostel staff fields (the admin's or supervisor's own hostel), the residents'
own records (studentProfileUpdate, studentPreferencesUpdate, bedPreference*, amenityFeedback*,
residentGiveNotice), roleAssign/roleRevoke (which role in which tenant, see ENUM_VALUES) and the
school readers' row filters (a teacher's classes, a guardian's children).

Columns are roles, each played by a demo user in a tenant where it holds exactly that role;
multi@demo.campus plays GUARDIAN in DEMO-RVP and also TEACHER in DEMO-GWH (one token, two
tenants: the roles of one tenant must not leak into the other). STUDENT has no demo user: one
is made for the test in a school made for the test.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    get_named_type,
)
from graphql.pyutils import Undefined

from kit.ids import encode_gid, pk_max
from kit.registry import SPECS
from schema.root import build_schema
from tests.conftest import login, make_schools, school_today, unique
from tests.test_rule_matrix import ROLES  # the columns of the reviewed table
from tests.uploads import PREFLIGHT

SCHEMA = build_schema()._schema
TABLE_FILE = Path(__file__).resolve().parent / "rules" / "root_fields.txt"
NUL = "x\u0000y"
FAR_DATE = "9999-01-01"  # after every date window (today + 50 years): INVALID before anything runs
GATE = {"FORBIDDEN", "UNAUTHENTICATED"}
BATCH = 10  # operations per HTTP request (MAX_BATCH)

# column -> (demo user, tenant code or slug, the role of the table it must behave as)
COLUMNS: dict[str, tuple[str | None, str | None, str]] = {
    "ANONYMOUS": (None, None, "ANONYMOUS"),
    "SUPER_ADMIN": ("superadmin@demo.campus", None, "SUPER_ADMIN"),
    "PLATFORM_ADMIN": ("platform@demo.campus", None, "PLATFORM_ADMIN"),
    "SCHOOL_ADMIN": ("admin@greenwood.demo", None, "SCHOOL_ADMIN"),
    "ACCOUNTANT": ("accounts@greenwood.demo", None, "ACCOUNTANT"),
    "TEACHER": ("teacher@greenwood.demo", None, "TEACHER"),
    "STUDENT": (None, None, "STUDENT"),  # made for the test (fixture `student`)
    "GUARDIAN": ("multi@demo.campus", "DEMO-RVP", "GUARDIAN"),
    "TEACHER+GUARDIAN@GWH": ("multi@demo.campus", "DEMO-GWH", "TEACHER"),
    "HOSTEL_ADMIN": ("warden@sunrise.demo", "demo-sunrise", "HOSTEL_ADMIN"),
    "SUPERVISOR": ("supervisor@sunrise.demo", None, "SUPERVISOR"),
    "HOSTEL_STUDENT": ("resident@sunrise.demo", None, "HOSTEL_STUDENT"),
    "VISITOR": ("visitor@demo.campus", None, "VISITOR"),
}

# Mutations whose input holds nothing to spoil (no text, no ID, no date): an allowed caller
# really runs them. Each revokes the caller's own login, so they are run by users made for the
# test (test_the_mutations_that_succeed_revoke_only_the_callers_own_login), never by demo users.
SUCCEED = {
    "tokenRevoke": "no argument: logs the caller out (its access token is refused afterwards)",
    "sessionsRevokeAll": "only `keepCurrent: Boolean`: ends every session of the caller",
}

# Enum inputs whose first value would be refused on its value, not by the gate: a school admin
# may try `roleAssign` but gives school roles only (SUPER_ADMIN, the first value, answers FORBIDDEN
# in the payload for them, schema/admin.py `_may_manage`)
ENUM_VALUES = {"RoleAssignInput.role": "TEACHER"}

# ID input fields whose name does not say their type (`<type>Id` otherwise)
ID_TYPES = {
    "classId": "SchoolClass",
    "sourceClassId": "SchoolClass",
    "targetClassId": "SchoolClass",
    "roomTypeId": "RoomTypeDefinition",
    "fromRoomTypeId": "RoomTypeDefinition",
    "toRoomTypeId": "RoomTypeDefinition",
    "preferredRoomTypeId": "RoomTypeDefinition",
    "sessionId": "AcademicSession",
    "classTeacherId": "Teacher",
    "assignmentId": "StudentFeeAssignment",
    "policyId": "HostelPolicy",
    "amenityId": "HostelAmenity",
    "itemId": "ChecklistItem",
    "toBedId": "Bed",
    "routeId": "TransportRoute",
    "tenantId": "School",
    "ids": "School",
    "HostelAmenityCreateInput.categoryId": "AmenityCategory",
    "HostelAmenityUpdateInput.categoryId": "AmenityCategory",
    "HostelMediaCreateInput.categoryId": "MediaCategory",
    "HostelMediaUpdateInput.categoryId": "MediaCategory",
    "Query.node.id": "School",
    "StudentDocumentDeleteInput.id": "StudentDocument",
    "subscriptionId": "SchoolSubscription",
    "BackgroundJobRetryInput.id": "BackgroundJob",  # procrastinate's jobs (resolvers/jobs/), not a model
    "fileId": "FileUpload",
    "tagIds": "FileTag",
    "grantId": "FileAccess",
    "quotaId": "FileQuota",
    "UploadSessionPartPutInput.sessionId": "UploadSession",
    "UploadSessionCompleteInput.sessionId": "UploadSession",
    "UploadSessionAbortInput.sessionId": "UploadSession",
    "FileTagCreateInput.parentId": "FileTag",
    "FileTagUpdateInput.parentId": "FileTag",
    "roomTypeIds": "RoomTypeDefinition",
    "excludeStudentIds": "HostelStudent",
    "allocationId": "BudgetAllocation",
    "issueTypeId": "MaintenanceIssueType",
    "assigneeId": "User",
    "escalateToId": "User",
    "mentionIds": "User",
    "attachmentIds": "FileUpload",
    "ComplaintCommentInput.parentId": "ComplaintComment",
    "documentId": "DocumentUpload",
    "contractId": "VendorContract",
    "vendorId": "MaintenanceVendor",
}


def _table() -> dict[str, frozenset[str]]:
    out = {}
    for line in TABLE_FILE.read_text().splitlines():
        if line:
            field, who = line.split(": ", 1)
            out[field] = frozenset(who.split())
    return out


TABLE = _table()


# ---- arguments generated from the schema ---------------------------------------------------


def _required(f: Any) -> bool:
    return isinstance(f.type, GraphQLNonNull) and f.default_value is Undefined


def _entity_of(field: Any) -> str | None:
    """The entity a mutation's payload returns (what its `id` input names)."""
    payload = get_named_type(field.type)
    if not isinstance(payload, GraphQLObjectType):
        return None
    for sub in payload.fields.values():
        name = get_named_type(sub.type).name
        if name in SPECS:
            return name
    return None


def _id_type(name: str, where: str, entity: str | None) -> str:
    for key in (f"{where}.{name}", name):
        if key in ID_TYPES:
            return ID_TYPES[key]
    if name == "id" and entity:
        return entity
    stem = name[:-3] if name.endswith("Ids") else name[:-2]
    by_lower = {k.lower(): k for k in SPECS}
    if stem.lower() in by_lower:
        return by_lower[stem.lower()]
    raise AssertionError(f"no type for the ID input {where}.{name}: add it to ID_TYPES")


class Args:
    """A field's arguments: every required one with a value of its type; `spoiled` says what
    stops the call before it does anything (nul, far date) or None (IDs that do not exist)."""

    def __init__(self, root: str, name: str) -> None:
        self.root, self.name = root, name
        self.field = (SCHEMA.query_type if root == "Query" else SCHEMA.mutation_type).fields[name]
        self.entity = _entity_of(self.field) if root == "Mutation" else None
        self.kinds: set[str] = set()
        self.values: dict[str, Any] = {}
        for arg_name, arg in self.field.args.items():
            if _required(arg):
                self.values[arg_name] = self._value(arg.type, arg_name, f"{root}.{name}", required=True)
        if not self.kinds & {"nul"}:
            self._spoil_optional()

    @property
    def spoiled(self) -> str | None:
        return "nul" if "nul" in self.kinds else "far" if "far" in self.kinds else None

    def _value(self, gtype: Any, name: str, where: str, required: bool) -> Any:
        if isinstance(gtype, GraphQLNonNull):
            return self._value(gtype.of_type, name, where, required)
        if isinstance(gtype, GraphQLList):
            return [self._value(gtype.of_type, name, where, required)]
        if isinstance(gtype, GraphQLEnumType):
            return ENUM_VALUES.get(f"{where}.{name}", next(iter(gtype.values)))
        if isinstance(gtype, GraphQLInputObjectType):
            return {k: self._value(f.type, k, gtype.name, required) for k, f in gtype.fields.items() if _required(f)}
        if gtype.name in ("String", "JSON"):
            self.kinds.add("nul")
            return NUL if gtype.name == "String" else {"note": NUL}
        if gtype.name == "ID":
            self.kinds.add("id")
            kind = _id_type(name, where, self.entity)
            return encode_gid(kind, pk_max(kind))  # well-formed, of its type, and no such row
        if gtype.name == "Upload":
            self.kinds.add("upload")
            return None  # a file part of the multipart request
        return {
            "Int": 1,
            "Float": 1.0,
            "Boolean": False,
            "Decimal": "1.00",
            "Date": school_today().isoformat(),
            "DateTime": f"{school_today().isoformat()}T00:00:00Z",
            "Time": "09:00:00",
        }[gtype.name]

    def _spoil_optional(self) -> None:
        """No text among the required values: a query gets a NUL byte in its first optional text
        argument (a connection's `after`); a mutation without text or ID one in an optional input
        field, else a far date in its date fields."""
        if self.root == "Query":
            for arg_name, arg in self.field.args.items():
                if arg_name not in self.values and get_named_type(arg.type).name == "String":
                    self.values[arg_name] = NUL
                    self.kinds.add("nul")
                    return
            return
        if "id" in self.kinds:
            return  # NOT_FOUND for an allowed caller: the resolver runs, finds nothing, writes nothing
        for arg_name, arg in self.field.args.items():
            target = get_named_type(arg.type)
            if not isinstance(target, GraphQLInputObjectType):
                continue
            value = self.values.setdefault(arg_name, {})
            for k, f in target.fields.items():
                if get_named_type(f.type).name in ("String", "JSON"):
                    value[k] = NUL if get_named_type(f.type).name == "String" else {"note": NUL}
                    self.kinds.add("nul")
                    return
            for k, f in target.fields.items():
                if get_named_type(f.type).name == "ID":
                    kind = _id_type(k, target.name, self.entity)
                    value[k] = encode_gid(kind, pk_max(kind))
                    self.kinds.add("id")
                    return
            for k, f in target.fields.items():
                if get_named_type(f.type).name == "Date":
                    value[k] = FAR_DATE
                    self.kinds.add("far")
            if self.kinds & {"far"}:
                return

    def document(self) -> str:
        defs = ", ".join(f"${a}: {_type_text(self.field.args[a].type)}" for a in self.values)
        call = ", ".join(f"{a}: ${a}" for a in self.values)
        head = "query" if self.root == "Query" else "mutation"
        return (
            f"{head}{f'({defs})' if defs else ''} {{ f: {self.name}{f'({call})' if call else ''}"
            f"{_selection(self.field.type)} }}"
        )


def _type_text(gtype: Any) -> str:
    if isinstance(gtype, GraphQLNonNull):
        return f"{_type_text(gtype.of_type)}!"
    if isinstance(gtype, GraphQLList):
        return f"[{_type_text(gtype.of_type)}]"
    return gtype.name


def _selection(gtype: Any) -> str:
    named = get_named_type(gtype)
    if isinstance(named, (GraphQLScalarType, GraphQLEnumType)):
        return ""
    if isinstance(named, GraphQLObjectType) and "errors" in named.fields:
        return " { __typename errors { code field } }"
    return " { __typename }"


def _upload_paths(value: Any, gtype: Any, path: list[str]) -> list[list[str]]:
    inner = gtype.of_type if isinstance(gtype, GraphQLNonNull) else gtype
    if isinstance(inner, GraphQLList):
        return [p for i, v in enumerate(value or []) for p in _upload_paths(v, inner.of_type, [*path, str(i)])]
    if isinstance(inner, GraphQLInputObjectType) and isinstance(value, dict):
        return [
            p for k, v in value.items() if k in inner.fields for p in _upload_paths(v, inner.fields[k].type, [*path, k])
        ]
    return [path] if getattr(inner, "name", "") == "Upload" else []


def _fields(root: str) -> list[str]:
    gtype = SCHEMA.query_type if root == "Query" else SCHEMA.mutation_type
    return sorted(gtype.fields)


# ---- callers ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
async def student(db: Any) -> str:
    """A user holding the STUDENT role in a school made for the test (no demo user has it)."""
    school = (await make_schools(db, unique("RO"), 1, sessions_per_school=1))[0]
    email = f"{unique('student').lower()}@roles.test"
    async with db.acquire() as conn:
        uid = await conn.fetchval(
            "INSERT INTO users (email, full_name, role, password_hash, school_id) SELECT $1, "
            "'Matrix Student', 'STUDENT', password_hash, $2 FROM users "
            "WHERE email = 'superadmin@demo.campus' RETURNING id",
            email,
            school["id"],
        )
        await conn.execute(
            "INSERT INTO role_assignments (user_id, role, school_id) VALUES ($1, 'STUDENT', $2)", uid, school["id"]
        )
    return email


async def _tenant_gid(db: Any, code: str) -> str:
    async with db.acquire() as conn:
        sid = await conn.fetchval("SELECT id FROM schools WHERE school_code = $1", code)
        if sid is not None:
            return encode_gid("School", sid)
        return encode_gid("Hostel", await conn.fetchval("SELECT id FROM hostels WHERE slug = $1", code))


async def _headers(client: Any, db: Any, column: str, student_email: str) -> dict[str, str]:
    email, tenant, _ = COLUMNS[column]
    if column == "STUDENT":
        email = student_email
    if email is None:
        return {}
    if email not in _logins:  # logged in by this file: a token cached for the whole session may expire (15 minutes)
        tokens = await login(client, email)
        assert tokens["errors"] == [], tokens
        _logins[email] = tokens["accessToken"]
    headers = {"Authorization": f"Bearer {_logins[email]}"}
    if tenant:
        headers["X-Tenant-Id"] = await _tenant_gid(db, tenant)
    return headers


_logins: dict[str, str] = {}


async def _send(client: Any, headers: dict[str, str], calls: list[Args]) -> list[dict[str, Any]]:
    """One HTTP request: a batch of single-field operations (each its own result and stats), or
    a multipart request for a call that carries a file."""
    if any("upload" in a.kinds for a in calls):
        assert len(calls) == 1
        a = calls[0]
        uploads = [
            f"variables.{k}.{'.'.join(p)}"
            for k, v in a.values.items()
            for p in _upload_paths(v, a.field.args[k].type, [])
        ]
        response = await client.post(
            "/graphql",
            headers={**headers, **PREFLIGHT},
            data={
                "operations": orjson.dumps({"query": a.document(), "variables": a.values}).decode(),
                "map": orjson.dumps({f"f{i}": [p] for i, p in enumerate(uploads)}).decode(),
            },
            files={f"f{i}": ("a.pdf", b"%PDF-1.4 matrix", "application/pdf") for i in range(len(uploads))},
        )
        assert response.status_code == 200, (a.name, response.text[:300])
        return [response.json()]
    response = await client.post(
        "/graphql", headers=headers, json=[{"query": a.document(), "variables": a.values} for a in calls]
    )
    assert response.status_code == 200, ([a.name for a in calls], response.text[:300])
    return response.json()


def _codes(body: dict[str, Any]) -> list[str | None]:
    return [e.get("extensions", {}).get("code") for e in body.get("errors", [])]


def _outcome(a: Args, body: dict[str, Any], allowed: bool, anonymous: bool) -> str | None:
    """What is wrong with one call's answer (None: as the table says)."""
    statements = body.get("extensions", {}).get("stats", {}).get("sqlStatements")
    codes = _codes(body)
    if any(e.get("path") not in (["f"], None) for e in body.get("errors", [])):
        return f"an error off the field's path: {body['errors']}"
    if not allowed:
        want = "UNAUTHENTICATED" if anonymous else "FORBIDDEN"
        if codes != [want]:
            return f"expected {want}, got {codes or (body.get('data') or {}).get('f')}"
        if (body.get("data") or {}).get("f") is not None:
            return f"refused but answered data {body['data']['f']}"
        if statements != 0:
            return f"refused after {statements} SQL statements"
        return None
    if set(codes) & GATE:
        return f"the table admits the caller, the gateway answered {codes}: {body['errors'][0]['message']}"
    payload = (body.get("data") or {}).get("f")
    if a.root == "Mutation":
        if codes:
            return f"errors outside the payload: {body['errors']}"
        errors = payload["errors"]
        got = {e["code"] for e in errors}
        if got & GATE:
            return f"the table admits the caller, the payload answered {sorted(got)}"
        if a.spoiled:
            if got != {"INVALID"} or statements != 0:
                return f"expected INVALID before any statement, got {errors} after {statements} statements"
        elif not errors:
            return "an allowed call with IDs that do not exist succeeded"
        elif not got <= {"NOT_FOUND", "INVALID", "CONFLICT"}:
            return f"expected NOT_FOUND for IDs that do not exist, got {errors}"
        return None
    if a.spoiled:
        if codes != ["BAD_USER_INPUT"] or statements != 0:
            return f"expected BAD_USER_INPUT before any statement, got {codes} after {statements} statements"
    return None


async def _writes(db: Any) -> int:
    """Every mutation leaves an audit or activity entry (kit/writes.py); tenants and users
    besides."""
    async with db.acquire() as conn:
        return await conn.fetchval(
            "SELECT (SELECT count(*) FROM activity_logs) + (SELECT count(*) FROM audit_logs)"
            " + (SELECT count(*) FROM schools) + (SELECT count(*) FROM hostels)"
            " + (SELECT count(*) FROM users)"
        )


@pytest.mark.parametrize("root", ["Query", "Mutation"])
@pytest.mark.parametrize("column", list(COLUMNS))
async def test_every_root_field_answers_each_role_as_the_table_says(client, db, student, column, root):
    _, _, role = COLUMNS[column]
    headers = await _headers(client, db, column, student)
    if headers:  # the column plays its role: exactly that role in force (none for a visitor: it is no tenant's)
        me = (await client.post("/graphql", headers=headers, json={"query": "{ me { rolesInForce } }"})).json()
        assert set(me["data"]["me"]["rolesInForce"]) == ({role} - {"VISITOR"}), (column, me)
    calls = [Args(root, name) for name in _fields(root) if name not in SUCCEED or column == "ANONYMOUS"]
    plain = [a for a in calls if "upload" not in a.kinds]
    before = await _writes(db)
    answers: list[tuple[Args, dict[str, Any]]] = []
    for start in range(0, len(plain), BATCH):
        chunk = plain[start : start + BATCH]
        answers.extend(zip(chunk, await _send(client, headers, chunk), strict=True))
    for a in calls:
        if "upload" in a.kinds:
            answers.append((a, (await _send(client, headers, [a]))[0]))
    wrong = []
    for a, body in answers:
        allowed = role in TABLE[f"{root}.{a.name}"]
        problem = _outcome(a, body, allowed, column == "ANONYMOUS")
        if problem:
            wrong.append(
                f"{root}.{a.name} as {column} ({'admitted' if allowed else 'refused'} by the table): {problem}"
            )
    assert not wrong, f"{len(wrong)} of {len(answers)} fields:\n" + "\n".join(wrong)
    assert await _writes(db) == before, "a call of the matrix wrote something"


# ---- the mutations with nothing to spoil ----------------------------------------------------

ME = "{ me { rolesInForce } }"


async def _fresh_user(db: Any, role: str) -> str:
    """A user of the test holding `role` where that role lives: platform-wide (platform roles,
    visitors) or in a school or hostel made for the test."""
    email = f"{unique(role.lower())}@roles.test"
    async with db.acquire() as conn, conn.transaction():
        school = hostel = None
        if role in ("SCHOOL_ADMIN", "ACCOUNTANT", "TEACHER", "STUDENT", "GUARDIAN"):
            school = await conn.fetchval(
                "INSERT INTO schools (name, school_code, city) VALUES ($1, $1, 'Pune') RETURNING id", unique("RO-S")
            )
        elif role in ("HOSTEL_ADMIN", "SUPERVISOR", "HOSTEL_STUDENT"):
            slug = unique("ro-h").lower()
            hostel = await conn.fetchval(
                "INSERT INTO hostels (name, slug, hostel_type, is_public) VALUES ($1, $1, 'BOYS', false) RETURNING id",
                slug,
            )
        uid = await conn.fetchval(
            "INSERT INTO users (email, full_name, role, password_hash, school_id) SELECT $1, "
            "'Matrix User', $2, password_hash, $3 FROM users WHERE email = 'superadmin@demo.campus' "
            "RETURNING id",
            email,
            role,
            school,
        )
        await conn.execute(
            "INSERT INTO role_assignments (user_id, role, school_id, hostel_id) VALUES ($1, $2, $3, $4)",
            uid,
            role,
            school,
            hostel,
        )
    return email


async def _me(client: Any, token: str) -> Any:
    return await client.post("/graphql", json={"query": ME}, headers={"Authorization": f"Bearer {token}"})


@pytest.mark.parametrize("role", ROLES)
async def test_the_mutations_that_succeed_revoke_only_the_callers_own_login(client, db, role):
    """SUCCEED: `tokenRevoke` and `sessionsRevokeAll` admit every logged-in role (the table says
    so) and have no input to spoil, so they run for real, by a user made for the test."""
    assert TABLE["Mutation.tokenRevoke"] == TABLE["Mutation.sessionsRevokeAll"] == frozenset(ROLES)
    email = await _fresh_user(db, role)
    first, second = await login(client, email), await login(client, email)
    assert first["errors"] == [] and second["errors"] == [], (first, second)
    me = (await _me(client, first["accessToken"])).json()
    assert set(me["data"]["me"]["rolesInForce"]) == {role} - {"VISITOR"}, me

    body = (
        await client.post(
            "/graphql",
            json={"query": "mutation { tokenRevoke { done errors { code } } }"},
            headers={"Authorization": f"Bearer {first['accessToken']}"},
        )
    ).json()
    assert body == {"data": {"tokenRevoke": {"done": True, "errors": []}}, "extensions": body["extensions"]}, body
    assert (await _me(client, first["accessToken"])).status_code == 401  # this login is over
    assert (await _me(client, second["accessToken"])).status_code == 200  # the other one is not

    third = await login(client, email)
    body = (
        await client.post(
            "/graphql",
            json={"query": "mutation { sessionsRevokeAll { revokedCount errors { code } } }"},
            headers={"Authorization": f"Bearer {third['accessToken']}"},
        )
    ).json()
    assert body["data"]["sessionsRevokeAll"] == {"revokedCount": 2, "errors": []}, body  # the second and the third
    assert (await _me(client, second["accessToken"])).status_code == 401
    assert (await _me(client, third["accessToken"])).status_code == 401
