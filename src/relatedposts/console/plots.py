"""Small SVG charts drawn on the server (no JavaScript): searches per day, clicks by position."""

from __future__ import annotations

from html import escape

from markupsafe import Markup

WIDTH, HEIGHT = 560, 180
PAD_LEFT, PAD_BOTTOM, PAD_TOP = 36, 34, 12


def bar_chart(points: list[tuple[str, float]], label: str, percent: bool = False,
              every: int = 1) -> Markup:
    """Return an accessible inline SVG bar chart of (label, value) points."""
    if not points:
        return Markup("")
    top = max(v for _, v in points) or 1.0
    inner_w, inner_h = WIDTH - PAD_LEFT - 8, HEIGHT - PAD_BOTTOM - PAD_TOP
    step = inner_w / len(points)
    bar = max(2.0, step * 0.7)
    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
             f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">',
             f"<title>{escape(label)}</title>",
             f'<line x1="{PAD_LEFT}" y1="{HEIGHT - PAD_BOTTOM}" x2="{WIDTH - 8}" '
             f'y2="{HEIGHT - PAD_BOTTOM}" stroke="#52606d"/>',
             f'<text x="{PAD_LEFT - 6}" y="{PAD_TOP + 4}" text-anchor="end" font-size="11" '
             f'fill="#52606d">{_num(top, percent)}</text>',
             f'<text x="{PAD_LEFT - 6}" y="{HEIGHT - PAD_BOTTOM}" text-anchor="end" '
             f'font-size="11" fill="#52606d">0</text>']
    for i, (name, value) in enumerate(points):
        h = inner_h * value / top
        x = PAD_LEFT + i * step + (step - bar) / 2
        y = HEIGHT - PAD_BOTTOM - h
        parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                     f'fill="#0b5cad"><title>{escape(name)}: {_num(value, percent)}</title></rect>')
        if i % every == 0 or i == len(points) - 1:
            parts.append(f'<text x="{x + bar / 2:.1f}" y="{HEIGHT - PAD_BOTTOM + 14}" '
                         f'text-anchor="middle" font-size="11" fill="#1f2933">'
                         f'{escape(name)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _num(value: float, percent: bool) -> str:
    return f"{value:.0%}" if percent else f"{value:g}"
