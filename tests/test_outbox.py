"""The one outbox: a policy per kind, one claim, staff's retry and cancel, the outbox page and the
failed-alert banner. Real PostgreSQL, a real SMTP server on loopback, time moved by time-machine.
(A real worker, and kill -9 of one mid-send: test_outbox_worker.py.)"""

import datetime
import io
import itertools

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from clinic import outbox, roles
from clinic.context_processors import FailedAlerts
from clinic.demo.followups import create_due
from clinic.models import AuditEntry, OutgoingEmail
from intake.models import TriageTargets

from .factories import alert_emails, answers, staff
from .followups import followup_emails, scheduled_case, with_status

pytestmark = pytest.mark.django_db

S = OutgoingEmail.Status
LONDON = timezone.get_default_timezone()
BANNER = 'id="failed-alerts"'


def emergency(email="alex@example.test"):
    from intake.services import Contact, record_enquiry

    recorded = record_enquiry(
        contact=Contact("Alex", "Example", email, "07700 900123"),
        source="web",
        answers=answers(bladder_change=True),
    )
    return recorded.case


def section(page, title_id):
    start = page.index(f'id="{title_id}"')
    return page[start : page.index("</section>", start)]


# --- Policies -----------------------------------------------------------------------------------


def test_an_alert_that_keeps_failing_is_failed_after_six_attempts_inside_the_target(
    practitioner, smtp_down
):
    case = emergency()
    alert = alert_emails().get()
    started = timezone.now()
    moments = []
    for attempt in range(1, 7):
        alert.refresh_from_db()
        assert alert.status == S.QUEUED
        moment = max(alert.next_attempt_at, started)  # the moment it falls due again
        with time_machine.travel(moment, tick=False):
            assert outbox.send_due().done == 1
        moments.append(moment)
        alert.refresh_from_db()
        assert alert.attempts == attempt
    assert alert.status == S.FAILED
    assert "ConnectionRefused" in alert.last_error
    gaps = [later - earlier for earlier, later in itertools.pairwise(moments)]
    assert [gap.total_seconds() for gap in gaps] == [30, 60, 120, 240, 300]
    # Failed (and so shown to every practitioner) before the emergency's target passes.
    assert moments[-1] - moments[0] < datetime.timedelta(
        minutes=TriageTargets.current().emergency_ack_minutes
    )
    assert outbox.failed_urgent_cases() == [case.pk]
    with time_machine.travel(moments[-1] + datetime.timedelta(hours=1), tick=False):
        assert outbox.send_due().done == 0  # failed: never tried again by itself


def test_a_5xx_refusal_fails_an_alert_at_once(practitioner, refusing_server):
    refusing_server("550 5.1.1 <{address}>: Recipient address rejected")
    case = emergency()
    tally = outbox.send_due()
    assert (tally.sent, tally.failed, tally.retrying) == (0, 1, 0)
    alert = alert_emails().get()
    assert (alert.status, alert.attempts) == (S.FAILED, 1)
    assert alert.last_error == (
        "SMTPRecipientsRefused: 550 5.1.1 <<recipient>>: Recipient address rejected"
    )
    assert outbox.failed_urgent_cases() == [case.pk]


def test_an_alert_stuck_on_its_last_attempt_is_failed_not_lost(practitioner, smtp_server):
    emergency()
    alert = alert_emails().get()
    alert_emails().update(attempts=outbox.SAFETY.max_attempts - 1)
    assert outbox.claim(outbox.sendable_kinds(), pk=alert.pk)  # ... and its sender dies
    later = timezone.now() + outbox.SAFETY.stuck_after + datetime.timedelta(seconds=1)
    with time_machine.travel(later):
        assert outbox.send_due().failed == 1
    alert.refresh_from_db()
    assert alert.status == S.FAILED
    assert smtp_server.inbox.messages == []


