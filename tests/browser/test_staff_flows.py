"""The staff's work end to end in a real browser, axe-core on every page: reception logs a phone
enquiry with the questionnaire; a practitioner acknowledges an emergency, adds a note and moves
the case on to recovered, after which the patient opens the check-in link of the follow-up email
as a real SMTP server received it; a clinic admin changes the targets and the duty rota."""

import re

from clinic import outbox, roles
from intake.forms import CONSENT_WORDING
from intake.models import Case, CaseEvent, Enquiry, StaffProfile, Tier, TriageTargets
from intake.services import Contact, record_enquiry
from tests.browser.questionnaire import fill_questionnaire
from tests.factories import answers, staff
from tests.followups import make_due


def test_reception_logs_a_phone_enquiry_with_the_questionnaire(desktop, reception):
    page = desktop.new(reception)
    page.goto("/enquiries/new/")
    page.get_by_label("First name").fill("Noor")
    page.get_by_label("Last name").fill("Example")
    page.get_by_label("Phone").fill("07700 900321")
    page.get_by_label("Source").select_option(label="Phone")
    page.get_by_label("Reason for the enquiry").fill("Back pain since Tuesday")
    page.get_by_text("Fill in the questionnaire now, with the patient").click()
    fill_questionnaire(page, leg_symptoms="one")
    desktop.check(page, "new enquiry, questionnaire filled in")
    page.get_by_role("button", name="Log enquiry").click()
    page.wait_for_url("**/enquiries/*/done/")
    desktop.check(page, "enquiry logged")

    enquiry = Enquiry.objects.get()
    assert (enquiry.source, enquiry.logged_by) == (Enquiry.Source.PHONE, reception)
    assert enquiry.case.tier == Tier.SOON
    assert "Tell the patient now:\n\nWe will contact you within 2 working days" in page.inner_text(
        "main"
    )


def test_a_practitioner_works_a_case_to_recovered_and_the_patient_checks_in_from_the_email(
    desktop, phone, practitioner, smtp_server, live_server, settings
):
    settings.SITE_URL = live_server.url  # the email's links lead to this server
    case = record_enquiry(
        contact=Contact("Noor", "Example", "noor@example.test", "07700 900321"),
        source="web",
        answers=answers(bladder_change=True),
        consent_followup=True,
        consent_wording=CONSENT_WORDING,
    ).case

    page = desktop.new(practitioner)
    page.goto("/triage/")
    desktop.check(page, "triage queue with an emergency pinned")
    page.locator(f'#pinned tr[data-case="{case.pk}"]').get_by_role(
        "button", name="Acknowledge"
    ).click()
    page.wait_for_load_state()
    assert page.locator("#pinned [data-case]").count() == 0  # no longer pinned

    page.goto(f"/cases/{case.pk}/")
    desktop.check(page, "case page, acknowledged")
    page.locator("#id_note_text").fill("Went to A&E; discharged, follow up in clinic.")
    page.get_by_role("button", name="Add note").click()
    page.wait_for_url(f"**/cases/{case.pk}/")
    assert "Went to A&E; discharged" in page.inner_text("main")
    for status in ("Booked", "In treatment", "Recovered"):
        page.get_by_label("Move to").select_option(label=status)
        page.get_by_role("button", name="Move").click()
        page.wait_for_url(f"**/cases/{case.pk}/")
    desktop.check(page, "case page, recovered")
    case.refresh_from_db()
    assert case.status == Case.Status.RECOVERED and case.acknowledged_by == practitioner
    assert CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.NOTE).count() == 1

    # The first follow-up falls due; the outbox sends it to a real SMTP server on loopback.
    make_due(case)
    outbox.send_due()  # the emergency's alert to the practitioner, and the follow-up
    assert smtp_server.inbox.wait(2)
    (message,) = [m for to, m in smtp_server.inbox.messages if to == ["noor@example.test"]]
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    link = re.search(rf"^{re.escape(live_server.url)}/f/checkin/\S+/$", text, re.M).group(0)

    patient = phone.new()
    patient.goto(link)
    phone.check(patient, "check-in from the email")
    patient.fill("input[name='pain_now']", "2")
    patient.check("input[name='recurred'][value='no']")
    fill_questionnaire(
        patient,
        **{
            q: None for q in ("date_of_birth", "first_episode", "pain_score", "pain_duration_weeks")
        },
    )
    patient.get_by_role("button", name="Send my answers").click()
    patient.wait_for_url("**/f/checked-in/**")
    phone.check(patient, "check-in answered")
    assert case.checkins.count() == 1


def test_a_clinic_admin_changes_the_targets_and_the_duty_rota(desktop, clinic_admin):
    on_call = staff(roles.PRACTITIONER, first_name="Pat", last_name="Oncall", on_duty=False)
    page = desktop.new(clinic_admin)
    page.goto("/staff/targets/")
    desktop.check(page, "targets")
    page.get_by_label("Emergency: acknowledge within (minutes)").fill("10")
    page.get_by_role("button", name="Save targets").click()
    page.wait_for_load_state()
    desktop.check(page, "targets saved")
    assert TriageTargets.objects.get().emergency_ack_minutes == 10

    page.goto("/staff/duty/")
    desktop.check(page, "duty rota")
    page.get_by_label("Pat Oncall").check()
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    assert "On duty now: Pat Oncall" in page.inner_text("main")
    desktop.check(page, "duty rota saved")
    assert StaffProfile.objects.get(user=on_call).on_duty is True
