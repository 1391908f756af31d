"""Screenshots of issue 25's search page additions at 1280 px and 390 px, in docs/screenshots/.

    .venv/bin/python scripts/instant_screenshots.py [--out docs/screenshots]

Same setup as scripts/screenshots.py (the sample blog, the real model, headless Chromium),
whose helpers it reuses; it writes only its own files:

    combobox-desktop.png / combobox-phone.png   "sci" typed, the second completion chosen
    facets-desktop.png / facets-phone.png       a search narrowed by a topic facet
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from screenshots import PHONE, ROOT, browser, page_shot, serve_images, serve_index  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

FACETED = "/search?q=back+pain"


def combobox_shot(driver, base: str, out: Path) -> None:
    """Type a prefix, move to the second completion by keyboard, save the window."""
    driver.get(base + "/search")
    box = driver.find_element(By.ID, "q")
    box.send_keys("sci")
    WebDriverWait(driver, 10).until(lambda d: d.find_element(By.ID, "q-listbox").is_displayed())
    box.send_keys(Keys.ARROW_DOWN, Keys.ARROW_DOWN)
    time.sleep(0.3)
    driver.save_screenshot(str(out))
    print("wrote", out)


def facet_url(driver, base: str) -> str:
    """Return the search narrowed by its most common topic (the first facet link)."""
    driver.get(base + FACETED)
    return driver.find_element(By.CSS_SELECTOR, "nav.facets a").get_attribute("href")


def main() -> None:
    """Build, serve and photograph the combobox and the facets at both widths."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        base = serve_index(Path(tmp), serve_images())
        for name, phone in (("desktop", False), ("phone", True)):
            driver = browser(Path(tmp) / name, phone=phone)
            try:
                combobox_shot(driver, base, args.out / f"combobox-{name}.png")
                page_shot(driver, facet_url(driver, base), args.out / f"facets-{name}.png",
                          PHONE[1] if phone else 1100)
            finally:
                driver.quit()


if __name__ == "__main__":
    main()
