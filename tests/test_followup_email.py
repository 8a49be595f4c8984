"""The follow-up email as the SMTP server receives it: headers, both bodies, nothing clinical."""

import re
from urllib.parse import urlsplit

import pytest
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.urls import include, path

from clinic import outbox
from followup import links
from followup.models import FollowUp, OptOut
from intake.models import Flag

from .followups import make_due, scheduled_case
from .realservices import Inbox, SmtpServer

# A stand-in for the check-in page, which another change adds under this URL name.
urlpatterns = [
    path("f/checkin/<str:token>/", lambda request, token: HttpResponse(), name="followup_checkin"),
    path("", include("clinic.urls")),
]

pytestmark = pytest.mark.django_db


def send_one(smtp_server, **case):
    case = scheduled_case(**case)
    row = make_due(case)
    assert outbox.send_due().sent == 1
    assert smtp_server.inbox.wait(1)
    row = FollowUp.objects.get(pk=row.pk)
    (to, message), *_ = smtp_server.inbox.messages
    return row, to, message


def bodies(message):
    return tuple(
        message.get_body((kind,)).get_content().replace("\r\n", "\n") for kind in ("plain", "html")
    )


def flat(text):
    return " ".join(text.split())


def test_the_email_has_both_bodies_and_the_unsubscribe_headers(smtp_server, client, settings):
    row, to, message = send_one(smtp_server)
    assert to == ["alex.example@example.test"]
    assert message["Message-ID"] == row.email.message_id == outbox.message_id(row.email_id)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = re.fullmatch(r"<(.+)>", message["List-Unsubscribe"]).group(1)
    assert url.startswith(settings.SITE_URL + "/f/unsubscribe/")
    text, html = bodies(message)
    assert text.startswith("Hello Alex,")
    assert "warning sign of an underlying cause" in text
    assert url in text and f'href="{url}"' in html

    # The header's link does what it says, in one click.
    response = client.post(
        urlsplit(url).path, "List-Unsubscribe=One-Click", "application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert OptOut.objects.get().source == OptOut.Source.ONE_CLICK


class RawInbox(Inbox):
    """Keeps the bytes as they crossed the wire, before any parser decodes them."""

    def __init__(self):
        super().__init__()
        self.raw = []

    async def handle_DATA(self, server, session, envelope):
        self.raw.append(envelope.content)
        return await super().handle_DATA(server, session, envelope)


def test_the_unsubscribe_header_crosses_the_wire_as_one_plain_line(settings):
    settings.SITE_URL = "https://a-rather-long-clinic-name.example.test"  # a long URL
    server = SmtpServer()
    server.inbox = RawInbox()
    server.start()
    settings.MAILERS = {"default": server.mailer()}
    try:
        make_due(scheduled_case())
        assert outbox.send_due().sent == 1
        assert server.inbox.wait(1)
    finally:
        server.stop()
    lines = server.inbox.raw[0].split(b"\r\n")
    (header,) = [line for line in lines if line.startswith(b"List-Unsubscribe:")]
    assert re.fullmatch(rb"List-Unsubscribe: <https://\S+/f/unsubscribe/\S+/>", header)
    assert len(header) > 78  # longer than Python would leave unfolded
    assert b"List-Unsubscribe-Post: List-Unsubscribe=One-Click" in lines


def test_the_email_carries_the_real_check_in_page_and_the_phone(smtp_server, settings, client):
    settings.CLINIC_PHONE = "01632 960999"
    _, _, message = send_one(smtp_server)
    text, html = bodies(message)
    url = re.search(r"https?://\S+/f/checkin/\S+/", text).group(0)
    assert f'href="{url}"' in html
    assert "How is your back?" in client.get(urlsplit(url).path).content.decode()
    assert "call us on 01632 960999" in text


@pytest.mark.urls(__name__)
def test_the_check_in_link_is_signed_for_the_follow_up(smtp_server, client):
    row, _, message = send_one(smtp_server)
    text, html = bodies(message)
    url = re.search(r"https?://\S+/f/checkin/\S+/", text).group(0)
    assert f'href="{url}"' in html
    token = urlsplit(url).path.split("/")[-2]
    assert links.followup_from_checkin(token) == row
    assert links.followup_from_unsubscribe(token) is None  # salts keep the two apart
    assert client.get(urlsplit(url).path).status_code == 200


def test_the_email_repeats_every_line_of_the_cauda_equina_safety_net(smtp_server):
    _, _, message = send_one(smtp_server)
    text, html = bodies(message)
    safety_net = render_to_string("includes/ces_safety_net.html")
    items = [flat(item) for item in re.findall(r"<li>(.*?)</li>", safety_net, re.S)]
    assert len(items) == 5
    for item in items:
        assert item in flat(text), item
        assert item in flat(html), item
    assert "A&E" in text and "999" in text


def test_the_email_holds_no_symptoms_flags_or_diagnosis(smtp_server):
    # A case whose answers raised flags: none of it may reach the email.
    _, _, message = send_one(smtp_server, leg_symptoms="one", night_pain=True, weight_loss=True)
    flags = list(Flag.objects.all())
    assert {flag.rule_id for flag in flags} >= {"radicular", "night_pain", "weight_loss"}
    text, html = bodies(message)
    # The safety net is general advice, the same for everyone; everything else is checked.
    net_text = render_to_string("includes/ces_safety_net.txt")
    assert net_text in text
    net_html = re.compile(r'<table[^>]*id="safety-net".*?</table>', re.S)
    assert len(net_html.findall(html)) == 1
    # The HTML's words and links (its inline styles say "font-weight", which is no weight).
    html_rest = net_html.sub("", html)
    html_words = re.sub(r"<[^>]+>", " ", html_rest) + " ".join(
        re.findall(r'href="([^"]+)"', html_rest)
    )
    rest = (text.replace(net_text, "") + html_words).lower()
    words = [flag.rule_id for flag in flags] + [flag.reason.lower() for flag in flags]
    words += ["bladder", "bowel", "leg", "weight", "night", "sciatica", "urgen", "tier", "flag"]
    words += ["diagnos", "example", "07700", "pain score"]
    for word in words:
        assert word not in rest, word
    assert "example" not in message["Subject"].lower()


def test_every_follow_up_has_its_own_message_id():
    case = scheduled_case()
    ids = {outbox.message_id(row.email_id) for row in FollowUp.objects.filter(case=case)}
    assert len(ids) == 5
