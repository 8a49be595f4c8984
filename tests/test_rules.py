"""Table-driven tests of the red-flag rules against docs/clinical-reference.md; plain pytest."""

from datetime import date

import pytest

from intake.rules import (
    LEG_CHOICES,
    QUESTIONS,
    QUESTIONS_BY_ID,
    RULES,
    RULES_BY_ID,
    SECTIONS,
    TIER_RANK,
    TIERS,
    AnswerError,
    Assessment,
    age_on,
    all_no,
    assess,
    clean_answers,
)

ON = date(2026, 11, 24)

QUESTION_IDS = [
    "date_of_birth",
    "first_episode",
    "pain_score",
    "pain_duration_weeks",
    "bladder_change",
    "bowel_change",
    "saddle_numbness",
    "sexual_change",
    "leg_symptoms",
    "leg_weakness",
    "weakness_worsening",
    "major_trauma",
    "minor_trauma",
    "osteoporosis_or_steroids",
    "chest_pain",
    "abdominal_pain_or_fainting",
    "cancer_history",
    "fever",
    "infection_risk",
    "weight_loss",
    "night_pain",
    "morning_stiffness",
    "better_with_movement",
]

RULE_TIERS = {
    "ces_bladder": "emergency",
    "ces_bowel": "emergency",
    "ces_saddle": "emergency",
    "ces_sexual": "emergency",
    "bilateral_leg": "emergency",
    "progressive_weakness": "emergency",
    "major_trauma": "emergency",
    "chest_pain": "emergency",
    "aaa": "emergency",
    "cancer_neuro": "emergency",
    "unilateral_weakness": "urgent",
    "cancer_history": "urgent",
    "infection": "urgent",
    "weight_loss": "urgent",
    "radicular": "soon",
    "night_pain": "soon",
    "fragility": "soon",
    "age": "soon",
    "inflammatory": "soon",
}

LEG_IDS = {"leg_symptoms", "leg_weakness"}
NOT_RED_FLAG_IDS = {"date_of_birth", "pain_score", "pain_duration_weeks"}
YES_NO_IDS = set(QUESTION_IDS) - LEG_IDS - NOT_RED_FLAG_IDS
SCREEN_IDS = [q for q in QUESTION_IDS if q != "pain_score"]


def born(years_ago: int, days_later: int = 0) -> date:
    """A date of birth `years_ago` years before ON, moved by `days_later` days."""
    birthday = ON.replace(year=ON.year - years_ago)
    return date.fromordinal(birthday.toordinal() + days_later)


AGE_30 = born(30)

# Every fact answered, nothing flagged: a complete, clear screen.
ALL_CLEAR = {
    **{question_id: False for question_id in YES_NO_IDS},
    "date_of_birth": AGE_30,
    "pain_score": 4,
    "pain_duration_weeks": 2,
    "leg_symptoms": "none",
    "leg_weakness": "none",
}


def fired(assessment: Assessment) -> dict:
    return {flag.id: flag for flag in assessment.flags}


# --- The questionnaire and the rule set match the clinical reference ------------------------


def test_questions_are_exactly_the_facts_of_the_reference_in_order():
    assert [q.id for q in QUESTIONS] == QUESTION_IDS
    assert list(QUESTIONS_BY_ID) == QUESTION_IDS


def test_rules_are_exactly_the_flags_of_the_reference_in_order():
    assert [rule.id for rule in RULES] == list(RULE_TIERS)
    assert list(RULES_BY_ID) == list(RULE_TIERS)


def test_each_rule_has_the_tier_of_the_reference():
    assert {rule.id: rule.tier for rule in RULES} == RULE_TIERS


def test_tiers_are_ranked_highest_first():
    assert TIERS == ("emergency", "urgent", "soon", "routine")
    assert TIER_RANK == {"emergency": 0, "urgent": 1, "soon": 2, "routine": 3}


