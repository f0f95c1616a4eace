"""The training card as the bot shows it, and long messages split for Telegram (C13)."""

from __future__ import annotations

import html
from datetime import UTC, datetime

from bot.training import as_messages, card_text
from gymiot.telegram_api import utf16_len
from gymiot.training_card import new_card


def test_long_card_text_arrives_in_parts_within_telegrams_limit_with_nothing_lost():
    """C13 on the bot's own path: emoji count two UTF-16 units, markup-like text is escaped."""
    lines = [f"➡️ step {n} <squat> & {'x' * 50}" for n in range(110)]
    text = "\n".join(lines)
    assert len(text) > 6000
    parts = as_messages(text)
    assert sum(utf16_len(part) for part in parts) > 2 * 4096  # escaped: &lt; &gt; &amp;
    assert len(parts) == 3
    assert all(utf16_len(part) <= 4096 for part in parts)
    assert html.unescape("\n".join(parts)) == text


def test_single_line_longer_than_a_message_is_cut_between_characters():
    parts = as_messages("a" * 5000)
    assert [len(part) for part in parts] == [4096, 904]


def test_card_text_marks_the_next_step_when_the_card_is_new():
    card = new_card("c01", [{"machine_id": "bike-1", "kcal_target": 200},
                            {"exercise": "bench-press", "reps_target": 36}],
                    datetime(2026, 3, 1, tzinfo=UTC))
    assert card_text(card).splitlines() == [
        "Your training card, cycle 1:", "➡️ 1. bike-1: 200 kcal left",
        "• 2. bench-press: 36 reps left"]
