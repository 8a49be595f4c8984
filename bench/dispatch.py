"""`make bench`: N due follow-ups through the outbox and a real Celery worker, against a plain
smtplib loop.

Starts an SMTP sink (aiosmtpd, in a process of its own, on a free loopback port) that counts
messages and keeps each one's Message-ID, read by scanning the bytes, nothing parsed. Then:

1. A fresh PostgreSQL database (dropped and created each run, migrated), seeded with
   `seed_demo --force --followups-due N` under the production settings (bench/run.py's), with
   EMAIL_URL pointing at the sink, Redis db 11 (--broker) as the broker (purged) and quiet
   hours off.
2. The baseline, in the same run: one real follow-up email rendered once by the outbox's own
   `render` (clinic/outbox.py), then sent N times by a plain smtplib loop over one connection,
   each copy with a Message-ID of its own, to the same sink. Messages per second.
3. The real thing: a `celery -A clinic worker --concurrency W` subprocess. Beat would send
   `clinic.tasks.send_outbox` once a minute, each pass stopping after its 45-second budget: on
   that schedule alone one slot works 45 s of every 60 and the others idle, which measures the
   schedule, not the worker. So the benchmark sends the same task, with beat's options,
   whenever fewer than W are waiting in the queue: every slot always has a pass to run, as
   beat plus `manage.py send_outbox`, or a faster schedule, could arrange. Each pass claims,
   sends and marks one outbox row at a time over one SMTP connection. The
   clock runs from the first task sent to the last message the sink received; the beat-only
   ceiling is printed as an estimate beside it. Progress every few seconds; gives up after
   --timeout seconds.

Then it reconciles the sink with the outbox rows: duplicates (a Message-ID received more than
once), losses (due rows neither marked sent nor received; rows marked sent but never received),
and failed rows; it prints messages per second for both and the ratio (worker / smtplib). The
worker is stopped and the database dropped at the end, whatever happened. Exit status 1 if any
email was doubled or lost or the run timed out.
"""

import argparse
import base64
import contextlib
import json
import logging
import multiprocessing
import os
import re
import signal
import smtplib
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter

from run import PY, ROOT, env_for

BROKER = "redis://127.0.0.1:6379/11"  # --broker
TASK = "clinic.tasks.send_outbox"
QUEUE = "celery"  # the default queue: a Redis list of that name in the broker's db
BEAT_OPTIONS = {"expires": 55}  # CELERY_BEAT_SCHEDULE["send-outbox"]["options"]
BEAT_INTERVAL, PASS_BUDGET = 60, 45  # beat's schedule; clinic.tasks.PASS_BUDGET_SECONDS
PROGRESS_EVERY = 5.0
HEADERS_END = re.compile(rb"\r?\n\r?\n")
MESSAGE_ID = re.compile(rb"^message-id:[ \t]*([^\r\n]*)", re.IGNORECASE | re.MULTILINE)
OUTBOX_ID = re.compile(rb"<outbox-(\d+)@")


# --- The sink ------------------------------------------------------------------------------------


class Tally:
    """The aiosmtpd handler: counts messages and keeps their Message-IDs, nothing else."""

    def __init__(self):
        self.ids = []
        self.first = self.last = None
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        content = envelope.content
        end = HEADERS_END.search(content)
        found = MESSAGE_ID.search(content, 0, end.start() if end else len(content))
        now = time.monotonic()
        with self.lock:
            self.ids.append(found.group(1).strip() if found else b"")
            self.first = self.first or now
            self.last = now
        return "250 OK"

    def answer(self, command):
        with self.lock:
            if command == "count":
                return len(self.ids), self.first, self.last
            taken = self.ids, self.first, self.last  # "take": everything so far, then start afresh
            self.ids, self.first, self.last = [], None, None
            return taken


def sink_main(port, conn):
    """The sink process: the SMTP server in a thread, answering `conn` until told to stop."""
    from aiosmtpd.controller import Controller

    logging.getLogger("mail.log").setLevel(logging.WARNING)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the bench's to handle
    tally = Tally()
    controller = Controller(tally, hostname="127.0.0.1", port=port, server_hostname="sink")
    controller.start()
    conn.send("ready")
    try:
        while (command := conn.recv()) != "stop":
            conn.send(tally.answer(command))
    except EOFError:
        pass
    finally:
        controller.stop()