def test_all_no_answers_every_red_flag_fact_no_and_fire_nothing():
    answers = all_no(date_of_birth=AGE_30, pain_score=4, pain_duration_weeks=2)
    assert answers == ALL_CLEAR
    assert all_no(bowel_change=None, pain_score=4)["bowel_change"] is None  # left unanswered
    verdict = assess(answers, ON)
    assert (verdict.urgency, verdict.flags, verdict.unanswered) == ("routine", (), ())


def test_yes_no_and_leg_facts_are_the_red_flag_facts():
    assert {q.id for q in QUESTIONS if q.red_flag} == YES_NO_IDS | LEG_IDS


@pytest.mark.parametrize(
    ("question_id", "kind"),
    [
        ("date_of_birth", "date"),
        ("pain_score", "score"),
        ("pain_duration_weeks", "weeks"),
        ("leg_symptoms", "leg"),
        ("leg_weakness", "leg"),
        *[(question_id, "yesno") for question_id in sorted(YES_NO_IDS)],
    ],
)
def test_each_question_has_its_kind(question_id, kind):
    assert QUESTIONS_BY_ID[question_id].kind == kind


def test_every_question_has_plain_text_and_a_known_section():
    section_ids = [section_id for section_id, _ in SECTIONS]
    for question in QUESTIONS:
        assert question.text.endswith("?"), question.id
        assert question.section in section_ids, question.id


def test_questions_are_grouped_by_section_in_section_order():
    section_ids = [section_id for section_id, _ in SECTIONS]
    order = [section_ids.index(q.section) for q in QUESTIONS]
    assert order == sorted(order)
    assert set(order) == set(range(len(SECTIONS)))


def test_bladder_question_names_every_kind_of_bladder_change():
    question = QUESTIONS_BY_ID["bladder_change"]
    wording = f"{question.text} {question.help}".lower()
    for words in ("starting", "stopping", "controlling", "less feeling", "full", "leaking"):
        assert words in wording


def test_leg_choices_are_none_one_both():
    assert LEG_CHOICES == ("none", "one", "both")


def test_every_rule_has_a_reason_and_a_source():
    for rule in RULES:
        assert rule.reason and rule.source, rule.id
        assert set(rule.facts) <= set(QUESTION_IDS), rule.id


def test_rules_read_every_fact_but_the_pain_score():
    assert {fact for rule in RULES for fact in rule.facts} == set(SCREEN_IDS)


# --- Each rule fires, with its tier, naming the answers that raised it ---------------------

