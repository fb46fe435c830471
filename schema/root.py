"""The root composition: every domain module under `schema/` (one with a `Query` type and/or
a `mutations` tuple) is found by walking the package, plus what the models declare
(`kit.declared.surface()`). Adding a domain edits nothing here."""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType  # noqa: TC003

import strawberry
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

import schema as _package
from kit.declared import surface
from kit.fields import NodeQuery
from kit.scalars import SCALAR_OVERRIDES
from models.base import paused_gc


def domains(package: ModuleType = _package) -> tuple[ModuleType, ...]:
    """The domain modules below `package`, in name order (a package before its modules)."""
    found: list[ModuleType] = []
    for info in sorted(pkgutil.iter_modules(package.__path__, package.__name__ + "."), key=lambda i: i.name):
        if info.name == __name__:
            continue
        module = importlib.import_module(info.name)
        if hasattr(module, "Query") or hasattr(module, "mutations") or hasattr(module, "subscriptions"):
            found.append(module)
        if info.ispkg:
            found.extend(domains(module))
    return tuple(found)


with paused_gc():
    DOMAINS = domains()
    DeclaredQuery, declared_mutations = surface()  # everything models/*/ declare in `__entity__`
Query = merge_types(
    "Query",
    (NodeQuery, *(d.Query for d in DOMAINS if hasattr(d, "Query")), *((DeclaredQuery,) if DeclaredQuery else ())),
)
Mutation = merge_types("Mutation", (*(m for d in DOMAINS for m in getattr(d, "mutations", ())), *declared_mutations))
# live updates (schema/live.py), served over WebSocket (gateway/live.py)
Subscription = merge_types("Subscription", tuple(s for d in DOMAINS for s in getattr(d, "subscriptions", ())))


def build_schema() -> strawberry.Schema:
    from kit.fast_resolvers import install
    from kit import inputs

    schema = strawberry.Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        scalar_overrides=SCALAR_OVERRIDES,
        config=StrawberryConfig(disable_field_suggestions=True),
    )
    install(schema)
    inputs.install(schema)  # every root field's arguments cleaned before its resolver runs
    return schema


def schema_sdl(schema: strawberry.Schema | None = None) -> str:
    """The committed `schema.graphql`. It opens with an explicit `schema { ... }` block (printers
    leave it out when the root types have the usual names), so that every tool reading the file
    (relay-compiler, graphql-codegen, graphql-inspector) knows the roots without guessing."""
    schema = schema or build_schema()
    roots = schema._schema
    block = ["schema {", f"  query: {roots.query_type.name}"]
    if roots.mutation_type is not None:
        block.append(f"  mutation: {roots.mutation_type.name}")
    if roots.subscription_type is not None:
        block.append(f"  subscription: {roots.subscription_type.name}")
    return "\n".join([*block, "}", "", schema.as_str()]) + "\n"
