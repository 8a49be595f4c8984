"""Tests of `manage.py assess`, run as a real process: JSON in on stdin, JSON or one error out."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from intake.rules import QUESTIONS, RULES_BY_ID, RULESET_VERSION, all_no

ROOT = Path(__file__).resolve().parent.parent
ALL_IDS = [q.id for q in QUESTIONS]


def run(stdin: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "clinic.settings.test"}
    return subprocess.run(
        [sys.executable, "manage.py", "assess", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
        check=False,
    )


def assess_json(answers: object, on: str = "2026-11-24") -> object:
    result = run(json.dumps(answers), "--on", on)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return json.loads(result.stdout)


def test_an_object_in_gives_an_object_out():
    out = assess_json({"bladder_change": True, "leg_symptoms": "one"})

    assert out["urgency"] == "emergency"
    assert [flag["id"] for flag in out["flags"]] == ["ces_bladder", "radicular"]
    assert out["unanswered"] == [q for q in ALL_IDS if q not in ("bladder_change", "leg_symptoms")]


def test_flags_carry_exactly_id_tier_reason_and_source():
    out = assess_json({"chest_pain": True})

    assert out["flags"] == [
        {
            "id": "chest_pain",
            "tier": "emergency",
            "reason": RULES_BY_ID["chest_pain"].reason,
            "source": RULES_BY_ID["chest_pain"].source,
        }
    ]


def test_an_array_in_gives_an_array_out_in_the_same_order():
    out = assess_json([{"night_pain": True}, {}, {"fever": True}])

    assert [item["urgency"] for item in out] == ["soon", "routine", "urgent"]
    assert out[1] == {
        "urgency": "routine",
        "flags": [],
        "unanswered": ALL_IDS,
        "screen_incomplete": True,
        "ruleset_version": RULESET_VERSION,
    }


def test_the_output_says_whether_the_screen_is_incomplete_and_which_rules_judged_it():
    everything = all_no(date_of_birth="1990-06-15", pain_score=3, pain_duration_weeks=2)
    one_missing = {k: v for k, v in everything.items() if k != "saddle_numbness"}
    complete, incomplete = assess_json([everything, one_missing])
    assert (complete["screen_incomplete"], incomplete["screen_incomplete"]) == (False, True)
    assert incomplete["unanswered"] == ["saddle_numbness"]
    assert complete["ruleset_version"] == incomplete["ruleset_version"] == RULESET_VERSION
    assert list(complete) == [
        "urgency",
        "flags",
        "unanswered",
        "screen_incomplete",
        "ruleset_version",
    ]


def test_an_empty_array_gives_an_empty_array():
    assert assess_json([]) == []


def test_answers_in_json_form_are_read():
    answers = {
        "date_of_birth": "1990-05-01",
        "first_episode": False,
        "pain_score": 7,
        "pain_duration_weeks": 3,
        "leg_symptoms": "none",
        "leg_weakness": None,
    }

    out = assess_json(answers)

    assert out["urgency"] == "routine"
    assert "leg_weakness" in out["unanswered"]
    assert "pain_score" not in out["unanswered"]


@pytest.mark.parametrize(
    ("on", "urgency"), [("2026-11-24", "routine"), ("2026-11-25", "emergency")]
)
def test_on_sets_the_day_age_is_worked_out_on(on, urgency):
    # 51 on 25 November 2026: pain in the abdomen is an AAA flag from that day.
    answers = {"date_of_birth": "1975-11-25", "abdominal_pain_or_fainting": True}

    assert assess_json(answers, on=on)["urgency"] == urgency


def test_without_on_age_is_worked_out_today():
    result = run(json.dumps({"date_of_birth": "1950-01-01", "abdominal_pain_or_fainting": True}))

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["urgency"] == "emergency"


@pytest.mark.parametrize(
    ("stdin", "args", "message"),
    [
        pytest.param("", (), "no input", id="empty-input"),
        pytest.param("  \n", (), "no input", id="blank-input"),
        pytest.param("{bladder_change: true}", (), "bad JSON", id="bad-json"),
        pytest.param('"yes"', (), "expected a JSON object", id="not-an-object"),
        pytest.param('{"back_pain": true}', (), "unknown question id: 'back_pain'", id="unknown"),
        pytest.param(
            '{"bladder_change": "yes"}',
            (),
            "bladder_change must be true or false",
            id="yes-string",
        ),
        pytest.param('{"pain_score": 11}', (), "pain_score must be", id="pain-score-11"),
        pytest.param('{"leg_symptoms": "left"}', (), "leg_symptoms must be", id="leg-left"),
        pytest.param(
            '{"date_of_birth": "1980-13-01"}', (), "date_of_birth", id="dob-not-a-real-date"
        ),
        pytest.param(
            '{"date_of_birth": "2026-11-25"}', (), "date_of_birth", id="dob-after-the-day"
        ),
        pytest.param(
            '{"bladder_change": true, "bladder_change": false}',
            (),
            "bladder_change is answered twice",
            id="duplicate-key",
        ),
        pytest.param(
            '[{}, {}, {"bladder_change": "yes"}]',
            (),
            "item 2: bladder_change must be true or false",
            id="bad-item-in-array",
        ),
        pytest.param("[{}, 3]", (), "item 1: expected a JSON object", id="non-object-in-array"),
        pytest.param("{}", ("--on", "2026-02-30"), "--on must be a real date", id="bad-on"),
        pytest.param("{}", ("--on", "24/11/2026"), "--on must be a real date", id="on-not-iso"),
    ],
)
def test_bad_input_is_one_line_on_stderr_and_exit_status_2(stdin, args, message):
    args = args or ("--on", "2026-11-24")

    result = run(stdin, *args)

    assert result.returncode == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert message in result.stderr


def test_call_command_reads_the_stdin_option():
    stdout = io.StringIO()

    call_command("assess", on="2026-11-24", stdin=io.StringIO('{"fever": true}'), stdout=stdout)

    assert json.loads(stdout.getvalue())["urgency"] == "urgent"