FIRES = [
    # (rule id, answers, the answers the flag must name)
    ("ces_bladder", {"bladder_change": True}, ("bladder_change",)),
    ("ces_bowel", {"bowel_change": True}, ("bowel_change",)),
    ("ces_saddle", {"saddle_numbness": True}, ("saddle_numbness",)),
    ("ces_sexual", {"sexual_change": True}, ("sexual_change",)),
    ("bilateral_leg", {"leg_symptoms": "both"}, ("leg_symptoms",)),
    ("bilateral_leg", {"leg_symptoms": "one", "leg_weakness": "both"}, ("leg_weakness",)),
    (
        "bilateral_leg",
        {"leg_symptoms": "both", "leg_weakness": "both"},
        ("leg_symptoms", "leg_weakness"),
    ),
    (
        "progressive_weakness",
        {"leg_weakness": "one", "weakness_worsening": True},
        ("leg_weakness", "weakness_worsening"),
    ),
    (
        "progressive_weakness",
        {"leg_weakness": "both", "weakness_worsening": True},
        ("leg_weakness", "weakness_worsening"),
    ),
    ("major_trauma", {"major_trauma": True}, ("major_trauma",)),
    ("chest_pain", {"chest_pain": True}, ("chest_pain",)),
    (
        "aaa",
        {"date_of_birth": born(51), "abdominal_pain_or_fainting": True},
        ("date_of_birth", "abdominal_pain_or_fainting"),
    ),
    (
        "cancer_neuro",
        {"cancer_history": True, "leg_symptoms": "one"},
        ("leg_symptoms", "cancer_history"),
    ),
    (
        "cancer_neuro",
        {"cancer_history": True, "leg_weakness": "both", "leg_symptoms": "none"},
        ("leg_weakness", "cancer_history"),
    ),
    (
        "cancer_neuro",
        {"cancer_history": True, "bladder_change": True},
        ("bladder_change", "cancer_history"),
    ),
    (
        "cancer_neuro",
        {"cancer_history": True, "bowel_change": True, "bladder_change": False},
        ("bowel_change", "cancer_history"),
    ),
    (
        "cancer_neuro",
        {"cancer_history": True, "bladder_change": True, "leg_symptoms": "both"},
        ("bladder_change", "leg_symptoms", "cancer_history"),
    ),
    ("unilateral_weakness", {"leg_weakness": "one"}, ("leg_weakness",)),
    ("cancer_history", {"cancer_history": True}, ("cancer_history",)),
    ("infection", {"fever": True}, ("fever",)),
    ("infection", {"fever": False, "infection_risk": True}, ("infection_risk",)),
    ("infection", {"fever": True, "infection_risk": True}, ("fever", "infection_risk")),
    ("weight_loss", {"weight_loss": True}, ("weight_loss",)),
    ("radicular", {"leg_symptoms": "one"}, ("leg_symptoms",)),
    ("night_pain", {"night_pain": True}, ("night_pain",)),
    (
        "fragility",
        {"minor_trauma": True, "osteoporosis_or_steroids": True},
        ("minor_trauma", "osteoporosis_or_steroids"),
    ),
    (
        "age",
        {"first_episode": True, "date_of_birth": born(19)},
        ("date_of_birth", "first_episode"),
    ),
    (
        "age",
        {"first_episode": True, "date_of_birth": born(51)},
        ("date_of_birth", "first_episode"),
    ),
    (
        "inflammatory",
        {
            "date_of_birth": born(44),
            "pain_duration_weeks": 13,
            "morning_stiffness": True,
            "better_with_movement": True,
        },
        ("date_of_birth", "pain_duration_weeks", "morning_stiffness", "better_with_movement"),
    ),
]


@pytest.mark.parametrize(
    ("rule_id", "answers", "named"),
    [pytest.param(*case, id=f"{case[0]}-is-{RULE_TIERS[case[0]]}") for case in FIRES],
)
def test_rule_fires_at_its_tier_and_names_the_answers_that_raised_it(rule_id, answers, named):
    flag = fired(assess(answers, ON))[rule_id]

    assert flag.tier == RULE_TIERS[rule_id]
    assert flag.facts == named
    assert flag.reason == RULES_BY_ID[rule_id].reason
    assert flag.source == RULES_BY_ID[rule_id].source


def test_every_rule_has_a_firing_case():
    assert {case[0] for case in FIRES} == set(RULE_TIERS)


@pytest.mark.parametrize(
    ("rule_id", "answers"),
    [pytest.param(rule_id, answers, id=rule_id) for rule_id, answers, _ in FIRES],
)
def test_rule_also_fires_when_every_other_answer_is_clear(rule_id, answers):
    assert rule_id in fired(assess({**ALL_CLEAR, **answers}, ON))


def test_bladder_change_is_an_emergency_on_its_own():
    result = assess({**ALL_CLEAR, "bladder_change": True}, ON)

    assert result.urgency == "emergency"
    assert [flag.id for flag in result.flags] == ["ces_bladder"]


# --- ... and does not fire when the fact is "no" or unanswered -----------------------------

