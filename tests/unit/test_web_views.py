"""What the dashboard pages show, computed from rollup documents without an emulator."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from gymiot.errors import InvalidCardChange
from web.billing import bill_rows, money, payment_rows, tips_total
from web.progress import ProgressView, machines_in, monthly
from web.rooms import TemperatureHistory, check_thresholds, room_rows, training_text
from web.session import Session, may_view_customer
from web.today import DEFAULT_DAILY_GOAL_KCAL, TodayView
from web.training import card_rows, parse_reps

YEAR_2026: dict[str, Any] = {"year": 2026, "months": {
    "01": {"calories_kcal": 100.0, "duration_s": 600, "sessions": 1,
           "machines": {"bike-1": {"calories_kcal": 100.0, "duration_s": 600, "sessions": 1}}},
    "03": {"calories_kcal": 250.0, "duration_s": 1800, "sessions": 2,
           "machines": {"bike-1": {"calories_kcal": 50.0, "duration_s": 600, "sessions": 1},
                        "rower-1": {"calories_kcal": 200.0, "duration_s": 1200,
                                    "sessions": 1}}}}}


def test_monthly_calories_are_zero_when_year_has_no_rollup() -> None:
    assert monthly(None, "calories") == [0] * 12


def test_monthly_minutes_are_duration_over_sixty_when_rollup_exists() -> None:
    assert monthly(YEAR_2026, "minutes")[:3] == [10.0, 0, 30.0]


def test_progress_series_follow_machine_when_one_is_selected() -> None:
    view = ProgressView("c1", 2026, machine="rower-1", chosen_doc=YEAR_2026)

    chosen, previous = view.series("calories")

    assert chosen == [0, 0, 200.0] + [0] * 9
    assert previous == [0] * 12
    assert view.previous == 2025


def test_progress_chart_has_chosen_and_previous_year_series() -> None:
    view = ProgressView("c1", 2027, previous_doc=YEAR_2026)

    options = view.chart_options("calories")

    assert [s["name"] for s in options["series"]] == ["2027", "2026"]
    assert options["series"][1]["data"][2] == 250.0
    assert view.totals("calories") == (0, 350.0)


def test_machines_in_lists_every_machine_of_both_years() -> None:
    assert machines_in(YEAR_2026, None) == ["bike-1", "rower-1"]


def test_today_goal_share_is_capped_when_goal_is_exceeded() -> None:
    view = TodayView("c1", date(2026, 3, 1), day_doc={"calories_kcal": 900, "duration_s": 60})
    view.set_profile({"daily_goal_kcal": "lots"})

    assert view.goal_kcal == DEFAULT_DAILY_GOAL_KCAL
    assert view.goal_share == 1.0
    assert view.minutes == 1.0


def test_card_rows_highlight_first_unfinished_step() -> None:
    card = {"steps": [
        {"machine_id": "bike-1", "kcal_target": 100.0, "kcal_left": 0.0},
        {"exercise": "squat", "reps_target": 20, "reps_left": 5},
        {"machine_id": "rower-1", "kcal_target": 80.0, "kcal_left": 80.0}]}

    rows = card_rows(card, {"bike-1": "Exercise bike"})

    assert [r["next"] for r in rows] == [False, True, False]
    assert rows[0]["done"] and rows[0]["name"] == "Exercise bike"
    assert rows[1]["left"] == 5 and rows[1]["unit"] == "reps"


@pytest.mark.parametrize("text", ["", "2.5", "abc", None])
def test_parse_reps_refuses_text_when_not_a_whole_number(text: Any) -> None:
    with pytest.raises(InvalidCardChange, match="whole number"):
        parse_reps(text)


def test_parse_reps_accepts_whole_float_from_number_field() -> None:
    assert parse_reps(12.0) == 12


def test_bill_rows_are_newest_first_with_invoice_link_when_pdf_stored() -> None:
    rows = bill_rows([
        {"id": "c1_2026-01", "amount_minor": 4990, "currency": "EUR", "status": "paid",
         "invoice_pdf": b"%PDF"},
        {"id": "c1_2026-02", "amount_minor": 4990, "currency": "EUR", "status": "unpaid"},
    ], "c1")

    assert [r["period"] for r in rows] == ["2026-02", "2026-01"]
    assert rows[1]["invoice_url"] == "/customers/c1/bills/2026-01/invoice.pdf"
    assert rows[0]["invoice_url"] is None
    assert rows[0]["amount"] == "49.90 EUR"


def test_money_shows_dash_when_amount_is_a_float() -> None:
    assert money(49.9, "EUR") == "—"
    assert money(5000, "JPY") == "5000 JPY"


def test_tips_total_adds_integer_tips_of_payments() -> None:
    rows = payment_rows([{"id": "a", "tip_minor": 500, "amount_minor": 4990, "total_minor": 5490},
                         {"id": "b", "tip_minor": 0, "amount_minor": 4990, "total_minor": 4990}])

    assert tips_total(rows) == 500
    assert {row["total"] for row in rows} == {"54.90 EUR", "49.90 EUR"}


@pytest.mark.parametrize(("on", "off", "message"), [
    (25.0, 25.0, "must be below"), (24.0, 26.0, "must be below"),
    (None, 20.0, "Enter a switch-on"), (80.0, 20.0, "between 10 and 40")])
def test_thresholds_are_refused_when_off_is_not_below_on_or_out_of_range(
        on: Any, off: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_thresholds(on, off)


def test_thresholds_are_accepted_when_off_is_below_on() -> None:
    assert check_thresholds(28, 25.5) == (28.0, 25.5)


def test_room_rows_list_only_customers_seen_in_room_within_45_minutes() -> None:
    now = datetime(2026, 3, 1, 18, 0, tzinfo=UTC)
    customers = [
        {"id": "c1", "name": "Ann", "current_room_id": "room-1",
         "last_machine_event_at": now - timedelta(minutes=10)},
        {"id": "c2", "name": "Bob", "current_room_id": "room-1",
         "last_machine_event_at": now - timedelta(hours=2)},
        {"id": "c3", "name": "Cat", "current_room_id": "room-2",
         "last_machine_event_at": now - timedelta(minutes=1)},
    ]

    rows = room_rows([{"id": "room-1", "temperature_c": 1000.0}], customers, now)

    assert rows[0]["training"] == ["Ann"]
    assert rows[0]["fault"] is True


def test_room_rows_show_when_measured_in_the_gyms_time_zone() -> None:
    measured = datetime(2026, 7, 1, 16, 5, 9, tzinfo=UTC)
    room = {"id": "room-1", "temperature_c": 26.04, "measured_at": measured}

    rows = room_rows([room], [], measured, ZoneInfo("Europe/Rome"))

    assert (rows[0]["measured_at"], rows[0]["temperature"]) == ("18:05:09 CEST", "26.0 °C")


def test_training_text_shortens_long_lists() -> None:
    assert training_text([]) == "nobody"
    assert training_text(["a", "b", "c"], shown=2) == "a, b and 1 more"


def test_customer_may_view_only_own_pages_and_manager_all() -> None:
    alice = Session("c01", "customer", "c01")
    manager = Session("m", "manager", None)

    assert may_view_customer(alice, "c01")
    assert not may_view_customer(alice, "c02")
    assert may_view_customer(manager, "c02")
    assert not may_view_customer(None, "c01")


def test_temperature_history_orders_hourly_averages_before_live_readings() -> None:
    history = TemperatureHistory()
    history.add_hours("room-1", [{"id": "2026-03-01T16", "sum_c": 50.0, "count": 2},
                                 {"id": "2026-03-01T15", "sum_c": 0, "count": 0}])
    history.add([{"id": "room-1", "temperature_c": 26.0,
                  "measured_at": datetime(2026, 3, 1, 17, 5, tzinfo=UTC)},
                 {"id": "room-1", "temperature_c": 1000.0,
                  "measured_at": datetime(2026, 3, 1, 17, 6, tzinfo=UTC)}])

    assert history.series("room-1") == [["2026-03-01T16:30:00+00:00", 25.0],
                                        ["2026-03-01T17:05:00+00:00", 26.0]]
