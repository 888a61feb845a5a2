from flask import Blueprint

bp = Blueprint("api", __name__)

# Route modules register on bp when imported: health and localities, contests, bearer tokens.
from app.api import contests, routes, tokens  # noqa: E402,F401
