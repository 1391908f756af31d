"""The editors' query log: what patients search for, scrubbed of personal data first.

Off unless Settings.query_log names a file. Each first-page search appends one JSON line
{"time", "query", "results"}; e-mail addresses, phone numbers and dates (birth dates and
anything else date-like) become [email], [phone] and [date] before anything is written.
Lines are short single writes in append mode, so gunicorn workers can share one file.
`relatedposts report --queries` reads it back: the most frequent queries and those that
found nothing (topics the clinic could write about).
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from relatedposts.errors import ConfigError, NotFound

log = logging.getLogger(__name__)

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
    """Append scrubbed queries as JSON lines to a file; does nothing when the path is empty."""

    def __init__(self, path: str | Path | None) -> None:
        self.path = Path(path) if path else None
        self._lock = threading.Lock()
        self._failed = False

    @property
    def enabled(self) -> bool:
        """Return whether queries are logged."""
        return self.path is not None

    def record(self, query: str, results: int) -> None:
        """Append one scrubbed query and its result count; never raise (logging is optional)."""
        if self.path is None:
            return
        line = json.dumps({"time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                           "query": scrub(" ".join(query.split())), "results": int(results)},
                          ensure_ascii=False) + "\n"
        with self._lock:
            try:
                with open(self.path, "a", encoding="utf-8") as f:
                    f.write(line)
            except OSError as exc:
                if not self._failed:
                    log.warning("cannot write the query log %s: %s", self.path, exc)
                self._failed = True


@dataclass(frozen=True)
class QueryReport:
    """What patients searched for: totals, the most frequent queries, those that found nothing."""

    searches: int
    distinct: int
    frequent: list[tuple[str, int]]
    unanswered: list[tuple[str, int]]


def read_entries(path: Path) -> list[dict]:
    """Return the log's entries, skipping lines that are not valid JSON objects."""
    entries = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict) and isinstance(entry.get("query"), str):
                entries.append(entry)
    return entries


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


def load_report(path: str, top: int = 20) -> QueryReport:
    """Read the query log at path and summarize it; raise a clear error when there is none."""
    if not path:
        raise ConfigError("no query log: set RELATEDPOSTS_QUERY_LOG to a file path, serve for "
                          "a while, then run this again")
    if not Path(path).is_file():
        raise NotFound(f"no queries logged yet: {path} does not exist")
    return summarize(read_entries(Path(path)), top)
