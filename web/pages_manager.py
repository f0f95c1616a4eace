"""Manager pages: rooms live, devices and their faults, customers, payments and tips."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from google.cloud import firestore
from nicegui import run, ui

from gymiot.config import settings
from web.billing import money, payment_rows, tips_total
from web.layout import frame, manager_access, stat
from web.rooms import room_rows, save_thresholds, training_text
from web.services import Services

logger = logging.getLogger(__name__)

RECENT_FAULTS = 50


def _when(value: Any) -> str:
    """A moment in the gym's time zone (2026-12-04 06:54 CET), or a dash."""
    return value.astimezone(settings().timezone).strftime("%Y-%m-%d %H:%M %Z") \
        if isinstance(value, datetime) else "—"


def _table(columns: list[tuple[str, str]], rows: list[dict[str, Any]], key: str,
           title: str = "") -> ui.table:
    return ui.table(columns=[{"name": name, "label": label, "field": name, "align": "left",
                              "sortable": True} for name, label in columns],
                    rows=rows, row_key=key, title=title,
                    pagination={"rowsPerPage": 15}).classes("w-full")


def temperature_options(services: Services, rooms: list[dict[str, Any]]) -> dict[str, Any]:
    """Line chart of each room's temperature since the dashboard started."""
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"type": "scroll", "top": 0},
        "grid": {"left": 40, "right": 16, "top": 40, "bottom": 32},
        "xAxis": {"type": "time"},
        "yAxis": {"type": "value", "name": "°C", "scale": True},
        "series": [{"name": str(room.get("name") or room["id"]), "type": "line",
                    "showSymbol": False, "smooth": True,
                    "data": services.temperatures.series(room["id"])}
                   for room in sorted(rooms, key=lambda r: str(r["id"]))],
    }


