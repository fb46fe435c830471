"""The request context (`info.context`): who is asking, in which tenant and session,
on which connection. Resolvers take scope only from here, never from arguments."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import false

from gateway.db import RequestDB
from gateway.settings import Settings
from resolvers.common.loaders import LoaderRegistry
from resolvers.common.registry import EntitySpec


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
    # scope: the active tenant of each family and the resolved academic session
    school_id: int | None = None
    hostel_id: int | None = None
    session_id: int | None = None
    platform_read: bool = False  # platform role without a tenant: reads every tenant, writes none
    loaders: LoaderRegistry = field(init=False)
    request: Any = None

    def __post_init__(self) -> None:
        self.loaders = LoaderRegistry(self)

    def tenant_conditions(self, spec: EntitySpec, alias: Any, bind: Any) -> list[Any]:
        """The tenant predicate for a table of `spec` (the shared query builder's layer 1).
        Without an active tenant of its family, a tenant table shows nothing."""
        key = spec.tenant_key
        if key is None:
            return []
        tenant = self.school_id if key == "school_id" else self.hostel_id
        if tenant is None:
            return [] if self.platform_read else [false()]
        return [alias.c[key] == bind(tenant)]
