"""Who may open which page: every URL for every role, and reception never sees clinical answers."""

import pytest
from django.conf import settings
from django.core import signing
from django.urls import URLResolver, get_resolver, reverse

from clinic import roles
from followup import links
from followup.checkin_views import DONE_SALT as CHECKIN_DONE_SALT
from followup.models import CheckIn
from intake.models import Case, Flag, StaffProfile, Tier
from intake.services import Contact, record_enquiry
from intake.views import CONFIRMATION_SALT

from .factories import alert_emails, answers, staff
from .followups import new_followup

pytestmark = pytest.mark.django_db

ANONYMOUS = "anonymous"
ROLES = (ANONYMOUS, roles.RECEPTION, roles.PRACTITIONER, roles.CLINIC_ADMIN)

OK, FORBIDDEN, NOT_FOUND = 200, 403, 404
LOGIN = "redirect to sign-in"
ON = "redirect onwards"  # a POST that did its work and moved on

# What each role gets. `target` says which object the URL is built for.
ACCESS = [
    # url name            target             method  anonymous  reception  practitioner  admin
    ("home",              None,              "get",  OK,        ON,        ON,           ON),
    ("healthz",           None,              "get",  OK,        OK,        OK,           OK),
    ("robots_txt",        None,              "get",  OK,        OK,        OK,           OK),
    # Staff accounts (django-allauth): a signed-in visit to the sign-in page goes on home;
    # second-factor pages that change something ask for the password again first (ON).
    ("account_login",     None,              "get",  OK,        ON,        ON,           ON),
    ("account_logout",    None,              "post", ON,        ON,        ON,           ON),
    ("account_inactive",  None,              "get",  OK,        OK,        OK,           OK),
    ("account_security",  None,              "get",  LOGIN,     OK,        OK,           OK),
    ("account_reauthenticate", None,         "get",  LOGIN,     OK,        OK,           OK),
    ("account_change_password", None,        "get",  LOGIN,     OK,        OK,           OK),
    ("account_set_password", None,           "get",  LOGIN,     ON,        ON,           ON),
    ("sign_out_everywhere", None,            "post", LOGIN,     ON,        ON,           ON),
    ("mfa_index",         None,              "get",  LOGIN,     OK,        OK,           OK),
    ("mfa_authenticate",  None,              "get",  ON,        ON,        ON,           ON),
    ("mfa_reauthenticate", None,             "get",  LOGIN,     ON,        ON,           ON),
    ("mfa_activate_totp", None,              "get",  LOGIN,     ON,        ON,           ON),
    ("mfa_deactivate_totp", None,            "get",  LOGIN,     NOT_FOUND, NOT_FOUND,    NOT_FOUND),
    ("mfa_view_recovery_codes", None,        "get",  LOGIN,     NOT_FOUND, NOT_FOUND,    NOT_FOUND),
    ("mfa_generate_recovery_codes", None,    "get",  LOGIN,     ON,        ON,           ON),
    ("mfa_download_recovery_codes", None,    "get",  LOGIN,     NOT_FOUND, NOT_FOUND,    NOT_FOUND),
    ("mfa_list_webauthn", None,              "get",  LOGIN,     OK,        OK,           OK),
    ("mfa_add_webauthn",  None,              "get",  LOGIN,     ON,        ON,           ON),
    ("mfa_reauthenticate_webauthn", None,    "get",  LOGIN,     ON,        ON,           ON),
    ("mfa_edit_webauthn", "no such passkey", "get",  LOGIN,     ON,        ON,           ON),
    ("mfa_remove_webauthn", "no such passkey", "get", LOGIN,    ON,        ON,           ON),
    ("staff_accounts",    None,              "get",  LOGIN,     FORBIDDEN, FORBIDDEN,    OK),
    ("staff_account_new", None,              "get",  LOGIN,     FORBIDDEN, FORBIDDEN,    OK),
    ("staff_account",     "colleague",       "get",  LOGIN,     FORBIDDEN, FORBIDDEN,    OK),
    ("staff_account_action", "unlock colleague", "post", LOGIN, FORBIDDEN, FORBIDDEN,    ON),
    ("staff_unlock_address", None,           "post", LOGIN,     FORBIDDEN, FORBIDDEN,    ON),
    ("intake_form",       None,              "get",  OK,        OK,        OK,           OK),
    ("intake_done",       "token",           "get",  OK,        OK,        OK,           OK),
    ("followup_unsubscribe", "unsubscribe",  "get",  OK,        OK,        OK,           OK),
    ("followup_checkin",  "checkin",         "get",  OK,        OK,        OK,           OK),
    ("followup_checkin_done", "checkin done", "get",  OK,        OK,        OK,           OK),
    ("enquiry_new",       None,              "get",  LOGIN,     OK,        OK,           OK),
    ("enquiry_done",      "own enquiry",     "get",  LOGIN,     OK,        OK,           OK),
    ("enquiry_done",      "others' enquiry", "get",  LOGIN,     NOT_FOUND, NOT_FOUND,    NOT_FOUND),
    ("enquiry_list",      None,              "get",  LOGIN,     OK,        OK,           OK),
    ("enquiry_search",    None,              "post", LOGIN,     ON,        ON,           ON),
    ("triage_queue",      None,              "get",  LOGIN,     FORBIDDEN, OK,           OK),
    ("triage_fragment",   None,              "get",  LOGIN,     FORBIDDEN, OK,           OK),
    ("triage_export",     None,              "get",  LOGIN,     FORBIDDEN, FORBIDDEN,    OK),
    ("triage_search",     None,              "post", LOGIN,     FORBIDDEN, ON,           ON),
    ("case_detail",       "case",            "get",  LOGIN,     FORBIDDEN, OK,           OK),
    ("case_detail",       "no such case",    "get",  LOGIN,     FORBIDDEN, NOT_FOUND,    NOT_FOUND),
    ("case_action",       "acknowledge",     "post", LOGIN,     FORBIDDEN, ON,           ON),
    ("case_match",        "possible match",  "post", LOGIN,     FORBIDDEN, ON,           ON),
    ("patient_detail",    "patient",         "get",  LOGIN,     FORBIDDEN, OK,           OK),
    ("patient_detail",    "no such patient", "get",  LOGIN,     FORBIDDEN, NOT_FOUND,    NOT_FOUND),
    ("patient_merge",     "patient",         "get",  LOGIN,     FORBIDDEN, OK,           OK),
    ("followup_resume",   "patient",         "post", LOGIN,     FORBIDDEN, ON,           ON),
    ("patient_export",    "patient",         "get",  LOGIN,     FORBIDDEN, FORBIDDEN,    OK),
    ("patient_export_json", "patient",       "get",  LOGIN,     FORBIDDEN, FORBIDDEN,    OK),
    ("patient_erase",     "patient",         "get",  LOGIN,     FORBIDDEN, FORBIDDEN,    OK),
    ("patient_erase",     "no such patient", "get",  LOGIN,     FORBIDDEN, FORBIDDEN,    NOT_FOUND),
    ("duty_rota",         None,              "get",  LOGIN,     FORBIDDEN, FORBIDDEN,    OK),
    ("triage_targets",    None,              "get",  LOGIN,     FORBIDDEN, FORBIDDEN,    OK),
    ("clinic_hours",      None,              "get",  LOGIN,     FORBIDDEN, FORBIDDEN,    OK),
    ("escalation_contacts", None,            "get",  LOGIN,     FORBIDDEN, FORBIDDEN,    OK),
    ("overview",          None,              "get",  LOGIN,     FORBIDDEN, FORBIDDEN,    OK),
    ("case_audit",        "case",            "get",  LOGIN,     FORBIDDEN, FORBIDDEN,    OK),
    ("case_audit_export", "case",            "get",  LOGIN,     FORBIDDEN, FORBIDDEN,    OK),
    ("followups",         None,              "get",  LOGIN,     FORBIDDEN, OK,           OK),
    ("followup_action",   "followup cancel", "post", LOGIN,     FORBIDDEN, ON,           ON),
    ("followup_plan",     None,              "get",  LOGIN,     FORBIDDEN, FORBIDDEN,    OK),
    ("outbox",            None,              "get",  LOGIN,     FORBIDDEN, FORBIDDEN,    OK),
    ("outbox_action",     "email cancel",    "post", LOGIN,     FORBIDDEN, FORBIDDEN,    ON),
    ("audit",             None,              "get",  LOGIN,     FORBIDDEN, FORBIDDEN,    OK),
    ("audit_export",      None,              "get",  LOGIN,     FORBIDDEN, FORBIDDEN,    OK),
]  # fmt: skip

