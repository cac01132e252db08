"""Drive a real terminal program inside a private tmux server.

Used by the end-to-end tests and the benchmarks:

    with Tmux(["dubao"], width=80, height=24, socket_dir=tmp_path) as term:
        term.wait_for("建设平安山西")
        term.send("j", "Space")
        term.send("你好", literal=True)
        assert "..." in term.wait_stable()

Every instance runs its own tmux server on its own socket (`tmux -S`), so it never touches a
user's tmux. The pane is exactly `width` x `height` (no status line, manual window size), keeps
its last screen and exit status after the program quits (`remain-on-exit`), and the program gets
`TERM` and the given environment explicitly, whatever the server's own environment holds.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import NoReturn, Self

Condition = str | Callable[[str], bool]
StrPath = str | os.PathLike[str]

SESSION = "harness"
# sun_path holds 108 bytes on Linux and 104 on macOS; stay below both.
_SOCKET_PATH_MAX = 100
# Unset in the program's environment by default: with COLORTERM=truecolor inherited from the
# caller's terminal, TERM alone would no longer decide the colour depth (ssh drops it too).
DEFAULT_UNSET = ("COLORTERM",)
_counter = itertools.count()


class TmuxError(RuntimeError):
    """tmux is missing, or one of its commands failed."""


def tmux_binary() -> str:
    """The tmux executable; fails clearly when it is not installed."""
    path = shutil.which("tmux")
    if path is None:
        raise TmuxError(
            "tmux is not installed: the end-to-end tests and benchmarks need it "
            "(tests/run.sh installs it; or `apt-get install tmux`)"
        )
    return path


def tmux_available() -> bool:
    return shutil.which("tmux") is not None


def tmux_version() -> str:
    """`tmux -V`, e.g. "tmux 3.3a"."""
    result = subprocess.run([tmux_binary(), "-V"], capture_output=True, text=True, check=True)
    return result.stdout.strip()


def pid_alive(pid: int) -> bool:
    """True if `pid` runs; a zombie (exited, not yet reaped) counts as gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    # The state follows the command name, which is in parentheses and may contain spaces.
    return stat.rpartition(")")[2].split()[0] not in ("Z", "X")


def _client_env() -> dict[str, str]:
    env = dict(os.environ)
    # If the caller itself runs inside tmux, make sure nothing leads back to that server.
    env.pop("TMUX", None)
    env.pop("TMUX_PANE", None)
    return env


def _describe(condition: Condition) -> str:
    if isinstance(condition, str):
        return repr(condition)
    return getattr(condition, "__name__", repr(condition))


def _matches(condition: Condition, screen: str) -> bool:
    if isinstance(condition, str):
        return condition in screen
    return condition(screen)


def _framed(screen: str) -> str:
    rule = "-" * 40
    return f"{rule}\n{screen}\n{rule}"


