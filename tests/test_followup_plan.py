"""The follow-up plan: scheduled on recovery with consent, stopped when the patient comes back."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from clinic.models import OutgoingEmail
from followup import plan
from followup.models import FollowUp, FollowUpPlan, OptOut
from intake.casework import case_status_changed
from intake.models import Case, CaseEvent
from intake.services import Contact, record_enquiry

from .factories import answers, roles, staff
from .followups import followup_emails, new_followup, recovered_case, scheduled_case

pytestmark = pytest.mark.django_db

S = OutgoingEmail.Status
LONDON = timezone.get_default_timezone()


def act(client, case, action, **data):
    case.refresh_from_db()
    return client.post(
        reverse("case_action", args=[case.pk, action]), {"version": case.version, **data}
    )


def test_a_case_marked_recovered_on_its_page_gets_the_default_plan(
    practitioner_client, django_capture_on_commit_callbacks
):
    case = recovered_case()
    Case.objects.filter(pk=case.pk).update(status=Case.Status.IN_TREATMENT)
    with django_capture_on_commit_callbacks(execute=True):
        assert act(practitioner_client, case, "status", status="recovered").status_code == 302
    rows = list(FollowUp.objects.filter(case=case).order_by("step"))
    assert [row.step for row in rows] == [1, 2, 3, 4, 5]
    assert all(row.email.status == S.QUEUED for row in rows)
    today = timezone.localdate()
    days = [(timezone.localtime(row.due_at, LONDON).date() - today).days for row in rows]
    assert days == [14, 42, 91, 152, 365]
    assert {timezone.localtime(row.due_at, LONDON).time() for row in rows} == {datetime.time(10)}
    assert all(row.email.next_attempt_at == row.due_at for row in rows)
    event = CaseEvent.objects.get(case=case, kind=CaseEvent.Kind.FOLLOWUP)
    assert event.data == {"status": "scheduled", "steps": [1, 2, 3, 4, 5]}


def test_the_plan_is_the_clinics_to_set():
    FollowUpPlan.objects.create(steps=[7, 30])
    case = recovered_case()
    assert plan.schedule(case.pk) == 2


def test_steps_fall_due_at_ten_in_the_morning_clinic_time_across_a_clock_change():
    recovered = datetime.datetime(2026, 3, 20, 16, 0, tzinfo=LONDON)  # GMT; 14 days on is BST
    (due,) = plan.due_times(recovered, [14])
    assert due == datetime.datetime(2026, 4, 3, 10, 0, tzinfo=LONDON)
    assert due.utcoffset() == datetime.timedelta(hours=1)


def test_no_consent_no_follow_ups():
    case = recovered_case(consent=False)
    assert plan.schedule(case.pk) == 0
    assert not FollowUp.objects.exists()


def test_the_latest_questionnaire_decides_consent():
    case = recovered_case(consent=True)
    response = case.responses.get()
    response.pk = None
    response.consent_followup = False
    response.save()
    assert plan.schedule(case.pk) == 0


def test_no_email_address_no_follow_ups():
    case = recovered_case(email="")
    assert plan.schedule(case.pk) == 0


def test_a_patient_who_opted_out_is_not_scheduled():
    case = recovered_case()
    OptOut.objects.create(patient=case.patient, source=OptOut.Source.LINK)
    assert plan.schedule(case.pk) == 0


def opted_out_a_month_ago(patient):
    OptOut.objects.create(
        patient=patient, source=OptOut.Source.LINK, at=timezone.now() - datetime.timedelta(days=30)
    )


def test_consent_given_again_to_staff_after_an_opt_out_wins(reception):
    first = recovered_case()
    opted_out_a_month_ago(first.patient)
    # Same patient, a new episode, consent given to reception on the phone.
    second = recovered_case(logged_by=reception)
    assert second.patient == first.patient and second != first
    assert plan.schedule(second.pk) == 5


def test_consent_on_the_anonymous_form_after_an_opt_out_never_undoes_it(reception):
    first = recovered_case()
    opted_out_a_month_ago(first.patient)
    # Anyone can type the patient's details: their own record of it, and no emails to them.
    typed = recovered_case()
    assert typed.patient != first.patient
    assert plan.schedule(typed.pk) == 0
    # Even once staff confirm it is the same person, the opt-out stands.
    from intake import matching

    matching.confirm(typed.pk, reception)
    typed.refresh_from_db()
    assert typed.patient == first.patient
    assert plan.schedule(typed.pk) == 0
    assert OptOut.objects.filter(patient=first.patient).exists()


def test_scheduling_twice_changes_nothing():
    case = scheduled_case()
    assert plan.schedule(case.pk) == 0
    assert FollowUp.objects.filter(case=case).count() == 5
    assert CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.FOLLOWUP).count() == 1


def test_the_database_refuses_a_second_row_for_a_case_and_step():
    case = scheduled_case()
    now = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        new_followup(case, 1, now)


def test_a_case_that_is_not_recovered_is_not_scheduled():
    case = recovered_case()
    Case.objects.filter(pk=case.pk).update(status=Case.Status.CLOSED)
    assert plan.schedule(case.pk) == 0


@pytest.mark.parametrize(("new", "reason"), [("triaged", "reopened"), ("booked", "booked")])
def test_reopening_or_booking_stops_the_plan(new, reason):
    case = scheduled_case()
    followup_emails(case=case, step=1).update(status=S.SENT)
    case_status_changed.send(sender=Case, case_id=case.pk, old="recovered", new=new, actor=None)
    statuses = dict(FollowUp.objects.filter(case=case).values_list("step", "email__status"))
    assert statuses == {1: S.SENT, 2: S.CANCELLED, 3: S.CANCELLED, 4: S.CANCELLED, 5: S.CANCELLED}
    assert set(
        FollowUp.objects.filter(email__status=S.CANCELLED).values_list(
            "cancelled_reason", flat=True
        )
    ) == {reason}
    event = CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.FOLLOWUP).latest("id")
    assert event.data == {"status": "cancelled", "steps": [2, 3, 4, 5], "reason": reason}


def test_closing_a_recovered_case_keeps_its_follow_ups():
    case = scheduled_case()
    case_status_changed.send(
        sender=Case, case_id=case.pk, old="recovered", new="closed", actor=None
    )
    assert FollowUp.objects.filter(case=case, email__status=S.QUEUED).count() == 5


def test_a_new_case_for_the_patient_stops_the_old_plan(
    django_capture_on_commit_callbacks, reception
):
    case = scheduled_case()
    with django_capture_on_commit_callbacks(execute=True):
        record_enquiry(
            contact=Contact("Alex", "Example", "alex.example@example.test"),
            source="phone",
            answers=answers(),
            logged_by=reception,
        )
    assert Case.objects.count() == 2
    assert set(
        FollowUp.objects.filter(case=case).values_list("email__status", "cancelled_reason")
    ) == {(S.CANCELLED, "new_case")}


def test_stop_plan_is_for_the_check_in_page():
    case = scheduled_case()
    assert plan.stop_plan(case.pk, plan.ASSESSMENT_REQUESTED) == 5
    assert plan.stop_plan(case.pk, plan.ASSESSMENT_REQUESTED) == 0


def test_an_opt_out_stops_every_case_of_the_patient_and_is_recorded(reception):
    first = scheduled_case()
    Case.objects.filter(pk=first.pk).update(status=Case.Status.CLOSED)
    second = scheduled_case(logged_by=reception)
    assert plan.opt_out(first.patient_id, OptOut.Source.LINK) == 10
    assert not FollowUp.objects.filter(email__status=S.QUEUED).exists()
    assert OptOut.objects.get().patient == second.patient


def test_staff_cancel_retry_and_reschedule_one_follow_up():
    user = staff(roles.PRACTITIONER)
    case = scheduled_case()
    one, two, three = FollowUp.objects.filter(case=case).order_by("step")[:3]
    assert plan.cancel(one.pk, user)
    assert not plan.retry(one.pk, user)  # only failed or unknown ones are retried
    followup_emails(pk=two.pk).update(status=S.FAILED, attempts=10)
    with time_machine.travel(timezone.now(), tick=False):
        assert plan.retry(two.pk, user)
        email = FollowUp.objects.get(pk=two.pk).email
        assert (email.status, email.attempts, email.next_attempt_at) == (
            S.QUEUED,
            0,
            timezone.now(),
        )
    later = three.due_at + datetime.timedelta(days=3)
    assert plan.reschedule(three.pk, later, user)
    three = FollowUp.objects.get(pk=three.pk)
    assert three.due_at == three.email.next_attempt_at == later
    actors = CaseEvent.objects.filter(case=case, actor=user).values_list("data", flat=True)
    assert [d["status"] for d in actors] == ["cancelled", "retry", "rescheduled"]


@pytest.mark.parametrize("steps", [[], [14, 7], [0, 14], [14, 14], ["14"], [1.5], "14"])
def test_a_plan_must_be_rising_whole_days(steps):
    with pytest.raises(ValidationError):
        FollowUpPlan(steps=steps).full_clean()


def test_the_default_plan_is_valid():
    FollowUpPlan().full_clean()
    assert FollowUpPlan.current().steps == [14, 42, 91, 152, 365]


@pytest.mark.parametrize(
    ("hour", "minute", "quiet"),
    [(19, 59, False), (20, 0, True), (23, 30, True), (3, 0, True), (7, 59, True), (8, 0, False)],
)
def test_quiet_hours_span_midnight_in_clinic_time(hour, minute, quiet):
    moment = datetime.datetime(2026, 7, 1, hour, minute, tzinfo=LONDON)
    assert FollowUpPlan().is_quiet(moment) is quiet


def test_equal_quiet_start_and_end_mean_no_quiet_hours():
    plan_ = FollowUpPlan(quiet_start=datetime.time(9), quiet_end=datetime.time(9))
    assert not plan_.is_quiet(datetime.datetime(2026, 7, 1, 9, 0, tzinfo=LONDON))
