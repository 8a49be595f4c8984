"""Escalation of emergencies nobody acknowledges and urgent cases nobody contacts: real
PostgreSQL, real SMTP on loopback, a real Celery worker on real Redis, `manage.py escalate`
processes, and time moved with time-machine."""

import datetime
import os
import subprocess
import sys
import threading
import zoneinfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from clinic import outbox, roles
from clinic.models import AuditEntry, OutgoingEmail
from intake import escalation
from intake.models import Case, CaseEvent, Escalation, EscalationContact
from intake.services import Contact, record_enquiry
from intake.tasks import escalate as escalate_task

from .factories import answers, form_data, staff
from .realservices import ROOT, celery_worker

LONDON = zoneinfo.ZoneInfo("Europe/London")
# A Tuesday morning, the clinic open.
ARRIVED = datetime.datetime(2026, 12, 1, 10, 0, tzinfo=LONDON)
EMERGENCY = {"bladder_change": True}
S = OutgoingEmail.Status


def minutes(n):
    return datetime.timedelta(minutes=n)


def escalation_emails(**filters):
    return OutgoingEmail.objects.filter(kind=OutgoingEmail.Kind.ESCALATION, **filters)


def submit(client, **changes):
    assert client.post(reverse("intake_form"), form_data(**changes)).status_code == 302
    return Case.objects.latest("pk")


@pytest.fixture
def clinic(db):
    """An on-duty and an off-duty practitioner, a clinic admin, reception and a contact."""
    return {
        "on_duty": staff(roles.PRACTITIONER, username="onduty", on_duty=True),
        "off_duty": staff(roles.PRACTITIONER, username="offduty", on_duty=False),
        "admin": staff(roles.CLINIC_ADMIN, username="boss"),
        "reception": staff(roles.RECEPTION, username="desk"),
        "contact": EscalationContact.objects.create(
            name="Clinical lead", email="lead@partner.example.test"
        ),
    }


def subjects(inbox):
    return sorted({message["Subject"] for _, message in inbox.messages})


def addressees(inbox):
    return sorted(to for tos, _ in inbox.messages for to in tos)


@pytest.mark.django_db
def test_an_unacknowledged_emergency_is_escalated_to_every_practitioner_admin_and_contact(
    client, clinic, smtp_server
):
    with time_machine.travel(ARRIVED, tick=False) as clock:
        case = submit(client, **EMERGENCY)
        clock.move_to(ARRIVED + minutes(14))
        assert escalation.run().rounds == 0  # the 15-minute target has not passed
        outbox.send_due()  # the alert to the practitioner on duty
        alerts = len(smtp_server.inbox.messages)

        clock.move_to(ARRIVED + minutes(15))
        summary = escalation.run()
        assert (summary.emergencies, summary.emails) == (1, 4)
        assert outbox.send_due().sent == 4
    assert smtp_server.inbox.wait(alerts + 4)
    escalated = smtp_server.inbox.messages[alerts:]
    assert sorted(to for tos, _ in escalated for to in tos) == sorted(
        [
            clinic["on_duty"].email,
            clinic["off_duty"].email,
            clinic["admin"].email,
            "lead@partner.example.test",
        ]
    )  # every practitioner (on duty or not), every admin, the contact; never reception
    _, message = escalated[0]
    assert message["Subject"].strip() == (  # a long subject is folded: leading space
        f"NOT ACKNOWLEDGED for 15 minutes: emergency case {case.pk} (Back Pain Clinic)"
    )
    body = message.get_body(("plain",)).get_content()
    assert "HAS NOT BEEN ACKNOWLEDGED FOR 15 MINUTES" in body
    assert "acknowledge an emergency within 15 minutes" in body
    assert "told to go to A&E" in body
    assert f"/cases/{case.pk}/" in body
    assert message["Importance"] == "high"
    assert set(escalation_emails().values_list("status", flat=True)) == {S.SENT}


@pytest.mark.django_db
def test_an_escalation_repeats_every_few_minutes_until_someone_acknowledges(
    client, clinic, settings
):
    settings.ESCALATION_REPEAT_MINUTES = 10
    with time_machine.travel(ARRIVED, tick=False) as clock:
        case = submit(client, **EMERGENCY)
        rounds = []
        for at in (15, 16, 24, 25, 26, 35, 40):
            clock.move_to(ARRIVED + minutes(at))
            if escalation.run().emergencies:
                rounds.append(at)
        assert rounds == [15, 25, 35]
        assert list(Escalation.objects.values_list("number", flat=True).order_by("at")) == [1, 2, 3]
        last = escalation_emails().order_by("-pk").first()
        assert "NOT ACKNOWLEDGED for 35 minutes" in outbox.render(last).subject

        practitioner = clinic["on_duty"]
        client.force_login(practitioner)
        client.post(reverse("case_action", args=[case.pk, "acknowledge"]), {"version": 1})
        case.refresh_from_db()
        assert case.acknowledged_by == practitioner
        for at in (45, 55, 120):
            clock.move_to(ARRIVED + minutes(at))
            assert escalation.run().rounds == 0
    assert Escalation.objects.count() == 3


