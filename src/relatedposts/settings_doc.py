"""The settings table, datasette-style: every Settings field with its variable, default and help.

Shown by `relatedposts settings` and rendered into README.md (a test keeps the two equal).
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, fields
from pathlib import Path
from typing import Any

from relatedposts.config import ENV_PREFIX, Settings, allowed

README_START = "<!-- settings-table:start -->"
README_END = "<!-- settings-table:end -->"


@dataclass(frozen=True)
class SettingDoc:
    """One setting as the documentation shows it."""

    name: str
    env: str
    default: str
    help: str
    allowed: str = ""  # choices or range in words; '' when only the type limits it
    component: str = ""  # the first line of the docstring of the group that declares it


def as_env_text(value: Any) -> str:
    """Return value written the way its environment variable would spell it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return " ".join(str(v) for v in value)
    if isinstance(value, Path):
        return str(value)
    return str(value)


def components() -> dict[str, str]:
    """Map every field name to the component (settings group) that declares it."""
    out: dict[str, str] = {}
    for group in reversed(Settings.__mro__[1:-1]):
        doc = (group.__doc__ or group.__name__).strip().splitlines()[0].rstrip(".")
        out.update({name: doc for name in vars(group).get("__annotations__", {})})
    return out


def describe_settings() -> list[SettingDoc]:
    """Return every Settings field in declaration order."""
    out = []
    where = components()
    for f in fields(Settings):
        default = f.default if f.default is not MISSING else None
        out.append(SettingDoc(f.name, ENV_PREFIX + f.name.upper(), as_env_text(default),
                              str(f.metadata.get("help", "")), allowed(f),
                              where.get(f.name, "")))
    return out


def markdown_table() -> str:
    """Render the settings as the Markdown table README.md carries."""
    lines = ["| variable | default | allowed | meaning |", "| --- | --- | --- | --- |"]
    component = ""
    for s in describe_settings():
        if s.component != component:  # a row naming the component, so the table reads by part
            component = s.component
            lines.append(f"| **{component}** | | | |")
        default = f"`{s.default}`" if s.default else "empty"
        lines.append(f"| `{s.env}` | {default} | {s.allowed} | "
                     f"{s.help.replace('|', '&#124;')} |")
    return "\n".join(lines)


def readme_section(readme: str) -> str:
    """Return the text between the settings-table markers of a README (stripped)."""
    start = readme.index(README_START) + len(README_START)
    return readme[start:readme.index(README_END, start)].strip()


def render_into(readme: str) -> str:
    """Return the README with the settings table between its markers regenerated."""
    start = readme.index(README_START) + len(README_START)
    end = readme.index(README_END, start)
    return readme[:start] + "\n" + markdown_table() + "\n" + readme[end:]
