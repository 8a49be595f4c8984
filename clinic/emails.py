"""One email = three templates (subject, plain body, HTML body) rendered by make_message."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


def make_message(name, to, ctx, headers=None):
    ctx = {"CLINIC_NAME": settings.CLINIC_NAME, "SITE_URL": settings.SITE_URL, **ctx}
    subject = render_to_string(f"emails/{name}-subject.html", ctx).strip().replace("\n", " ")
    body = render_to_string(f"emails/{name}-body-text.html", ctx)
    html = render_to_string(f"emails/{name}-body-html.html", ctx)
    msg = EmailMultiAlternatives(subject, body, to=[to], headers=headers or {})
    msg.attach_alternative(html, "text/html")
    return msg
