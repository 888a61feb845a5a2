"""What the access-control walk (tests/test_access.py) needs to know about routes.

Every endpoint in ``app.url_map`` is walked. Areas extend these two tables with small edits:

- ``PUBLIC_ENDPOINTS``: endpoints anyone may open without logging in.
- ``ARG_FACTORIES``: for each URL argument name, a function ``(world) -> value`` giving a value that
  belongs to the FOREIGN district (``world.foreign`` = locality code "902", while staff in the walk
  hold their roles over district "901"). Use ``world.app`` with ``app.app_context()`` to create
  objects, ``world.make_user`` / ``world.make_locality`` for people and places. A staff member who
  may open the endpoint must then get 403 or 404 for the foreign value.
- ``OWN_ARG_ENDPOINTS``: endpoints whose arguments are the caller's own things or public values
  (skipped by the foreign-object check, still walked for anonymous and role checks).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

PUBLIC_ENDPOINTS: set[str] = {
    "static", "main.index", "main.set_language", "main.set_preferences", "auth.logout",
    "auth.login", "auth.register", "auth.reset_request", "auth.reset_password",
    "api.health", "api.locality_roots", "api.locality_children",
}

OWN_ARG_ENDPOINTS: set[str] = set()


def _foreign_user(world) -> int:
    user = world.make_user(locality=world.foreign, full_name="Người Huyện Hai")
    return user.id


ARG_FACTORIES: dict[str, Callable[[Any], Any]] = {
    "code": lambda world: world.foreign,
    "user_id": _foreign_user,
    "grant_id": lambda world: 1,
    "token": lambda world: "invalid-token",
    "filename": lambda world: "x.css",
}
