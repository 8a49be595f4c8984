"""A change to what the rules decide must come with a new rule-set version.

Every stored response keeps the version of the rules that judged it, so staff can tell which
verdicts came from which rules. That record is only worth something if the version changes
whenever the rules do: this test runs the rules over a fixed sample of answers, takes a
fingerprint of everything they decide (urgency, flags, the answers named, reasons, sources),
and compares it with the fingerprint recorded for the current RULESET_VERSION.

Changed the rules on purpose? Bump RULESET_VERSION in intake/rules.py, then add a line for the
new version below with the fingerprint this test prints. Never edit an existing line.
"""

import hashlib
import json
import random
from datetime import date

from intake import rules

FINGERPRINTS = {
    "2026.12.1": "b67117df8b6d4031b2f9d3b7155eea66aa407c446dd2fd4d508035b42ae3f264",
}

ON = date(2026, 11, 24)
AGES = (15, 19, 20, 44, 45, 50, 51, 80)
WEEKS = (0, 12, 13)


def sample_answers():
    """Every single and every pair of "yes"/leg answers, at several ages, then random sets."""
    positive = [
        (q.id, value)
        for q in rules.QUESTIONS
        if q.kind in ("yesno", "leg")
        for value in ((True,) if q.kind == "yesno" else ("one", "both"))
    ]
    for i, first in enumerate(positive):
        for second in positive[i:]:
            for age in AGES:
                yield {
                    **dict([first, second]),
                    "date_of_birth": date(ON.year - age - 1, 12, 31),
                    "pain_duration_weeks": WEEKS[(i + age) % len(WEEKS)],
                }
    draw = random.Random(20261124)
    for _ in range(3000):
        answers = {}
        for question in rules.QUESTIONS:
            if draw.random() < 0.15:
                continue  # unanswered
            match question.kind:
                case "yesno":
                    answers[question.id] = draw.random() < 0.3
                case "leg":
                    answers[question.id] = draw.choice(rules.LEG_CHOICES)
                case "date":
                    answers[question.id] = date(ON.year - draw.choice(AGES) - 1, 12, 31)
                case "score":
                    answers[question.id] = draw.randint(0, 10)
                case "weeks":
                    answers[question.id] = draw.choice(WEEKS)
        yield answers


def fingerprint():
    digest = hashlib.sha256()
    for rule in rules.RULES:
        digest.update(
            json.dumps([rule.id, rule.tier, rule.reason, rule.source, rule.facts]).encode()
        )
    for answers in sample_answers():
        verdict = rules.assess(answers, ON)
        flags = [(flag.id, flag.tier, flag.facts) for flag in verdict.flags]
        digest.update(json.dumps([verdict.urgency, flags, verdict.unanswered]).encode())
    return digest.hexdigest()


def test_the_rules_decide_what_their_version_says():
    current = fingerprint()
    recorded = FINGERPRINTS.get(rules.RULESET_VERSION)
    assert recorded is not None, (
        f"rule-set version {rules.RULESET_VERSION} has no recorded fingerprint: add "
        f'"{rules.RULESET_VERSION}": "{current}" to FINGERPRINTS'
    )
    assert current == recorded, (
        "the rules decide differently from what version "
        f"{rules.RULESET_VERSION} decided: bump RULESET_VERSION and record {current}"
    )
