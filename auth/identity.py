"""Who is asking, and in which tenant and academic session: resolved once per request.

One statement (before the request's transaction, so row-level security does not apply to
these platform tables) checks that the token's session is alive, its jti not revoked and
its user active, and returns the user's memberships. The tenant is then chosen:

- `X-Tenant-Id` (a School or Hostel ID) switches tenant: platform roles to any existing
  tenant; everyone else only among tenants where they hold a role (a hostel admin among
  the hostels assigned to them — recorded as a `ContextSwitch`). Anything else is refused
  with the same error whether or not the tenant exists.
- otherwise the tenant chosen at login, or the user's only tenant.

For a school, `X-Session-Id` must name an academic session of that school; without it the
school's current session is used. Every session-scoped resolver reads `ctx.session_id`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from auth.tokens import AccessClaims
from models.user import PLATFORM_ROLES

PLATFORM = frozenset(r.value for r in PLATFORM_ROLES)

IDENTITY_SQL = """
SELECT u.email, u.full_name,
       (u.active AND u.status = 'ACTIVE') AS user_ok,
       (s.revoked_at IS NULL AND s.expires_at > now()) AS session_ok,
       EXISTS (SELECT 1 FROM blacklisted_tokens b WHERE b.jti = $3::uuid) AS revoked,
       s.school_id AS login_school_id, s.hostel_id AS login_hostel_id,
       coalesce((SELECT json_agg(json_build_array(ra.role, ra.school_id, ra.hostel_id))
                   FROM role_assignments ra WHERE ra.user_id = u.id AND ra.active), '[]') AS memberships,
       au.id AS admin_user_id,
       coalesce((SELECT json_agg(a.hostel_id) FROM admin_hostel_assignments a
                  WHERE a.admin_user_id = au.id AND a.status = 'ACTIVE'), '[]') AS admin_hostels,
       hc.active_hostel_id AS context_hostel_id,
       (SELECT sc.active FROM schools sc WHERE sc.id = $4) AS requested_school_active,
       (SELECT h.active FROM hostels h WHERE h.id = $5) AS requested_hostel_active,
       coalesce((SELECT json_object_agg(sc.id, json_build_array(sc.current_session_id, sc.time_zone)) FROM schools sc
                  WHERE sc.id = $4 OR sc.id = s.school_id
                     OR sc.id IN (SELECT ra.school_id FROM role_assignments ra WHERE ra.user_id = u.id AND ra.active)),
                '{}') AS current_sessions,
       coalesce((SELECT json_object_agg(h.id, h.time_zone) FROM hostels h
                  WHERE h.id = $5 OR h.id = s.hostel_id
                     OR h.id IN (SELECT ra.hostel_id FROM role_assignments ra WHERE ra.user_id = u.id AND ra.active)
                     OR h.id IN (SELECT a.hostel_id FROM admin_hostel_assignments a
                                  WHERE a.admin_user_id = au.id AND a.status = 'ACTIVE')),
                '{}') AS hostel_zones
  FROM users u
  JOIN user_sessions s ON s.id = $2 AND s.user_id = u.id
  LEFT JOIN admin_users au ON au.user_id = u.id AND au.status = 'ACTIVE'
  LEFT JOIN hostel_contexts hc ON hc.admin_user_id = au.id
 WHERE u.id = $1
"""

RECORD_SWITCH_SQL = """
WITH ctx AS (
  INSERT INTO hostel_contexts (admin_user_id, active_hostel_id, activated_at, switch_count, cached_stats)
  VALUES ($1, $3, now(), 1, '{}')
  ON CONFLICT (admin_user_id) DO UPDATE
     SET active_hostel_id = EXCLUDED.active_hostel_id, activated_at = now(),
         switch_count = hostel_contexts.switch_count + 1
  RETURNING admin_user_id)
