"""Registration of the feature areas (lessons, contests, training, insights, organize).

Each area package exposes ``bp``; an area that is not present in this checkout is skipped, so the
foundation runs on its own.
"""
from __future__ import annotations

import importlib

from flask import Flask

AREAS = (
    ("app.learn", "/learn"),
    ("app.organize", "/organize"),
    ("app.contests", "/contests"),
    ("app.training", "/training"),
    ("app.insights", "/insights"),
)


def register_areas(app: Flask) -> None:
    for module_name, prefix in AREAS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue
            raise
        app.register_blueprint(module.bp, url_prefix=prefix)
        if hasattr(module, "init_app"):
            module.init_app(app)
