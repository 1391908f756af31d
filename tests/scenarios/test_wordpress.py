"""The plugin and the REST source against a real WordPress (Debian's wordpress, mariadb-server
and php-fpm behind nginx, on loopback; tests/wpkit.py), with posts made through WordPress.

(c) `relatedposts scrape wp+SITE` gets every post with its categories, tags and featured image;
(a) a post page fetched without JavaScript holds its five related links, rendered by the plugin
from `relatedposts serve`; (b) a post published through the REST API shows up in an older
post's block within 60 s, through the hook and POST /admin/ingest, no rebuild run.
"""

from __future__ import annotations

import base64
import json
import re
import time
import urllib.request
from collections.abc import Iterator

import pytest

from tests.localsite import run_cli
from tests.support import TINY
from tests.wpkit import WordPress, wordpress

PNG = base64.b64encode(base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg=="
)).decode()
CATEGORY = {"sciatica": "Back &amp; leg pain", "stenosis": "Back &amp; leg pain",
            "spasms": "Back &amp; leg pain", "fusion": "Surgery"}

# Each TINY article becomes a WordPress post (title with an entity, categories, tags, image).
CREATE = """
require_once ABSPATH . 'wp-admin/includes/taxonomy.php';
$made = array();
foreach (json_decode(base64_decode('%s'), true) as $p) {
    $cat = wp_create_category(html_entity_decode($p['category']));
    $id = wp_insert_post(array('post_title' => $p['title'], 'post_content' => $p['content'],
        'post_status' => 'publish', 'post_date' => $p['date'], 'post_category' => array($cat),
        'tags_input' => $p['tags'], 'post_name' => $p['slug']), true);
    if (is_wp_error($id)) { return $id->get_error_message(); }
    $dir = wp_upload_dir(); $file = $dir['path'] . '/' . $p['slug'] . '.png';
    file_put_contents($file, base64_decode('%s'));
    $att = wp_insert_attachment(array('post_mime_type' => 'image/png', 'post_title' => $p['slug'],
        'post_status' => 'inherit'), $file, $id);
    set_post_thumbnail($id, $att);
    $made[$p['slug']] = array('link' => get_permalink($id),
                              'image' => wp_get_attachment_url($att));
}
return $made;
"""


def _posts() -> list[dict]:
    out = []
    for article in TINY:
        slug = article.url.rstrip("/").rsplit("/", 1)[-1]
        content = "".join(f"<!-- wp:paragraph --><p>{s.text}</p><!-- /wp:paragraph -->"
                          for s in article.sections)
        out.append({"slug": slug, "title": article.title.replace(" and ", " &amp; "),
                    "content": content, "date": f"{article.date} 09:00:00",
                    "tags": list(article.tags), "category": CATEGORY.get(slug, "Spine care")})
    return out


@pytest.fixture(scope="module")
def wp(tmp_path_factory) -> Iterator[tuple[WordPress, dict]]:
    """A real WordPress with the TINY posts made by wp_insert_post; yields it and the posts."""
    tmp = tmp_path_factory.mktemp("wp")
    started = time.monotonic()
    with wordpress(tmp) as site:
        payload = base64.b64encode(json.dumps(_posts()).encode()).decode()
        made = site.php(CREATE % (payload, PNG))
        assert isinstance(made, dict), made
        print(f"\nWordPress stack up with {len(made)} posts in "
              f"{time.monotonic() - started:.1f}s")
        yield site, made


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as resp:
        return resp.read().decode("utf-8")


def test_c_scrape_reads_every_post_through_the_rest_api(wp, settings) -> None:
    site, made = wp
    result = run_cli(settings, "scrape", "--quiet", "--json", f"wp+{site.base}/")
    report = json.loads(result.output)
    assert report["articles"] == len(TINY) and report["skipped"] == []
    records = {r["url"]: r for r in (json.loads(p.read_text())
                                     for p in settings.corpus_dir.glob("*.json"))}
    assert set(records) == {m["link"] for m in made.values()}
    sciatica = records[made["sciatica"]["link"]]
    assert sciatica["title"] == "Sciatica & leg pain"
    assert sciatica["category"] == "Back & leg pain"
    assert sciatica["tags"] == ["leg pain", "sciatica"]  # WordPress lists tags by name
    assert sciatica["image"] == made["sciatica"]["image"]
    assert sciatica["date"] == "2023-05-01"
    assert "sciatic nerve root" in sciatica["sections"][0]["text"]
    assert not re.search(r"<|wp:paragraph", json.dumps(sciatica["sections"]))
    again = json.loads(run_cli(settings, "scrape", "--quiet", "--json",
                               f"wp+{site.base}/").output)
    assert (again["articles"], again["unchanged"]) == (0, len(TINY))


def test_post_pages_answer_without_javascript(wp) -> None:
    site, made = wp
    page = _get(made["neck"]["link"])
    assert "Neck pain at the desk" in page and "posture breaks" in page
