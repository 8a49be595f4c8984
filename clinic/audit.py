"""Writing the audit trail: one append-only row per view or change, with no clinical content."""

from .models import AuditEntry


def client_ip(request):
    return request.META.get("REMOTE_ADDR") or None


def record(request, action, object_type, object_id=None, what=""):
    user = request.user if request.user.is_authenticated else None
    return AuditEntry.objects.create(
        actor=user,
        action=action,
        object_type=object_type,
        object_id=object_id,
        what=what,
        ip=client_ip(request),
    )


def viewed(request, object_type, object_id=None, what=""):
    return record(request, AuditEntry.Action.VIEW, object_type, object_id, what)


def changed(request, object_type, object_id=None, what=""):
    return record(request, AuditEntry.Action.CHANGE, object_type, object_id, what)


def exported(request, object_type, object_id=None, what=""):
    return record(request, AuditEntry.Action.EXPORT, object_type, object_id, what)


def event(action, *, request=None, actor=None, object_type="user", object_id=None, what=""):
    """A row for something done to or by an account, with or without a request (a command has
    none). The actor defaults to whoever the request is signed in as."""
    user = getattr(request, "user", None)
    if actor is None and user is not None and user.is_authenticated:
        actor = user
    return AuditEntry.objects.create(
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        what=what[:40],
        ip=client_ip(request) if request is not None else None,
    )
