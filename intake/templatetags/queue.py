"""The triage queue's markup printed in Python: `{% queue_rows rows %}` for the rows of the
pinned emergencies and of the queue, `{% filter_field field %}` and `{% filter_checkboxes field %}`
for the filters above them.

These are the queue page's hot loops: 50 rows of a dozen values, 17 filter inputs. In the template
language every value costs a variable lookup, a filter and an escape, and that was most of the
page's time. Here each piece is one format over values ready to print, every value escaped as
autoescape would (html.escape, which django.utils.html.escape calls; `printed` for anything but
plain text), and the markup is what the templates printed, byte for byte.
"""

from html import escape

from django import template
from django.template.defaulttags import CsrfTokenNode
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from clinic.form_widgets import printed

register = template.Library()

ROW = """<tr class="{breached}" data-case="{pk}">
  <td><a class="fw-semibold" href="{url}">{name}</a></td>
  <td>{age}</td>
  <td><span class="badge tier-{tier}">{tier_label}</span></td>
  <td>{flags}{screen_incomplete}</td>
  <td>{source}</td>
  <td class="text-nowrap">{waiting}
    <div class="small {target_class}">{target}</div></td>
  <td>{assigned}</td>
  <td>{status}
    {acknowledge}</td>
</tr>
"""
FLAG = '<span class="badge flag-label tier-{}">{}</span> '
SCREEN_INCOMPLETE = '<span class="badge text-bg-dark">screen incomplete</span>'
ACKNOWLEDGE = (
    '<form method="post" action="{}">{}<input type="hidden" name="version" value="{}">'
    '<button class="btn btn-danger btn-sm">Acknowledge</button></form>'
)
NOBODY = "—"  # no age, nobody assigned


def target(row):
    if row["target_met"]:
        return "target met"
    if row["target_due"]:
        missed = "target missed, was due" if row["breached"] else "due"
        return f"{missed} {escape(row['target_due'])}"
    return ""


def breached(row):
    if not row["breached"]:
        return ""
    # A pinned emergency's row is red already; in the queue a missed target turns a row amber.
    return "queue-breached" if row["acknowledge"] else "queue-breached table-warning"


def row_html(row, csrf_input):
    """One row; every value from the row is escaped."""
    acknowledge = ""
    if row["acknowledge"]:
        url, version = escape(row["acknowledge_url"]), escape(row["version"])
        acknowledge = ACKNOWLEDGE.format(url, csrf_input, version)
    return ROW.format(
        breached=breached(row),
        pk=escape(row["pk"]),
        url=escape(row["url"]),
        name=escape(row["name"]),
        age=NOBODY if row["age"] is None else escape(row["age"]),
        tier=escape(row["tier"]),
        tier_label=escape(row["tier_label"]),
        flags="".join(FLAG.format(escape(tier), escape(label)) for label, tier in row["flags"]),
        screen_incomplete=SCREEN_INCOMPLETE if row["screen_incomplete"] else "",
        source=escape(row["source"]),
        waiting=escape(row["waiting"]),
        target_class="text-danger fw-semibold" if row["breached"] else "text-body-secondary",
        target=target(row),
        assigned=NOBODY if row["assigned"] is None else escape(row["assigned"]),
        status=escape(row["status"]),
        acknowledge=acknowledge,
    )


@register.simple_tag(takes_context=True)
def queue_rows(context, rows):
    """The rows prepared by intake.queue_data.queue_rows."""
    csrf_input = CsrfTokenNode().render(context)  # what {% csrf_token %} prints on this page
    # Every value in every row was escaped above, so the rows are safe to print as they are.
    return mark_safe("".join(row_html(row, csrf_input) for row in rows))  # noqa: S308


# --- The filters ---------------------------------------------------------------------------------


def errors_html(field):
    """{% if field.errors %}<div ...>{{ field.errors|join:" " }}</div>{% endif %}"""
    if not field.errors:
        return ""
    errors = " ".join(conditional_escape(error) for error in field.errors)
    return f'<div class="invalid-feedback d-block">{errors}</div>'


@register.simple_tag
def filter_field(field):
    """A label, the input, and the field's errors."""
    label = f'<label class="form-label small mb-0" for="{printed(field.id_for_label)}">'
    # str(field) is Django's rendering of the widget, already escaped.
    html = f"{label}{printed(field.label)}</label>\n{field}\n{errors_html(field)}\n"
    return mark_safe(html)  # noqa: S308 (every value escaped above)


@register.simple_tag
def filter_checkboxes(field):
    """A line of inline checkboxes, one per choice, and the field's errors."""
    boxes = "".join(
        f'<div class="form-check form-check-inline">{box.tag()}'
        f'<label class="form-check-label small" for="{printed(box.id_for_label)}">'
        f"{printed(box.choice_label)}</label></div>"
        for box in field
    )
    return mark_safe(f"<div>{boxes}</div>\n{errors_html(field)}\n")  # noqa: S308 (escaped)
