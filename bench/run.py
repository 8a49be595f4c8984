"""`make bench`: the triage pages at 100,000 cases, through gunicorn, against a baseline.

Seeds a PostgreSQL database of its own (once; later runs reuse it), starts gunicorn with the
production settings on a loopback port, and times real HTTP requests: the queue, a filtered
queue, a search, a case page, and /robots.txt (the cheapest Django view) as the baseline
measured in the same run. Prints p50 and p95 of each and its ratio to the baseline's.
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


def env_for(db):
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="clinic.settings.production",
        DJANGO_SECRET_KEY="bench-only-secret-key-bench-only-secret-key-0123456789",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DATABASE_URL=PG + db,
        CACHE_URL="redis://127.0.0.1:6379/12",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/13",
        EMAIL_URL="consolemail://",
        FOLLOWUP_QUIET_HOURS="off",
        LOG_LEVEL="WARNING",
    )
    return env


def manage(env, *args, **kwargs):
    return subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True, **kwargs)


def django_shell(env, code):
    out = manage(env, "shell", "-v", "0", "-c", code, capture_output=True, text=True)
    return out.stdout.strip()


def prepare(env, db, cases):
    exists = subprocess.run(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-tAc",
            f"SELECT 1 FROM pg_database WHERE datname = '{db}'",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not exists:
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", db], check=True)
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "collectstatic", "--noinput", "-v0")  # production serves hashed files
    have = int(django_shell(env, "from intake.models import Case; print(Case.objects.count())"))
    if have < cases:
        print(f"seeding {cases - have:,} cases (once; later runs reuse {db})", flush=True)
        manage(env, "seed_demo", "--force", "--cases", str(cases - have))
    manage(
        env,
        "shell",
        "-c",
        "from django.db import connection; connection.cursor().execute('ANALYZE')",
    )


SESSION_CODE = """
from django.contrib.auth import get_user_model, SESSION_KEY, BACKEND_SESSION_KEY, HASH_SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from intake.models import Case, Patient
user = get_user_model().objects.get(username="practitioner")
s = SessionStore()
s[SESSION_KEY] = str(user.pk)
s[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
s[HASH_SESSION_KEY] = user.get_session_auth_hash()
s.create()
case = Case.objects.order_by("-id").values_list("id", flat=True)[500]
name = Patient.objects.order_by("-id").values_list("last_name", flat=True)[700]
print(s.session_key, case, name)
"""


def get(port, path, cookie):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    start = time.perf_counter()
    conn.request("GET", path, headers={"Cookie": f"sessionid={cookie}", "Host": "127.0.0.1"})
    response = conn.getresponse()
    response.read()
    elapsed = time.perf_counter() - start
    conn.close()
    if response.status != 200:
        raise SystemExit(f"GET {path} answered {response.status}")
    return elapsed


def measure(port, path, cookie, n):
    for _ in range(5):
        get(port, path, cookie)
    times = sorted(get(port, path, cookie) for _ in range(n))
    return statistics.median(times), times[int(0.95 * (len(times) - 1))]


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
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--db", default="clinic_bench")
    parser.add_argument("--port", type=int, default=8799)
    args = parser.parse_args()

    env = env_for(args.db)
    prepare(env, args.db, args.cases)
    manage(env, "seed_demo", "--force", capture_output=True)  # the practitioner to sign in as
    cookie, case_id, name = django_shell(env, SESSION_CODE).split()[-3:]
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
    try:
        wait_for_port(args.port)
        pages = [
            ("baseline /robots.txt", "/robots.txt"),
            ("signed-in home /", "/"),
            ("queue", "/triage/"),
            ("filtered queue", "/triage/?tier=1&tier=2&status=new&assigned=anyone"),
            ("search", f"/triage/?q={name.lower()[:5]}"),
            ("case page", f"/cases/{case_id}/"),
        ]
        results = [
            (label, *measure(args.port, path, cookie, args.requests)) for label, path in pages
        ]
    finally:
        server.terminate()
        server.wait(timeout=10)

    by_label = {label: (p50, p95) for label, p50, p95 in results}
    bare_p95 = by_label["baseline /robots.txt"][1]
    home_p95 = by_label["signed-in home /"][1]
    print(f"\n{args.cases:,} cases, {args.requests} requests each, gunicorn 2 workers\n")
    print(f"{'page':24} {'p50 ms':>8} {'p95 ms':>8} {'p95 / robots':>13} {'p95 / home':>11}")
    for label, p50, p95 in results:
        ratios = f"{p95 / bare_p95:13.1f} {p95 / home_p95:11.1f}"
        print(f"{label:24} {p50 * 1000:8.1f} {p95 * 1000:8.1f} {ratios}")
    # The baseline for the target is the cheapest signed-in page: the queue cannot skip the
    # session and user look-ups every staff page pays; /robots.txt is shown for scale.
    queue_ratio = by_label["queue"][1] / home_p95
    verdict = "met" if queue_ratio <= 3 else "NOT met"
    target = "queue p95 at most 3x a trivial signed-in view's p95"
    print(f"\ntarget: {target}: {queue_ratio:.1f}x ({verdict})")


if __name__ == "__main__":
    main()