DOES_NOT_FIRE = [
    ("ces_bladder", {"bladder_change": False}),
    ("ces_bladder", {}),
    ("ces_bladder", {"bladder_change": None}),
    ("ces_bowel", {"bowel_change": False}),
    ("ces_bowel", {}),
    ("ces_saddle", {"saddle_numbness": False}),
    ("ces_saddle", {}),
    ("ces_sexual", {"sexual_change": False}),
    ("ces_sexual", {}),
    ("bilateral_leg", {"leg_symptoms": "one", "leg_weakness": "one"}),
    ("bilateral_leg", {"leg_symptoms": "none", "leg_weakness": "none"}),
    ("bilateral_leg", {}),
    ("progressive_weakness", {"leg_weakness": "one", "weakness_worsening": False}),
    ("progressive_weakness", {"leg_weakness": "none", "weakness_worsening": True}),
    ("progressive_weakness", {"weakness_worsening": True}),
    ("progressive_weakness", {"leg_weakness": "both"}),
    ("major_trauma", {"major_trauma": False}),
    ("major_trauma", {"minor_trauma": True}),
    ("major_trauma", {}),
    ("chest_pain", {"chest_pain": False}),
    ("chest_pain", {}),
    ("aaa", {"date_of_birth": born(51), "abdominal_pain_or_fainting": False}),
    ("aaa", {"date_of_birth": born(51)}),
    ("aaa", {"date_of_birth": born(50), "abdominal_pain_or_fainting": True}),
    ("aaa", {"abdominal_pain_or_fainting": True}),
    ("cancer_neuro", {"cancer_history": False, "leg_symptoms": "both", "bladder_change": True}),
    ("cancer_neuro", {"leg_symptoms": "one", "bowel_change": True}),
    (
        "cancer_neuro",
        {
            "cancer_history": True,
            "leg_symptoms": "none",
            "leg_weakness": "none",
            "bladder_change": False,
            "bowel_change": False,
        },
    ),
    ("cancer_neuro", {"cancer_history": True}),
    ("unilateral_weakness", {"leg_weakness": "none"}),
    ("unilateral_weakness", {"leg_weakness": "both"}),
    ("unilateral_weakness", {"leg_symptoms": "one"}),
    ("unilateral_weakness", {}),
    ("cancer_history", {"cancer_history": False}),
    ("cancer_history", {}),
    ("infection", {"fever": False, "infection_risk": False}),
    ("infection", {}),
    ("weight_loss", {"weight_loss": False}),
    ("weight_loss", {}),
    ("radicular", {"leg_symptoms": "none"}),
    ("radicular", {"leg_symptoms": "both"}),
    ("radicular", {"leg_weakness": "one"}),
    ("radicular", {}),
    ("night_pain", {"night_pain": False}),
    ("night_pain", {}),
    ("fragility", {"minor_trauma": True, "osteoporosis_or_steroids": False}),
    ("fragility", {"minor_trauma": False, "osteoporosis_or_steroids": True}),
    ("fragility", {"minor_trauma": True}),
    ("fragility", {"osteoporosis_or_steroids": True}),
    ("age", {"first_episode": False, "date_of_birth": born(19)}),
    ("age", {"first_episode": True, "date_of_birth": born(30)}),
    ("age", {"first_episode": True}),
    ("age", {"date_of_birth": born(70)}),
    (
        "inflammatory",
        {
            "date_of_birth": born(44),
            "pain_duration_weeks": 13,
            "morning_stiffness": False,
            "better_with_movement": True,
        },
    ),
    (
        "inflammatory",
        {
            "date_of_birth": born(44),
            "pain_duration_weeks": 13,
            "morning_stiffness": True,
            "better_with_movement": False,
        },
    ),
    (
        "inflammatory",
        {"pain_duration_weeks": 13, "morning_stiffness": True, "better_with_movement": True},
    ),
    (
        "inflammatory",
        {"date_of_birth": born(44), "morning_stiffness": True, "better_with_movement": True},
    ),
    ("inflammatory", {"date_of_birth": born(44), "pain_duration_weeks": 13}),
]