class Tmux:
    """One program running in a detached tmux session on a private server."""

    def __init__(
        self,
        command: Sequence[str],
        width: int = 80,
        height: int = 24,
        env: Mapping[str, str] | None = None,
        cwd: StrPath | None = None,
        *,
        term: str = "xterm-256color",
        socket_dir: StrPath | None = None,
        unset: Sequence[str] = DEFAULT_UNSET,
    ) -> None:
        self.width = width
        self.height = height
        self.term = term
        self.unset = tuple(unset)
        self._closed = False
        self._own_dir: Path | None = None
        self.socket = self._socket_path(socket_dir)
        self._tmux = tmux_binary()
        try:
            self._start(command, env, cwd)
            self.server_pid = int(self.display("#{pid}"))
        except BaseException:
            self.close()
            raise

    # ------------------------------------------------------------------ lifecycle

    def _socket_path(self, socket_dir: StrPath | None) -> Path:
        name = f"tmux-{os.getpid()}-{next(_counter)}.sock"
        if socket_dir is not None:
            path = Path(socket_dir) / name
            if len(os.fsencode(path)) <= _SOCKET_PATH_MAX:
                return path
        # No directory given, or its path is too long for a Unix socket: a private one.
        self._own_dir = Path(tempfile.mkdtemp(prefix="tmux-harness-"))
        return self._own_dir / name

    def _start(
        self, command: Sequence[str], env: Mapping[str, str] | None, cwd: StrPath | None
    ) -> None:
        size = f"{self.width}x{self.height}"
        where = ["-c", os.fspath(cwd)] if cwd is not None else []
        # Options are set before new-session so that even a program that exits at once keeps
        # its pane; window-size is set afterwards because tmux 3.3 crashes setting it earlier.
        self.tmux(
            "-f", os.devnull,
            "start-server", ";",
            "set-option", "-g", "status", "off", ";",
            "set-option", "-g", "default-size", size, ";",
            "set-option", "-g", "default-terminal", self.term, ";",
            "set-option", "-g", "escape-time", "0", ";",
            "set-option", "-g", "remain-on-exit", "on", ";",
            "new-session", "-d", "-s", SESSION, "-x", str(self.width), "-y", str(self.height),
            *where, *self._wrap(command, env), ";",
            "set-option", "-g", "window-size", "manual",
        )  # fmt: skip

    def _wrap(self, command: Sequence[str], env: Mapping[str, str] | None) -> list[str]:
        """`env` in front of the command: explicit variables, and always more than one
        argument, so tmux runs the command directly rather than through `sh -c`."""
        if not command:
            raise ValueError("empty command")
        unset = [arg for name in self.unset for arg in ("-u", name)]
        variables = {"TERM": self.term, **(env or {})}
        assignments = [f"{key}={value}" for key, value in variables.items()]
        return ["env", *unset, "--", *assignments, *command]

    def respawn(
        self,
        command: Sequence[str],
        env: Mapping[str, str] | None = None,
        cwd: StrPath | None = None,
    ) -> None:
        """Replace the pane's program (killing it if still running); the screen is reset."""
        where = ["-c", os.fspath(cwd)] if cwd is not None else []
        self.tmux("respawn-pane", "-k", "-t", SESSION, *where, *self._wrap(command, env))

    def close(self) -> None:
        """Kill the private server and its programs, and remove the socket. Idempotent."""
        if self._closed:
            return
        server_pid: int | None = getattr(self, "server_pid", None)
        pane_pid: int | None = None
        if server_pid is not None:
            with contextlib.suppress(TmuxError):
                pane_pid = self.pane_pid()
        self._closed = True
        subprocess.run(
            [self._tmux, "-S", str(self.socket), "kill-server"],
            capture_output=True,
            env=_client_env(),
            check=False,
        )
        if server_pid is not None:
            _wait_gone(server_pid, timeout=5.0)
        if pane_pid is not None and not _wait_gone(pane_pid, timeout=1.0):
            # It ignored the SIGHUP that tmux sent: take its whole process group down.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pane_pid, signal.SIGKILL)
        # tmux leaves its socket file behind when the server exits.
        self.socket.unlink(missing_ok=True)
        if self._own_dir is not None:
            shutil.rmtree(self._own_dir, ignore_errors=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # ------------------------------------------------------------------ commands

    def tmux(self, *args: str) -> str:
        """Run a tmux command on this server and return its standard output."""
        if self._closed:
            raise TmuxError("this Tmux is closed")
        result = subprocess.run(
            [self._tmux, "-u", "-S", str(self.socket), *args],
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            env=_client_env(),
            check=False,
        )
        if result.returncode != 0:
            raise TmuxError(f"tmux {' '.join(args)!r} failed: {result.stderr.strip()}")
        return result.stdout

    def display(self, fmt: str) -> str:
        """Expand a tmux format (e.g. "#{pane_pid}") for the pane."""
        return self.tmux("display-message", "-p", "-t", SESSION, fmt).rstrip("\n")

    def screen(self, escapes: bool = False) -> str:
        """The visible screen as text, one line per row (trailing spaces trimmed).

        `escapes=True` keeps colours and attributes as escape sequences. Wide (CJK) characters
        appear once each. After the program exits, this is its last screen followed by tmux's
        "Pane is dead (status N, ...)" line.
        """
        # tmux writes the "Pane is dead" line below the last row, scrolling the top row into the
        # history: capture one history row too, and keep it only once that line is drawn
        # (pane_dead_time is set from then on).
        capture = ["capture-pane", "-p", "-S", "-1", "-t", SESSION, *(["-e"] if escapes else [])]
        output = self.tmux(
            "display-message", "-p", "-t", SESSION, "#{history_size}:#{pane_dead_time}", ";",
            *capture,
        )  # fmt: skip
        head, _, body = output.partition("\n")
        history, dead_time = head.split(":")
        rows = body.removesuffix("\n").split("\n")
        if int(history) > 0 and not dead_time:
            rows = rows[1:]
        return "\n".join(rows)

    def lines(self) -> list[str]:
        return self.screen().split("\n")

    def send(self, *keys: str, literal: bool = False) -> None:
        """Send tmux key names ("j", "Space", "PageDown", "Escape", "F1", "C-q"), or with
        `literal=True` the text itself, character by character."""
        if not keys:
            return
        flags = ["-l", "--"] if literal else ["--"]
        self.tmux("send-keys", "-t", SESSION, *flags, *keys)

    def resize(self, width: int, height: int) -> None:
        self.tmux("resize-window", "-t", SESSION, "-x", str(width), "-y", str(height))
        self.width, self.height = width, height

    def size(self) -> tuple[int, int]:
        """(width, height) of the pane as tmux sees it."""
        width, height = self.display("#{pane_width} #{pane_height}").split()
        return int(width), int(height)

    def pane_pid(self) -> int:
        return int(self.display("#{pane_pid}"))

    def pane_title(self) -> str:
        return self.display("#{pane_title}")

    def is_dead(self) -> bool:
        return self.display("#{pane_dead}") == "1"

    def exit_status(self) -> int | None:
        """The program's exit status, minus the signal number if a signal killed it; None
        while it runs, or until tmux has reaped it (`wait_for_exit` makes sure it does)."""
        return self._exit_info()[1]

    def _exit_info(self) -> tuple[bool, int | None]:
        dead, status, signum = self.display(
            "#{pane_dead}:#{pane_dead_status}:#{pane_dead_signal}"
        ).split(":")
        if signum:
            return dead == "1", -int(signum)
        return dead == "1", int(status) if status else None

    # ------------------------------------------------------------------ waiting

    def wait_for(self, condition: Condition, timeout: float = 10.0, interval: float = 0.02) -> str:
        """Poll the screen until it contains the text (or the predicate holds); return it.

        Raises AssertionError with the last screen on timeout, or as soon as the program has
        exited without the screen matching.
        """
        deadline = time.monotonic() + timeout
        next_death_check = time.monotonic() + 0.5
        while True:
            screen = self.screen()
            if _matches(condition, screen):
                return screen
            now = time.monotonic()
            if now >= deadline:
                self._fail(f"timed out after {timeout:g} s waiting for {_describe(condition)}")
            if now >= next_death_check:
                next_death_check = now + 0.5
                if self.is_dead():
                    screen = self.screen()
                    if _matches(condition, screen):
                        return screen
                    self._fail(f"the program exited while waiting for {_describe(condition)}")
            time.sleep(interval)

    def wait_until_gone(self, text: str, timeout: float = 10.0, interval: float = 0.02) -> str:
        """Poll until `text` is no longer on the screen; return the screen."""

        def gone(screen: str) -> bool:
            return text not in screen

        gone.__name__ = f"{text!r} to disappear"
        return self.wait_for(gone, timeout=timeout, interval=interval)

    def wait_stable(self, interval: float = 0.15, timeout: float = 5.0) -> str:
        """Return the screen once two captures `interval` apart are identical."""
        deadline = time.monotonic() + timeout
        previous = self.screen()
        while True:
            time.sleep(interval)
            current = self.screen()
            if current == previous:
                return current
            if time.monotonic() >= deadline:
                self._fail(f"the screen was still changing after {timeout:g} s")
            previous = current

    def wait_for_exit(self, timeout: float = 10.0, interval: float = 0.02) -> int:
        """Wait until the program exits; return its status (see `exit_status`).

        tmux discards output it has not read yet when a program exits, so a program under
        test should not exit within milliseconds of printing what a test looks for.
        """
        deadline = time.monotonic() + timeout
        while True:
            dead, status = self._exit_info()
            if status is not None:
                return status
            if dead:
                # tmux 3.3 sometimes misses the SIGCHLD of a pane whose terminal has already
                # closed, leaving it a zombie with no status: another SIGCHLD makes it reap.
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self.server_pid, signal.SIGCHLD)
            if time.monotonic() >= deadline:
                state = "tmux recorded no exit status" if dead else "it was still running"
                self._fail(f"the program did not exit within {timeout:g} s: {state}")
            time.sleep(interval)

    def _fail(self, message: str) -> NoReturn:
        try:
            screen = self.screen()
        except TmuxError as error:
            screen = f"<no screen: {error}>"
        raise AssertionError(f"{message}; last screen:\n{_framed(screen)}")


def _wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while pid_alive(pid):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.01)
    return True
