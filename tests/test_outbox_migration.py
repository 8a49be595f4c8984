"""The migrations that move alerts and follow-ups' sending state into the one outbox keep every
row's state, and can be undone."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from clinic.models import OutgoingEmail
from followup.models import FollowUp

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [
    ("intake", "0010_patient_privacy"),
    ("followup", "0002_checkin"),
    ("clinic", "0004_outgoingemail"),
]
NOW = datetime.datetime(2026, 11, 20, 9, 30, tzinfo=datetime.UTC)
MINUTE = datetime.timedelta(minutes=1)


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.fixture
def old_world():
    """The database as it was before the outbox, with alerts and follow-ups in every state."""
    apps = migrate(BEFORE)
    try:
        yield apps
    finally:
        migrate(latest())


def make_old_rows(apps):
    User = apps.get_model("auth", "User")
    Patient = apps.get_model("intake", "Patient")
    Case = apps.get_model("intake", "Case")
    Response = apps.get_model("intake", "IntakeResponse")
    Alert = apps.get_model("intake", "Alert")
    FollowUp = apps.get_model("followup", "FollowUp")

    user = User.objects.create(username="dr", email="dr@clinic.example.test")
    patient = Patient.objects.create(first_name="Ann", last_name="Old", email="ann@example.test")
    case = Case.objects.create(patient=patient, computed_urgency=0, urgency=0, status="recovered")
    response = Response.objects.create(
        case=case, answers={}, questionnaire_version="1", ruleset_version="1", urgency=0,
        screen_incomplete=False, assessed_on=NOW.date(),
    )  # fmt: skip
    other = User.objects.create(username="pt", email="pt@clinic.example.test")
    Alert.objects.create(
        case=case, response=response, recipient=user, tier=0, status="sent", attempts=1,
        next_attempt_at=NOW, claimed_at=NOW, sent_at=NOW + MINUTE,
    )  # fmt: skip
    Alert.objects.create(
        case=case, response=response, recipient=other, tier=0, status="pending", attempts=3,
        last_error="SMTPServerDisconnected:", next_attempt_at=NOW + 5 * MINUTE, claimed_at=NOW,
    )  # fmt: skip
    erased = User.objects.create(username="gone", email="gone@clinic.example.test")
    Alert.objects.create(
        case=case, response=response, recipient=erased, tier=0, status="cancelled",
        next_attempt_at=NOW,
    )  # fmt: skip
    rows = [
        ("sent", {"attempts": 1, "sent_at": NOW, "message_id": "<followup-OLD@x>"}),
        ("failed", {"attempts": 1, "last_error": "SMTPRecipientsRefused: 550"}),
        ("unknown", {"attempts": 0, "claimed_at": NOW}),
        ("cancelled", {}),
        ("scheduled", {"attempts": 2, "last_error": "451"}),
    ]
    for step, (status, fields) in enumerate(rows, start=1):
        FollowUp.objects.create(
            case=case, step=step, due_at=NOW + step * MINUTE, status=status,
            next_attempt_at=NOW + step * 2 * MINUTE, **fields,
        )  # fmt: skip
    return case.pk, user.pk, other.pk, response.pk


def test_alerts_and_follow_ups_move_into_the_outbox_with_their_state(old_world, settings):
    settings.SITE_URL = "https://clinic.example.test"
    case_id, user_id, other_id, response_id = make_old_rows(old_world)

    migrate(latest())

    alerts = OutgoingEmail.objects.filter(kind="alert").order_by("recipient_user_id")
    assert [
        (a.recipient_user_id, a.recipient, a.status, a.attempts, a.last_error, a.case_id)
        for a in alerts
    ] == [
        (user_id, "dr@clinic.example.test", "sent", 1, "", case_id),
        (other_id, "pt@clinic.example.test", "queued", 3, "SMTPServerDisconnected:", case_id),
        (other_id + 1, "gone@clinic.example.test", "cancelled", 0, "", case_id),
    ]
    assert [a.context for a in alerts] == [{"tier": 0, "response": response_id}] * 3
    assert alerts[1].next_attempt_at == NOW + 5 * MINUTE
    assert alerts[0].sent_at == NOW + MINUTE
    assert alerts[0].dedupe_key == f"alert:{response_id}:{user_id}"

    followups = {f.step: f for f in FollowUp.objects.filter(case_id=case_id)}
    assert {step: f.email.status for step, f in followups.items()} == {
        1: "sent", 2: "failed", 3: "unknown", 4: "cancelled", 5: "queued",
    }  # fmt: skip
    assert followups[1].email.message_id == "<followup-OLD@x>"
    # The Message-ID the old dispatch gave it, so that it can still be found in the mail log.
    assert followups[3].email.message_id == f"<followup-{followups[3].pk}@clinic.example.test>"
    assert followups[2].email.last_error == "SMTPRecipientsRefused: 550"
    fifth = followups[5].email
    assert (fifth.attempts, fifth.last_error, fifth.next_attempt_at) == (
        2,
        "451",
        NOW + 10 * MINUTE,
    )
    assert followups[5].due_at == NOW + 5 * MINUTE
    assert followups[3].email.claimed_at == NOW
    assert {f.email.recipient for f in followups.values()} == {"ann@example.test"}
    assert {f.email.context["step"] for f in followups.values()} == {1, 2, 3, 4, 5}

    # ... and back, every state where it was.
    apps = migrate(BEFORE)
    Alert = apps.get_model("intake", "Alert")
    OldFollowUp = apps.get_model("followup", "FollowUp")
    assert sorted(Alert.objects.values_list("recipient_id", "status", "attempts")) == sorted(
        [(user_id, "sent", 1), (other_id, "pending", 3), (other_id + 1, "cancelled", 0)]
    )
    old = {f.step: f for f in OldFollowUp.objects.all()}
    assert {step: f.status for step, f in old.items()} == {
        1: "sent", 2: "failed", 3: "unknown", 4: "cancelled", 5: "scheduled",
    }  # fmt: skip
    assert (old[5].attempts, old[5].next_attempt_at) == (2, NOW + 10 * MINUTE)
    assert old[1].message_id == "<followup-OLD@x>"
    assert not apps.get_model("clinic", "OutgoingEmail").objects.exists()
