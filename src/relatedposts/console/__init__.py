"""The editor's console (issue 16): a layer above serving and quality, below the CLI.

It shows what the service observed (query log, clicks) through the quality reports (gaps,
links, click-through, the build report), so it may import both; nothing below imports it.
"""
