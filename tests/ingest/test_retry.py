"""Retries: 429 and 5xx answers and connection errors tried again, Retry-After honoured."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime

import pytest
import requests

from relatedposts.errors import FetchError, FetchRefused
from relatedposts.ingest.retry import MAX_RETRY_AFTER, backoff, retry_after, with_retries


class Answer:
    """The part of a requests.Response that with_retries looks at."""

    def __init__(self, status: int, headers: dict[str, str] | None = None) -> None:
        self.status_code = status
        self.headers = headers or {}
        self.closed = False

    def close(self) -> None:
        self.closed = True


def _sender(*outcomes: object):
    """Return a send() answering (or raising) the outcomes in turn, and its call list."""
    calls: list[object] = []

    def send():
        outcome = outcomes[len(calls)]
        calls.append(outcome)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    return send, calls


def _fail(exc: Exception) -> FetchError:
    return FetchError(f"connection failed: {type(exc).__name__}")


def test_retry_after_in_seconds() -> None:
    assert retry_after("120") == 120.0
    assert retry_after(" 7 ") == 7.0


def test_retry_after_as_an_http_date() -> None:
    now = datetime(2024, 3, 1, 12, 0, 0, tzinfo=UTC).timestamp()
    later = format_datetime(datetime(2024, 3, 1, 12, 0, 45, tzinfo=UTC), usegmt=True)
    assert later == "Fri, 01 Mar 2024 12:00:45 GMT"
    assert retry_after(later, now=lambda: now) == 45.0
    earlier = "Fri, 01 Mar 2024 11:00:00 GMT"
    assert retry_after(earlier, now=lambda: now) == 0.0  # a date past: retry now


@pytest.mark.parametrize("value", [None, "", "soon", "-5", "1.5"])
def test_unusable_retry_after_is_none(value) -> None:
    assert retry_after(value) is None


def test_backoff_doubles_up_to_its_cap() -> None:
    assert [backoff(a) for a in range(6)] == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]


def test_5xx_is_retried_with_backoff_until_it_succeeds() -> None:
    busy, ok = Answer(503), Answer(200)
    send, calls = _sender(Answer(502), busy, ok)
    slept: list[float] = []
    assert with_retries(send, 3, _fail, slept.append) is ok
    assert len(calls) == 3 and slept == [0.5, 1.0]
    assert busy.closed and not ok.closed  # retried answers give their connection back


def test_retry_after_is_honoured_and_capped() -> None:
    send, _ = _sender(Answer(429, {"Retry-After": "3"}), Answer(429, {"Retry-After": "600"}),
                      Answer(200))
    slept: list[float] = []
    assert with_retries(send, 3, _fail, slept.append).status_code == 200
    assert slept == [3.0, MAX_RETRY_AFTER]


def test_the_last_answer_is_returned_when_retries_run_out() -> None:
    send, calls = _sender(*(Answer(503) for _ in range(3)))
    slept: list[float] = []
    assert with_retries(send, 2, _fail, slept.append).status_code == 503
    assert len(calls) == 3 and slept == [0.5, 1.0]


def test_no_retries_means_one_attempt() -> None:
    send, calls = _sender(Answer(500), Answer(200))
    assert with_retries(send, 0, _fail, lambda s: None).status_code == 500
    assert len(calls) == 1


def test_other_statuses_are_not_retried() -> None:
    for status in (200, 304, 404, 301):
        send, calls = _sender(Answer(status), Answer(200))
        assert with_retries(send, 3, _fail, lambda s: None).status_code == status
        assert len(calls) == 1


def test_connection_errors_are_retried_then_reported() -> None:
    errors = [requests.ConnectionError("reset") for _ in range(2)]
    send, calls = _sender(*errors)
    slept: list[float] = []
    with pytest.raises(FetchError, match="^connection failed: ConnectionError$") as info:
        with_retries(send, 1, _fail, slept.append)
    assert len(calls) == 2 and slept == [0.5]
    assert info.value.__cause__ is errors[1]


def test_a_refusal_is_never_retried() -> None:
    send, calls = _sender(FetchRefused("refused: x"), Answer(200))
    with pytest.raises(FetchRefused):
        with_retries(send, 3, _fail, lambda s: None)
    assert len(calls) == 1
