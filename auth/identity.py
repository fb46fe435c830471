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

import re
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import orjson

from auth.tokens import AccessClaims
from models.user import PLATFORM_ROLES

PLATFORM = frozenset(r.value for r in PLATFORM_ROLES)

# The aggregates are ordered: the row's fingerprint (md5 of its JSON) must be the same for the
# same data, as the cache's check compares it (`IdentityCache`). The tenants whose session and
# time zone are read are collected into one array first: `id = ANY(array)` is a primary-key
# lookup, where `id = $4 OR id = s.school_id OR id IN (...)` scanned every school.
IDENTITY_SQL = """
SELECT u.email, u.full_name,
       (u.active AND u.status = 'ACTIVE') AS user_ok,
       (s.revoked_at IS NULL AND s.expires_at > now()) AS session_ok,
       EXISTS (SELECT 1 FROM blacklisted_tokens b WHERE b.jti = $3::uuid) AS revoked,
       s.school_id AS login_school_id, s.hostel_id AS login_hostel_id,
       coalesce((SELECT json_agg(json_build_array(ra.role, ra.school_id, ra.hostel_id) ORDER BY ra.id)
                   FROM role_assignments ra WHERE ra.user_id = u.id AND ra.active), '[]') AS memberships,
       au.id AS admin_user_id,
       coalesce((SELECT json_agg(a.hostel_id ORDER BY a.hostel_id) FROM admin_hostel_assignments a
                  WHERE a.admin_user_id = au.id AND a.status = 'ACTIVE'), '[]') AS admin_hostels,
       hc.active_hostel_id AS context_hostel_id,
       (SELECT sc.active FROM schools sc WHERE sc.id = $4) AS requested_school_active,
       (SELECT h.active FROM hostels h WHERE h.id = $5) AS requested_hostel_active,
       coalesce((SELECT json_object_agg(sc.id, json_build_array(sc.current_session_id, sc.time_zone) ORDER BY sc.id)
                   FROM schools sc
                  WHERE sc.id = ANY (ARRAY[$4::bigint, s.school_id]
                                     || ARRAY(SELECT ra.school_id FROM role_assignments ra
                                               WHERE ra.user_id = u.id AND ra.active AND ra.school_id IS NOT NULL))),
                '{}') AS current_sessions,
       coalesce((SELECT json_object_agg(h.id, h.time_zone ORDER BY h.id) FROM hostels h
                  WHERE h.id = ANY (ARRAY[$5::bigint, s.hostel_id]
                                    || ARRAY(SELECT ra.hostel_id FROM role_assignments ra
                                              WHERE ra.user_id = u.id AND ra.active AND ra.hostel_id IS NOT NULL)
                                    || ARRAY(SELECT a.hostel_id FROM admin_hostel_assignments a
                                              WHERE a.admin_user_id = au.id AND a.status = 'ACTIVE'))),
                '{}') AS hostel_zones
  FROM users u
  JOIN user_sessions s ON s.id = $2 AND s.user_id = u.id
  LEFT JOIN admin_users au ON au.user_id = u.id AND au.status = 'ACTIVE'
  LEFT JOIN hostel_contexts hc ON hc.admin_user_id = au.id
 WHERE u.id = $1
"""

# The row with its fingerprint: what the cache keeps, and what its check recomputes.
FINGERPRINTED_SQL = f"SELECT i.*, md5(row_to_json(i)::text) AS fingerprint FROM ({IDENTITY_SQL}) i"

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
    # from IdentityCache: the statement that re-checks the cached row with BEGIN, and the entry
    check: tuple[tuple[Any, ...], str] | None = field(default=None, repr=False)  # (params, fingerprint)
    cache_key: tuple[Any, ...] | None = field(default=None, repr=False)

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


IDENTITY_CHANGED = "CA401"  # campus_identity_unchanged's SQLSTATE (migration 8d2f6a1c4b37)


class IdentityCache:
    """The identity row of each token (and tenant header) seen lately, in this process.

    It saves the identity statement's round trip, never its check: a read-only request whose
    identity comes from here sends `Identity.check` in the message that begins its
    transaction (kit/db.py `RequestDB.begin`), and that statement recomputes the row in
    PostgreSQL and raises CA401 unless its fingerprint is the cached one. So a revoked token,
    a removed role, a deactivated user or a changed tenant is seen by the very next request
    in every process, with no window and no message between processes to lose (nothing to
    LISTEN for, so it works the same behind PgBouncer): the time of check is the same
    moment as without the cache, just before the request's transaction begins. What the
    cache saves is the round trip; on a change the request pays one more (the statement
    again) and the entry is replaced. Requests that write always run the statement."""

    def __init__(self, size: int = 10_000) -> None:
        self.size = size
        self._rows: OrderedDict[tuple[Any, ...], Any] = OrderedDict()

    def get(self, key: tuple[Any, ...]) -> Any:
        row = self._rows.get(key)
        if row is not None:
            self._rows.move_to_end(key)
        return row

    def put(self, key: tuple[Any, ...], row: Any) -> None:
        self._rows[key] = row
        self._rows.move_to_end(key)
        if len(self._rows) > self.size:
            self._rows.popitem(last=False)

    def drop(self, key: tuple[Any, ...]) -> None:
        self._rows.pop(key, None)


