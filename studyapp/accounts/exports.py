"""The learner's JSON export: a registry every app adds its part to at start-up.

accounts imports no other app, so it cannot gather review states, quiz attempts or lab runs
itself; instead each app calls `register(name, fn)` in its AppConfig.ready(), and the export
(review's data page) asks `parts()` for every registered part without importing those apps.

`fn(learner)` returns the app's data as JSON-ready values; lists may be given as any iterable
(a generator over a `.iterator()` query), which the streaming encoder of the export writes item
by item, so a long history never sits in memory whole.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .models import Learner

ExportFn = Callable[[Learner], Any]
_PARTS: dict[str, ExportFn] = {}


def register(name: str, fn: ExportFn) -> None:
    """Add (or, on a repeated ready(), replace) an app's part of the export under `name`."""
    if not name.isidentifier():
        raise ValueError(f"An export part is named by an identifier, not {name!r}.")
    _PARTS[name] = fn


def parts() -> list[tuple[str, ExportFn]]:
    """The registered parts, by name."""
    return sorted(_PARTS.items())
