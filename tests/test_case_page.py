"""The case page: answers with their flags, the timeline, and every action on a case."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

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
    leg_reason = rules.RULES_BY_ID["radicular"].reason
    assert leg_reason in leg_row
    assert "NICE NG59" in leg_row
    assert ">Yes, one leg<" in leg_row  # the answer's words, not "one"
    night_text = rules.QUESTIONS_BY_ID["night_pain"].text
    night_row = page[page.index(night_text) :]
    night_row = night_row[: night_row.index("</tr>")]
    assert rules.RULES_BY_ID["night_pain"].reason in night_row
    assert leg_reason not in night_row  # each flag beside its own answer only
    assert ">night_pain<" not in page and ">radicular<" not in page  # labels, never codes


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
    act(practitioner_client, case, "status", status="triaged")
    act(practitioner_client, case, "note", text="First")
    response = practitioner_client.post(
        reverse("case_action", args=[case.pk, "status"]),
        {"version": old_version, "seen": "new|3", "status": "closed"},
    )
    # Back on the case page, not left on /cases/N/status/.
    assert response.status_code == 302
    assert response["Location"] == reverse("case_detail", args=[case.pk]) + "#conflict"
    page = practitioner_client.get(response["Location"])
    assert page.status_code == 409
    html = page.content.decode()
    assert "Someone else changed the case&#x27;s status or urgency" in html
    assert "It is now “Triaged”" in html
    assert "First" in html  # the current state, including the other person's note
    # Their choice is kept in the form, ready to save again on the current version.
    form = page.context["forms"]["status"]
    assert form["status"].value() == "closed"
    assert form["version"].value() == Case.objects.get(pk=case.pk).version
    case.refresh_from_db()
    assert case.status == Case.Status.TRIAGED
    # Shown once: the next visit is the plain page.
    assert practitioner_client.get(response["Location"]).status_code == 200


def test_a_note_in_another_tab_does_not_block_a_status_change(practitioner_client):
    case = new_case()
    tab = practitioner_client.get(reverse("case_detail", args=[case.pk])).context["forms"]
    act(practitioner_client, case, "note", text="Added in another tab")
    act(practitioner_client, case, "contact", outcome="no_answer")
    act(practitioner_client, case, "assign", assignee="")
    data = {"version": tab["status"]["version"].value(), "seen": tab["status"]["seen"].value()}
    response = practitioner_client.post(
        reverse("case_action", args=[case.pk, "status"]), {**data, "status": "triaged"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("case_detail", args=[case.pk])
    case.refresh_from_db()
    assert case.status == Case.Status.TRIAGED


def test_notes_never_conflict(practitioner_client):
    case = new_case()
    tab = practitioner_client.get(reverse("case_detail", args=[case.pk])).context["forms"]
    act(practitioner_client, case, "status", status="triaged")
    act(practitioner_client, case, "override", tier=Tier.URGENT, reason="Sounded worse")
    data = {"version": tab["note"]["version"].value(), "seen": tab["note"]["seen"].value()}
    response = practitioner_client.post(
        reverse("case_action", args=[case.pk, "note"]), {**data, "text": "Still here"}
    )
    assert response.status_code == 302
    assert case.events.filter(kind="note", text="Still here").exists()


def test_a_status_change_conflicts_with_an_urgency_change_it_did_not_see(practitioner_client):
    case = new_case()
    tab = practitioner_client.get(reverse("case_detail", args=[case.pk])).context["forms"]
    act(practitioner_client, case, "override", tier=Tier.EMERGENCY, reason="Bladder on the phone")
    data = {"version": tab["status"]["version"].value(), "seen": tab["status"]["seen"].value()}
    response = practitioner_client.post(
        reverse("case_action", args=[case.pk, "status"]), {**data, "status": "closed"}
    )
    assert response["Location"].endswith("#conflict")
    case.refresh_from_db()
    assert case.status == Case.Status.NEW


def test_two_assignments_conflict_and_the_page_says_who_has_it(practitioner_client):
    pat = staff(roles.PRACTITIONER, first_name="Pat", last_name="Doyle")
    jo = staff(roles.PRACTITIONER, first_name="Jo", last_name="Reyes")
    case = new_case()
    tab = practitioner_client.get(reverse("case_detail", args=[case.pk])).context["forms"]
    act(practitioner_client, case, "assign", assignee=pat.pk)
    data = {"version": tab["assign"]["version"].value(), "seen": tab["assign"]["seen"].value()}
    response = practitioner_client.post(
        reverse("case_action", args=[case.pk, "assign"]), {**data, "assignee": jo.pk}, follow=True
    )
    assert "It is now assigned to Pat Doyle." in response.content.decode()
    assert response.context["forms"]["assign"]["assignee"].value() == str(jo.pk)
    case.refresh_from_db()
    assert case.assigned_to == pat


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
    # With an assignment on the timeline: the assignee's name costs no query of its own.
    act(practitioner_client, case, "assign", assignee=staff(roles.PRACTITIONER).pk)
    # 13 before the summary; +1 for the patient's other cases (the timeline's names are read
    # by the events' own query).
    with django_assert_max_num_queries(14):
        assert practitioner_client.get(reverse("case_detail", args=[case.pk])).status_code == 200


def summary_of(page):
    start = page.index('id="summary-title"')
    return page[start : page.index("</section>", start)]


def test_the_page_leads_with_a_summary_of_urgency_flags_and_what_the_patient_was_told(
    practitioner_client,
):
    case = new_case(leg_symptoms="one", bladder_change=None)
    page = practitioner_client.get(reverse("case_detail", args=[case.pk])).content.decode()
    summary = summary_of(page)
    assert page.index('id="summary-title"') < page.index("Latest questionnaire")
    assert "(as the rules computed it)" in summary
    for flag in case.responses.get().flags.all():
        assert flag.reason in summary  # every open flag with its reason
    assert "Screen incomplete" in summary
    assert rules.QUESTIONS_BY_ID["bladder_change"].text in summary  # which question is open
    case.refresh_from_db()
    due = timezone.localtime(case.target_due_at)
    assert f"We will contact you by {due:%A} {due.day} {due:%b, %H:%M}" in summary


def test_the_summary_keeps_the_flags_of_earlier_questionnaires_behind_the_urgency(
    practitioner_client,
):
    case = new_case(bladder_change=True)
    record_enquiry(  # a later, calmer call on the same case: still an emergency
        contact=Contact("Sam", "Sample", "sam.sample@example.test", "07700 900456"),
        source="phone",
        answers=answers(),
        logged_by=staff(roles.RECEPTION),
    )
    case.refresh_from_db()
    assert case.urgency == Tier.EMERGENCY and case.responses.count() == 2
    page = practitioner_client.get(reverse("case_detail", args=[case.pk])).content.decode()
    flag = case.responses.get(urgency=Tier.EMERGENCY).flags.get()
    assert flag.reason in summary_of(page)
    assert "None raised" not in summary_of(page)


def test_the_summary_says_an_emergency_patient_was_sent_to_a_and_e(practitioner_client):
    case = new_case(bladder_change=True)
    page = practitioner_client.get(reverse("case_detail", args=[case.pk])).content.decode()
    assert "Go to A&amp;E now or call 999" in summary_of(page)


def test_the_summary_links_the_patients_other_cases(practitioner_client):
    earlier = new_case()
    Case.objects.filter(pk=earlier.pk).update(status=Case.Status.RECOVERED)
    later = record_enquiry(
        contact=Contact("Sam", "Sample", "sam.sample@example.test", "07700 900456"),
        source="phone",
        answers=answers(leg_symptoms="both"),
        logged_by=staff(roles.RECEPTION),
    ).case
    assert later.pk != earlier.pk and later.patient_id == earlier.patient_id
    page = practitioner_client.get(reverse("case_detail", args=[later.pk])).content.decode()
    assert f'<a href="/cases/{earlier.pk}/">Case {earlier.pk}</a>' in summary_of(page)
    assert "Recovered" in summary_of(page)


def test_an_override_shows_both_urgencies_and_who_changed_it_by_name(practitioner_client):
    case = new_case(leg_symptoms="one")
    act(practitioner_client, case, "override", tier=Tier.URGENT, reason="Worse on the phone")
    page = practitioner_client.get(reverse("case_detail", args=[case.pk])).content.decode()
    summary = summary_of(page)
    assert "the rules computed" in summary and ">Soon<" in summary and ">Urgent<" in summary
    assert "Worse on the phone" in summary


def test_older_questionnaires_are_folded_and_the_latest_open(practitioner_client):
    case = new_case()
    record_enquiry(
        contact=Contact("Sam", "Sample", "sam.sample@example.test", "07700 900456"),
        source="phone",
        answers=answers(leg_symptoms="one"),
        logged_by=staff(roles.RECEPTION),
    )
    assert case.responses.count() == 2
    page = practitioner_client.get(reverse("case_detail", args=[case.pk])).content.decode()
    assert page.count('<details class="card mb-3 earlier-questionnaire">') == 1
    assert page.count("Latest questionnaire") == 1


def test_the_override_starts_at_the_current_urgency(practitioner_client):
    case = new_case(leg_symptoms="one")
    response = practitioner_client.get(reverse("case_detail", args=[case.pk]))
    assert response.context["forms"]["override"]["tier"].value() == Tier.SOON
    assert '<option value="2" selected>Soon</option>' in response.content.decode()


def test_the_timeline_and_header_read_labels_and_full_names(practitioner_client):
    other = staff(roles.PRACTITIONER, username="pat", first_name="Pat", last_name="Doyle")
    case = new_case()
    act(practitioner_client, case, "assign", assignee=other.pk)
    act(practitioner_client, case, "contact", outcome="no_answer")
    for status in ("triaged", "booked", "in_treatment", "recovered"):
        act(practitioner_client, case, "status", status=status)
    page = practitioner_client.get(reverse("case_detail", args=[case.pk])).content.decode()
    timeline = page[page.index('id="timeline-title"') :]
    timeline = timeline[: timeline.index("</ol>")]
    assert "Contact attempt</strong>: called, no answer" in timeline
    assert "Status changed</strong>: In treatment → Recovered" in timeline
    assert "Assigned</strong> to Pat Doyle" in timeline
    assert "Enquiry</strong>: Web form" in timeline
    for code in ("no_answer", "noanswer", "in_treatment →", "→ recovered", " to pat<"):
        assert code not in timeline
    assert "assigned to Pat Doyle" in page


def test_phone_is_a_tap_to_call_link_and_the_birth_date_shown_once(practitioner_client):
    case = new_case()
    Case.objects.get(pk=case.pk).patient.__class__.objects.filter(pk=case.patient_id).update(
        date_of_birth="1991-07-02"
    )
    page = practitioner_client.get(reverse("case_detail", args=[case.pk])).content.decode()
    assert '<a href="tel:07700900456">07700 900456</a>' in page
    assert "1991-07-02" not in page
    assert "Born 2 Jul 1991" in page


def test_every_element_id_on_the_page_is_unique(practitioner_client):
    case = new_case(bladder_change=True)
    page = practitioner_client.get(reverse("case_detail", args=[case.pk])).content.decode()
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert ids and len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert 'for="id_note_text"' in page  # the "Note" label is the note's own box
