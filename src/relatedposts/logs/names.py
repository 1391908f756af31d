"""People's names in a patient's message, found without a model: cues, a name list, capitals.

A word is taken as (part of) a name when
- it follows a cue: a self-introduction ("my name is", "I am", "I'm", "this is"), a sign-off
  ("Thanks,", "Regards,", "Cheers"), a title ("Dr.", "Mrs") or a relative ("my son", "my wife");
- it is a given name of data/given_names.txt written with a capital (alone, or with the
  capitalised word after it: "Mary Smith"), or a lower-case given name followed by a surname
  of data/surnames.txt ("mary smith").
What is never a name: eponyms of medicine ("Parkinson's", "Crohn's", "Achilles", "Tommy John
surgery", "Baker's cyst"), health words (data/vocabulary.tsv, data/body_regions.txt),
stopwords, weekdays and months. In a message typed In Title Case only listed names count,
since a capital then says nothing. A name list never knows every name: the cues catch the
rest, and the benchmark (scripts/bench_privacy.py) measures what still gets through.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

from relatedposts.text import STOPWORDS


def _set(text: str) -> frozenset[str]:
    """Return the words of a literal as a set."""
    return frozenset(text.split())


TOKEN_RE = re.compile(r"[^\W\d_][\w'’-]*")
CUE_RE = re.compile(
    r"(?<![\w'’])(?:"
    r"(?P<strong>my\s+name\s+is|my\s+name['’]s|name\s*:|names?\s+is|call\s+me|called|named"
    r"|signed|sincerely|regards|kind\s+regards|best\s+regards|best\s+wishes|cheers"
    r"|many\s+thanks|thanks|thank\s+you|thx|yours\s+truly|yours)"
    r"|(?P<intro>i\s+am|i['’]m|im|this\s+is|it['’]s|it\s+is|here\s+is)"
    r"|(?P<title>dr|doctor|mr|mrs|ms|miss|mx|prof|professor|nurse|sister)\.?"
    r"|(?P<relative>my\s+(?:son|daughter|wife|husband|partner|mum|mom|mother|dad|father"
    r"|sister|brother|friend|boyfriend|girlfriend|grandson|granddaughter|grandma|grandpa"
    r"|nan|gran|child|boy|girl|niece|nephew|aunt|uncle|fianc[eé]e?|colleague|neighbou?r))"
    r"|(?P<weak>from|love|x+))"
    r"(?:\s*[,:;.!—–-]+\s*|\s+)(?=\w)", re.I)
# Given names that are also everyday words: a name only after a cue, never on their own.
AMBIGUOUS = _set(
    "will may june april grace joy dawn mark bill art max ruby hazel holly lily violet daisy "
    "poppy willow jack rob frank bob jay dean glen lee ken robin carol heather amber jasmine "
    "jordan georgia victoria florence virginia austin madison chase eugene pat sue ray "
    "patience faith hope drew gene miles sandy penny rose")
# Eponyms never a patient's name, in any form.
EPONYMS = _set(
    "parkinson crohn achilles alzheimer osgood schlatter scheuermann pilates mckenzie schroth "
    "sjogren sjögren raynaud dupuytren guillain barré barre ehlers danlos marfan hashimoto "
    "cushing tourette asperger meniere ménière chiari klippel feil tarlov schmorl baastrup "
    "bertolotti forestier kienbock kienböck quervain heberden bouchard trendelenburg babinski "
    "hoffmann tinel phalen finkelstein valsalva epley feldenkrais graston harrington gehrig "
    "lyme reiter bechterew charcot hodgkin lasegue lasègue spurling schober lhermitte horner "
    "sequard perthes haglund tietze lachman mcmurray apley gaenslen yeoman homans scheie "
    "bankart hill-sachs osgood-schlatter brown-sequard guillain-barré guillain-barre "
    "ehlers-danlos klippel-feil legg-calve-perthes sinding-larsen kohler köhler freiberg "
    "maitland mulligan bobath botox tens")
# Names that are eponyms when possessive or before a medical noun ("Baker's cyst",
# "Jones fracture", "Tommy John surgery"), and names otherwise ("Mrs Baker").
EPONYM_IF = _set(
    "baker morton paget wilson addison graves huntington colles smith jones bell down still "
    "thompson barton bennett sever thomas patrick adams allen wright john tommy lou alexander "
    "boston milwaukee kemp hawkins speed ober bowen cheneau jefferson hangman")
MEDICAL_NOUNS = _set(
    "disease syndrome palsy test sign fracture cyst neuroma nodes node surgery technique "
    "method brace rod contracture phenomenon tendon tendinopathy tendinitis tendonitis "
    "rupture heel reflex manoeuvre maneuver maneouvre procedure lesion deformity disorder "
    "lymphoma arthritis ulcer bursa bursitis angle classification score scale exercises "
    "exercise protocol approach therapy")
EXTRA_COMMON = _set(
    "having suffering looking trying wondering worried scared new here really very not just "
    "also pregnant diabetic retired active old young sorry sure interested hoping hurting "
    "unable able getting going feeling experiencing asking writing calling over under "
    "currently recovering post seeing concerned tired sore stiff desperate confused curious "
    "booked due waiting struggling aged age male female man woman mum mom dad mother father "
    "patient runner teacher golfer worker student hi hello hey dear please help question "
    "physio physiotherapy physiotherapist chiropractor chiro chiropractic doctor clinic pain "
    "lower upper left right side mid middle spine spinal back neck shoulder hip knee leg arm "
    "foot feet hand wrist elbow ankle heel toe toes finger fingers head jaw disc discs nerve "
    "nerves muscle muscles joint joints bone bones tendon tailbone coccyx sciatica hurts hurt "
    "aches ache aching sharp dull numb tingling burning shooting stabbing bad worse better "
    "monday tuesday wednesday thursday friday saturday sunday january february march april "
    "june july august september october november december today tomorrow yesterday morning "
    "evening night week weeks month months year years day days ok okay yes no thanks thank "
    "your you the a an in on at for to with my me i im dr mr mrs ms mx prof professor nurse "
    "mri scan xray x-ray ct nhs gp er "
    "english british american canadian irish scottish welsh australian indian chinese god "
    "lord christmas easter covid long-covid surgeon specialist therapist massage yoga "
    "gym walking running sitting standing sleeping lifting bending driving work home")


def _packaged(name: str) -> frozenset[str]:
    """Return the words of one packaged data file (comments skipped), lower-cased."""
    text = resources.files("relatedposts").joinpath(f"data/{name}").read_text("utf-8")
    return frozenset(w.lower() for line in text.splitlines() if not line.startswith("#")
                     for w in re.findall(r"[^\W\d_][\w'-]*", line))


@lru_cache(maxsize=1)
def lists() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """Return (given names, surnames, words that are never names), loaded once."""
    common = (STOPWORDS | EXTRA_COMMON | _packaged("vocabulary.tsv")
              | _packaged("body_regions.txt") | _packaged("red_flags.txt"))
    given, surnames = _packaged("given_names.txt"), _packaged("surnames.txt")
    return given, surnames, common


def _base(word: str) -> str:
    """Return a word lower-cased without a possessive 's."""
    low = word.lower().replace("’", "'")
    return low[:-2] if low.endswith("'s") else low.rstrip("'")


