"""Emails as mail programs and `make run`'s console show them: the HTML body carries its styles
inline, with no class names (mail programs never see the web pages' stylesheet and drop <style>
blocks); the console prints each email decoded, its links whole."""

import io
import os
import re
import subprocess
import sys
from urllib.parse import urlsplit

import pytest
from django.template.loader import render_to_string

from clinic import outbox
from intake.services import Contact, record_enquiry

from .factories import alert_emails, answers
from .followups import make_due, scheduled_case
from .test_settings import ROOT, SETTINGS_VARIABLES

pytestmark = pytest.mark.django_db


def words(html):
    return " ".join(re.sub(r"<[^>]+>", " ", html).split()).replace("&amp;", "&")


def follow_up_html(smtp_server):
    make_due(scheduled_case())
    assert outbox.send_due().sent == 1
    assert smtp_server.inbox.wait(1)
    (_, message), *_ = smtp_server.inbox.messages
    return message.get_body(("html",)).get_content()


def alert_html(smtp_server, practitioner):
    record_enquiry(
        contact=Contact("Alex", "Example", "alex@example.test", "07700 900123"),
        source="web",
        answers=answers(bladder_change=True),
    )
    assert alert_emails().count() == 1
    assert outbox.send_due().sent == 1
    assert smtp_server.inbox.wait(1)
    (_, message), *_ = smtp_server.inbox.messages
    return message.get_body(("html",)).get_content()


def test_the_follow_up_html_has_inline_styles_and_no_class_names(smtp_server):
    html = follow_up_html(smtp_server)
    assert "class=" not in html
    assert "<style" not in html
    assert '<table role="presentation"' in html  # laid out with tables
    # The safety net stands out as a red-bordered box with a red heading, not a plain heading.
    net = re.search(r'<table[^>]*id="safety-net"[^>]*>', html).group(0)
    assert re.search(r'style="[^"]*border: 3px solid #b3261e', net)
    heading = re.search(r"<h2[^>]*>", html[html.index('id="safety-net"') :]).group(0)
    assert re.search(r'style="[^"]*color: #9c1c14', heading)
    assert re.search(r'<p style="[^"]*margin: 0 0 16px 0;?">Hello Alex,</p>', html)


def test_the_alert_html_has_inline_styles_and_no_class_names(smtp_server, practitioner):
    html = alert_html(smtp_server, practitioner)
    assert "class=" not in html
    assert "<style" not in html
    link = re.search(r'<a href="[^"]+/cases/\d+/" style="[^"]+">Open the case</a>', html)
    assert link, html


EMAIL_KINDS = sorted(
    path.name.removesuffix("-body-html.html")
    for path in (ROOT / "templates" / "emails").glob("*-body-html.html")
)


@pytest.mark.parametrize("name", EMAIL_KINDS)
def test_every_email_kind_is_laid_out_for_mail_programs(name):
    from clinic.emails import make_message

    html = make_message(name, "someone@example.test", {}).alternatives[0].content
    assert "class=" not in html
    assert "<style" not in html
    assert '<td id="card-cell" style="' in html  # inside the layout, its styles inline


def test_every_email_kind_is_found():
    assert {"alert", "escalation", "followup"} <= set(EMAIL_KINDS)


def test_the_email_safety_net_says_what_the_web_pages_say():
    email = words(render_to_string("emails/ces_safety_net-html.html"))
    web = words(render_to_string("includes/ces_safety_net.html"))
    assert email == web


def console_backend(settings):
    printed = io.StringIO()
    settings.MAILERS = {
        "default": {"BACKEND": "clinic.console_email.EmailBackend", "OPTIONS": {"stream": printed}}
    }
    return printed


def test_the_console_prints_the_follow_up_readably_with_its_links_whole(settings, client):
    settings.SITE_URL = "http://127.0.0.1:8000"
    printed = console_backend(settings)
    make_due(scheduled_case())
    assert outbox.send_due().sent == 1
    text = printed.getvalue()
    assert "Subject: How is your back? A note from Back Pain Clinic" in text
    assert "To: alex.example@example.test" in text
    assert "Content-Transfer-Encoding" not in text
    assert "=\n" not in text  # no quoted-printable soft line breaks
    assert "(and an HTML version" in text
    # Each link is on one line, whole: copied into a browser, it opens its page.
    checkin = re.search(r"^http://127\.0\.0\.1:8000(/f/checkin/\S+/)$", text, re.M).group(1)
    assert "How is your back?" in client.get(checkin).content.decode()
    unsubscribe = re.search(r"^To stop them: http://127\.0\.0\.1:8000(\S+)$", text, re.M)
    assert "<title>Stop follow-up emails" in client.get(unsubscribe.group(1)).content.decode()


def test_make_runs_settings_print_emails_with_the_readable_console_backend():
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
    env["DJANGO_SETTINGS_MODULE"] = "clinic.settings.local"
    env["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/postgres"
    result = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.MAILERS)"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "'clinic.console_email.EmailBackend'" in result.stdout, result.stderr


def test_a_link_is_never_cut_in_the_html_either(smtp_server):
    html = follow_up_html(smtp_server)
    for url in re.findall(r'href="([^"]+)"', html):
        assert "=" not in urlsplit(url).path
