from flask import Blueprint

bp = Blueprint("api", __name__)

from app.api import routes  # noqa: E402,F401
from app.api import contests, tokens  # noqa: E402,F401  (contest API, bearer tokens)
