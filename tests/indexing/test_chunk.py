"""Heading-aware chunking."""

from __future__ import annotations

from relatedposts.indexing.chunk import chunk_article, split_sentences
from relatedposts.models import Article, Section


def _article(*sections: Section) -> Article:
    return Article(url="https://c.example/a", title="T", sections=sections)


def test_split_sentences_respects_titles_and_paragraphs() -> None:
    text = "Dr. Marsh sees patients. Pain e.g. in the leg is common! Is it sciatica?\n\nNew para"
    assert split_sentences(text) == ["Dr. Marsh sees patients.",
                                     "Pain e.g. in the leg is common!", "Is it sciatica?",
                                     "New para"]


def test_short_sections_become_one_chunk_each_with_their_heading() -> None:
    art = _article(Section("", "Intro sentence one. Intro two."),
                   Section("Causes", "Discs herniate. Nerves get pinched."))
    chunks = chunk_article(art, 7)
    assert [(c.heading, c.position, c.article) for c in chunks] == [("", 0, 7),
                                                                    ("Causes", 1, 7)]
    assert chunks[1].text == "Discs herniate. Nerves get pinched."


def test_long_section_is_windowed_within_limit_with_overlap() -> None:
    sentences = [f"Sentence number {i} talks about spine care here." for i in range(40)]
    art = _article(Section("Long", " ".join(sentences)))
    chunks = chunk_article(art, 0, max_words=40, overlap=1)
    assert len(chunks) > 5
    assert all(len(c.text.split()) <= 40 for c in chunks)
    assert all(c.heading == "Long" for c in chunks)
    # Consecutive windows share one sentence.
    for a, b in zip(chunks, chunks[1:], strict=False):
        assert a.text.split(". ")[-1].rstrip(".") in b.text
    covered = " ".join(c.text for c in chunks)
    assert all(s in covered for s in sentences)


def test_overlong_sentence_is_cut_not_dropped() -> None:
    art = _article(Section("", "word " * 100))
    chunks = chunk_article(art, 0, max_words=30)
    assert sum(len(c.text.split()) for c in chunks) == 100


def test_embed_text_carries_title_and_heading() -> None:
    chunk = chunk_article(_article(Section("Causes", "Discs herniate.")), 0)[0]
    assert chunk.embed_text("Sciatica") == "Sciatica. Causes. Discs herniate."


LIST = ("Most back pain settles. Go to the emergency department if you notice:\n\n"
        "- Loss of bladder control\n- Loss of bowel control\n  - or numbness\n\nCall us.")


def test_a_list_stays_with_its_lead_in_and_items_keep_their_lines() -> None:
    chunks = chunk_article(_article(Section("Red flags", LIST)), 0, max_words=23)
    assert [c.text for c in chunks] == [
        "Most back pain settles.",
        "Go to the emergency department if you notice:\n- Loss of bladder control\n"
        "- Loss of bowel control\n  - or numbness\nCall us."]


def test_a_list_too_long_for_a_window_splits_between_items_only() -> None:
    items = "\n".join(f"- Item {n} of the exercise plan" for n in range(30))
    art = _article(Section("", f"Try these every day:\n\n{items}"))
    chunks = chunk_article(art, 0, max_words=40)
    assert len(chunks) > 3
    assert chunks[0].text.startswith("Try these every day:\n- Item 0 of")
    for chunk in chunks:
        assert all(line.startswith(("- Item", "Try")) for line in chunk.text.split("\n"))
    assert all(f"- Item {n} of the exercise plan" in " ".join(c.text for c in chunks)
               for n in range(30))


def test_sentences_of_a_list_are_its_items_without_markers() -> None:
    assert split_sentences(LIST) == [
        "Most back pain settles.", "Go to the emergency department if you notice:",
        "Loss of bladder control", "Loss of bowel control", "or numbness", "Call us."]


def test_text_without_lists_chunks_as_it_always_did() -> None:
    """Same chunk text, same embedding-cache keys: nothing is re-embedded for the format."""
    text = "- a need to urinate - difficulty starting. 1. Rest.\n\nNew para. " * 30
    chunks = chunk_article(_article(Section("", text)), 0, max_words=40, overlap=1)
    assert all("\n" not in c.text for c in chunks)
    assert chunks[0].text.startswith("- a need to urinate - difficulty starting. 1. Rest. New")
