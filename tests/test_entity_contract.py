"""The contract of every declared entity with `write=`, through GraphQL with real tokens.

For each such entity (one test each, so a failure names it), in a tenant of its family set up
once for this module (two schools and two hostels, a user of every tenant role in each):

- a user holding a role the create rule allows creates a row (values from the demo generator,
  demo/values.py; references point at rows of the same tenant, generated when missing), reads
  it back by `node(id:)`, updates one writable field, and deactivates it when the verb exists;
- the same role in the other tenant of the family gets NOT_FOUND updating it and null reading it;
- a role the rule does not allow gets FORBIDDEN creating and updating, and nothing changes.

A model whose CHECK constraints the generated values break gets values in demo/overrides.py.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from demo.generated import Generator
from demo.values import column_value
from kit.declared import declaration, declared_models
from kit.ids import encode_gid
from kit.registry import camel, spec_for_model
from models.entity import VERBS
from tests.conftest import GQL, login, make_schools, unique

ERR = "errors { code field message }"
PLATFORM = "PLATFORM"  # the demo super admin, working in the tenant through X-Tenant-Id
FAMILY_ROLES = {
    "school_id": ("SCHOOL_ADMIN", "ACCOUNTANT", "TEACHER", "STUDENT", "GUARDIAN"),
    "hostel_id": ("HOSTEL_ADMIN", "SUPERVISOR", "HOSTEL_STUDENT"),
}


# One updatable field whose new value the entity's own rules accept, where the generic choice
# (text, then a number 2, then a flag) breaks them.
UPDATES: dict[str, tuple[str, Any]] = {
    "RoomOccupancyLimit": ("minOccupants", 0),  # maxOccupants is capped by the room's capacity (1 bed here)
}


# Entities whose create needs a world the generic contract does not build, and the test that
# runs their whole contract instead.
ELSEWHERE: dict[str, str] = {
    "AmenityFeedback": "a resident rates an amenity of their own room: tests/test_residents.py",
}


def writable_models() -> list[type]:
    return [m for m in declared_models() if declaration(m).write is not None and m.__name__ not in ELSEWHERE]


class _Caller:
    def __init__(self, role: str) -> None:
        self.user_id, self.roles = 1, frozenset({role})


def allowed_role(rule: Any, key: str) -> str | None:
    """A tenant role the rule allows; else PLATFORM when only platform roles may (None: nobody)."""
    found = next((role for role in FAMILY_ROLES[key] if rule.allows(_Caller(role))), None)
    return found or (PLATFORM if rule.allows(_Caller("SUPER_ADMIN")) else None)


def refused_role(rule: Any, key: str) -> str | None:
    return next((role for role in FAMILY_ROLES[key] if not rule.allows(_Caller(role))), None)


def _lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


class Tenants:
    """Two tenants per family (A: where rows are made, B: the foreign one), a user per role in each."""

    def __init__(
        self, client: Any, engine: Any, tenants: dict[str, tuple[int, int]], users: dict[tuple[int, str], str]
    ):
        self.client, self.engine, self.tenants, self.users = client, engine, tenants, users
        self.tokens: dict[str, str] = {}

    async def rows(self, model: type, key: str) -> int:
        """Rows of `model` in tenant A (read as the owner)."""
        from sqlalchemy import func, select

        async with self.engine.connect() as conn:
            table = model.__table__
            return await conn.scalar(
                select(func.count()).select_from(table).where(table.c[key] == self.tenants[key][0])
            )

    def gid(self, key: str, tenant_id: int) -> str:
        return encode_gid("School" if key == "school_id" else "Hostel", tenant_id)

    async def caller(self, key: str, which: int, role: str) -> GQL:
        """A client of the user holding `role` in tenant A (0) or B (1) of the family, in that
        tenant; PLATFORM: the demo super admin, in that tenant."""
        tenant_id = self.tenants[key][which]
        email = "superadmin@demo.campus" if role == PLATFORM else self.users[(tenant_id, role)]
        if email not in self.tokens:
            tokens = await login(self.client, email)
            assert tokens["errors"] == [], tokens
            self.tokens[email] = tokens["accessToken"]
        g = GQL(self.client)
        g.headers = {"Authorization": f"Bearer {self.tokens[email]}", "X-Tenant-Id": self.gid(key, tenant_id)}
        return g


@pytest.fixture(scope="module")
async def contract_tenants(db, pg_url, app) -> Any:
    from auth.passwords import hash_password
    import demo

    password = hash_password(demo.DEMO_PASSWORD)
    schools = await make_schools(db, unique("CONTRACT"), 2, sessions_per_school=1)
    users: dict[tuple[int, str], str] = {}
    async with db.acquire() as conn, conn.transaction():
        hostels = [
            await conn.fetchval(
                "INSERT INTO hostels (name, slug, hostel_type) VALUES ($1, $2, 'CO_ED') RETURNING id",
                f"Contract hostel {n}",
                unique("contract").lower(),
            )
            for n in range(2)
        ]
        for key, ids in (("school_id", [s["id"] for s in schools]), ("hostel_id", hostels)):
            for tenant_id in ids:
                for role in FAMILY_ROLES[key]:
                    email = f"{unique(role).lower()}@contract.test"
                    user_id = await conn.fetchval(
                        "INSERT INTO users (email, full_name, password_hash, role, school_id) VALUES ($1, $2, $3, $4, $5) "
                        "RETURNING id",
                        email,
                        f"Contract {role.title()}",
                        password,
                        role,
                        tenant_id if key == "school_id" else None,
                    )
                    await conn.execute(
                        f"INSERT INTO role_assignments (user_id, role, {key}) VALUES ($1, $2, $3)",
                        user_id,
                        role,
                        tenant_id,
                    )
                    users[(tenant_id, role)] = email
    engine = create_async_engine(pg_url, pool_size=2)
    # the hostel's HOSTEL_STUDENT user lives there: a resident record of theirs (services that
    # take "only a resident" see one)
    from demo.generated import Generator
    from models import HostelStudent
    from sqlalchemy import insert

    async with AsyncSession(engine) as session, session.begin():
        for hostel_id in hostels:
            row = await Generator(session).values(HostelStudent, hostel_id)
            async with db.acquire() as conn:
                row["user_id"] = await conn.fetchval(
                    "SELECT id FROM users WHERE email = $1", users[(hostel_id, "HOSTEL_STUDENT")]
                )
            await session.execute(insert(HostelStudent.__table__).values(row))
    import httpx

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway.test") as client:
        yield Tenants(
            client, engine, {"school_id": (schools[0]["id"], schools[1]["id"]), "hostel_id": tuple(hostels)}, users
        )
    await engine.dispose()


def graphql_value(model: type, attr: str, value: Any) -> Any:
    """A Python column value as the API takes it (references as global IDs)."""
    spec = spec_for_model(model)
    for rel in spec.relations.values():
        if rel.kind == "one" and rel.local_attr == attr and value is not None:
            return encode_gid(rel.target.name, value)
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, (Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    return value


async def create_values(tenants: Tenants, model: type, tenant_id: int) -> dict[str, Any]:
    """The create input of `model`: every writable field, generated (references made first when required)."""
    fields = declaration(model).write.fields
    async with AsyncSession(tenants.engine) as session, session.begin():
        row = await Generator(session).values(model, tenant_id, only=set(fields))
    table = model.__table__
    by_attr = {
        model.__mapper__.get_property_by_column(table.c[name]).key: value
        for name, value in row.items()
        if name != model.__tenant_key__
    }
    values = {camel(attr): graphql_value(model, attr, value) for attr, value in by_attr.items() if attr in fields}
    if model.__name__ == "CalendarBlock":  # the generator fills optional references when the tenant has a row to
        # point at (another test's room, in some orders): a block's target must agree with its scope
        values.update({"roomId": None, "bedId": None} if values.get("scope") == "HOSTEL" else {})
    return values


def changed_field(model: type) -> tuple[str, Any] | None:
    """(GraphQL name, new value) of one updatable plain field: text first, then numbers, then flags."""
    if model.__name__ in UPDATES:
        return UPDATES[model.__name__]
    w = declaration(model).write
    spec = spec_for_model(model)
    refs = {rel.local_attr for rel in spec.relations.values() if rel.kind == "one"}
    updatable = [a for a in w.fields if a not in w.immutable and a not in refs and a in spec.columns]
    from sqlalchemy import Boolean, Integer, String

    for kind in (String, Integer, Boolean):
        for attr in updatable:
            column = spec.columns[attr]
            if isinstance(column.type, kind) and not spec.enum_attrs.get(attr):
                value = column_value(column)
                if kind is Integer:
                    value = 2
                if kind is Boolean:
                    value = True
                return camel(attr), value
    return None


async def _payload(g: GQL, mutation: str, input_type: str, variables: dict[str, Any], selection: str) -> dict[str, Any]:
    body = await g(
        f"mutation($i: {input_type}!) {{ {mutation}(input: $i) {{ {selection} }} }}",
        {"i": variables},
        expect_errors=True,
    )
    return body


async def _node(g: GQL, type_name: str, gid: str, fields: str = "") -> Any:
    body = await g(
        f"query($id: ID!) {{ node(id: $id) {{ id ... on {type_name} {{ __typename {fields} }} }} }}",
        {"id": gid},
        expect_errors=True,
    )
    assert "errors" not in body or body.get("data"), body
    return (body.get("data") or {}).get("node")


@pytest.mark.parametrize("model", writable_models(), ids=lambda m: m.__name__)
async def test_entity_contract(contract_tenants: Tenants, model: type) -> None:
    tenants = contract_tenants
    decl = declaration(model)
    w = decl.write
    spec = spec_for_model(model)
    name, base, key = spec.name, _lower_first(spec.name), model.__tenant_key__
    if key not in FAMILY_ROLES:
        pytest.skip(f"{name} is not a tenant entity: the contract needs two tenants of its family")
    verbs = w.verbs or (VERBS if "active" in spec.columns else VERBS[:2])
    first = next(v for v in VERBS if v in verbs)
    role = allowed_role(w.rule(first), key)
    assert role is not None, f"{name}: no tenant role may {first} it ({w.rule(first).description})"
    writer = await tenants.caller(key, 0, role)

    # create (or, for an entity its workflows create, a generated row), read back
    values = await create_values(tenants, model, tenants.tenants[key][0]) if "create" in verbs else {}
    if "create" in verbs:
        body = await _payload(writer, f"{base}Create", f"{name}CreateInput", values, f"{base} {{ id }} {ERR}")
        assert "errors" not in body, f"{name}Create as {role}: {body.get('errors')}"
        payload = body["data"][f"{base}Create"]
        assert payload["errors"] == [], f"{name}Create as {role} with {values}: {payload['errors']}"
        gid = payload[base]["id"]
    else:
        from demo.generated import Generator

        async with AsyncSession(tenants.engine) as session, session.begin():
            gid = encode_gid(name, await Generator(session).insert(model, tenants.tenants[key][0]))
    reader = await tenants.caller(key, 0, allowed_role(decl.read, key) or role)
    assert (await _node(reader, name, gid))["id"] == gid, f"{name}: node(id:) does not read back the created row"

    # update one writable field
    change = changed_field(model) if "update" in verbs else None
    if change is not None:
        field, value = change
        updater = await tenants.caller(key, 0, allowed_role(w.rule("update"), key) or role)
        body = await _payload(
            updater, f"{base}Update", f"{name}UpdateInput", {"id": gid, field: value}, f"{base} {{ id {field} }} {ERR}"
        )
        assert "errors" not in body, f"{name}Update: {body.get('errors')}"
        payload = body["data"][f"{base}Update"]
        assert payload["errors"] == [] and payload[base][field] == value, f"{name}Update: {payload}"
        after_update = await _node(updater, name, gid, field)
        assert after_update[field] == value, f"{name}Update did not change {field}"

        # the same role in the other tenant: NOT_FOUND writing, null reading
        update_role = allowed_role(w.rule("update"), key) or role
        if update_role != PLATFORM:  # a platform role works in every tenant
            outsider = await tenants.caller(key, 1, update_role)
            body = await _payload(
                outsider, f"{base}Update", f"{name}UpdateInput", {"id": gid, field: values.get(field, value)}, ERR
            )
            assert "errors" not in body, f"{name}Update by another tenant: {body.get('errors')}"
            assert [e["code"] for e in body["data"][f"{base}Update"]["errors"]] == ["NOT_FOUND"], (
                f"{name}Update by another tenant's {update_role}: {body['data']}"
            )
            assert await _node(outsider, name, gid) is None, f"{name}: another tenant's {update_role} reads the row"

        # a role the rule refuses: FORBIDDEN, nothing changes
        refused = refused_role(w.rule("update"), key)
        if refused is not None:
            stranger = await tenants.caller(key, 0, refused)
            body = await _payload(
                stranger, f"{base}Update", f"{name}UpdateInput", {"id": gid, field: values.get(field, value)}, ERR
            )
            assert body.get("data") is None and body["errors"][0]["extensions"]["code"] == "FORBIDDEN", (
                f"{name}Update as {refused}: {body}"
            )
            assert (await _node(updater, name, gid, field))[field] == value, f"{name}Update as {refused} changed it"
    for other in FAMILY_ROLES[key]:  # nobody of the other tenant reads it
        assert await _node(await tenants.caller(key, 1, other), name, gid) is None, (
            f"{name}: another tenant's {other} reads the row"
        )

    refused = refused_role(w.rule("create"), key) if "create" in verbs else None
    if refused is not None:
        stranger = await tenants.caller(key, 0, refused)
        fresh = await create_values(tenants, model, tenants.tenants[key][0])
        before = await tenants.rows(model, key)
        body = await _payload(stranger, f"{base}Create", f"{name}CreateInput", fresh, f"{base} {{ id }} {ERR}")
        assert body.get("data") is None and body["errors"][0]["extensions"]["code"] == "FORBIDDEN", (
            f"{name}Create as {refused}: {body}"
        )
        assert await tenants.rows(model, key) == before, f"{name}Create as {refused} made a row"

    # deactivate
    if "deactivate" in verbs:
        deactivator = await tenants.caller(key, 0, allowed_role(w.rule("deactivate"), key) or role)
        body = await _payload(
            deactivator, f"{base}Deactivate", f"{name}DeactivateInput", {"id": gid}, f"{base} {{ id active }} {ERR}"
        )
        assert "errors" not in body, f"{name}Deactivate: {body.get('errors')}"
        payload = body["data"][f"{base}Deactivate"]
        assert payload["errors"] == [] and payload[base]["active"] is False, f"{name}Deactivate: {payload}"


def test_every_model_and_domain_is_found_by_walking_the_packages() -> None:
    """Discovery, not lists: every mapped model is `models.<Name>`, and every module under
    `schema/` with a Query, mutations or subscriptions is composed into the root schema."""
    import pkgutil

    import models
    import schema
    from models.base import Base
    from schema.root import DOMAINS

    assert all(getattr(models, m.class_.__name__, None) is m.class_ for m in Base.registry.mappers)
    names = {info.name for info in pkgutil.walk_packages(schema.__path__, "schema.")}
    composed = {module.__name__ for module in DOMAINS}
    for name in names - {"schema.root"}:
        module = __import__(name, fromlist=["_"])
        roots = ("Query", "mutations", "subscriptions")
        assert (name in composed) == any(hasattr(module, r) for r in roots), name