def register(services: Services) -> None:
    @ui.page("/manager/rooms")
    async def rooms_page() -> None:
        current = manager_access("rooms")
        if current is None:
            return
        rooms_watch, customers_watch = services.rooms(), services.recent_customers()
        rooms = await rooms_watch.wait_ready()
        await run.io_bound(services.temperatures.backfill, services.db,
                           [str(room["id"]) for room in rooms], datetime.now(UTC))
        services.temperatures.add(rooms)
        await customers_watch.wait_ready()

        async def save(room_id: str, on_field: ui.number, off_field: ui.number) -> None:
            try:
                await run.io_bound(save_thresholds, services.db, room_id, on_field.value,
                                   off_field.value)
            except ValueError as error:
                ui.notify(str(error), type="negative")
                return
            ui.notify(f"Thresholds of {room_id} saved", type="positive")

        with frame("Rooms", current):
            with ui.card().classes("w-full"):
                ui.label("Temperature: hourly averages of the last day, then every reading") \
                    .classes("text-slate-600")
                chart = ui.echart(temperature_options(services, rooms_watch.value)) \
                    .classes("w-full h-64 temperature-chart")

            @ui.refreshable
            def room_cards() -> None:
                rows = room_rows(rooms_watch.value, services.recent_customers().value,
                                 datetime.now(UTC), settings().timezone)
                with ui.element("div").classes("w-full grid gap-4 grid-cols-1 md:grid-cols-3"):
                    for row in rows:
                        with ui.card().classes("gap-2").props(
                                f"data-room={row['id']}"):
                            with ui.row().classes("w-full items-center"):
                                ui.label(row["name"]).classes("text-lg font-medium")
                                ui.space()
                                ui.badge("AC on" if row["ac_on"] else "AC off",
                                         color="info" if row["ac_on"] else "grey")
                            ui.label(row["temperature"]).classes("text-4xl font-semibold")
                            if row["fault"]:
                                ui.label("implausible reading: thermometer fault?") \
                                    .classes("text-xs text-negative")
                            ui.label(f"measured {row['measured_at']}") \
                                .classes("text-xs text-slate-500")
                            ui.label(f"Training here: {training_text(row['training'])}") \
                                .classes("text-sm")
                            with ui.row().classes("items-center gap-2"):
                                on_field = ui.number("AC on at °C", value=row["on_at_c"],
                                                     step=0.5).classes("w-28")
                                off_field = ui.number("AC off at °C", value=row["off_at_c"],
                                                      step=0.5).classes("w-28")
                                ui.button("Save", on_click=lambda r=row["id"], a=on_field,
                                          b=off_field: save(r, a, b)).props("no-caps dense")

            room_cards()

        def _handle_change() -> None:
            chart.options.update(temperature_options(services, rooms_watch.value))
            chart.update()
            room_cards.refresh()

        rooms_watch.changed.subscribe(_handle_change)
        customers_watch.changed.subscribe(room_cards.refresh)
        # "Training here" ages out without any write, so the list is re-evaluated each minute.
        ui.timer(60, room_cards.refresh)

    @ui.page("/manager/devices")
    async def devices_page() -> None:
        current = manager_access("devices")
        if current is None:
            return
        devices_watch = services.query("devices", lambda db: db.collection("devices"))
        faults_watch = services.query("device_errors", lambda db: db.collection("device_errors")
                                      .order_by("detected_at",
                                                direction=firestore.Query.DESCENDING)
                                      .limit(RECENT_FAULTS))
        await devices_watch.wait_ready()
        await faults_watch.wait_ready()
        await services.machines().wait_ready()

        with frame("Devices", current):
            @ui.refreshable
            def tables() -> None:
                faults_by_device = {d["id"]: d for d in devices_watch.value}
                devices = [{"id": m["id"], "name": m.get("name", m["id"]),
                            "room": m.get("room_id", ""),
                            "faults": faults_by_device.get(m["id"], {}).get("fault_count", 0),
                            "last_fault": _when(faults_by_device.get(m["id"], {})
                                                .get("last_fault_at"))}
                           for m in services.machines().value]
                known = {d["id"] for d in devices}
                devices += [{"id": d["id"], "name": d["id"], "room": d.get("room_id", ""), "faults":
                             d.get("fault_count", 0), "last_fault": _when(d.get("last_fault_at"))}
                            for d in devices_watch.value if d["id"] not in known]
                _table([("name", "Device"), ("id", "Id"), ("room", "Room"),
                        ("faults", "Faults"), ("last_fault", "Last fault")],
                       sorted(devices, key=lambda d: d["id"]), "id", "Devices")
                faults = [{"id": f["id"], "when": _when(f.get("detected_at")),
                           "device": f.get("device_id", ""), "room": f.get("room_id", ""),
                           "reason": f.get("reason", ""), "emailed": "yes" if f.get("emailed")
                           else "pending"} for f in faults_watch.value]
                _table([("when", "When"), ("device", "Device"), ("room", "Room"),
                        ("reason", "Reason"), ("emailed", "Emailed")], faults, "id",
                       f"Recent faults (last {RECENT_FAULTS})")

            tables()

        devices_watch.changed.subscribe(tables.refresh)
        faults_watch.changed.subscribe(tables.refresh)

    @ui.page("/manager/customers")
    async def customers_page() -> None:
        current = manager_access("customers")
        if current is None:
            return
        watch = services.customers()
        await watch.wait_ready()

        with frame("Customers", current):
            @ui.refreshable
            def table() -> None:
                rows = [{"id": c["id"], "name": c.get("name", ""), "email": c.get("email", ""),
                         "room": c.get("current_room_id") or "—",
                         "last_seen": _when(c.get("last_machine_event_at")),
                         "telegram": "linked" if c.get("telegram_chat_id") else "—",
                         "fee": money(c.get("monthly_fee_minor"), c.get("currency"))}
                        for c in sorted(watch.value, key=lambda c: c["id"])]
                grid = _table([("id", "Id"), ("name", "Name"), ("email", "Email"),
                               ("room", "Room"), ("last_seen", "Last machine use"),
                               ("telegram", "Telegram"), ("fee", "Monthly fee")], rows, "id")
                grid.on("rowClick", lambda e: ui.navigate.to(
                    f"/customers/{e.args[1]['id']}/progress"))

            ui.label("Click a customer to see their pages.").classes("text-slate-500")
            table()

        watch.changed.subscribe(table.refresh)

    @ui.page("/manager/payments")
    async def payments_page() -> None:
        current = manager_access("payments")
        if current is None:
            return
        watch = services.query("payments", lambda db: db.collection("payments"))
        await watch.wait_ready()

        with frame("Payments and tips", current):
            @ui.refreshable
            def summary() -> None:
                rows = payment_rows(watch.value)
                currencies = {p.get("currency", "EUR") for p in watch.value} or {"EUR"}
                tips = tips_total(rows)
                with ui.row().classes("w-full gap-4"):
                    stat("Payments", str(len(rows)))
                    stat("Tips", money(tips, next(iter(currencies)))
                         if len(currencies) == 1 else f"{tips} (mixed currencies)")
                _table([("when", "When"), ("customer_id", "Customer"), ("period", "Period"),
                        ("amount", "Bill"), ("tip", "Tip"), ("total", "Paid"),
                        ("status", "Status"),
                        ("id", "Charge id")], rows, "id")

            summary()

        watch.changed.subscribe(summary.refresh)
