"""Headless Chromium (Debian's package) signs in to the dashboard and saves screenshots.

Skips when chromium or chromedriver is missing (`apt-get install -y chromium chromium-driver`).
Screenshots land in test-output/; the test fails when a chart has no data.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from google.auth.credentials import AnonymousCredentials
from google.cloud import firestore

from emulators import suite

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
OUTPUT = suite.ROOT / "test-output"
PASSWORD = "browser-test-pass"

pytestmark = [
    pytest.mark.emulators,
    pytest.mark.skipif(not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()),
                       reason="Debian's chromium and chromium-driver are not installed "
                              "(apt-get install -y chromium chromium-driver)"),
]
os.environ.update(suite.client_environment())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def customer(local_suite: None) -> dict[str, Any]:
    """A customer with known rollups this year and last year, and a login."""
    sys.path.insert(0, str(suite.ROOT / "functions"))
    from web.auth import ensure_user

    customer_id = f"browser-{uuid.uuid4().hex[:8]}"
    email = f"{customer_id}@example.test"
    db = firestore.Client(project=suite.PROJECT_ID, credentials=AnonymousCredentials())
    year = datetime.now(UTC).year
    db.collection("customers").document(customer_id).set(
        {"name": "Browser Tester", "email": email, "role": "customer", "current_room_id":
         "room-1", "last_machine_event_at": datetime.now(UTC) - timedelta(minutes=5)})
    for offset, scale in ((0, 1.0), (1, 0.7)):
        months = {f"{m:02d}": {"calories_kcal": 300.0 * m * scale, "duration_s": 1800.0 * m,
                               "sessions": m, "machines": {"treadmill-1": {
                                   "calories_kcal": 300.0 * m * scale,
                                   "duration_s": 1800.0 * m, "sessions": m}}}
                  for m in range(1, 13)}
        db.document(f"customers/{customer_id}/years/{year - offset}").set(
            {"year": year - offset, "months": months, "customer_id": customer_id})
    ensure_user(customer_id, email, PASSWORD, "customer")
    return {"id": customer_id, "email": email}


@pytest.fixture(scope="module")
def manager(local_suite: None) -> dict[str, Any]:
    """A manager login, and a room with a reading now and an hour of history before it."""
    from web.auth import ensure_user

    uid = f"mgr-{uuid.uuid4().hex[:8]}"
    ensure_user(uid, f"{uid}@gymiot.test", PASSWORD, "manager")
    db = firestore.Client(project=suite.PROJECT_ID, credentials=AnonymousCredentials())
    room = f"Browser room {uid[4:]}"
    now = datetime.now(UTC)
    ref = db.document(f"rooms/browser-{uid}")
    ref.set({"name": room, "temperature_c": 23.4, "measured_at": now, "ac_on": False,
             "ac_on_at_c": 28.0, "ac_off_at_c": 25.0})
    hour = (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H")
    ref.collection("hours").document(hour).set(
        {"hour": hour, "sum_c": 45.0, "count": 2, "min_c": 22.0, "max_c": 23.0})
    return {"email": f"{uid}@gymiot.test", "room": room}


@pytest.fixture(scope="module")
def dashboard(local_suite: None) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, **suite.client_environment(), "DASHBOARD_PORT": str(port)}
    env.pop("PYTEST_CURRENT_TEST", None)  # NiceGUI would take itself for a screen test
    log = open(suite.state_dir() / "logs" / f"dashboard-browser-{port}.log", "wb") \
        if (suite.state_dir() / "logs").is_dir() else subprocess.DEVNULL
    process = subprocess.Popen([sys.executable, "-m", "web"], cwd=suite.ROOT, env=env,
                               stdout=log, stderr=subprocess.STDOUT)
    try:
        suite.wait_until(lambda: process.poll() is not None
                         or suite.port_open(f"127.0.0.1:{port}"), "dashboard", 60)
        assert process.poll() is None, "the dashboard exited at start (see .local/ logs)"
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture
def browser() -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="gymiot-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
                 "--window-size=1366,1000"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def sign_in(browser: Any, base: str, email: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{base}/login")
    wait = WebDriverWait(browser, 20)
    fields = wait.until(lambda b: b.find_elements(By.CSS_SELECTOR, "input") or None)
    fields[0].send_keys(email)
    fields[1].send_keys(PASSWORD)
    wait.until(ec.element_to_be_clickable((By.XPATH, "//button[.//span[text()='Sign in']]"))) \
        .click()
    wait.until(lambda b: "/login" not in b.current_url)


def chart_series(browser: Any, css_class: str) -> dict[str, list[Any]]:
    """Name and data of each series of the ECharts instance in the element with `css_class`."""
    script = f"""
        const el = document.querySelector('.{css_class}');
        if (!el) return null;
        const chart = getElement(parseInt(el.id.slice(1))).chart;
        return chart ? chart.getOption().series.map(s => [s.name, s.data]) : null;
    """
    return {name: data for name, data in browser.execute_script(script) or []}


def wait_for_chart(browser: Any, css_class: str) -> dict[str, list[Any]]:
    deadline = time.monotonic() + 20
    series: dict[str, list[Any]] = {}
    while time.monotonic() < deadline:
        series = chart_series(browser, css_class)
        if any(len(data) for data in series.values()):
            time.sleep(1.0)  # let the animation finish before the screenshot
            return series
        time.sleep(0.3)
    return series


def test_progress_page_shows_both_years_when_customer_signs_in(
        browser: Any, dashboard: str, customer: dict[str, Any]) -> None:
    OUTPUT.mkdir(exist_ok=True)
    sign_in(browser, dashboard, customer["email"])
    browser.get(f"{dashboard}/customers/{customer['id']}/progress")

    series = wait_for_chart(browser, "calories-chart")
    browser.save_screenshot(str(OUTPUT / "progress.png"))

    year = datetime.now(UTC).year
    assert list(series) == [str(year), str(year - 1)], "chosen and previous year expected"
    assert series[str(year)][:3] == [300.0, 600.0, 900.0]
    assert series[str(year - 1)][:3] == [210.0, 420.0, 630.0]


def test_rooms_page_shows_temperatures_when_manager_signs_in(
        browser: Any, dashboard: str, manager: dict[str, Any]) -> None:
    OUTPUT.mkdir(exist_ok=True)
    sign_in(browser, dashboard, manager["email"])
    browser.get(f"{dashboard}/manager/rooms")

    series = wait_for_chart(browser, "temperature-chart")
    browser.save_screenshot(str(OUTPUT / "rooms.png"))

    points = series.get(manager["room"], [])
    assert [value for _, value in points] == [22.5, 23.4], "hourly average, then the reading"
