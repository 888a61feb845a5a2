"""The learning pages (``/learn``): the learner's pages (``learner``) and authoring (``authoring``)
share one blueprint."""
from flask import Blueprint

bp = Blueprint("learn", __name__, template_folder="../templates")
