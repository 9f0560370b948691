"""Output folders and bad values that must not lose work or end in a traceback: runs that share a
folder name, --force on something that is not a results folder, an --out that cannot be written,
a failure while writing or renaming, leftovers of a killed run, seeds past 2^63 - 1."""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import re
import subprocess
from pathlib import Path

import pandas as pd
import pytest

import sim.outputs as outputs
from sim.cli import main
from sim.errors import InputError
from sim.outputs import atomic_dir, is_results_folder

from conftest import CLI, ROOT, TOY, run_cli

PROGRESS = re.compile(r"\d+%\|")  # a progress bar line (tqdm)
ENV = dict(os.environ, PYTHONWARNINGS="ignore", PYTHONPATH=str(ROOT))


def _one_error_line(stderr: str) -> str:
    lines = [ln for ln in stderr.splitlines() if ln.strip() and not PROGRESS.search(ln)]
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in stderr, stderr
    return lines[0]


def _only(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# ------------------------------------------------------------------ item 1: two runs, one folder name
def test_default_folder_name_taken_gets_a_new_one(tmp_path, cli, monkeypatch):
    """The default name (a one-second timestamp) is taken by another run: this run takes another name
    and leaves the other folder alone."""
    taken = []
    now = dt.datetime.now()
    for s in range(-2, 120):  # every name the run could choose in the next two minutes
        d = tmp_path / "results" / "toy_war" / (now + dt.timedelta(seconds=s)).strftime("%Y%m%d-%H%M%S")
        d.mkdir(parents=True)
        (d / "summary.csv").write_text("another run's results\n")
        taken.append(d)
    monkeypatch.chdir(tmp_path)
    res = cli("run", TOY, "--runs", 2)
    assert res.returncode == 0, res.stderr
    dest = Path(tmp_path / res.stdout.strip().splitlines()[-1].removeprefix("results: "))
    assert dest.name.rsplit("-", 1)[-1] == "2" and dest.parent == taken[0].parent
    assert len(pd.read_csv(dest / "summary.csv")) == 2
    for d in taken:
        assert (d / "summary.csv").read_text() == "another run's results\n"
    assert not [p for p in dest.parent.iterdir() if p.name.startswith(".")]


@pytest.mark.slow  # two commands started at once as processes, end to end (the naming in one process: below)
def test_two_runs_started_together_keep_both_results(tmp_path):
    procs = [subprocess.Popen(CLI + ["run", str(TOY), "--runs", str(n), "--seed", str(s), "--workers", "1"],
                              cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
             for n, s in ((3, 1), (5, 50))]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [e for _, e in outs]
    dests = {tmp_path / o.strip().splitlines()[-1].removeprefix("results: ") for o, _ in outs}
    assert len(dests) == 2
    assert sorted(len(pd.read_csv(d / "summary.csv")) for d in dests) == [3, 5]


def test_unique_names_in_process(tmp_path):
    base = tmp_path / "r" / "stamp"
    first = atomic_dir(base, unique=True)
    with first as t1:
        (t1 / "a").write_text("1")
        second = atomic_dir(base, unique=True)
        with second as t2:
            (t2 / "b").write_text("2")
    assert first.dest == base and second.dest == base.with_name("stamp-2")
    assert _only(base) == ["a"] and _only(second.dest) == ["b"]
    assert _only(base.parent) == ["stamp", "stamp-2"]  # no lock file or temporary folder left


def test_a_folder_being_written_is_refused_to_a_second_writer(tmp_path):
    out = tmp_path / "out"
    with atomic_dir(out) as tmp:
        (tmp / "x").write_text("first")
        res = run_cli("run", TOY, "--runs", 2, "--out", out, "--force")
        assert res.returncode == 2 and "another libya-sim process" in _one_error_line(res.stderr)
    assert _only(out) == ["x"]


# ------------------------------------------------------------------ item 4: --force
def test_force_refuses_a_folder_that_is_not_results(tmp_path, cli):
    mine = tmp_path / "thesis"
    mine.mkdir()
    (mine / "chapter1.tex").write_text("precious")
    res = cli("run", TOY, "--runs", 2, "--out", mine, "--force")
    assert res.returncode == 2 and "only a results folder" in _one_error_line(res.stderr)
    assert _only(mine) == ["chapter1.tex"] and _only(tmp_path) == ["thesis"]
    # a manifest of another program is not enough
    (mine / "manifest.json").write_text(json.dumps({"package": "something-else"}))
    assert cli("run", TOY, "--runs", 2, "--out", mine, "--force").returncode == 2
    assert (mine / "chapter1.tex").read_text() == "precious"


@pytest.mark.parametrize("force", [False, True])
def test_a_file_at_out_is_refused_and_kept(tmp_path, force, cli):
    f = tmp_path / "notes.txt"
    f.write_text("keep me")
    res = cli("run", TOY, "--runs", 2, "--out", f, *(["--force"] if force else []))
    assert res.returncode == 2 and "is a file" in _one_error_line(res.stderr)
    assert f.read_text() == "keep me" and _only(tmp_path) == ["notes.txt"]


def test_force_replaces_run_and_compare_folders(tmp_path, cli):
    run = tmp_path / "run"
    assert cli("run", TOY, "--runs", 2, "--out", run).returncode == 0
    assert is_results_folder(run)
    res = cli("run", TOY, "--runs", 3, "--out", run, "--force")
    assert res.returncode == 0 and len(pd.read_csv(run / "summary.csv")) == 3
    cmp = tmp_path / "cmp"
    assert cli("compare", TOY, TOY, "--runs", 2, "--out", cmp).returncode == 0
    assert is_results_folder(cmp)
    res = cli("compare", TOY, TOY, "--runs", 3, "--out", cmp, "--force")
    assert res.returncode == 0, res.stderr
    assert _only(tmp_path) == ["cmp", "run"]


# ------------------------------------------------------------------ item 5: unwritable --out
def test_out_under_a_file_is_one_line(tmp_path, cli):
    (tmp_path / "afile").write_text("x")
    res = cli("run", TOY, "--runs", 2, "--out", tmp_path / "afile" / "sub")
    assert res.returncode == 2 and "cannot create the output folder" in _one_error_line(res.stderr)
    assert _only(tmp_path) == ["afile"]


def test_out_in_a_read_only_place_is_one_line(tmp_path, cli):
    if os.geteuid() == 0:
        target = Path("/sys/kernel/libya-sim-out")  # sysfs: not writable, even by root
        if not Path("/sys/kernel").is_dir():
            pytest.skip("no /sys/kernel here")
    else:
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(0o500)
        target = ro / "out"
    res = cli("run", TOY, "--runs", 2, "--out", target)
    assert res.returncode == 2, res.stderr
    assert _one_error_line(res.stderr).startswith(f"error: {target}: ")


def test_a_mount_point_is_refused_before_running(cli):
    res = cli("run", TOY, "--runs", 2, "--out", "/proc", "--force")
    assert res.returncode == 2 and "mount point" in _one_error_line(res.stderr)


def test_a_failed_rename_leaves_nothing(tmp_path, monkeypatch):
    def failing_replace(src, dst):
        raise OSError(errno.EXDEV, "Invalid cross-device link", str(src))

    monkeypatch.setattr(outputs.os, "replace", failing_replace)
    out = tmp_path / "out"
    with pytest.raises(InputError, match="could not put the results in place: Invalid cross-device link"):
        with atomic_dir(out) as tmp:
            (tmp / "table.csv").write_text("x")
    assert _only(tmp_path) == []


def test_a_failure_while_writing_is_one_line_and_leaves_nothing(tmp_path, monkeypatch, capsys):
    def disk_full(folder, results):
        (folder / "regions.csv").write_text("half")
        raise OSError(errno.ENOSPC, "No space left on device", str(folder / "regions.csv"))

    monkeypatch.setattr(outputs, "write_tables", disk_full)
    out = tmp_path / "out"
    assert main(["run", str(TOY), "--runs", "2", "--out", str(out)]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert line == f"error: {out / 'regions.csv'}: writing the results failed: No space left on device"
    assert _only(tmp_path) == []


def test_leftovers_of_a_killed_run_are_cleaned(tmp_path, cli):
    out = tmp_path / "out"
    for stale in (".out.tmp-999999999", ".out.old-999999998"):
        (tmp_path / stale).mkdir()
        (tmp_path / stale / "regions.csv").write_text("partial")
    (tmp_path / ".out.lock").write_text("")  # a lock file nobody holds
    (tmp_path / ".other.tmp-1").mkdir()      # another folder's: not ours to remove
    assert cli("run", TOY, "--runs", 2, "--out", out).returncode == 0
    assert _only(tmp_path) == [".other.tmp-1", "out"]


# ------------------------------------------------------------------ item 6: seeds
@pytest.mark.parametrize("args", [["run", TOY, "--seed", 18446744073709551615],
                                  ["run", TOY, "--seed", 2**63 - 1, "--runs", 2],
                                  ["compare", TOY, TOY, "--seed", 2**63 - 2, "--runs", 3]])
def test_seeds_past_the_table_range_are_refused(tmp_path, args, cli):
    res = cli(*args, "--out", tmp_path / "out")
    assert res.returncode == 2 and _one_error_line(res.stderr).startswith("error: --seed: ")
    assert _only(tmp_path) == []


def test_the_largest_seed_runs(tmp_path, cli):
    res = cli("run", TOY, "--seed", 2**63 - 1, "--runs", 1, "--out", tmp_path / "out")
    assert res.returncode == 0, res.stderr
    assert pd.read_csv(tmp_path / "out" / "summary.csv", dtype={"seed": str}).seed.tolist() == [str(2**63 - 1)]


# ------------------------------------------------------------------ the pool gives the serial results
def test_pool_and_serial_give_identical_tables(tmp_path):
    from sim.runner import horizon_steps, run_ensemble
    from sim.scenario import load_scenario

    s = load_scenario(str(TOY)).scenario
    steps = horizon_steps(s)
    for name, workers in (("serial", 1), ("pooled", 2)):
        (tmp_path / name).mkdir()
        outputs.write_tables(tmp_path / name, run_ensemble(s, 9, 3, steps, workers=workers))
    for table in _only(tmp_path / "serial"):
        assert (tmp_path / "serial" / table).read_bytes() == (tmp_path / "pooled" / table).read_bytes(), table


def _pooled_summaries(conn) -> None:
    from sim.runner import horizon_steps, run_ensemble
    from sim.scenario import load_scenario

    s = load_scenario(str(TOY)).scenario
    try:
        conn.send([r.summary for r in run_ensemble(s, 9, 3, horizon_steps(s), workers=2)])
    except BaseException as exc:
        conn.send(f"{type(exc).__name__}: {exc}")


def test_a_process_forked_after_a_pooled_run_runs_its_own_pool():
    """A script that forks after an ensemble (a multiprocessing pool, a test runner's worker) and runs one
    more in the child: the child cannot use its parent's fork server, so it starts its own."""
    import multiprocessing as mp

    from sim.runner import horizon_steps, run_ensemble
    from sim.scenario import load_scenario

    s = load_scenario(str(TOY)).scenario
    here = [r.summary for r in run_ensemble(s, 9, 3, horizon_steps(s), workers=2)]
    mine, theirs = mp.Pipe()
    child = mp.get_context("fork").Process(target=_pooled_summaries, args=(theirs,))
    child.start()
    got = mine.recv() if mine.poll(120) else "no answer in 120 s"
    child.join(30)
    assert got == here
    assert child.exitcode == 0


def test_an_error_while_the_pool_runs_stops_every_worker():
    from sim.runner import horizon_steps, run_ensemble
    from sim.scenario import load_scenario

    s = load_scenario(str(TOY)).scenario
    with pytest.raises(Exception):
        run_ensemble(s, 9, 3, horizon_steps(s), workers=2, progress=lambda n: 1 / 0)
    import multiprocessing as mp

    assert mp.active_children() == []


def test_help_and_message_of_compare_runs(cli):
    res = cli("compare", TOY, TOY, "--runs", "-1")
    assert res.returncode == 2 and "at least 1" in res.stderr and "Traceback" not in res.stderr
    res = cli("compare", "--help")
    assert "default 100" in res.stdout and "--workers" in res.stdout


def test_viz_help_describes_its_options_and_run_has_quiet(tmp_path, cli):
    res = cli("viz", "--help")
    assert "default 8765" in res.stdout and "1 to 65535" in res.stdout and "default 127.0.0.1" in res.stdout
    res = cli("run", TOY, "--runs", 2, "--out", tmp_path / "q", "--quiet")
    assert res.returncode == 0 and res.stderr == "" and res.stdout.strip() == f"results: {tmp_path / 'q'}"


def test_a_compare_whose_default_folder_is_taken_gets_a_new_one(tmp_path, monkeypatch):
    import datetime as dt

    from sim.compare import compare

    monkeypatch.chdir(tmp_path)
    now = dt.datetime.now()
    taken = []
    for k in range(-2, 30):  # another comparison of the same scenarios holds every name of the next half minute
        stamp = (now + dt.timedelta(seconds=k)).strftime("%Y%m%d-%H%M%S")
        folder = tmp_path / "results" / "compare" / f"toy_war_0-vs-toy_war_1-{stamp}"
        folder.mkdir(parents=True)
        (folder / "comparison.csv").write_text("theirs")
        taken.append(folder)
    dest, _ = compare([str(TOY), str(TOY)], 2, 1, dt.date(2020, 2, 3), None, {}, workers=1, quiet=True)
    assert dest.name.endswith("-2") and (dest / "comparison.csv").read_text() != "theirs"
    assert all((f / "comparison.csv").read_text() == "theirs" for f in taken)
