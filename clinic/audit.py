"""Writing the audit trail: one append-only row per view or change, with no clinical content.

An audit row holds who (a staff user), when, the action, the kind and id of the object and a
short label for what was done, and the staff member's address: never a patient's name, contact
details, answers or notes. That is what lets the rows stay append-only (a PostgreSQL trigger
refuses UPDATE and DELETE) and still leaves nothing identifying behind when a patient's record is
erased: the ids they point at then lead to an anonymised record. `what` is therefore a short
label the code writes ("note", "merge", "closed day 2026-12-25"): lower case, digits, spaces and
a little punctuation, at most 40 characters. Anything else (a capital letter, an "@", a "+") is
refused here rather than written: a cheap tripwire against a name, an email address or a phone
number creeping in. `event` writes staff accounts' rows (sign-in, lockouts), about staff only.
"""

import re

from .client_address import client_ip
from .models import AuditEntry

WHAT = re.compile(r"[a-z0-9 _.:()-]{0,40}")


def log(actor, action, object_type, object_id=None, what="", ip=None):
    """One audit row, for services that act for a person (or for nobody: a command, a task)."""
    return log_many(actor, action, object_type, [object_id], what, ip)[0]


def log_many(actor, action, object_type, object_ids, what="", ip=None):
    """One audit row per object, the same action on each (a batch of a task, say)."""
    if not WHAT.fullmatch(what):
        raise ValueError(f"an audit entry's `what` is a short label, not {what!r}")
    actor = actor if actor is not None and actor.is_authenticated else None
    return AuditEntry.objects.bulk_create(
        AuditEntry(
            actor=actor,
            action=action,
            object_type=object_type,
            object_id=object_id,
            what=what,
            ip=ip,
        )
        for object_id in object_ids
    )


def change(actor, object_type, object_id=None, what="", ip=None):
    """A change made by `actor`: the row a service writes, whether a page, a task or a command
    called it (`ip` is the address of the person at a page, None otherwise)."""
    return log(actor, AuditEntry.Action.CHANGE, object_type, object_id, what, ip)


def record(request, action, object_type, object_id=None, what=""):
    return log(request.user, action, object_type, object_id, what, client_ip(request))


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


REFUSED_PAGE = re.compile(r"[^a-z0-9_.:()-]")


def refusals(get_response):
    """Middleware: every 403 answer writes a row (who, which page, which object, from where),
    whatever refused it: a role, CSRF, a second factor, a view. A page's URL name is `what`."""

    def middleware(request):
        response = get_response(request)
        if response.status_code == 403:
            match = getattr(request, "resolver_match", None)
            name = (match.url_name or "") if match else ""
            object_id = match.kwargs.get("pk") if match else None
            event(
                AuditEntry.Action.DENIED,
                request=request,
                object_type="page",
                object_id=object_id if isinstance(object_id, int) else None,
                what=REFUSED_PAGE.sub("-", name.lower())[:40],
            )
        return response

    return middleware
