"""The public certificate check: anyone with the code (from the QR code) sees name, course, date
and whether the certificate is valid. Rate-limited per address; unknown codes answer 404."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from app.core.extensions import limiter
from app.training import certificates

verify_bp = Blueprint("verify", __name__)


@verify_bp.route("/verify/<code>")
@limiter.limit(lambda: current_app.config["VERIFY_RATE_LIMIT"])
def verify(code: str):
    cert = certificates.find(code)
    if cert is None:
        return render_template("training/verify.html", cert=None), 404
    return render_template("training/verify.html", cert=cert)
