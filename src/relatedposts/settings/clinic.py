"""The clinic's own pages: its name, logo, colour and footer on /search, the widget and the
console; whether the /demo page is served.

Read by web/, console/.
"""

from __future__ import annotations

from dataclasses import dataclass

from relatedposts.blockhtml import DEFAULT_HEADING
from relatedposts.settingspec import setting

HEX_COLOR = (r"#[0-9a-fA-F]{6}|#[0-9a-fA-F]{3}", "a hex colour (`#1f5f8b` or `#15b`)")


@dataclass(frozen=True)
class ClinicSettings:
    """The clinic's own pages."""

    clinic_name: str = setting("Patient Articles", "the clinic's name: the patient pages' "
                               "title and header, the console's header")
    clinic_logo_url: str = setting("", "an http(s) logo shown before the name in the patient "
                                   "pages' header; empty: the name alone")
    clinic_primary_color: str = setting("#0f3d5c", "the header and accent colour of the "
                                        "patient pages and the console", pattern=HEX_COLOR)
    clinic_footer_text: str = setting(
        "Articles are general information, not medical advice. In an emergency call 911.",
        "the patient pages' footer")
    related_heading: str = setting(DEFAULT_HEADING, "the related block's heading "
                                   "(widget and fragment) when the page sets none")
    demo_page: bool = setting(False, "serve /demo, a sample article embedding the widget "
                              "(a try-out page, off on a clinic's site)")
