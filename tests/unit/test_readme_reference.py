"""The README's reference tables are complete: every setting the gateway reads and every HTTP
route it serves is there (a setting or route added without a line in the README fails here)."""

from __future__ import annotations

import re
from pathlib import Path

from starlette.routing import Mount, Route

from kit.settings import Settings

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def _section(title: str) -> str:
    start = README.index(f"## {title}")
    end = README.find("\n## ", start + 1)
    return README[start : end if end != -1 else None]


def test_every_setting_has_a_line_in_the_settings_table():
    table = _section("Settings (environment variables)")
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", table))
    missing = sorted(name.upper() for name in Settings.model_fields if name.upper() not in documented)
    assert missing == [], f"settings missing from README.md: {missing}"


def test_every_http_route_has_a_line_in_the_routes_table():
    from gateway.app import create_app

    app = create_app(Settings(env="development"), database_url="postgresql+asyncpg://nobody@127.0.0.1:1/none")
    table = _section("HTTP routes")
    paths = [r.path for r in app.routes if isinstance(r, (Route, Mount))]
    assert len(paths) >= 8
    missing = [p for p in paths if f"`{p}" not in table and f", `{p}`" not in table]
    assert missing == [], f"routes missing from README.md: {missing}"
