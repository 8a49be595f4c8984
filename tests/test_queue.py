"""The triage queue at /triage/: order, rows, filters, keyset pages, the live fragment, CSV."""

import csv
import datetime
import io
import itertools
import re
from types import SimpleNamespace

import pytest
import time_machine
from django.core import signing
from django.core.cache import caches
from django.urls import reverse
from django.utils import timezone

from clinic import roles
from clinic.models import AuditEntry
from intake import rules
from intake.flag_labels import FLAG_LABELS
from intake.models import Case
from intake.services import Contact, record_enquiry

from .factories import answers, staff

pytestmark = pytest.mark.django_db

EMERGENCY = {"bladder_change": True}
URGENT = {"fever": True}
SOON = {"leg_symptoms": "one"}
ROUTINE = {}
numbers = itertools.count(1)


def new_case(tier=ROUTINE, *, first="Sam", last="Sample", waited=None, **contact):
    """A case of the given tier recorded as a patient would; `waited` back-dates its opening."""
    n = next(numbers)
    contact.setdefault("email", f"patient{n}@example.test")
    contact.setdefault("phone", f"07700 900{n:03d}")
    source = contact.pop("source", "web")
    case = record_enquiry(
        contact=Contact(first, last, **contact), source=source, answers=answers(**tier)
    ).case
    if waited is not None:
        Case.objects.filter(pk=case.pk).update(opened_at=timezone.now() - waited)
    case.refresh_from_db()
    return case


def ids_in(html, section):
    """The case ids listed, in order, in the pinned banner or in the queue table."""
    pinned, table = html.split('id="queue-rows"')
    return [
        int(pk) for pk in re.findall(r'data-case="(\d+)"', pinned if section == "pinned" else table)
    ]


def queue(client, **params):
    """The queue with these filters; a search (`q`) goes through the search box's POST."""
    if "q" in params:
        posted = client.post(reverse("triage_search"), params)
        assert posted.status_code == 302
        response = client.get(posted["Location"])
    else:
        response = client.get(reverse("triage_queue"), params)
    assert response.status_code == 200
    return response


def listed(client, **params):
    return ids_in(queue(client, **params).content.decode(), "table")


def test_reception_may_not_see_the_queue(reception_client):
    assert reception_client.get(reverse("triage_queue")).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("triage_queue"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_unacknowledged_emergencies_are_pinned_above_the_queue_under_a_banner(
    practitioner_client,
):
    urgent = new_case(URGENT, waited=datetime.timedelta(hours=3))
    emergency = new_case(EMERGENCY)
    html = queue(practitioner_client).content.decode()
    assert "1 emergency waiting for acknowledgement" in html
    assert ids_in(html, "pinned") == [emergency.pk]
    assert ids_in(html, "table") == [urgent.pk]
    ack = reverse("case_action", args=[emergency.pk, "acknowledge"])
    assert f'action="{ack}"' in html
    assert f'name="version" value="{emergency.version}"' in html
    assert "Acknowledge" not in html.split('id="queue-rows"')[1]


def test_an_emergency_is_pinned_even_when_the_filters_would_hide_it(practitioner_client):
    emergency = new_case(EMERGENCY)
    html = queue(practitioner_client, tier=3, assigned="me").content.decode()
    assert ids_in(html, "pinned") == [emergency.pk]


def test_emergencies_beyond_what_the_banner_holds_lead_the_table(
    practitioner_client, monkeypatch, django_assert_max_num_queries
):
    monkeypatch.setattr("intake.queue_views.PINNED_LIMIT", 2)
    minutes = datetime.timedelta(minutes=1)
    urgent = new_case(URGENT, waited=60 * minutes)
    emergencies = [new_case(EMERGENCY, waited=(30 - n) * minutes) for n in range(3)]
    with django_assert_max_num_queries(QUEUE_QUERY_LIMIT + 2):  # the page again, and a COUNT
        html = queue(practitioner_client).content.decode()
    assert "3 emergencies waiting for acknowledgement" in html
    assert ids_in(html, "pinned") == [emergencies[0].pk, emergencies[1].pk]
    assert ids_in(html, "table") == [emergencies[2].pk, urgent.pk]
    assert "Acknowledge" not in html.split('id="queue-rows"')[1]


def test_an_acknowledged_emergency_leaves_the_banner_and_leads_the_queue(practitioner_client):
    urgent = new_case(URGENT, waited=datetime.timedelta(hours=3))
    emergency = new_case(EMERGENCY)
    practitioner_client.post(
        reverse("case_action", args=[emergency.pk, "acknowledge"]), {"version": emergency.version}
    )
    html = queue(practitioner_client).content.decode()
    assert "waiting for acknowledgement" not in html
    assert ids_in(html, "pinned") == []
    assert ids_in(html, "table") == [emergency.pk, urgent.pk]


def test_cases_are_ordered_by_tier_then_by_time_waiting(practitioner_client):
    hours = datetime.timedelta(hours=1)
    routine = new_case(ROUTINE, waited=9 * hours)
    soon_newer = new_case(SOON, waited=1 * hours)
    soon_older = new_case(SOON, waited=2 * hours)
    urgent = new_case(URGENT, waited=0 * hours)
    assert listed(practitioner_client) == [urgent.pk, soon_older.pk, soon_newer.pk, routine.pk]


def test_each_row_shows_the_flags_age_source_and_waiting_time(practitioner_client, practitioner):
    case = new_case(SOON, source="phone", date_of_birth=datetime.date(1970, 1, 1))
    # A second questionnaire on the same case: its flags join the first one's, each rule once.
    record_enquiry(
        contact=Contact("Sam", "Sample", case.patient.email),
        source="phone",
        answers=answers(night_pain=True, leg_symptoms="one"),
        logged_by=staff(roles.RECEPTION),
    )
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=2, minutes=5)):
        practitioner_client.force_login(practitioner)  # the earlier session timed out meanwhile
        html = queue(practitioner_client).content.decode()
        age = rules.age_on(datetime.date(1970, 1, 1), timezone.localdate())
    row = html[html.index(f'data-case="{case.pk}"') :]
    row = row[: row.index("</tr>")]
    assert row.count(">Nerve pain down a leg<") == 1
    assert ">Night pain<" in row
    assert "Sam Sample" in row
    assert f"<td>{age}</td>" in row
    assert "Phone" in row
    assert "2\xa0hours, 5\xa0minutes" in row
    assert "due " in row


