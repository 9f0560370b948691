"""The browser viewer (Mesa SolaraViz). ``serve`` is what ``libya-sim viz`` calls.

Importing this package is cheap: Solara and Mesa's visualisation are only loaded by the
server process that runs :mod:`sim.viz.app`.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

APP_PATH = Path(__file__).resolve().parent / "app.py"
ENV_SCENARIO = "LIBYA_SIM_VIZ_SCENARIO"
ENV_SEED = "LIBYA_SIM_VIZ_SEED"
STOP_WAIT = 10.0  # seconds the server gets to stop before it is killed
# Solara warns at every page load that a cookie falls back to samesite=lax on plain http; for a
# viewer on this machine that is expected, and the 12-line warning hides the useful output.
QUIET_WARNINGS = "ignore:Cookies with samesite=none require https"


def server_command(host: str = "127.0.0.1", port: int = 8765) -> list[str]:
    """The command that runs the viewer: ``solara run sim/viz/app.py --host H --port P --no-open --production``.

    ``--production``: no hot reload, and no hidden iframe that phones solara.dev (it fails offline).
    """
    return [sys.executable, "-m", "solara", "run", str(APP_PATH), "--host", host, "--port", str(int(port)),
            "--no-open", "--production"]


def server_env(scenario: str | None, seed: int, base: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ if base is None else base)
    if scenario:
        env[ENV_SCENARIO] = str(Path(scenario).resolve()) if Path(scenario).exists() else scenario
    env[ENV_SEED] = str(int(seed))
    env.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")  # no usage reports to mixpanel
    env["PYTHONWARNINGS"] = ",".join(w for w in (env.get("PYTHONWARNINGS"), QUIET_WARNINGS) if w)
    return env


class _Stop(Exception):
    """SIGTERM or SIGHUP reached the viewer: stop the server and leave with exit code 0."""


def _raise_stop(signum, frame):
    raise _Stop


def check_address(host: str, port: int) -> str | None:
    """Why the viewer cannot listen on ``host:port`` (None if it can)."""
    if not 1 <= int(port) <= 65535:
        return f"--port: must be from 1 to 65535 (got {port})"
    try:
        infos = socket.getaddrinfo(host, int(port), type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        return f"--host: cannot use {host!r}: {exc}"
    family, _, _, _, addr = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(addr)
        except OSError as exc:
            return f"--port: cannot listen on {host}:{port}: {exc.strerror or exc}"
    return None


def _die_with_parent() -> None:  # pragma: no cover  (runs in the child between fork and exec)
    """Linux: the server gets SIGTERM if the viewer process dies, even by SIGKILL."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _stop_server(proc: subprocess.Popen) -> None:
    """SIGTERM to the server's process group, a bounded wait, then SIGKILL (at once on a second Ctrl-C)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)  # the group: the server and anything it started
        except ProcessLookupError:
            break
        try:
            proc.wait(timeout=STOP_WAIT)
            if sig == signal.SIGTERM:
                os.killpg(proc.pid, signal.SIGKILL)  # stragglers of the group, if any
            break
        except subprocess.TimeoutExpired:
            continue
        except KeyboardInterrupt:
            continue
        except ProcessLookupError:
            break
    proc.wait()


def serve(scenario: str | None = None, seed: int = 0, host: str = "127.0.0.1", port: int = 8765) -> int:
    """Validate the scenario, then run the viewer until it stops.

    A scenario that does not load, or an address that cannot be listened on, prints one line
    ``error: ...`` to stderr and returns 2 without starting a server. The server runs in its own
    process group: Ctrl-C (returns 130), SIGTERM and SIGHUP (return 0) stop it and all its processes
    before this function returns; if this process is killed outright, the server gets SIGTERM (Linux).
    Otherwise returns the server's exit code.
    """
    from sim.errors import InputError
    from sim.scenario import load_scenario

    from .model import default_scenario

    try:
        seed = int(seed)
        load_scenario(scenario if scenario is not None else default_scenario())
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (ValueError, TypeError) as exc:
        print(f"error: seed: {exc}", file=sys.stderr)
        return 2
    problem = check_address(host, port)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    print(f"libya-sim viewer on http://{host}:{port}/ (Ctrl-C to stop)", file=sys.stderr)
    previous = {sig: signal.signal(sig, _raise_stop) for sig in (signal.SIGTERM, signal.SIGHUP)}
    proc = None
    try:
        proc = subprocess.Popen(server_command(host, port), env=server_env(scenario, seed), start_new_session=True,
                                preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None)
        return proc.wait()
    except KeyboardInterrupt:
        print("viewer stopped", file=sys.stderr)
        return 130
    except _Stop:
        print("viewer stopped", file=sys.stderr)
        return 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, signal.SIG_IGN)
        if proc is not None:
            _stop_server(proc)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