def is_eponym(word: str, following: str | None) -> bool:
    """Return whether a word is used as a medical eponym here (never a patient's name)."""
    base = _base(word)
    if base in EPONYMS or any(part in EPONYMS for part in base.split("-")):
        return True
    if base not in EPONYM_IF:
        return False
    possessive = word.lower().replace("’", "'").endswith("'s")
    return possessive or bool(following and _base(following) in MEDICAL_NOUNS)


def name_spans(text: str) -> list[tuple[int, int]]:
    """Return the (start, end) spans of the names in text, merged and in order."""
    tokens = [(m.start(), m.end(), m.group()) for m in TOKEN_RE.finditer(text)]
    titled = _title_case(tokens)
    spans = _cued(text, tokens, titled) + _listed(text, tokens, titled)
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1] + 1 and not text[merged[-1][1]:start].strip():
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _title_case(tokens: list[tuple[int, int, str]]) -> bool:
    """Return whether most words are capitalised (a capital then says nothing)."""
    caps = sum(w[0].isupper() for _, _, w in tokens)
    return len(tokens) >= 4 and caps / len(tokens) > 0.6


def _follows(text: str, tokens: list[tuple[int, int, str]], i: int) -> bool:
    """Return whether token i is separated from token i-1 by spaces only."""
    return i > 0 and not text[tokens[i - 1][1]:tokens[i][0]].strip()


