import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOY = ROOT / "tests" / "data" / "toy_war.yaml"
SCENARIOS = ROOT / "scenarios" / "libya"  # the Libya theatre's scenarios


def scenario_files(folder: Path = ROOT / "scenarios") -> list[Path]:
    """The scenario files of a folder and its theatre subfolders (default: every theatre's), without the theatres'
    parameter files."""
    from sim.scenario import scenario_files as files

    return files(folder)


LIBYA = scenario_files(SCENARIOS)  # every Libya scenario
SHIPPED = scenario_files()  # every scenario of every theatre
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


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """The order of the tests is random (pytest-randomly); print its seed even under -q, so that a failure
    can be repeated in the same order."""
    seed = getattr(config.option, "randomly_seed", None)
    if config.pluginmanager.hasplugin("randomly") and isinstance(seed, int):
        terminalreporter.write_line(f"random order: repeat it with -p randomly --randomly-seed={seed}")