@pytest.mark.django_db
def test_the_repeat_follows_the_setting_and_the_target_follows_the_targets(
    client, clinic, settings
):
    from intake.models import TriageTargets

    TriageTargets.objects.create(emergency_ack_minutes=5)
    settings.ESCALATION_REPEAT_MINUTES = 3
    with time_machine.travel(ARRIVED, tick=False) as clock:
        submit(client, **EMERGENCY)
        rounds = []
        for at in range(0, 12):
            clock.move_to(ARRIVED + minutes(at))
            if escalation.run().emergencies:
                rounds.append(at)
    assert rounds == [5, 8, 11]
    email = escalation_emails().first()
    text = outbox.render(email).body
    assert "within 5 minutes" in text and "every 3 minutes" in text


@pytest.mark.django_db
def test_a_late_pass_sends_the_round_due_now_not_every_round_it_missed(client, clinic):
    with time_machine.travel(ARRIVED, tick=False) as clock:
        submit(client, **EMERGENCY)
        clock.move_to(ARRIVED + minutes(58))  # beat was down for most of an hour
        assert escalation.run().emergencies == 1
        assert escalation.run().emergencies == 0
    assert list(Escalation.objects.values_list("number", flat=True)) == [5]


@pytest.mark.django_db
def test_an_urgent_case_not_contacted_by_its_due_time_alerts_the_practitioners_on_duty_once(
    client, clinic, smtp_server
):
    with time_machine.travel(ARRIVED, tick=False) as clock:
        case = submit(client, fever=True)  # urgent: contact by 18:00 today
        assert case.target_due_at == ARRIVED.replace(hour=18)
        clock.move_to(ARRIVED.replace(hour=17, minute=59))
        assert escalation.run().rounds == 0
        clock.move_to(ARRIVED.replace(hour=18))
        summary = escalation.run()
        assert (summary.urgent, summary.emails) == (1, 1)
        for hour in (19, 22):
            clock.move_to(ARRIVED.replace(hour=hour))
            assert escalation.run().rounds == 0  # once, not again and again
        outbox.send_due()
    escalated = [
        (tos, m) for tos, m in smtp_server.inbox.messages if "NOT CONTACTED" in m["Subject"]
    ]
    assert [tos for tos, _ in escalated] == [[clinic["on_duty"].email]]
    _, message = escalated[0]
    assert message["Subject"].strip() == (
        f"NOT CONTACTED by its due time: urgent case {case.pk} (Back Pain Clinic)"
    )
    assert "Tuesday 1 December, 18:00" in message.get_body(("plain",)).get_content()


@pytest.mark.django_db
def test_an_urgent_case_contacted_in_time_and_an_acknowledged_emergency_are_not_escalated(
    client, clinic
):
    with time_machine.travel(ARRIVED, tick=False) as clock:
        urgent = submit(client, fever=True, contact={"email": "u@example.test"})
        emergency = submit(
            client, **EMERGENCY, contact={"email": "e@example.test", "phone": "07700 900999"}
        )
        assert urgent.pk != emergency.pk
        client.force_login(clinic["on_duty"])
        client.post(
            reverse("case_action", args=[urgent.pk, "contact"]), {"version": 1, "outcome": "called"}
        )
        client.post(reverse("case_action", args=[emergency.pk, "acknowledge"]), {"version": 1})
        clock.move_to(ARRIVED + datetime.timedelta(days=1))
        assert escalation.run().rounds == 0


