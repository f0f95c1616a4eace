"""The GymIoT Telegram bot (python-telegram-bot): linking, training card, reps, payments.

The domain code lives in ``functions/gymiot``; it is put on the path here so that
``python -m bot`` works from the checkout (pytest adds it through pyproject's pythonpath).
"""

from __future__ import annotations

import sys
from pathlib import Path

_FUNCTIONS = str(Path(__file__).resolve().parent.parent / "functions")
if _FUNCTIONS not in sys.path:
    sys.path.insert(0, _FUNCTIONS)
