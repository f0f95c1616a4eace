"""The training card as the bot shows it, and long messages split for Telegram (C13)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.training import card_text, split_message
from gymiot.training_card import new_card


def test_split_message_keeps_every_line_when_text_is_longer_than_telegram_allows():
    lines = [f"• step {n}: {'x' * 50}" for n in range(110)]
    text = "\n".join(lines)
    assert len(text) > 6000
    chunks = split_message(text)
    assert all(len(chunk) <= 4096 for chunk in chunks)
    assert len(chunks) == 2
    assert "\n".join(chunks) == text


def test_split_message_cuts_a_single_line_when_it_alone_is_too_long():
    chunks = split_message("a" * 5000)
    assert [len(chunk) for chunk in chunks] == [4096, 904]


def test_card_text_marks_the_next_step_when_the_card_is_new():
    card = new_card("c01", [{"machine_id": "bike-1", "kcal_target": 200},
                            {"exercise": "bench-press", "reps_target": 36}],
                    datetime(2026, 3, 1, tzinfo=UTC))
    assert card_text(card).splitlines() == [
        "Your training card, cycle 1:", "➡️ 1. bike-1: 200 kcal left",
        "• 2. bench-press: 36 reps left"]