@pytest.mark.django_db
def test_each_escalation_is_on_the_timeline_and_on_the_queue_banner(client, clinic):
    with time_machine.travel(ARRIVED, tick=False) as clock:
        case = submit(client, **EMERGENCY)
        clock.move_to(ARRIVED + minutes(25))
        escalation.run()
        client.force_login(clinic["on_duty"])
        queue = client.get(reverse("triage_queue")).content.decode()
        page = client.get(reverse("case_detail", args=[case.pk])).content.decode()
    pinned = queue.split('id="pinned"', 1)[1].split("</section>", 1)[0]
    assert f'data-case="{case.pk}"' in pinned
    assert "escalated at 10:25 (round 2)" in pinned
    event = CaseEvent.objects.get(case=case, kind=CaseEvent.Kind.ESCALATED)
    assert event.data == {
        "reason": "not_acknowledged",
        "number": 2,
        "minutes": 25,
        "recipients": 4,
    }
    line = "Escalated</strong>: emergency not acknowledged for 25 min (round 2), emailed 4 people"
    assert line in page


@pytest.mark.django_db
def test_the_escalation_email_carries_no_clinical_detail(client, clinic):
    with time_machine.travel(ARRIVED, tick=False) as clock:
        submit(client, **EMERGENCY, leg_symptoms="both", cancer_history=True)
        clock.move_to(ARRIVED + minutes(15))
        escalation.run()
    for email in escalation_emails():
        message = outbox.render(email)
        text = (message.subject + message.body + message.alternatives[0].content).lower()
        text = text.replace(email.recipient, "")
        details = ("bladder", "leg", "cancer", "ces_", "cauda", "alex", "example.test", "07700")
        for detail in details:
            assert detail not in text, detail


@pytest.mark.django_db
def test_the_escalation_html_has_inline_styles_and_no_class_names(client, clinic):
    with time_machine.travel(ARRIVED, tick=False) as clock:
        submit(client, **EMERGENCY)
        clock.move_to(ARRIVED + minutes(15))
        escalation.run()
    html = outbox.render(escalation_emails().first()).alternatives[0].content
    assert "class=" not in html and "<style" not in html
    assert 'style="' in html and "not been acknowledged for 15 minutes" in html


@pytest.mark.django_db
def test_the_escalate_command_runs_one_pass_and_says_what_it_did(client, clinic, capsys):
    with time_machine.travel(ARRIVED, tick=False) as clock:
        case = submit(client, **EMERGENCY)
        clock.move_to(ARRIVED + minutes(20))
        call_command("escalate")
        out = capsys.readouterr().out
        line = f"case {case.pk}: emergency not acknowledged for 20 minutes, round 1, 4 emails"
        assert line in out
        assert "Escalated 1 unacknowledged emergency and 0 urgent cases not contacted" in out
        assert "4 emails queued in the outbox" in out
        call_command("escalate")
        assert "Escalated 0 unacknowledged emergencies" in capsys.readouterr().out


def test_beat_runs_the_escalation_pass_every_minute():
    from clinic.celery import app

    entry = app.conf.beat_schedule["escalate"]
    assert entry["task"] == "intake.tasks.escalate"
    assert entry["schedule"] == 60.0


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_escalation_task_and_the_emails_reach_smtp(
    client, smtp_server, no_tasks_left
):
    staff(roles.PRACTITIONER, on_duty=True)
    admin = staff(roles.CLINIC_ADMIN)
    case = submit(client, **EMERGENCY)
    Case.objects.filter(pk=case.pk).update(target_due_at=timezone.now() - minutes(1))
    with celery_worker():
        escalate_task.delay()  # what beat sends every minute
        assert smtp_server.inbox.wait(3), "the escalation did not reach the SMTP server"
    escalated = [tos for tos, m in smtp_server.inbox.messages if "NOT ACKNOWLEDGED" in m["Subject"]]
    assert len(escalated) == 2 and [admin.email] in escalated
    assert escalation_emails().filter(status=S.SENT).count() == 2


@pytest.fixture
def no_tasks_left():
    """Passes committed here enqueue send tasks nobody consumes: none is left for later tests."""
    yield
    from clinic.celery import app

    app.control.purge()


def make_emergencies(count):
    overdue = minutes(1)
    cases = []
    for n in range(count):
        recorded = record_enquiry(
            contact=Contact("Sam", f"Patient{n}", email=f"patient{n}@example.test"),
            source="web",
            answers=answers(**EMERGENCY),
        )
        cases.append(recorded.case.pk)
    Case.objects.filter(pk__in=cases).update(target_due_at=timezone.now() - overdue)
    return cases


