"""What the service observed: the scrubbed query log and the click/impression store.

Depends only on the core modules; the live service writes here, the console reads here.
"""
