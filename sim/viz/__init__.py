"""The browser viewer (Mesa SolaraViz). ``serve`` is what ``libya-sim viz`` calls.

Importing this package is cheap: Solara and Mesa's visualisation are only loaded by the
server process that runs :mod:`sim.viz.app`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

APP_PATH = Path(__file__).resolve().parent / "app.py"
ENV_SCENARIO = "LIBYA_SIM_VIZ_SCENARIO"
ENV_SEED = "LIBYA_SIM_VIZ_SEED"


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
    return env


def serve(scenario: str | None = None, seed: int = 0, host: str = "127.0.0.1", port: int = 8765) -> int:
    """Validate the scenario, then run the viewer until it stops; returns the server's exit code.

    A scenario that does not load prints one line ``error: file:line: field: message`` to
    stderr and returns 2 without starting a server.
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
    print(f"libya-sim viewer on http://{host}:{port}/ (Ctrl-C to stop)", file=sys.stderr)
    proc = subprocess.Popen(server_command(host, port), env=server_env(scenario, seed))
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        try:
            return proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            return proc.wait()