class Sink:
    def __init__(self):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        ctx = multiprocessing.get_context("fork")
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=sink_main, args=(self.port, child), daemon=True)
        self.process.start()
        if not self.conn.poll(30) or self.conn.recv() != "ready":
            raise SystemExit("the SMTP sink did not start")

    def count(self):
        """(messages so far, monotonic time of the first, of the last)"""
        self.conn.send("count")
        return self.conn.recv()

    def take(self):
        """(Message-IDs so far, first, last), and the sink starts counting afresh."""
        self.conn.send("take")
        return self.conn.recv()

    def stop(self):
        with contextlib.suppress(OSError):
            self.conn.send("stop")
        self.process.join(10)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


# --- The database ------------------------------------------------------------------------------


def psql(db, sql):
    """Rows of a query, each a list of its columns as text (the SQL goes by stdin: any size)."""
    out = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", db, "-XqtA", "-F", " "],
        input=sql,
        capture_output=True,
        text=True,
        check=True,
    )
    return [line.split() for line in out.stdout.splitlines() if line.strip()]


def pg(*args):
    env = {**os.environ, "PGOPTIONS": "--client-min-messages=warning"}
    subprocess.run([*args, "-h", "127.0.0.1", "-U", "postgres"], check=True, env=env)


def manage(env, *args, **kwargs):
    return subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True, **kwargs)


TABLE = "clinic_outgoingemail"
DUE = "kind = 'followup' AND status = 'queued' AND next_attempt_at <= now()"
OPEN = f"({DUE}) OR status = 'sending'"  # what a pass would still take or is sending

RENDER = """
import base64, email.policy, email.utils, json
from django.utils import timezone
from clinic import outbox
from clinic.models import OutgoingEmail
row = OutgoingEmail.objects.filter(
    kind="followup", status="queued", next_attempt_at__lte=timezone.now()
).first()
row.message_id = outbox.message_id(row.pk)  # as the claim would set it (not saved)
message = outbox.render(row)
print(json.dumps({
    "from": email.utils.parseaddr(message.from_email)[1],
    "bytes": base64.b64encode(message.message(policy=email.policy.SMTP).as_bytes()).decode(),
}))
"""


def open_rows(db):
    return int(psql(db, f"SELECT count(*) FROM {TABLE} WHERE {OPEN}")[0][0])


def render_one(env):
    """One real follow-up email as Django's SMTP backend would send it (the row is untouched)."""
    out = manage(env, "shell", "-v", "0", "-c", RENDER, capture_output=True, text=True)
    found = json.loads(out.stdout.strip().splitlines()[-1])
    return found["from"], base64.b64decode(found["bytes"])


# --- The baseline --------------------------------------------------------------------------------


def baseline(sink, sender, raw, n):
    """A minimal mailer: the same bytes N times over one connection, each its own Message-ID."""
    end = HEADERS_END.search(raw).start()
    found = MESSAGE_ID.search(raw, 0, end)
    before, after = raw[: found.start(1)], raw[found.end(1) :]
    sink.take()
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", sink.port, local_hostname="bench", timeout=30) as smtp:
        for i in range(n):
            data = b"%s<baseline-%d@bench>%s" % (before, i, after)
            smtp.sendmail(sender, [f"baseline.{i}@example.test"], data)
    elapsed = time.perf_counter() - started
    ids, _, _ = sink.take()
    if len(ids) != n or len(set(ids)) != n:
        raise SystemExit(f"baseline: the sink has {len(ids)} ({len(set(ids))} distinct), not {n}")
    return n / elapsed, elapsed


# --- The worker ----------------------------------------------------------------------------------


def broker_app(broker):
    from celery import Celery

    app = Celery("bench", broker=broker)
    app.conf.update(task_serializer="json", broker_connection_retry_on_startup=True)
    return app


