"""`campus explain <Entity>`: what an entity's declaration generated, read back from the built
schema and the kit's records (nothing here is a second source of truth):

the GraphQL type and its fields (with the field rules protecting some), where the type is
reached, its root lists with their rule and row filter, the filter and order fields, `node(id:)`
access, the mutations returning it with their rules and input fields, and the table's policies
(migrations/policies.py).
"""

from __future__ import annotations

import inspect
from typing import Any

from graphql import GraphQLInputObjectType, GraphQLObjectType, get_named_type


def _rule(rule: Any) -> str:
    return getattr(rule, "description", None) or repr(rule)


def _row_filter(fn: Any) -> str:
    """A row filter by its factory's name and docstring, with the values it closes over."""
    if fn is None:
        return "none beyond the tenant"
    qualname = getattr(fn, "__qualname__", repr(fn))
    factory_name = qualname.split(".<locals>")[0]
    factory = getattr(inspect.getmodule(fn), factory_name, None)
    doc = inspect.getdoc(factory if factory is not None and factory is not fn else fn) or ""
    cells = {
        name: cell.cell_contents
        for name, cell in zip(fn.__code__.co_freevars, fn.__closure__ or ())
        if isinstance(getattr(cell, "cell_contents", None), str | int)
    }
    if factory_name == "readers_only" and fn.__closure__:
        return f"readers only: rows hidden wherever reached from callers the rule refuses ({_rule(fn.__closure__[0].cell_contents)})"
    args = ", ".join(f"{k}={v!r}" for k, v in cells.items())
    first = doc.split("\n\n")[0].replace("\n", " ")
    return f"{fn.__module__}.{factory_name}({args})" + (f": {first}" if first else "")


def _declaration(model: type) -> str:
    decl = model.__dict__.get("__entity__")
    if decl is None:
        return "not declared (a model without __entity__ cannot be imported: models/entity.py)"
    kind = type(decl).__name__
    if kind == "Internal":
        return f"Internal: {decl.reason} (never in the API)"
    from pathlib import Path

    source = Path(inspect.getsourcefile(model) or "?").resolve()
    root = Path(__file__).resolve().parent.parent
    return f"Entity(...) in {source.relative_to(root) if source.is_relative_to(root) else source}"


def _type_str(t: Any) -> str:
    return str(t)


def explain(name: str) -> list[str]:
    """The lines `campus explain` prints for a model (class or table name)."""
    from auth.permissions import DECLARED, FIELD_RULES
    from kit.fields import READ_POLICIES
    from kit.registry import VISIBILITY, get_spec, prose
    from migrations import policies
    from schema.root import build_schema

    model = policies.model_named(name)
    if model is None:
        raise LookupError(f"no model named {name!r} (a model class such as HostelMedia, or its table name)")
    schema = build_schema()._schema
    out = [f"{model.__name__}  (model {model.__module__}.{model.__name__}, table {model.__tablename__})"]
    doc = prose(model.__doc__)
    if doc:
        out.append(f"  {doc}")
    out.append(f"  declaration: {_declaration(model)}")
    spec = get_spec(model.__name__)
    gql = schema.type_map.get(model.__name__)

    out.append("")
    if spec is None or spec.gql_cls is None or not isinstance(gql, GraphQLObjectType):
        out.append("GraphQL type: none (the model is not in the API)")
    else:
        decl = model.__dict__.get("__entity__")
        generated = spec.gql_cls.__module__.split(".")[0] == "kit"  # made by kit/model_types.py, not in schema/
        how = (
            "generated from the model (kit/model_types.py)"
            if generated
            else f"written by hand in {spec.gql_cls.__module__}"
        )
        if getattr(decl, "hand_written", None):
            how += f": {decl.hand_written}"
        out.append(f"GraphQL type {gql.name}: {how}")
        for fname, f in gql.fields.items():
            rule = FIELD_RULES.get(f"{gql.name}.{fname}")
            args = f"({', '.join(f'{a}: {_type_str(v.type)}' for a, v in f.args.items())})" if f.args else ""
            protected = f"  -- protected: {rule.description}" if rule else ""
            out.append(f"  {fname}{args}: {_type_str(f.type)}{protected}")
        reached = sorted(
            f"{t.name}.{fname}"
            for t in schema.type_map.values()
            if isinstance(t, GraphQLObjectType)
            and not t.name.startswith("__")
            and t.name not in ("Query", "Mutation")
            and not t.name.endswith(("Connection", "Edge", "Payload"))
            for fname, f in t.fields.items()
            if get_named_type(f.type).name in (gql.name, f"{gql.name}Connection")
        )
        out.append(f"  reached from: {', '.join(reached) if reached else 'no other type'}")
        row_filter = VISIBILITY.get(gql.name)
        out.append(
            f"  row filter wherever reached: {_row_filter(row_filter) if row_filter else 'none beyond the tenant'}"
        )

        out.append("")
        lists = [
            (fname, f)
            for fname, f in schema.query_type.fields.items()
            if get_named_type(f.type).name == f"{gql.name}Connection"
        ]
        for fname, f in lists:
            out.append(f"root list Query.{fname}: {_type_str(f.type)}")
            out.append(f"  rule: {_rule(DECLARED.get(f'Query.{fname}'))}")
            if f.description:
                out.append(f"  about: {f.description}")
        if not lists:
            out.append("root list: none (reached through relations and node(id:) only)")
        filters = [f"{n}" + (" (protected)" if f"{gql.name}.{n}" in FIELD_RULES else "") for n in spec.filter_fields]
        out.append(f"  filter: {', '.join(filters)} (and, or, not)")
        out.append(f"  orderBy: {', '.join(spec.sort_fields) or 'id only'}")
        policy = READ_POLICIES.get(gql.name)
        if policy is None:
            out.append("node(id:): never returned (no read rule)")
        else:
            out.append(f"node(id:): rule: {_rule(policy[0])}; row filter: {_row_filter(policy[1])}")

        out.append("")
        mutations = [
            (fname, f)
            for fname, f in (schema.mutation_type.fields.items() if schema.mutation_type else ())
            if isinstance(get_named_type(f.type), GraphQLObjectType)
            and any(get_named_type(pf.type).name == gql.name for pf in get_named_type(f.type).fields.values())
        ]
        for fname, f in mutations:
            out.append(f"mutation {fname}: rule: {_rule(DECLARED.get(f'Mutation.{fname}'))}")
            for arg, a in f.args.items():
                inp = get_named_type(a.type)
                if isinstance(inp, GraphQLInputObjectType):
                    fields = ", ".join(f"{n}: {_type_str(v.type)}" for n, v in inp.fields.items())
                    out.append(f"  {arg}: {_type_str(a.type)} {{ {fields} }}")
                else:
                    out.append(f"  {arg}: {_type_str(a.type)}")
        if not mutations:
            out.append("mutations: none return it (read-only in the API)")

    out.append("")
    state = policies.expected_of(model)
    out.append(f"table {model.__tablename__} (expected from the model; tests/test_policies.py checks the database):")
    out.extend(f"  {line}" for line in state.describe())
    return out
