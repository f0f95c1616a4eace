"""`python -m web`: the dashboard on http://127.0.0.1:8000 (local emulators unless told)."""

import logging
import os
from pathlib import Path

from emulators.suite import state_dir, use_local_suite

if os.environ.get("GYMIOT_DASHBOARD_PRODUCTION") != "1":
    use_local_suite()
# Server-side sessions (uid, role, customer id per browser) live with the rest of the state.
os.environ.setdefault("NICEGUI_STORAGE_PATH", str(Path(state_dir()) / "dashboard-sessions"))

from web.app import HOST, PORT, main  # noqa: E402  (NiceGUI reads its storage path on import)

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
main(os.environ.get("DASHBOARD_HOST", HOST), int(os.environ.get("DASHBOARD_PORT", PORT)))
