"""Strict parameters: ASCII-digit integers and ISO dates only; bad input is a clear 400."""

from __future__ import annotations

from urllib.parse import quote, quote_from_bytes

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from tests.support import SCIATICA, json_error


@pytest.mark.parametrize("value", ["１", "٥", "1_0", " 7", "7 ", "+5", "5.0", "0x5", "²",
                                   "5\u00a0", "-0"])
def test_integers_are_ascii_digits_only(client, value: str) -> None:
    json_error(client.get(f"/api/search?q=back&limit={quote(value)}"), 400)
    json_error(client.get(f"/api/related?url={SCIATICA}&limit={quote(value)}"), 400)
    json_error(client.get(f"/api/search?q=back&offset={quote(value)}"), 400)
    page = client.get(f"/search?q=back&limit={quote(value)}")
    assert page.status_code == 400 and page.mimetype == "text/html"


def test_plain_integers_still_work(client) -> None:
    for value in ("5", "05", "50"):
        assert client.get(f"/api/search?q=back&limit={value}").status_code == 200
    json_error(client.get("/api/search?q=back&limit=51"), 400)


@pytest.mark.parametrize("value", ["20200101", "2020-1-1", "2020-02-30", "２０２０-01-01",
                                   "2020-01-01T00:00", "2020-W01-1", " 2020-01-01"])
def test_dates_are_iso_yyyy_mm_dd_only(client, value: str) -> None:
    json_error(client.get(f"/api/search?q=back&from={quote(value)}"), 400)
    json_error(client.get(f"/api/search?q=back&to={quote(value)}"), 400)


def test_iso_dates_filter(client) -> None:
    body = client.get("/api/search?q=pain&from=2024-01-01&to=2024-12-31").get_json()
    assert body["results"] and all("2024" <= r["date"] < "2025" for r in body["results"])


HUGE = str(10**30)


@pytest.mark.parametrize("query, status", [
    ("", 400), ("q=", 400), ("q=%20%09", 400), ("q=" + "a" * 1001, 400), ("q=%ff%fe", 200),
    ("q=%00back", 200), ("q=back&limit=-1", 400), (f"q=back&limit={HUGE}", 400),
    ("q=back&limit=ten", 400), ("q=back&limit=" + "9" * 5000, 400),
    (f"q=back&offset={HUGE}", 400), ("q=back&offset=-5", 400), ("q=back&offset=1.5", 400),
    ("q=back&from=%ff", 400), ("q=back&to=2024-13-45", 400), ("q=back&tag=%ff%00", 200),
])
def test_api_search_bad_input(client, query: str, status: int) -> None:
    resp = client.get(f"/api/search?{query}")
    if status == 200:
        assert resp.status_code == 200 and "results" in resp.get_json()
    else:
        json_error(resp, status)


@pytest.mark.parametrize("query, status", [
    ("", 400), ("url=", 400), ("url=%00", 404), ("url=javascript:alert(1)", 404),
    ("url=http://[::1", 404), ("url=https://clinic.example:99999/blog/x/", 404),
    ("url=https://clinic.example:abc/", 404), ("url=%ff%fe", 404),
    ("url=https://clinic.example/" + "a" * 3000, 400),
    (f"url={SCIATICA}&limit={HUGE}", 400), (f"url={SCIATICA}&limit=-1", 400),
])
def test_api_related_bad_input(client, query: str, status: int) -> None:
    json_error(client.get(f"/api/related?{query}"), status)


@pytest.mark.parametrize("query, status", [
    ("q=%ff%fe", 200), ("q=%00", 200), (f"q=back&limit={HUGE}", 400),
    ("q=back&offset=-1", 400), ("q=back&offset=abc", 400), ("q=" + "b" * 1001, 400),
])
def test_search_page_bad_input_is_a_friendly_page(client, query: str, status: int) -> None:
    resp = client.get(f"/search?{query}")
    assert resp.status_code == status and resp.mimetype == "text/html"


# Property-based: any mix of known and unknown parameters with any bytes as values.
NAMES = st.one_of(st.sampled_from(["q", "limit", "offset", "url", "tag", "from", "to"]),
                  st.binary(max_size=6))


NUMBERS = st.one_of(st.integers(-(10**40), 10**40).map(str),
                    st.sampled_from(["", " 7 ", "1e3", "0x10", "NaN", "١٢", "1_0", "+5", "-0"]))


VALUES = st.one_of(
    st.binary(max_size=60),
    st.text(max_size=60).map(lambda t: t.encode("utf-8", "surrogatepass")),
    NUMBERS.map(str.encode),
    st.sampled_from([b"javascript:alert(1)", b"\x00", b"http://[::1", SCIATICA.encode(),
                     b"<script>alert(1)</script>", b"https://clinic.example:99999/"]),
)


PAIRS = st.lists(st.tuples(NAMES, VALUES), max_size=6)


PROPERTY = hsettings(max_examples=120, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture])


def _qs(pairs: list[tuple[bytes | str, bytes]]) -> str:
    def enc(b: bytes | str) -> str:
        return quote_from_bytes(b.encode() if isinstance(b, str) else b, safe="")

    return "&".join(f"{enc(k)}={enc(v)}" for k, v in pairs)


@pytest.mark.parametrize("path", ["/api/search", "/api/related"])
@PROPERTY
@given(pairs=PAIRS)
def test_api_never_fails_on_any_parameters(client, path: str, pairs) -> None:
    resp = client.get(f"{path}?{_qs(pairs)}")
    assert resp.status_code in (200, 400, 404)
    if resp.status_code != 200:
        json_error(resp, resp.status_code)


@PROPERTY
@given(pairs=PAIRS)
def test_search_page_never_fails_on_any_parameters(client, pairs) -> None:
    resp = client.get(f"/search?{_qs(pairs)}")
    assert resp.status_code in (200, 400) and resp.mimetype == "text/html"
    assert "Traceback" not in resp.get_data(as_text=True)


def test_deeply_nested_json_is_a_bad_request_not_a_crash() -> None:
    import pytest as _pytest

    from relatedposts.errors import BadRequest
    from relatedposts.web.params import loads_json

    for raw in (b"[" * 5000 + b"]" * 5000, b'{"a":' * 3000 + b"1" + b"}" * 3000):
        with _pytest.raises(BadRequest, match="nested"):
            loads_json(raw)
    assert loads_json(b'{"a": "[[[[", "b": [[1]]}') == {"a": "[[[[", "b": [[1]]}
