import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOY = ROOT / "tests" / "data" / "toy_war.yaml"
SCENARIOS = ROOT / "scenarios"
CLI = [sys.executable, "-m", "sim.cli"]


def run_cli(*args, cwd=None, timeout=600, env_extra=None):
    env = dict(os.environ, PYTHONWARNINGS="ignore", **(env_extra or {}))
    return subprocess.run(CLI + [str(a) for a in args], capture_output=True, text=True, cwd=cwd or ROOT,
                          timeout=timeout, env=env)


@pytest.fixture
def toy_path():
    return TOY


@pytest.fixture
def cli(capsys):
    """The command line in the test process (``sim.cli.main``): returncode, stdout and stderr of one call."""
    from sim.cli import main

    def call(*args):
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return SimpleNamespace(returncode=code, stdout=out, stderr=err)

    return call
