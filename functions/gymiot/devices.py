"""Device faults: every rejected reading is kept, and the manager is emailed a digest per device.

The first fault of a device is emailed at once; faults that follow within the window wait, and
the next email (at the end of the window, sent by the every-minute tick) carries all of them.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from gymiot.config import Settings
from gymiot.mail import send_mail

logger = logging.getLogger(__name__)


def fault_id(fault: Mapping[str, Any]) -> str:
    """A stable id for a fault (the rejected message's id, or a hash of the reading)."""
    source = fault.get("message_id") or f"{fault.get('device_id')}|{fault.get('reading')}"
    return hashlib.sha256(str(source).encode()).hexdigest()[:32]


def digest_text(device_id: str, faults: Sequence[Mapping[str, Any]]) -> tuple[str, str]:
    """Subject and body of one email about a device's faults."""
    rooms = sorted({str(f.get("room_id", "unknown")) for f in faults})
    subject = f"[GymIoT] {len(faults)} faulty reading(s) from {device_id}"
    lines = [f"Device {device_id} in {', '.join(rooms)} sent readings that cannot count:", ""]
    for number, fault in enumerate(faults, start=1):
        lines += [
            f"{number}. {fault.get('detected_at', '')}",
            f"   reason:  {fault.get('reason', '')}",
            f"   room:    {fault.get('room_id', 'unknown')}",
            f"   reading: {fault.get('reading', '')}",
            "",
        ]
    lines.append("Nothing from these readings was added to any total.")
    return subject, "\n".join(lines)


def record_faults(db: firestore.Client, device_id: str, faults: Sequence[Mapping[str, Any]]
                  ) -> int:
    """Keep each fault once in `device_errors`; returns how many were new."""
    new = 0
    for fault in faults:
        detected_at = fault.get("detected_at")
        when = datetime.fromisoformat(detected_at) if detected_at else datetime.now(UTC)
        doc = {
            "device_id": device_id, "room_id": fault.get("room_id", "unknown"),
            "reason": fault.get("reason", ""), "reading": fault.get("reading", ""),
            "message_id": fault.get("message_id"), "emailed": False,
            "detected_at": when,
        }
        try:
            db.collection("device_errors").document(fault_id(fault)).create(doc)
            new += 1
        except Exception as error:
            from google.api_core.exceptions import AlreadyExists

            if not isinstance(error, AlreadyExists):
                raise
    summary: dict[str, Any] = {"last_fault_at": datetime.now(UTC),
                               "fault_count": firestore.Increment(new)}
    rooms = [f["room_id"] for f in faults if f.get("room_id") not in (None, "", "unknown")]
    if rooms:  # thermometers are in no catalogue: the manager's device list shows this room
        summary["room_id"] = rooms[-1]
    db.collection("devices").document(device_id).set(summary, merge=True)
    logger.info("device faults recorded device_id=%s new=%d", device_id, new)
    return new


def email_due(db: firestore.Client, settings: Settings, device_id: str, force: bool = False
              ) -> int:
    """Email the manager the device's pending faults unless a digest went out within the window.

    Returns how many faults the email carried (0 when none was due).
    """
    device_ref = db.collection("devices").document(device_id)
    now = datetime.now(UTC)
    window = timedelta(seconds=settings.fault_email_window_s)

    @firestore.transactional
    def claim(transaction: firestore.Transaction) -> bool:
        snapshot = device_ref.get(transaction=transaction)
        last = (snapshot.to_dict() or {}).get("last_fault_email_at")
        if not force and last is not None and now - last < window:
            return False
        transaction.set(device_ref, {"last_fault_email_at": now}, merge=True)
        return True

    pending_query = (
        db.collection("device_errors")
        .where(filter=FieldFilter("device_id", "==", device_id))
        .where(filter=FieldFilter("emailed", "==", False))
    )
    pending = list(pending_query.stream())
    if not pending or not claim(db.transaction()):
        return 0
    faults = sorted((snap.to_dict() for snap in pending), key=lambda f: f["detected_at"])
    for fault in faults:
        fault["detected_at"] = fault["detected_at"].isoformat()
    subject, body = digest_text(device_id, faults)
    send_mail(settings, settings.manager_email, subject, body, message_id=pending[0].id)
    batch = db.batch()
    for snap in pending:
        batch.update(snap.reference, {"emailed": True, "emailed_at": now})
    batch.commit()
    logger.info("fault digest emailed device_id=%s faults=%d", device_id, len(faults))
    return len(faults)


def devices_with_pending_faults(db: firestore.Client) -> set[str]:
    """Devices that have faults not yet emailed."""
    query = db.collection("device_errors").where(filter=FieldFilter("emailed", "==", False))
    return {(snap.to_dict() or {}).get("device_id", "unknown") for snap in query.stream()}