def test_an_alert_is_not_taken_for_stuck_while_its_sender_may_still_be_at_work(practitioner):
    emergency()
    alert = alert_emails().get()
    outbox.claim(outbox.sendable_kinds(), pk=alert.pk)
    almost = timezone.now() + outbox.SAFETY.stuck_after - datetime.timedelta(seconds=5)
    with time_machine.travel(almost):
        tally = outbox.send_due()
    assert (tally.resent, tally.sent) == (0, 0)
    alert.refresh_from_db()
    assert alert.status == S.SENDING


def test_alerts_are_claimed_before_follow_ups_that_were_due_earlier(practitioner, smtp_server):
    create_due(3)
    emergency()
    first = outbox.claim(outbox.sendable_kinds())
    assert first.kind == OutgoingEmail.Kind.ALERT
    followup_emails(step=1).update(next_attempt_at=timezone.now() - datetime.timedelta(hours=1))
    OutgoingEmail.objects.filter(pk=first.pk).update(status=S.QUEUED)
    assert outbox.send_due().sent == 4
    assert smtp_server.inbox.wait(4)
    (_, message), *rest = smtp_server.inbox.messages
    assert "Emergency" in message["Subject"]
    assert all("How is your back" in m["Subject"] for _, m in rest)


def test_an_alert_written_during_a_pass_goes_out_in_that_pass(practitioner, smtp_server):
    create_due(3)
    written = []

    def progress(tally):
        if not written:  # after the first follow-up: an emergency arrives (its task is lost)
            written.append(emergency())

    tally = outbox.send_due(progress=progress)
    assert tally.sent == 4
    assert alert_emails().get().status == S.SENT
    assert smtp_server.inbox.wait(4)


def test_quiet_hours_hold_follow_ups_and_never_alerts(practitioner, smtp_server, settings):
    settings.FOLLOWUP_QUIET_HOURS = True
    night = datetime.datetime(2026, 12, 1, 22, 0, tzinfo=LONDON)
    with time_machine.travel(night):
        create_due(2)
        emergency()
        tally = outbox.send_due()
    assert tally.sent == 1
    assert smtp_server.inbox.wait(1)
    assert "Emergency" in smtp_server.inbox.messages[0][1]["Subject"]
    assert set(followup_emails(step=1).values_list("status", flat=True)) == {S.QUEUED}


def test_with_the_server_down_a_pass_tries_every_alert_and_no_more_follow_ups(
    practitioner, smtp_down
):
    staff(roles.PRACTITIONER, on_duty=True)
    create_due(3)
    emergency()
    tally = outbox.send_due()
    assert tally.retrying == 2  # each alert counts its own attempt towards its bound
    assert list(alert_emails().values_list("attempts", flat=True)) == [1, 1]
    assert followup_emails(step=1).filter(attempts=0).count() == 3  # they wait for the next pass


def test_the_message_id_is_set_before_the_first_send_and_kept(practitioner, smtp_down):
    emergency()
    alert = alert_emails().get()
    assert alert.message_id == ""
    assert outbox.send(alert.pk) is False
    alert.refresh_from_db()
    assert alert.message_id == outbox.message_id(alert.pk) == f"<outbox-{alert.pk}@127.0.0.1>"
    smtp_down.start()
    with time_machine.travel(alert.next_attempt_at + datetime.timedelta(seconds=1)):
        assert outbox.send(alert.pk) is True
    assert smtp_down.inbox.wait(1)
    assert smtp_down.inbox.messages[0][1]["Message-ID"] == alert.message_id


