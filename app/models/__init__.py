"""All models, imported here so Alembic and the app see one metadata."""
from app.models import competency, contest, learning  # noqa: F401,E402  (area models)
from app.models.audit import AuditEvent  # noqa: F401
from app.models.locality import Locality, WorkplaceUnit  # noqa: F401
from app.models.user import GRANTED_ROLES, ROLES, RoleGrant, User  # noqa: F401
