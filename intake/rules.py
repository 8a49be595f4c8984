"""Red-flag screening for back pain: the intake questions, the rules, and assess().

The questions, rules, tiers and sources are those of docs/clinical-reference.md, which also
says what each flag may point to (tests/test_clinical_reference.py keeps the two the same).
Plain Python with no Django imports, so the rules can be read beside the reference and tested
as tables. The software supports clinicians; a flag raises suspicion, it never diagnoses, and
every flag names the answers that raised it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

# Bump when a question or a rule changes; every stored response keeps the versions that judged it.
RULESET_VERSION = "2026.12.1"
QUESTIONNAIRE_VERSION = "2026.12.1"

TIERS = ("emergency", "urgent", "soon", "routine")  # highest first
TIER_RANK = {tier: rank for rank, tier in enumerate(TIERS)}

LEG_CHOICES = ("none", "one", "both")
MAX_PAIN_DURATION_WEEKS = 5200  # 100 years: anything larger is a typing mistake
MIN_BIRTH_YEAR = 1900


# --- The questions -------------------------------------------------------------------------


@dataclass(frozen=True)
class Question:
    id: str
    kind: str  # "date" | "yesno" | "leg" | "score" (0-10) | "weeks" (whole number >= 0)
    text: str
    red_flag: bool
    help: str = ""
    section: str = ""


SECTIONS = (
    ("about", "About you and your back pain"),
    ("bladder_bowel", "Bladder, bowel and numbness"),
    ("legs", "Your legs"),
    ("how_it_started", "How the pain started"),
    ("general_health", "Your general health"),
    ("pattern", "The pattern of your pain"),
)


def _yesno(question_id: str, section: str, text: str, help: str = "") -> Question:
    return Question(question_id, "yesno", text, red_flag=True, help=help, section=section)


QUESTIONS = (
    Question(
        "date_of_birth",
        "date",
        "What is your date of birth?",
        red_flag=False,
        help="Day, month and year: 2 July 1991 is 02/07/1991. We use it to work out your age.",
        section="about",
    ),
    _yesno("first_episode", "about", "Is this the first time you have had back pain?"),
    Question(
        "pain_score",
        "score",
        "How bad is your back pain right now, from 0 (no pain) to 10 (the worst pain you "
        "can imagine)?",
        red_flag=False,
        section="about",
    ),
    Question(
        "pain_duration_weeks",
        "weeks",
        "How many weeks ago did this episode of back pain start?",
        red_flag=False,
        help="Enter 0 if it started less than a week ago.",
        section="about",
    ),
    # The specifics are in the question itself (the bold label), not only in the help text:
    # patients do not volunteer these, and "incontinence" has been misread as "cannot go".
    _yesno(
        "bladder_change",
        "bladder_bowel",
        "Have you had any new problem with your bladder: trouble starting, stopping or "
        "controlling your pee (urine), less feeling when you pee, not being able to tell if your "
        "bladder is full, or leaking?",
        "Answer yes if any of these is new.",
    ),
    _yesno(
        "bowel_change",
        "bladder_bowel",
        "Have you had any new problem with your bowels: not being able to hold in a poo, "
        "leaking from your bottom, or less feeling when you have a poo?",
        "Answer yes if any of these is new.",
    ),
    _yesno(
        "saddle_numbness",
        "bladder_bowel",
        "Do you have numbness or pins and needles in your inner thighs, genitals, back passage "
        "or buttocks, or does it feel different when you wipe after using the toilet?",
    ),
    _yesno(
        "sexual_change",
        "bladder_bowel",
        "Have you noticed a new change in getting an erection or in ejaculating (coming), or "
        "less feeling in your genitals during sex?",
        "Answer no if this does not apply to you.",
    ),
    Question(
        "leg_symptoms",
        "leg",
        "Do you have pain, pins and needles or numbness going down into one leg, or into both "
        "legs?",
        red_flag=True,
        section="legs",
    ),
    Question(
        "leg_weakness",
        "leg",
        "Does one leg, or do both legs, feel weak: for example your foot catches or drags when "
        "you walk, or your leg gives way?",
        red_flag=True,
        section="legs",
    ),
    _yesno(
        "weakness_worsening",
        "legs",
        "Is the weakness in your leg getting worse, or is walking getting harder?",
        "Answer no if your legs are not weak.",
    ),
    _yesno(
        "major_trauma",
        "how_it_started",
        "Did your back pain start after a major accident, such as a road traffic collision or "
        "a fall from a height?",
    ),
    _yesno(
        "minor_trauma",
        "how_it_started",
        "Did your back pain start after a minor fall or after lifting something?",
    ),
    _yesno(
        "osteoporosis_or_steroids",
        "general_health",
        "Have you been told you have osteoporosis (thin bones), or have you taken steroid "
        "tablets (such as prednisolone) for three months or more?",
    ),
    _yesno("chest_pain", "general_health", "Do you have chest pain as well as your back pain?"),
    _yesno(
        "abdominal_pain_or_fainting",
        "general_health",
        "Do you have pain in your tummy or side, have you fainted, or can you feel a pulsing "
        "in your tummy?",
    ),
    _yesno("cancer_history", "general_health", "Have you ever had cancer?"),
    _yesno(
        "fever",
        "general_health",
        "Have you had a fever (a high temperature), chills or shivering, or night sweats that "
        "soak your bedclothes?",
    ),
    _yesno(
        "infection_risk",
        "general_health",
        "Is your immune system weakened (for example by chemotherapy or long-term steroids), do "
        "you inject drugs, or have you recently had a bacterial infection such as a urine "
        "infection?",
    ),
    _yesno("weight_loss", "general_health", "Have you lost weight without trying to?"),
    _yesno(
        "night_pain",
        "pattern",
        "Do you have constant pain at night that stops you sleeping and does not ease when you "
        "rest?",
    ),
    _yesno(
        "morning_stiffness",
        "pattern",
        "Is your back stiff in the morning for more than 30 minutes?",
    ),
    _yesno(
        "better_with_movement",
        "pattern",
        "Does your back pain ease when you move about, and get worse when you rest?",
    ),
)
QUESTIONS_BY_ID = {q.id: q for q in QUESTIONS}


def all_no(**answers: object) -> dict[str, object]:
    """Every red-flag fact answered "no" (a leg fact "none"), then `answers` over it (None
    leaves a fact unanswered): a complete, clear screen until told otherwise. The demo data and
    the tests start from it; dates are date objects or ISO strings, as the caller stores them."""
    return {q.id: False if q.kind == "yesno" else "none" for q in QUESTIONS if q.red_flag} | answers


# --- The rules -----------------------------------------------------------------------------


def age_on(dob: date, on: date) -> int:
    """Whole years of age on the day `on`; someone born on 29 February ages on 1 March."""
    if dob > on:
        raise ValueError(f"date of birth {dob.isoformat()} is after {on.isoformat()}")
    not_had_birthday_yet = (on.month, on.day) < (dob.month, dob.day)
    return on.year - dob.year - not_had_birthday_yet


class Facts:
    """One response's answers as a rule reads them, for one rule.

    Every check is false when its fact is unanswered. Checks that come out true are noted,
    so a fired flag can name the answers that raised it; `any_of` (not `or`) runs every
    check, so all the true answers are named, not only the first.
    """

    def __init__(self, answers: Mapping[str, object], on: date, readable: tuple[str, ...]):
        self._answers = answers
        self._on = on
        self._readable = readable
        self.hits: set[str] = set()

    def _get(self, question_id: str) -> object:
        if question_id not in self._readable:
            # The rule's `facts` must list what it reads, or staff would see the wrong answers.
            raise LookupError(f"rule reads {question_id!r} without declaring it")
        return self._answers.get(question_id)

    def _note(self, question_id: str, result: bool) -> bool:
        if result:
            self.hits.add(question_id)
        return result

    def yes(self, question_id: str) -> bool:
        return self._note(question_id, self._get(question_id) is True)

    def is_(self, question_id: str, *values: str) -> bool:
        value = self._get(question_id)
        return self._note(question_id, value is not None and value in values)

    def more_than(self, question_id: str, number: int) -> bool:
        value = self._get(question_id)
        return self._note(question_id, value is not None and value > number)

    @property
    def age(self) -> int | None:
        dob = self._get("date_of_birth")
        return None if dob is None else age_on(dob, self._on)

    def age_over(self, years: int) -> bool:
        return self._note("date_of_birth", self.age is not None and self.age > years)

    def age_under(self, years: int) -> bool:
        return self._note("date_of_birth", self.age is not None and self.age < years)


def any_of(*checks: bool) -> bool:
    """Either-or for conditions; unlike `or`, every check has run, so each true one is named."""
    return any(checks)


@dataclass(frozen=True)
class Rule:
    id: str
    tier: str
    reason: str  # plain words for staff: why this answer matters
    source: str
    facts: tuple[str, ...]  # every question id the condition reads
    condition: Callable[[Facts], bool]


CES_SOURCE = "CES warning card (Greenhalgh, Mercer, Finucane, Selfe); GIRFT CES pathway"

RULES = (
    Rule(
        "ces_bladder",
        "emergency",
        "New bladder problems can be a sign of cauda equina syndrome (CES).",
        f"{CES_SOURCE}; the seed article",
        ("bladder_change",),
        lambda f: f.yes("bladder_change"),
    ),
    Rule(
        "ces_bowel",
        "emergency",
        "New loss of bowel control or feeling can be a sign of cauda equina syndrome (CES).",
        f"{CES_SOURCE}; the seed article (loss of bowel or bladder control means A&E at once)",
        ("bowel_change",),
        lambda f: f.yes("bowel_change"),
    ),
    Rule(
        "ces_saddle",
        "emergency",
        "Numbness between the legs or around the back passage (saddle area) can be a sign of "
        "cauda equina syndrome (CES).",
        f"{CES_SOURCE}; the seed article",
        ("saddle_numbness",),
        lambda f: f.yes("saddle_numbness"),
    ),
    Rule(
        "ces_sexual",
        "emergency",
        "A new change in erections, ejaculation or genital feeling during sex can be a sign of "
        "cauda equina syndrome (CES).",
        f"{CES_SOURCE}; the seed article",
        ("sexual_change",),
        lambda f: f.yes("sexual_change"),
    ),
    Rule(
        "bilateral_leg",
        "emergency",
        "Symptoms or weakness in both legs can be a sign of cauda equina syndrome (CES).",
        "NHS advice; GIRFT pathway (CSP summary); NHS Lothian",
        ("leg_symptoms", "leg_weakness"),
        lambda f: any_of(f.is_("leg_symptoms", "both"), f.is_("leg_weakness", "both")),
    ),
    Rule(
        "progressive_weakness",
        "emergency",
        "Leg weakness that is getting worse can mean cauda equina syndrome or spinal cord "
        "compression.",
        "CKS; G-care",
        ("leg_weakness", "weakness_worsening"),
        lambda f: f.is_("leg_weakness", "one", "both") and f.yes("weakness_worsening"),
    ),
    Rule(
        "major_trauma",
        "emergency",
        "Back pain that started after major trauma may mean a spinal fracture.",
        "NHS advice",
        ("major_trauma",),
        lambda f: f.yes("major_trauma"),
    ),
    Rule(
        "chest_pain",
        "emergency",
        "Chest pain together with back pain may have a heart or other serious cause.",
        "NHS advice",
        ("chest_pain",),
        lambda f: f.yes("chest_pain"),
    ),
    Rule(
        "aaa",
        "emergency",
        "Over 50, abdominal or side pain, fainting or a pulsing abdomen can be a sign of an "
        "abdominal aortic aneurysm (AAA).",
        "BMJ Best Practice (AAA)",
        ("date_of_birth", "abdominal_pain_or_fainting"),
        lambda f: f.age_over(50) and f.yes("abdominal_pain_or_fainting"),
    ),
    Rule(
        "cancer_neuro",
        "emergency",
        "Past cancer with leg, bladder or bowel symptoms can mean metastatic spinal cord "
        "compression.",
        "NICE CG75 / NG234",
        ("cancer_history", "leg_symptoms", "leg_weakness", "bladder_change", "bowel_change"),
        lambda f: (
            f.yes("cancer_history")
            and any_of(
                f.is_("leg_symptoms", "one", "both"),
                f.is_("leg_weakness", "one", "both"),
                f.yes("bladder_change"),
                f.yes("bowel_change"),
            )
        ),
    ),
    Rule(
        "unilateral_weakness",
        "urgent",
        "New weakness in one leg can mean a nerve root is compromised.",
        "regional NHS pathways; NHS Lothian",
        ("leg_weakness",),
        lambda f: f.is_("leg_weakness", "one"),
    ),
    Rule(
        "cancer_history",
        "urgent",
        "A history of cancer raises the chance that back pain comes from spinal metastases.",
        "NICE CG75 / NG234; CKS",
        ("cancer_history",),
        lambda f: f.yes("cancer_history"),
    ),
    Rule(
        "infection",
        "urgent",
        "Fever, chills, night sweats or a raised infection risk can point to a spinal infection.",
        "G-care; regional pathways",
        ("fever", "infection_risk"),
        lambda f: any_of(f.yes("fever"), f.yes("infection_risk")),
    ),
    Rule(
        "weight_loss",
        "urgent",
        "Weight loss without trying can be a sign of cancer.",
        "G-care; CKS",
        ("weight_loss",),
        lambda f: f.yes("weight_loss"),
    ),
    Rule(
        "radicular",
        "soon",
        "Pain, pins and needles or numbness down one leg suggests a nerve is involved (sciatica).",
        "NICE NG59; the seed article",
        ("leg_symptoms",),
        lambda f: f.is_("leg_symptoms", "one"),
    ),
    Rule(
        "night_pain",
        "soon",
        "Constant night pain that rest does not ease can have a serious cause.",
        "NHS advice; G-care",
        ("night_pain",),
        lambda f: f.yes("night_pain"),
    ),
    Rule(
        "fragility",
        "soon",
        "A minor fall or lift with osteoporosis or long-term steroids can cause a fragility "
        "fracture.",
        "G-care",
        ("minor_trauma", "osteoporosis_or_steroids"),
        lambda f: f.yes("minor_trauma") and f.yes("osteoporosis_or_steroids"),
    ),
    Rule(
        "age",
        "soon",
        "A first episode of back pain under 20 or over 50 raises suspicion of a serious cause.",
        "G-care; CKS",
        ("first_episode", "date_of_birth"),
        lambda f: f.yes("first_episode") and any_of(f.age_under(20), f.age_over(50)),
    ),
    Rule(
        "inflammatory",
        "soon",
        "Under 45, pain for over 12 weeks, long morning stiffness and pain eased by movement "
        "can mean axial spondyloarthritis.",
        "NICE NG65 criteria",
        ("date_of_birth", "pain_duration_weeks", "morning_stiffness", "better_with_movement"),
        lambda f: (
            f.age_under(45)
            and f.more_than("pain_duration_weeks", 12)
            and f.yes("morning_stiffness")
            and f.yes("better_with_movement")
        ),
    ),
)
RULES_BY_ID = {rule.id: rule for rule in RULES}

# Facts the red-flag screen depends on: unanswered, the verdict may be missing a flag.
SCREEN_FACTS = frozenset(fact for rule in RULES for fact in rule.facts)


# --- Assessment ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FiredFlag:
    id: str
    tier: str
    reason: str
    source: str
    facts: tuple[str, ...]  # the answers that raised it, in questionnaire order

    def as_dict(self) -> dict:
        return {"id": self.id, "tier": self.tier, "reason": self.reason, "source": self.source}


@dataclass(frozen=True)
class Assessment:
    urgency: str
    flags: tuple[FiredFlag, ...]
    unanswered: tuple[str, ...]
    ruleset_version: str
    # Facts deliberately not asked (a check-in does not ask whether this is the first episode):
    # neither answered nor unanswered, so they never make a screen incomplete.
    not_asked: tuple[str, ...] = ()

    @property
    def screen_incomplete(self) -> bool:
        """Unanswered screen facts are never taken as "no": staff must complete them."""
        return any(question_id in SCREEN_FACTS for question_id in self.unanswered)

    def as_dict(self) -> dict:
        return {
            "urgency": self.urgency,
            "flags": [flag.as_dict() for flag in self.flags],
            "unanswered": list(self.unanswered),
        }


class AnswerError(ValueError):
    """An answer the rules cannot read; `question_id` is None when the whole input is wrong."""

    def __init__(self, question_id: str | None, message: str):
        super().__init__(message)
        self.question_id = question_id
        self.message = message


ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _clean_date(question_id: str, value: object) -> date:
    if isinstance(value, str) and ISO_DATE.fullmatch(value):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            raise AnswerError(question_id, f"{question_id} is not a real date: {value}") from None
    if not isinstance(value, date) or isinstance(value, datetime):
        raise AnswerError(question_id, f"{question_id} must be a date written YYYY-MM-DD")
    if value.year < MIN_BIRTH_YEAR:
        raise AnswerError(question_id, f"{question_id} must be in {MIN_BIRTH_YEAR} or later")
    return value


def _clean_one(question: Question, value: object) -> object:
    qid = question.id
    match question.kind:
        case "yesno":
            if type(value) is not bool:
                raise AnswerError(qid, f"{qid} must be true or false")
        case "leg":
            if not (isinstance(value, str) and value in LEG_CHOICES):
                raise AnswerError(qid, f'{qid} must be "none", "one" or "both"')
        case "score":
            # type() not isinstance(): True is an int in Python, but not a pain score.
            if type(value) is not int or not 0 <= value <= 10:
                raise AnswerError(qid, f"{qid} must be a whole number from 0 to 10")
        case "weeks":
            if type(value) is not int or not 0 <= value <= MAX_PAIN_DURATION_WEEKS:
                raise AnswerError(
                    qid, f"{qid} must be a whole number from 0 to {MAX_PAIN_DURATION_WEEKS}"
                )
        case "date":
            value = _clean_date(qid, value)
        case _:
            raise AssertionError(f"unknown question kind {question.kind!r}")
    return value


def clean_answers(raw: Mapping[str, object]) -> dict[str, object]:
    """Check JSON-style answers and return them as Python values; None means unanswered.

    Raises AnswerError for an unknown question id or a value of the wrong type or range.
    Whether a date of birth is in the future is for assess(), which knows the day.
    """
    if not isinstance(raw, Mapping):
        raise AnswerError(None, "answers must be an object of question id to answer")
    for question_id in raw:
        if question_id not in QUESTIONS_BY_ID:
            raise AnswerError(question_id, f"unknown question id: {question_id!r}")
    return {q.id: _clean_one(q, raw[q.id]) for q in QUESTIONS if raw.get(q.id) is not None}


def assess(answers: Mapping[str, object], on: date, not_asked: Iterable[str] = ()) -> Assessment:
    """Run every rule on the answers, with age taken on the day `on`.

    A condition on an unanswered fact is false; unanswered facts are listed, never taken as
    "no". The answers are checked again here, so a malformed value raises AnswerError
    instead of silently reading as "no". `not_asked` names facts the caller deliberately did
    not ask (their conditions are false, as for unanswered ones, but they are not reported as
    unanswered); naming a fact that was answered is an error.
    """
    answers = clean_answers(answers)
    skipped = set(not_asked)
    for question_id in skipped:
        if question_id not in QUESTIONS_BY_ID:
            raise AnswerError(question_id, f"unknown question id: {question_id!r}")
        if answers.get(question_id) is not None:
            raise AnswerError(question_id, f"{question_id} is answered but marked not asked")
    dob = answers.get("date_of_birth")
    if dob is not None and dob > on:
        raise AnswerError("date_of_birth", f"date_of_birth is after the day of assessment ({on})")

    flags = []
    for rule in RULES:
        facts = Facts(answers, on, rule.facts)
        if rule.condition(facts):
            named = tuple(q.id for q in QUESTIONS if q.id in facts.hits)
            flags.append(FiredFlag(rule.id, rule.tier, rule.reason, rule.source, named))
    flags.sort(key=lambda flag: TIER_RANK[flag.tier])  # stable: rule order within a tier

    return Assessment(
        urgency=flags[0].tier if flags else "routine",
        flags=tuple(flags),
        unanswered=tuple(
            q.id for q in QUESTIONS if answers.get(q.id) is None and q.id not in skipped
        ),
        ruleset_version=RULESET_VERSION,
        not_asked=tuple(q.id for q in QUESTIONS if q.id in skipped),
    )


# --- What fires an emergency, as data for the form's script ---------------------------------

# The answers that can take part in a rule: every yes and every leg answer other than "none".
_POSITIVE_ANSWERS = tuple(
    (q.id, value)
    for q in QUESTIONS
    if q.kind in ("yesno", "leg")
    for value in ((True,) if q.kind == "yesno" else ("one", "both"))
)
_PROBE_AGES = range(120)  # covers every age the forms accept


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year - years, day=28)


def _emergency_ages(answers: Mapping[str, object], on: date, probe: bool) -> set[int] | None:
    """None when the answers fire an emergency at any age (or none given); else the ages at
    which they do (probed only when `probe`, i.e. an emergency rule reads age and them)."""
    if assess(answers, on).urgency == "emergency":
        return None
    if not probe:
        return set()
    return {
        age
        for age in _PROBE_AGES
        if assess({**answers, "date_of_birth": _years_before(on, age)}, on).urgency == "emergency"
    }


def _born(on: date, ages: set[int]) -> dict[str, str]:
    """The range of dates of birth whose age on `on` is within `ages` (one unbroken range)."""
    youngest, oldest = min(ages), max(ages)
    if sorted(ages) != list(range(youngest, oldest + 1)):
        raise AssertionError("an emergency that fires at ages that are not one range")
    born = {}
    if oldest < _PROBE_AGES[-1]:
        born["from"] = (_years_before(on, oldest + 1) + timedelta(days=1)).isoformat()
    if youngest > 0:
        born["to"] = _years_before(on, youngest).isoformat()
    return born


@functools.lru_cache(maxsize=8)
def emergency_triggers(on: date) -> tuple[dict, ...]:
    """Every smallest set of one or two answers that fires an emergency rule on day `on`.

    Worked out by running assess() itself, so that a page can warn the moment an emergency
    answer is ticked without a second copy of the rules. Only answers that one emergency rule
    reads together are tried as pairs (its declared `facts`). A set that fires only at some
    ages carries the dates of birth it fires for. Each item is
    {"answers": {question id: "yes" | "one" | "both"}} plus "born": {"from", "to"} (ISO dates,
    either may be absent) when it depends on age.
    """
    emergency_facts = [set(rule.facts) for rule in RULES if rule.tier == "emergency"]
    age_facts = set().union(*(f for f in emergency_facts if "date_of_birth" in f))
    singles: dict[tuple[str, object], set[int] | None] = {}
    found: list[dict] = []

    def add(combo, ages):
        item = {"answers": {qid: "yes" if value is True else value for qid, value in combo}}
        found.append(item if ages is None else {**item, "born": _born(on, ages)})

    for answer in _POSITIVE_ANSWERS:
        ages = _emergency_ages(dict([answer]), on, answer[0] in age_facts)
        if ages is None or ages:
            singles[answer] = ages
            add((answer,), ages)
    for i, first in enumerate(_POSITIVE_ANSWERS):
        for second in _POSITIVE_ANSWERS[i + 1 :]:
            ids = {first[0], second[0]}
            if len(ids) == 1 or not any(ids <= facts for facts in emergency_facts):
                continue
            if any(singles.get(part, set()) is None for part in (first, second)):
                continue  # one of the two fires by itself at any age
            ages = _emergency_ages(dict([first, second]), on, bool(ids & age_facts))
            if ages is None:
                add((first, second), None)
                continue
            ages -= set().union(*(singles.get(part) or set() for part in (first, second)))
            if ages:
                add((first, second), ages)
    return tuple(found)