def test_a_case_shows_every_open_flag_behind_its_urgency_not_only_the_latest_responses(
    practitioner_client,
):
    """Three submissions merged into one emergency case, the last two routine: the case is
    still an emergency (a later answer never lowers it), so its flags must still show why."""
    case = new_case(EMERGENCY)
    desk = staff(roles.RECEPTION)
    for changes in ({"leg_symptoms": "one"}, {}):  # reception adds two calls to the case
        record_enquiry(
            contact=Contact("Sam", "Sample", case.patient.email),
            source="phone",
            answers=answers(**changes),
            logged_by=desk,
        )
    case.refresh_from_db()
    assert case.responses.count() == 3 and case.urgency == 0
    html = queue(practitioner_client).content.decode()
    row = html[html.index(f'data-case="{case.pk}"') :]
    row = row[: row.index("</tr>")]
    assert ">CES: bladder<" in row
    assert ">Nerve pain down a leg<" in row
    assert row.index(">CES: bladder<") < row.index(">Nerve pain down a leg<")  # most urgent first


def test_row_values_are_escaped(practitioner_client, practitioner):
    case = new_case(first="<b>Bo", last="& 'Co\"</b>")
    practitioner.first_name = "<i>Pat"
    practitioner.save()
    Case.objects.filter(pk=case.pk).update(assigned_to=practitioner)
    html = queue(practitioner_client).content.decode()
    row = html[html.index(f'data-case="{case.pk}"') :]
    row = row[: row.index("</tr>")]
    assert re.search(r"&lt;b&gt;Bo &amp; &#(x27|39);Co&(quot|#34);&lt;/b&gt;", row)
    assert "<td>&lt;i&gt;Pat</td>" in row
    assert "<b>" not in row and "<i>" not in row


def test_a_screen_incomplete_case_is_labelled(practitioner_client):
    case = new_case(ROUTINE)
    Case.objects.filter(pk=case.pk).update(screen_incomplete=True)
    html = queue(practitioner_client).content.decode()
    assert "screen incomplete" in html


def test_a_breached_target_is_highlighted(practitioner_client, practitioner):
    urgent = new_case(URGENT)
    in_time = queue(practitioner_client).content.decode()
    assert "queue-breached" not in in_time
    with time_machine.travel(urgent.target_due_at + datetime.timedelta(minutes=1)):
        practitioner_client.force_login(practitioner)  # the first sign-in has expired by then
        late = queue(practitioner_client).content.decode()
    row = late[late.index(f'data-case="{urgent.pk}"') - 80 :]
    assert row[: row.index("</tr>")].count("queue-breached") == 1
    assert "target missed" in late


