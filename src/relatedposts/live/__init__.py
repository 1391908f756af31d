"""The live service: the index version being served, swapped on reload, one per site.

Depends on indexing (versions), search (the Searcher) and logs (where searches are recorded);
knows nothing of HTTP.
"""
