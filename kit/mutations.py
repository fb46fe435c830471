"""Create / update / deactivate mutations of master data, generated from a declaration.

    school_mutations = master_data_mutations(
        School, writable=(...), required=(...), immutable=(...),
        permissions={"create": rule, "update": rule, "deactivate": rule})

gives `schoolCreate`, `schoolUpdate`, `schoolDeactivate`, each with a single `input`, a
`<Mutation>Payload { school, errors }`, the permission declared beside it, the tenant stamped
from the context, and constraint violations returned as UserErrors.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import strawberry
from strawberry.types import Info
from strawberry.types.base import get_object_definition
from strawberry.types.unset import UNSET

from auth.permissions import PLATFORM, Rule, declare
from kit import writes
from kit.registry import EntitySpec, camel, spec_for_model
from kit.connection import graphql_enum, graphql_type_of
from kit.errors import ErrorCode, UserError, UserErrors, user_error
from kit.errors import authorize
from kit.fields import READ_POLICIES
from kit.ids import InvalidId, decode_gid

Prepare = Callable[[Any, dict[str, Any]], Awaitable[dict[str, Any]]]


def _lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


def _input_type_of(spec: EntitySpec, attr: str, refs: dict[str, type]) -> Any:
    if attr in refs:
        return strawberry.ID
    if attr in spec.enum_attrs:
        return graphql_enum(spec.enum_attrs[attr])
    return graphql_type_of(spec.columns[attr])


def _input_name(attr: str, refs: dict[str, type]) -> str:
    return camel(attr)  # school_id -> schoolId, taking a global ID when it is a reference


def _make_input(
    name: str,
    fields: dict[str, tuple[Any, bool]],
    extra: dict[str, Any] | None = None,
    texts: dict[str, str | None] | None = None,
    description: str | None = None,
) -> type:
    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = {}
    for attr, (kind, required) in fields.items():
        annotations[attr] = kind if required else kind | None
        text = (texts or {}).get(attr)
        if not required or text:
            namespace[attr] = (
                strawberry.field(default=UNSET, description=text)
                if not required
                else strawberry.field(description=text)
            )
    for attr, kind in (extra or {}).items():  # a type, or (type, description)
        kind, text = kind if isinstance(kind, tuple) else (kind, None)
        annotations[attr] = kind
        if text:
            namespace[attr] = strawberry.field(description=text)
    namespace["__annotations__"] = annotations
    return strawberry.input(type(name, (), namespace), name=name, description=description)


def _field_texts(spec: EntitySpec, attrs: tuple[str, ...], refs: dict[str, type]) -> dict[str, str | None]:
    """Input field descriptions: the column's comment; a reference says what it takes."""
    texts: dict[str, str | None] = {"id": f"The {spec.name}'s global ID."}
    for attr in attrs:
        if attr in refs:
            target = spec_for_model(refs[attr]).name
            texts[attr] = f"Global ID of a {target} of your tenant." + (
                f" {spec.columns[attr].comment}" if spec.columns[attr].comment else ""
            )
        elif attr in spec.columns:
            texts[attr] = spec.field_text(attr)
    return texts


def toggle_input(entity_name: str) -> type:
    """`<Entity>ToggleInput { id, active }`: the state wanted, or omitted to flip it."""
    name = f"{entity_name}ToggleInput"
    namespace = {
        "__annotations__": {"id": strawberry.ID, "active": bool | None},
        "active": strawberry.field(default=None, description="The state wanted; omitted: the opposite of now."),
    }
    return strawberry.input(type(name, (), namespace), name=name)


def payload_type(name: str, spec: EntitySpec) -> type:
    """`<Mutation>Payload { <entity>: T, errors: [UserError!]! }`; the entity is read through
    the request's loader with the caller's selection."""
    entity_field = _lower_first(spec.name)

    def resolve_entity(root: Any, info: Info) -> Any:
        if root.pk is None:
            return None
        return info.context.loaders.by_key(spec, "id", info._raw_info).load(root.pk)

    entity_type: Any = spec.gql_cls  # the Strawberry class of the entity
    parent = strawberry.Parent[Any]
    resolve_entity.__annotations__ = {"root": parent, "info": Info, "return": entity_type | None}
    cls = type(
        name,
        (),
        {
            "__annotations__": {"errors": list[UserError]},
            "errors": strawberry.field(description="Why nothing was changed; empty on success."),
            entity_field: strawberry.field(
                resolver=resolve_entity, description=f"The {spec.name} as it is now; null when there are errors."
            ),
        },
    )
    cls = strawberry.type(cls, name=name, description=f"What {name[: -len('Payload')]} did.")

    def make(pk: int | None, errors: list[UserError] | None = None) -> Any:
        obj = cls(errors=errors or [])
        obj.pk = pk
        return obj

    cls.make = staticmethod(make)  # type: ignore[attr-defined]
    return cls


