"""How pages are fetched and crawled: one prefix per component.

fetch_ (the fetcher and its size cap), crawl_ and extract_ (pacing, threads, deadlines),
retry_, sitemap_ and wordpress_ (the REST API source).

Read by ingest/.
"""

from __future__ import annotations

from dataclasses import dataclass

from relatedposts.settingspec import setting


@dataclass(frozen=True)
class CrawlSettings:
    """How pages are fetched and crawled."""

    fetch_user_agent: str = setting(
        "relatedposts/0.1 (clinic blog indexer)", "User-Agent sent when scraping",
        formerly="user_agent")
    fetch_timeout: float = setting(10.0, "seconds before a page fetch gives up", gt=0)
    fetch_deadline: float = setting(30.0, "total seconds one page may take, all reads included",
        gt=0)
    fetch_max_page_bytes: int = setting(5_000_000, "largest page read", formerly="max_page_bytes",
        ge=1)
    crawl_concurrency: int = setting(4, "pages fetched at once", ge=1)
    crawl_delay: float = setting(0.0, "seconds between requests to the site", ge=0)
    crawl_deadline: float = setting(3600.0, "seconds a whole scrape may take; pages not started "
                                    "by then are reported and skipped; 0: no deadline", ge=0)
    extract_cpu_seconds: float = setting(10.0, "CPU seconds extracting one page may take; a "
                                         "page over it is reported and skipped", gt=0)
    retry_max: int = setting(3, "attempts per page on a transient error", formerly="max_retries",
        ge=0)
    sitemap_max_urls: int = setting(
        50_000, "page URLs read from one crawl's sitemaps at most", formerly="max_sitemap_urls",
        ge=1)
    sitemap_max_files: int = setting(
        500, "sitemap files read in one crawl at most", formerly="max_sitemap_files", ge=1)
    sitemap_max_depth: int = setting(
        3, "how deep sitemap indexes may nest", formerly="max_sitemap_depth", ge=0)
    # The WordPress REST API as a source (ingest/wordpress.py, sources written wp+URL):
    wordpress_per_page: int = setting(100, "posts asked for per API page (WordPress allows 100)",
        ge=1, le=100)
    wordpress_max_pages: int = setting(200, "API pages read from one site at most", ge=1)
    wordpress_max_posts: int = setting(20_000, "posts read from one site at most", ge=1)
    thin_words: int = setting(50, "articles under this many words are reported as thin (kept)",
                              ge=0)
