"""The Bot API client against a local stand-in: splitting, escaping and what each error does."""

from __future__ import annotations

import re

import pytest

from gymiot.telegram_api import MESSAGE_LIMIT, BotApi, as_html, split_html, utf16_len
from tests.bot_api_stand_in import TOKEN, BotApiStandIn


def card_summary(lines: int = 90) -> str:
    """A training-card summary of about 6000 characters, with formatting on every line."""
    rows = [f"<b>Step {n}</b>: treadmill-{n % 3} — <i>{n * 7} kcal left</i> &amp; rest 60 s"
            for n in range(1, lines + 1)]
    return "<u>Your training card</u>\n" + "\n".join(rows)


@pytest.fixture
def stand_in() -> BotApiStandIn:
    with BotApiStandIn() as server:
        yield server


@pytest.fixture
def api(stand_in: BotApiStandIn) -> BotApi:
    slept: list[float] = []
    client = BotApi(TOKEN, stand_in.url, backoff_s=0.01, sleep=slept.append)
    client.slept = slept  # type: ignore[attr-defined]
    yield client
    client.close()


def test_split_keeps_every_line_when_a_6000_char_summary_is_split():
    text = card_summary()
    assert 5800 < len(text) < 7000
    parts = split_html(text)
    assert len(parts) == 2
    assert all(utf16_len(part) <= MESSAGE_LIMIT for part in parts)
    assert "\n".join(parts) == text


def test_split_closes_and_reopens_a_tag_when_it_spans_the_cut():
    text = "<pre>" + "\n".join(f"line {n:04d}" for n in range(1000)) + "</pre>"
    parts = split_html(text, limit=1000)
    assert len(parts) > 1
    for part in parts:
        assert part.startswith("<pre>") and part.endswith("</pre>")
        assert len(part) <= 1000
    visible = "\n".join(re.sub(r"</?pre>", "", part) for part in parts)
    assert visible == "\n".join(f"line {n:04d}" for n in range(1000))


def test_split_never_cuts_inside_an_entity_or_a_tag_when_a_line_is_too_long():
    text = " ".join(["<b>a&amp;b</b>"] * 600)
    parts = split_html(text, limit=200)
    for part in parts:
        assert len(part) <= 200
        assert re.sub(r"<b>a&amp;b</b>| ", "", part) == ""
    assert sum(part.count("a&amp;b") for part in parts) == 600


def test_split_cuts_a_word_longer_than_a_message_between_characters():
    word = "x" * 10000
    parts = split_html(word)
    assert [len(p) for p in parts] == [4096, 4096, 1808]
    assert "".join(parts) == word


def test_split_counts_utf16_units_when_the_text_has_emoji():
    text = "\n".join(["💪" * 100] * 30)  # 6000 code points, 12000 UTF-16 units
    parts = split_html(text)
    assert all(utf16_len(part) <= MESSAGE_LIMIT for part in parts)
    assert "\n".join(parts) == text


def test_as_html_escapes_what_html_parse_mode_needs_escaped():
    assert as_html("5 < 6 & 7 > 3 <b>") == "5 &lt; 6 &amp; 7 &gt; 3 &lt;b&gt;"


def test_send_delivers_every_part_when_the_text_is_long(api: BotApi, stand_in: BotApiStandIn):
    text = card_summary()
    delivery = api.send_html(555, text)
    assert (delivery.status, delivery.parts_sent, delivery.parts) == ("sent", 2, 2)
    received = stand_in.texts_for(555)
    assert "\n".join(received) == text
    assert all(r["parse_mode"] == "HTML" for r in stand_in.requests_for(555))


def test_blocked_user_is_unreachable_after_one_request_when_403(api: BotApi,
                                                               stand_in: BotApiStandIn):
    stand_in.always(403403, "blocked")
    delivery = api.send_html(403403, "The air conditioner is on")
    assert delivery.status == "unreachable"
    assert "bot was blocked by the user" in delivery.error
    assert len(stand_in.requests_for(403403)) == 1
    assert api.slept == []  # type: ignore[attr-defined]


def test_flood_control_waits_retry_after_then_sends_when_429(api: BotApi,
                                                            stand_in: BotApiStandIn):
    stand_in.then(429, "flood", "flood")
    delivery = api.send_html(429, "hello")
    assert delivery.status == "sent"
    assert len(stand_in.requests_for(429)) == 3
    assert api.slept == [1.0, 1.0]  # type: ignore[attr-defined]


def test_server_errors_are_retried_a_bounded_number_of_times_when_500_persists(
        api: BotApi, stand_in: BotApiStandIn):
    stand_in.always(500, "down")
    delivery = api.send_html(500, "hello")
    assert delivery.status == "failed"
    assert "gave up after 4 attempts" in delivery.error
    assert len(stand_in.requests_for(500)) == 4
    assert api.slept == [0.01, 0.02, 0.04]  # type: ignore[attr-defined]


def test_server_error_then_success_sends_once_when_500_is_transient(api: BotApi,
                                                                   stand_in: BotApiStandIn):
    stand_in.then(501, "down")
    delivery = api.send_html(501, "hello")
    assert (delivery.status, delivery.requests) == ("sent", 2)
    assert stand_in.texts_for(501) == ["hello"]


def test_retry_after_longer_than_the_cap_fails_without_waiting(stand_in: BotApiStandIn):
    stand_in.then(42, "flood")
    with BotApi(TOKEN, stand_in.url, max_retry_after_s=0.5, sleep=pytest.fail) as api:
        delivery = api.send_html(42, "hello")
    assert delivery.status == "failed"
    assert "too long to wait" in delivery.error


def test_waiting_stops_at_the_budget_when_429_repeats(stand_in: BotApiStandIn):
    stand_in.always(4290, "flood")
    slept: list[float] = []
    with BotApi(TOKEN, stand_in.url, max_attempts=10, max_wait_s=2.5, sleep=slept.append) as api:
        delivery = api.send_html(4290, "hello")
    assert delivery.status == "failed"
    assert slept == [1.0, 1.0]
    assert len(stand_in.requests_for(4290)) == 3


def test_wrong_token_fails_at_once_when_401(stand_in: BotApiStandIn):
    with BotApi("999:WRONG", stand_in.url, sleep=pytest.fail) as api:
        delivery = api.send_html(7, "hello")
    assert (delivery.status, delivery.requests) == ("failed", 1)
    assert delivery.error.startswith("401")


def test_resume_sends_only_the_remaining_parts_when_started_mid_way(api: BotApi,
                                                                    stand_in: BotApiStandIn):
    text = card_summary()
    delivery = api.send_html(77, text, start_part=1)
    assert (delivery.status, delivery.parts_sent, delivery.requests) == ("sent", 2, 1)
    assert stand_in.texts_for(77) == [split_html(text)[1]]


def test_bot_api_refuses_to_start_when_there_is_no_token():
    with pytest.raises(ValueError, match="TELEGRAM_BOT_TOKEN"):
        BotApi("")
