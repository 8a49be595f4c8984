"""Alerts to practitioners on duty: real worker, real Redis, real SMTP, and outages of each."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from clinic import outbox, roles
from clinic.models import OutgoingEmail
from clinic.tasks import send_outbox
from intake.models import Case, IntakeResponse, TriageTargets

from .factories import alert_emails, form_data, staff
from .realservices import broker, celery_worker

EMERGENCY = {"bladder_change": True}
S = OutgoingEmail.Status


def submit(client, **answers):
    return client.post(reverse("intake_form"), form_data(**answers))


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_delivers_the_emergency_alert_by_smtp(client, practitioner, smtp_server):
    with celery_worker():
        assert submit(client, **EMERGENCY).status_code == 302
        assert smtp_server.inbox.wait(1), "no alert reached the SMTP server"
    (to, message), *_ = smtp_server.inbox.messages
    case = Case.objects.get()
    assert to == [practitioner.email]
    assert "Emergency" in message["Subject"]
    body = message.get_body(("plain",)).get_content()
    assert f"/cases/{case.pk}/" in body
    assert alert_emails().get().status == S.SENT


@pytest.mark.django_db(transaction=True)
def test_the_alert_email_carries_no_clinical_detail(client, practitioner, smtp_server):
    with celery_worker():
        submit(client, **EMERGENCY, leg_symptoms="both", cancer_history=True)
        assert smtp_server.inbox.wait(1)
    _, message = smtp_server.inbox.messages[0]
    text = message.as_string().lower()
    for detail in ("bladder", "leg", "cancer", "ces_", "cauda", "alex", "example.test", "07700"):
        assert detail not in text.replace(practitioner.email, ""), detail


@pytest.mark.django_db(transaction=True)
def test_a_submission_survives_a_broker_outage_and_is_alerted_once_it_is_back(
    client, practitioner, spare_redis, smtp_server
):
    with broker(spare_redis.url):
        spare_redis.stop()
        response = submit(client, **EMERGENCY)
        assert response.status_code == 302
        assert "Go to A&amp;E now" in client.get(response["Location"]).content.decode()
        assert IntakeResponse.objects.count() == 1
        alert = alert_emails().get()
        assert alert.status == S.QUEUED
        assert alert.next_attempt_at <= timezone.now()  # left for the sweep at once

        spare_redis.start()
        with celery_worker():
            send_outbox.delay()  # what beat does every minute
            assert smtp_server.inbox.wait(1), "the sweep did not send the kept alert"
    assert alert_emails().get().status == S.SENT
    assert len(smtp_server.inbox.messages) == 1


def test_beat_runs_the_sweep_every_minute():
    from clinic.celery import app

    entry = app.conf.beat_schedule["send-outbox"]
    assert entry["task"] == "clinic.tasks.send_outbox"
    assert entry["schedule"] == 60.0


@pytest.mark.django_db(transaction=True)
def test_smtp_down_keeps_the_alert_and_a_later_sweep_delivers_it(client, practitioner, smtp_down):
    submit(client, **EMERGENCY)  # enqueued on real Redis but no worker: deliver by hand
    alert = alert_emails().get()
    assert outbox.send(alert.pk) is False
    alert.refresh_from_db()
    assert alert.status == S.QUEUED
    assert alert.attempts == 1
    assert "ConnectionRefused" in alert.last_error
    assert alert.next_attempt_at > timezone.now()

    assert outbox.send_due().sent == 0  # not due yet: the retry waits
    smtp_down.start()
    with time_machine.travel(alert.next_attempt_at + datetime.timedelta(seconds=1)):
        assert outbox.send_due().sent == 1
    assert smtp_down.inbox.wait(1)
    alert.refresh_from_db()
    assert (alert.status, alert.attempts) == (S.SENT, 2)


@pytest.mark.django_db
def test_retries_wait_longer_each_time(client, practitioner, smtp_down):
    submit(client, **EMERGENCY)
    alert = alert_emails().get()
    delays = []
    for _ in range(3):
        before = timezone.now()
        alert_emails().filter(pk=alert.pk).update(next_attempt_at=before)  # due again
        outbox.send(alert.pk)
        alert.refresh_from_db()
        delays.append(alert.next_attempt_at - before)
    assert delays[0] < delays[1] < delays[2]


@pytest.mark.django_db
def test_only_one_worker_can_claim_an_alert(client, practitioner):
    submit(client, **EMERGENCY)
    alert = alert_emails().get()
    assert outbox.claim(outbox.sendable_kinds(), pk=alert.pk) is not None
    assert outbox.claim(outbox.sendable_kinds(), pk=alert.pk) is None


@pytest.mark.django_db
def test_an_alert_stuck_with_a_dead_worker_is_sent_again_later(client, practitioner, mailoutbox):
    submit(client, **EMERGENCY)
    alert = alert_emails().get()
    assert outbox.claim(outbox.sendable_kinds(), pk=alert.pk)  # the worker then dies
    assert outbox.send_due().sent == 0
    with time_machine.travel(timezone.now() + outbox.SAFETY.stuck_after + datetime.timedelta(1)):
        assert outbox.send_due().sent == 1
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_urgent_answers_alert_and_routine_or_soon_do_not(client, practitioner):
    submit(client, fever=True)
    assert alert_emails().count() == 1
    submit(client, leg_symptoms="one")
    submit(client)
    assert alert_emails().count() == 1


@pytest.mark.django_db
def test_only_practitioners_on_duty_are_alerted(client, practitioner):
    off_duty = staff(roles.PRACTITIONER, on_duty=False)
    staff(roles.RECEPTION, on_duty=True)
    submit(client, **EMERGENCY)
    assert [a.recipient_user for a in alert_emails()] == [practitioner]
    assert off_duty.pk not in alert_emails().values_list("recipient_user", flat=True)


@pytest.mark.django_db
def test_with_nobody_on_duty_every_practitioner_and_admin_is_alerted(client):
    first = staff(roles.PRACTITIONER)
    admin = staff(roles.CLINIC_ADMIN)
    staff(roles.RECEPTION)
    submit(client, **EMERGENCY)
    assert set(alert_emails().values_list("recipient_user", flat=True)) == {first.pk, admin.pk}


# --- Alerts that read as urgent ----------------------------------------------------------------

LONDON = zoneinfo.ZoneInfo("Europe/London")
TUESDAY_10AM = datetime.datetime(2026, 12, 1, 10, 0, tzinfo=LONDON)


def delivered(client, smtp_server, **answers):
    """Submit on Tuesday at 10:00 and deliver the alert to the real SMTP server."""
    with time_machine.travel(TUESDAY_10AM, tick=False):
        submit(client, **answers)
        assert outbox.send_due().sent == 1
    assert smtp_server.inbox.wait(1)
    (_, message), *_ = smtp_server.inbox.messages
    return Case.objects.get(), message


@pytest.mark.django_db
def test_the_emergency_alert_says_emergency_the_deadline_the_case_and_what_the_patient_was_told(
    client, practitioner, smtp_server
):
    case, message = delivered(client, smtp_server, **EMERGENCY)
    assert message["Subject"].strip() == (
        f"Emergency: acknowledge case {case.pk} within 15 minutes [Back Pain Clinic]"
    )
    assert message["Importance"] == "high"
    text = message.get_body(("plain",)).get_content()
    assert text.startswith(f"EMERGENCY CASE {case.pk}: ACKNOWLEDGE WITHIN 15 MINUTES (BY 10:15).")
    assert "the patient was told on screen to go to A&E or call 999 now" in text
    assert f"/cases/{case.pk}/" in text
    assert "escalated to every practitioner and clinic admin" in text
    html = message.get_body(("html",)).get_content()
    assert "acknowledge within 15 minutes (by 10:15)" in html and "A&amp;E" in html


@pytest.mark.django_db
def test_the_acknowledgement_deadline_comes_from_the_clinics_targets(
    client, practitioner, smtp_server
):
    TriageTargets.objects.create(emergency_ack_minutes=5)
    case, message = delivered(client, smtp_server, **EMERGENCY)
    assert f"acknowledge case {case.pk} within 5 minutes" in message["Subject"]
    assert "ACKNOWLEDGE WITHIN 5 MINUTES (BY 10:05)" in message.get_body(("plain",)).get_content()


@pytest.mark.django_db
def test_the_urgent_alert_gives_its_contact_deadline_and_reads_unlike_the_emergency(
    client, practitioner, smtp_server
):
    case, message = delivered(client, smtp_server, fever=True)
    assert message["Subject"].strip() == (
        f"Urgent: contact case {case.pk} by Tuesday 1 December, 18:00 [Back Pain Clinic]"
    )
    assert message["Importance"] is None
    text = message.get_body(("plain",)).get_content()
    assert text.startswith(f"URGENT CASE {case.pk}: CONTACT THE PATIENT BY TUESDAY 1 DECEMBER")
    assert "Emergency" not in text and "999" not in text


@pytest.mark.django_db
def test_the_urgent_alert_out_of_hours_names_the_next_working_day(
    client, practitioner, smtp_server
):
    friday_evening = datetime.datetime(2026, 12, 4, 19, 30, tzinfo=LONDON)
    with time_machine.travel(friday_evening, tick=False):
        submit(client, fever=True)
        assert outbox.send_due().sent == 1
    assert smtp_server.inbox.wait(1)
    assert "by Monday 7 December, 18:00" in smtp_server.inbox.messages[0][1]["Subject"]
