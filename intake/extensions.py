"""Where other apps add to intake's case page without intake knowing them.

An app (follow-up, say) registers a panel template, rendered in the case page's side column
with the case page's context, and templates for the timeline events of the kinds it writes.
Registration happens in the app's AppConfig.ready(), so intake never imports it.
"""

CASE_PANELS: list[str] = []
EVENT_TEMPLATES: dict[str, str] = {}


def add_case_panel(template_name: str) -> None:
    if template_name not in CASE_PANELS:
        CASE_PANELS.append(template_name)


def add_event_template(kind: str, template_name: str) -> None:
    EVENT_TEMPLATES[kind] = template_name
