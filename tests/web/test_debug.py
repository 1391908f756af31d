"""The test-only stuck route: off by default (404, even with the token), else admin-guarded."""

from __future__ import annotations

from relatedposts.indexing.embedders.fake import FakeEmbedder
from relatedposts.web.app import create_app


def test_the_stuck_route_is_404_unless_debug_routes_are_on(built) -> None:
    off = create_app(built.replace(admin_token="t"), embedder=FakeEmbedder()).test_client()
    assert off.post("/admin/debug/stuck", headers={"Authorization": "Bearer t"}
                    ).status_code == 404
    on = create_app(built.replace(admin_token="t", debug_routes=True),
                    embedder=FakeEmbedder()).test_client()
    assert on.post("/admin/debug/stuck").status_code == 401  # never loops for a stranger
    assert on.get("/admin/debug/stuck", headers={"Authorization": "Bearer t"}
                  ).status_code == 405
