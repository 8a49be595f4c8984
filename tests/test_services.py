"""The services take the actor, not the request: a task or a command changes a case, the
targets, the duty rota and the follow-ups exactly as a page does, audited with who did it."""

import datetime
import inspect

import pytest
from django.urls import reverse
from django.utils import timezone

from clinic import audit, roles
from clinic.models import AuditEntry, OutgoingEmail
from followup import plan
from followup.models import FollowUp, FollowUpPlan
from intake import casework, duty, targets
from intake.models import Case, CaseEvent, StaffProfile, Tier, TriageTargets
from intake.services import Contact, record_enquiry

from .factories import alert_emails, answers, staff
from .followups import followup_emails, scheduled_case

pytestmark = pytest.mark.django_db

SERVICES = [
    casework.acknowledge,
    casework.assign,
    casework.override_urgency,
    casework.add_note,
    casework.record_contact,
    casework.move_status,
    targets.change_targets,
    duty.set_rota,
    plan.cancel,
    plan.retry,
    plan.reschedule,
    plan.resume,
    plan.change_plan,
]


def emergency_case():
    return record_enquiry(
        contact=Contact("Sam", "Sample", "sam.sample@example.test", "07700 900456"),
        source="web",
        answers=answers(bladder_change=True),
    ).case


def changes(object_type):
    return list(
        AuditEntry.objects.filter(action=AuditEntry.Action.CHANGE, object_type=object_type)
        .order_by("pk")
        .values_list("actor", "object_id", "what", "ip")
    )


@pytest.mark.parametrize("service", SERVICES, ids=lambda service: service.__qualname__)
def test_no_service_takes_a_request(service):
    parameters = inspect.signature(service).parameters
    assert "request" not in parameters
    assert "actor" in parameters


def test_a_command_works_a_case_through_without_a_request():
    practitioner = staff(roles.PRACTITIONER)
    case = emergency_case()
    case = casework.acknowledge(case.pk, case.version, actor=practitioner)
    case = casework.assign(case.pk, case.version, practitioner.pk, actor=practitioner)
    case = casework.add_note(case.pk, case.version, "Called from the ward", actor=practitioner)
    case = casework.override_urgency(
        case.pk, case.version, Tier.URGENT, "Seen in A&E, sent home", actor=practitioner
    )
    case = casework.move_status(case.pk, case.version, Case.Status.TRIAGED, actor=practitioner)
    case = casework.record_contact(case.pk, case.version, "booked", actor=practitioner)

    case.refresh_from_db()
    assert (case.acknowledged_by, case.assigned_to, case.overridden_by) == (practitioner,) * 3
    assert (case.status, case.urgency, case.computed_urgency) == (
        Case.Status.BOOKED,
        Tier.URGENT,
        Tier.EMERGENCY,
    )
    kinds = CaseEvent.objects.filter(case=case, actor=practitioner).values_list("kind", flat=True)
    assert set(kinds) >= {"acknowledged", "assigned", "note", "override", "status", "contact"}
    whats = ["acknowledge", "assign", "note", "override", "status", "contact"]
    # No page, so no address: the row still says who and what.
    assert changes("case") == [(practitioner.pk, case.pk, what, None) for what in whats]


def test_a_stale_version_is_refused_to_a_command_as_to_a_page():
    practitioner = staff(roles.PRACTITIONER)
    case = emergency_case()
    casework.add_note(case.pk, case.version, "First", actor=practitioner)
    with pytest.raises(casework.Conflict):
        casework.add_note(case.pk, case.version, "Second", actor=practitioner)
    assert changes("case") == [(practitioner.pk, case.pk, "note", None)]


def test_a_task_changes_the_targets_and_retimes_waiting_cases():
    admin = staff(roles.CLINIC_ADMIN)
    case = emergency_case()
    edited = TriageTargets.current()
    edited.emergency_ack_minutes = 5
    assert targets.change_targets(edited, actor=admin) == 1
    case.refresh_from_db()
    assert case.target_due_at == case.opened_at + datetime.timedelta(minutes=5)
    assert TriageTargets.current().changed_by == admin
    assert changes("targets") == [(admin.pk, None, "targets", None)]


