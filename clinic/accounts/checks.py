"""System checks for the account settings: a typo in MFA_REQUIRED_ROLES must not silently
leave a role without its second factor."""

from django.conf import settings
from django.core import checks

from clinic import roles


@checks.register(checks.Tags.security)
def mfa_required_roles(app_configs, **kwargs):
    unknown = set(settings.MFA_REQUIRED_ROLES) - set(roles.ROLE_PERMISSIONS)
    if unknown:
        return [
            checks.Error(
                f"MFA_REQUIRED_ROLES names no such role: {', '.join(sorted(unknown))}",
                hint=f"Roles are {', '.join(roles.ROLE_PERMISSIONS)}.",
                id="clinic.E010",
            )
        ]
    return []


@checks.register(checks.Tags.security)
def session_limits(app_configs, **kwargs):
    errors = []
    if settings.SESSION_IDLE_MINUTES < 1:
        errors.append(checks.Error("SESSION_IDLE_MINUTES must be at least 1", id="clinic.E011"))
    if settings.SESSION_LIFETIME_HOURS < 1:
        errors.append(checks.Error("SESSION_LIFETIME_HOURS must be at least 1", id="clinic.E012"))
    return errors