@pytest.mark.parametrize(
    ("rule_id", "answers"),
    [pytest.param(*case, id=case[0]) for case in DOES_NOT_FIRE],
)
def test_rule_does_not_fire_on_no_or_unanswered_facts(rule_id, answers):
    assert rule_id not in fired(assess(answers, ON))


def test_every_rule_has_cases_where_it_does_not_fire():
    assert {case[0] for case in DOES_NOT_FIRE} == set(RULE_TIERS)


@pytest.mark.parametrize("rule_id", list(RULE_TIERS))
def test_no_rule_fires_on_a_clear_screen(rule_id):
    assert rule_id not in fired(assess(ALL_CLEAR, ON))


# --- Age boundaries ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dob", "on", "age"),
    [
        (date(1975, 11, 23), ON, 51),  # birthday yesterday
        (date(1975, 11, 24), ON, 51),  # birthday today
        (date(1975, 11, 25), ON, 50),  # birthday tomorrow
        (date(2000, 2, 29), date(2026, 2, 28), 25),
        (date(2000, 2, 29), date(2026, 3, 1), 26),
        (date(2000, 2, 29), date(2028, 2, 28), 27),
        (date(2000, 2, 29), date(2028, 2, 29), 28),
        (date(2026, 11, 24), ON, 0),
    ],
)
def test_age_is_whole_years_on_the_day(dob, on, age):
    assert age_on(dob, on) == age


def test_age_of_someone_not_yet_born_is_an_error():
    with pytest.raises(ValueError, match="after"):
        age_on(date(2026, 11, 25), ON)


@pytest.mark.parametrize(
    ("dob", "fires"),
    [
        (born(51, days_later=-1), True),
        (born(51), True),
        (born(51, days_later=1), False),  # 51 tomorrow: still 50
        (born(50), False),
        (born(80), True),
    ],
)
def test_aaa_needs_age_over_50(dob, fires):
    answers = {"date_of_birth": dob, "abdominal_pain_or_fainting": True}
    assert ("aaa" in fired(assess(answers, ON))) is fires


@pytest.mark.parametrize(
    ("on", "fires"),
    [(date(2027, 2, 28), False), (date(2027, 3, 1), True)],
)
def test_aaa_for_a_29_february_birthday_starts_on_1_march(on, fires):
    answers = {"date_of_birth": date(1976, 2, 29), "abdominal_pain_or_fainting": True}
    assert ("aaa" in fired(assess(answers, on))) is fires


@pytest.mark.parametrize(
    ("dob", "fires"),
    [
        (born(16), True),
        (born(19), True),
        (born(20, days_later=1), True),  # 20 tomorrow: still 19
        (born(20), False),
        (born(50), False),
        (born(51, days_later=1), False),
        (born(51), True),
    ],
)
def test_first_episode_flags_age_under_20_or_over_50(dob, fires):
    answers = {"first_episode": True, "date_of_birth": dob}
    assert ("age" in fired(assess(answers, ON))) is fires


INFLAMMATORY = {"pain_duration_weeks": 13, "morning_stiffness": True, "better_with_movement": True}


@pytest.mark.parametrize(
    ("dob", "fires"),
    [
        (born(44), True),
        (born(45, days_later=1), True),  # 45 tomorrow: still 44
        (born(45), False),
        (born(45, days_later=-1), False),
    ],
)
def test_inflammatory_needs_age_under_45(dob, fires):
    answers = {**INFLAMMATORY, "date_of_birth": dob}
    assert ("inflammatory" in fired(assess(answers, ON))) is fires


@pytest.mark.parametrize(("weeks", "fires"), [(0, False), (12, False), (13, True), (520, True)])
def test_inflammatory_needs_pain_over_12_weeks(weeks, fires):
    answers = {**INFLAMMATORY, "date_of_birth": born(30), "pain_duration_weeks": weeks}
    assert ("inflammatory" in fired(assess(answers, ON))) is fires


def test_assess_rejects_a_birth_date_after_the_day_of_assessment():
    with pytest.raises(AnswerError) as error:
        assess({"date_of_birth": date(2026, 11, 25)}, ON)
    assert error.value.question_id == "date_of_birth"


