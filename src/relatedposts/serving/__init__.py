"""How the index is served: the Service, search, the Flask app, its routes, guards and server.

Depends on indexing (to load versions and embed queries) and the core modules.
"""
