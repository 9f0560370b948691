"""`libya-sim viz` as a process: it stops its server on SIGTERM and Ctrl-C, refuses an address it cannot
listen on in one line, and does not print Solara's cookie warning. (The page itself: test_viz_browser.py.)"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest

from conftest import CLI, ROOT, TOY, run_cli

HANG = 90  # seconds: a hang detector, not a speed check


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return resp.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def _children(pid: int) -> set[int]:
    """Every descendant of ``pid`` (Linux /proc)."""
    out, todo = set(), [pid]
    while todo:
        p = todo.pop()
        try:
            kids = [int(k) for k in Path(f"/proc/{p}/task/{p}/children").read_text().split()]
        except OSError:
            continue
        out.update(kids)
        todo.extend(kids)
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


SIGNALS = {"SIGTERM": (signal.SIGTERM, 0), "Ctrl-C": (signal.SIGINT, 130)}


@pytest.mark.slow  # two viewers and their servers, end to end
def test_sigterm_and_ctrl_c_each_stop_the_server_too(tmp_path):
    """One viewer per signal, started together (each waits mostly for its own start-up): each must stop its
    server, answer no more, print no traceback or cookie warning, and end with 'viewer stopped'."""
    pytest.importorskip("solara")
    viewers = {}
    try:
        for name in SIGNALS:
            port = _free_port()
            log = tmp_path / f"viz-{port}.log"
            with open(log, "w") as fh:
                proc = subprocess.Popen(CLI + ["viz", str(TOY), "--port", str(port)], cwd=ROOT, stdout=fh,
                                        stderr=subprocess.STDOUT, start_new_session=True)
            viewers[name] = SimpleNamespace(proc=proc, url=f"http://127.0.0.1:{port}/", log=log, server=set())
        deadline = time.monotonic() + HANG
        for name, v in viewers.items():
            while not _answers(v.url):
                assert v.proc.poll() is None and time.monotonic() < deadline, (name, v.log.read_text())
                time.sleep(0.2)
            assert _answers(v.url), name  # a second page load (the cookie warning came at every load)
            v.server = _children(v.proc.pid)
            assert v.server, name
        for name, v in viewers.items():
            sig, code = SIGNALS[name]
            v.proc.send_signal(sig)  # to the viewer process alone, as `kill` or a service manager sends it
            assert v.proc.wait(timeout=HANG) == code, name
            deadline = time.monotonic() + HANG
            while any(_alive(p) for p in v.server) and time.monotonic() < deadline:
                time.sleep(0.1)
            assert not [p for p in v.server if _alive(p)], f"{name}: the server process outlived the viewer"
            assert not _answers(v.url), name
            text = v.log.read_text()
            assert "Traceback" not in text and "samesite" not in text and "Aborted" not in text, (name, text)
            assert text.strip().splitlines()[-1] == "viewer stopped", (name, text)
    finally:
        for v in viewers.values():
            if v.proc.poll() is None:
                os.killpg(v.proc.pid, signal.SIGKILL)
                v.proc.wait()
            for p in v.server | _children(v.proc.pid):  # a server left behind is the failure, not the next test's
                if _alive(p):
                    os.kill(p, signal.SIGKILL)


def test_port_out_of_range_is_one_line():
    res = run_cli("viz", TOY, "--port", 99999, timeout=120)
    assert res.returncode == 2 and res.stderr.strip() == "error: --port: must be from 1 to 65535 (got 99999)"


def test_port_in_use_is_one_line():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        res = run_cli("viz", TOY, "--port", port, timeout=120)
    lines = res.stderr.strip().splitlines()
    assert res.returncode == 2 and len(lines) == 1, res.stderr
    assert lines[0].startswith(f"error: --port: cannot listen on 127.0.0.1:{port}: ")