def test_an_alert_is_written_once_per_response_and_recipient(practitioner):
    from django.db import IntegrityError, transaction

    emergency()
    alert = alert_emails().get()
    copy = OutgoingEmail(
        kind=alert.kind,
        template=alert.template,
        recipient=alert.recipient,
        dedupe_key=alert.dedupe_key,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        copy.save()


def test_retry_and_cancel_act_only_on_what_the_person_saw(practitioner, clinic_admin):
    emergency()
    alert = alert_emails().get()
    alert_emails().update(status=S.FAILED, attempts=6)
    assert not outbox.retry(alert.pk, clinic_admin, S.UNKNOWN)
    assert outbox.retry(alert.pk, clinic_admin, S.FAILED)
    alert.refresh_from_db()
    assert (alert.status, alert.attempts) == (S.QUEUED, 0)
    assert not outbox.retry(alert.pk, clinic_admin, S.FAILED)  # someone got there first
    assert outbox.cancel(alert.pk, clinic_admin, S.QUEUED)
    assert not outbox.cancel(alert.pk, clinic_admin, S.QUEUED)
    alert.refresh_from_db()
    assert alert.status == S.CANCELLED

    case = scheduled_case()
    later = case.followups.get(step=2).email  # queued for weeks from now: not overdue
    assert not outbox.retry(later.pk, clinic_admin, S.QUEUED)
    assert outbox.cancel(later.pk, clinic_admin, S.QUEUED)
    assert case.followups.get(step=2).cancelled_reason == "staff"


def test_a_failed_follow_up_shows_no_banner(practitioner_client):
    with_status(scheduled_case(), 1, S.FAILED)
    assert outbox.failed_urgent_cases() == []
    assert BANNER not in practitioner_client.get(reverse("triage_queue")).content.decode()


# --- The commands -------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["send_outbox", "dispatch_followups"])
def test_the_command_sends_everything_due_once(command, practitioner, smtp_server):
    create_due(2)
    emergency()
    out = io.StringIO()
    call_command(command, stdout=out, stderr=io.StringIO())
    assert out.getvalue().strip() == "Sent 3, retrying 0, failed 0, outcome unknown 0."
    assert smtp_server.inbox.wait(3)


def test_the_command_says_when_it_sent_a_stuck_alert_again(practitioner, smtp_server):
    emergency()
    outbox.claim(outbox.sendable_kinds())
    out = io.StringIO()
    with time_machine.travel(timezone.now() + outbox.SAFETY.stuck_after * 2):
        call_command("send_outbox", stdout=out)
    assert out.getvalue().splitlines() == [
        "Sent 1, retrying 0, failed 0, outcome unknown 0.",
        "Queued again after their sender stopped mid-send: 1.",
    ]


# --- The outbox page ----------------------------------------------------------------------------


@pytest.fixture
def undelivered(practitioner):
    """A failed alert, an unknown follow-up, an overdue one, and some that are fine."""
    case = emergency()
    alert_emails().update(status=S.FAILED, attempts=6, last_error="SMTPServerDisconnected:")
    other = scheduled_case(email="bea@example.test", first_name="Bea")
    unknown = with_status(other, 1, S.UNKNOWN, message_id="<followup-9@127.0.0.1>")
    late = with_status(other, 2, S.QUEUED, next_attempt_at=timezone.now() - datetime.timedelta(2))
    with_status(other, 3, S.SENT)
    return {"alert": alert_emails().get(), "case": case, "unknown": unknown, "late": late}


def test_the_page_lists_every_undelivered_email(admin_client_, undelivered):
    page = admin_client_.get(reverse("outbox")).content.decode()
    failed = section(page, "failed-title")
    assert f'id="outbox-{undelivered["alert"].pk}"' in failed
    assert "Safety alert" in failed and f"case {undelivered['case'].pk}" in failed
    assert "practitioner &lt;practitioner@clinic.example.test&gt;" in failed
    assert "6 attempts: SMTPServerDisconnected:" in failed
    unknown = section(page, "unknown-title")
    assert f'id="outbox-{undelivered["unknown"].email_id}"' in unknown
    assert "&lt;followup-9@127.0.0.1&gt;" in unknown and "Bea Example" in unknown
    late = section(page, "late-title")
    assert f'id="outbox-{undelivered["late"].email_id}"' in late
    assert page.count('id="outbox-') == 3  # neither the sent one nor those not yet due
    assert page.count('<button class="btn btn-primary btn-sm">Send again') == 3
    assert AuditEntry.objects.filter(object_type="outbox", action="view").exists()


def test_sending_again_from_the_page_is_audited_and_clears_the_banner(admin_client_, undelivered):
    alert = undelivered["alert"]
    assert BANNER in admin_client_.get(reverse("triage_queue")).content.decode()
    response = admin_client_.post(
        reverse("outbox_action", args=[alert.pk, "retry"]), {"status": "failed"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("outbox")
    alert.refresh_from_db()
    assert (alert.status, alert.attempts, alert.last_error) == (S.QUEUED, 0, alert.last_error)
    entry = AuditEntry.objects.get(object_type="outgoing_email")
    assert (entry.object_id, entry.what, entry.action) == (alert.pk, "retry", "change")
    page = admin_client_.get(reverse("outbox")).content.decode()
    assert "Safety alert" in page and "will be sent again now" in page
    assert BANNER not in page


def test_cancelling_an_unknown_follow_up_from_the_page_reaches_its_plan(admin_client_, undelivered):
    unknown = undelivered["unknown"]
    admin_client_.post(
        reverse("outbox_action", args=[unknown.email_id, "cancel"]), {"status": "unknown"}
    )
    unknown.refresh_from_db()
    unknown.email.refresh_from_db()
    assert (unknown.email.status, unknown.cancelled_reason) == (S.CANCELLED, "staff")
    event = unknown.case.events.latest("id")
    assert event.data == {"step": 1, "status": "cancelled", "reason": "staff"}
    assert event.actor.username == "admin"


def test_a_form_from_before_someone_else_acted_changes_nothing(admin_client_, undelivered):
    alert = undelivered["alert"]
    outbox.retry(alert.pk, staff(roles.CLINIC_ADMIN), S.FAILED)  # another admin, a moment ago
    response = admin_client_.post(
        reverse("outbox_action", args=[alert.pk, "cancel"]), {"status": "failed"}, follow=True
    )
    assert "Nothing changed: safety alert" in response.content.decode()
    alert.refresh_from_db()
    assert alert.status == S.QUEUED
    assert not AuditEntry.objects.filter(object_type="outgoing_email").exists()


def test_the_page_refuses_a_post_without_its_csrf_token(clinic_admin, undelivered):
    client = Client(enforce_csrf_checks=True)
    client.force_login(clinic_admin)
    alert = undelivered["alert"]
    response = client.post(reverse("outbox_action", args=[alert.pk, "retry"]), {"status": "failed"})
    assert response.status_code == 403
    alert.refresh_from_db()
    assert alert.status == S.FAILED


def test_an_unknown_action_or_email_is_not_found_and_get_is_refused(admin_client_, undelivered):
    pk = undelivered["alert"].pk
    assert admin_client_.post(reverse("outbox_action", args=[pk, "delete"])).status_code == 404
    assert admin_client_.post(reverse("outbox_action", args=[pk + 999, "retry"])).status_code == 404
    assert admin_client_.get(reverse("outbox_action", args=[pk, "retry"])).status_code == 405


# --- The banner ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "url", "shown"),
    [
        (roles.PRACTITIONER, "triage_queue", True),
        (roles.PRACTITIONER, "followups", True),
        (roles.CLINIC_ADMIN, "overview", True),
        (roles.CLINIC_ADMIN, "outbox", True),
        (roles.RECEPTION, "enquiry_list", False),
    ],
)
def test_a_failed_alert_shows_on_every_practitioners_and_admins_page(
    client, undelivered, role, url, shown
):
    client.force_login(staff(role))
    page = client.get(reverse(url)).content.decode()
    assert (BANNER in page) is shown
    if shown:
        banner = page[page.index(BANNER) : page.index("</div>", page.index(BANNER))]
        case = undelivered["case"].pk
        assert f'href="/cases/{case}/"' in banner
        assert ('href="/staff/outbox/"' in banner) is (role == roles.CLINIC_ADMIN)


def test_the_banner_costs_one_query(practitioner, undelivered, django_assert_num_queries):
    request = RequestFactory().get("/")
    request.user = practitioner
    practitioner.has_perm(roles.TRIAGE)  # every staff page has loaded the permissions already
    banner = FailedAlerts(request)
    with django_assert_num_queries(1):
        assert banner.case_ids == [undelivered["case"].pk]
        assert banner.case_ids == [undelivered["case"].pk]  # asked twice, looked up once