# Named URLs deliberately left out of the table (none: every page has its row).
EXCLUDED = set()

CELLS = [
    pytest.param(name, target, method, role, expected, id=f"{name}-{target or ''}-{role}")
    for name, target, method, *outcomes in ACCESS
    for role, expected in zip(ROLES, outcomes, strict=True)
]


def emergency_case(logged_by=None):
    contact = Contact(first_name="Alex", last_name="Example", email="alex@example.test")
    return record_enquiry(
        contact=contact,
        source="phone",
        answers=answers(saddle_numbness=True, cancer_history=True, leg_symptoms="one"),
        logged_by=logged_by,
    )


def followup_of(recorded):
    return new_followup(recorded.case)


def url_and_data(target, name, user):
    """The URL for this row, with any object it needs made for this user, and the POST data."""
    recorded = emergency_case(logged_by=user if target == "own enquiry" else staff("reception"))
    match target:
        case None:
            return reverse(name), {}
        case "token":
            token = signing.dumps(recorded.response.pk, salt=CONFIRMATION_SALT)
            return reverse(name, args=[token]), {}
        case "unsubscribe":
            return reverse(name, args=[links.unsubscribe_token(followup_of(recorded).pk)]), {}
        case "checkin":
            return reverse(name, args=[links.checkin_token(followup_of(recorded).pk)]), {}
        case "checkin done":
            checkin = CheckIn.objects.create(
                followup=followup_of(recorded),
                case=recorded.case,
                pain_now=1,
                recurred=False,
                wants_assessment=False,
            )
            return reverse(name, args=[signing.dumps(checkin.pk, salt=CHECKIN_DONE_SALT)]), {}
        case "followup cancel":
            return reverse(name, args=[followup_of(recorded).pk, "cancel"]), {}
        case "email cancel":
            email = followup_of(recorded).email
            return reverse(name, args=[email.pk, "cancel"]), {"status": email.status}
        case "own enquiry" | "others' enquiry":
            return reverse(name, args=[recorded.enquiry.pk]), {}
        case "case":
            return reverse(name, args=[recorded.case.pk]), {}
        case "no such case":
            return reverse(name, args=[recorded.case.pk + 1000]), {}
        case "no such passkey":
            return reverse(name, args=[999999]), {}
        case "colleague":
            return reverse(name, args=[staff("practitioner").pk]), {}
        case "unlock colleague":
            return reverse(name, args=[staff("practitioner").pk, "unlock"]), {}
        case "patient":
            return reverse(name, args=[recorded.enquiry.patient_id]), {}
        case "no such patient":
            return reverse(name, args=[recorded.enquiry.patient_id + 1000]), {}
        case "possible match":
            typed = Contact(first_name="Alex", last_name="Other", email="alex@example.test")
            possible = record_enquiry(contact=typed, source="web").case
            return reverse(name, args=[possible.pk]), {"decision": "reject"}
        case "acknowledge":
            case = Case.objects.get(pk=recorded.case.pk)
            return reverse(name, args=[case.pk, "acknowledge"]), {"version": case.version}
    raise AssertionError(target)