def test_the_duty_rota_is_set_by_a_service_and_audited_per_person():
    admin = staff(roles.CLINIC_ADMIN)
    joining = staff(roles.PRACTITIONER, on_duty=False)
    new = staff(roles.PRACTITIONER)  # no profile yet
    leaving = staff(roles.PRACTITIONER, on_duty=True)
    staying = staff(roles.PRACTITIONER, on_duty=True)
    put_on, taken_off = duty.set_rota(
        [str(joining.pk), new.pk, staying.pk], actor=admin, ip="192.0.2.1"
    )
    assert (put_on, taken_off) == (sorted([joining.pk, new.pk]), [leaving.pk])
    assert duty.on_duty_ids() == {joining.pk, new.pk, staying.pk}
    assert sorted(changes("duty")) == sorted(
        [
            (admin.pk, joining.pk, duty.ON, "192.0.2.1"),
            (admin.pk, new.pk, duty.ON, "192.0.2.1"),
            (admin.pk, leaving.pk, duty.OFF, "192.0.2.1"),
        ]
    )
    emergency_case()
    assert set(alert_emails().values_list("recipient_user", flat=True)) == duty.on_duty_ids()


def test_a_duty_rota_change_is_one_transaction(monkeypatch):
    admin = staff(roles.CLINIC_ADMIN)
    first, second = staff(roles.PRACTITIONER), staff(roles.PRACTITIONER)
    leaving = staff(roles.PRACTITIONER, on_duty=True)
    real_change, written = audit.change, []

    def audit_then_fail(*args):
        if written:
            raise RuntimeError("the database went away mid-rota")
        written.append(real_change(*args))

    monkeypatch.setattr(audit, "change", audit_then_fail)
    with pytest.raises(RuntimeError):
        duty.set_rota([first.pk, second.pk], actor=admin)
    # The first person's profile and audit row were written, then undone with the rest.
    assert written
    assert duty.on_duty_ids() == {leaving.pk}
    assert not StaffProfile.objects.filter(user__in=[first, second]).exists()
    assert changes("duty") == []


def test_a_rota_naming_someone_who_cannot_be_on_duty_changes_nothing():
    admin = staff(roles.CLINIC_ADMIN)
    on_duty = staff(roles.PRACTITIONER, on_duty=True)
    reception = staff(roles.RECEPTION)
    for wrong in ([reception.pk], ["not a number"]):
        with pytest.raises(duty.DutyRotaError):
            duty.set_rota([*wrong], actor=admin)
    assert duty.on_duty_ids() == {on_duty.pk}
    assert changes("duty") == []


def test_the_rota_page_saves_through_the_service_with_the_admins_address(
    admin_client_, clinic_admin
):
    joining = staff(roles.PRACTITIONER, on_duty=False)
    reception = staff(roles.RECEPTION)
    response = admin_client_.post(reverse("duty_rota"), {"on_duty": [joining.pk]}, follow=True)
    assert "Saved. On duty now:" in response.content.decode()
    assert changes("duty") == [(clinic_admin.pk, joining.pk, duty.ON, "127.0.0.1")]
    refused = admin_client_.post(reverse("duty_rota"), {"on_duty": [reception.pk]}, follow=True)
    assert "The rota was not saved" in refused.content.decode()
    assert duty.on_duty_ids() == {joining.pk}


def test_a_command_cancels_moves_and_resends_follow_ups_audited():
    practitioner = staff(roles.PRACTITIONER)
    case = scheduled_case()
    one, two, three = FollowUp.objects.filter(case=case).order_by("step")[:3]
    assert plan.cancel(one.pk, practitioner)
    assert not plan.cancel(one.pk, practitioner)  # nothing changed: no audit row
    later = timezone.now() + datetime.timedelta(days=30)
    assert plan.reschedule(two.pk, later, practitioner)
    followup_emails(pk=three.pk).update(status=OutgoingEmail.Status.FAILED)
    assert plan.retry(three.pk, practitioner)
    assert changes("followup") == [
        (practitioner.pk, one.pk, "cancel", None),
        (practitioner.pk, two.pk, "reschedule", None),
        (practitioner.pk, three.pk, "retry", None),
    ]


def test_the_follow_up_plan_is_changed_by_a_service_audited():
    admin = staff(roles.CLINIC_ADMIN)
    saved = plan.change_plan(FollowUpPlan(steps=[7, 30]), actor=admin)
    assert FollowUpPlan.current().steps == [7, 30]
    assert FollowUpPlan.current().changed_by == admin
    assert changes("followup_plan") == [(admin.pk, saved.pk, "plan", None)]