def _literal(value: Any) -> str:
    # ids are ints, the jti a UUID (auth/tokens.py checks both): nothing else reaches the SQL
    if value is None:
        return "NULL"
    if isinstance(value, int):
        return str(int(value))
    return f"'{uuid.UUID(str(value))}'"


# The check, prepared once per connection (kit/db.py `RequestDB.prepared`): planning the
# identity statement costs PostgreSQL more than running it, on every request if sent as text.
CHECK_NAME = "campus_identity_check"
PREPARE_CHECK_SQL = (
    f"PREPARE {CHECK_NAME}(bigint, bigint, uuid, bigint, bigint, text) AS "
    f"SELECT campus_identity_unchanged((SELECT md5(row_to_json(i)::text) FROM ({IDENTITY_SQL}) i), $6)"
)


def check_sql(params: tuple[Any, ...], fingerprint: str, prepared: bool) -> str:
    """The cached row's check as literal SQL for a simple-query message (no parameters there):
    EXECUTE of the prepared check, or the whole statement where nothing can stay prepared
    (behind PgBouncer in transaction mode)."""
    if not re.fullmatch(r"[0-9a-f]{32}", fingerprint):
        raise ValueError("not an md5 fingerprint")
    if prepared:
        return f"EXECUTE {CHECK_NAME}({', '.join(_literal(p) for p in params)}, '{fingerprint}')"
    sql = re.sub(r"\$(\d)", lambda m: _literal(params[int(m.group(1)) - 1]), IDENTITY_SQL)
    return f"SELECT campus_identity_unchanged((SELECT md5(row_to_json(i)::text) FROM ({sql}) i), '{fingerprint}')"


async def resolve(
    db: Any,
    claims: AccessClaims,
    headers: Any,
    request_id: str,
    client_ip: str | None,
    cache: IdentityCache | None = None,
    from_cache: bool = False,
) -> Identity:
    """The caller's identity. A row read is kept in `cache`; with `from_cache` (read-only
    requests, which send the check with their BEGIN), a token seen before takes its row from
    the cache and the identity carries the `check`."""
    requested = _tenant_of_header(headers.get("x-tenant-id"))
    requested_session = _session_of_header(headers.get("x-session-id"))
    params = (
        claims.user_id,
        claims.session_id,
        claims.jti,
        requested.id if requested and requested.kind == "School" else None,
        requested.id if requested and requested.kind == "Hostel" else None,
    )
    key = (claims.jti, *params)
    if cache is not None and from_cache:
        row = cache.get(key)
        if row is not None:
            identity, switch = _build(row, claims, requested, requested_session)
            if not switch:  # a context switch is written by the statement's path below
                identity.cache_key = key
                identity.check = (params, row["fingerprint"])
                return identity
            cache.drop(key)
    rows = await db.fetch_unscoped(FINGERPRINTED_SQL, params)
    if not rows:
        raise IdentityError(401, "UNAUTHENTICATED", "The session of this token has ended; log in again.")
    row = rows[0]
    identity, switch = _build(row, claims, requested, requested_session)
    if switch:
        tenant = identity.tenant
        assert tenant is not None  # _build asks for a switch only into a hostel
        await db.fetch_unscoped(
            RECORD_SWITCH_SQL,
            (identity.admin_user_id, row["context_hostel_id"], tenant.id, request_id[:64] or None, client_ip),
        )
    elif cache is not None:
        cache.put(key, row)
        identity.cache_key = key
    return identity


def _build(
    row: Any, claims: AccessClaims, requested: Tenant | None, requested_session: int | None
) -> tuple[Identity, bool]:
    """The identity the row and the headers give, and whether it is a context switch to record."""
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
    switch = (
        tenant is not None
        and tenant.kind == "Hostel"
        and identity.admin_user_id is not None
        and "HOSTEL_ADMIN" in identity.hostel_roles.get(tenant.id, ())
        and row["context_hostel_id"] != tenant.id
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
    return identity, switch


async def check_requested_session(db: Any, identity: Identity, requested: bool) -> None:
    """Inside the scoped transaction: the requested session must belong to the school."""
    if not requested or identity.academic_session_id is None:
        return
    rows = await db.fetch(SESSION_OF_SCHOOL_SQL, (identity.academic_session_id,), setup=True)
    if not rows or identity.tenant is None or rows[0][0] != identity.tenant.id:
        raise IdentityError(400, "BAD_SESSION", "X-Session-Id is not an academic session of the active school.")