def start_worker(env, workers, log):
    return subprocess.Popen(
        [
            PY,
            "-m",
            "celery",
            "--quiet",  # no banner; log records still go to the log
            "-A",
            "clinic",
            "worker",
            "--concurrency",
            str(workers),
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its pool processes form a group that stop_worker can end
    )


def wait_ready(app, worker, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise SystemExit(f"the worker exited ({worker.returncode}) before it was ready")
        if app.control.ping(timeout=0.5):
            return
    raise SystemExit("the worker did not answer a ping within a minute")


def stop_worker(worker, grace=PASS_BUDGET + 30):
    """Warm shutdown (running passes finish; at the end none has rows left), then SIGKILL to the
    whole group after `grace` seconds: no process is left behind."""
    if worker.poll() is None:
        worker.terminate()  # the main process only: it stops its pool in good order
        try:
            worker.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
    with contextlib.suppress(ProcessLookupError):
        os.killpg(worker.pid, signal.SIGKILL)  # a pool process left behind, if any


def run_worker(sink, app, redis, db, worker, workers, expected, timeout):
    """Keep `workers` passes waiting in the queue until nothing is due or in flight, or every
    row has reached the sink, or time is up; (start time, passes sent, timed out)."""
    sink.take()
    sent_tasks = 0
    t0 = time.monotonic()
    deadline = t0 + timeout
    next_report, last_count, last_at = t0 + PROGRESS_EVERY, 0, t0
    timed_out = False
    while True:
        now = time.monotonic()
        waiting = redis.llen(QUEUE)
        for _ in range(max(0, workers - waiting)):
            app.send_task(TASK, **BEAT_OPTIONS)
            sent_tasks += 1
        count, _, _ = sink.count()
        if now >= next_report:
            rate = (count - last_count) / (now - last_at)
            print(
                f"  {now - t0:6.1f} s  {count:>7,} received  {rate:8,.0f}/s now  "
                f"{count / (now - t0):8,.0f}/s overall  ({sent_tasks} passes sent)",
                flush=True,
            )
            next_report, last_count, last_at = now + PROGRESS_EVERY, count, now
            # Done when nothing is due or in flight any more (retries wait in the future).
            if count >= expected or not open_rows(db):
                break
        elif count >= expected:
            break
        if worker.poll() is not None:
            raise SystemExit(f"the worker exited ({worker.returncode}) mid-run")
        if now > deadline:
            timed_out = True
            print(f"  timed out after {timeout} s", flush=True)
            break
        time.sleep(0.2)
    time.sleep(1.0)  # a straggler of the last batch
    return t0, sent_tasks, timed_out


# --- Reconciling ---------------------------------------------------------------------------------


def reconcile(ids, rows):
    """Compare the Message-IDs the sink received with the due rows' final statuses."""
    seen = Counter(ids)
    received = {}
    strays = 0
    for message_id, times in seen.items():
        found = OUTBOX_ID.search(message_id)
        if found:
            received[int(found.group(1))] = times
        else:
            strays += times
    status = dict(rows)
    report = {
        "received": len(ids),
        "distinct": len(seen),
        "duplicates": sum(times - 1 for times in seen.values() if times > 1),
        "doubled": sum(1 for times in seen.values() if times > 1),
        "statuses": Counter(status.values()),
        "not sent, not received": Counter(
            s for pk, s in status.items() if s != "sent" and pk not in received
        ),
        "marked sent, not received": sum(
            1 for pk, s in status.items() if s == "sent" and pk not in received
        ),
        "received, not marked sent": Counter(
            s for pk, s in status.items() if s != "sent" and pk in received
        ),
        "received, not a due row": strays + sum(1 for pk in received if pk not in status),
    }
    return report


# --- The run -------------------------------------------------------------------------------------


def show(args, due, passes, base, worker, report, timed_out):
    (base_rate, base_seconds), (rate, seconds) = base, worker
    per_slot = rate / args.workers
    print(f"\n{len(due):,} due follow-ups, worker concurrency {args.workers}, {passes} passes\n")
    print(f"{'sender':32} {'messages':>9} {'seconds':>8} {'per s':>8}")
    print(f"{'smtplib loop (baseline)':32} {args.n:>9,} {base_seconds:>8.1f} {base_rate:>8,.0f}")
    print(f"{'celery worker':32} {report['received']:>9,} {seconds:>8.1f} {rate:>8,.0f}")
    ratio = rate / base_rate
    print(
        f"\nratio worker / smtplib: {ratio:.3f} (the worker is {1 / max(ratio, 1e-9):.1f}x slower)"
    )
    print(
        f"beat alone (one {PASS_BUDGET} s pass a minute, so one slot) would cap it near "
        f"{per_slot * PASS_BUDGET / BEAT_INTERVAL:,.0f}/s (estimate: this run's {per_slot:,.0f}/s "
        f"a slot x {PASS_BUDGET}/{BEAT_INTERVAL})"
    )
    statuses = ", ".join(f"{count:,} {s}" for s, count in sorted(report["statuses"].items()))
    print(f"\nrows: {statuses}")
    print(f"duplicates: {report['duplicates']:,} extra copies of {report['doubled']:,} emails")
    unsent = dict(report["not sent, not received"]) or 0
    print(
        f"losses: not sent and not received {unsent}; "
        f"marked sent but not received {report['marked sent, not received']:,}"
    )
    print(f"received but not marked sent: {dict(report['received, not marked sent']) or 0}")
    print(f"received but not a due row: {report['received, not a due row']:,}")
    print(f"failed rows: {report['statuses'].get('failed', 0):,}")
    lost = sum(report["not sent, not received"].values()) + report["marked sent, not received"]
    if report["duplicates"] or lost or timed_out:
        print("\nNOT exactly once" + (" (timed out)" if timed_out else ""))
        return 1
    print("\nevery due follow-up delivered exactly once")
    return 0


def tail(log, lines=10):
    log.seek(0)
    text = [
        line
        for line in log.read().decode(errors="replace").splitlines()
        if line.strip() and "Warm shutdown" not in line
    ]
    if text:
        print(f"worker output ({len(text)} lines, the last {min(lines, len(text))}):")
        print("\n".join(f"  {line}" for line in text[-lines:]), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000, help="due follow-ups (default 20,000)")
    parser.add_argument("--db", default="clinic_bench_dispatch")
    parser.add_argument(
        "--broker", default=BROKER, help=f"a Redis db of its own (default {BROKER})"
    )
    parser.add_argument("--workers", type=int, default=2, help="worker concurrency (default 2)")
    parser.add_argument("--timeout", type=int, default=15 * 60, help="seconds (default 900)")
    args = parser.parse_args()
    # A plain `kill` cleans up as Ctrl-C does: the finally below stops the worker, drops the db.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    import redis as redis_client

    redis = redis_client.Redis.from_url(args.broker)
    sink = Sink()
    env = env_for(args.db)
    env.update(
        EMAIL_URL=f"smtp://127.0.0.1:{sink.port}",
        CELERY_BROKER_URL=args.broker,
        FOLLOWUP_QUIET_HOURS="off",
    )
    worker = None
    with tempfile.TemporaryFile() as log:
        try:
            print(f"fresh database {args.db}, {args.n:,} follow-ups due", flush=True)
            pg("dropdb", "--if-exists", "--force", args.db)
            pg("createdb", args.db)
            manage(env, "migrate", "--noinput", "-v0")
            manage(env, "seed_demo", "--force", "--followups-due", str(args.n), capture_output=True)
            due = {int(pk) for (pk,) in psql(args.db, f"SELECT id FROM {TABLE} WHERE {DUE}")}
            if len(due) != args.n:
                print(f"  note: {len(due):,} rows are due, not {args.n:,}")

            sender, raw = render_one(env)
            print(f"baseline: smtplib, one connection, {args.n:,} x {len(raw):,} bytes", flush=True)
            base = baseline(sink, sender, raw, args.n)
            print(f"  {base[1]:.1f} s, {base[0]:,.0f} messages/s", flush=True)

            redis.flushdb()  # the bench's own broker db: nothing left from an earlier run
            app = broker_app(args.broker)
            worker = start_worker(env, args.workers, log)
            wait_ready(app, worker)
            print(
                f"worker: concurrency {args.workers}, {args.workers} passes kept queued", flush=True
            )
            t0, passes, timed_out = run_worker(
                sink, app, redis, args.db, worker, args.workers, len(due), args.timeout
            )
            stop_worker(worker)
            ids, _, last = sink.take()
            listed = ",".join(map(str, sorted(due)))
            rows = psql(args.db, f"SELECT id, status FROM {TABLE} WHERE id IN ({listed})")
        finally:
            if worker is not None:
                stop_worker(worker, grace=10)  # stopped already, unless something went wrong
                tail(log)
            redis.flushdb()
            sink.stop()
            pg("dropdb", "--if-exists", "--force", args.db)

    report = reconcile(ids, [(int(pk), status) for pk, status in rows])
    seconds = last - t0 if last else float("nan")
    rate = report["received"] / seconds if last else 0.0
    sys.exit(show(args, due, passes, base, (rate, seconds), report, timed_out))


if __name__ == "__main__":
    main()
