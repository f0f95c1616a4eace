"""Sign-in, sign-up and sign-out pages."""

from __future__ import annotations

from fastapi.responses import RedirectResponse
from nicegui import run, ui

from web import auth, session
from web.accounts import create_customer
from web.auth import Account, SignInError
from web.layout import BRAND
from web.services import Services


def home_of(account: session.Session) -> str:
    """Where a user lands after signing in."""
    if account.is_manager:
        return "/manager/rooms"
    return f"/customers/{account.customer_id}/today"


def _card(title: str) -> ui.card:
    ui.colors(primary=BRAND)
    ui.query("body").style(f"background: linear-gradient(135deg, {BRAND}, #0f172a)")
    with ui.column().classes("w-full items-center pt-24"):
        card = ui.card().classes("w-96 p-6 gap-3")
        with card:
            ui.label("GymIoT").classes("text-3xl font-bold text-slate-800")
            ui.label(title).classes("text-slate-500")
    return card


def register(services: Services) -> None:
    @ui.page("/")
    def index() -> RedirectResponse:
        """An HTTP redirect, so a browser (or a screenshot of `/`) lands on a page at once."""
        current = session.current()
        return RedirectResponse(home_of(current) if current else "/login")

    @ui.page("/login")
    def login() -> None:
        async def try_sign_in() -> None:
            try:
                account: Account = await run.io_bound(auth.sign_in, email.value, password.value)
            except SignInError as error:
                ui.notify(str(error), type="negative")
                return
            ui.navigate.to(home_of(session.start(account)))

        with _card("Sign in to see your training"):
            email = ui.input("Email").props("outlined autofocus").classes("w-full").mark("email")
            password = ui.input("Password", password=True, password_toggle_button=True) \
                .props("outlined").classes("w-full").mark("password") \
                .on("keydown.enter", try_sign_in)
            ui.button("Sign in", on_click=try_sign_in).classes("w-full").mark("sign-in")
            ui.link("New here? Create an account", "/signup").classes("text-sm")

    @ui.page("/signup")
    def signup() -> None:
        async def try_sign_up() -> None:
            try:
                account = await run.io_bound(create_customer, services.db, name.value,
                                             email.value, password.value)
            except SignInError as error:
                ui.notify(str(error), type="negative")
                return
            ui.navigate.to(home_of(session.start(account)))

        with _card("Create your account"):
            name = ui.input("Name").props("outlined autofocus").classes("w-full").mark("name")
            email = ui.input("Email").props("outlined").classes("w-full").mark("email")
            password = ui.input("Password (6 characters or more)", password=True) \
                .props("outlined").classes("w-full").mark("password")
            ui.button("Create account", on_click=try_sign_up).classes("w-full").mark("sign-up")
            ui.link("Already have an account? Sign in", "/login").classes("text-sm")

    @ui.page("/logout")
    def logout() -> None:
        session.end()
        ui.navigate.to("/login")
