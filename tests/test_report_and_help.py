"""What the analyst reads: the help of every option with its default, compare --quiet, the comparison report
(markdown rendered in report.html, Wilson intervals in the table and on the probability bars, casualties and
weeks of fighting plotted, numbers without 1.74e+03), a scenario with no armed camp (no crash, no matplotlib
warning), and analyze's warning when a Sobol sample is too small."""

from __future__ import annotations

import argparse
import csv
import math
import re
import warnings

import pytest

from conftest import TOY, main_code
from sim.cli import build_parser


def _subparser(name: str) -> argparse.ArgumentParser:
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices[name]


@pytest.mark.parametrize("command", ["run", "compare", "viz"])
def test_every_option_says_what_it_does_and_its_default(command):
    for action in _subparser(command)._actions:
        if action.dest == "help":
            continue
        assert action.help and "default" in action.help, (command, action.dest, action.help)


def test_compare_help_shows_the_100_run_default_and_quiet(cli):
    res = cli("compare", "--help")
    assert res.returncode == 0
    text = " ".join(res.stdout.split())
    assert "--runs N" in text or "--runs RUNS" in text
    assert "seeded runs of each scenario (default 100)" in text and "--quiet" in text


def test_compare_quiet_prints_only_the_results_folder(tmp_path, capfd):
    # in this process, with the file descriptors captured: the worker processes' output would show too
    out = tmp_path / "cmp"
    capfd.readouterr()
    assert main_code("compare", TOY, TOY, "--runs", 2, "--until", "2020-02-03", "--out", out, "--quiet") == 0
    stdout, stderr = capfd.readouterr()
    assert stdout.strip() == f"results: {out}" and stderr == ""
    assert (out / "report.html").is_file()


# ---------------------------------------------------------------------- no armed camp
def _warnings_as_a_user_sees_them() -> None:
    """Python's default warning filters (no -W, no PYTHONWARNINGS): everything once per place, but deprecations
    (outside __main__), imports and resources."""
    warnings.resetwarnings()
    for category in (DeprecationWarning, PendingDeprecationWarning, ImportWarning, ResourceWarning):
        warnings.filterwarnings("ignore", category=category, append=True)


def test_a_scenario_with_no_armed_camp_runs_and_compares_without_noise(tmp_path, capfd):
    unarmed = tmp_path / "unarmed.yaml"
    unarmed.write_text(f"extends: {TOY}\ncamps:\n  RED: {{armed: false}}\n  BLUE: {{armed: false}}\n"
                       "headline_camps: []\n")
    # in this process on one worker, so that every warning of the runs and of the plots is caught here
    for args in (["run", unarmed, "--runs", 2, "--out", tmp_path / "run"],
                 ["compare", unarmed, TOY, "--runs", 2, "--out", tmp_path / "cmp1", "--quiet"],
                 ["compare", TOY, unarmed, "--runs", 2, "--out", tmp_path / "cmp2", "--quiet"]):
        capfd.readouterr()
        with warnings.catch_warnings(record=True) as caught:
            _warnings_as_a_user_sees_them()
            code = main_code(*args, "--workers", 1)
        _, stderr = capfd.readouterr()
        assert code == 0, stderr
        assert [f"{w.category.__name__}: {w.message} ({w.filename}:{w.lineno})" for w in caught] == [], args
        lines = [x for x in stderr.splitlines() if x.strip() and "it/s" not in x and "run/s" not in x]
        omitted = [x for x in lines if x.startswith("warning: not compared: ")]  # the camps TOY alone names
        assert [x.split(": ")[2] for x in omitted] == (["RED", "BLUE"] if args[0] == "compare" else []), stderr
        assert lines and all(x.startswith("warning: ") and "no armed camp" in x for x in lines if x not in omitted)


# ---------------------------------------------------------------------- the report
@pytest.fixture
def report(weak_blue_comparison):
    """`compare toy_war weak_blue --runs 20 --seed 1` (conftest): (folder, stdout)."""
    return weak_blue_comparison


def test_report_html_renders_the_markdown(report):
    out, _ = report
    page = (out / "report.html").read_text()
    body = re.sub(r'src="data:image/png;base64,[^"]+"', "", page)
    assert "**" not in body and "```" not in body and "|---" not in body
    assert "<b>toy_war</b>" in body and "<h2>Headline</h2>" in body and "<table>" in body
    assert "<code>" in body and "<li>" in body


def test_report_tables_give_wilson_intervals(report):
    out, _ = report
    rows = list(csv.DictReader((out / "comparison.csv").open()))
    md = (out / "report.md").read_text()
    assert "95% interval (Wilson)" in md
    for r in rows:
        if r["kind"] != "probability":
            continue
        line = next(x for x in md.splitlines() if x.startswith(f"| {r['metric']} | {r['scenario']} |"))
        assert f"| {float(r['ci_low']):.2f} to {float(r['ci_high']):.2f} |" in line, line
    assert "95% interval (Wilson)" in (out / "report.html").read_text()


CAMPS4 = ["RED", "BLUE", "GREEN", "BLACK"]  # four headline camps, as the Syria scenarios have


