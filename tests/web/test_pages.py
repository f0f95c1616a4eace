"""The dashboard's pages as a simulated user sees them: sign-in, data equal to the rollups,
reps entry, and refusals of other people's pages."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from dashboard_helpers import PASSWORD, make_customer, make_manager, sign_in
from google.cloud import firestore
from nicegui import ui
from nicegui.testing.user import User

from web.periods import gym_today

pytestmark = pytest.mark.asyncio


def _year_doc(year: int, kcal_per_month: dict[str, float], seconds: float) -> dict[str, Any]:
    months = {month: {"calories_kcal": kcal, "duration_s": seconds, "sessions": 1,
                      "machines": {"bike-1": {"calories_kcal": kcal, "duration_s": seconds,
                                              "sessions": 1}}}
              for month, kcal in kcal_per_month.items()}
    return {"year": year, "months": months, "calories_kcal": sum(kcal_per_month.values()),
            "duration_s": seconds * len(months), "sessions": len(months)}


async def _eventually_see(user: User, text: str) -> None:
    await user.should_see(text, retries=30)


async def test_sign_in_opens_today_when_password_is_right(user: User, db: firestore.Client
                                                          ) -> None:
    customer = make_customer(db)

    await sign_in(user, customer["email"])

    await _eventually_see(user, "No workout yet today.")
    await user.should_see("Today,")
    await user.should_see(customer["email"])  # the header names who is signed in


async def test_sign_in_is_refused_when_password_is_wrong(user: User, db: firestore.Client
                                                         ) -> None:
    customer = make_customer(db)

    await sign_in(user, customer["email"], "not-the-password")

    await _eventually_see(user, "Wrong email or password.")


async def test_pages_send_to_sign_in_when_nobody_signed_in(user: User) -> None:
    await user.open("/customers/c01/progress")

    await user.should_see("Sign in to see your training")


async def test_root_redirects_to_sign_in_when_nobody_signed_in(user: User) -> None:
    await user.open("/")

    await user.should_see("Sign in to see your training")


async def test_root_redirects_to_today_when_customer_signed_in(user: User, db: firestore.Client
                                                               ) -> None:
    customer = make_customer(db)
    await sign_in(user, customer["email"])
    await _eventually_see(user, "No workout yet today.")

    await user.open("/")

    await _eventually_see(user, "No workout yet today.")


async def test_progress_numbers_equal_rollups_when_customer_has_two_years(
        user: User, db: firestore.Client) -> None:
    year = datetime.now(UTC).year
    customer = make_customer(db)
    base = f"customers/{customer['id']}/years"
    db.document(f"{base}/{year}").set(_year_doc(year, {"01": 120.5, "03": 300.0}, 1800))
    db.document(f"{base}/{year - 1}").set(_year_doc(year - 1, {"02": 99.0}, 600))

    await sign_in(user, customer["email"])
    await _eventually_see(user, "Today,")
    await user.open(f"/customers/{customer['id']}/progress")

    await user.should_see("420.5 kcal")
    await user.should_see("60 min")
    charts = list(user.find(ui.echart).elements)
    calories = next(c for c in charts if "Calories" in c.options["title"]["text"])
    minutes = next(c for c in charts if "Minutes" in c.options["title"]["text"])
    assert calories.options["series"][0]["data"] == [120.5, 0, 300.0] + [0] * 9
    assert calories.options["series"][1]["data"] == [0, 99.0] + [0] * 10
    assert minutes.options["series"][0]["data"] == [30.0, 0, 30.0] + [0] * 9
    assert minutes.options["series"][1]["data"] == [0, 10.0] + [0] * 10


async def test_progress_shows_zeros_when_chosen_year_has_no_rollup(
        user: User, db: firestore.Client) -> None:
    customer = make_customer(db)

    await sign_in(user, customer["email"])
    await _eventually_see(user, "Today,")
    await user.open(f"/customers/{customer['id']}/progress")

    await user.should_see("0 kcal")
    chart = next(iter(user.find(ui.echart).elements))
    assert chart.options["series"][0]["data"] == [0] * 12


async def test_progress_follows_rollup_when_it_changes_while_open(
        user: User, db: firestore.Client) -> None:
    year = datetime.now(UTC).year
    customer = make_customer(db)
    ref = db.document(f"customers/{customer['id']}/years/{year}")
    ref.set(_year_doc(year, {"05": 100.0}, 600))
    await sign_in(user, customer["email"])
    await _eventually_see(user, "Today,")
    await user.open(f"/customers/{customer['id']}/progress")
    await user.should_see("100 kcal")

    ref.set(_year_doc(year, {"05": 250.0}, 600))

    await _eventually_see(user, "250 kcal")


async def test_today_numbers_equal_day_rollup_when_customer_trained_today(
        user: User, db: firestore.Client) -> None:
    from gymiot.config import settings

    customer = make_customer(db, daily_goal_kcal=500)
    day = gym_today(settings().timezone).isoformat()
    db.document(f"customers/{customer['id']}/days/{day}").set({
        "date": day, "calories_kcal": 250.0, "duration_s": 2700, "sessions": 2,
        "machines": {"rower-1": {"calories_kcal": 250.0, "duration_s": 2700, "sessions": 2}}})

    await sign_in(user, customer["email"])

    await _eventually_see(user, "250 kcal")
    await user.should_see("45 min")
    await user.should_see("Daily goal: 50%")


async def _open_squat_card(user: User, db: firestore.Client) -> dict[str, str]:
    """A new customer whose card has one exercise (20 squats), signed in on the card page."""
    customer = make_customer(db)
    db.document(f"training_cards/{customer['id']}").set({
        "customer_id": customer["id"], "cycle": 1, "cycle_started_at": datetime.now(UTC),
        "steps": [{"exercise": "squat", "reps_target": 20, "reps_left": 20}],
        "reminded_steps": [], "applied_event_ids": []})
    await sign_in(user, customer["email"])
    await _eventually_see(user, "Today,")
    await user.open(f"/customers/{customer['id']}/card")
    return customer


async def test_reps_entry_lowers_reps_left_when_number_is_valid(
        user: User, db: firestore.Client) -> None:
    customer = await _open_squat_card(user, db)
    await user.should_see("20 reps left of 20")

    user.find("reps-squat").type("12")
    user.find("add-squat").click()

    await _eventually_see(user, "8 reps left of 20")
    stored = db.document(f"training_cards/{customer['id']}").get().to_dict()
    assert stored["steps"][0]["reps_left"] == 8


async def test_reps_entry_is_refused_when_number_is_not_whole(
        user: User, db: firestore.Client) -> None:
    customer = await _open_squat_card(user, db)

    user.find("reps-squat").type("2.5")
    user.find("add-squat").click()

    await _eventually_see(user, "reps must be a whole number")
    stored = db.document(f"training_cards/{customer['id']}").get().to_dict()
    assert stored["steps"][0]["reps_left"] == 20


async def test_customer_is_refused_when_opening_another_customers_page(
        user: User, db: firestore.Client) -> None:
    customer, other = make_customer(db), make_customer(db)
    db.document(f"customers/{other['id']}/years/{datetime.now(UTC).year}").set(
        _year_doc(datetime.now(UTC).year, {"01": 777.7}, 60))
    await sign_in(user, customer["email"])
    await _eventually_see(user, "Today,")

    await user.open(f"/customers/{other['id']}/progress")

    await user.should_see("Not allowed")
    await user.should_not_see("777.7")


async def test_customer_is_refused_when_opening_a_manager_page(
        user: User, db: firestore.Client) -> None:
    customer = make_customer(db)
    await sign_in(user, customer["email"])
    await _eventually_see(user, "Today,")

    await user.open("/manager/rooms")

    await user.should_see("Not allowed")


async def test_manager_sees_room_and_who_trains_there_when_signed_in(
        user: User, db: firestore.Client) -> None:
    room_id = f"room-web-{uuid.uuid4().hex[:8]}"
    db.document(f"rooms/{room_id}").set({
        "name": f"Room {room_id}", "temperature_c": 26.5, "measured_at": datetime.now(UTC),
        "ac_on": True, "ac_on_at_c": 26.0, "ac_off_at_c": 24.0})
    trainee = make_customer(db, current_room_id=room_id,
                            last_machine_event_at=datetime.now(UTC))
    manager = make_manager()

    await sign_in(user, manager["email"])

    await _eventually_see(user, f"Room {room_id}")
    await user.should_see(f"Training here: Tester {trainee['id']}")
    await user.should_see(f"{manager['email']} (manager)")


async def test_bills_show_amounts_and_status_when_customer_has_bills(
        user: User, db: firestore.Client) -> None:
    customer = make_customer(db)
    db.document(f"bills/{customer['id']}_2026-01").set(
        {"amount_minor": 4990, "currency": "EUR", "status": "paid", "period": "2026-01",
         "invoice_pdf": b"%PDF-1.4 test"})
    db.document(f"bills/{customer['id']}_2026-02").set(
        {"amount_minor": 4990, "currency": "EUR", "status": "unpaid", "period": "2026-02"})
    await sign_in(user, customer["email"])
    await _eventually_see(user, "Today,")

    await user.open(f"/customers/{customer['id']}/bills")

    await user.should_see("2026-02")
    await user.should_see("49.90 EUR")
    await user.should_see("Invoice (PDF)")
    await user.should_see("Pay with /pay")


async def test_link_code_is_stored_for_customer_when_asked(
        user: User, db: firestore.Client) -> None:
    customer = make_customer(db)
    await sign_in(user, customer["email"])
    await _eventually_see(user, "Today,")
    await user.open(f"/customers/{customer['id']}/telegram")
    await user.should_see("Telegram is not linked yet.")

    user.find("link-code").click()

    await _eventually_see(user, "Send /start")
    code = next(iter(user.find("link-code-value").elements)).text
    stored = db.document(f"link_codes/{code}").get().to_dict()
    assert stored["customer_id"] == customer["id"]
    assert stored["used"] is False


async def test_sign_up_creates_profile_and_starter_card_when_email_is_new(
        user: User, db: firestore.Client) -> None:
    email = f"new-{uuid.uuid4().hex[:10]}@example.test"
    await user.open("/signup")
    user.find("name").type("New Member")
    user.find("email").type(email)
    user.find("password").type(PASSWORD)
    user.find("sign-up").click()

    await _eventually_see(user, "Today,")
    found = list(db.collection("customers").where(
        filter=firestore.FieldFilter("email", "==", email)).stream())
    assert len(found) == 1 and found[0].to_dict()["name"] == "New Member"
    card = db.document(f"training_cards/{found[0].id}").get().to_dict()
    assert card["cycle"] == 1 and len(card["steps"]) == 4


async def test_invoice_pdf_is_served_only_when_bill_is_the_customers_own(
        user: User, db: firestore.Client) -> None:
    customer, other = make_customer(db), make_customer(db)
    for owner in (customer, other):
        db.document(f"bills/{owner['id']}_2026-01").set(
            {"amount_minor": 4990, "currency": "EUR", "status": "paid", "period": "2026-01",
             "invoice_pdf": b"%PDF-1.4 " + owner["id"].encode()})
    await sign_in(user, customer["email"])
    await _eventually_see(user, "Today,")

    own = await user.http_client.get(f"/customers/{customer['id']}/bills/2026-01/invoice.pdf")
    foreign = await user.http_client.get(f"/customers/{other['id']}/bills/2026-01/invoice.pdf")

    assert own.status_code == 200
    assert own.content == b"%PDF-1.4 " + customer["id"].encode()
    assert foreign.status_code == 403


async def test_manager_opens_customer_progress_when_signed_in(
        user: User, db: firestore.Client) -> None:
    year = datetime.now(UTC).year
    customer = make_customer(db)
    db.document(f"customers/{customer['id']}/years/{year}").set(
        _year_doc(year, {"02": 321.0}, 600))
    manager = make_manager()
    await sign_in(user, manager["email"])
    await _eventually_see(user, "Rooms")

    await user.open(f"/customers/{customer['id']}/progress")

    await user.should_see(f"customer {customer['id']}")
    await user.should_see("321 kcal")
