"""Reading a version's stored related lists as RelatedPost values (service and export share it)."""

from __future__ import annotations

import math

from relatedposts.indexing import index as idx
from relatedposts.indexing.reasons import FALLBACK, reason
from relatedposts.models import RelatedPost


def related_posts(data: idx.IndexData, pos: int, limit: int) -> tuple[RelatedPost, ...]:
    """Build the first `limit` stored related posts of the article at pos, with reasons."""
    rel, article = data.related, data.articles[pos]
    posts = []
    for j, score, flag in zip(rel.ids[pos][:limit], rel.scores[pos][:limit],
                              rel.flags[pos][:limit], strict=True):
        if not 0 <= j < len(data.articles) or not math.isfinite(score):
            break  # -1 ends a list; anything else bad was refused at load (never sent)
        target = data.articles[j]
        why = reason(article, target, rel.key_terms[pos], rel.key_terms[j], int(flag))
        posts.append(RelatedPost(url=target.url, title=target.title,
                                 summary=target.summary, image=target.image,
                                 date=target.date, score=round(float(score), 4),
                                 reason=why, fallback=bool(flag == FALLBACK)))
    return tuple(posts)
