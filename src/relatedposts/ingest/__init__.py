"""Where data enters: fetch pages safely, crawl a site, extract clean articles, store records.

Depends only on the core modules (config, errors, models, urls).
"""
