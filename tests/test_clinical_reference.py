"""docs/clinical-reference.md and intake/rules.py say the same thing; plain pytest, no Django.

The reference is what a clinician reviews and what the rules are written from, so a question or
a rule that is in one and not the other, or a tier or a source that differs, fails here.
"""

import re
from pathlib import Path

from intake import rules

REFERENCE = Path(__file__).resolve().parent.parent / "docs" / "clinical-reference.md"


def table(heading: str) -> list[dict[str, str]]:
    """The rows of the first table under `## heading`, as {column: cell} with `code` unwrapped."""
    text = REFERENCE.read_text(encoding="utf-8")
    section = text.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
    lines = [line for line in section.splitlines() if line.startswith("|")]
    header, _rule, *body = lines

    def cells(line):
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        return [c[1:-1] if re.fullmatch(r"`[^`]*`", c) else c for c in cells]

    return [dict(zip(cells(header), cells(line), strict=True)) for line in body]


def test_the_reference_lists_every_question_in_order_with_its_kind():
    questions = table("The questions")
    assert [row["id"] for row in questions] == [q.id for q in rules.QUESTIONS]
    assert {row["id"]: row["kind"] for row in questions} == {q.id: q.kind for q in rules.QUESTIONS}
    assert all(row["what it asks"] for row in questions)


def test_the_reference_lists_every_rule_in_order_with_its_tier_and_sources():
    flags = table("The rules")
    assert [row["flag"] for row in flags] == [rule.id for rule in rules.RULES]
    for row in flags:
        rule = rules.RULES_BY_ID[row["flag"]]
        assert row["tier"] == rule.tier, rule.id
        assert row["sources"] == rule.source, rule.id


def test_every_rule_says_what_it_may_point_to_and_when_it_fires_in_its_own_facts():
    for row in table("The rules"):
        rule = rules.RULES_BY_ID[row["flag"]]
        assert row["may point to"], rule.id
        named = set(re.findall(r"`([a-z_]+)`", row["fires when"]))
        # "age" is the age computed from date_of_birth, written as a word, not an id.
        assert named == set(rule.facts) - {"date_of_birth"}, rule.id


def test_the_reference_gives_the_tiers_highest_first():
    assert tuple(row["tier"] for row in table("Urgency tiers")) == rules.TIERS


def test_the_reference_gives_the_limit_on_weeks_of_pain():
    text = REFERENCE.read_text(encoding="utf-8")
    assert f"from 0 to {rules.MAX_PAIN_DURATION_WEEKS}" in text


def test_nothing_in_the_project_points_outside_it_for_the_clinical_reference():
    root = REFERENCE.parent.parent
    outside = "shared/" + "clinical.md"
    places = [root / "README.md"]
    for folder in ("clinic", "intake", "followup", "tests", "docs", "templates"):
        places += [p for p in (root / folder).rglob("*") if p.suffix in (".py", ".md", ".html")]
    for path in places:
        assert outside not in path.read_text(encoding="utf-8"), path