def _cued(text: str, tokens: list[tuple[int, int, str]], titled: bool) -> list[tuple[int, int]]:
    """Return the spans of names written after a cue (introduction, sign-off, title...)."""
    by_start = {start: i for i, (start, _, _) in enumerate(tokens)}
    spans = []
    for cue in CUE_RE.finditer(text):
        i = by_start.get(cue.end())
        kind = cue.lastgroup or "weak"
        if i is None or not _first_name(tokens, i, kind, titled):
            continue
        j = i + 1
        while j < len(tokens) and j - i < 3 and _follows(text, tokens, j) \
                and _more_name(tokens, j, titled, cued=tokens[i][2].islower()):
            j += 1
        spans.append((tokens[i][0], tokens[j - 1][1]))
    return spans


def _next_word(tokens: list[tuple[int, int, str]], i: int) -> str | None:
    return tokens[i + 1][2] if i + 1 < len(tokens) else None


def _first_name(tokens: list[tuple[int, int, str]], i: int, kind: str, titled: bool) -> bool:
    """Return whether token i, right after a cue of this kind, starts a name."""
    given, surnames, common = lists()
    word = tokens[i][2]
    base, upper = _base(word), word[0].isupper()
    if is_eponym(word, _next_word(tokens, i)):
        return False
    if kind == "strong":  # "my name is": whatever word comes next but "not", "a"...
        return base not in STOPWORDS or base in given
    named = base in given and (upper or base not in AMBIGUOUS)
    if kind == "weak":  # "from", "love": only a listed given name
        return named and base not in EXTRA_COMMON
    if named or (base in surnames and (upper or kind == "title")):
        return True
    return upper and not titled and base not in common


def _more_name(tokens: list[tuple[int, int, str]], j: int, titled: bool,
               cued: bool = False) -> bool:
    """Return whether token j continues the name before it (a surname, a middle name).

    After a cue and a lower-case first name ("this is anna kowalski") a lower-case word that is
    no common word counts too.
    """
    given, surnames, common = lists()
    word = tokens[j][2]
    base, upper = _base(word), word[0].isupper()
    if is_eponym(word, _next_word(tokens, j)):
        return False
    if base in surnames or (base in given and (upper or base not in common)):
        return True
    if base in common:
        return False
    return (upper and not titled) or (cued and not upper and len(base) >= 3)


def _listed(text: str, tokens: list[tuple[int, int, str]],
            titled: bool) -> list[tuple[int, int]]:
    """Return the spans of listed given names (with the surname after them) anywhere."""
    given, surnames, common = lists()
    spans = []
    for i, (start, end, word) in enumerate(tokens):
        if _unlisted_pair(text, tokens, i, titled):
            spans.append((start, tokens[i + 1][1]))  # "Ngozi Okafor": a listed surname
        base, following = _base(word), _next_word(tokens, i)
        if base not in given or is_eponym(word, following) or (
                following is not None and is_eponym(following, _next_word(tokens, i + 1))):
            continue  # "Tommy John surgery", "Lou Gehrig's disease": one eponym
        pair = following is not None and _follows(text, tokens, i + 1) and (
            _base(following) in surnames or (following[0].isupper() and not titled
                                             and _more_name(tokens, i + 1, titled)))
        if pair and following is not None \
                and (word[0].isupper() or _base(following) in surnames) \
                and not is_eponym(following, _next_word(tokens, i + 1)):
            spans.append((start, tokens[i + 1][1]))
            continue
        alone = word[0].isupper() or text.startswith(" [email]", end)  # "olivia b at ..."
        if alone and base not in AMBIGUOUS:
            spans.append((start, end))
    return spans


def _unlisted_pair(text: str, tokens: list[tuple[int, int, str]], i: int, titled: bool) -> bool:
    """Return whether token i is an unlisted capitalised first name before a listed surname."""
    given, surnames, common = lists()
    word = tokens[i][2]
    if titled or i + 1 >= len(tokens) or not word[0].isupper() \
            or not _follows(text, tokens, i + 1):
        return False
    following = tokens[i + 1][2]
    return (_base(word) not in common and _base(word) not in given
            and following[0].isupper() and _base(following) in surnames
            and not is_eponym(word, following)
            and not is_eponym(following, _next_word(tokens, i + 1)))
