"""Who may see what: the one place where roles and locality scope are enforced.

Every protected view uses ``role_required`` (is the person allowed into this kind of page at all)
and, for anything that belongs to a locality, ``scope_filter`` in its query or ``ensure_in_scope``
on the object it loads. Admins see everything; helpers, organizers and managers see the subtrees
they were granted; a unit outside those subtrees answers 404, as if it did not exist.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps

from flask import abort
from flask_login import current_user
from sqlalchemy import ColumnElement, false, true

from app.accounts.models import User
from app.localities.models import Locality
from app.localities.service import any_subtree_clause

STAFF_ROLES = ("helper", "organizer", "manager", "admin")


def scope_paths(user: User, roles: Iterable[str]) -> list[str] | None:
    """Paths of the subtrees ``user`` holds any of ``roles`` over; None means everywhere."""
    roles = set(roles)
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    paths: list[str] = []
    for grant in user.grants:
        if grant.role == "admin":
            return None
        if grant.role in roles and grant.locality is not None:
            paths.append(grant.locality.path)
    return paths


def scope_filter(user: User, roles: Iterable[str], path_column) -> ColumnElement[bool]:
    """SQL condition limiting a query to the localities ``user`` may see with ``roles``.

    ``path_column`` is a ``Locality.path`` column (joined or aliased) of the rows being listed.
    """
    paths = scope_paths(user, roles)
    if paths is None:
        return true()
    if not paths:
        return false()
    return any_subtree_clause(path_column, paths)


def in_scope(user: User, roles: Iterable[str], locality: Locality | None) -> bool:
    """True when ``locality`` is inside a subtree ``user`` holds one of ``roles`` over."""
    paths = scope_paths(user, roles)
    if paths is None:
        return True
    if locality is None:
        return False
    return any(locality.path.startswith(p) for p in paths)


def ensure_in_scope(locality: Locality | None, *roles: str) -> Locality:
    """Abort with 404 when the current user may not see ``locality`` with ``roles``; else return it."""
    if locality is None or not in_scope(current_user, roles, locality):
        abort(404)
    return locality


def role_required(*roles: str) -> Callable:
    """View decorator: the person must be logged in (else redirect to login) and hold a role.

    ``roles`` are those of ``app.models.ROLES``; admins always pass. The allowed roles are kept on
    the view as ``required_roles`` so the access-control test can walk every protected route.
    """

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                from app.core.extensions import login_manager

                return login_manager.unauthorized()
            if not current_user.has_role("admin", *roles):
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_roles = tuple(roles)  # type: ignore[attr-defined]
        return wrapped

    return decorator