def test_a_met_target_is_not_highlighted_however_late(practitioner_client, practitioner):
    urgent = new_case(URGENT)
    Case.objects.filter(pk=urgent.pk).update(target_met_at=timezone.now())
    with time_machine.travel(urgent.target_due_at + datetime.timedelta(days=3)):
        practitioner_client.force_login(practitioner)
        html = queue(practitioner_client).content.decode()
    assert "queue-breached" not in html
    assert "target met" in html


# --- Filters -------------------------------------------------------------------------------------


def test_the_tier_filter_takes_several_tiers(practitioner_client):
    urgent, soon, _routine = new_case(URGENT), new_case(SOON), new_case(ROUTINE)
    assert listed(practitioner_client, tier=[1, 2]) == [urgent.pk, soon.pk]


def test_the_emergency_tier_takes_acknowledged_and_unacknowledged_emergencies(
    admin_client_, clinic_admin
):
    acknowledged, waiting = new_case(EMERGENCY), new_case(EMERGENCY)
    new_case(URGENT)
    Case.objects.filter(pk=acknowledged.pk).update(acknowledged_at=timezone.now())
    assert listed(admin_client_, tier=0) == [acknowledged.pk]  # the other one is pinned
    _, rows = export(admin_client_, tier=0)
    assert [row["case id"] for row in rows] == [str(waiting.pk), str(acknowledged.pk)]


def test_by_default_only_open_cases_are_listed(practitioner_client):
    open_case, closed = new_case(), new_case()
    Case.objects.filter(pk=closed.pk).update(status=Case.Status.CLOSED)
    assert listed(practitioner_client) == [open_case.pk]
    assert listed(practitioner_client, status=["closed", "recovered"]) == [closed.pk]


def test_the_assigned_filter_picks_me_nobody_or_anyone(practitioner_client, practitioner):
    other = staff(roles.PRACTITIONER, username="pat")
    mine, theirs, nobodys = new_case(), new_case(), new_case()
    Case.objects.filter(pk=mine.pk).update(assigned_to=practitioner)
    Case.objects.filter(pk=theirs.pk).update(assigned_to=other)
    assert listed(practitioner_client, assigned="me") == [mine.pk]
    assert listed(practitioner_client, assigned="unassigned") == [nobodys.pk]
    assert listed(practitioner_client, assigned="anyone") == [mine.pk, theirs.pk, nobodys.pk]


def test_the_source_filter(practitioner_client):
    _web, phone = new_case(), new_case(source="phone")
    assert listed(practitioner_client, source="phone") == [phone.pk]


def test_the_opened_date_range_includes_both_days(practitioner_client):
    day = datetime.timedelta(days=1)
    _old, first, last, _new = (new_case(waited=n * day) for n in (10, 6, 4, 1))
    today = timezone.localdate()
    assert listed(
        practitioner_client,
        opened_from=(today - 6 * day).isoformat(),
        opened_to=(today - 4 * day).isoformat(),
    ) == [first.pk, last.pk]


@pytest.mark.parametrize(
    "term", ["ZOË", "zoë quill", "quill zoë", "Zoe.Quill@Example", "+44 7700 900999", "900 999"]
)
def test_search_finds_a_patient_by_name_email_or_phone(practitioner_client, term):
    zoe = new_case(first="Zoë", last="Quill", email="zoe.quill@example.test", phone="07700 900999")
    new_case(first="Sam", last="Sample")
    assert listed(practitioner_client, q=term) == [zoe.pk]


@pytest.mark.parametrize(
    "params, field",
    [
        ({"tier": "9"}, "tier"),
        ({"status": "lost"}, "status"),
        ({"assigned": "bob"}, "assigned"),
        ({"source": "pigeon"}, "source"),
        ({"opened_from": "yesterday"}, "opened_from"),
        ({"q": "x" * 101}, "q"),
    ],
)
def test_a_bad_filter_value_is_shown_beside_the_filter_not_a_500(
    practitioner_client, params, field
):
    case = new_case()
    response = queue(practitioner_client, **params)
    assert field in response.context["filter"].form.errors
    assert 'class="invalid-feedback d-block"' in response.content.decode()
    assert ids_in(response.content.decode(), "table") == [case.pk]  # the bad filter is left out


