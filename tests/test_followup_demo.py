"""`seed_demo --followups-due N`: recovered patients whose first follow-up is due now."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from clinic import outbox
from clinic.demo.followups import create_due
from clinic.models import OutgoingEmail
from followup.models import FollowUp
from intake.models import Case, IntakeResponse, Patient

pytestmark = pytest.mark.django_db

S = OutgoingEmail.Status


def test_create_due_makes_recovered_consenting_patients_with_distinct_addresses():
    create_due(25)
    assert Patient.objects.values("email").distinct().count() == 25
    assert set(Case.objects.values_list("status", flat=True)) == {Case.Status.RECOVERED}
    assert (
        IntakeResponse.objects.filter(consent_followup=True).exclude(consent_wording="").count()
        == 25
    )
    now = timezone.now()
    assert FollowUp.objects.filter(step=1, email__next_attempt_at__lte=now).count() == 25
    assert FollowUp.objects.filter(step__gt=1, email__next_attempt_at__gt=now).count() == 100
    assert set(FollowUp.objects.values_list("email__status", flat=True)) == {S.QUEUED}


def test_the_follow_ups_page_counts_every_demo_patient_who_recovered(practitioner_client):
    create_due(3)
    page = practitioner_client.get(reverse("followups")).content.decode()
    assert "Of the <strong>3</strong> patients who recovered" in page


def test_running_it_again_adds_more_without_colliding():
    create_due(3)
    create_due(3)
    assert Patient.objects.values("email").distinct().count() == 6


def test_the_seeded_follow_ups_are_sent_by_a_pass(smtp_server):
    create_due(4)
    assert outbox.send_due().sent == 4
    assert smtp_server.inbox.wait(4)


def test_seed_demo_takes_followups_due(tmp_path, settings):
    settings.VAR_DIR = tmp_path
    out = io.StringIO()
    call_command("seed_demo", "--followups-due", "7", stdout=out, stderr=io.StringIO())
    assert "Added 7 recovered patients with a follow-up due now" in out.getvalue()
    assert FollowUp.objects.filter(step=1, email__next_attempt_at__lte=timezone.now()).count() == 7


@pytest.mark.parametrize("value", ["0", "-3", "many", "2000001"])
def test_seed_demo_refuses_a_bad_count(value, tmp_path, settings, capsys):
    settings.VAR_DIR = tmp_path
    err = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("seed_demo", "--followups-due", value, stderr=err)
    assert exit_.value.code == 2
    assert "--followups-due" in err.getvalue()
    assert not FollowUp.objects.exists()