def decode_ref(gid: str, model: type[Any], field: str) -> int:
    expected = spec_for_model(model).name
    try:
        type_name, pk = decode_gid(gid)
    except InvalidId as exc:
        raise user_error(ErrorCode.INVALID, str(exc), field) from None
    if type_name != expected:
        raise user_error(ErrorCode.INVALID, f"{field} must be the ID of a {expected}.", field)
    return pk


def _values(spec: EntitySpec, inp: Any, attrs: tuple[str, ...], refs: dict[str, type]) -> dict[str, Any]:
    values = {}
    for attr in attrs:
        value = getattr(inp, attr, UNSET)
        if value is UNSET:
            continue
        if attr in refs and value is not None:
            value = decode_ref(value, refs[attr], camel(attr))
        values[attr] = value
    return values


def master_data_mutations(
    model: type[Any],
    *,
    writable: tuple[str, ...],
    required: tuple[str, ...] = (),
    immutable: tuple[str, ...] = (),
    refs: dict[str, type] | None = None,
    permissions: dict[str, Rule],
    prepare: Prepare | None = None,
    validate: writes.Validator | None = None,
    after: writes.After | None = None,
    extra_create_fields: dict[str, Any] | None = None,
    extra_update_fields: dict[str, Any] | None = None,
    write_filter: Any = "read",
    verbs: tuple[str, ...] | None = None,
) -> type:
    """A Strawberry type holding the three mutations, to merge into the root Mutation."""
    spec = spec_for_model(model)
    if refs is None:  # every writable foreign key with a to-one relation takes a global ID
        refs = {
            rel.local_attr: rel.target_model
            for rel in spec.relations.values()
            if rel.kind == "one" and rel.local_attr in writable
        }
    base = _lower_first(spec.name)
    # append-only or flag-less rows have no deactivate
    verbs = verbs or (("create", "update", "deactivate") if "active" in spec.columns else ("create", "update"))
    if write_filter == "read" and spec.tenant_key is None:
        # No tenant key stamps or scopes these rows (a tenant table itself, users): the read
        # filter (e.g. every school a user holds any role in) is no write filter. A tenant
        # role changing such rows needs the rows it may change said explicitly (`Writes.rows`).
        tenant_roles = {
            role for verb in ("update", "deactivate") if verb in verbs for role in permissions[verb].roles
        } - set(PLATFORM)
        if tenant_roles or any(
            permissions[v].public or permissions[v].any_authenticated for v in ("update", "deactivate") if v in verbs
        ):
            raise TypeError(
                f"{spec.name} has no tenant key: say which rows {sorted(tenant_roles) or 'its writers'} "
                "may change (Writes(rows=...) / write_filter=), the read filter is not one"
            )
    if write_filter == "read":  # by default a row is writable only by those who may see it
        write_filter = READ_POLICIES.get(spec.name, (None, None))[1]
    texts = _field_texts(spec, writable, refs)
    create_input = (
        None
        if "create" not in verbs
        else _make_input(
            f"{spec.name}CreateInput",
            {a: (_input_type_of(spec, a, refs), a in required) for a in writable},
            extra_create_fields,
            texts,
            f"A new {spec.name}.",
        )
    )
    updatable = tuple(a for a in writable if a not in immutable)
    update_input = (
        None
        if "update" not in verbs
        else _make_input(
            f"{spec.name}UpdateInput",
            {"id": (strawberry.ID, True), **{a: (_input_type_of(spec, a, refs), False) for a in updatable}},
            extra_update_fields,
            texts,
            f"Changes to a {spec.name}; omitted fields stay as they are.",
        )
    )
    from kit.inputs import input_columns

    for made, attrs in ((create_input, writable), (update_input, updatable)):
        if made is not None:  # text lengths, decimal sizes: from the columns (kit/inputs.py)
            input_columns(
                get_object_definition(made, strict=True).name,
                {camel(a): spec.columns[a] for a in attrs if a in spec.columns and a not in refs},
            )
    deactivate_input = (
        _make_input(
            f"{spec.name}DeactivateInput",
            {"id": (strawberry.ID, True)},
            texts=texts,
            description=f"The {spec.name} to deactivate.",
        )
        if "deactivate" in verbs
        else None
    )
    payloads = {verb: payload_type(f"{spec.name}{verb.title()}Payload", spec) for verb in verbs}
    validate = _with_visible_refs(refs, validate)
    for verb in payloads:
        declare(f"Mutation.{base}{verb.title()}", permissions[verb])

    async def run(info: Info, verb: str, work: Callable[[], Awaitable[int]]) -> Any:
        return await run_mutation(info, permissions[verb], payloads[verb], work)

    async def create(info: Info, input: Any) -> Any:  # noqa: A002
        async def work() -> int:
            values = _values(spec, input, writable, refs)
            if prepare is not None:
                values = await prepare(info.context, {**values, **_extras(input, extra_create_fields)})
            return await writes.create_row(info.context, spec, values, validate, action=f"{base}Create", after=after)

        return await run(info, "create", work)

    async def update(info: Info, input: Any) -> Any:  # noqa: A002
        async def work() -> int:
            pk = decode_ref(input.id, model, "id")
            values = _values(spec, input, updatable, refs)
            if prepare is not None:
                values = await prepare(info.context, {**values, **_extras(input, extra_update_fields)})
            return await writes.update_row(
                info.context, spec, pk, values, validate, write_filter, action=f"{base}Update", after=after
            )

        return await run(info, "update", work)

    async def deactivate(info: Info, input: Any) -> Any:  # noqa: A002
        async def work() -> int:
            return await writes.set_active(
                info.context,
                spec,
                decode_ref(input.id, model, "id"),
                False,
                write_filter,
                action=f"{base}Deactivate",
                after=after,
            )

        return await run(info, "deactivate", work)

    inputs = {"create": create_input, "update": update_input, "deactivate": deactivate_input}
    resolvers = {"create": create, "update": update, "deactivate": deactivate}
    descriptions = {
        "create": f"Create a {spec.name}.",
        "update": f"Change a {spec.name}; omitted fields stay as they are.",
        "deactivate": f"Deactivate a {spec.name}; it stays in history, never deleted.",
    }
    namespace = {}
    for verb in verbs:
        resolvers[verb].__annotations__ = {"info": Info, "input": inputs[verb], "return": payloads[verb]}
        namespace[f"{base}_{verb}"] = strawberry.mutation(
            resolver=resolvers[verb], name=f"{base}{verb.title()}", description=descriptions[verb]
        )
    return strawberry.type(type(f"{spec.name}Mutations", (), namespace))


