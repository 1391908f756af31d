"""The editors' query log: what patients search for, scrubbed of personal data first.

On by default (INDEX_DIR/queries.jsonl; Settings.query_log = "" turns it off), size-rotated
and kept Settings.log_retention_days (jsonlog.py). Each first-page search appends one JSON
line {"time", "query", "results"}; e-mail addresses, phone numbers and dates (birth dates and
anything else date-like) become [email], [phone] and [date] before anything is written. No
IP address, user agent or cookie is ever written.
`relatedposts report --queries` reads it back: the most frequent queries and those that
found nothing (topics the clinic could write about).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from relatedposts.config import Settings
from relatedposts.errors import ConfigError, NotFound
from relatedposts.logs.jsonlog import JsonLog, Rotation, files, now_stamp, read_all

EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
          r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_YEAR = r"(?:\d{4}|'\d{2})"
DATE_RE = re.compile(
    r"(?<!\w)(?:"
    r"\d{4}[/.-]\d{1,2}[/.-]\d{1,2}|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}"  # 1975-03-14, 03/14/1975
    rf"|{_DAY}(?:\s+of)?\s+{_MONTH}(?:,?\s+{_YEAR})?"  # 14 March 1975, 14th of March
    rf"|{_MONTH}\s+{_DAY}(?:,?\s+{_YEAR})?"  # March 14, 1975; Mar 14
    rf"|{_MONTH},?\s+{_YEAR}"  # March 1975
    r")(?!\w)",
    re.I,
)
# A run of digits with phone-like separators; scrub() keeps only runs of 7-15 digits.
PHONE_RE = re.compile(r"(?<![\w+])(?:\+|\b00)?\(?\d[\d ().-]{5,}\d(?!\w)")


def scrub(text: str) -> str:
    """Replace e-mail addresses, dates and phone numbers in text by placeholders."""
    text = EMAIL_RE.sub("[email]", text)
    text = DATE_RE.sub("[date]", text)
    return PHONE_RE.sub(_phone, text)


def _phone(match: re.Match[str]) -> str:
    """Return [phone] for a 7-15 digit number, else the text unchanged."""
    digits = sum(c.isdigit() for c in match.group(0))
    return "[phone]" if 7 <= digits <= 15 else match.group(0)


class QueryLog:
    """Append scrubbed queries as JSON lines (rotated, kept retention_days); off for no path."""

    def __init__(self, path: str | Path | None, rotation: Rotation | None = None) -> None:
        self._log = JsonLog(path, rotation)
        self.path = self._log.path

    @classmethod
    def from_settings(cls, settings: Settings) -> QueryLog:
        """Return the query log the settings describe (on by default, in INDEX_DIR)."""
        return cls(settings.data_file(settings.query_log), rotation_of(settings))

    @property
    def enabled(self) -> bool:
        """Return whether queries are logged."""
        return self._log.enabled

    def record(self, query: str, results: int) -> None:
        """Append one scrubbed query and its result count; never raise (logging is optional)."""
        # Only these three fields: no address, no user agent, no cookie, nothing to re-identify.
        self._log.append({"time": now_stamp(), "query": scrub(" ".join(query.split())),
                          "results": int(results)})


def rotation_of(settings: Settings) -> Rotation:
    """Return the rotation and retention the settings ask for."""
    return Rotation(settings.log_max_bytes, settings.log_backups, settings.log_retention_days)


@dataclass(frozen=True)
class QueryReport:
    """What patients searched for: totals, the most frequent queries, those that found nothing."""

    searches: int
    distinct: int
    frequent: list[tuple[str, int]]
    unanswered: list[tuple[str, int]]


def read_entries(path: Path, rotation: Rotation | None = None) -> list[dict]:
    """Return the log's entries within retention (rotated files too), oldest first."""
    return [e for e in read_all(Path(path), rotation) if isinstance(e.get("query"), str)]


def summarize(entries: list[dict], top: int = 20) -> QueryReport:
    """Count queries (case and spacing ignored): the top ones and those with no results."""
    counts: Counter[str] = Counter()
    empty: Counter[str] = Counter()
    for entry in entries:
        query = " ".join(entry["query"].lower().split())
        if not query:
            continue
        counts[query] += 1
        if entry.get("results") == 0:
            empty[query] += 1
    return QueryReport(sum(counts.values()), len(counts), counts.most_common(top),
                       empty.most_common(top))


def report_lines(rep: QueryReport) -> list[str]:
    """Render a QueryReport for the terminal."""
    lines = [f"searches logged: {rep.searches} ({rep.distinct} distinct queries)",
             f"most frequent: {len(rep.frequent)}"]
    lines += [f"  {n:5d}  {q}" for q, n in rep.frequent]
    lines.append(f"found nothing (topics to write about): {len(rep.unanswered)}")
    lines += [f"  {n:5d}  {q}" for q, n in rep.unanswered]
    return lines


def logged_entries(settings: Settings) -> list[dict]:
    """Return the configured query log's entries, or raise a clear error if there are none."""
    path = settings.data_file(settings.query_log)
    if path is None:
        raise ConfigError("no query log: RELATEDPOSTS_QUERY_LOG is empty (off); set it to a "
                          "file name, serve for a while, then run this again")
    if not path.is_file() and not files(path):
        raise NotFound(f"no queries logged yet: {path} does not exist")
    return read_entries(path, rotation_of(settings))


def load_report(settings: Settings, top: int = 20) -> QueryReport:
    """Summarize the configured query log; raise a clear error when there is none."""
    return summarize(logged_entries(settings), top)
