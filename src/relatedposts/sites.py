"""Many sites in one service: the TOML sites file and the Settings each site works with.

    [sites.summit]
    source = ["https://www.summitspinecare.example/sitemap.xml"]  # what `scrape --site` reads
    origins = ["https://www.summitspinecare.example"]             # CORS for its widget
    # optional: corpus = "...", index = "...", overrides = "...", admin_token = "..."
    # log_queries = false   # store none of this site's searches (Settings.log_queries)

A site's corpus and index default to <corpus_dir>/<name>/ and <index_dir>/<name>/, its
overrides to overrides.<name>.json beside Settings.overrides_file; relative paths in the file
are relative to the file. Names are short slugs, so a name can never climb
out of a directory or collide with the single-site layout (versions/, cache/, onnx/).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

from relatedposts.config import Settings
from relatedposts.errors import ConfigError, NotFound

NAME_RE = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}")
RESERVED = frozenset({"versions", "cache", "onnx", "current", "history"})
KEYS = frozenset({"source", "origins", "corpus", "index", "overrides", "admin_token",
                  "log_queries"})


@dataclass(frozen=True)
class Site:
    """One site of a sites file, with every path resolved."""

    name: str
    source: tuple[str, ...]
    origins: tuple[str, ...]
    corpus: Path
    index: Path
    overrides: Path
    admin_token: str = ""
    log_queries: bool = True


def load_sites(settings: Settings) -> dict[str, Site]:
    """Read settings.sites_file; raise ConfigError naming the problem (empty: no sites file)."""
    path = settings.sites_file
    if path is None or not str(path):
        return {}
    try:
        raw = tomllib.loads(Path(path).read_text("utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read the sites file {path}: {exc.strerror}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"the sites file {path} is not valid TOML: {exc}") from exc
    tables = raw.get("sites")
    if not isinstance(tables, dict) or not tables or set(raw) - {"sites"}:
        raise ConfigError(f"the sites file {path} must hold only [sites.NAME] tables, at "
                          "least one")
    sites = {name: _site(name, table, settings, Path(path).parent)
             for name, table in tables.items()}
    _check_distinct(sites, path)
    return sites


def _site(name: str, table: object, settings: Settings, base: Path) -> Site:
    """Validate one [sites.NAME] table and resolve its paths."""
    where = f"[sites.{name}]"
    if not NAME_RE.fullmatch(name) or name in RESERVED:
        raise ConfigError(f"{where}: a site name is 1-63 lowercase letters, digits, '-' or "
                          f"'_' (and not one of {', '.join(sorted(RESERVED))})")
    if not isinstance(table, dict):
        raise ConfigError(f"{where} must be a table")
    unknown = set(table) - KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}; allowed: "
                          f"{', '.join(sorted(KEYS))}")
    corpus = _path(table, "corpus", base, Path(settings.corpus_dir) / name, where)
    return Site(
        name=name, source=_strings(table, "source", where), origins=_origins(table, where),
        corpus=corpus, index=_path(table, "index", base, Path(settings.index_dir) / name, where),
        overrides=_path(table, "overrides", base,
                        Path(_per_site_file(str(settings.overrides_file), name)), where),
        admin_token=_string(table, "admin_token", where),
        log_queries=_bool(table, "log_queries", where))


def _bool(table: dict, key: str, where: str) -> bool:
    """Return a true/false key of the table (missing: true)."""
    value = table.get(key, True)
    if not isinstance(value, bool):
        raise ConfigError(f"{where}: '{key}' must be true or false")
    return value


def _strings(table: dict, key: str, where: str) -> tuple[str, ...]:
    """Return a string or list of strings as a tuple (missing: empty)."""
    value = table.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"{where}: '{key}' must be a list of non-empty strings")
    return tuple(v.strip() for v in value)


def _origins(table: dict, where: str) -> tuple[str, ...]:
    """Return the CORS origins, each exactly scheme://host[:port]."""
    origins = _strings(table, "origins", where)
    for origin in origins:
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path.strip("/") \
                or parts.query or parts.fragment or "*" in origin:
            raise ConfigError(f"{where}: origin {origin!r} must be scheme://host[:port], "
                              "with no path or wildcard")
    return tuple(o.rstrip("/").lower() for o in origins)  # as a browser's Origin header


def _string(table: dict, key: str, where: str) -> str:
    value = table.get(key, "")
    if not isinstance(value, str):
        raise ConfigError(f"{where}: '{key}' must be a string")
    return value


def _path(table: dict, key: str, base: Path, default: Path, where: str) -> Path:
    """Return a path from the table (relative to the sites file), else the default."""
    value = _string(table, key, where)
    if not value.strip():
        return default
    path = Path(value.strip()).expanduser()
    return path if path.is_absolute() else base / path


def _check_distinct(sites: dict[str, Site], path: object) -> None:
    """Refuse two sites sharing a corpus or an index: their answers would mix."""
    for attr in ("corpus", "index"):
        seen: dict[Path, str] = {}
        for site in sites.values():
            key = Path(getattr(site, attr)).resolve()
            if key in seen:
                raise ConfigError(f"the sites file {path}: sites {seen[key]!r} and "
                                  f"{site.name!r} share the {attr} directory {key}")
            seen[key] = site.name


def site_settings(settings: Settings, site: Site) -> Settings:
    """Return the Settings one site works with: its own dirs, overrides, origins and token."""
    changes: dict[str, object] = {
        "site_name": site.name, "corpus_dir": site.corpus, "index_dir": site.index,
        "overrides_file": site.overrides, "cors_origins": site.origins,
        "admin_token": site.admin_token or settings.admin_token,
        "query_log": _per_site_file(settings.query_log, site.name),
        "log_queries": settings.log_queries and site.log_queries,
        # One ONNX export for every site: the model is the same, and serving shares it, so
        # a site's build must not make its own copy (about 9 s and 195 MB each) under its index.
        "onnx_dir": settings.onnx_cache_dir(),
    }
    if site.source:
        changes["site"] = site.source
    if settings.log_file is not None and str(settings.log_file):
        changes["log_file"] = site.index / "rebuild.log"
    if settings.reload_url:
        changes["reload_url"] = _with_site(settings.reload_url, site.name)
    return settings.replace(**changes)


def settings_for(settings: Settings, name: str | None) -> Settings:
    """Return the Settings for --site NAME (unchanged when no name and no sites file)."""
    name = name or settings.site_name
    if not name:
        if settings.sites_file:
            names = ", ".join(load_sites(settings))
            raise ConfigError(f"this service hosts several sites: choose one with --site NAME "
                              f"({names})")
        return settings
    if not settings.sites_file:
        raise ConfigError("--site needs a sites file: set RELATEDPOSTS_SITES_FILE")
    sites = load_sites(settings)
    if name not in sites:
        raise NotFound(f"no site named {name[:80]!r} in {settings.sites_file}; sites: "
                       f"{', '.join(sites)}")
    return site_settings(settings, sites[name])


def _per_site_file(path: str, name: str) -> str:
    """Return queries.sqlite3 -> queries.NAME.sqlite3, so sites never share a file."""
    if not path:
        return path
    p = Path(path)
    return str(p.with_name(f"{p.stem}.{name}{p.suffix}"))


def _with_site(url: str, name: str) -> str:
    """Add site=NAME to a URL's query string."""
    parts = urlsplit(url)
    query = "&".join(q for q in (parts.query, urlencode({"site": name})) if q)
    return urlunsplit(parts._replace(query=query))
