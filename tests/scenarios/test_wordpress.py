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

from relatedposts.config import Settings
from tests.localsite import run_cli
from tests.servers import serve
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


TOKEN = "wp-ingest-token-123"
LINK = re.compile(r'<a class="rp-link" href="([^"]+)"')


@pytest.fixture(scope="module")
def live(wp, tmp_path_factory) -> Iterator[tuple[WordPress, dict]]:
    """The WordPress, scraped and built, with `serve` running and the plugin pointed at it."""
    site, made = wp
    tmp = tmp_path_factory.mktemp("service")
    settings = Settings(corpus_dir=tmp / "corpus", index_dir=tmp / "idx", embedder="fake",
                        related_min_score=0.0)
    assert run_cli(settings, "scrape", "--quiet", f"wp+{site.base}/").exit_code == 0
    assert run_cli(settings, "build", "--quiet").exit_code == 0
    env = {"RELATEDPOSTS_ADMIN_TOKEN": TOKEN, "RELATEDPOSTS_CORPUS_DIR": str(tmp / "corpus"),
           "RELATEDPOSTS_RELATED_MIN_SCORE": "0", "RELATEDPOSTS_RATE_LIMIT": ""}
    with serve(settings.index_dir, tmp / "serve.log", env, workers=2) as base:
        site.php(f"update_option('relatedposts_service_url', '{base}'); "
                 f"update_option('relatedposts_token', '{TOKEN}'); "
                 "update_option('relatedposts_append', 1); return 1;")
        yield site, made | {"service": base}


def test_a_a_post_page_without_javascript_holds_five_related_links(live) -> None:
    site, made = live
    page = _get(made["neck"]["link"])
    links = LINK.findall(page)
    others = {m["link"] for slug, m in made.items() if slug not in ("neck", "service")}
    assert len(links) == 5 and set(links) <= others
    block = page.split('class="rp-block"')[1].split("</section>")[0]
    assert page.count('class="rp-block"') == 1 and "<script" not in block
    assert "You Might Also Enjoy" in block and block.count('class="rp-image"') == 5


def test_the_shortcode_and_the_block_render_once_with_their_limit(live) -> None:
    site, made = live
    block = '<!-- wp:relatedposts/related {"limit":2} /-->'
    ids = site.php(f"""return array(
        wp_insert_post(array('post_title' => 'Shortcode page', 'post_status' => 'publish',
            'post_content' => '<p>Desk neck pain.</p>[relatedposts limit="3"]')),
        wp_insert_post(array('post_title' => 'Block page', 'post_status' => 'publish',
            'post_content' => '<p>Desk neck pain.</p>{block}')));""")
    # wp_insert_post fired the hook: the plugin sent both URLs to /admin/ingest at exit.
    for post_id, limit in zip(ids, (3, 2), strict=True):
        page = _get(f"{site.base}/?p={post_id}")
        assert page.count('class="rp-block"') == 1  # placed by the author: not appended too
        assert len(LINK.findall(page)) == limit


def test_a_service_that_is_down_leaves_the_block_out_and_the_page_whole(live) -> None:
    site, made = live
    site.php("update_option('relatedposts_service_url', 'http://127.0.0.1:9'); "
             "update_option('relatedposts_cache_gen', 999); return 1;")
    try:
        started = time.monotonic()
        page = _get(made["fusion"]["link"])
        assert time.monotonic() - started < 5
        assert "Spinal fusion surgery" in page and "rp-block" not in page
    finally:
        site.php(f"update_option('relatedposts_service_url', '{made['service']}'); return 1;")


def test_b_a_new_post_reaches_older_posts_blocks_through_the_hook(live) -> None:
    site, made = live
    password = site.php("""$r = WP_Application_Passwords::create_new_application_password(1,
        array('name' => 'tests')); return $r[0];""")
    auth = base64.b64encode(f"admin:{password}".encode()).decode()
    body = json.dumps({"title": "Sciatica stretches for leg pain", "status": "publish",
                       "content": "<p>" + "Sciatica leg pain eases with nerve root stretches "
                                  "and walking; the sciatic nerve root calms. " * 6 + "</p>"})
    request = urllib.request.Request(f"{site.base}/?rest_route=/wp/v2/posts", body.encode(),
                                     {"Authorization": f"Basic {auth}",
                                      "Content-Type": "application/json"})
    started = time.monotonic()
    with urllib.request.urlopen(request, timeout=30) as resp:
        new = json.loads(resp.read())["link"]
    answered = time.monotonic() - started
    older = [m["link"] for slug, m in made.items() if slug != "service"]
    seen_in = []
    while not seen_in and time.monotonic() - started < 60:
        seen_in = [u for u in older if new in LINK.findall(_get(u))]
        time.sleep(0.5)
    took = time.monotonic() - started
    print(f"\npublish answered in {answered:.2f}s; live in an older post's block in {took:.1f}s")
    assert seen_in, "the new post reached no older post's block within 60 s"