INSERT INTO context_switches (admin_user_id, from_hostel_id, to_hostel_id, switched_at, request_id, ip_address)
SELECT $1, $2, $3, now(), $4, $5 FROM ctx
"""

SESSION_OF_SCHOOL_SQL = "SELECT school_id FROM academic_sessions WHERE id = $1"


def _json(value: Any) -> Any:
    # SQLAlchemy's asyncpg dialect installs a JSON codec on its connections; plain asyncpg does not
    return orjson.loads(value) if isinstance(value, (str, bytes)) else value


class IdentityError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code = status, code


@dataclass
class Tenant:
    kind: str  # "School" | "Hostel"
    id: int


@dataclass
class Identity:
    user_id: int
    login_session_id: int
    jti: str
    email: str
    full_name: str | None
    platform_roles: frozenset[str]
    school_roles: dict[int, set[str]] = field(default_factory=dict)
    hostel_roles: dict[int, set[str]] = field(default_factory=dict)
    admin_user_id: int | None = None
    tenant: Tenant | None = None
    academic_session_id: int | None = None
    time_zone: str | None = None  # the active school's or hostel's: what "today" means for this request
    hostel_zones: dict[int, str] = field(default_factory=dict)  # of the hostels the user may be in

    @property
    def roles(self) -> frozenset[str]:
        """The roles in force: platform roles plus those held in the active tenant."""
        active: set[str] = set()
        if self.tenant is not None:
            table = self.school_roles if self.tenant.kind == "School" else self.hostel_roles
            active = table.get(self.tenant.id, set())
        return self.platform_roles | active

    def tenants(self) -> list[Tenant]:
        return [Tenant("School", i) for i in sorted(self.school_roles)] + [
            Tenant("Hostel", i) for i in sorted(self.hostel_roles)
        ]


def _header_id(value: str | None, kinds: tuple[str, ...], code: str, message: str) -> tuple[str, int] | None:
    """A header carrying a global ID of one of `kinds`, or a clear 400."""
    if not value:
        return None
    from kit.ids import InvalidId, decode_gid

    try:
        kind, pk = decode_gid(value)
    except InvalidId:
        kind, pk = "", 0
    if kind not in kinds:
        raise IdentityError(400, code, message)
    return kind, pk


def _tenant_of_header(value: str | None) -> Tenant | None:
    found = _header_id(value, ("School", "Hostel"), "BAD_TENANT", "X-Tenant-Id must be the ID of a School or a Hostel.")
    return Tenant(*found) if found else None


def _session_of_header(value: str | None) -> int | None:
    found = _header_id(value, ("AcademicSession",), "BAD_SESSION", "X-Session-Id must be the ID of an AcademicSession.")
    return found[1] if found else None


async def resolve(db: Any, claims: AccessClaims, headers: Any, request_id: str, client_ip: str | None) -> Identity:
    requested = _tenant_of_header(headers.get("x-tenant-id"))
    requested_session = _session_of_header(headers.get("x-session-id"))
    rows = await db.fetch_unscoped(
        IDENTITY_SQL,
        (
            claims.user_id,
            claims.session_id,
            claims.jti,
            requested.id if requested and requested.kind == "School" else None,
            requested.id if requested and requested.kind == "Hostel" else None,
        ),
    )
    if not rows:
        raise IdentityError(401, "UNAUTHENTICATED", "The session of this token has ended; log in again.")
    row = rows[0]
    if not row["session_ok"] or row["revoked"] or not row["user_ok"]:
        raise IdentityError(401, "UNAUTHENTICATED", "The session of this token has ended; log in again.")

    identity = Identity(
        claims.user_id,
        claims.session_id,
        claims.jti,
        row["email"],
        row["full_name"],
        frozenset(),
        admin_user_id=row["admin_user_id"],
    )
    platform: set[str] = set()
    for role, school_id, hostel_id in _json(row["memberships"]):
        if school_id is not None:
            identity.school_roles.setdefault(school_id, set()).add(role)
        elif hostel_id is not None:
            identity.hostel_roles.setdefault(hostel_id, set()).add(role)
        elif role in PLATFORM:
            platform.add(role)
    for hostel_id in _json(row["admin_hostels"]):
        identity.hostel_roles.setdefault(hostel_id, set()).add("HOSTEL_ADMIN")
    identity.platform_roles = frozenset(platform)

    # the tenant
    if requested is not None:
        member = requested.id in (identity.school_roles if requested.kind == "School" else identity.hostel_roles)
        exists = row["requested_school_active"] if requested.kind == "School" else row["requested_hostel_active"]
        if not (member or (identity.platform_roles and exists is not None)):
            raise IdentityError(403, "FORBIDDEN", "You hold no role in the tenant named by X-Tenant-Id.")
        identity.tenant = requested
    elif row["login_school_id"] is not None and (
        row["login_school_id"] in identity.school_roles or identity.platform_roles
    ):
        identity.tenant = Tenant("School", row["login_school_id"])
    elif row["login_hostel_id"] is not None and (
        row["login_hostel_id"] in identity.hostel_roles or identity.platform_roles
    ):
        identity.tenant = Tenant("Hostel", row["login_hostel_id"])
    else:
        tenants = identity.tenants()
        identity.tenant = tenants[0] if len(tenants) == 1 else None

    # a hostel admin working in another hostel than last time: a context switch
    tenant = identity.tenant
    if (
        tenant is not None
        and tenant.kind == "Hostel"
        and identity.admin_user_id is not None
        and "HOSTEL_ADMIN" in identity.hostel_roles.get(tenant.id, ())
        and row["context_hostel_id"] != tenant.id
    ):
        await db.fetch_unscoped(
            RECORD_SWITCH_SQL,
            (identity.admin_user_id, row["context_hostel_id"], tenant.id, request_id[:64] or None, client_ip),
        )

    # the academic session
    if tenant is not None and tenant.kind == "School":
        current, identity.time_zone = _json(row["current_sessions"]).get(str(tenant.id)) or [None, None]
        identity.academic_session_id = current
        if requested_session is not None:
            identity.academic_session_id = requested_session  # checked under the tenant's RLS below
    elif requested_session is not None:
        raise IdentityError(400, "BAD_SESSION", "X-Session-Id applies to a school tenant only.")
    identity.hostel_zones = {int(k): v for k, v in _json(row["hostel_zones"]).items()}
    if tenant is not None and tenant.kind == "Hostel":
        identity.time_zone = identity.hostel_zones.get(tenant.id)
    return identity


async def check_requested_session(db: Any, identity: Identity, requested: bool) -> None:
    """Inside the scoped transaction: the requested session must belong to the school."""
    if not requested or identity.academic_session_id is None:
        return
    rows = await db.fetch(SESSION_OF_SCHOOL_SQL, (identity.academic_session_id,), setup=True)
    if not rows or identity.tenant is None or rows[0][0] != identity.tenant.id:
        raise IdentityError(400, "BAD_SESSION", "X-Session-Id is not an academic session of the active school.")
