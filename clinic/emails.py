"""One email = three templates (subject, plain body, HTML body) rendered by make_message.

The HTML body is a fragment placed in emails/layout-html.html, whose <style> block css_inline
then moves into style attributes: mail programs drop <style> blocks and never see the web pages'
stylesheet, so an email's HTML carries its styles inline and no class names.
"""

import css_inline
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

MAX_HEADER_LINE = 998  # RFC 5322, 2.1.1
# Nothing is fetched: an email's CSS is its layout's <style> block, nothing else.
INLINER = css_inline.CSSInliner(load_remote_stylesheets=False)


class OneLineHeader(str):
    """A header sent as one plain line, however long; for List-Unsubscribe.

    Python folds a long header with no spaces in it (a URL) into RFC 2047 encoded words, which
    mail programs do not decode there: Gmail then ignores the one-click unsubscribe. The email
    package stores a value that has a matching `name` as it is and asks it to fold itself.
    """

    def __new__(cls, name: str, value: str):
        line = f"{name}: {value}"
        if not line.isascii() or "\r" in line or "\n" in line or len(line) > MAX_HEADER_LINE:
            raise ValueError(f"{name} cannot be sent as one plain line")
        header = super().__new__(cls, value)
        header.name = name
        return header

    def fold(self, *, policy):
        return f"{self.name}: {self}{policy.linesep}"


def make_message(name, to, ctx, headers=None):
    ctx = {"CLINIC_NAME": settings.CLINIC_NAME, "SITE_URL": settings.SITE_URL, **ctx}
    subject = render_to_string(f"emails/{name}-subject.html", ctx).strip().replace("\n", " ")
    body = render_to_string(f"emails/{name}-body-text.html", ctx)
    html = INLINER.inline(
        render_to_string(
            "emails/layout-html.html",
            {
                **ctx,
                "subject": subject,
                "body": render_to_string(f"emails/{name}-body-html.html", ctx),
            },
        )
    )
    msg = EmailMultiAlternatives(subject, body, to=[to], headers=headers or {})
    msg.attach_alternative(html, "text/html")
    return msg
