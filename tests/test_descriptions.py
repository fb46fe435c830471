"""GraphiQL's docs explorer reads like documentation: every type the kit generates from a
declaration, its fields and their arguments, its filter, order and mutation inputs and the
enums they use carry a description (from the model's docstring and its columns' comments)."""

from __future__ import annotations

from graphql import GraphQLEnumType, GraphQLInputObjectType, GraphQLObjectType, get_named_type

from kit.declared import declared_models
from kit.registry import spec_for_model
from schema.root import build_schema


def _generated_names() -> set[str]:
    names: set[str] = set()
    for model in declared_models():
        name = spec_for_model(model).name
        names |= {name, f"{name}Connection", f"{name}Edge", f"{name}Filter", f"{name}Order", f"{name}OrderField"}
        for verb in ("Create", "Update", "Deactivate"):
            names |= {f"{name}{verb}Input", f"{name}{verb}Payload"}
    return names


def test_every_generated_type_field_argument_and_value_is_described() -> None:
    schema = build_schema()._schema
    missing: list[str] = []
    wanted = _generated_names()
    enums: set[str] = set()
    for name in sorted(wanted):
        gtype = schema.type_map.get(name)
        if gtype is None:
            continue
        if not gtype.description and not name.endswith(("Connection", "Edge")):
            missing.append(name)
        if isinstance(gtype, (GraphQLObjectType, GraphQLInputObjectType)):
            for fname, field in gtype.fields.items():
                if (
                    not field.description
                    and not name.endswith(("Connection", "Edge"))
                    and fname not in ("and", "or", "not")
                ):
                    missing.append(f"{name}.{fname}")
                for aname, arg in getattr(field, "args", {}).items():
                    if not arg.description:
                        missing.append(f"{name}.{fname}({aname})")
                named = get_named_type(field.type)
                if isinstance(named, GraphQLEnumType):
                    enums.add(named.name)
        if isinstance(gtype, GraphQLEnumType):
            enums.add(name)
    for name in sorted(enums):
        for vname, value in schema.type_map[name].values.items():
            if not value.description:
                missing.append(f"{name}.{vname}")
    assert not missing, f"{len(missing)} without a description, e.g. {missing[:20]}"
