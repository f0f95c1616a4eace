"""firestore.rules against the Firestore emulator: what a customer and the manager may read.

Requests go through the emulator's REST API with an unsigned Firebase ID token (the emulator
accepts `alg: none` tokens and evaluates the rules for them, unlike the Admin SDK's requests).
The rules file is loaded into the emulator first, as the emulator itself does on file save.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from google.cloud import firestore

from emulators import suite

BASE = f"http://{suite.FIRESTORE}"
DOCUMENTS = f"{BASE}/v1/projects/{suite.PROJECT_ID}/databases/(default)/documents"


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def id_token(uid: str, **claims: Any) -> str:
    """An unsigned ID token the emulator accepts, with `sub`, `user_id` and extra claims."""
    now = int(time.time())
    payload = {"iss": f"https://securetoken.google.com/{suite.PROJECT_ID}",
               "aud": suite.PROJECT_ID, "iat": now, "exp": now + 3600, "auth_time": now,
               "sub": uid, "user_id": uid,
               "firebase": {"sign_in_provider": "password", "identities": {}}, **claims}
    return f"{_b64({'alg': 'none', 'kid': 'fakekid', 'typ': 'JWT'})}.{_b64(payload)}."


class Browser:
    """A Firestore REST client acting as one signed-in user (or nobody)."""

    def __init__(self, token: str | None) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.client = httpx.Client(headers=headers, timeout=10)

    def get(self, path: str) -> int:
        return self.client.get(f"{DOCUMENTS}/{path}").status_code

    def query(self, collection: str, field: str, value: str) -> int:
        body = {"structuredQuery": {"from": [{"collectionId": collection}], "where": {
            "fieldFilter": {"field": {"fieldPath": field}, "op": "EQUAL",
                            "value": {"stringValue": value}}}}}
        return self.client.post(f"{DOCUMENTS}:runQuery", json=body).status_code

    def write(self, path: str, fields: dict[str, Any]) -> int:
        return self.client.patch(f"{DOCUMENTS}/{path}", json={"fields": fields}).status_code


@pytest.fixture(scope="module", autouse=True)
def rules_loaded(local_suite: None) -> None:
    source = (suite.ROOT / "firestore.rules").read_text()
    response = httpx.put(f"{BASE}/emulator/v1/projects/{suite.PROJECT_ID}:securityRules",
                         json={"rules": {"files": [{"name": "security.rules",
                                                    "content": source}]}}, timeout=10)
    assert response.status_code == 200, response.text


@pytest.fixture
def owners(db: firestore.Client) -> Iterator[dict[str, str]]:
    """Two customers with one document of each kind, ids unique to the test."""
    suffix = uuid.uuid4().hex[:8]
    ids = {"me": f"rules-me-{suffix}", "other": f"rules-other-{suffix}"}
    now = datetime.now(UTC)
    for customer_id in ids.values():
        db.document(f"customers/{customer_id}").set({"name": customer_id, "email": "x@y.test"})
        db.document(f"customers/{customer_id}/years/2026").set({"year": 2026, "months": {}})
        db.document(f"customers/{customer_id}/days/2026-02-28").set({"calories_kcal": 1})
        db.document(f"training_cards/{customer_id}").set({"customer_id": customer_id})
        db.document(f"bills/{customer_id}_2026-02").set({"amount_minor": 4990})
        db.document(f"payments/charge-{customer_id}").set(
            {"customer_id": customer_id, "total_amount_minor": 4990})
        db.document(f"outbox/msg-{customer_id}").set(
            {"customer_id": customer_id, "text": "hi", "created_at": now})
    db.document(f"rooms/rules-room-{suffix}").set({"name": "Rules room", "temperature_c": 22.0})
    ids["room"] = f"rules-room-{suffix}"
    yield ids


OWN_PATHS = ["customers/{id}", "customers/{id}/years/2026", "customers/{id}/days/2026-02-28",
             "training_cards/{id}", "bills/{id}_2026-02", "payments/charge-{id}",
             "outbox/msg-{id}"]


@pytest.mark.parametrize("template", OWN_PATHS)
def test_customer_reads_document_when_it_is_their_own(owners: dict[str, str], template: str
                                                      ) -> None:
    me = Browser(id_token(owners["me"], role="customer"))

    assert me.get(template.format(id=owners["me"])) == 200


@pytest.mark.parametrize("template", OWN_PATHS)
def test_customer_is_denied_when_document_is_another_customers(owners: dict[str, str],
                                                               template: str) -> None:
    me = Browser(id_token(owners["me"], role="customer"))

    assert me.get(template.format(id=owners["other"])) == 403


@pytest.mark.parametrize("template", OWN_PATHS)
def test_anonymous_is_denied_when_reading_any_customer_data(owners: dict[str, str],
                                                            template: str) -> None:
    assert Browser(None).get(template.format(id=owners["me"])) == 403


@pytest.mark.parametrize("template", [*OWN_PATHS, "rooms/{room}"])
def test_manager_reads_document_when_role_claim_is_manager(owners: dict[str, str],
                                                           template: str) -> None:
    manager = Browser(id_token(f"mgr-{owners['me']}", role="manager"))

    assert manager.get(template.format(id=owners["other"], room=owners["room"])) == 200


def test_customer_is_denied_when_reading_rooms(owners: dict[str, str]) -> None:
    me = Browser(id_token(owners["me"], role="customer"))

    assert me.get(f"rooms/{owners['room']}") == 403


def test_customer_lists_outbox_and_payments_when_query_is_filtered_to_them(
        owners: dict[str, str]) -> None:
    me = Browser(id_token(owners["me"], role="customer"))

    assert me.query("outbox", "customer_id", owners["me"]) == 200
    assert me.query("payments", "customer_id", owners["me"]) == 200
    assert me.query("outbox", "customer_id", owners["other"]) == 403


def test_customer_is_denied_when_claiming_manager_role_in_a_different_claim(
        owners: dict[str, str]) -> None:
    me = Browser(id_token(owners["me"], admin=True, roles=["manager"]))

    assert me.get(f"customers/{owners['other']}") == 403


@pytest.mark.parametrize("template", [*OWN_PATHS, "rooms/{room}"])
def test_writes_are_denied_when_made_by_customer_or_manager(owners: dict[str, str],
                                                            template: str) -> None:
    path = template.format(id=owners["me"], room=owners["room"])
    fields = {"calories_kcal": {"doubleValue": 99999.0}}

    assert Browser(id_token(owners["me"], role="customer")).write(path, fields) == 403
    assert Browser(id_token("mgr", role="manager")).write(path, fields) == 403
