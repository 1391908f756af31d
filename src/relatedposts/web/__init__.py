"""The HTTP layer: the Flask app, its routes, guards, rate limits and the pre-fork server.

It parses requests, asks the live service (relatedposts.live) and renders what comes back;
ranking lives in relatedposts.search, never here.
"""
