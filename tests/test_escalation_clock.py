"""A target's clock starts when the case's urgency last changed, not when the case opened.

An old case raised to emergency (by an override or a later questionnaire) gets its minutes to
be acknowledged from that moment: it is not overdue at once, nobody is told it has not been
acknowledged "for 3 days", and new targets count from the same moment.
"""

import datetime
import zoneinfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from clinic import outbox, roles
from clinic.models import OutgoingEmail
from intake import escalation
from intake.models import CaseEvent, Escalation, Tier
from intake.services import Contact, record_enquiry

from .factories import answers, staff

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")
# A routine case opened on a Friday morning; raised on the Tuesday after, the clinic open.
OPENED = datetime.datetime(2026, 11, 27, 10, 0, tzinfo=LONDON)
RAISED = datetime.datetime(2026, 12, 1, 11, 0, tzinfo=LONDON)
TARGETS = {
    "emergency_ack_minutes": 15,
    "urgent_working_days": 0,
    "soon_working_days": 2,
    "routine_working_days": 5,
    "working_day_ends_hour": 18,
}
CONTACT = Contact("Sam", "Sample", "sam.sample@example.test", "07700 900456")


def minutes(n):
    return datetime.timedelta(minutes=n)


def old_routine_case():
    with time_machine.travel(OPENED, tick=False):
        case = record_enquiry(contact=CONTACT, source="web", answers=answers()).case
    assert case.urgency == Tier.ROUTINE
    return case


def override_to_emergency(client, case):
    case.refresh_from_db()
    response = client.post(
        reverse("case_action", args=[case.pk, "override"]),
        {"version": case.version, "tier": Tier.EMERGENCY, "reason": "Bladder on the phone"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.urgency == Tier.EMERGENCY
    return case


def escalation_subjects():
    rows = OutgoingEmail.objects.filter(kind=OutgoingEmail.Kind.ESCALATION).order_by("pk")
    return [outbox.render(row).subject for row in rows]


def test_an_old_case_overridden_to_emergency_is_due_its_minutes_after_the_override(
    practitioner_client,
):
    case = old_routine_case()
    with time_machine.travel(RAISED, tick=False) as clock:
        case = override_to_emergency(practitioner_client, case)
        assert case.target_started_at == RAISED
        assert case.target_due_at == RAISED + minutes(15)
        assert escalation.run().rounds == 0  # not overdue at once
        clock.move_to(RAISED + minutes(14))
        assert escalation.run().rounds == 0
        clock.move_to(RAISED + minutes(15))
        assert escalation.run().emergencies == 1
    assert set(escalation_subjects()) == {
        f"NOT ACKNOWLEDGED for 15 minutes: emergency case {case.pk} (Back Pain Clinic)"
    }  # never "for 4 days"


def test_a_later_emergency_questionnaire_on_an_old_case_is_due_its_minutes_after_it(
    practitioner,
):
    case = old_routine_case()
    desk = staff(roles.RECEPTION, username="desk")
    with time_machine.travel(RAISED, tick=False) as clock:
        recorded = record_enquiry(
            contact=CONTACT, source="phone", answers=answers(bladder_change=True), logged_by=desk
        )
        assert recorded.case.pk == case.pk  # the same, still open case, raised
        case.refresh_from_db()
        assert case.urgency == Tier.EMERGENCY
        assert (case.target_started_at, case.target_due_at) == (RAISED, RAISED + minutes(15))
        assert escalation.run().rounds == 0
        clock.move_to(RAISED + minutes(14))
        assert escalation.run().rounds == 0
        clock.move_to(RAISED + minutes(15))
        assert escalation.run().emergencies == 1
    assert Escalation.objects.get().waited == minutes(15)


def test_new_targets_count_from_when_the_clock_started_not_from_the_opening(admin_client_):
    raised = old_routine_case()
    with time_machine.travel(OPENED, tick=False):
        other = record_enquiry(
            contact=Contact("Jo", "Other", "jo.other@example.test"), source="web", answers=answers()
        ).case
    practice = Client()
    practice.force_login(staff(roles.PRACTITIONER, username="pat", on_duty=True))
    with time_machine.travel(RAISED, tick=False) as clock:
        override_to_emergency(practice, raised)
        clock.move_to(RAISED + minutes(5))
        response = admin_client_.post(
            reverse("triage_targets"), {**TARGETS, "emergency_ack_minutes": 30}
        )
        assert response.status_code == 302
        raised.refresh_from_db()
        assert raised.target_started_at == RAISED  # new targets keep the clock's start
        assert raised.target_due_at == RAISED + minutes(30)  # not four days ago
        clock.move_to(RAISED + minutes(29))
        assert escalation.run().rounds == 0
        clock.move_to(RAISED + minutes(30))
        assert escalation.run().emergencies == 1
    other.refresh_from_db()  # a routine case never raised still counts from its opening
    assert other.target_started_at == OPENED
    assert other.target_due_at == datetime.datetime(2026, 12, 4, 18, 0, tzinfo=LONDON)


def test_the_escalation_says_how_long_since_the_clock_started(practitioner_client, settings):
    settings.ESCALATION_REPEAT_MINUTES = 10
    case = old_routine_case()
    with time_machine.travel(RAISED, tick=False) as clock:
        override_to_emergency(practitioner_client, case)
        for at in (15, 25):
            clock.move_to(RAISED + minutes(at))
            assert escalation.run().emergencies == 1
    assert escalation_subjects()[-1] == (
        f"NOT ACKNOWLEDGED for 25 minutes: emergency case {case.pk} (Back Pain Clinic)"
    )
    body = outbox.render(
        OutgoingEmail.objects.filter(kind=OutgoingEmail.Kind.ESCALATION).latest("pk")
    ).body
    assert "HAS NOT BEEN ACKNOWLEDGED FOR 25 MINUTES" in body
    line = CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.ESCALATED).latest("at")
    assert line.data["minutes"] == 25