def test_a_filtered_view_can_be_bookmarked(practitioner_client):
    wanted = new_case(SOON, first="Zoë", source="phone")
    new_case(SOON, source="web")
    for n in range(3):
        new_case(SOON, first="Zoë", source="phone", email=f"zoe{n}@example.test")
    filters = {"tier": "2", "status": "new", "assigned": "anyone", "source": "phone"}
    posted = practitioner_client.post(reverse("triage_search"), {**filters, "q": "zoë"})
    url = posted["Location"]
    assert url.startswith(reverse("triage_queue") + "?tier=2&status=new&assigned=anyone&source")
    assert "zo" not in url.lower() and "search=" in url  # the search is a token, not the name
    html = practitioner_client.get(url).content.decode()
    assert ids_in(html, "table")[0] == wanted.pk
    assert len(ids_in(html, "table")) == 4
    assert re.search(r'<input[^>]*name="tier" value="2"[^>]*checked', html)
    assert re.search(r'<option value="phone" selected>', html)
    assert 'value="zoë"' in html
    fragment = re.search(r'data-fragment-url="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert fragment.endswith(url.split("?", 1)[1])


def test_the_filter_form_shows_each_visits_own_choices_and_never_keeps_a_search(
    practitioner_client,
):
    """The form is kept rendered per query string (intake/queue.html): a second visit with
    other filters shows its own, and a search's text goes into no cache."""
    new_case(SOON, first="Zoë")
    first = queue(practitioner_client, tier="1", source="phone").content.decode()
    again = queue(practitioner_client, tier="1", source="phone").content.decode()
    other = queue(practitioner_client, tier="2").content.decode()
    checked = r'<input[^>]*name="tier" value="{}"[^>]*checked'
    assert re.search(checked.format(1), first) and re.search(checked.format(1), again)
    assert re.search(r'<option value="phone" selected>', again)
    assert re.search(checked.format(2), other) and not re.search(checked.format(1), other)
    assert 'option value="phone" selected' not in other
    posted = practitioner_client.post(reverse("triage_search"), {"q": "zoë"})
    assert 'value="zoë"' in practitioner_client.get(posted["Location"]).content.decode()
    kept = list(caches["fragments"]._cache.values())  # pickled, rendered HTML
    assert kept and not any("zoë".encode() in html for html in kept)


# --- Keyset pages --------------------------------------------------------------------------------


def test_pages_carry_on_where_the_last_one_stopped_while_new_cases_arrive(
    practitioner_client, monkeypatch
):
    monkeypatch.setattr("intake.queue_views.PAGE_SIZE", 3)
    cases = [new_case(waited=datetime.timedelta(minutes=60 - n)) for n in range(5)]
    first = queue(practitioner_client)
    assert ids_in(first.content.decode(), "table") == [c.pk for c in cases[:3]]
    urgent_newcomer, routine_newcomer = new_case(URGENT), new_case(ROUTINE)
    second = practitioner_client.get(first.context["next_url"])
    assert ids_in(second.content.decode(), "table") == [
        cases[3].pk,
        cases[4].pk,
        routine_newcomer.pk,
    ]
    assert second.context["next_url"] is None
    assert urgent_newcomer.pk in listed(practitioner_client)


def test_the_next_page_keeps_the_filters(practitioner_client, monkeypatch):
    monkeypatch.setattr("intake.queue_views.PAGE_SIZE", 1)
    new_case(source="phone")
    new_case(source="phone")
    assert "source=phone" in queue(practitioner_client, source="phone").context["next_url"]


@pytest.mark.parametrize(
    "after",
    [
        "nonsense",
        "WzEsIjIwMjYtMDEtMDFUMDA6MDA6MDArMDA6MDAiLDFd:forged",
        signing.dumps([1, "not a time", 1], salt="intake.queue"),
        signing.dumps([1, "2026-01-01T00:00:00", 1], salt="intake.queue"),
        signing.dumps({"rank": 1}, salt="intake.queue"),
    ],
)
def test_a_tampered_page_link_shows_the_first_page_with_a_message(practitioner_client, after):
    case = new_case()
    response = queue(practitioner_client, after=after)
    assert ids_in(response.content.decode(), "table") == [case.pk]
    assert "That page link was not valid" in response.content.decode()


# --- Live fragment -------------------------------------------------------------------------------


def test_the_fragment_returns_the_rows_and_the_emergencies_waiting(practitioner_client):
    routine = new_case()
    emergencies = [new_case(EMERGENCY), new_case(EMERGENCY)]
    response = practitioner_client.get(reverse("triage_fragment"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert ids_in(html, "table") == [routine.pk]
    assert "2 emergencies waiting for acknowledgement" in html
    assert ids_in(html, "pinned") == [emergencies[0].pk, emergencies[1].pk]
    assert f'data-emergency-ids="{emergencies[0].pk} {emergencies[1].pk}"' in html


def test_the_fragment_takes_the_same_filters(practitioner_client):
    new_case(source="web")
    phone = new_case(source="phone")
    html = practitioner_client.get(reverse("triage_fragment"), {"source": "phone"}).content
    assert ids_in(html.decode(), "table") == [phone.pk]


def test_the_page_polls_the_fragment_with_the_app_s_own_script(practitioner_client):
    html = queue(practitioner_client).content.decode()
    assert 'src="/static/js/queue.js"' in html
    assert practitioner_client.get("/static/js/queue.js").status_code == 200


def test_reception_may_not_poll_the_fragment(reception_client):
    assert reception_client.get(reverse("triage_fragment")).status_code == 403


# --- CSV export ----------------------------------------------------------------------------------


def export(client, **params):
    response = client.get(reverse("triage_export"), params)
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode()
    return response, list(csv.DictReader(io.StringIO(body)))


def test_practitioners_may_not_export(practitioner_client):
    assert practitioner_client.get(reverse("triage_export")).status_code == 403


def test_the_export_lists_the_filtered_cases_in_queue_order(admin_client_, clinic_admin):
    soon = new_case(SOON, first="Zoë", last="Quill", source="phone", phone="07700 900777")
    emergency = new_case(EMERGENCY)
    new_case(ROUTINE)
    Case.objects.filter(pk=soon.pk).update(assigned_to=clinic_admin)
    response, rows = export(admin_client_, tier=[0, 2])
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    assert [row["case id"] for row in rows] == [str(emergency.pk), str(soon.pk)]
    row = rows[1]
    assert row["tier"] == row["computed tier"] == "Soon"
    assert (row["status"], row["source"], row["assigned"]) == ("New", "Phone", "admin")
    assert (row["flags"], row["screen incomplete"]) == ("radicular", "no")
    assert (row["patient name"], row["phone"]) == ("Zoë Quill", "07700 900777")
    assert row["email"] == soon.patient.email
    assert row["target due"].startswith(timezone.localtime(soon.target_due_at).date().isoformat())
    assert row["target met"] == ""
    assert rows[0]["flags"] == "ces_bladder"


def test_the_export_is_audited(admin_client_, clinic_admin):
    new_case()
    export(admin_client_)
    entry = AuditEntry.objects.get(action="export")
    assert (entry.actor, entry.object_type, entry.object_id, entry.what) == (
        clinic_admin,
        "queue",
        None,
        "csv",
    )


def test_the_export_defuses_spreadsheet_formulas(admin_client_):
    new_case(first="=HYPERLINK(1)", last="Sample")
    _, rows = export(admin_client_)
    assert rows[0]["patient name"] == "'=HYPERLINK(1) Sample"


# --- Bounded queries -----------------------------------------------------------------------------

# The session, the user, two for permissions, the role in the navigation bar, the failed-alert
# banner, the queue itself: pinned emergencies, the page and each case's flags in one
# statement, and the audit row saying who saw it.
QUEUE_QUERY_LIMIT = 8


@pytest.mark.parametrize("count", [5, 60])
def test_the_queue_runs_the_same_few_queries_for_5_or_60_cases(
    practitioner_client, django_assert_max_num_queries, count, practitioner
):
    for n in range(count):
        case = new_case([SOON, URGENT, EMERGENCY][n % 3])
        Case.objects.filter(pk=case.pk).update(assigned_to=practitioner)
    with django_assert_max_num_queries(QUEUE_QUERY_LIMIT):
        queue(practitioner_client)
    with django_assert_max_num_queries(QUEUE_QUERY_LIMIT):
        practitioner_client.get(reverse("triage_fragment"))


def test_the_export_runs_a_bounded_number_of_queries(admin_client_, django_assert_max_num_queries):
    for n in range(30):
        new_case([SOON, URGENT][n % 2])
    with django_assert_max_num_queries(8):
        _, rows = export(admin_client_)
    assert len(rows) == 30


def test_emergencies_stay_pinned_when_the_filters_can_match_nothing(practitioner_client):
    from intake.queue_data import fetch_queue

    emergency = new_case(EMERGENCY)
    new_case(URGENT)
    nothing = SimpleNamespace(qs=Case.objects.none())
    pinned, page, count = fetch_queue(nothing, None, page_size=2, pinned_limit=50)
    assert ([case["id"] for case in pinned], page, count) == ([emergency.pk], [], 1)


def test_every_rule_has_a_short_name_for_the_queue():
    assert set(FLAG_LABELS) == {rule.id for rule in rules.RULES}
