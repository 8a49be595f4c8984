"""The case page: answers with their flags, the timeline, and every action on a case."""

import pytest
from django.urls import reverse

from clinic import roles
from clinic.models import AuditEntry
from intake import rules
from intake.models import Case, CaseEvent, Tier
from intake.services import Contact, record_enquiry

from .factories import answers, staff

pytestmark = pytest.mark.django_db


def new_case(**changes):
    recorded = record_enquiry(
        contact=Contact("Sam", "Sample", "sam.sample@example.test", "07700 900456"),
        source="web",
        answers=answers(**changes),
    )
    return recorded.case


def act(client, case, action, **data):
    case.refresh_from_db()
    data.setdefault("version", case.version)
    return client.post(reverse("case_action", args=[case.pk, action]), data)


def test_each_flag_is_shown_beside_the_answer_that_raised_it(practitioner_client):
    case = new_case(leg_symptoms="one", night_pain=True)
    page = practitioner_client.get(reverse("case_detail", args=[case.pk])).content.decode()
    leg_row = page[page.index("down into") :]
    leg_row = leg_row[: leg_row.index("</tr>")]
    assert "radicular" in leg_row
    assert "NICE NG59" in leg_row
    night_text = rules.QUESTIONS_BY_ID["night_pain"].text
    night_row = page[page.index(night_text) :]
    night_row = night_row[: night_row.index("</tr>")]
    assert ">night_pain<" in night_row
    assert "radicular" not in night_row  # each flag beside its own answer only


def test_viewing_a_case_is_audited_without_clinical_content(practitioner_client, practitioner):
    case = new_case(bladder_change=True)
    practitioner_client.get(reverse("case_detail", args=[case.pk]))
    entry = AuditEntry.objects.get(object_type="case")
    assert (entry.actor, entry.action, entry.object_type, entry.object_id) == (
        practitioner,
        "view",
        "case",
        case.pk,
    )
    assert entry.ip == "127.0.0.1"
    assert "bladder" not in str(entry.__dict__)


def test_reception_cannot_open_a_case(reception_client):
    case = new_case(bladder_change=True)
    response = reception_client.get(reverse("case_detail", args=[case.pk]))
    assert response.status_code == 403
    assert b"bladder" not in response.content.lower()


def test_acknowledging_an_emergency_unpins_it(practitioner_client, practitioner):
    case = new_case(bladder_change=True)
    case.refresh_from_db()
    assert case.queue_rank == 0
    response = act(practitioner_client, case, "acknowledge")
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.acknowledged_by == practitioner
    assert case.queue_rank == 1
    assert case.target_met_at is not None


def test_override_needs_a_reason_and_keeps_the_computed_urgency(practitioner_client):
    case = new_case(leg_symptoms="one")
    response = act(practitioner_client, case, "override", tier=Tier.URGENT, reason="  ")
    assert response.status_code == 400
    assert "reason" in response.context["forms"]["override"].errors
    act(practitioner_client, case, "override", tier=Tier.URGENT, reason="Worse on the phone")
    case.refresh_from_db()
    assert (case.urgency, case.computed_urgency) == (Tier.URGENT, Tier.SOON)
    event = case.events.get(kind=CaseEvent.Kind.OVERRIDE)
    assert event.text == "Worse on the phone"
    assert event.data == {"from": "soon", "to": "urgent", "computed": "soon"}


def test_status_moves_along_the_path_and_refuses_jumps(practitioner_client):
    case = new_case()
    response = act(practitioner_client, case, "status", status="recovered")
    assert response.status_code == 400
    assert "recovered" not in dict(response.context["forms"]["status"].fields["status"].choices)
    for status in ("triaged", "booked", "in_treatment", "recovered", "closed"):
        assert act(practitioner_client, case, "status", status=status).status_code == 302
    case.refresh_from_db()
    assert case.status == Case.Status.CLOSED
    moves = list(case.events.filter(kind="status").values_list("data__to", flat=True))
    assert moves == ["triaged", "booked", "in_treatment", "recovered", "closed"]


def test_a_stale_version_is_refused_with_the_current_state(practitioner_client):
    case = new_case()
    old_version = case.version
    act(practitioner_client, case, "note", text="First")
    response = practitioner_client.post(
        reverse("case_action", args=[case.pk, "status"]),
        {"version": old_version, "status": "triaged"},
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "Someone else changed this case" in page
    assert "First" in page  # the current state, including the other person's note
    case.refresh_from_db()
    assert case.status == Case.Status.NEW


def test_notes_contacts_and_assignment_land_on_the_timeline(practitioner_client, practitioner):
    other = staff(roles.PRACTITIONER, username="pat")
    case = new_case()
    act(practitioner_client, case, "assign", assignee=other.pk)
    act(practitioner_client, case, "note", text="Prefers mornings")
    act(practitioner_client, case, "contact", outcome="booked", text="Tuesday 10:00")
    case.refresh_from_db()
    assert case.assigned_to == other
    assert case.status == Case.Status.BOOKED  # a booking moves a new case along
    kinds = list(case.events.order_by("at", "id").values_list("kind", flat=True))
    assert kinds[-3:] == ["assigned", "note", "contact"]
    page = practitioner_client.get(reverse("case_detail", args=[case.pk])).content.decode()
    assert "Prefers mornings" in page
    assert "Tuesday 10:00" in page
    changes = AuditEntry.objects.filter(action="change").values_list("what", flat=True)
    assert sorted(changes) == ["assign", "contact", "note"]


def test_reception_cannot_change_a_case(reception_client):
    case = new_case()
    response = act(reception_client, case, "status", status="triaged")
    assert response.status_code == 403


def test_the_case_page_runs_a_bounded_number_of_queries(
    practitioner_client, django_assert_max_num_queries
):
    case = new_case(bladder_change=True)
    for i in range(20):
        record_enquiry(
            contact=Contact("Sam", "Sample", "sam.sample@example.test"),
            source="phone",
            answers=answers(leg_symptoms="one", night_pain=True),
        )
        act(practitioner_client, case, "note", text=f"note {i}")
    with django_assert_max_num_queries(14):
        assert practitioner_client.get(reverse("case_detail", args=[case.pk])).status_code == 200
