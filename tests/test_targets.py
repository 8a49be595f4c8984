"""The triage targets page: clinic admins change the targets, and waiting cases follow."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from clinic.models import AuditEntry
from intake import targets
from intake.models import Case, Tier, TriageTargets
from intake.services import Contact, record_enquiry

from .factories import answers

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
MONDAY_10AM = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=LONDON)

DEFAULTS = {
    "emergency_ack_minutes": 15,
    "urgent_working_days": 0,
    "soon_working_days": 2,
    "routine_working_days": 5,
    "working_day_ends_hour": 18,
}


def routine_case(n, status=Case.Status.NEW, met=False):
    with time_machine.travel(MONDAY_10AM, tick=False):
        case = record_enquiry(
            contact=Contact("Sam", "Sample", f"patient{n}@example.test"),
            source="web",
            answers=answers(),
        ).case
    Case.objects.filter(pk=case.pk).update(
        status=status, target_met_at=MONDAY_10AM if met else None
    )
    case.refresh_from_db()
    return case


def at(day, hour):
    return datetime.datetime(2026, 3, day, hour, tzinfo=LONDON)


def test_saving_moves_the_due_time_of_open_cases_still_waiting(admin_client_, clinic_admin):
    waiting = routine_case(1)
    met = routine_case(2, met=True)
    closed = routine_case(3, status=Case.Status.CLOSED)
    assert waiting.target_due_at == at(9, 18)  # five working days, end of day
    response = admin_client_.post(
        reverse("triage_targets"), {**DEFAULTS, "routine_working_days": 3}
    )
    assert response.status_code == 302
    for case in (waiting, met, closed):
        case.refresh_from_db()
    assert waiting.target_due_at == at(5, 18)
    assert met.target_due_at == closed.target_due_at == at(9, 18)
    saved = TriageTargets.current()
    assert (saved.routine_working_days, saved.changed_by) == (3, clinic_admin)
    entry = AuditEntry.objects.get(object_type="targets")
    assert (entry.actor, entry.action, entry.what) == (clinic_admin, "change", "targets")


def test_the_page_says_how_many_cases_moved(admin_client_):
    routine_case(1)
    response = admin_client_.post(
        reverse("triage_targets"), {**DEFAULTS, "working_day_ends_hour": 17}, follow=True
    )
    assert "1 waiting case has a new due time" in response.content.decode()


def test_bad_values_are_kept_with_errors_beside_their_fields(admin_client_):
    response = admin_client_.post(
        reverse("triage_targets"),
        {**DEFAULTS, "emergency_ack_minutes": 2000, "working_day_ends_hour": 0},
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"emergency_ack_minutes", "working_day_ends_hour"}
    page = response.content.decode()
    assert 'value="2000"' in page
    field = page[page.index('id="div_id_emergency_ack_minutes"') :]
    field = field[: field.index('id="div_id_urgent_working_days"')]
    assert "less than or equal to 1440" in field
    assert TriageTargets.current().emergency_ack_minutes == 15


def test_a_tier_cannot_be_sooner_than_the_one_above_it(admin_client_):
    response = admin_client_.post(reverse("triage_targets"), {**DEFAULTS, "urgent_working_days": 3})
    assert response.status_code == 400
    assert "soon_working_days" in response.context["form"].errors


def test_the_form_shows_the_current_targets(admin_client_):
    TriageTargets.objects.create(emergency_ack_minutes=20)
    response = admin_client_.get(reverse("triage_targets"))
    assert response.context["form"]["emergency_ack_minutes"].value() == 20


def test_practitioners_and_reception_cannot_change_targets(client, practitioner, reception):
    for user in (practitioner, reception):
        client.force_login(user)
        assert client.get(reverse("triage_targets")).status_code == 403
        assert client.post(reverse("triage_targets"), DEFAULTS).status_code == 403
    assert TriageTargets.objects.count() == 0


def test_recomputing_works_through_every_batch():
    cases = [routine_case(n) for n in range(5)]
    emergency = record_enquiry(
        contact=Contact("Em", "Ergency", "em@example.test"),
        source="web",
        answers=answers(bladder_change=True),
    ).case
    new = TriageTargets(routine_working_days=1, emergency_ack_minutes=5)
    assert targets.recompute_open_targets(new, batch_size=2) == 6
    due = set(Case.objects.filter(pk__in=[c.pk for c in cases]).values_list("target_due_at"))
    assert due == {(at(3, 18),)}
    emergency.refresh_from_db()
    assert emergency.urgency == Tier.EMERGENCY
    assert emergency.target_due_at == emergency.opened_at + datetime.timedelta(minutes=5)


def test_recomputing_again_changes_nothing():
    routine_case(1)
    assert targets.recompute_open_targets(TriageTargets.current()) == 0