def _metrics_of(camps: list[str], places: list[str]):
    import numpy as np

    from sim.compare import Metric

    rng = np.random.default_rng(3)
    names = [f"{c.lower()}_{k}_share" for c in camps for k in ("territory", "population", "oil")]
    metrics = [Metric(k, k.replace("_", " "), "value", {n: rng.random(5) for n in ("a", "b")}) for k in
               names + ["casualties", "ceasefire_week", "weeks_of_fighting"]]
    metrics += [Metric(f"p_{c.lower()}_holds_{p}", f"P({c} holds {p} at the end)", "probability",
                       {n: (rng.random(5) < 0.4).astype(float) for n in ("a", "b")}) for p in places for c in camps]
    return metrics


@pytest.mark.parametrize("camps", [CAMPS4[:2], CAMPS4], ids=["two camps", "four camps"])
def test_the_outcome_plots_show_every_headline_camp_and_readable_chances(monkeypatch, tmp_path, camps):
    """Every headline camp's shares are plotted (the report showed the first two camps' territory and the
    first one's other shares), beside casualties and weeks of fighting; the chances are a heatmap whose rows
    are labelled without overlap and whose cells give the share of runs with its Wilson interval."""
    import matplotlib

    from sim import report as rep
    from sim.compare import wilson_interval

    places = ["capital", "port", "oasis", "pass", "field", "coast", "hill", "ford"]
    metrics = _metrics_of(camps, places)
    panels = dict(rep.outcome_panels(metrics, camps))
    for kind in ("territory", "population", "oil"):
        assert [(c, m.name) for c, m in panels[f"{kind} share at the end"]] == \
            [(c, f"{c.lower()}_{kind}_share") for c in camps]
    assert {"casualties", "weeks of fighting"} <= set(panels)
    figures = []
    monkeypatch.setattr(rep, "save", lambda fig, path: figures.append(fig))
    rep._outcomes_plot(tmp_path / "x.png", ["a", "b"], metrics, camps)
    by_title = {ax.get_title(): ax for ax in figures[0].axes}
    assert [t.get_text() for t in by_title["territory share at the end"].get_xticklabels()] == camps
    rep._probabilities_plot(tmp_path / "p.png", ["a", "b"], metrics)
    ax = figures[1].axes[0]
    rows = [m for m in metrics if m.kind == "probability"]
    labels = ax.get_yticklabels()
    assert [t.get_text() for t in labels] == [f"{c} holds {p}" for p in places for c in camps]
    figures[1].canvas.draw()
    boxes = [t.get_window_extent() for t in labels]
    assert not any(a.overlaps(b) for a, b in zip(boxes, boxes[1:]))
    v = rows[-1].values["b"]
    lo, hi = wilson_interval(int(v.sum()), len(v))
    cell = f"{100 * v.mean():.0f}%  ({100 * lo:.0f}-{100 * hi:.0f})"
    assert cell in [t.get_text() for t in ax.texts]
    matplotlib.pyplot.close("all")


def test_headline_says_mean_and_writes_big_numbers_in_full(report):
    from sim.compare import _fmt_diff, _fmt_value

    assert _fmt_value(1744.0, "value") == "1,744" and _fmt_diff(-1744.0, "value") == "-1,744"
    assert _fmt_value(0.123, "value") == "0.123"
    _, stdout = report
    assert "mean" in stdout.splitlines()[0]
    assert not re.search(r"\de[+-]\d", stdout), stdout


# ---------------------------------------------------------------------- analyze
def _ishigami(samples: int) -> str:
    pi = math.pi
    return "\n".join(["model: ishigami", "parameters:"] +
                     [f"  x{i}: {{bounds: [{-pi}, {pi}]}}" for i in (1, 2, 3)] +
                     [f"design: {{method: sobol, samples: {samples}, seed: 7}}", "replications: 1",
                      "outcomes: [y]", "chunk_size: 2048"]) + "\n"


@pytest.mark.parametrize("samples,warned", [(16, True), (1024, False)])
def test_analyze_warns_when_the_sobol_sample_is_too_small(tmp_path, samples, warned, cli):
    from sim.sweep.analyze import analyze
    from sim.sweep.engine import execute, prepare
    from sim.sweep.spec import load_sweep

    f = tmp_path / "s.yaml"
    f.write_text(_ishigami(samples))
    out = tmp_path / "out"
    assert execute(prepare(load_sweep(f), out), backend="local", workers=1, progress=False,
                   log=lambda m: None).status == "complete"
    said = []
    analyze(out, plots=False, log=said.append)
    warnings = [x for x in said if "the sample is too small" in x]
    if not warned:
        assert warnings == [], warnings
        return
    assert len(warnings) == 1 and "cannot be below 0" in warnings[0], said
    asked = int(re.search(r"use samples: (\d+) or more", warnings[0]).group(1))
    assert asked >= 4 * samples and asked & (asked - 1) == 0  # a power of 2, as Sobol designs need
    res = cli("analyze", out, "--no-plots")
    assert res.returncode == 0 and "the sample is too small" in res.stdout + res.stderr
