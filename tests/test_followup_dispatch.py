"""Sending follow-ups to a real SMTP server on loopback: retries, failures, quiet hours, crashes."""

import datetime
import io
import logging
import threading

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from clinic import outbox
from clinic.demo.followups import create_due
from clinic.models import OutgoingEmail
from clinic.settings.base import env_on_off
from followup import plan
from followup.models import FollowUp
from intake.models import CaseEvent

from .factories import roles, staff
from .followups import followup_emails, make_due, scheduled_case

S = OutgoingEmail.Status
LONDON = timezone.get_default_timezone()


def statuses():
    return dict(FollowUp.objects.values_list("pk", "email__status"))


@pytest.mark.django_db
def test_due_follow_ups_are_sent_once_and_marked(smtp_server):
    create_due(3)
    tally = outbox.send_due()
    assert (tally.sent, tally.retrying, tally.failed) == (3, 0, 0)
    assert smtp_server.inbox.wait(3)
    sent = followup_emails().filter(status=S.SENT)
    assert sent.count() == 3 and set(sent.values_list("followup__step", flat=True)) == {1}
    ids = {message["Message-ID"] for _, message in smtp_server.inbox.messages}
    assert ids == set(sent.values_list("message_id", flat=True))
    assert all(row.sent_at and row.attempts == 1 for row in sent)
    assert CaseEvent.objects.filter(data={"step": 1, "status": "sent"}).count() == 3
    assert outbox.send_due().sent == 0  # nothing due any more: the later steps wait
    assert len(smtp_server.inbox.messages) == 3


@pytest.mark.django_db
def test_a_claimed_row_cannot_be_claimed_again():
    create_due(2)
    kinds = outbox.sendable_kinds()
    first, second = outbox.claim(kinds), outbox.claim(kinds)  # one row at a time
    assert first.pk != second.pk
    assert outbox.claim(kinds) is None


@pytest.mark.django_db
def test_quiet_hours_hold_follow_ups_until_morning(smtp_server, settings):
    settings.FOLLOWUP_QUIET_HOURS = True
    evening = datetime.datetime(2026, 12, 1, 21, 30, tzinfo=LONDON)
    with time_machine.travel(evening - datetime.timedelta(hours=2)):
        create_due(2)
    with time_machine.travel(evening):
        assert outbox.send_due().sent == 0
    with time_machine.travel(evening.replace(day=2, hour=7, minute=59)):
        assert outbox.send_due().sent == 0
    assert set(statuses().values()) == {S.QUEUED}
    with time_machine.travel(evening.replace(day=2, hour=8, minute=0)):
        assert outbox.send_due().sent == 2
    assert smtp_server.inbox.wait(2)


@pytest.mark.django_db
def test_with_quiet_hours_off_follow_ups_go_at_night(smtp_server, settings):
    settings.FOLLOWUP_QUIET_HOURS = False
    night = datetime.datetime(2026, 12, 1, 23, 0, tzinfo=LONDON)
    with time_machine.travel(night):
        create_due(1)
        assert outbox.send_due().sent == 1


@pytest.mark.django_db
def test_smtp_down_retries_with_growing_delay_then_delivers(smtp_down):
    create_due(3)
    tally = outbox.send_due()
    # The server cannot be reached: one row is retried and the pass ends; the rest wait untried.
    assert (tally.sent, tally.retrying) == (0, 1)
    tried = followup_emails().get(attempts=1)
    assert "ConnectionRefused" in tried.last_error
    assert followup_emails(step=1).filter(status=S.QUEUED, attempts=0).count() == 2

    delays = []
    for _ in range(3):
        tried.refresh_from_db()
        moment = tried.next_attempt_at + datetime.timedelta(seconds=1)
        with time_machine.travel(moment, tick=False):
            followup_emails().exclude(pk=tried.pk).update(status=S.CANCELLED)  # watch one row
            assert outbox.send_due().retrying == 1
            tried.refresh_from_db()
            delays.append(tried.next_attempt_at - moment)
    assert delays == [datetime.timedelta(minutes=m) for m in (2, 4, 8)]
    assert outbox.send_due().done == 0  # not due yet

    smtp_down.start()
    with time_machine.travel(tried.next_attempt_at + datetime.timedelta(seconds=1)):
        assert outbox.send_due().sent == 1
    assert smtp_down.inbox.wait(1)
    tried.refresh_from_db()
    assert (tried.status, tried.attempts, tried.last_error) == (S.SENT, 5, "")


@pytest.mark.django_db
def test_transient_errors_give_up_after_max_attempts(smtp_down):
    create_due(1)
    followup_emails(step=1).update(attempts=outbox.FOLLOWUP.max_attempts - 1)
    assert outbox.send_due().failed == 1
    row = followup_emails().get(followup__step=1)
    assert (row.status, row.attempts) == (S.FAILED, outbox.FOLLOWUP.max_attempts)


@pytest.mark.django_db
def test_a_permanent_refusal_marks_the_follow_up_failed_without_the_address(refusing_server):
    refusing_server("550 5.1.1 <{address}>: Recipient address rejected")
    create_due(2)
    tally = outbox.send_due()
    assert (tally.sent, tally.failed) == (0, 2)  # the second was still tried
    row = followup_emails().filter(status=S.FAILED).first()
    assert (
        row.last_error
        == "SMTPRecipientsRefused: 550 5.1.1 <<recipient>>: Recipient address rejected"
    )
    assert "@" not in "".join(followup_emails().values_list("last_error", flat=True))
    assert CaseEvent.objects.filter(data={"step": 1, "status": "failed"}).count() == 2


