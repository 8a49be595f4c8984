"""make run's embedded PostgreSQL, started as make run starts it, in a folder of its own.

Each run reports the server's processes from inside; afterwards none of them may be left.
"""

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import pytest

from clinic.local_postgres import database_url

ROOT = Path(__file__).resolve().parent.parent

# The command run beside the server: it connects through DATABASE_URL, reports what it finds
# (the postmaster and all its children among the pids), and with "wait" stays until stopped.
REPORT = """
import json, os, sys, time
import psutil, psycopg
with psycopg.connect(os.environ["DATABASE_URL"]) as connection:
    connection.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    version, upper, database, similarity = connection.execute(
        "SELECT current_setting('server_version'), upper('é'), current_database(),"
        " similarity('Smith', 'Smyth')"
    ).fetchone()
    postmaster = psutil.Process(connection.info.backend_pid).parent()
    pids = [postmaster.pid] + [child.pid for child in postmaster.children()]
print(json.dumps({
    "url": os.environ["DATABASE_URL"], "version": version, "upper": upper,
    "database": database, "similarity": similarity, "pids": pids, "me": os.getpid(),
}), flush=True)
if sys.argv[1:] == ["wait"]:
    time.sleep(120)
"""


def embedded(data_dir, *command, **options):
    """`python -m clinic.local_postgres --data-dir DATA_DIR COMMAND`, as make run calls it."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    return subprocess.Popen(
        [sys.executable, "-m", "clinic.local_postgres", "--data-dir", str(data_dir), *command],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **options,
    )


def report(*extra):
    return (sys.executable, "-c", REPORT, *extra)


def reported(output: str) -> dict:
    return json.loads(next(line for line in output.splitlines() if line.startswith("{")))


def read_report(process) -> dict:
    """The report of a command still running: read line by line until it appears."""
    for line in process.stdout:
        if line.startswith("{"):
            return json.loads(line)
    raise AssertionError(f"no report; stderr:\n{process.stderr.read()}")


def left_behind(pids, data_dir, timeout=0.0) -> list[psutil.Process]:
    """The server's processes still alive (waiting up to `timeout` for them to go)."""
    deadline = time.monotonic() + timeout
    while True:
        alive = []
        for pid in pids:
            try:
                process = psutil.Process(pid)
                if process.status() != psutil.STATUS_ZOMBIE and "postgres" in process.name():
                    alive.append(process)
            except psutil.NoSuchProcess:
                pass
        for process in psutil.process_iter(["cmdline"]):
            if str(data_dir) in " ".join(process.info["cmdline"] or ()):
                alive.append(process)
        if not alive or time.monotonic() >= deadline:
            return alive
        time.sleep(0.1)


@pytest.fixture(scope="module")
def folder():
    # Under root the server runs as its own user, which must be able to enter the folder.
    with tempfile.TemporaryDirectory(prefix="clinic-pg-") as name:
        os.chmod(name, 0o755)  # noqa: S103 (nothing secret in it)
        yield Path(name)


@pytest.fixture(scope="module")
def first_run(folder):
    """The first run: it makes the cluster, runs the command, stops the server."""
    process = embedded(folder / "postgres", *report())
    stdout, stderr = process.communicate(timeout=120)
    return process.returncode, stdout, stderr


def test_the_first_run_makes_the_cluster_and_the_command_uses_it(folder, first_run):
    returncode, stdout, stderr = first_run
    assert returncode == 0, stderr
    assert f"PostgreSQL: new cluster in {folder / 'postgres'}" in stdout
    assert (folder / "postgres" / "PG_VERSION").read_text().strip() == "18"
    found = reported(stdout)
    assert found["url"] == database_url(folder / "postgres")
    assert found["version"].startswith("18.")
    assert found["database"] == "clinic"
    assert found["upper"] == "É"  # Unicode case rules: search finds accented names
    assert found["similarity"] > 0  # pg_trgm, which staff search's index needs
    assert stdout.rstrip().endswith("PostgreSQL stopped.")
    assert left_behind(found["pids"], folder / "postgres") == []


def test_later_runs_reuse_the_cluster(folder, first_run):
    process = embedded(folder / "postgres", *report())
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr
    assert "new cluster" not in stdout
    assert "PostgreSQL 18." in stdout
    assert left_behind(reported(stdout)["pids"], folder / "postgres") == []


def test_the_runner_exits_with_its_commands_code(folder, first_run):
    process = embedded(folder / "postgres", sys.executable, "-c", "raise SystemExit(3)")
    process.communicate(timeout=60)
    assert process.returncode == 3


def test_ctrl_c_while_the_command_runs_stops_the_server_too(folder, first_run):
    # A terminal sends Ctrl-C to its whole foreground group: here, a session of our own, with
    # SIGINT's default action (a background job of a script would inherit it ignored).
    process = embedded(
        folder / "postgres",
        *report("wait"),
        start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    found = read_report(process)
    os.killpg(process.pid, signal.SIGINT)
    stdout, _ = process.communicate(timeout=60)
    assert process.returncode == 128 + signal.SIGINT  # the command's end, as a shell puts it
    assert stdout.rstrip().endswith("PostgreSQL stopped.")
    assert left_behind(found["pids"], folder / "postgres") == []
    assert not psutil.pid_exists(found["me"])


def test_a_runner_killed_outright_still_takes_the_server_down(folder, first_run):
    if sys.platform != "linux":
        pytest.fail("the kernel's parent-death signal is Linux's; this test needs Linux")
    process = embedded(folder / "postgres", *report("wait"))
    found = read_report(process)
    process.kill()
    process.wait(10)
    try:
        assert left_behind(found["pids"], folder / "postgres", timeout=30) == []
    finally:
        os.kill(found["me"], signal.SIGTERM)  # the orphaned command, which holds the pipes
        process.communicate(timeout=10)


def test_with_database_url_set_no_server_starts(tmp_path):
    url = "postgres://postgres@127.0.0.1:5432/postgres"
    process = subprocess.run(
        [
            *(sys.executable, "-m", "clinic.local_postgres", "--data-dir", tmp_path / "postgres"),
            *(sys.executable, "-c", "import os; print(os.environ['DATABASE_URL'])"),
        ],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert process.returncode == 0, process.stderr
    assert process.stdout.splitlines() == ["DATABASE_URL is set: no embedded PostgreSQL.", url]
    assert not (tmp_path / "postgres").exists()


def test_a_folder_too_deep_for_a_socket_is_refused_clearly(tmp_path):
    deep = tmp_path / ("d" * 100) / "postgres"
    process = embedded(deep, "true")
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 2
    assert "too long a path for PostgreSQL's socket" in stderr
    assert "set DATABASE_URL" in stderr
    assert not deep.exists()
