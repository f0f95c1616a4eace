"""The frame around every page, and the server-side checks of who may open it."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from nicegui import ui

from web import session
from web.session import Session

logger = logging.getLogger(__name__)

BRAND = "#1e3a8a"


def customer_links(customer_id: str) -> list[tuple[str, str, str]]:
    base = f"/customers/{customer_id}"
    return [("Today", f"{base}/today", "today"), ("Progress", f"{base}/progress", "insights"),
            ("Training card", f"{base}/card", "checklist"), ("Bills", f"{base}/bills", "receipt"),
            ("Telegram", f"{base}/telegram", "send"), ("Messages", f"{base}/messages", "mail")]


MANAGER_LINKS = [("Rooms", "/manager/rooms", "thermostat"),
                 ("Devices", "/manager/devices", "sensors"),
                 ("Customers", "/manager/customers", "groups"),
                 ("Payments", "/manager/payments", "payments")]


@contextmanager
def frame(title: str, current: Session, customer_id: str | None = None) -> Iterator[None]:
    """Header with navigation for the signed-in role, then the page's own content."""
    ui.colors(primary=BRAND)
    ui.query("body").style("background-color: #f1f5f9")
    links = MANAGER_LINKS if current.is_manager else []
    if customer_id is not None:
        links = links + customer_links(customer_id) if current.is_manager else \
            customer_links(customer_id)
    with ui.header().classes("items-center px-6 py-2 gap-4").style(f"background: {BRAND}"):
        ui.label("GymIoT").classes("text-xl font-bold tracking-wide")
        with ui.row().classes("gap-1 grow"):
            for label, target, icon in links:
                ui.button(label, icon=icon, on_click=lambda t=target: ui.navigate.to(t)) \
                    .props("flat color=white no-caps dense").classes("px-2")
        who = current.email or current.uid
        ui.label(f"{who} (manager)" if current.is_manager else who) \
            .classes("text-sm opacity-80")
        ui.button("Sign out", on_click=lambda: ui.navigate.to("/logout")) \
            .props("outline color=white no-caps dense")
    with ui.column().classes("w-full max-w-6xl mx-auto p-6 gap-4"):
        with ui.row().classes("items-baseline gap-3"):
            ui.label(title).classes("text-2xl font-semibold text-slate-800")
            if current.is_manager and customer_id is not None:
                ui.label(f"customer {customer_id}").classes("text-slate-500")
        yield


def refuse(current: Session | None, what: str) -> None:
    """The page shown instead of data the signed-in user may not see."""
    logger.warning("access refused uid=%s what=%s", current.uid if current else None, what)
    with ui.column().classes("w-full items-center p-12 gap-4"):
        ui.icon("block", size="3rem", color="negative")
        ui.label("Not allowed: this page belongs to another account.").classes("text-lg")
        ui.link("Back to your pages", "/")


def signed_in() -> Session | None:
    """The session, or None after sending the browser to the sign-in page."""
    current = session.current()
    if current is None:
        ui.navigate.to("/login")
    return current


def customer_access(customer_id: str) -> Session | None:
    """The session when it may see `customer_id`'s pages; otherwise a refusal (or sign-in)."""
    current = signed_in()
    if current is None:
        return None
    if not session.may_view_customer(current, customer_id):
        refuse(current, f"customer {customer_id}")
        return None
    return current


def manager_access(page: str) -> Session | None:
    """The session when its user is the manager; otherwise a refusal (or sign-in)."""
    current = signed_in()
    if current is None:
        return None
    if not current.is_manager:
        refuse(current, page)
        return None
    return current


def stat(label: str, value: str, hint: str = "") -> ui.label:
    """A figure card; returns the value label so the page can update it."""
    with ui.card().classes("min-w-48 grow"):
        ui.label(label).classes("text-xs uppercase tracking-wide text-slate-500")
        value_label = ui.label(value).classes("text-3xl font-semibold text-slate-800")
        if hint:
            ui.label(hint).classes("text-xs text-slate-500")
    return value_label
