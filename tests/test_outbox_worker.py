"""The one outbox through real Celery workers on real Redis, to real SMTP servers on loopback:
alerts and follow-ups together, the server down then up, a 550, a worker process killed with
kill -9 while the server holds its message, and two worker processes at once."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from clinic import outbox
from clinic.demo.followups import create_due
from clinic.models import OutgoingEmail
from clinic.tasks import send_outbox

from .factories import alert_emails, form_data, roles, staff
from .followups import followup_emails
from .realservices import SmtpServer, StallsOnData, celery_worker, wait_for, worker_process

pytestmark = pytest.mark.django_db(transaction=True)

S = OutgoingEmail.Status
EMERGENCY = {"bladder_change": True}


def submit_emergency(client):
    assert client.post(reverse("intake_form"), form_data(**EMERGENCY)).status_code == 302


def statuses():
    return sorted(OutgoingEmail.objects.values_list("status", flat=True))


def test_one_worker_sends_alerts_and_follow_ups_through_the_one_outbox(
    client, practitioner, smtp_server
):
    create_due(3)
    with celery_worker():
        submit_emergency(client)  # its alert is handed to the worker on commit
        send_outbox.delay()  # what beat sends every minute: the follow-ups
        assert smtp_server.inbox.wait(4), "the worker did not send all four"
    assert statuses() == [S.QUEUED] * 12 + [S.SENT] * 4  # the later steps wait for their day
    subjects = sorted(message["Subject"] for _, message in smtp_server.inbox.messages)
    assert [s.startswith("How is your back?") for s in subjects].count(True) == 3
    assert [s.startswith("Emergency: acknowledge case") for s in subjects].count(True) == 1
    ids = [message["Message-ID"] for _, message in smtp_server.inbox.messages]
    assert len(set(ids)) == 4
    sent = OutgoingEmail.objects.filter(status=S.SENT)
    assert set(ids) == set(sent.values_list("message_id", flat=True))


def test_with_smtp_down_the_worker_keeps_every_email_and_sends_it_once_smtp_is_back(
    client, practitioner, smtp_down
):
    create_due(2)
    with celery_worker():
        submit_emergency(client)
        assert wait_for(lambda: alert_emails().filter(attempts=1, status=S.QUEUED).exists())
        send_outbox.delay()
        assert wait_for(lambda: followup_emails().filter(attempts=1).exists())
        assert "ConnectionRefused" in alert_emails().get().last_error
        assert not OutgoingEmail.objects.filter(status__in=[S.SENT, S.FAILED]).exists()

        smtp_down.start()
        # The back-off has passed:
        OutgoingEmail.objects.filter(status=S.QUEUED, attempts__gt=0).update(
            next_attempt_at=timezone.now()
        )
        followup_emails(step=1).update(next_attempt_at=timezone.now())
        send_outbox.delay()
        assert smtp_down.inbox.wait(3), "nothing sent once SMTP was back"
    assert alert_emails().get().status == S.SENT
    assert followup_emails(step=1, email__status=S.SENT).count() == 2
    assert len(smtp_down.inbox.messages) == 3


def test_a_550_fails_the_alert_at_once_and_every_practitioner_sees_it(
    client, practitioner, refusing_server
):
    refusing_server("550 5.1.1 <{address}>: Recipient address rejected")
    with celery_worker():
        submit_emergency(client)
        assert wait_for(lambda: alert_emails().filter(status=S.FAILED).exists())
    alert = alert_emails().get()
    assert alert.attempts == 1
    colleague = staff(roles.PRACTITIONER)
    client.force_login(colleague)
    page = client.get(reverse("triage_queue")).content.decode()
    assert 'id="failed-alerts"' in page and f'href="/cases/{alert.case_id}/"' in page


@pytest.mark.parametrize("kind", ["followup", "alert"])
def test_kill_9_mid_send_leaves_one_email_per_process_in_doubt_and_the_next_worker_sends_the_rest(
    client, smtp_server, settings, kind
):
    """Each of a worker's two pool processes claims one email and the mail server holds it
    after taking it all in; then kill -9 to the worker. Only those two are in doubt; a new
    worker delivers the rest; the outbox's policy then settles the two: follow-ups wait for a
    person, alerts are sent again."""
    stalling = SmtpServer(StallsOnData())
    stalling.start()
    try:
        with worker_process(stalling.port, concurrency=2) as worker:
            create_due(6)
            if kind == "alert":
                staff(roles.PRACTITIONER, on_duty=True)
                staff(roles.PRACTITIONER, on_duty=True)
                submit_emergency(client)  # two alerts, one task each, one for each process
            else:
                send_outbox.delay()
                send_outbox.delay()
            assert stalling.inbox.wait_stalled(2), "the worker's processes did not both send"
            worker.kill()  # kill -9, while both wait for the server's answer
        doubt = OutgoingEmail.objects.filter(status=S.SENDING)
        assert doubt.count() == 2  # one per pool process, however many were due
        assert set(doubt.values_list("kind", flat=True)) == {kind}
        assert not OutgoingEmail.objects.filter(status=S.SENT).exists()
        due = OutgoingEmail.objects.filter(status=S.QUEUED, next_attempt_at__lte=timezone.now())
        assert due.count() == (6 if kind == "alert" else 4)
        assert set(due.values_list("attempts", flat=True)) == {0}  # never tried
    finally:
        stalling.stop()

    with worker_process(smtp_server.port, concurrency=2):
        send_outbox.delay()
        expected = 6 if kind == "alert" else 4
        assert smtp_server.inbox.wait(expected), "the next worker did not send the rest"
        assert wait_for(lambda: not due.exists())
        # The server has the last message before the worker marks it sent: wait for the mark,
        # or a worker stopped in between would leave a third row in "sending".
        sent = OutgoingEmail.objects.filter(status=S.SENT)
        assert wait_for(lambda: sent.count() == expected), "the rest were not marked sent"
    assert OutgoingEmail.objects.filter(status=S.SENDING).count() == 2  # still in doubt

    # Later, the policy for a sender that died mid-send (the pass here, as beat would run it).
    later = timezone.now() + outbox.POLICIES[kind].stuck_after + datetime.timedelta(seconds=1)
    with time_machine.travel(later):
        tally = outbox.send_due()
    if kind == "followup":
        assert (tally.unknown, tally.sent) == (2, 0)  # a person decides
        assert OutgoingEmail.objects.filter(status=S.UNKNOWN).count() == 2
        assert len(smtp_server.inbox.messages) == 4
    else:
        assert (tally.resent, tally.sent) == (2, 2)  # twice beats never
        assert alert_emails().filter(status=S.SENT).count() == 2
        assert smtp_server.inbox.wait(8)
    ids = [message["Message-ID"] for _, message in smtp_server.inbox.messages]
    assert len(ids) == len(set(ids))


def test_two_worker_processes_at_once_never_send_an_email_twice(client, smtp_server):
    staff(roles.PRACTITIONER, on_duty=True)
    create_due(150)
    with worker_process(smtp_server.port), worker_process(smtp_server.port):
        for _ in range(4):
            send_outbox.delay()  # four passes at once over two workers' four processes
        submit_emergency(client)
        assert smtp_server.inbox.wait(151, timeout=120), "not everything was sent"
        assert wait_for(lambda: OutgoingEmail.objects.filter(status=S.SENT).count() == 151)
    ids = [message["Message-ID"] for _, message in smtp_server.inbox.messages]
    assert len(ids) == 151 and len(set(ids)) == 151
    sent = OutgoingEmail.objects.filter(status=S.SENT)
    assert set(sent.values_list("attempts", flat=True)) == {1}
    assert set(ids) == set(sent.values_list("message_id", flat=True))
