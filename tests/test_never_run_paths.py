"""Root mutations no test called before issue 19 and that the generic entity contract
(tests/test_entity_contract.py) does not reach: the platform's own master data (admin roles,
permission templates and groups: no tenant, so no two tenants to contract over), `userUpdate`
and `hostelDeactivate`. Success paths, and a refused caller changing nothing.
(tests/test_mutation_coverage.py keeps the list of root mutations no test calls.)
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from kit.ids import encode_gid
from tests.conftest import as_user, login, unique

ERR = "errors { code field message }"

# entity, its create input (besides the unique name), the field an update changes, and its new value
MASTER_DATA = {
    "AdminRole": (
        {"code": "X", "description": "Floor wardens", "level": 3, "permissions": ["booking.read", "room.read"]},
        "fields: name code description level permissions active",
        ("level", 4),
    ),
    "PermissionTemplate": (
        {"description": "Night desk", "permissionKeys": ["booking.read"], "permissionLevel": "VIEW_ONLY"},
        "fields: name description permissionKeys permissionLevel active",
        ("permissionLevel", "MANAGER"),
    ),
    "PermissionGroup": (
        {"description": "Rooms", "permissionKeys": ["room.read", "room.write"]},
        "fields: name description permissionKeys active",
        ("permissionKeys", ["room.read"]),
    ),
}


# the mutations each runs, spelled out (tests/test_mutation_coverage.py looks for the names)
VERBS_OF = {
    "AdminRole": {"Create": "adminRoleCreate", "Update": "adminRoleUpdate", "Deactivate": "adminRoleDeactivate"},
    "PermissionTemplate": {
        "Create": "permissionTemplateCreate",
        "Update": "permissionTemplateUpdate",
        "Deactivate": "permissionTemplateDeactivate",
    },
    "PermissionGroup": {
        "Create": "permissionGroupCreate",
        "Update": "permissionGroupUpdate",
        "Deactivate": "permissionGroupDeactivate",
    },
}


async def _node(g: Any, name: str, gid: str, fields: str) -> Any:
    body = await g(f"query($id: ID!) {{ node(id: $id) {{ ... on {name} {{ {fields} }} }} }}", {"id": gid})
    return body["data"]["node"]


@pytest.mark.parametrize("name", sorted(MASTER_DATA))
async def test_platform_master_data_is_created_updated_and_deactivated_by_platform_roles_only(client, name):
    values, fields, (field, new_value) = MASTER_DATA[name]
    fields = fields.removeprefix("fields: ")
    base = name[:1].lower() + name[1:]
    create_m, update_m, deactivate_m = (VERBS_OF[name][v] for v in ("Create", "Update", "Deactivate"))
    platform = await as_user(client, "platform@demo.campus")  # PLATFORM_ADMIN, the role finance tests lacked
    warden = await as_user(client, "warden@sunrise.demo")  # HOSTEL_ADMIN: reads admin roles, may not write them
    label = unique(name)
    create = {**values, "name": label, **({"code": label.upper()} if "code" in values else {})}

    refused = await warden(
        f"mutation($i: {name}CreateInput!) {{ {create_m}(input: $i) {{ {base} {{ id }} {ERR} }} }}",
        {"i": create},
        expect_errors=True,
    )
    assert refused["data"] is None and refused["errors"][0]["extensions"]["code"] == "FORBIDDEN", refused

    made = (
        await platform(
            f"mutation($i: {name}CreateInput!) {{ {create_m}(input: $i) {{ {base} {{ id {fields} }} {ERR} }} }}",
            {"i": create},
        )
    )["data"][create_m]
    assert made["errors"] == [], made
    row = made[base]
    gid = row.pop("id")
    assert row == {**create, "active": True}
    # a second row under the same code is refused, and says which field
    if "code" in values:
        again = (
            await platform(
                f"mutation($i: {name}CreateInput!) {{ {create_m}(input: $i) {{ {base} {{ id }} {ERR} }} }}",
                {"i": {**create, "name": unique(name)}},
            )
        )["data"][create_m]
        assert again[base] is None and [(e["code"], e["field"]) for e in again["errors"]] == [
            ("CONFLICT", ["input", "code"])
        ], again

    # a hostel admin can neither update nor deactivate it; it stays as it was
    for verb, extra in (("Update", {field: new_value}), ("Deactivate", {})):
        body = await warden(
            f"mutation($i: {name}{verb}Input!) {{ {VERBS_OF[name][verb]}(input: $i) {{ {ERR} }} }}",
            {"i": {"id": gid, **extra}},
            expect_errors=True,
        )
        assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "FORBIDDEN", (verb, body)
    assert await _node(platform, name, gid, fields) == {**create, "active": True}

    updated = (
        await platform(
            f"mutation($i: {name}UpdateInput!) {{ {update_m}(input: $i) {{ {base} {{ {fields} }} {ERR} }} }}",
            {"i": {"id": gid, field: new_value}},
        )
    )["data"][update_m]
    assert updated == {"errors": [], base: {**create, field: new_value, "active": True}}
    gone = (
        await platform(
            f"mutation($i: {name}DeactivateInput!) {{ {deactivate_m}(input: $i) {{ {base} {{ {fields} }} {ERR} }} }}",
            {"i": {"id": gid}},
        )
    )["data"][deactivate_m]
    assert gone == {"errors": [], base: {**create, field: new_value, "active": False}}
    assert await _node(platform, name, gid, fields) == {**create, field: new_value, "active": False}


@pytest.fixture
async def own_client(app):
    transport = httpx.ASGITransport(app=app, client=(f"10.7.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}", 5000))
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as c:
        yield c


async def test_user_update_changes_what_the_user_sees_and_the_email_they_log_in_with(gql, client, own_client):
    email, password = f"{unique('upd').lower()}@test.campus", "Update-pass-2026"
    made = (
        await gql(
            """mutation($i: UserCreateInput!) { userCreate(input: $i) { user { id } errors { code } } }""",
            {"i": {"email": email, "role": "VISITOR", "fullName": "Old Name", "password": password}},
        )
    )["data"]["userCreate"]
    assert made["errors"] == []
    uid = made["user"]["id"]
    update = """mutation($i: UserUpdateInput!) { userUpdate(input: $i) { user { email fullName phone } errors { code field message } } }"""

    # a school admin may not change accounts
    school_admin = await as_user(client, "admin@greenwood.demo")
    refused = await school_admin(update, {"i": {"id": uid, "fullName": "Hijacked"}}, expect_errors=True)
    assert refused["data"] is None and refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    new_email = f"{unique('moved').lower()}@test.campus"
    done = (
        await gql(
            update,
            {"i": {"id": uid, "fullName": "New Name", "phone": "+91 90000 12345", "email": f"  {new_email.upper()} "}},
        )
    )["data"]["userUpdate"]
    assert done == {"errors": [], "user": {"email": new_email, "fullName": "New Name", "phone": "+91 90000 12345"}}

    old = await login(own_client, email, password)
    assert old["accessToken"] is None and old["errors"][0]["code"] == "INVALID"
    tokens = await login(own_client, new_email, password)
    assert tokens["errors"] == []
    me = (
        await own_client.post(
            "/graphql",
            json={"query": "{ me { user { email fullName } } }"},
            headers={"Authorization": f"Bearer {tokens['accessToken']}"},
        )
    ).json()
    assert me["data"]["me"]["user"] == {"email": new_email, "fullName": "New Name"}

    # an email another account holds is refused, and nothing changes
    clash = (await gql(update, {"i": {"id": uid, "email": "teacher@greenwood.demo", "fullName": "Clash"}}))["data"][
        "userUpdate"
    ]
    assert clash["user"] is None and [(e["code"], e["field"]) for e in clash["errors"]] == [
        ("CONFLICT", ["input", "email"])
    ]
    me = (
        await own_client.post(
            "/graphql",
            json={"query": "{ me { user { email fullName } } }"},
            headers={"Authorization": f"Bearer {tokens['accessToken']}"},
        )
    ).json()
    assert me["data"]["me"]["user"] == {"email": new_email, "fullName": "New Name"}


async def test_hostel_deactivate_by_a_platform_role_and_not_by_the_hostels_admin(gql, client, db):
    slug = unique("deact").lower()
    made = (
        await gql(
            """mutation($i: HostelCreateInput!) { hostelCreate(input: $i) { hostel { id active } errors { code } } }""",
            {"i": {"name": f"Deact {slug}", "slug": slug, "hostelType": "GIRLS"}},
        )
    )["data"]["hostelCreate"]
    assert made["errors"] == [] and made["hostel"]["active"] is True
    deactivate = (
        """mutation($id: ID!) { hostelDeactivate(input: {id: $id}) { hostel { slug active } errors { code } } }"""
    )

    # the demo hostel's own admin may not close it (and it stays open)
    warden = await as_user(client, "warden@sunrise.demo")
    async with db.acquire() as conn:
        sunrise = await conn.fetchval("SELECT id FROM hostels WHERE slug = 'demo-sunrise'")
    refused = await warden(deactivate, {"id": encode_gid("Hostel", sunrise)}, expect_errors=True)
    assert refused["data"] is None and refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    body = await warden(
        "query($id: ID!) { node(id: $id) { ... on Hostel { active } } }", {"id": encode_gid("Hostel", sunrise)}
    )
    assert body["data"]["node"] == {"active": True}

    done = (await gql(deactivate, {"id": made["hostel"]["id"]}))["data"]["hostelDeactivate"]
    assert done == {"errors": [], "hostel": {"slug": slug, "active": False}}
    body = await gql("query($id: ID!) { node(id: $id) { ... on Hostel { active } } }", {"id": made["hostel"]["id"]})
    assert body["data"]["node"] == {"active": False}