@pytest.mark.django_db
def test_a_4xx_refusal_is_retried(refusing_server):
    refusing_server("451 4.3.0 Try again later")
    create_due(2)
    tally = outbox.send_due()
    assert tally.retrying == 2
    assert set(followup_emails(step=1).values_list("status", "attempts")) == {(S.QUEUED, 1)}


@pytest.mark.django_db
def test_a_follow_up_stuck_in_sending_becomes_unknown_and_is_not_resent(smtp_server):
    create_due(1)
    row = outbox.claim(outbox.sendable_kinds())  # ... and the process dies mid-send
    assert outbox.send_due().done == 0
    assert followup_emails().get(pk=row.pk).status == S.SENDING
    later = timezone.now() + outbox.FOLLOWUP.stuck_after + datetime.timedelta(minutes=1)
    with time_machine.travel(later):
        tally = outbox.send_due()
        assert (tally.sent, tally.unknown) == (0, 1)
        assert outbox.send_due().done == 0
    assert followup_emails().get(pk=row.pk).status == S.UNKNOWN
    assert smtp_server.inbox.messages == []
    assert CaseEvent.objects.filter(data={"step": 1, "status": "unknown"}).exists()

    # a person decides: send it
    assert plan.retry(row.followup.pk, staff(roles.PRACTITIONER))
    assert outbox.send_due().sent == 1
    assert smtp_server.inbox.wait(1)


class Crash(BaseException):
    """Something the code does not expect, like the worker's hard time limit."""


@pytest.mark.django_db
def test_rows_claimed_but_never_tried_go_back_to_the_queue(smtp_server, monkeypatch):
    create_due(3)
    real_mark_sent = outbox.mark_sent

    def dies_after_first(email):
        real_mark_sent(email)
        raise Crash

    monkeypatch.setattr(outbox, "mark_sent", dies_after_first)
    with pytest.raises(Crash):
        outbox.send_due()
    counts = sorted(followup_emails(step=1).values_list("status", flat=True))
    assert counts == [S.QUEUED, S.QUEUED, S.SENT]


@pytest.mark.django_db
def test_a_crash_after_the_server_accepted_leaves_the_row_for_a_person(smtp_server, monkeypatch):
    create_due(2)

    def database_gone(email):
        raise ConnectionResetError("database went away")

    monkeypatch.setattr(outbox, "mark_sent", database_gone)
    with pytest.raises(ConnectionResetError):
        outbox.send_due()
    assert sorted(followup_emails(step=1).values_list("status", flat=True)) == [
        S.QUEUED,
        S.SENDING,
    ]


@pytest.mark.django_db
def test_logs_carry_ids_only(smtp_down, caplog):
    case = scheduled_case(first_name="Zebedee", email="zebedee.private@example.test")
    make_due(case)
    with caplog.at_level(logging.DEBUG):
        outbox.send_due()
        smtp_down.start()
        followup_emails(case=case, step=1).update(next_attempt_at=timezone.now())
        outbox.send_due()
    ours = "\n".join(
        r.getMessage() for r in caplog.records if r.name.startswith(("followup", "clinic"))
    )
    assert "not sent" in ours and "retry" in ours
    for private in ("zebedee", "example.test", "07700"):
        assert private not in ours.lower()


@pytest.mark.django_db
def test_the_command_runs_one_pass_and_says_what_happened(smtp_server):
    create_due(2)
    out = io.StringIO()
    call_command("dispatch_followups", stdout=out, stderr=io.StringIO())
    assert out.getvalue().strip() == "Sent 2, retrying 0, failed 0, outcome unknown 0."
    assert smtp_server.inbox.wait(2)


@pytest.mark.django_db
def test_the_command_says_when_quiet_hours_hold_the_follow_ups(settings, smtp_server):
    settings.FOLLOWUP_QUIET_HOURS = True
    with time_machine.travel(datetime.datetime(2026, 12, 1, 22, 0, tzinfo=LONDON)):
        create_due(1)
        out = io.StringIO()
        call_command("dispatch_followups", stdout=out)
    assert "Quiet hours" in out.getvalue()
    assert "Sent 0," in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_four_dispatchers_at_once_deliver_500_follow_ups_exactly_once(smtp_server):
    create_due(500)
    start = threading.Barrier(4)
    tallies, errors = [], []

    def dispatcher():
        try:
            start.wait()
            tallies.append(outbox.send_due())
        except Exception as exc:  # surfaced below: a thread's exception is otherwise lost
            errors.append(exc)
        finally:
            connection.close()  # each thread has its own database connection

    threads = [threading.Thread(target=dispatcher) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert smtp_server.inbox.wait(500, timeout=30)
    ids = [message["Message-ID"] for _, message in smtp_server.inbox.messages]
    assert len(ids) == 500
    assert len(set(ids)) == 500
    assert sum(tally.sent for tally in tallies) == 500
    assert sum(1 for tally in tallies if tally.sent) >= 2  # they really shared the work
    assert followup_emails(step=1, email__status=S.SENT).count() == 500
    assert set(followup_emails(step=1).values_list("attempts", flat=True)) == {1}


@pytest.mark.parametrize(("value", "on"), [("on", True), ("off", False), (" OFF ", False)])
def test_the_quiet_hours_switch_reads_on_or_off(monkeypatch, value, on):
    monkeypatch.setenv("FOLLOWUP_QUIET_HOURS", value)
    assert env_on_off("FOLLOWUP_QUIET_HOURS", default="on") is on


@pytest.mark.parametrize("value", ["of", "false", "0", ""])
def test_a_misspelt_quiet_hours_switch_stops_the_start(monkeypatch, value):
    monkeypatch.setenv("FOLLOWUP_QUIET_HOURS", value)
    with pytest.raises(ImproperlyConfigured, match="FOLLOWUP_QUIET_HOURS must be on or off"):
        env_on_off("FOLLOWUP_QUIET_HOURS", default="on")
