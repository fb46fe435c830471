"""The declaration of an entity's API facts: `__entity__ = Entity(...)` on its model class.

One declaration, read by the entity kit (`kit/declared.py`), gives the entity's GraphQL type,
its root connection, `node(id:)` access, filter and order inputs, field rules, its
create/update/deactivate mutations with inputs and payloads, and the row-level policies of
its table (`migrations/policies.py` compares them with the database). Every mapped model
says who reads it: `Entity(...)`, or `Internal("why")` for a table that is never in the API
(secrets, bookkeeping). A model without either fails at import (`models.base.Base`).

    class RoomTypeFeature(CatalogueMixin, ActiveMixin, HostelTenantMixin, Base):
        \"\"\"A feature of a room type (what a visitor compares).\"\"\"
        __tablename__ = "room_type_features"
        __entity__ = Entity(
            read=CATALOGUE, list="roomTypeFeatures",
            filter=("room_type_id", "name", "feature_type", "active"), order=("name",),
            write=Writes(ADMINS, fields=("room_type_id", "name", "feature_type"), required=("room_type_id", "name")),
        )
        room_type: Mapped[RoomTypeDefinition] = reference(back="features")
        name: Mapped[str] = mapped_column(comment="Shown to visitors.")

Attribute names are the model's (snake_case); the API spells them in camelCase. Nothing here
imports GraphQL: models stay below the kit.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from auth.permissions import FieldRule, Rule

# (ctx, alias, bind) -> None (no restriction) | condition | (branch name, condition)
RowFilter = Callable[[Any, Any, Any], Any]
VERBS = ("create", "update", "deactivate")


@dataclass(frozen=True)
class Writes:
    """Who may create, update and deactivate rows, and with which fields.

    `by` is one rule for every verb or a mapping verb -> rule. `fields` are the writable
    attributes (a reference's `*_id` column takes a global ID, checked against the caller's
    tenant); workflow-owned fields (statuses, totals, counters) are simply not listed, so they
    never appear in generated inputs. `required` are required on create, `immutable` are set on
    create only. Hooks are dotted paths of service functions (`"resolvers.room.service.check"`),
    resolved when the schema is built so that models never import services:
    `validate(ctx, session, obj)` before the write, `after(ctx, session, obj, verb)` once it is flushed
    (same savepoint), `prepare(ctx, values) -> values` before the row is built. `rows` is the
    row filter of the rows a caller may change (default: the rows they may read), e.g. an
    administrator changes only their own hostel.
    """

    by: Rule | Mapping[str, Rule]
    fields: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    immutable: tuple[str, ...] = ()
    verbs: tuple[str, ...] | None = None  # default: create, update, and deactivate when the model has `active`
    validate: str | None = None
    after: str | None = None
    prepare: str | None = None
    rows: RowFilter | None = None

    def rule(self, verb: str) -> Rule:
        return self.by if isinstance(self.by, Rule) else self.by[verb]


@dataclass(frozen=True)
class Entity:
    """The API facts of an entity. `read` is mandatory: who may read it through its root list
    and `node(id:)`. Without `rows`, and unless the rule is public or any-authenticated, the same
    rule hides its rows wherever they are reached (relations of other types too).

    - `rows`: which rows a caller sees, wherever the type is reached (a resident's own records).
      It takes the place of the read rule beyond the root list and `node(id:)`, so it must say
      itself what a caller outside `read` sees (usually: only their own rows, as `me` reads them).
    - `list` / `about`: the name and description of its root connection (None: reached through
      relations and `node(id:)` only).
    - `filter` / `order`: attributes the `filter` and `orderBy` inputs offer.
    - `protect`: attribute -> field rule (identity numbers, contacts, money); such a field reads
      as null with a FORBIDDEN error for a caller the rule refuses, and filtering or ordering by
      it is FORBIDDEN to them.
    - `hide`: attributes never exposed (beyond the tenant key and audit authors).
    - `write`: its create/update/deactivate mutations (`Writes`); None: read-only in the API.
    - `append_only`: the table refuses UPDATE and DELETE (history: payments, logs, records).
    - `owner` / `owner_via`: readable without a tenant by its owner (a visitor's bookings: the
      column of the owning user) or with an owner-read parent (the reference to it).
    - `hand_written`: why the type is written by hand in `schema/` (the kit then generates
      everything else but the type).
    """

    read: Rule
    rows: RowFilter | None = None
    list: str | None = None
    about: str | None = None
    filter: tuple[str, ...] = ()
    order: tuple[str, ...] = ()
    protect: Mapping[str, FieldRule] = field(default_factory=dict)
    hide: tuple[str, ...] = ()
    write: Writes | None = None
    append_only: bool = False
    owner: str | None = None
    owner_via: str | None = None
    hand_written: str | None = None


@dataclass(frozen=True)
class Internal:
    """A table that is never in the API, and why (secrets, bookkeeping, queues)."""

    reason: str
    append_only: bool = False
