"""The request context (`info.context`): who is asking, in which tenant and session,
on which connection. Resolvers take scope only from here, never from arguments."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, false, or_

from kit.db import RequestDB

if TYPE_CHECKING:
    from kit.settings import Settings
from kit.loaders import LoaderRegistry
from kit.registry import VISIBILITY, EntitySpec


@dataclass
class RequestContext:
    settings: Settings
    db: RequestDB
    request_id: str
    client_ip: str | None = None
    # identity (auth/identity.py); None for anonymous callers
    identity: Any = None
    user_id: int | None = None
    roles: frozenset[str] = frozenset()
    auth_problem: str | None = None  # e.g. an expired token: explains UNAUTHENTICATED errors
    # the user whose password or refresh token this request just proved (tokenCreate,
    # tokenRefresh): the request still runs as `user_id` (anonymous), but the login's payload
    # shows that user their own record, as their next request with the token would
    proven_user_id: int | None = None
    # scope: the active tenant of each family and the resolved academic session
    school_id: int | None = None
    hostel_id: int | None = None
    session_id: int | None = None
    platform_read: bool = False  # platform role without a tenant: reads every tenant, writes none
    loaders: LoaderRegistry = field(init=False)
    request: Any = None

    def __post_init__(self) -> None:
        self.loaders = LoaderRegistry(self)

    def self_id(self) -> int | None:
        """Whose user record is the caller's own: the user a login in this request proved, else
        the token's."""
        return self.proven_user_id if self.proven_user_id is not None else self.user_id

    def visibility(self, spec: EntitySpec, alias: Any, bind: Any) -> tuple[Any, list[Any]]:
        """What of `spec`'s table this caller may see, for every statement that reads it
        (the shared query builder's isolation layer 1): the tenant predicate, and the type's
        row filter (a school admin's own school, a user's own sessions, ...). Returns the
        part of the statement's cache key that names the conditions' shape, and the conditions."""
        conditions: list[Any] = []
        shape: list[Any] = []
        key = spec.tenant_key
        if key is not None:
            tenant = self.school_id if key == "school_id" else self.hostel_id
            if tenant is not None:
                if getattr(spec.model, "__account_scope__", False) and spec.owner_key and self.user_id is not None:
                    # and one's own rows of no tenant (account mail; RLS: owner_read), never another's
                    own = and_(alias.c[key].is_(None), alias.c[spec.owner_key] == bind(self.user_id))
                    conditions.append(or_(alias.c[key] == bind(tenant), own))
                    shape.append("tenant-or-account")
                else:
                    conditions.append(alias.c[key] == bind(tenant))
                    shape.append("tenant")
            elif self.platform_read:
                pass
            elif getattr(spec.model, "__public_catalogue__", False):
                # visitors browse public listing data of public, active hostels (RLS: public_catalogue)
                conditions.append(alias.c[key].in_(spec.public_tenants()))
                shape.append("catalogue")
            elif spec.owner_key and self.user_id is not None:
                # without a tenant a caller sees only their own rows (a visitor's bookings; RLS: owner_read)
                conditions.append(alias.c[spec.owner_key] == bind(self.user_id))
                shape.append("owner")
            elif spec.owner_via_key and self.user_id is not None:
                # records of a booking the caller made (its guest, approval, refund...; RLS: owner_read)
                conditions.append(alias.c[spec.owner_via_key].in_(spec.owned_via().ids_owned_by(bind(self.user_id))))
                shape.append("owner-via")
            else:
                conditions.append(false())
                shape.append("none")
        row_filter = VISIBILITY.get(spec.name)
        if row_filter is not None:
            result = row_filter(self, alias, bind)
            if result is not None:
                branch, condition = result if isinstance(result, tuple) else (None, result)
                conditions.append(condition)
                shape.append(("row", branch))
        return tuple(shape), conditions
