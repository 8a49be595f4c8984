"""The email backend of `EMAIL_URL=consolemail://` (make run): each email printed as a person
reads it, the headers that matter and the plain-text body decoded, so that every link is whole
and can be copied. Django's own console backend prints the raw MIME message, whose
quoted-printable body breaks long links across lines with "=": copied, they gave a 404 or
"expired". The HTML version is named, not printed; `EMAIL_URL=filemail:///some/folder` keeps
whole messages as files.
"""

from django.core.mail.backends import console

SHOWN_HEADERS = ("Date", "From", "To", "Cc", "Subject", "Message-ID", "List-Unsubscribe")
RULE = "-" * 72


class EmailBackend(console.EmailBackend):
    def write_message(self, message):
        msg = message.message()
        lines = [RULE]
        lines += [f"{name}: {msg[name]}" for name in SHOWN_HEADERS if msg[name]]
        text = msg.get_body(("plain",))
        html = msg.get_body(("html",))
        lines.append("")
        lines.append(text.get_content().rstrip("\n") if text is not None else "(no plain text)")
        if html is not None:
            size = len(html.get_content())
            lines += ["", f"(and an HTML version, {size:,} characters, not shown here)"]
        lines.append(RULE)
        # One write: the Celery worker logs what a task prints, one record per write.
        self.stream.write("\n".join(lines) + "\n")
