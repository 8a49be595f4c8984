"""`make bench`: the triage pages at 1,000,000 cases, through gunicorn, against the login page.

Seeds a PostgreSQL database of its own with `seed_demo --cases` (once: a later run finds the
cases there and reuses them; --fresh drops the database first), starts gunicorn with the
production settings on a loopback port, and times real HTTP requests, one at a time and to
each page in turn: the queue, a filtered queue, a search and a case page as a signed-in
practitioner, and the login page (GET /accounts/login/, as the anonymous visitor it is for) as
the baseline measured in the same run; /robots.txt is printed for scale. Prints p50 and p95
of each and its p95's ratio to the login page's.

The bench runs no ANALYZE of its own: the planner gets the statistics seed_demo's bulk load
leaves, as on a server after a bulk import.

    .venv/bin/python bench/run.py [--cases N] [--db NAME] [--fresh] [--port P] [--requests R]

BENCH_DB and BENCH_PORT set the database name and the port as the options do; CACHE_URL and
CELERY_BROKER_URL, when set, are passed on to the server.
"""

import argparse
import http.client
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
PG = "postgres://postgres@127.0.0.1:5432/"
# The target: the queue's p95 within this many times the login page's.
QUEUE_BUDGET = 4


def env_for(db):
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="clinic.settings.production",
        DJANGO_SECRET_KEY="bench-only-secret-key-bench-only-secret-key-0123456789",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DATABASE_URL=PG + db,
        CACHE_URL=os.environ.get("CACHE_URL", "redis://127.0.0.1:6379/12"),
        CELERY_BROKER_URL=os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/13"),
        EMAIL_URL="consolemail://",
        FOLLOWUP_QUIET_HOURS="off",
        LOG_LEVEL="WARNING",
    )
    return env


def step(text):
    print(f"bench: {text}", flush=True)


def manage(env, *args, **kwargs):
    return subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True, **kwargs)


def django_shell(env, code):
    out = manage(env, "shell", "-v", "0", "-c", code, capture_output=True, text=True)
    return out.stdout.strip()


def database_exists(db):
    # The name goes in as a psql variable, quoted by psql (-c would not interpolate it).
    return (
        subprocess.run(
            [
                "psql",
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
                "-d",
                "postgres",
                "-tA",
                "-v",
                f"db={db}",
            ],
            input="SELECT 1 FROM pg_database WHERE datname = :'db'",
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        == "1"
    )


def prepare(env, db, cases, fresh):
    if fresh:
        step(f"dropping {db}")
        subprocess.run(
            ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", db], check=True
        )
    if not database_exists(db):
        step(f"creating {db}")
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", db], check=True)
    step("migrating, collecting static files")
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "collectstatic", "--noinput", "-v0")  # production serves hashed files
    have = int(django_shell(env, "from intake.models import Case; print(Case.objects.count())"))
    if have >= cases:
        step(f"reusing {db}: {have:,} cases there (--fresh to seed again)")
        return
    step(f"seeding {cases - have:,} cases into {db} (once; later runs reuse them)")
    manage(env, "seed_demo", "--force", "--cases", str(cases - have))


# A signed-in practitioner's session (as clinic.accounts.services.signed_in leaves it, second
# factor done), a case to open, and a search: five letters of a patient's surname, kept under a
# token as the search box keeps it (intake/search.py).
SESSION_CODE = """
import time
from django.conf import settings
from django.contrib.auth import get_user_model, SESSION_KEY, BACKEND_SESSION_KEY, HASH_SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from clinic.accounts import services
from intake import search
from intake.models import Case, Patient
user = get_user_model().objects.get(username="practitioner")
s = SessionStore()
s[SESSION_KEY] = str(user.pk)
s[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
s[HASH_SESSION_KEY] = user.get_session_auth_hash()
s[services.SIGNED_IN_AT] = s[services.LAST_ACTIVE_AT] = time.time()
s[services.SECOND_FACTOR_OK] = True
s.create()
case = Case.objects.order_by("-id").values_list("id", flat=True)[500]
name = Patient.objects.order_by("-id").values_list("last_name", flat=True)[700]
print(s.session_key, case, search.remember(user, name.lower()[:5]))
"""


def get(port, path, cookie):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Host": "127.0.0.1"}
    if cookie:
        headers["Cookie"] = f"sessionid={cookie}"
    start = time.perf_counter()
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    response.read()
    elapsed = time.perf_counter() - start
    conn.close()
    if response.status != 200:
        raise SystemExit(f"GET {path} answered {response.status}")
    return elapsed


def measure(port, pages, cookie, n):
    """{label: (p50, p95)} over n requests a page, taken in turns (one request to each page,
    then again), so that a machine busy with other work slows every page alike."""
    for _, path, signed_in in pages:
        for _ in range(5):
            get(port, path, cookie if signed_in else None)
    times = {label: [] for label, _, _ in pages}
    for done in range(1, n + 1):
        for label, path, signed_in in pages:
            times[label].append(get(port, path, cookie if signed_in else None))
        if done % 50 == 0:
            step(f"{done} / {n} rounds")
    return {
        label: (statistics.median(ts), sorted(ts)[int(0.95 * (len(ts) - 1))])
        for label, ts in times.items()
    }


def wait_for_port(port, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("HEAD", "/robots.txt")
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--db", default=os.environ.get("BENCH_DB", "clinic_bench"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", "8799")))
    parser.add_argument("--fresh", action="store_true", help="drop the database and seed again")
    args = parser.parse_args()

    env = env_for(args.db)
    prepare(env, args.db, args.cases, args.fresh)
    manage(env, "seed_demo", "--force", capture_output=True)  # the practitioner to sign in as
    cookie, case_id, search = django_shell(env, SESSION_CODE).split()[-3:]
    step(f"starting gunicorn on 127.0.0.1:{args.port}")
    server = subprocess.Popen(
        [
            PY,
            "-m",
            "gunicorn",
            "clinic.wsgi",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            "2",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    # (label, path, signed in)
    pages = [
        ("/robots.txt (for scale)", "/robots.txt", False),
        ("login page (baseline)", "/accounts/login/", False),
        ("queue", "/triage/", True),
        ("filtered queue", "/triage/?tier=1&tier=2&status=new&assigned=anyone", True),
        ("search", f"/triage/?search={search}", True),
        ("case page", f"/cases/{case_id}/", True),
    ]
    try:
        wait_for_port(args.port)
        step(f"{args.requests} requests to each of {len(pages)} pages, in turns")
        measured = measure(args.port, pages, cookie, args.requests)
    finally:
        server.terminate()
        server.wait(timeout=10)

    results = [(label, *measured[label]) for label, _, _ in pages]
    by_label = measured
    login_p95 = by_label["login page (baseline)"][1]
    print(f"\n{args.cases:,} cases, {args.requests} requests each, gunicorn 2 workers\n")
    print(f"{'page':26} {'p50 ms':>8} {'p95 ms':>8} {'p95 / login p95':>16}")
    for label, p50, p95 in results:
        print(f"{label:26} {p50 * 1000:8.1f} {p95 * 1000:8.1f} {p95 / login_p95:16.1f}")
    queue_ratio = by_label["queue"][1] / login_p95
    verdict = "met" if queue_ratio <= QUEUE_BUDGET else "NOT met"
    target = f"queue p95 within {QUEUE_BUDGET}x the login page's p95"
    print(f"\ntarget: {target}: {queue_ratio:.1f}x ({verdict})")


if __name__ == "__main__":
    main()
