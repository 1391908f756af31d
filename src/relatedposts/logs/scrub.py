"""Remove what identifies a patient from a search before anything stores it.

scrub(text) normalises the text (NFKC, so fullwidth and other compatibility forms become plain
letters and digits; format characters such as zero-width spaces and soft hyphens dropped),
then replaces, in this order:
  [email]    addresses, also spelled out or bracketed ("john dot doe at gmail dot com",
             "jo (at) mail [dot] com") or spaced around the @
  [card]     13-19 digit numbers passing the Luhn check, spaces and dashes allowed
  [id]       record numbers after a label (MRN, NHS number, patient ID, SSN, policy...),
             US social security and UK national insurance numbers, other 13-19 digit runs
  [address]  number + street name + suffix ("12 Oak Street", "4B Elm Rd"), a named street
             after "on"/"in" ("on Maple Avenue"), flats and units, PO boxes, ZIP codes after
             a state or "zip", UK and Canadian postcodes
  [date]     dates (birth dates and anything else date-like), and a year after "born"/"DOB"
  [phone]    runs of 7-15 digits with phone separators, + or 00 international prefixes
  [name]     people's names (names.py: introductions, sign-offs, titles, a given-name list)
Health words survive: eponyms ("Parkinson's", "Crohn's", "Achilles"), body parts, vertebra
levels ("L4-L5", "C5 C6"), durations ("3-4 weeks", "a 2 hour drive"). Each placeholder is in
quality/gaps.PLACEHOLDERS, so the gaps report never makes a topic of them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from relatedposts.logs.names import name_spans

PLACEHOLDERS = ("email", "card", "id", "address", "date", "phone", "name")

EMAIL_RE = re.compile(r"[\w+-]+(?:\s*\.\s*[\w+-]+)*\s*@\s*[\w-]+(?:\s*\.\s*[\w-]+)+")
_AT = r"(?:\s*[(\[{<]\s*at\s*[)\]}>]\s*|\s+at\s+|\s*@\s*)"
_DOT = r"(?:\s*[(\[{<]\s*dot\s*[)\]}>]\s*|\s+dot\s+|\.)"
_TLD = (r"(?:com|org|net|edu|gov|co|uk|us|ca|au|ie|de|fr|es|it|nl|io|info|me|biz|nz|mil|nhs"
        r"|ac|email|online|example)")
SPELLED_EMAIL_RE = re.compile(
    rf"(?<![\w.])[\w+-]+(?:{_DOT}[\w+-]+)*{_AT}[\w-]+(?:{_DOT}[\w-]+)*{_DOT}{_TLD}(?![\w])",
    re.I)
# A bracketed "at" ("[at]", "(at)") is itself the sign of a disguised address, so any top-level
# domain goes; a bare " at ... dot " needs a known one ("meet at noon dot" is no address).
_BRACKET_AT = r"\s*[(\[{<]\s*at\s*[)\]}>]\s*"
BRACKETED_EMAIL_RE = re.compile(
    rf"(?<![\w.])[\w+-]+(?:{_DOT}[\w+-]+)*{_BRACKET_AT}[\w-]+(?:{_DOT}[\w-]+)*{_DOT}[a-z]{{2,24}}"
    r"(?![\w])", re.I)
CARD_RE = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d])")
_LABEL = (r"(?:(?:MRN|NHS|SSN|SIN|medicare|medicaid|hospital|ID)\b|"
          r"(?:patient|record|medical\s+record|chart|member|policy|insurance|account|case"
          r"|reference|ref|claim|NI|national\s+insurance|health\s+card|social\s+security)"
          r"\s*(?:no\.?|number|num|id|#|code))")
ID_RE = re.compile(
    rf"\b{_LABEL}(?:\s+(?:no\.?|number|num|#))?\s*[:#.]?\s*(?:is\s+|was\s+)?"
    r"[A-Z]{0,4}[\s-]?\d[\d\s/-]{1,16}\d(?:\s?[A-Z]\b)?|#\s?\d{4,}\b", re.I)
SSN_RE = re.compile(r"(?<![\d-])\d{3}-\d{2}-\d{4}(?![\d-])")
NI_RE = re.compile(r"\b[A-CEGHJ-PR-TW-Z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b")
_SUFFIX = (r"(?:street|st|avenue|ave|road|rd|lane|ln|drive|dr|boulevard|blvd|court|ct|way"
           r"|place|pl|terrace|close|crescent|cres|square|sq|parkway|pkwy|highway|hwy"
           r"|circle|cir|trail|mews|grove|gardens|gdns|plaza)")
_NOT_STREET = (r"(?!(?:hours?|hrs?|minutes?|mins?|miles?|kms?|days?|weeks?|months?|years?"
               r"|times?|long|short|of|the|a|an|and|or|to|x)\b)")
STREET_RE = re.compile(
    rf"\b\d{{1,5}}[a-z]?(?:\s*,)?\s+(?:{_NOT_STREET}[a-z0-9][\w'’.-]*\s+){{1,3}}{_SUFFIX}\b\.?",
    re.I)
NAMED_STREET_RE = re.compile(
    r"\b((?i:on|in|at|off|near|along) )(?:[A-Z][\w'’-]*\s+){1,3}(?:Street|Avenue|Road|Lane"
    r"|Drive|Boulevard|Court|Way|Place|Terrace|Close|Crescent|Square|Parkway|Highway|Grove"
    r"|Gardens|Mews|Plaza)\b")
UNIT_RE = re.compile(r"\b(?:flat|apt|apartment|unit|suite|ste)\.?\s*#?\s*\d+[a-z]?\b"
                     r"|\bp\.?\s*o\.?\s*box\s*\d+|\bpost\s+office\s+box\s*\d+", re.I)
ZIP_RE = re.compile(r"\b([A-Z]{2},? |(?i:zip(?: ?code)?:? ))\d{5}(?:-\d{4})?\b"
                    r"|\b\d{5}-\d{4}\b")
POSTCODE_RE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[ABD-HJLNP-UW-Z]{2}\b"
                         r"|\b[A-Z]\d[A-Z]\s?\d[A-Z]\d\b"
                         r"|(?i:(?<=postcode )[a-z]{1,2}\d[a-z\d]?\s*\d[a-z]{2}\b)")
_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
          r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_YEAR = r"(?:\d{4}|'\d{2})"
DATE_RE = re.compile(
    r"(?<!\w)(?:"
    r"\d{4}[/.-]\d{1,2}[/.-]\d{1,2}|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}"  # 1975-03-14, 03/14/1975
    rf"|{_DAY}(?:\s+of)?\s+{_MONTH}(?:,?\s+{_YEAR})?"  # 14 March 1975, 14th of March
    rf"|{_MONTH}\s+{_DAY}(?:,?\s+{_YEAR})?"  # March 14, 1975; Mar 14
    rf"|{_MONTH},?\s+{_YEAR}"  # March 1975
    r")(?!\w)",
    re.I,
)
BIRTH_YEAR_RE = re.compile(
    r"\b((?:born|dob|d\.o\.b\.?|birth year|date of birth)(?: in|:)? )\d{4}\b", re.I)
# A run of digits with phone-like separators; _phone keeps only runs of 7-15 digits.
PHONE_RE = re.compile(r"(?<![\w+])(?:\+|\b00)?\(?\d[\d ().-]{5,}\d(?!\w)")


def normalize(text: str) -> str:
    """Return text in NFKC with format characters (zero-width spaces...) removed."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(c for c in text if unicodedata.category(c) != "Cf")


