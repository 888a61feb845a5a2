from flask import Blueprint

bp = Blueprint("api", __name__)

from app.api import (  # noqa: E402,F401  (contest API, bearer tokens)
    contests,
    routes,  # noqa: E402,F401
    tokens,
)
