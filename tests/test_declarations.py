"""One declaration per entity (models/entity.py): every mapped model says who reads it, or why
it is never in the API, and a model that says neither cannot be imported."""

from __future__ import annotations

import pytest
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from kit.declared import declaration, undeclared_models
from models.base import Base
from models.entity import Entity, Internal


def test_every_mapped_model_declares_its_entity() -> None:
    assert not undeclared_models()
    kinds = {type(declaration(m.class_)) for m in Base.registry.mappers}
    assert kinds == {Entity, Internal}


def test_a_model_without_a_declaration_fails_at_import_with_a_clear_message() -> None:
    class Scratch(DeclarativeBase):  # a registry of its own: nothing leaks into the app's metadata
        metadata = MetaData()

    # the same rule as models.base.Base, on a throwaway base
    Scratch.__init_subclass__ = classmethod(Base.__init_subclass__.__func__)  # type: ignore[method-assign]
    with pytest.raises(TypeError, match=r"declares no __entity__.*Entity\(read=\.\.\.\).*Internal"):

        class Forgotten(Scratch):
            __tablename__ = "forgotten"
            id: Mapped[int] = mapped_column(primary_key=True)


def test_a_declaration_naming_no_column_is_refused() -> None:
    from auth.permissions import PUBLIC
    from kit.registry import SPECS, SPECS_BY_MODEL, spec_for_model

    class Scratch(DeclarativeBase):
        metadata = MetaData()

    class Typo(Scratch):
        __tablename__ = "typos"
        __entity__ = Entity(read=PUBLIC, filter=("nmae",))
        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str]

    try:
        with pytest.raises(TypeError, match="names 'nmae', which is not a column"):
            spec_for_model(Typo)
    finally:
        SPECS_BY_MODEL.pop(Typo, None)
        SPECS.pop("Typo", None)
