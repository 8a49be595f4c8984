"""Property-based fuzzing (hypothesis): whatever is typed into any form or filter, or put in a
token URL, the answer is a success, a redirect or a 4xx, never a 5xx, and no row in the database
holds a value its own field refuses.

The forms are not listed here: each page is opened as the role that uses it and every form on it
is read from its HTML (field names, the options of radios, checkboxes and selects), so a form
added to a page is fuzzed without touching this file. Each field gets a valid option, an edge
case (the first and last days there are, huge numbers, a NUL, markup, long text...), random text,
or nothing. The run is derandomized (the same examples each time: CI cannot flake) and kept to a
few hundred examples.
"""

import datetime
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.core import signing
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from clinic import roles
from clinic.models import OutgoingEmail
from followup import links
from intake.models import Case
from intake.queue_views import make_cursor
from intake.services import Contact, record_enquiry
from intake.views import CONFIRMATION_SALT

from .factories import answers, staff
from .followups import new_followup

pytestmark = pytest.mark.django_db

FUZZ = hypothesis_settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

EDGES = [
    "",
    " ",
    "0",
    "-1",
    "1e309",
    "99999999999999999999999999",
    "9223372036854775808",
    "9999-12-31",
    "0001-01-01",
    "2026-02-30",
    "10000-01-01",
    "23:59",
    "24:00",
    "yes",
    "no",
    "on",
    "none",
    "null",
    "\x00",
    "a\x00b",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%",
    "\\",
    "../../etc/passwd",
    "//evil.test/",
    "javascript:alert(1)",
    "Zoë 🙂",
    "\u202e",
    "x" * 5000,
    "@+=-",
]
values = st.one_of(
    st.sampled_from(EDGES),
    st.text(max_size=40),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.dates(min_value=datetime.date(1, 1, 1)).map(datetime.date.isoformat),
)

# The days at the ends of the calendar, and ones that are not days: for fields taking a date.
DATE_EDGES = ["9999-12-31", "0001-01-01", "9999-01-01", "2026-02-30", "1900-01-01", "2999-12-31"]
DATE_FIELD = re.compile(r"date|birth|_on$|_from$|_to$|^start$|^end$|^on_or_")


def value_for(name):
    if DATE_FIELD.search(name):
        edge = st.sampled_from(DATE_EDGES)
        return st.one_of(edge, edge, values)
    return values


class FormsOnPage(HTMLParser):
    """Every <form> of a page: its method, action and fields (name -> the values offered)."""

    def __init__(self, url):
        super().__init__()
        self.url = url
        self.forms = []
        self.select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            action = attrs.get("action") or urlsplit(self.url).path
            self.forms.append(
                {"method": (attrs.get("method") or "get").lower(), "action": action, "fields": {}}
            )
        elif not self.forms:
            return
        elif tag in ("input", "textarea", "select", "button") and attrs.get("name"):
            fields = self.forms[-1]["fields"]
            offered = fields.setdefault(attrs["name"], [])
            if attrs.get("value") is not None:
                offered.append(attrs["value"])
            if tag == "select":
                self.select = attrs["name"]
        elif tag == "option" and self.select and attrs.get("value") is not None:
            self.forms[-1]["fields"][self.select].append(attrs["value"])

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None


