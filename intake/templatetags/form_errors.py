"""The error summary at the top of a refused form: how many, and a link to each field."""

from django import forms, template

from intake.forms import TOPICS

register = template.Library()

# Fields whose own messages already say what they are about.
SELF_NAMING = {*TOPICS, "first_name", "last_name", "email", "phone"}


@register.simple_tag
def error_summary(form):
    """[(anchor id, text)] for each error of `form`, in the order of its fields; the form's
    own errors (not of one field) first, without a link."""
    items = [(None, str(error)) for error in form.non_field_errors()]
    for field in form:
        if not field.errors:
            continue
        widget = field.field.widget
        if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
            anchor = f"{field.auto_id}_0"  # the group's first choice
        else:
            anchor = field.id_for_label
        for error in field.errors:
            text = str(error) if field.name in SELF_NAMING else f"{field.label}: {error}"
            items.append((anchor, text))
    return items