# --- Urgency and reporting -----------------------------------------------------------------


def test_urgency_is_the_highest_tier_and_every_flag_is_reported_in_tier_order():
    answers = {
        **ALL_CLEAR,
        "night_pain": True,
        "leg_symptoms": "one",
        "fever": True,
        "bladder_change": True,
    }

    result = assess(answers, ON)

    assert result.urgency == "emergency"
    assert [(flag.id, flag.tier) for flag in result.flags] == [
        ("ces_bladder", "emergency"),
        ("infection", "urgent"),
        ("radicular", "soon"),
        ("night_pain", "soon"),
    ]


@pytest.mark.parametrize(
    ("overrides", "urgency"),
    [
        ({}, "routine"),
        ({"night_pain": True}, "soon"),
        ({"night_pain": True, "weight_loss": True}, "urgent"),
        ({"night_pain": True, "weight_loss": True, "chest_pain": True}, "emergency"),
        ({"leg_weakness": "one"}, "urgent"),
        ({"leg_weakness": "one", "weakness_worsening": True}, "emergency"),
    ],
)
def test_urgency_is_the_highest_tier_fired(overrides, urgency):
    assert assess({**ALL_CLEAR, **overrides}, ON).urgency == urgency


def test_past_cancer_with_leg_symptoms_reports_each_flag_it_raises():
    result = assess({**ALL_CLEAR, "cancer_history": True, "leg_symptoms": "one"}, ON)

    assert [flag.id for flag in result.flags] == ["cancer_neuro", "cancer_history", "radicular"]


def test_a_clear_complete_screen_is_routine_and_complete():
    result = assess(ALL_CLEAR, ON)

    assert result.urgency == "routine"
    assert result.flags == ()
    assert result.unanswered == ()
    assert result.screen_incomplete is False


def test_empty_answers_are_routine_but_the_screen_is_incomplete():
    result = assess({}, ON)

    assert result.urgency == "routine"
    assert result.flags == ()
    assert result.unanswered == tuple(QUESTION_IDS)
    assert result.screen_incomplete is True


@pytest.mark.parametrize("question_id", SCREEN_IDS)
def test_an_unanswered_screen_fact_marks_the_screen_incomplete(question_id):
    answers = {**ALL_CLEAR, question_id: None}

    result = assess(answers, ON)

    assert result.unanswered == (question_id,)
    assert result.screen_incomplete is True


def test_an_unanswered_pain_score_leaves_the_screen_complete():
    answers = dict(ALL_CLEAR)
    del answers["pain_score"]

    result = assess(answers, ON)

    assert result.unanswered == ("pain_score",)
    assert result.screen_incomplete is False


def test_unanswered_facts_are_listed_in_questionnaire_order():
    result = assess({"weight_loss": False, "bladder_change": True}, ON)

    assert "bladder_change" not in result.unanswered
    assert "weight_loss" not in result.unanswered
    assert list(result.unanswered) == [
        q for q in QUESTION_IDS if q not in ("weight_loss", "bladder_change")
    ]
    assert result.urgency == "emergency"
    assert result.screen_incomplete is True


def test_assessment_records_the_ruleset_version():
    from intake.rules import RULESET_VERSION

    assert assess({}, ON).ruleset_version == RULESET_VERSION


def test_as_dict_has_exactly_the_reported_fields():
    result = assess({"chest_pain": True}, ON).as_dict()

    assert list(result) == ["urgency", "flags", "unanswered"]
    assert result["urgency"] == "emergency"
    assert result["flags"] == [
        {
            "id": "chest_pain",
            "tier": "emergency",
            "reason": RULES_BY_ID["chest_pain"].reason,
            "source": RULES_BY_ID["chest_pain"].source,
        }
    ]
    assert result["unanswered"] == [q for q in QUESTION_IDS if q != "chest_pain"]


