"""Rendering notification templates: Jinja2's sandbox (a template is written by hostel staff, so
it may not reach Python internals) with strict undefined variables (a typo in a template is an
error at publishing or sending, never an empty gap in a message)."""

from __future__ import annotations

from typing import Any

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

_ENV = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)


class TemplateProblem(ValueError):
    """A template that does not parse or names a variable the notification's data lacks."""


def check(source: str) -> None:
    """Parse `source`; TemplateProblem with Jinja's message when it does not."""
    try:
        _ENV.parse(source)
    except TemplateError as exc:
        raise TemplateProblem(str(exc)) from None


def render(source: str, data: dict[str, Any]) -> str:
    try:
        return _ENV.from_string(source).render(**data).strip()
    except TemplateError as exc:
        raise TemplateProblem(str(exc)) from None
