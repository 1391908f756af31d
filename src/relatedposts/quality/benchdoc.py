"""Keep docs/benchmarks.md up to date: each benchmark owns one marked section of the file."""

from __future__ import annotations

import re
from pathlib import Path

HEADER = ("# Benchmarks\n\nEvery figure below was produced by the command shown next to it, "
          "on the project's 2-core, no-GPU machine.\n")


def write_section(path: Path, name: str, body: str) -> None:
    """Replace the text between <!-- bench:NAME:start --> and its end marker (append if new)."""
    path = Path(path)
    text = path.read_text("utf-8") if path.is_file() else HEADER
    start, end = f"<!-- bench:{name}:start -->", f"<!-- bench:{name}:end -->"
    block = f"{start}\n{body.strip()}\n{end}"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    text = pattern.sub(lambda _: block, text) if pattern.search(text) else \
        text.rstrip() + "\n\n" + block + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")


def table(headers: list[str], rows: list[list[object]]) -> str:
    """Render a Markdown table."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)