def test_assess_rejects_answers_that_are_not_clean():
    # "yes" must never read as "no": a malformed answer is an error, not a missing flag.
    with pytest.raises(AnswerError):
        assess({"bladder_change": "yes"}, ON)


# --- clean_answers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "question_id"),
    [
        pytest.param({"back_pain": True}, "back_pain", id="unknown-id"),
        pytest.param({"bladder_change": "yes"}, "bladder_change", id="yes-string"),
        pytest.param({"bladder_change": 1}, "bladder_change", id="one-for-yes"),
        pytest.param({"bladder_change": 0}, "bladder_change", id="zero-for-no"),
        pytest.param({"pain_score": True}, "pain_score", id="true-pain-score"),
        pytest.param({"pain_score": 11}, "pain_score", id="pain-score-11"),
        pytest.param({"pain_score": -1}, "pain_score", id="pain-score-minus-1"),
        pytest.param({"pain_score": 4.5}, "pain_score", id="pain-score-fraction"),
        pytest.param({"pain_score": "4"}, "pain_score", id="pain-score-string"),
        pytest.param({"pain_duration_weeks": -1}, "pain_duration_weeks", id="weeks-negative"),
        pytest.param({"pain_duration_weeks": 5201}, "pain_duration_weeks", id="weeks-too-many"),
        pytest.param({"pain_duration_weeks": False}, "pain_duration_weeks", id="weeks-false"),
        pytest.param({"leg_symptoms": "left"}, "leg_symptoms", id="leg-left"),
        pytest.param({"leg_weakness": True}, "leg_weakness", id="leg-true"),
        pytest.param({"date_of_birth": "24/11/1980"}, "date_of_birth", id="dob-not-iso"),
        pytest.param({"date_of_birth": "1980-13-01"}, "date_of_birth", id="dob-month-13"),
        pytest.param({"date_of_birth": "1981-02-29"}, "date_of_birth", id="dob-no-29-feb"),
        pytest.param({"date_of_birth": "19801124"}, "date_of_birth", id="dob-compact"),
        pytest.param({"date_of_birth": "1800-01-01"}, "date_of_birth", id="dob-year-1800"),
        pytest.param({"date_of_birth": 1980}, "date_of_birth", id="dob-number"),
    ],
)
def test_clean_answers_rejects(raw, question_id):
    with pytest.raises(AnswerError) as error:
        clean_answers(raw)

    assert error.value.question_id == question_id
    assert question_id in str(error.value)


def test_clean_answers_rejects_something_that_is_not_an_object():
    with pytest.raises(AnswerError) as error:
        clean_answers(["bladder_change"])

    assert error.value.question_id is None


def test_clean_answers_message_says_what_is_expected():
    with pytest.raises(AnswerError) as error:
        clean_answers({"bladder_change": "yes"})

    assert str(error.value) == "bladder_change must be true or false"


def test_clean_answers_leaves_none_out_as_unanswered():
    assert clean_answers({"bladder_change": None, "leg_symptoms": None}) == {}


def test_clean_answers_turns_an_iso_date_string_into_a_date():
    assert clean_answers({"date_of_birth": "1980-02-29"}) == {"date_of_birth": date(1980, 2, 29)}


def test_clean_answers_keeps_good_python_values():
    assert clean_answers(ALL_CLEAR) == ALL_CLEAR


@pytest.mark.parametrize(
    ("question_id", "value"),
    [
        ("bladder_change", True),
        ("bladder_change", False),
        ("pain_score", 0),
        ("pain_score", 10),
        ("pain_duration_weeks", 0),
        ("pain_duration_weeks", 5200),
        ("leg_symptoms", "none"),
        ("leg_symptoms", "one"),
        ("leg_symptoms", "both"),
        ("date_of_birth", date(1900, 1, 1)),
    ],
)
def test_clean_answers_accepts(question_id, value):
    assert clean_answers({question_id: value}) == {question_id: value}