def forms_on(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    parser = FormsOnPage(url)
    parser.feed(response.content.decode())
    # Signing out or changing one's own sign-in would end the run's session, not test a form.
    return [form for form in parser.forms if not form["action"].startswith("/accounts/")]


def invalid_rows():
    """Rows whose stored values their own fields refuse."""
    found = []
    for label in ("intake", "followup", "clinic"):
        for model in apps.get_app_config(label).get_models():
            # Foreign keys are the database's to check (one query per row here, otherwise).
            keys = [f.name for f in model._meta.fields if f.is_relation]
            nullable = [f for f in model._meta.fields if f.null and not f.is_relation]
            for row in model.objects.all():
                # NULL where the column allows it, and an empty value (an erased name, a phone
                # enquiry's missing email) are the code's to decide: `blank` is the forms' rule.
                # Whatever is stored must fit: length, choices, validators.
                empty = [f.name for f in nullable if getattr(row, f.attname) is None]
                empty += [
                    f.name
                    for f in model._meta.fields
                    if not f.is_relation and getattr(row, f.attname) in f.empty_values
                ]
                try:
                    row.clean_fields(exclude=keys + empty)
                except ValidationError as error:
                    found.append(f"{model.__name__} {row.pk}: {error.message_dict}")
    return found


@st.composite
def submissions(draw, forms):
    """One form of the page, filled in any way at all."""
    form = draw(st.sampled_from(forms))
    data = {}
    for name, offered in form["fields"].items():
        if name == "csrfmiddlewaretoken":
            continue
        choice = draw(st.integers(min_value=0, max_value=9))
        if choice <= 1:
            continue  # left out
        if choice <= 5 and offered:
            data[name] = draw(st.sampled_from(offered))
        else:
            data[name] = draw(value_for(name))
    return form, data


def send(client, form, data):
    if form["method"] == "post":
        return client.post(form["action"], data)
    return client.get(form["action"], data)


def assert_never_5xx(client, form, data):
    response = send(client, form, data)
    assert response.status_code < 500, (form["action"], data)
    assert invalid_rows() == [], (form["action"], data)


@pytest.fixture
def world(settings):
    """A clinic with a case of each kind and a follow-up; the clinic admin can open every page."""
    settings.INTAKE_RATE = "100000/h"
    admin = staff(roles.CLINIC_ADMIN, username="fuzz-admin", on_duty=True)
    colleague = staff(roles.PRACTITIONER, username="fuzz-colleague")
    contact = Contact("Sam", "Sample", "sam@example.test", "07700 900123")
    first = record_enquiry(contact=contact, source="phone", answers=answers(), logged_by=admin)
    second = record_enquiry(
        contact=Contact("Alex", "Example", "alex@example.test", "07700 900124"),
        source="web",
        answers=answers(bladder_change=True),
    )
    closed = record_enquiry(
        contact=Contact("Kim", "Closed", "kim@example.test", "07700 900125"),
        source="phone",
        answers=answers(),
        logged_by=admin,
    )
    Case.objects.filter(pk=closed.case.pk).update(status=Case.Status.CLOSED)
    followup = new_followup(first.case)
    # An email that failed: the outbox and follow-ups pages then offer their actions.
    OutgoingEmail.objects.filter(pk=followup.email_id).update(status=OutgoingEmail.Status.FAILED)
    client = Client()
    client.force_login(admin)
    return {
        "client": client,
        "first": first,
        "second": second,
        "closed": closed,
        "followup": followup,
        "colleague": colleague,
    }


STAFF_PAGES = [
    "/triage/",
    "/triage/?status=new",
    "/case",
    "/patient",
    "/merge",
    "/erase",
    "/enquiries/new/",
    "/followups/",
    "/staff/duty/",
    "/staff/targets/",
    "/staff/hours/",
    "/staff/followup-plan/",
    "/staff/accounts/new/",
    "/colleague",
    "/staff/outbox/",
    "/staff/audit/",
]


def page_url(page, world):
    first, second = world["first"], world["second"]
    return {
        "/case": f"/cases/{second.case.pk}/",
        "/patient": f"/patients/{first.enquiry.patient_id}/",
        "/merge": f"/patients/{first.enquiry.patient_id}/merge/?other={second.enquiry.patient_id}",
        "/erase": f"/patients/{world['closed'].enquiry.patient_id}/erase/",
        "/colleague": f"/staff/accounts/{world['colleague'].pk}/",
    }.get(page, page)


@pytest.mark.parametrize("page", STAFF_PAGES)
def test_no_staff_form_or_filter_answers_5xx(world, page):
    client = world["client"]
    forms = forms_on(client, page_url(page, world))
    assert forms, f"no form on {page}"

    @FUZZ
    @given(submissions(forms))
    def fuzz(submission):
        assert_never_5xx(client, *submission)

    fuzz()


def test_no_public_form_answers_5xx(world):
    client = Client()
    forms = forms_on(client, "/intake/")
    checkin = links.checkin_token(world["followup"].pk)
    forms += forms_on(client, f"/f/checkin/{checkin}/")

    @hypothesis_settings(FUZZ, max_examples=30)
    @given(submissions(forms))
    def fuzz(submission):
        assert_never_5xx(client, *submission)

    fuzz()


def mangled(token):
    """A real token, cut, padded, or with one character changed."""
    return st.one_of(
        st.integers(min_value=0, max_value=len(token)).map(lambda n: token[:n]),
        st.text(max_size=20).map(lambda extra: token + extra),
        st.tuples(st.integers(min_value=0, max_value=len(token) - 1), st.characters()).map(
            lambda change: token[: change[0]] + change[1] + token[change[0] + 1 :]
        ),
        values,
    )


def test_no_token_url_answers_5xx(world):
    client = Client()
    followup = world["followup"]
    done = signing.dumps(world["first"].response.pk, salt=CONFIRMATION_SALT)
    urls = [
        ("/intake/done/{}/", done),
        ("/f/checkin/{}/", links.checkin_token(followup.pk)),
        ("/f/checked-in/{}/", links.checkin_token(followup.pk)),
        ("/f/unsubscribe/{}/", links.unsubscribe_token(followup.pk)),
        # The paging cursors of the queue and the enquiries list are signed tokens too.
        ("/triage/?after={}", make_cursor("intake.queue", 1, timezone.now(), 1)),
        ("/enquiries/?after={}", make_cursor("intake.enquiries", None, timezone.now(), 1)),
    ]

    @hypothesis_settings(FUZZ, max_examples=40)
    @given(st.sampled_from(urls).flatmap(lambda u: mangled(u[1]).map(lambda t: (u[0], t))))
    def fuzz(url_and_token):
        pattern, token = url_and_token
        quoted = re.sub(r"[/?#&%+\x00-\x20\x7f]", lambda m: f"%{ord(m.group()):02X}", token)
        path = pattern.format(quoted)
        # The cursors are staff pages: the admin's session; the rest are the patient's.
        method_client = world["client"] if "after=" in path else client
        for method in (method_client.get, method_client.post):
            response = method(path)
            assert response.status_code < 500, (path, method.__name__)
        assert invalid_rows() == []

    fuzz()


def test_the_fuzzing_reaches_the_forms(world):
    """The forms read from the pages are the real ones (a parser that found nothing would make
    every fuzz test pass)."""
    client = world["client"]
    queue_forms = forms_on(client, "/triage/")
    assert any(f["action"] == "/triage/search/" and "opened_to" in f["fields"] for f in queue_forms)
    case_forms = forms_on(client, page_url("/case", world))
    assert {"version", "status"} <= set().union(*(f["fields"] for f in case_forms))
    intake = forms_on(Client(), "/intake/")
    assert {"yes", "no"} <= set(intake[0]["fields"]["bladder_change"])


def test_no_filtered_list_or_export_answers_5xx(world):
    """The queue's filters reach the queue through its search form's redirect; here they go to
    the queue, its live fragment and its export directly, as a bookmark would; the audit's
    filters go to its export too, and the follow-ups page's period."""
    client = world["client"]
    queue = next(f for f in forms_on(client, "/triage/") if f["action"] == "/triage/search/")
    audit = next(f for f in forms_on(client, "/staff/audit/") if f["method"] == "get")
    period = next(f for f in forms_on(client, "/followups/") if f["method"] == "get")
    filtered = (
        [period]
        + [
            {**queue, "method": "get", "action": url}
            for url in ("/triage/", "/triage/fragment/", "/triage/export.csv")
        ]
        + [{**audit, "action": "/staff/audit/export.csv"}]
    )

    @hypothesis_settings(FUZZ, max_examples=50)
    @given(submissions(filtered))
    def fuzz(submission):
        form, data = submission
        response = send(client, form, data)
        if response.streaming:
            b"".join(response.streaming_content)  # an export fails while it is written, if at all
        assert response.status_code < 500, (form["action"], data)

    fuzz()
