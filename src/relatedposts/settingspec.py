"""How one setting is declared, read from its variable and checked (used by config.py).

A setting is a dataclass field whose metadata carries its help, its former name and the values
it accepts (choices, or bounds); `relatedposts settings` and the README table show all of them.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from dataclasses import field
from pathlib import Path
from typing import Any

from relatedposts.errors import ConfigError

ENV_PREFIX = "RELATEDPOSTS_"


def setting(default: Any, help: str, formerly: str = "", choices: tuple[str, ...] = (),
            ge: float | None = None, gt: float | None = None, le: float | None = None,
            pattern: tuple[str, ...] = ()) -> Any:
    """Declare a Settings field with its default, its help and the values it accepts.

    formerly: the field's old name, whose RELATEDPOSTS_<FORMERLY> variable still sets it.
    choices, or the bounds ge (>=), gt (>) and le (<=), or pattern (a regular expression a
    string must match whole, and its description in words): checked whenever Settings is made,
    so a mistyped value stops the service at start-up with the variable's name, not mid-request.
    """
    if formerly:
        help = f"{help} (formerly {ENV_PREFIX}{formerly.upper()})"
    return field(default=default, metadata={"help": help, "formerly": formerly,
                                            "choices": choices, "ge": ge, "gt": gt, "le": le,
                                            "pattern": pattern})


def allowed(f: dataclasses.Field) -> str:
    """Return the values a field accepts, in words ('' when only its type limits it)."""
    if f.metadata.get("choices"):
        return "one of " + ", ".join(f"`{c}`" for c in f.metadata["choices"])
    if f.metadata.get("pattern"):
        return f.metadata["pattern"][1]
    bounds = [f"{op} {f.metadata[key]:g}" for key, op in (("gt", ">"), ("ge", "≥"), ("le", "≤"))
              if f.metadata.get(key) is not None]
    return " and ".join(bounds)


def in_range(value: Any, meta: typing.Mapping[str, Any]) -> bool:
    """Return whether a number lies within the field's bounds, a string matches its pattern."""
    if isinstance(value, str) and meta.get("pattern"):
        return re.fullmatch(meta["pattern"][0], value) is not None
    if not isinstance(value, int | float):
        return True
    return not ((meta.get("ge") is not None and value < meta["ge"])
                or (meta.get("gt") is not None and value <= meta["gt"])
                or (meta.get("le") is not None and value > meta["le"]))


def coerce(name: str, raw: str, hint: Any) -> Any:
    """Turn an environment string into the field's type, or raise ConfigError."""
    origin = typing.get_origin(hint)
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    if origin in (typing.Union, types.UnionType):
        if raw == "":
            return None
        hint = args[0]
        origin = typing.get_origin(hint)
    try:
        if hint is bool:
            if raw.lower() in ("1", "true", "yes", "on"):
                return True
            if raw.lower() in ("0", "false", "no", "off", ""):
                return False
            raise ValueError(raw)
        if origin is tuple:
            return tuple(p.strip() for p in raw.replace(",", " ").split() if p.strip())
        if hint is Path:
            return Path(raw)
        return hint(raw)
    except ValueError as exc:
        raise ConfigError(f"{ENV_PREFIX}{name.upper()}={raw!r} is not a valid {hint}") from exc
