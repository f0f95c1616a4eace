"""Sign-in through Firebase Auth: its REST API for passwords, the Admin SDK for tokens and roles.

Locally both talk to the Auth emulator (FIREBASE_AUTH_EMULATOR_HOST). The browser never holds a
Firebase token or the customer record: the server signs in on the user's behalf, verifies the ID
token with the Admin SDK and keeps only uid, role and customer id in its session storage.
"""

from __future__ import annotations

import functools
import logging
import os
from dataclasses import dataclass
from typing import Any, Literal

import firebase_admin
import httpx
from firebase_admin import auth

logger = logging.getLogger(__name__)

Role = Literal["customer", "manager"]
APP_NAME = "gymiot-web"
IDENTITY_PATH = "identitytoolkit.googleapis.com/v1"


class SignInError(Exception):
    """Sign-in or sign-up refused; the message is fit to show to the user."""


@dataclass(frozen=True)
class Account:
    """Who signed in, as the verified ID token says."""

    uid: str
    email: str
    role: Role
    customer_id: str | None


def project_id() -> str:
    env = os.environ
    return env.get("GCLOUD_PROJECT") or env.get("GOOGLE_CLOUD_PROJECT") or "demo-gymiot"


@functools.cache
def admin_app() -> firebase_admin.App:
    """The Admin SDK app of the dashboard (no key file: the emulator needs none)."""
    return firebase_admin.initialize_app(options={"projectId": project_id()}, name=APP_NAME)


def identity_url(method: str) -> str:
    """The Identity Toolkit REST endpoint for `method`, on the emulator when one is set."""
    emulator = os.environ.get("FIREBASE_AUTH_EMULATOR_HOST")
    key = os.environ.get("FIREBASE_WEB_API_KEY", "any")
    base = f"http://{emulator}/{IDENTITY_PATH}" if emulator else f"https://{IDENTITY_PATH}"
    return f"{base}/accounts:{method}?key={key}"


_MESSAGES = {
    "EMAIL_NOT_FOUND": "Wrong email or password.",
    "INVALID_PASSWORD": "Wrong email or password.",
    "INVALID_LOGIN_CREDENTIALS": "Wrong email or password.",
    "USER_DISABLED": "This account is disabled.",
    "EMAIL_EXISTS": "An account with this email already exists.",
    "INVALID_EMAIL": "That email address is not valid.",
    "MISSING_PASSWORD": "Enter a password.",
}


def _call_identity(method: str, body: dict[str, Any]) -> dict[str, Any]:
    try:
        response = httpx.post(identity_url(method), json={**body, "returnSecureToken": True},
                              timeout=10)
    except httpx.HTTPError as error:
        logger.warning("identity service unreachable method=%s error=%s", method, error)
        raise SignInError("The sign-in service is not reachable; try again shortly.") from error
    if response.status_code != 200:
        code = (response.json().get("error", {}).get("message", "") if response.content else "")
        key = code.split(" ")[0].split(":")[0]
        logger.info("identity refused method=%s code=%s", method, code)
        if key.startswith("WEAK_PASSWORD"):
            raise SignInError("Choose a password of at least 6 characters.")
        raise SignInError(_MESSAGES.get(key, "Sign-in failed; check email and password."))
    return response.json()


def verify(id_token: str) -> Account:
    """The account of a verified ID token; role from the `role` claim (default customer)."""
    try:
        claims = auth.verify_id_token(id_token, app=admin_app())
    except (ValueError, auth.InvalidIdTokenError) as error:
        raise SignInError("Your sign-in could not be verified; sign in again.") from error
    role: Role = "manager" if claims.get("role") == "manager" else "customer"
    uid = str(claims["uid"])
    return Account(uid=uid, email=str(claims.get("email", "")), role=role,
                   customer_id=None if role == "manager" else uid)


def sign_in(email: str, password: str) -> Account:
    """Check email and password with Firebase Auth and verify the token it returns."""
    result = _call_identity("signInWithPassword", {"email": email.strip(), "password": password})
    account = verify(result["idToken"])
    logger.info("signed in uid=%s role=%s", account.uid, account.role)
    return account


def sign_up(email: str, password: str) -> Account:
    """Create a customer login; the caller creates the profile and the starter card."""
    result = _call_identity("signUp", {"email": email.strip(), "password": password})
    auth.set_custom_user_claims(result["localId"], {"role": "customer"}, app=admin_app())
    account = verify(result["idToken"])
    logger.info("signed up uid=%s", account.uid)
    return Account(uid=account.uid, email=account.email, role="customer",
                   customer_id=account.uid)


def ensure_user(uid: str, email: str, password: str, role: Role) -> bool:
    """Create an Auth user with a fixed uid and role claim unless it exists; True if created."""
    app = admin_app()
    try:
        auth.get_user(uid, app=app)
        created = False
    except auth.UserNotFoundError:
        auth.create_user(uid=uid, email=email, password=password, email_verified=True, app=app)
        created = True
    auth.set_custom_user_claims(uid, {"role": role}, app=app)
    return created
