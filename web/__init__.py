"""The GymIoT dashboard (NiceGUI): customers' progress and card, the manager's gym view."""

from __future__ import annotations

import sys
from pathlib import Path

# The dashboard reuses the functions' domain code (rollups, training card, linking).
_FUNCTIONS = str(Path(__file__).resolve().parent.parent / "functions")
if _FUNCTIONS not in sys.path:
    sys.path.insert(0, _FUNCTIONS)
