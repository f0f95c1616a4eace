"""End to end through the deployed wiring: Scheduler job → poll function → totals, card, mail."""

from __future__ import annotations

import json

from google.cloud import firestore, pubsub_v1

from emulators import suite
from emulators.scheduler_client import scheduler_client
from gymiot import topics
from tests.integration.conftest import GymFixture, eventually, mails

POLL_JOB = f"projects/{suite.PROJECT_ID}/locations/{suite.REGION}/jobs/{suite.POLL_JOB}"


def test_poll_job_is_provisioned_every_minute_in_the_gym_time_zone():
    job = scheduler_client(f"http://{suite.SCHEDULER}").get_job(name=POLL_JOB)
    assert job.schedule == "* * * * *"
    assert job.time_zone == "Europe/Rome"
    assert job.pubsub_target.topic_name.endswith("/topics/poll-tick")


def test_readings_flow_from_pubsub_to_totals_card_and_manager_inbox(
        db: firestore.Client, publisher: pubsub_v1.PublisherClient, gym: GymFixture):
    """A scheduler run drains machine-usage through the real functions."""
    customer = gym.customers[0]
    topic = topics.topic_path(suite.PROJECT_ID, topics.MACHINE_USAGE)
    good = [gym.reading(customer, f"ok-{n}", started_at=f"2026-11-0{n}T09:00:00Z",
                        calories_kcal=50 * n) for n in (1, 2)]
    bad = gym.reading(customer, "bad", calories_kcal=-1)
    for body in (*good, bad):
        publisher.publish(topic, json.dumps(body).encode(), machine_id=gym.machine_id).result()

    scheduler_client(f"http://{suite.SCHEDULER}").run_job(name=POLL_JOB)

    def totals() -> float:
        snap = db.document(f"customers/{customer}/years/2026").get()
        return snap.get("calories_kcal") if snap.exists else 0

    assert eventually(lambda: totals() == 150 and totals(), 90, "totals") == 150
    eventually(
        lambda: db.document(f"training_cards/{customer}").get().get("steps")[0]["kcal_left"]
        == gym.kcal_target - 150, 60, "training card",
    )
    email = eventually(lambda: mails(gym.machine_id), 60, "fault email")
    assert "calories_kcal: must not be negative, got -1.0" in email[0]["text"]
    customer_doc = db.document(f"customers/{customer}").get().to_dict()
    assert customer_doc["current_room_id"] == gym.room_id
    assert customer_doc["last_machine_id"] == gym.machine_id
