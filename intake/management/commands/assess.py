"""`manage.py assess`: judge intake answers given as JSON on stdin, print the verdict as JSON.

One object of question id -> answer in, one {"urgency", "flags", "unanswered",
"screen_incomplete", "ruleset_version"} out; an array in, an array out. Bad input is one line
on stderr and exit status 2, never a traceback.
"""

import json
import re
import sys
from datetime import date

from django.core.management.base import BaseCommand
from django.utils import timezone

from intake.rules import AnswerError, assess, clean_answers

USAGE_ERROR = 2


class InputError(Exception):
    """Input the command cannot judge; the message is the one line the user sees."""


def iso_day(value: str | date) -> date:
    """The --on argument: a real day written YYYY-MM-DD (or a date, from call_command)."""
    if isinstance(value, date):
        return value
    try:
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"--on must be a real date written YYYY-MM-DD, not {value!r}") from None


def no_duplicate_keys(pairs: list[tuple[str, object]]) -> dict:
    # json keeps the last of two equal keys; a "true" overwritten by a "false" could hide a flag.
    result = {}
    for key, value in pairs:
        if key in result:
            raise InputError(f"{key} is answered twice")
        result[key] = value
    return result


def read_text(stdin) -> str:
    try:
        return stdin.read()
    except UnicodeDecodeError:
        raise InputError("input is not UTF-8 text") from None


def read_json(text: str) -> object:
    if not text.strip():
        raise InputError("no input: expected a JSON object or an array of objects on stdin")
    try:
        return json.loads(text, object_pairs_hook=no_duplicate_keys)
    except json.JSONDecodeError as error:
        raise InputError(f"bad JSON: {error}") from None


def judge(answers: object, on: date) -> dict:
    if not isinstance(answers, dict):
        raise InputError("expected a JSON object of question id to answer")
    try:
        assessment = assess(clean_answers(answers), on)
    except AnswerError as error:
        raise InputError(error.message) from None
    # Whether staff must complete the screen, and which rules judged it: what a reader of the
    # verdict needs beside it.
    return {
        **assessment.as_dict(),
        "screen_incomplete": assessment.screen_incomplete,
        "ruleset_version": assessment.ruleset_version,
    }


class Command(BaseCommand):
    help = (
        "Run the red-flag rules on answers read as JSON from stdin (an object, or an array of "
        "objects) and print urgency, flags, unanswered questions, whether the screen is "
        "incomplete and the rule-set version as JSON."
    )
    # Lets tests and callers pass call_command("assess", stdin=io.StringIO(...)).
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        # Checked in handle(), not by argparse, so a bad day is one line like every other error.
        parser.add_argument(
            "--on",
            metavar="YYYY-MM-DD",
            help="the day age is worked out on, YYYY-MM-DD (default: today in the clinic)",
        )

    def handle(self, *args, **options):
        stdin = options.get("stdin") or sys.stdin
        try:
            on = iso_day(options["on"]) if options["on"] else timezone.localdate()
            data = read_json(read_text(stdin))
            if isinstance(data, list):
                result = []
                for index, answers in enumerate(data):
                    try:
                        result.append(judge(answers, on))
                    except InputError as error:
                        raise InputError(f"item {index}: {error}") from None
            else:
                result = judge(data, on)
        except InputError as error:
            self.stderr.write(str(error))
            raise SystemExit(USAGE_ERROR) from None
        self.stdout.write(json.dumps(result, indent=2))
