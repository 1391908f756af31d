"""The scrubber's recall and false positives on the patient-message corpus (issue 24).

Usage:  python scripts/bench_privacy.py [--corpus FILE] [--doc docs/benchmarks.md] [--misses]

Scrubs every message of tests/fixtures/privacy/messages.jsonl (relatedposts.quality.privacy),
prints recall (identifiers removed / present, per kind) and the false-positive rate on health
words (eponyms and capitalised body parts in the messages without identifiers), and writes
the "privacy" section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from relatedposts.quality.benchdoc import table, write_section  # noqa: E402
from relatedposts.quality.privacy import load_corpus, measure  # noqa: E402

CORPUS = ROOT / "tests" / "fixtures" / "privacy" / "messages.jsonl"
HELDOUT = ROOT / "tests" / "fixtures" / "privacy" / "heldout.jsonl"
COMMAND = "python scripts/bench_privacy.py"


def main() -> int:
    """Measure the scrubber and write the privacy section."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--doc", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--misses", action="store_true", help="print every identifier missed")
    parser.add_argument("--heldout", action="store_true",
                        help="score tests/fixtures/privacy/heldout.jsonl (written after the "
                             "scrubber, never tuned on) into its own section")
    args = parser.parse_args()
    if args.heldout:
        args.corpus = HELDOUT
    corpus = load_corpus(args.corpus)
    started = time.perf_counter()
    score = measure(corpus)
    per_message_ms = (time.perf_counter() - started) * 1000 / max(1, len(corpus))
    present = Counter(i["kind"] for m in corpus for i in m.get("identifiers", []))
    missed = Counter(m["kind"] for m in score.misses)
    rows = [[kind, n, n - missed[kind], f"{(n - missed[kind]) / n:.3f}"]
            for kind, n in sorted(present.items())]
    rows.append(["**all**", score.identifiers, score.removed, f"**{score.recall:.3f}**"])
    title = ("### Held-out messages (written after the scrubber, never tuned on)" if args.heldout
             else "## Privacy: the query-log scrubber (issue 24)")
    caveat = ("These 40 messages were written by another hand after the scrubber was finished, "
              "in styles the tuning corpus lacks. The three misses (`--misses`): a street with "
              "no suffix ('9 Rue des Lilas'), an unlisted name before 'here' ('Greta here'), "
              "and that message's '[at]' address before an unlisted domain (.se). The address "
              "is scrubbed since, but still counts as missed: its 'greta' stands in the name."
              if args.heldout else
              "The corpus was written together with the scrubber, so these figures are an upper "
              "bound: a name that is neither on the packaged list nor after a cue (\"my name is\", "
              "\"Thanks,\", \"Dr\") gets through, and so does an address without a street suffix.")
    body = "\n\n".join([
        title,
        f"`{COMMAND}{' --heldout' if args.heldout else ''}` scrubs the {score.messages} "
        "messages of "
        f"`{args.corpus.relative_to(ROOT) if args.corpus.is_relative_to(ROOT) else args.corpus}` "
        f"({score.messages - score.clean_messages} with identifiers, {score.clean_messages} "
        "with none but eponyms and capitalised body parts) with `relatedposts.logs.scrub`. "
        "An identifier counts as removed only when none of its words of 3+ letters and none of "
        "its 3+ digit groups is left (`relatedposts.quality.privacy`).",
        table(["kind", "present", "removed", "recall"], rows),
        f"False positives: {score.health_words_lost} of {score.health_words} health words "
        f"lost ({score.false_positive_rate:.3f}); {per_message_ms:.2f} ms per message.",
        caveat,
    ])
    write_section(args.doc, "privacy-heldout" if args.heldout else "privacy", body)
    print(f"recall {score.recall:.3f} ({score.removed}/{score.identifiers}); false positives "
          f"{score.false_positive_rate:.3f} ({score.health_words_lost}/{score.health_words})")
    for miss in score.misses if args.misses else []:
        print(f"  missed {miss['kind']}: {miss['value']!r} in {miss['scrubbed']!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
