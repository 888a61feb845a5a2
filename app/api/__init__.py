"""The JSON API (``/api/v1``): one blueprint, bearer-token auth, JSON errors, the health and
time endpoints, and the OpenAPI document generated from the code (``openapi.py``) with its page.
Each domain adds its own endpoints to ``bp`` in its ``routes/api.py``, each described with
``@documented``; ``init_app`` registers the blueprint after every domain has done so."""
from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("api", __name__, template_folder="templates")


def init_app(app: Flask) -> None:
    from app.api import routes  # noqa: F401  (health, time, localities, the document)
    from app.core.extensions import csrf

    app.register_blueprint(bp, url_prefix="/api/v1")
    csrf.exempt(bp)
