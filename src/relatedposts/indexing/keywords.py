"""Keyword side of search: BM25 (bm25s), the lay/clinical vocabulary, compounds, typo fixing.

Text analysis (words, stems, stopwords) is relatedposts.text's.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Container
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path

import bm25s
import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from relatedposts.indexing.compounds import Compounds, raw_tokens
from relatedposts.text import STOPWORDS, stems, words

MAX_CORRECTIONS = 12
TERMS_MEMO = 50_000  # analyzed documents kept for publish-time re-indexing
_TERMS: dict[tuple[bytes, int], list[str]] = {}


def analyze(text: str, compounds: Compounds | None = None) -> list[str]:
    """Return text's stemmed keyword terms, plus the compounds its adjacent words spell."""
    terms = words(text)
    if compounds is not None:
        terms += compounds.join(raw_tokens(text))
    return stems(terms)


def _analyzed(text: str, compounds: Compounds) -> list[str]:
    """Return analyze(text, compounds), memoized by the text and the compounds' pairs."""
    key = (hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest(),
           hash(compounds.joined))
    found = _TERMS.get(key)
    if found is None:
        if len(_TERMS) >= TERMS_MEMO:
            _TERMS.clear()  # a site larger than the memo: analyzing again is correct
        found = _TERMS[key] = analyze(text, compounds)
    return found


@dataclass(frozen=True)
class Vocabulary:
    """Groups of interchangeable phrases (clinical term first, then lay terms)."""

    groups: tuple[tuple[str, ...], ...]

    @classmethod
    def load(cls, extra: Path | None = None) -> Vocabulary:
        """Load the packaged vocabulary, plus an editor's file when given."""
        text = resources.files("relatedposts").joinpath("data/vocabulary.tsv").read_text("utf-8")
        if extra is not None and Path(extra).is_file():
            text += "\n" + Path(extra).read_text("utf-8")
        groups = []
        for line in text.splitlines():
            line = line.split("#", 1)[0].strip()
            phrases = tuple(p.strip().lower() for p in line.split("|") if p.strip())
            if len(phrases) >= 2:
                groups.append(phrases)
        return cls(tuple(groups))

    @cached_property
    def _keys(self) -> tuple[tuple[str, ...], ...]:
        """Each group's phrases as ' stemmed words ': computed once, not per query."""
        return tuple(tuple(" " + " ".join(stems(words(p))) + " " for p in group)
                     for group in self.groups)

    @cached_property
    def _by_first_stem(self) -> dict[str, tuple[int, ...]]:
        """Map a phrase's first stem to the groups holding it: a query then checks a few
        groups, not all of them (a tenth of a search's time with the packaged list)."""
        index: dict[str, list[int]] = {}
        for g, keys in enumerate(self._keys):
            for k in keys:
                if k.strip():
                    index.setdefault(k.split()[0], []).append(g)
        return {stem: tuple(dict.fromkeys(gs)) for stem, gs in index.items()}

    def expansions(self, query: str) -> list[str]:
        """Return the phrases that mean the same as a phrase found in the query."""
        query_stems = stems(words(query))
        qstems = " " + " ".join(query_stems) + " "
        # A phrase is in the query only if its first stem is: check just those groups.
        candidates = sorted({g for s in query_stems for g in self._by_first_stem.get(s, ())})
        out: list[str] = []
        for g in candidates:
            group, keys = self.groups[g], self._keys[g]
            if any(k.strip() and k in qstems for k in keys):
                out.extend(p for p, k in zip(group, keys, strict=True) if k not in qstems)
        return out


