"""The outbox page for clinic admins: every email not delivered, with retry and cancel."""

from django.contrib import messages
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from . import audit, outbox, roles
from .models import OutgoingEmail

S = OutgoingEmail.Status
SECTION_SIZE = 50


@never_cache
@require_GET
@roles.require(roles.MANAGE_CLINIC)
def outbox_page(request):
    now = timezone.now()
    late = outbox.overdue(now)
    rows = OutgoingEmail.objects.select_related("case__patient", "recipient_user")
    totals = OutgoingEmail.objects.filter(Q(status__in=[S.FAILED, S.UNKNOWN]) | late).aggregate(
        failed_total=Count("pk", filter=Q(status=S.FAILED)),
        unknown_total=Count("pk", filter=Q(status=S.UNKNOWN)),
        late_total=Count("pk", filter=late),
    )
    audit.viewed(request, "outbox")

    def first(condition):
        return list(rows.filter(condition).order_by("next_attempt_at", "pk")[:SECTION_SIZE])

    context = {
        "failed": first(Q(status=S.FAILED)),
        "unknown": first(Q(status=S.UNKNOWN)),
        "late": first(late),
        **totals,
        "late_minutes": {
            kind.label: int(outbox.POLICIES[kind].late_after.total_seconds() // 60)
            for kind in OutgoingEmail.Kind
        },
    }
    return render(request, "clinic/outbox.html", context)


ACTIONS = {"retry": outbox.retry, "cancel": outbox.cancel}
NEWS = {"retry": "will be sent again now", "cancel": "cancelled: it will not be sent"}


@never_cache
@require_POST
@roles.require(roles.MANAGE_CLINIC)
def outbox_action(request, pk, action):
    if action not in ACTIONS:
        raise Http404
    email = get_object_or_404(OutgoingEmail, pk=pk)
    # Optimistic: act only if the email is still as the person saw it.
    seen = request.POST.get("status", "")
    what = f"{email.get_kind_display()} {email.pk}"
    if ACTIONS[action](pk, request.user, seen):
        audit.changed(request, "outgoing_email", pk, action)
        messages.success(request, f"{what} {NEWS[action]}.")
    else:
        email.refresh_from_db(fields=["status"])
        messages.warning(
            request, f"Nothing changed: {what.lower()} is {email.get_status_display().lower()}."
        )
    return redirect("outbox")
