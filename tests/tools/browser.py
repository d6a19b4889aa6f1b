"""Serve built HTML on 127.0.0.1 and drive headless Chromium (tests and ``make pdf``)."""

from __future__ import annotations

import functools
import io
import os
import shutil
import subprocess
import tempfile
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

CHROMIUM_NAMES = (
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
)
INSTALL_HINT = "Chromium not found: apt-get install -y chromium"

# Headless and offline: every host name except the local server fails to resolve, so a
# page that needs the network (a CDN script, a remote font) visibly breaks in the tests.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-dev-shm-usage",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]


def find_chromium() -> str | None:
    """``$CHROMIUM`` if set, else the first Chromium/Chrome on ``PATH``."""
    if os.environ.get("CHROMIUM"):
        return os.environ["CHROMIUM"]
    for name in CHROMIUM_NAMES:
        exe = shutil.which(name)
        if exe:
            return exe
    return None


@dataclass
class Server:
    base_url: str
    requests: list[tuple[str, int, str]] = field(
        default_factory=list
    )  # path, status, referer

    def failed(self) -> list[tuple[str, int, str]]:
        return [r for r in self.requests if r[1] >= 400]


class _Handler(SimpleHTTPRequestHandler):
    record: list | None = None
    inject: bytes = b""  # added before </body> of every HTML page served
    lock = threading.Lock()

    def send_head(self):
        path = self.translate_path(self.path)
        if not self.inject or not path.endswith(".html") or not os.path.isfile(path):
            return super().send_head()
        body = Path(path).read_bytes().replace(b"</body>", self.inject + b"</body>", 1)
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)

    def log_request(self, code="-", size="-"):
        try:
            status = int(getattr(code, "value", code))
        except (TypeError, ValueError):
            status = 0
        with self.lock:
            self.record.append(
                (
                    self.path,
                    status,
                    self.headers.get("Referer", "") if self.headers else "",
                )
            )

    def log_message(self, format, *args):  # keep test output quiet
        pass


@contextmanager
def serve(directory: Path, inject: str = ""):
    """Serve ``directory`` on a free port of 127.0.0.1 in a background thread.

    ``inject`` (HTML, e.g. a measuring script) is added to every page served; the files
    themselves are not changed.
    """
    server_info = Server(base_url="")
    handler = type(
        "Handler",
        (_Handler,),
        {"record": server_info.requests, "inject": inject.encode("utf-8")},
    )
    httpd = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(handler, directory=str(directory))
    )
    httpd.daemon_threads = True
    server_info.base_url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server_info
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


# Headless Chromium occasionally dies from a signal (a segfault, exit -11) on a page it
# renders fine on every other run; such a run is repeated, a page error is not.
CRASH_RETRIES = 2


def run_chromium(
    exe: str, url: str, *args: str, budget_ms: int = 20000, timeout: float = 180
) -> subprocess.CompletedProcess:
    """Run headless Chromium on ``url`` with a throw-away profile.

    A run killed by a signal is repeated up to ``CRASH_RETRIES`` times, each with a fresh
    profile; the last result is returned, so a crash that persists still fails the caller.
    """
    for _attempt in range(1 + CRASH_RETRIES):
        with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
            cmd = [
                exe,
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                f"--virtual-time-budget={budget_ms}",
                *args,
                url,
            ]
            proc = subprocess.run(
                cmd,
                capture_output=True,
                text=True,
                timeout=timeout,
                stdin=subprocess.DEVNULL,
            )
        if proc.returncode >= 0:
            break
    return proc


def dump_dom(exe: str, url: str, budget_ms: int = 20000, *args: str) -> str:
    """The page's DOM after its scripts (MathJax) have run, as HTML text."""
    proc = run_chromium(exe, url, "--dump-dom", *args, budget_ms=budget_ms)
    if proc.returncode != 0:
        raise RuntimeError(
            f"chromium failed on {url} (exit {proc.returncode}):\n{proc.stderr[-2000:]}"
        )
    return proc.stdout
