"""Staff on the patient's record in a real browser: a possible match decided on the case page,
the patient page, merging, the export and the erasure; axe-core on every page."""

import datetime

from clinic import roles
from intake.models import Case, Patient, PossibleMatch
from intake.services import Contact, record_enquiry
from tests.factories import answers, staff

DOB = datetime.date(1980, 4, 5)


def test_a_practitioner_confirms_a_possible_match_and_reads_the_record(desktop):
    reception = staff(roles.RECEPTION)
    known = record_enquiry(
        contact=Contact("Noor", "Example", "noor@example.test", "07700 900444", DOB),
        source="phone",
        answers=answers(date_of_birth=DOB),
        logged_by=reception,
    )
    typed = record_enquiry(
        contact=Contact("Nour", "Example", "noor@example.test", "07700 900445", DOB),
        source="web",
        answers=answers(date_of_birth=DOB, fever=True),
    )
    other = record_enquiry(
        contact=Contact("Noor", "Example", "noor.other@example.test", "07700 900446"),
        source="phone",
        logged_by=reception,
    )
    page = desktop.new(staff(roles.PRACTITIONER))
    page.goto(f"/cases/{typed.case.pk}/")
    desktop.check(page, "case page with a possible match")
    page.get_by_role("button", name="Same person").click()
    page.wait_for_url(f"**/cases/{typed.case.pk}/")
    assert "Confirmed: this case is now on the existing record." in page.content()
    assert PossibleMatch.objects.get().status == PossibleMatch.Status.CONFIRMED

    page.get_by_role("link", name=f"Patient record {known.enquiry.patient_id}").click()
    page.wait_for_url(f"**/patients/{known.enquiry.patient_id}/")
    desktop.check(page, "patient page")
    assert "Also recorded as" in page.content()

    page.get_by_label("Other record's number").fill(str(other.enquiry.patient_id))
    page.get_by_role("button", name="Compare").click()
    page.wait_for_url("**/merge/?other=*")
    desktop.check(page, "merge comparison")
    page.get_by_role("button", name="Merge record").click()
    page.wait_for_url(f"**/patients/{known.enquiry.patient_id}/")
    assert Case.objects.filter(patient=known.enquiry.patient).count() == 3


def test_a_clinic_admin_exports_then_erases_a_record(desktop):
    recorded = record_enquiry(
        contact=Contact("Noor", "Example", "noor@example.test", "07700 900444", DOB),
        source="phone",
        reason="Back pain after lifting",
        answers=answers(date_of_birth=DOB),
        logged_by=staff(roles.RECEPTION),
    )
    Case.objects.filter(pk=recorded.case.pk).update(status=Case.Status.CLOSED)
    patient_id = recorded.enquiry.patient_id
    page = desktop.new(staff(roles.CLINIC_ADMIN))
    page.goto(f"/patients/{patient_id}/")
    desktop.check(page, "patient page (clinic admin)")
    page.get_by_role("link", name="Export everything held").click()
    page.wait_for_url(f"**/patients/{patient_id}/export/")
    desktop.check(page, "export (printable)")
    assert "Back pain after lifting" in page.content()

    page.goto(f"/patients/{patient_id}/erase/")
    desktop.check(page, "erasure form")
    page.get_by_label("Why is this record erased?").fill("Asked for in writing")
    page.get_by_label("I understand").check()
    page.get_by_role("button", name="Erase the record").click()
    page.wait_for_url(f"**/patients/{patient_id}/")
    desktop.check(page, "patient page, erased")
    assert Patient.objects.get(pk=patient_id).erased_at is not None


def test_a_patient_who_opted_out_starts_the_emails_again_from_their_link(phone):
    from followup import links, plan
    from followup.models import FollowUp, OptOut
    from intake.forms import CONSENT_WORDING

    recorded = record_enquiry(
        contact=Contact("Noor", "Example", "noor@example.test", "07700 900444", DOB),
        source="web",
        answers=answers(date_of_birth=DOB),
        consent_followup=True,
        consent_wording=CONSENT_WORDING,
    )
    Case.objects.filter(pk=recorded.case.pk).update(status=Case.Status.RECOVERED)
    plan.schedule(recorded.case.pk)
    first = FollowUp.objects.get(case=recorded.case, step=1)
    plan.opt_out(recorded.enquiry.patient_id, OptOut.Source.LINK)
    page = phone.new()
    page.goto(f"/f/unsubscribe/{links.unsubscribe_token(first.pk)}/")
    phone.check(page, "unsubscribe link, already opted out")
    page.get_by_role("button", name="Send me follow-up emails again").click()
    page.get_by_role("heading", name="We will email you again").wait_for()
    phone.check(page, "follow-up emails resumed")
    assert not OptOut.objects.exists()
