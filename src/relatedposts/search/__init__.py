"""Search: query analysis, retrieval, fusion, title/heading signals, snippets and red flags.

The one public seam is `Searcher` with its typed results (`SearchPage`, `SearchHit`, `Scored`)
and `Filters`; the web layer, the CLI, the console, quality and scripts use nothing else of it
but the red-flag and snippet helpers. No module here imports Flask or werkzeug
(tests/test_architecture.py checks).
"""

from relatedposts.models import SearchHit, SearchPage
from relatedposts.search.filters import Filters
from relatedposts.search.searcher import Scored, Searcher

__all__ = ["Filters", "Scored", "SearchHit", "SearchPage", "Searcher"]
