"""axe-core over every page at 390 px and 1280 px; the table in docs/benchmarks.md.

    npm ci --prefix tests/a11y      # axe-core, pinned in tests/a11y/package.json
    PYTHONPATH=src .venv/bin/python scripts/bench_a11y.py [--write]

The same service, pages and checks as tests/scenarios/test_a11y_browser.py (tests/a11ykit.py):
the sample blog with the fake embedder, /demo with the widget, the console signed in.
It prints each page × width with its axe violations and, on the console at 390 px, what
overflows sideways; --write records the table in docs/benchmarks.md (bench:a11y).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from tests import a11ykit  # noqa: E402
from werkzeug.serving import WSGIRequestHandler, make_server  # noqa: E402

from relatedposts.quality.benchdoc import table, write_section  # noqa: E402

COMMAND = "python scripts/bench_a11y.py --write"


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args: object, **kwargs: object) -> None:
        """Keep the table readable: no request lines."""


def chromium(profile: Path) -> webdriver.Chrome:
    """Start headless Chromium."""
    options = webdriver.ChromeOptions()
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", f"--user-data-dir={profile}"):
        options.add_argument(arg)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def check_all(driver: webdriver.Chrome, origin: str) -> list[list[object]]:
    """Open every page at both widths; return rows of page, width, violations, layout."""
    rows: list[list[object]] = []
    for width in a11ykit.WIDTHS:
        a11ykit.set_width(driver, width)
        for name in a11ykit.PAGES:
            a11ykit.open_page(driver, origin, name)
            violations = a11ykit.run_axe(driver)
            layout = a11ykit.layout_problems(driver)
            if violations or layout:
                print(f"== {name} @ {width}px\n{a11ykit.describe(violations)}\n"
                      + "\n".join(layout), flush=True)
            rows.append([name, f"{width} px", len(violations),
                         ", ".join(sorted({v["id"] for v in violations})) or "–", len(layout)])
    return rows


def main() -> None:
    """Serve the sample blog with the console, check every page, print (and write) the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="record in docs/benchmarks.md")
    args = parser.parse_args()
    if not a11ykit.AXE.is_file():
        sys.exit(f"axe-core is not installed: {a11ykit.AXE_INSTALL}")
    with tempfile.TemporaryDirectory(prefix="rp-a11y-") as tmp:
        app, _ = a11ykit.build_service(Path(tmp))
        server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_Quiet)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        driver = chromium(Path(tmp) / "chrome")
        try:
            rows = check_all(driver, f"http://127.0.0.1:{server.server_port}")
        finally:
            driver.quit()
            server.shutdown()
    version = json.loads((ROOT / "tests/a11y/package.json").read_text())["devDependencies"]
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    body = (f"`{COMMAND}` (axe-core {version['axe-core']} in headless Chromium, rules tagged "
            f"{', '.join(a11ykit.TAGS)}, none disabled; the sample blog with the fake embedder; "
            "the same pages and checks as `pytest tests/scenarios/test_a11y_browser.py`; "
            f"load average {load})\n\n"
            "Layout problems: the page scrolling sideways, a table wider than its container or "
            "a cell cut off, a heading, caption, header cell, link or button taking more lines "
            "than it has words (broken letter by letter).\n\n"
            + table(["page", "width", "axe violations", "rules", "layout problems"], rows))
    print(body)
    if args.write:
        write_section(ROOT / "docs" / "benchmarks.md", "a11y",
                      "## Accessibility: axe-core on every page (issue 25)\n\n" + body)


if __name__ == "__main__":
    main()