def outcome(response):
    if response.status_code == 302:
        signing_in = response["Location"].startswith(reverse(settings.LOGIN_URL) + "?next=")
        return LOGIN if signing_in else ON
    return response.status_code


def sign_in(client, role):
    if role == ANONYMOUS:
        return None
    user = staff(role)
    client.force_login(user)
    return user


@pytest.mark.parametrize(("name", "target", "method", "role", "expected"), CELLS)
def test_each_role_gets_what_the_table_says(client, name, target, method, role, expected):
    user = sign_in(client, role)
    url, data = url_and_data(target, name, user)
    response = getattr(client, method)(url, data)
    assert outcome(response) == expected


def url_names(patterns):
    """Every URL name the site answers, outside the admin; an unnamed URL by its route."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            prefix = f"{pattern.namespace}:" if pattern.namespace else ""
            yield from (prefix + name for name in url_names(pattern.url_patterns))
        else:
            yield pattern.name or f"(unnamed) {pattern.pattern}"


def test_every_url_is_in_the_table():
    names = set(url_names(get_resolver().url_patterns))
    in_table = {row[0] for row in ACCESS}
    assert names - EXCLUDED - in_table == set()
    assert in_table - names == set()  # a row for a URL that no longer exists
    assert EXCLUDED - names == set()


def test_reception_cannot_open_the_case_with_the_clinical_answers(client):
    recorded = emergency_case()
    sign_in(client, roles.RECEPTION)
    response = client.get(reverse("case_detail", args=[recorded.case.pk]))
    assert response.status_code == 403
    assert "Alex" not in response.content.decode()


def test_reception_sees_the_tier_but_not_the_answers_or_why_they_were_flagged(client):
    reception = sign_in(client, roles.RECEPTION)
    recorded = emergency_case(logged_by=reception)
    page = client.get(reverse("enquiry_done", args=[recorded.enquiry.pk])).content.decode()
    assert "Go to A&amp;E now or call 999" in page
    reasons = list(Flag.objects.values_list("reason", flat=True))
    assert len(reasons) >= 3
    for reason in reasons:
        assert reason not in page
    for rule_id in Flag.objects.values_list("rule_id", flat=True):
        assert f">{rule_id}<" not in page
    assert "Unanswered" not in page


@pytest.mark.parametrize(
    ("name", "target"),
    [(name, target) for name, target, method, _, reception, *_ in ACCESS
     if method == "get" and reception == OK],
)  # fmt: skip
def test_no_page_reception_can_open_shows_why_a_case_was_flagged(client, name, target):
    reception = sign_in(client, roles.RECEPTION)
    url, _ = url_and_data(target, name, reception)
    page = client.get(url).content.decode()
    for flag in Flag.objects.all():
        assert flag.reason not in page
        assert flag.source not in page


def test_a_clinic_admin_puts_a_practitioner_on_duty(admin_client_):
    joining = staff(roles.PRACTITIONER, on_duty=False)
    leaving = staff(roles.PRACTITIONER, on_duty=True)
    response = admin_client_.post(reverse("duty_rota"), {"on_duty": [joining.pk]})
    assert response.status_code == 302
    assert StaffProfile.objects.get(user=joining).on_duty is True
    assert StaffProfile.objects.get(user=leaving).on_duty is False
    page = admin_client_.get(reverse("duty_rota")).content.decode()
    assert f'value="{joining.pk}" id="duty-{joining.pk}" checked' in page
    name = joining.get_full_name() or joining.get_username()
    assert f"Saved. On duty now: {name}." in page  # saving says so


def test_saving_a_rota_with_nobody_ticked_says_who_is_alerted_instead(admin_client_):
    staff(roles.PRACTITIONER, on_duty=True)
    page = admin_client_.post(reverse("duty_rota"), {}, follow=True).content.decode()
    assert "Saved. Nobody is ticked, so every practitioner and clinic admin is alerted." in page


def test_the_duty_rota_decides_who_is_alerted(admin_client_):
    joining = staff(roles.PRACTITIONER, on_duty=False)
    leaving = staff(roles.PRACTITIONER, on_duty=True)
    admin_client_.post(reverse("duty_rota"), {"on_duty": [joining.pk]})
    recorded = emergency_case()
    assert recorded.case.urgency == Tier.EMERGENCY
    alerted = set(alert_emails().values_list("recipient_user", flat=True))
    assert alerted == {joining.pk}
    assert leaving.pk not in alerted


@pytest.mark.parametrize("role", [roles.RECEPTION, roles.PRACTITIONER])
def test_only_a_clinic_admin_changes_the_duty_rota(client, role):
    on_duty = staff(roles.PRACTITIONER, on_duty=True)
    sign_in(client, role)
    response = client.post(reverse("duty_rota"), {"on_duty": []})
    assert response.status_code == 403
    assert StaffProfile.objects.get(user=on_duty).on_duty is True