def _with_visible_refs(refs: dict[str, type], validate: writes.Validator | None) -> writes.Validator | None:
    """References set by the input must name rows the caller's tenant has: another tenant's row
    is NOT_FOUND before any unique constraint could tell that it exists."""
    if not refs:
        return validate

    async def check(ctx: Any, session: Any, obj: Any) -> None:
        from sqlalchemy import inspect

        for attr, target in refs.items():
            value = getattr(obj, attr, None)
            if value is None or (obj.id is not None and not inspect(obj).attrs[attr].history.added):
                continue
            if not await reference_visible(ctx, session, target, value):
                raise user_error(ErrorCode.NOT_FOUND, f"No {spec_for_model(target).name} with this ID.", camel(attr))
        if validate is not None:
            await validate(ctx, session, obj)

    return check


async def reference_visible(ctx: Any, session: Any, model: type[Any], pk: int) -> bool:
    """Whether the caller may name the `model` row `pk` in an input: it exists for their tenant
    (RLS and the tenant hooks scope the session) AND they may read it (the type's read rule and
    row filter, as node(id:) applies them). A reference must not reach a row the caller could not
    see: another school's user, another resident's record. Types without a read policy
    (internal tables) keep the tenant check alone."""
    from sqlalchemy import select

    from kit.planner import Binder

    spec = spec_for_model(model)
    stmt = select(model.id).where(model.id == pk)
    policy = READ_POLICIES.get(spec.name)
    if policy is not None:
        rule, row_filter = policy
        if not rule.allows(ctx):
            return False
        if row_filter is not None:
            condition = row_filter(ctx, spec.table, Binder(embed=True))
            if isinstance(condition, tuple):
                condition = condition[1]
            if condition is not None:
                stmt = stmt.where(condition)
    return await session.scalar(stmt) is not None


async def run_workflow(
    info: Info,
    rule: Rule,
    payload: Any,
    work: Callable[[Any, Any], Awaitable[int | None]],
    spec: EntitySpec | None = None,
) -> Any:
    """A workflow mutation's frame: check the rule, run `work(ctx, session)` in the
    mutation's savepoint, and turn expected failures into payload errors."""

    async def in_scope() -> int | None:
        async with writes.mutation_scope(info.context, spec) as session:
            return await work(info.context, session)

    return await run_mutation(info, rule, payload, in_scope)


async def run_mutation(info: Info, rule: Rule | None, payload: Any, work: Callable[[], Awaitable[Any]]) -> Any:
    """A mutation's frame: check the rule (None: the caller already did), run `work()` and
    make the payload of its result, or of the expected failures it raised (UserErrors)."""
    if rule is not None:
        authorize(info, rule)
    try:
        result = await work()
    except UserErrors as exc:
        return payload.make(None, exc.errors)
    return payload.make(result)


def _extras(inp: Any, extra: dict[str, Any] | None) -> dict[str, Any]:
    return {k: getattr(inp, k) for k in (extra or {}) if getattr(inp, k, UNSET) is not UNSET}


__all__ = [
    "ErrorCode",
    "decode_ref",
    "master_data_mutations",
    "payload_type",
    "reference_visible",
    "run_mutation",
    "run_workflow",
    "toggle_input",
    "user_error",
]
