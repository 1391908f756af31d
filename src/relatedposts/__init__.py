"""relatedposts: semantic search and related posts for a clinic blog."""

__version__ = "0.1.0"