@pytest.mark.django_db(transaction=True)
def test_two_passes_at_once_in_threads_never_send_a_round_twice(no_tasks_left):
    for role in (roles.PRACTITIONER, roles.PRACTITIONER, roles.CLINIC_ADMIN):
        staff(role, on_duty=True)
    cases = make_emergencies(40)
    now = timezone.now()
    start = threading.Barrier(2)
    summaries, errors = [], []

    def one_pass():
        try:
            start.wait()
            summaries.append(escalation.run(now))
        except Exception as exc:  # surfaced below: a thread's exception is otherwise lost
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=one_pass) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert sum(s.emergencies for s in summaries) == 40
    assert Escalation.objects.count() == 40
    assert sorted(Escalation.objects.values_list("case_id", flat=True)) == sorted(cases)
    assert escalation_emails().count() == 40 * 3
    assert sum(s.emails for s in summaries) == 40 * 3


@pytest.mark.django_db(transaction=True)
def test_two_escalate_commands_at_once_never_send_a_round_twice(no_tasks_left):
    staff(roles.PRACTITIONER, on_duty=True)
    staff(roles.CLINIC_ADMIN)
    make_emergencies(60)
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "clinic.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
    }
    passes = [
        subprocess.Popen(
            [sys.executable, "manage.py", "escalate"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120) for p in passes]
    assert [p.returncode for p in passes] == [0, 0], outputs
    assert Escalation.objects.count() == 60
    assert escalation_emails().count() == 120
    written = sum(out.count(", round 1, 2 emails") for out, _ in outputs)
    assert written == 60


@pytest.mark.django_db(transaction=True)
def test_a_case_another_pass_holds_is_left_to_it_and_a_round_cannot_be_written_twice(no_tasks_left):
    staff(roles.PRACTITIONER, on_duty=True)
    (case_id,) = make_emergencies(1)
    held, release = threading.Event(), threading.Event()

    def other_pass():
        with transaction.atomic():
            Case.objects.select_for_update().get(pk=case_id)
            held.set()
            release.wait(30)
        connection.close()

    thread = threading.Thread(target=other_pass)
    thread.start()
    assert held.wait(30)
    summary = escalation.run()
    release.set()
    thread.join(30)
    assert (summary.rounds, summary.skipped) == (0, 1)
    assert escalation.run().emergencies == 1

    first = Escalation.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Escalation.objects.create(
            case_id=case_id,
            kind=first.kind,
            target_due_at=first.target_due_at,
            number=first.number,
            waiting_since=first.waiting_since,
        )


@pytest.mark.django_db
def test_with_nobody_to_tell_the_round_is_still_recorded_for_the_banner(client):
    with time_machine.travel(ARRIVED, tick=False) as clock:
        case = submit(client, **EMERGENCY)
        clock.move_to(ARRIVED + minutes(15))
        summary = escalation.run()
    assert (summary.emergencies, summary.emails) == (1, 0)
    assert Escalation.objects.get(case=case).recipients == 0


# --- The escalation contacts page -----------------------------------------------------------------


@pytest.mark.django_db
def test_admins_keep_the_escalation_contacts_and_every_change_is_audited(admin_client_):
    url = reverse("escalation_contacts")
    page = admin_client_.get(url)
    assert page.status_code == 200
    assert "No escalation contacts yet" in page.content.decode()

    response = admin_client_.post(
        url, {"action": "add", "name": "Clinical lead", "email": "Lead@Partner.example.test"}
    )
    assert response.status_code == 302
    contact = EscalationContact.objects.get()
    assert (contact.name, contact.email) == ("Clinical lead", "lead@partner.example.test")
    assert "Clinical lead" in admin_client_.get(url).content.decode()

    again = admin_client_.post(
        url, {"action": "add", "name": "Lead again", "email": "lead@partner.example.test"}
    )
    assert again.status_code == 400
    assert "already an escalation contact" in again.content.decode()
    assert 'value="Lead again"' in again.content.decode()

    removed = admin_client_.post(url, {"action": "remove", "contact_id": contact.pk})
    assert removed.status_code == 302
    assert not EscalationContact.objects.exists()
    audit = AuditEntry.objects.filter(object_type="escalation_contact", object_id=contact.pk)
    assert sorted(audit.values_list("what", flat=True)) == ["added", "removed"]


@pytest.mark.django_db
def test_a_bad_email_address_is_shown_beside_the_field_and_nothing_is_saved(admin_client_):
    response = admin_client_.post(
        reverse("escalation_contacts"), {"action": "add", "name": "Lead", "email": "not an email"}
    )
    assert response.status_code == 400
    assert "Enter a valid email address" in response.content.decode()
    assert not EscalationContact.objects.exists()


@pytest.mark.django_db
def test_only_clinic_admins_see_the_escalation_contacts(practitioner_client):
    assert practitioner_client.get(reverse("escalation_contacts")).status_code == 403