class KeywordIndex:
    """BM25 over whole articles, the corpus vocabulary (typos) and its compounds."""

    def __init__(self, bm25: bm25s.BM25, vocab: dict[str, int],
                 compounds: Compounds | None = None) -> None:
        self.bm25 = bm25
        self.vocab = vocab
        self._choices = sorted(vocab, key=lambda w: -vocab[w])
        self.compounds = (compounds or Compounds(frozenset())).with_known(vocab, STOPWORDS)
        indptr = np.asarray(bm25.scores["indptr"])
        n = bm25.scores["num_docs"]
        df = np.diff(indptr).astype(np.float64)  # bm25s keeps one column per term
        self._idf = np.log(1.0 + (n - df + 0.5) / (df + 0.5))

    @classmethod
    def build(cls, documents: list[str], decompound: bool = True) -> KeywordIndex:
        """Index documents (one per article) with stemming, stopwords and compounds."""
        vocab = Counter(w for d in documents for w in words(d) if not w.isdigit())
        compounds = None
        if decompound:
            compounds = Compounds.learn(documents, STOPWORDS).with_known(vocab, STOPWORDS)
        tokenized = [analyze(d, compounds) or ["<empty>"] for d in documents]
        bm25 = bm25s.BM25(k1=1.2, b=0.75)
        bm25.index(tokenized, show_progress=False)
        return cls(bm25, dict(vocab), compounds)

    def extend(self, documents: list[str], added: list[str], removed: list[str]) -> KeywordIndex:
        """Re-index documents after a publish, keeping this index's learnt compounds.

        The vocabulary is this one's plus the added documents' words minus the removed ones';
        each document's terms are memoized by its text, so only new texts are analyzed. The
        next full build relearns the compounds (a publish never changes which pairs join).
        """
        vocab = Counter(self.vocab)
        vocab.update(w for d in added for w in words(d) if not w.isdigit())
        vocab.subtract(w for d in removed for w in words(d) if not w.isdigit())
        vocab = Counter({w: c for w, c in vocab.items() if c > 0})
        compounds = self.compounds.with_known(vocab, STOPWORDS)
        tokenized = [_analyzed(d, compounds) or ["<empty>"] for d in documents]
        bm25 = bm25s.BM25(k1=1.2, b=0.75)
        bm25.index(tokenized, show_progress=False)
        return KeywordIndex(bm25, dict(vocab), compounds)

    def save(self, directory: Path) -> None:
        """Write the BM25 matrices (bm25s format, no pickle), vocabulary and compounds."""
        self.bm25.save(str(directory / "bm25"), show_progress=False)
        (directory / "vocab.json").write_text(json.dumps(self.vocab), "utf-8")
        self.compounds.save(directory)

    @classmethod
    def load(cls, directory: Path) -> KeywordIndex:
        """Read what save() wrote."""
        bm25 = bm25s.BM25.load(str(directory / "bm25"), show_progress=False)
        vocab = json.loads((directory / "vocab.json").read_text("utf-8"))
        return cls(bm25, vocab, Compounds.load(directory))

    def scores(self, query_words: list[str]) -> np.ndarray:
        """Return the BM25 score of every article for these (unstemmed) words."""
        terms = [t for t in stems(query_words) if t in self.bm25.vocab_dict]
        if not terms:
            return np.zeros(self.bm25.scores["num_docs"], dtype=np.float32)
        return np.asarray(self.bm25.get_scores(terms), dtype=np.float32)

    def idf(self, stem: str) -> float:
        """Return a stemmed term's BM25 IDF (a term the corpus lacks counts as rare)."""
        tid = self.bm25.vocab_dict.get(stem)
        return float(self._idf[tid]) if tid is not None else float(self._idf.max(initial=1.0))

    def split_unknown(self, query_words: list[str],
                      dictionary: Container[str] = frozenset()) -> list[str]:
        """Replace each unknown word that spells two corpus words ("backpain") by those two."""
        out: list[str] = []
        for w in query_words:
            out.extend(self.compounds.split(w, dictionary) or (w,))
        return out

    def correct(self, query_words: list[str], dictionary: Container[str] = frozenset(),
                short: frozenset[str] = frozenset()) -> list[str]:
        """Replace misspelled words (in neither the corpus nor the dictionary) by corpus words.

        A three-letter word is only ever read as one of `short` (body words: "nek" is
        "neck", "bak" is "back"), one letter away: among all corpus words, "ear" would be
        "year".
        """
        fixed = []
        budget = MAX_CORRECTIONS  # a pasted 1,000-character message must stay fast
        for w in query_words:
            # A real English word the blog happens not to use ("hurts") is not a typo.
            known = w in self.vocab or w in dictionary
            if not known and len(w) == 3 and w.isalpha() and short:
                fixed.append(self._short_fix(w, short))
                continue
            if known or len(w) < 4 or w.isdigit() or budget <= 0:
                fixed.append(w)
                continue
            budget -= 1
            match = process.extractOne(w, self._choices, scorer=fuzz.ratio, score_cutoff=80)
            fixed.append(match[0] if match else w)
        return fixed


    def _short_fix(self, word: str, short: frozenset[str]) -> str:
        """Return the one body word of the corpus a letter away from word (else word)."""
        near = [t for t in short if t in self.vocab and OSA.distance(word, t) <= 1]
        # Two candidates ("hed": head? heel is two away) would be a guess: keep the word.
        return near[0] if len(near) == 1 else word


def load_dictionary(model_dir: str | Path) -> frozenset[str]:
    """Return the whole words of the model's WordPiece vocabulary: a list of real words."""
    path = Path(model_dir) / "vocab.txt"
    if not path.is_file():
        return frozenset()
    return frozenset(w for w in path.read_text("utf-8").split()
                     if w.isalpha() and w.islower() and len(w) >= 4)
