"""The answers that fire an emergency, worked out from the rules for the form's script."""

import random
from datetime import date

from intake import rules

ON = date(2026, 12, 1)


def matches(trigger, answers):
    """What static/js/intake.js does: every answer of the trigger given, and the birth date in
    range when the trigger has one."""
    for question_id, value in trigger["answers"].items():
        given = answers.get(question_id)
        if (True if value == "yes" else value) != given:
            return False
    born = trigger.get("born")
    if born:
        dob = answers.get("date_of_birth")
        if dob is None:
            return False
        if "from" in born and dob < date.fromisoformat(born["from"]):
            return False
        if "to" in born and dob > date.fromisoformat(born["to"]):
            return False
    return True


def test_single_emergency_answers_are_listed_on_their_own():
    singles = [t["answers"] for t in rules.emergency_triggers(ON) if len(t["answers"]) == 1]
    for question_id in ("bladder_change", "bowel_change", "saddle_numbness", "sexual_change"):
        assert {question_id: "yes"} in singles
    assert {"leg_symptoms": "both"} in singles
    assert {"leg_symptoms": "one"} not in singles  # sciatica in one leg is "soon"


def test_pairs_and_ages_come_from_the_rules():
    triggers = rules.emergency_triggers(ON)
    assert {"answers": {"leg_weakness": "one", "weakness_worsening": "yes"}} in triggers
    assert {
        "answers": {"abdominal_pain_or_fainting": "yes"},
        "born": {"to": "1975-12-01"},  # 51 or more on 1 December 2026
    } in triggers


def test_every_emergency_is_caught_and_nothing_else():
    """On thousands of random answer sets: the triggers match exactly when assess() says
    emergency."""
    draw = random.Random(8)
    triggers = rules.emergency_triggers(ON)
    emergencies = 0
    for _ in range(5000):
        answers = {}
        for question in rules.QUESTIONS:
            if draw.random() < 0.2:
                continue
            if question.kind == "yesno":
                answers[question.id] = draw.random() < 0.12
            elif question.kind == "leg":
                answers[question.id] = draw.choice(rules.LEG_CHOICES)
            elif question.kind == "date":
                answers[question.id] = date(ON.year - draw.randint(16, 100), 12, draw.randint(1, 2))
        emergency = rules.assess(answers, ON).urgency == "emergency"
        emergencies += emergency
        assert any(matches(t, answers) for t in triggers) == emergency, answers
    assert emergencies > 500  # the sample really tried emergencies
