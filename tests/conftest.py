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


def main_code(*args) -> int:
    """``sim.cli.main`` in this process, with argparse's own exits (``--help``, a bad option) as exit codes."""
    from sim.cli import main

    try:
        return main([str(a) for a in args])
    except SystemExit as exc:
        return 0 if exc.code is None else exc.code if isinstance(exc.code, int) else 1


def refused_in_one_line(cli, tmp_path, fields: str, message: str) -> None:
    """A variant of the toy war with ``fields`` added is refused by ``validate``: exit code 2 and one error line,
    naming the file and ending with ``message``."""
    f = tmp_path / "v.yaml"
    f.write_text(f"extends: {TOY}\n{fields}\n")
    res = cli("validate", f)
    errors = [x for x in res.stderr.splitlines() if x.startswith("error:")]
    assert res.returncode == 2 and len(errors) == 1, res.stderr
    assert errors[0].startswith(f"error: {f}:") and errors[0].endswith(message), errors[0]


def cli_in_process(*args, cwd=None):
    """The command line in the test process, as :func:`run_cli` gives it from a subprocess: returncode, stdout
    and stderr of one call (for fixtures of any scope; tests use the ``cli`` fixture). Where the process itself
    is the point (signals, several processes at once, the string-hash seed, a server), tests use run_cli."""
    import contextlib
    import io

    out, err = io.StringIO(), io.StringIO()
    with contextlib.ExitStack() as stack:
        if cwd is not None:
            stack.enter_context(contextlib.chdir(cwd))
        stack.enter_context(contextlib.redirect_stdout(out))
        stack.enter_context(contextlib.redirect_stderr(err))
        code = main_code(*args)
    return SimpleNamespace(returncode=code, stdout=out.getvalue(), stderr=err.getvalue())


@pytest.fixture
def toy_path():
    return TOY


@pytest.fixture
def cli(capsys):
    """The command line in the test process (``sim.cli.main``): returncode, stdout and stderr of one call."""

    def call(*args):
        capsys.readouterr()
        code = main_code(*args)
        out, err = capsys.readouterr()
        return SimpleNamespace(returncode=code, stdout=out, stderr=err)

    return call


WEAK_BLUE = "extends: {toy}\nactors:\n  blue_army: {{faction: {{fighters: 2000}}}}\n"


@pytest.fixture(scope="session")
def weak_blue_comparison(tmp_path_factory):
    """``compare`` of the toy war and a variant with a weaker Blue army (20 runs, seed 1), made once for the
    tests that read its tables, report, images and headline: (folder, stdout)."""
    tmp = tmp_path_factory.mktemp("weak_blue")
    weak = tmp / "weak_blue.yaml"
    weak.write_text(WEAK_BLUE.format(toy=TOY))
    out = tmp / "cmp"
    res = cli_in_process("compare", TOY, weak, "--runs", 20, "--seed", 1, "--out", out)
    assert res.returncode == 0, res.stderr
    return out, res.stdout


@pytest.fixture(scope="session")
def palermo_comparison(tmp_path_factory):
    """``compare`` of palermo_success and palermo_failed (4 runs to 2019-03-01), made once for the tests of the
    report it writes: (folder, stdout)."""
    out = tmp_path_factory.mktemp("palermo") / "cmp"
    res = cli_in_process("compare", SCENARIOS / "palermo_success.yaml", SCENARIOS / "palermo_failed.yaml",
                         "--runs", 4, "--until", "2019-03-01", "--out", out)
    assert res.returncode == 0, res.stderr
    return out, res.stdout


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """The order of the tests is random (pytest-randomly); print its seed even under -q, so that a failure
    can be repeated in the same order."""
    seed = getattr(config.option, "randomly_seed", None)
    if config.pluginmanager.hasplugin("randomly") and isinstance(seed, int):
        terminalreporter.write_line(f"random order: repeat it with -p randomly --randomly-seed={seed}")
