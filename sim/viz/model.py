"""The viewer's model: a thin subclass of :class:`ConflictModel` built from a scenario file.

It adds only what a browser session needs: loading a scenario chosen in the
sidebar with the sliders applied as ``--set`` style overrides, a small history
of per-actor series for the plots, and ``running = False`` at the scenario's
end date. Everything the model does is ConflictModel's own code.

The sliders are built from the scenario the server was started with (see
:func:`build_model_params`). A slider only overrides a scenario when the user
moved it away from that starting value, so a variant that sets its own patron
budget is shown as written unless the user says otherwise; the conference
outcome defaults to "as in the scenario" for the same reason. Overrides whose
path does not exist in the chosen scenario (another actor set) are skipped.
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from sim.errors import InputError
from sim.model import ConflictModel, steps_until
from sim.scenario import (REPO_ROOT, SCENARIOS_DIR, load_scenario, resolve_scenario_path, scenario_files,
                          scenario_label)
from sim.schema import ActorKind
from sim.showcase import load_showcase

ENV_SCENARIO = "LIBYA_SIM_VIZ_SCENARIO"
ENV_SEED = "LIBYA_SIM_VIZ_SEED"
FALLBACK_SCENARIO = REPO_ROOT / "tests" / "data" / "toy_war.yaml"
MAX_PATRON_SLIDERS = 3

# keys of the settings the sidebar passes to ViewerModel (besides scenario_file and seed)
KEY_DECISIVENESS = "contest_decisiveness"
KEY_DEFENDER = "defender_advantage"
KEY_CONFERENCE = "conference_outcome"
BUDGET_PREFIX = "budget:"
AS_SCENARIO = "as in the scenario"  # conference outcome: keep what the chosen file says

_tokens = itertools.count(1)


# ---------------------------------------------------------------- scenario files
def default_scenario() -> str:
    """The scenario to open: $LIBYA_SIM_VIZ_SCENARIO, else the ``viewer:`` of configs/demo.yaml, else the first
    file of scenarios/, else the toy war."""
    env = os.environ.get(ENV_SCENARIO)
    if env:
        return str(resolve_scenario_path(env))
    try:
        preferred = load_showcase().viewer
        if preferred and resolve_scenario_path(preferred).exists():
            return str(resolve_scenario_path(preferred))
    except InputError:
        pass  # a broken showcase file (or an ambiguous name) does not keep the viewer from opening
    found = scenario_files(SCENARIOS_DIR) if SCENARIOS_DIR.is_dir() else []
    return str(found[0] if found else FALLBACK_SCENARIO)


def default_seed() -> int:
    try:
        return int(os.environ.get(ENV_SEED, "0"))
    except ValueError:
        return 0


def scenario_choices(current: str) -> dict[str, str]:
    """Label shown in the dropdown -> path. The scenarios of scenarios/ and its theatre folders by name (by
    theatre/name if a name is in two), plus the current file."""
    out: dict[str, str] = {}
    files = scenario_files(SCENARIOS_DIR) if SCENARIOS_DIR.is_dir() else []
    for p in files:
        twice = sum(1 for f in files if f.stem == p.stem) > 1
        out[scenario_label(p, SCENARIOS_DIR) if twice else p.stem] = str(p)
    cur = Path(current)
    if str(cur) not in out.values() and str(cur.resolve()) not in {str(Path(v).resolve()) for v in out.values()}:
        label = cur.stem if cur.stem not in out else str(cur)
        out[label] = str(cur)
    return out


def label_for(path: str, choices: dict[str, str]) -> str:
    real = str(Path(path).resolve())
    for label, p in choices.items():
        if str(Path(p).resolve()) == real:
            return label
    return path


@lru_cache(maxsize=32)
def _load_cached(path: str, mtime: float, overrides: tuple) -> Any:
    return load_scenario(path, overrides=dict(overrides))


def load(path: str, overrides: dict[str, Any] | None = None):
    """load_scenario with a small cache (the file's mtime is part of the key)."""
    p = resolve_scenario_path(path)
    try:
        mtime = p.stat().st_mtime
    except OSError:
        mtime = 0.0
    return _load_cached(str(p), mtime, tuple(sorted((overrides or {}).items())))


def _has_path(doc: Any, dotted: str) -> bool:
    node = doc
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def first_conference(scenario) -> tuple[str, Any] | None:
    confs = [(ev.date, eid, ev) for eid, ev in scenario.events.items() if ev.kind == "conference"]
    if not confs:
        return None
    _, eid, ev = min(confs, key=lambda c: (c[0], c[1]))
    return eid, ev


def slider_patrons(scenario) -> list[str]:
    """The scenario's patrons with the largest budgets (at most three; a tie goes by id)."""
    patrons = {aid: a for aid, a in scenario.actors.items() if a.kind == ActorKind.patron}
    return sorted(patrons, key=lambda a: (-patrons[a].patron.budget, a))[:MAX_PATRON_SLIDERS]


# ---------------------------------------------------------------- sidebar
@dataclass
class Knobs:
    """The sliders of a page: model_params for SolaraViz and the override each one maps to."""

    model_params: dict[str, Any]
    defaults: dict[str, Any] = field(default_factory=dict)  # setting -> value it started at
    paths: dict[str, str] = field(default_factory=dict)  # setting -> dotted override path


def _short(name: str, limit: int = 40) -> str:
    """A name for a label: up to its first bracket or dash, cut at a word if still longer than ``limit``."""
    for sep in (" (", " - ", ", "):
        head = name.split(sep, 1)[0]
        if len(head) >= 3:
            name = head
    if len(name) <= limit:
        return name
    return name[: limit - 1].rsplit(" ", 1)[0] + "…"


def _round(x: float, step: float) -> float:
    return round(round(x / step) * step, 6)


def build_model_params(scenario_path: str, seed: int) -> Knobs:
    """Sidebar inputs for SolaraViz, from the scenario the page starts with."""
    sc = load(scenario_path).scenario
    choices = scenario_choices(scenario_path)
    params = sc.parameters
    mp: dict[str, Any] = {
        "scenario_file": {"type": "Select", "value": label_for(scenario_path, choices),
                          "values": list(choices), "label": "Scenario"},
        "seed": {"type": "InputText", "value": str(seed), "label": "Seed (integer)"},
    }
    knobs = Knobs(mp)
    d = params.contest_decisiveness
    mp[KEY_DECISIVENESS] = {"type": "SliderFloat", "value": _round(d, 0.1), "min": 0.5,
                            "max": max(10.0, _round(2 * d, 0.5)), "step": 0.1,
                            "label": "Contest decisiveness (m)"}
    knobs.paths[KEY_DECISIVENESS] = "parameters.contest_decisiveness"
    a = params.defender_advantage
    mp[KEY_DEFENDER] = {"type": "SliderFloat", "value": _round(a, 0.05), "min": 1.0,
                        "max": min(10.0, max(4.0, _round(2 * a, 0.5))), "step": 0.05,
                        "label": "Defender advantage (d)"}
    knobs.paths[KEY_DEFENDER] = "parameters.defender_advantage"
    for pid in slider_patrons(sc):
        b = sc.actors[pid].patron.budget
        step = 0.05 if b <= 5 else 0.5
        key = BUDGET_PREFIX + pid
        mp[key] = {"type": "SliderFloat", "value": _round(b, step), "min": 0.0,
                   "max": max(_round(2.5 * b, step), 1.0), "step": step,
                   "label": f"{_short(sc.actors[pid].name)}: budget"}
        knobs.paths[key] = f"actors.{pid}.patron.budget"
    conf = first_conference(sc)
    if conf is not None:
        eid, ev = conf
        mp[KEY_CONFERENCE] = {"type": "Select", "value": AS_SCENARIO,
                              "values": [AS_SCENARIO, "auto", "agreement", "failure"],
                              "label": f"{_short(ev.name, 28)} ({ev.date}): outcome"}
        knobs.paths[KEY_CONFERENCE] = f"events.{eid}.outcome"
    for k, v in mp.items():
        if k in knobs.paths:
            knobs.defaults[k] = v["value"]
    return knobs


# set by the page (sim/viz/app.py) before the first model is built
CURRENT_KNOBS: Knobs | None = None
CURRENT_CHOICES: dict[str, str] = {}
MAX_SEED = 2**63 - 1  # seeds are written as 64-bit integers, as `run` writes them


def knobs_for(path: str) -> Knobs:
    """The sliders of one scenario (its patrons, its first conference, its parameter values)."""
    p = resolve_scenario_path(path)
    try:
        mtime = p.stat().st_mtime
    except OSError:
        mtime = 0.0
    return _knobs_cached(str(p), mtime)


@lru_cache(maxsize=32)
def _knobs_cached(path: str, mtime: float) -> Knobs:
    return build_model_params(path, 0)


def parse_seed(text: Any) -> tuple[int, str | None]:
    """(seed, None) for a whole number from 0 to 2^63 - 1, else (0, the reason)."""
    raw = str(text).strip()
    try:
        seed = int(raw)
    except ValueError:
        return 0, f"seed '{raw}' is not a whole number; Reset used seed 0"
    if not 0 <= seed <= MAX_SEED:
        return 0, f"seed {seed} is out of range (0 to {MAX_SEED}); Reset used seed 0"
    return seed, None


def overrides_for(settings: dict[str, Any], resolved: dict[str, Any], knobs: Knobs | None) -> dict[str, Any]:
    """--set style overrides from the sidebar values that were moved and exist in this scenario."""
    out: dict[str, Any] = {}
    if knobs is None:
        return out
    for key, value in settings.items():
        path = knobs.paths.get(key)
        if path is None or value is None:
            continue
        default = knobs.defaults.get(key)
        if value == AS_SCENARIO:
            continue
        moved = value != default if isinstance(value, str) else abs(float(value) - float(default)) > 1e-9
        if moved and _has_path(resolved, path):
            out[path] = float(value) if not isinstance(value, str) else value
    return out


# ---------------------------------------------------------------- the model
class ViewerModel(ConflictModel):
    """ConflictModel built from a scenario file and sidebar settings, with a little history for plots.

    ``settings`` are the sidebar values (slider keys of :func:`build_model_params`). Mesa's
    SolaraViz also passes its own ``scenario`` object on Reset; it is ignored.
    """

    def __init__(self, scenario_file: str | None = None, seed: Any = 0, **settings: Any):
        settings.pop("scenario", None)  # Mesa's experimental Scenario object, not ours
        settings.pop("rng", None)
        problems: list[str] = []
        path = CURRENT_CHOICES.get(scenario_file, scenario_file) if scenario_file else default_scenario()
        seed_int, problem = parse_seed(seed)
        if problem:
            problems.append(problem)
        try:
            base = load(path)
            overrides = overrides_for(settings, base.resolved, knobs_for(path))
            loaded = load(path, overrides) if overrides else base
        except InputError as exc:
            problems.append(f"error: {exc}")
            overrides = {}
            path = default_scenario() if Path(default_scenario()).resolve() != Path(path).resolve() \
                else str(FALLBACK_SCENARIO)
            loaded = load(path)
        self.scenario_path = path
        self.overrides = overrides
        self.viz_token = next(_tokens)  # changes on every Reset: memo key for the figures
        try:
            super().__init__(loaded.scenario, seed=seed_int, record=True)
        except Exception as exc:  # noqa: BLE001  (whatever a setting did, the page shows a message, not a traceback)
            problems.append(f"error: could not build the model with these settings ({exc}); showing "
                            f"{Path(path).stem} with seed 0 and no changes")
            self.overrides = {}
            super().__init__(load(path).scenario, seed=0, record=True)
        self.load_error: str | None = "; ".join(problems) or None
        self.end_step = steps_until(self.start_date, self.spec.end_date)
        self.history_weeks: list[int] = []
        self.history_fighters: dict[str, list[float]] = {f.actor_id: [] for f in self.factions}
        self.history_support: dict[str, list[float]] = {p.actor_id: [] for p in self.patrons}
        self._remember()
        self.running = self.steps < self.end_step

    def step(self) -> None:
        if self.steps >= self.end_step:
            self.running = False
            return
        super().step()
        self._remember()
        self.running = self.steps < self.end_step

    def _remember(self) -> None:
        self.history_weeks.append(self.steps)
        # fighters as in actors.csv: under the faction's command, foreign fighters sent by patrons included
        for f in self.factions:
            self.history_fighters[f.actor_id].append(f.strength_fighters)
        for p in self.patrons:
            self.history_support[p.actor_id].append(p.support_given)
