"""A small checker for the AMP markup rules the AMP fragment claims to follow (no validator is
available offline): no script or style, no event handlers, no tag AMP forbids or replaces, every
amp-img with a src, alt, positive integer width and height and a known layout, no javascript:
links.
"""

from __future__ import annotations

from html.parser import HTMLParser

# Tags the AMP spec forbids in the body, or replaces by an amp- component.
FORBIDDEN = {"script", "style", "img", "iframe", "frame", "frameset", "object", "param",
             "embed", "applet", "base", "link", "meta", "form", "input", "textarea", "select",
             "button", "video", "audio", "picture"}
LAYOUTS = {"responsive", "fixed", "fill", "fixed-height", "flex-item", "intrinsic", "nodisplay"}


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.open_amp_img = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in FORBIDDEN:
            self.problems.append(f"forbidden tag <{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"event handler {name} on <{tag}>")
            if name == "style":
                self.problems.append(f"inline style on <{tag}>")
            if name in ("href", "src") and (value or "").strip().lower().startswith(
                    ("javascript:", "data:", "vbscript:")):
                self.problems.append(f"unsafe {name} on <{tag}>: {value}")
        if tag == "amp-img":
            self.open_amp_img += 1
            self._check_amp_img(values)

    def handle_endtag(self, tag: str) -> None:
        if tag == "amp-img":
            self.open_amp_img -= 1

    def _check_amp_img(self, values: dict[str, str | None]) -> None:
        for name in ("width", "height"):
            value = values.get(name) or ""
            if not value.isdigit() or int(value) <= 0:
                self.problems.append(f"amp-img {name}={value!r} is not a positive integer")
        if values.get("layout") not in LAYOUTS:
            self.problems.append(f"amp-img layout={values.get('layout')!r} is not an AMP layout")
        if not (values.get("src") or "").startswith(("https://", "http://")):
            self.problems.append(f"amp-img src={values.get('src')!r}")
        if "alt" not in values:
            self.problems.append("amp-img without alt")


def amp_problems(html: str) -> list[str]:
    """Return every AMP rule html breaks (empty when it follows them all)."""
    checker = _Checker()
    checker.feed(html)
    checker.close()
    if checker.open_amp_img:
        checker.problems.append("an amp-img is not closed")
    return checker.problems
