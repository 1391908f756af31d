"""The scrubber: every kind of identifier a patient types is replaced; health words survive."""

from __future__ import annotations

import pytest

from relatedposts.logs.scrub import luhn, normalize, scrub
from relatedposts.quality.gaps import PLACEHOLDERS


@pytest.mark.parametrize("text, expected", [
    ("Hi, I am Mary Smith from 12 Oak Street, my back hurts",
     "Hi, I am [name] from [address], my back hurts"),
    ("my name is mary smith, sciatica", "my name is [name], sciatica"),
    ("hey this is anna kowalski, neck pain", "hey this is [name], neck pain"),
    ("Thanks, Mary", "Thanks, [name]"), ("Regards, Tom Hughes", "Regards, [name]"),
    ("Dr. Patel said rest", "Dr. [name] said rest"), ("Mrs Baker told me", "Mrs [name] told me"),
    ("my son Jack has scoliosis", "my son [name] has scoliosis"),
    ("Ngozi Okafor here, hip pain", "[name] here, hip pain"),
])
def test_names_are_replaced(text: str, expected: str) -> None:
    assert scrub(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("ｊａｎｅ＠ｅｘａｍｐｌｅ．ｃｏｍ sciatica", "[email] sciatica"),  # fullwidth
    ("ja\u200bne@ex\u200bample.com neck", "[email] neck"),  # zero-width space
    ("jo\u00adhn@mail.example", "[email]"),  # soft hyphen
    ("john dot doe at gmail dot com neck", "[email] neck"),
    ("jo (at) mail [dot] com", "[email]"), ("liam[at]murphy[dot]ie", "[email]"),
    ("wei . chen @ gmail . com", "[email]"),
])
def test_emails_in_any_disguise_are_replaced(text: str, expected: str) -> None:
    assert scrub(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("card 4111 1111 1111 1111 please", "card [card] please"),
    ("5500-0000-0000-0004", "[card]"), ("3400 000000 00009", "[card]"),
    ("4111 1111 1111 1112", "[id]"),  # fails Luhn: still no number of 16 digits is kept
    ("MRN 1234567 lower back", "[id] lower back"), ("patient ID 88-1234", "[id]"),
    ("SSN 123-45-6789", "SSN [id]"), ("NHS number 943 476 5919", "[id]"),
    ("NI number QQ 12 34 56 C", "[id]"),
    ("(555) 010-7788", "[phone]"), ("+44 20 7946 0958", "[phone]"), ("07700 900123", "[phone]"),
    ("PO Box 1234", "[address]"), ("zip 90210", "zip [address]"), ("SW1A 1AA", "[address]"),
    ("140 W 57th St", "[address]"), ("I live on Maple Avenue", "I live on [address]"),
    ("Springfield, IL 62704", "Springfield, IL [address]"), ("Flat 3", "[address]"),
    ("born in 1975", "born in [date]"), ("date of birth 1983", "date of birth [date]"),
])
def test_numbers_addresses_and_dates_are_replaced(text: str, expected: str) -> None:
    assert scrub(text) == expected


@pytest.mark.parametrize("text", [
    "Parkinson's and back pain", "Crohn's disease and sciatica", "Achilles tendon pain",
    "Tommy John surgery recovery", "Baker's cyst behind knee", "Lou Gehrig's disease",
    "Bell's palsy", "Osgood-Schlatter in my son", "Jones fracture in my Foot",
    "My Lower Back Hurts When I Sit", "I Am Having Lower Back Pain", "I'm having back pain",
    "back pain after a 2 hour drive", "back pain at night. In the morning worse",
    "Will physio help my Achilles?", "L4-L5 disc bulge for 3-4 weeks", "10 000 steps a day",
    "pain since 2019", "McKenzie method for sciatica", "Pilates for Lower Back Pain",
])
def test_health_words_and_eponyms_survive(text: str) -> None:
    assert scrub(text) == text


def test_normalize_and_luhn() -> None:
    assert normalize("ａ\u200bｂ\ufeff") == "ab"
    assert luhn("4111111111111111") and not luhn("4111111111111112")


def test_every_placeholder_is_ignored_by_the_gaps_report() -> None:
    out = scrub("I'm Mary Smith, 12 Oak Street, mary@x.example, 555-010-7788, "
                "4111 1111 1111 1111, MRN 1234567, 14 March 1975")
    assert {w.strip("[],") for w in out.split() if w.startswith("[")} <= PLACEHOLDERS
    assert {"name", "address", "email", "phone", "card", "id", "date"} <= PLACEHOLDERS


def test_a_bracketed_at_hides_an_address_of_any_top_level_domain() -> None:
    # Found by the held-out corpus: ".se" was not on the spelled-out list of domains.
    for text in ("greta.l [at] telia [dot] se", "k.m (at) posteo (dot) de", "x{at}y.fi"):
        assert scrub(f"sciatica again, {text} thanks") == "sciatica again, [email] thanks"
    assert scrub("we meet at noon dot then") == "we meet at noon dot then"


def _every_rule(text: str) -> str:
    """The scrubber without its shortcuts: every rule tried on every text."""
    from relatedposts.logs.scrub import RULES, scrub_names

    text = normalize(text)
    for pattern, replacement in RULES:
        text = pattern.sub(replacement, text)
    return scrub_names(text)


@pytest.mark.parametrize("seed", range(30))
def test_skipping_the_rules_a_text_cannot_match_changes_nothing(seed: int) -> None:
    import random

    rng = random.Random(seed)
    parts = ["back pain", "Mary Smith", "at", "AT", "(at)", "[at]", "@", " dot ", ".", "com",
             "12 Oak Street", "on Maple Avenue", "555-123-4567", "4111 1111 1111 1111",
             "born 1975", "14 March", "NY 10001", "SW1A 1AA", "flat 3", "MRN 123456", "×",
             "٣", "ｊａｎｅ＠ｅｘａｍｐｌｅ．ｃｏｍ", "meet at noon", "jo", "mail", "Dr. Patel",
             ","]
    for _ in range(40):
        text = " ".join(rng.choice(parts) for _ in range(rng.randint(1, 8)))
        assert scrub(text) == _every_rule(text), text