def luhn(digits: str) -> bool:
    """Return whether a digit string passes the Luhn check of payment card numbers."""
    total = 0
    for i, c in enumerate(reversed(digits)):
        d = int(c) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def _card(match: re.Match[str]) -> str:
    """Return [card] for a Luhn-valid number, [id] for any other 13-19 digit run."""
    digits = re.sub(r"\D", "", match.group(0))
    if luhn(digits):
        return "[card]"
    international = digits.startswith("00") or match.string[:match.start()].endswith("+")
    # +/00 and a country code: a phone number, left for PHONE_RE.
    return match.group(0) if international and len(digits) <= 17 else "[id]"


def _phone(match: re.Match[str]) -> str:
    """Return [phone] for a 7-15 digit number, else the text unchanged."""
    digits = sum(c.isdigit() for c in match.group(0))
    return "[phone]" if 7 <= digits <= 15 else match.group(0)


RULES: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    (EMAIL_RE, "[email]"), (SPELLED_EMAIL_RE, "[email]"), (BRACKETED_EMAIL_RE, "[email]"),
    (CARD_RE, _card), (SSN_RE, "[id]"), (ID_RE, "[id]"), (NI_RE, "[id]"),
    (UNIT_RE, "[address]"), (STREET_RE, "[address]"), (NAMED_STREET_RE, r"\1[address]"),
    (ZIP_RE, r"\1[address]"), (POSTCODE_RE, "[address]"),
    (DATE_RE, "[date]"), (BIRTH_YEAR_RE, r"\1[date]"), (PHONE_RE, _phone),
)


# What a rule cannot match without: every rule but NAMED_STREET_RE needs a digit, the e-mail
# ones an "@" or the word "at". No replacement adds either, so a text without them skips
# those rules (a plain question runs 1 of the 15: the query log's writer holds the GIL less).
DIGIT_RE = re.compile(r"\d")
AT_RE = re.compile(r"@|\bat\b", re.I)
NEEDS = {EMAIL_RE: AT_RE, SPELLED_EMAIL_RE: AT_RE, BRACKETED_EMAIL_RE: AT_RE}


def scrub(text: str) -> str:
    """Replace names, addresses, e-mails, phone, card and record numbers and dates in text."""
    text = normalize(text)
    found = {DIGIT_RE: DIGIT_RE.search(text) is not None, AT_RE: AT_RE.search(text) is not None}
    for pattern, replacement in RULES:
        if found[NEEDS.get(pattern, DIGIT_RE)] or pattern is NAMED_STREET_RE:
            text = pattern.sub(replacement, text)
    return scrub_names(text)


def scrub_names(text: str) -> str:
    """Replace people's names (names.name_spans) by [name]."""
    out, last = [], 0
    for start, end in name_spans(text):
        out += [text[last:start], "[name]"]
        last = end
    return "".join([*out, text[last:]])
