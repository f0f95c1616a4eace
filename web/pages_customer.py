"""Customer pages: today, progress, training card, bills, Telegram, messages.

Every page takes the customer id from its path and checks it against the server-side session
before reading anything; the data comes from shared listeners (see web.live).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from fastapi import Response
from fastapi.responses import RedirectResponse
from google.cloud import firestore
from nicegui import app, run, ui

from gymiot.errors import InvalidCardChange
from gymiot.linking import issue_link_code
from web import session
from web.billing import bill_rows, customer_bills_query, invoice_bytes
from web.layout import customer_access, frame, stat
from web.periods import gym_today, year_choices
from web.progress import ProgressView, year_path
from web.services import Services
from web.today import TodayView, day_path
from web.training import card_path, card_rows, parse_reps, record_reps

logger = logging.getLogger(__name__)


def _tz() -> Any:
    from gymiot.config import settings

    return settings().timezone


def register(services: Services) -> None:
    @ui.page("/customers/{customer_id}/today")
    async def today_page(customer_id: str) -> None:
        current = customer_access(customer_id)
        if current is None:
            return
        view = TodayView(customer_id, gym_today(_tz()))
        day_watch = services.document(day_path(customer_id, view.day))
        profile_watch = services.document(f"customers/{customer_id}")
        await services.machines().wait_ready()
        view.day_doc = await day_watch.wait_ready()
        view.set_profile(await profile_watch.wait_ready())
        view.machine_names = services.machine_names()

        with frame(f"Today, {view.day:%A %d %B %Y}", current, customer_id):
            @ui.refreshable
            def figures() -> None:
                with ui.row().classes("w-full gap-4"):
                    stat("Calories", f"{view.calories_kcal:g} kcal",
                         f"goal {view.goal_kcal:g} kcal")
                    stat("Minutes", f"{view.minutes:g} min")
                    stat("Sessions", str(view.sessions))
                with ui.card().classes("w-full"):
                    ui.label(f"Daily goal: {view.goal_share:.0%}").classes("text-slate-600")
                    ui.linear_progress(view.goal_share, show_value=False, size="12px") \
                        .props("rounded color=positive")
                rows = view.machine_rows()
                if rows:
                    ui.table(columns=[
                        {"name": "machine", "label": "Machine", "field": "machine",
                         "align": "left"},
                        {"name": "kcal", "label": "Calories (kcal)", "field": "kcal"},
                        {"name": "min", "label": "Minutes", "field": "min"},
                        {"name": "sessions", "label": "Sessions", "field": "sessions"},
                    ], rows=rows, row_key="machine").classes("w-full")
                else:
                    ui.label("No workout yet today.").classes("text-slate-500")

            figures()

        def _handle_day(value: dict[str, Any] | None) -> None:
            view.day_doc = value
            figures.refresh()

        def _handle_profile(value: dict[str, Any] | None) -> None:
            view.set_profile(value)
            figures.refresh()

        day_watch.changed.subscribe(_handle_day)
        profile_watch.changed.subscribe(_handle_profile)

    @ui.page("/customers/{customer_id}/progress")
    async def progress_page(customer_id: str) -> None:
        current = customer_access(customer_id)
        if current is None:
            return
        today = gym_today(_tz())
        view = ProgressView(customer_id, today.year)
        await services.machines().wait_ready()
        view.machine_names = services.machine_names()
        subscribed: set[str] = set()

        async def load() -> None:
            watches = [services.document(year_path(customer_id, y))
                       for y in (view.year, view.previous)]
            view.chosen_doc, view.previous_doc = [await w.wait_ready() for w in watches]
            for watch in watches:
                if watch.key not in subscribed:
                    subscribed.add(watch.key)
                    watch.changed.subscribe(_handle_year)

        def _handle_year() -> None:
            view.chosen_doc = services.document(year_path(customer_id, view.year)).value
            view.previous_doc = services.document(year_path(customer_id, view.previous)).value
            redraw()

        await load()
        with frame("Progress", current, customer_id):
            with ui.row().classes("items-center gap-4"):
                year_select = ui.select({y: str(y) for y in year_choices(today)},
                                        value=view.year, label="Year").classes("w-32")
                machine_select = ui.select(view.machine_options(), value=view.machine,
                                           label="Machine").classes("w-56")
                compare = ui.label().classes("text-slate-500")
            with ui.row().classes("w-full gap-4"):
                kcal_stat = stat("Calories this year", "")
                min_stat = stat("Minutes this year", "")
            with ui.card().classes("w-full"):
                calories_chart = ui.echart(view.chart_options("calories")) \
                    .classes("w-full h-72 calories-chart")
            with ui.card().classes("w-full"):
                minutes_chart = ui.echart(view.chart_options("minutes")) \
                    .classes("w-full h-72 minutes-chart")

            @ui.refreshable
            def machine_table() -> None:
                ui.table(columns=[
                    {"name": "machine", "label": "Machine", "field": "machine", "align": "left"},
                    {"name": "kcal", "label": f"kcal {view.year}", "field": "kcal"},
                    {"name": "kcal_prev", "label": f"kcal {view.previous}",
                     "field": "kcal_prev"},
                    {"name": "min", "label": f"min {view.year}", "field": "min"},
                    {"name": "min_prev", "label": f"min {view.previous}", "field": "min_prev"},
                ], rows=view.machine_rows(), row_key="machine",
                    title="Per machine").classes("w-full")

            machine_table()

        def redraw() -> None:
            kcal, kcal_prev = view.totals("calories")
            mins, mins_prev = view.totals("minutes")
            kcal_stat.text = f"{kcal:g} kcal"
            min_stat.text = f"{mins:g} min"
            compare.text = f"{view.year} against {view.previous}: " \
                f"{kcal_prev:g} kcal, {mins_prev:g} min the year before"
            machine_select.set_options(view.machine_options(), value=view.machine
                                       if view.machine in view.machine_options() else "all")
            for chart, measure in ((calories_chart, "calories"), (minutes_chart, "minutes")):
                chart.options.clear()
                chart.options.update(view.chart_options(measure))  # type: ignore[arg-type]
                chart.update()
            machine_table.refresh()

        async def _handle_year_choice(event: Any) -> None:
            view.year = int(event.value)
            await load()
            redraw()

        def _handle_machine_choice(event: Any) -> None:
            view.machine = event.value or "all"
            redraw()

        year_select.on_value_change(_handle_year_choice)
        machine_select.on_value_change(_handle_machine_choice)
        redraw()

    @ui.page("/customers/{customer_id}/card")
    async def card_page(customer_id: str) -> None:
        current = customer_access(customer_id)
        if current is None:
            return
        watch = services.document(card_path(customer_id))
        await services.machines().wait_ready()
        card = {"value": await watch.wait_ready()}
        names = services.machine_names()

        async def add_reps(exercise: str, field: ui.number) -> None:
            try:
                reps = parse_reps(field.value)
                card["value"] = await run.io_bound(record_reps, services.db, customer_id,
                                                   exercise, reps)
            except InvalidCardChange as error:
                ui.notify(str(error), type="negative")
                return
            ui.notify(f"{reps} reps of {exercise} recorded", type="positive")
            steps.refresh()

        with frame("Training card", current, customer_id):
            @ui.refreshable
            def steps() -> None:
                value = card["value"]
                if not value:
                    ui.label("No training card yet: ask the staff for one.")
                    return
                started = value.get("cycle_started_at")
                when = started.astimezone(_tz()).strftime("%d %B %Y") \
                    if isinstance(started, datetime) else "—"
                ui.label(f"Cycle {value.get('cycle', 1)}, started {when}. When every step is "
                         "done, a new cycle starts with the targets reset.") \
                    .classes("text-slate-600")
                for row in card_rows(value, names):
                    style = "border-l-4 border-blue-700 bg-blue-50" if row["next"] else \
                        ("opacity-60" if row["done"] else "")
                    with ui.card().classes(f"w-full {style}").props(
                            f"data-step={row['number']}"):
                        with ui.row().classes("w-full items-center gap-4"):
                            ui.label(str(row["number"])).classes(
                                "text-2xl font-bold text-slate-400 w-8")
                            with ui.column().classes("grow gap-0"):
                                ui.label(row["name"]).classes("text-lg font-medium")
                                ui.label(f"{row['left']:g} {row['unit']} left of "
                                         f"{row['target']:g}").classes("text-slate-600")
                            if row["next"]:
                                ui.badge("next", color="primary")
                            elif row["done"]:
                                ui.badge("done", color="positive")
                            if row["exercise"] and not row["done"]:
                                field = ui.number("reps", min=1, max=1000, step=1,
                                                  format="%d").classes("w-24") \
                                    .mark(f"reps-{row['exercise']}")
                                ui.button("Add reps", on_click=lambda e=row["exercise"],
                                          f=field: add_reps(e, f)).props("no-caps") \
                                    .mark(f"add-{row['exercise']}")

            steps()

        def _handle_card(value: dict[str, Any] | None) -> None:
            card["value"] = value
            steps.refresh()

        watch.changed.subscribe(_handle_card)

    @ui.page("/customers/{customer_id}/bills")
    async def bills_page(customer_id: str) -> None:
        current = customer_access(customer_id)
        if current is None:
            return
        watch = services.query(f"bills:{customer_id}",
                               lambda db: customer_bills_query(db, customer_id))
        rows = {"value": bill_rows(await watch.wait_ready(), customer_id)}

        with frame("Bills", current, customer_id):
            @ui.refreshable
            def bills() -> None:
                if not rows["value"]:
                    ui.label("No bills yet.").classes("text-slate-500")
                    return
                for row in rows["value"]:
                    with ui.card().classes("w-full"):
                        with ui.row().classes("w-full items-center gap-6"):
                            ui.label(row["period"]).classes("text-lg font-medium w-28")
                            ui.label(row["amount"]).classes("text-lg w-32")
                            if row["tip"]:
                                ui.label(f"+ {row['tip']} tip, thank you!") \
                                    .classes("text-sm text-slate-500")
                            ui.badge("paid" if row["paid"] else row["status"],
                                     color="positive" if row["paid"] else "warning")
                            ui.space()
                            if row["invoice_url"]:
                                ui.link("Invoice (PDF)", row["invoice_url"], new_tab=True)
                            elif row["invoice_number"]:
                                ui.label(f"Invoice {row['invoice_number']} sent by email") \
                                    .classes("text-sm text-slate-500")
                            elif not row["paid"]:
                                ui.label("Pay with /pay in the Telegram bot") \
                                    .classes("text-sm text-slate-500")

            bills()

        def _handle_bills(value: list[dict[str, Any]]) -> None:
            rows["value"] = bill_rows(value, customer_id)
            bills.refresh()

        watch.changed.subscribe(_handle_bills)

    @app.get("/customers/{customer_id}/bills/{period}/invoice.pdf")
    def invoice_pdf(customer_id: str, period: str) -> Response:
        if not session.may_view_customer(session.current(), customer_id):
            logger.warning("invoice refused customer_id=%s period=%s", customer_id, period)
            return RedirectResponse("/login") if session.current() is None \
                else Response("Not allowed", status_code=403)
        snap = services.db.collection("bills").document(f"{customer_id}_{period}").get()
        pdf = invoice_bytes(snap.to_dict() if snap.exists else None)
        if pdf is None:
            return Response("No invoice for this bill yet", status_code=404)
        return Response(pdf, media_type="application/pdf", headers={
            "Content-Disposition": f'inline; filename="gymiot-invoice-{period}.pdf"'})

    @ui.page("/customers/{customer_id}/telegram")
    async def telegram_page(customer_id: str) -> None:
        current = customer_access(customer_id)
        if current is None:
            return
        watch = services.document(f"customers/{customer_id}")
        profile = {"value": await watch.wait_ready()}

        async def new_code() -> None:
            code = await run.io_bound(issue_link_code, services.db, customer_id)
            code_label.text = code.code
            expiry.text = "Send /start " + code.code + " to the GymIoT bot before " + \
                code.expires_at.astimezone(_tz()).strftime("%H:%M") + " (15 minutes)."
            code_box.set_visibility(True)

        with frame("Telegram", current, customer_id):
            @ui.refreshable
            def status() -> None:
                chat = (profile["value"] or {}).get("telegram_chat_id")
                with ui.row().classes("items-center gap-2"):
                    ui.icon("check_circle" if chat else "link_off", size="2rem",
                            color="positive" if chat else "grey")
                    ui.label("Your Telegram account is linked." if chat else
                             "Telegram is not linked yet.").classes("text-lg")

            with ui.card().classes("w-full gap-3"):
                status()
                ui.label("Link your Telegram account with a one-time code to pay your bill "
                         "and get alerts in the bot.").classes("text-slate-600")
                ui.button("Get a link code", icon="key", on_click=new_code).props("no-caps") \
                    .mark("link-code")
                with ui.column().classes("gap-1") as code_box:
                    code_label = ui.label().classes("text-3xl font-mono tracking-widest") \
                        .mark("link-code-value")
                    expiry = ui.label().classes("text-slate-600")
                code_box.set_visibility(False)

        def _handle_profile(value: dict[str, Any] | None) -> None:
            profile["value"] = value
            status.refresh()

        watch.changed.subscribe(_handle_profile)

    @ui.page("/customers/{customer_id}/messages")
    async def messages_page(customer_id: str) -> None:
        current = customer_access(customer_id)
        if current is None:
            return
        watch = services.query(f"outbox:{customer_id}", lambda db: db.collection("outbox").where(
            filter=firestore.FieldFilter("customer_id", "==", customer_id)))
        messages = {"value": await watch.wait_ready()}

        with frame("Messages", current, customer_id):
            ui.label("What GymIoT sent you (on Telegram when it is linked).") \
                .classes("text-slate-600")

            @ui.refreshable
            def inbox() -> None:
                newest = sorted(messages["value"], reverse=True,
                                key=lambda m: m.get("created_at") or datetime.min.replace(
                                    tzinfo=UTC))[:50]
                if not newest:
                    ui.label("No messages yet.").classes("text-slate-500")
                for message in newest:
                    created = message.get("created_at")
                    with ui.card().classes("w-full"):
                        with ui.row().classes("w-full items-center gap-2"):
                            ui.badge(str(message.get("kind", "message")))
                            ui.label(created.astimezone(_tz()).strftime("%d %b %Y %H:%M")
                                     if isinstance(created, datetime) else "") \
                                .classes("text-sm text-slate-500")
                            ui.space()
                            ui.label(str(message.get("status", ""))).classes(
                                "text-xs text-slate-400")
                        ui.label(str(message.get("text", ""))).classes("whitespace-pre-line")

            inbox()

        def _handle_messages(value: list[dict[str, Any]]) -> None:
            messages["value"] = value
            inbox.refresh()

        watch.changed.subscribe(_handle_messages)
