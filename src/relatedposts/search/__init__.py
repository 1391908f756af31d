"""Search: query analysis, retrieval, fusion, title/heading signals, snippets and red flags.

The one public seam is `Searcher` with its typed results (`SearchPage`, `SearchHit`, `Scored`)
and `Filters`, plus the red-flag check of a text (`find_red_flags`, `RedFlag`,
`red_flag_groups`) and search-as-you-type (`Suggester`, `Suggestion`); the web layer, the
CLI, the console, quality and scripts import nothing else of it. No module here imports Flask
or werkzeug (tests/test_architecture.py checks).
"""

from relatedposts.models import SearchHit, SearchPage
from relatedposts.search.filters import Filters
from relatedposts.search.redflags import RedFlag
from relatedposts.search.redflags import find as find_red_flags
from relatedposts.search.redflags import groups as red_flag_groups
from relatedposts.search.redflags import urgent as urgent_notice
from relatedposts.search.searcher import Scored, Searcher
from relatedposts.search.suggest import Suggester, Suggestion

__all__ = ["Filters", "RedFlag", "Scored", "SearchHit", "SearchPage", "Searcher",
           "Suggester", "Suggestion", "find_red_flags", "red_flag_groups", "urgent_notice"]
