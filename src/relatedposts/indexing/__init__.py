"""How articles become an index: chunk, embed, keyword index, related lists, verify, publish.

Depends on ingest (to read the article store) and the core modules, never on serving.
"""
