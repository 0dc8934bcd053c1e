"""Find the anvil binary and run it as a child process that never outlives us."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import weakref
from collections import deque
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Final

from fedchain.exceptions import BackendError

ANVIL_ENV: Final = "FEDCHAIN_ANVIL"
"""Environment variable naming the anvil binary to use."""

_KEPT_LINES = 200
_LISTENING = re.compile(r"Listening on ([0-9.]+):(\d+)")
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: no proxy
_ARCH = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}


def find_anvil(explicit: str | os.PathLike[str] | None = None) -> Path:
    """Locate anvil: ``explicit``, then ``$FEDCHAIN_ANVIL``, then ``anvil`` on ``PATH``, then
    ``node_modules/.bin/anvil`` in the current directory or any parent, then next to the package.

    npm's ``node_modules/.bin/anvil`` is a node script that spawns the real binary; when the
    platform package sits next to it the native binary is returned instead, so stopping the
    process stops anvil itself.

    Raises
    ------
    BackendError
        If nothing is found, or an explicitly named file does not exist.
    """
    for source, value in (("argument", explicit), (ANVIL_ENV, os.environ.get(ANVIL_ENV))):
        if value:
            path = Path(value).expanduser()
            if not (path.is_file() and os.access(path, os.X_OK)):
                raise BackendError(f"anvil given by {source} is not an executable file: {path}")
            return _native(path)
    on_path = shutil.which("anvil")
    if on_path:
        return _native(Path(on_path))
    starts = [Path.cwd(), Path(__file__).resolve().parent]
    for start in starts:
        for directory in (start, *start.parents):
            candidate = directory / "node_modules" / ".bin" / "anvil"
            if candidate.is_file():
                return _native(candidate)
    raise BackendError(
        "anvil not found: set FEDCHAIN_ANVIL, put anvil on PATH, or run `npm ci` at the "
        "repository root (it installs @foundry-rs/anvil into node_modules)"
    )


def _native(path: Path) -> Path:
    """Swap an npm node shim for the platform binary it would spawn, when that exists."""
    real = path.resolve()
    try:
        with real.open("rb") as handle:
            head = handle.read(64)
    except OSError:
        return path
    if not (head.startswith(b"#!") and b"node" in head.split(b"\n", 1)[0]):
        return path
    system = {"linux": "linux", "darwin": "darwin", "win32": "win32"}.get(sys.platform, "")
    arch = _ARCH.get(platform.machine().lower(), "")
    exe = "anvil.exe" if system == "win32" else "anvil"
    for scope in (real.parent.parent, path.parent.parent / "@foundry-rs"):
        candidate = scope / f"anvil-{system}-{arch}" / "bin" / exe
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    return path


class AnvilProcess:
    """A running anvil, listening on 127.0.0.1 only.

    The process is stopped by :meth:`stop`, when this object is garbage collected, and at
    interpreter exit, whichever comes first. A daemon thread drains anvil's output (it logs
    every request), keeping only the last lines for error messages, so memory stays bounded
    however long the node runs.
    """

    def __init__(
        self,
        binary: Path,
        args: Sequence[str] = (),
        *,
        port: int | None = None,
        startup_timeout: float = 10.0,
    ) -> None:
        self.binary = binary
        command = [str(binary), "--host", "127.0.0.1", "--port", str(port or 0), *args]
        try:
            self._proc = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=os.name == "posix",
            )
        except OSError as exc:
            raise BackendError(f"cannot start anvil ({binary}): {exc}") from exc
        self._finalizer = weakref.finalize(self, _stop, self._proc)
        self._lines: deque[str] = deque(maxlen=_KEPT_LINES)
        self._listening = threading.Event()
        self._port: int | None = None
        assert self._proc.stdout is not None
        self._drain = threading.Thread(
            target=self._read, args=(self._proc.stdout,), name="anvil-output", daemon=True
        )
        self._drain.start()
        try:
            self.port = self._wait_ready(startup_timeout)
        except BaseException:
            self.stop()
            raise

    @property
    def pid(self) -> int:
        """Process id of anvil."""
        return self._proc.pid

    @property
    def url(self) -> str:
        """HTTP JSON-RPC endpoint."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        """WebSocket JSON-RPC endpoint (anvil serves both on one port)."""
        return f"ws://127.0.0.1:{self.port}"

    def running(self) -> bool:
        """Whether the process is still alive."""
        return self._proc.poll() is None

    def log_tail(self, lines: int = 30) -> str:
        """The last ``lines`` lines anvil printed."""
        return "\n".join(list(self._lines)[-lines:]).strip()

    def stop(self) -> None:
        """Terminate anvil (SIGTERM, then SIGKILL after 5 s). Idempotent."""
        self._finalizer()
        self._drain.join(timeout=5)

    def _read(self, stream: IO[bytes]) -> None:
        with stream:
            for raw in stream:
                line = raw.decode(errors="replace").rstrip()
                self._lines.append(line)
                if self._port is None:
                    match = _LISTENING.search(line)
                    if match:
                        self._port = int(match.group(2))
                        self._listening.set()
        self._listening.set()  # end of output: wake the waiter, which sees the exit

    def _wait_ready(self, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._listening.wait(timeout=0.01)
            if self._proc.poll() is not None:
                self._drain.join(timeout=1)
                raise BackendError(
                    f"anvil exited with code {self._proc.returncode} during startup:\n"
                    f"{self.log_tail() or '(no output)'}"
                )
            if self._port is not None and _answers(self._port):
                return self._port
        raise BackendError(
            f"anvil did not answer within {timeout:.1f} s:\n{self.log_tail() or '(no output)'}"
        )


def _answers(port: int) -> bool:
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []})
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}",
        data=body.encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with _DIRECT.open(request, timeout=1.0) as response:
            return "result" in json.loads(response.read())
    except (OSError, ValueError, urllib.error.URLError):
        return False


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        _signal(proc, signal.SIGTERM)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            _signal(proc, signal.SIGKILL if os.name == "posix" else signal.SIGTERM)
            proc.wait(timeout=5)


def _signal(proc: subprocess.Popen[bytes], sig: int) -> None:
    # anvil runs in its own session: signal the group so a node shim's child dies too.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        if os.name == "posix":
            os.killpg(proc.pid, sig)
        else:  # pragma: no cover - Windows
            proc.send_signal(sig)


__all__ = ["ANVIL_ENV", "AnvilProcess", "find_anvil"]
