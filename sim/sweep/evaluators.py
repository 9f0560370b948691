"""Model evaluators: picklable callables ``(params, seed) -> outcomes dict``.

The engine does not know what it runs. :class:`ScenarioEvaluator` runs the
conflict model on a scenario with the design point's values set by dotted path;
:class:`IshigamiEvaluator` is the SALib test function, used to check the
machinery against analytic Sobol indices.
"""

from __future__ import annotations

import copy
import time
from typing import Any

from pydantic import ValidationError

from ..errors import InputError
from ..scenario import apply_override
from ..schema import ReferenceProblem, Scenario, check_references

# per-process cache: scenario sha256 -> (resolved dict, last overrides key, last Scenario)
_SCENARIOS: dict[str, list] = {}


def build_scenario(base_resolved: dict[str, Any], overrides: dict[str, Any]) -> Scenario:
    """The base scenario (resolved dict) with dotted-path overrides, validated.

    Raises InputError(message, field=path) on an unknown path or a bad value.
    (Same result as ``load_scenario(path, overrides)``, without re-reading YAML.)
    """
    doc = copy.deepcopy(base_resolved)
    for key, value in overrides.items():
        try:
            apply_override(doc, key, value)
        except InputError as exc:
            raise InputError(exc.message, None, None, exc.field or key) from None
    try:
        scenario = Scenario.model_validate(doc)
    except ValidationError as exc:
        e = exc.errors()[0]
        path = ".".join(str(p) for p in e["loc"])
        msg = "unknown key (not part of the scenario format)" if e["type"] == "extra_forbidden" else e["msg"]
        raise InputError(msg, None, None, path) from None
    try:
        check_references(scenario)
    except ReferenceProblem as exc:
        raise InputError(exc.message, None, None, exc.path) from None
    return scenario


class ScenarioEvaluator:
    """Run the conflict model: one design point's overrides, one seed -> summary row."""

    def __init__(self, base_resolved: dict[str, Any], sha256: str, steps: int):
        self.base_resolved = base_resolved
        self.sha256 = sha256
        self.steps = steps

    def scenario_for(self, params: dict[str, Any]) -> Scenario:
        slot = _SCENARIOS.get(self.sha256)
        if slot is None:
            slot = _SCENARIOS[self.sha256] = [None, None]
            if len(_SCENARIOS) > 8:
                _SCENARIOS.pop(next(iter(_SCENARIOS)))
        key = tuple(sorted((k, repr(v)) for k, v in params.items()))
        if slot[0] != key:
            slot[1] = build_scenario(self.base_resolved, params)
            slot[0] = key
        return slot[1]

    def __call__(self, params: dict[str, Any], seed: int) -> dict[str, Any]:
        from ..runner import run_one

        scenario = self.scenario_for(params)
        return run_one(scenario, seed, self.steps, record=False).summary


class IshigamiEvaluator:
    """SALib's Ishigami-Homma function of x1, x2, x3 (seed unused; ``delay`` sleeps per run)."""

    def __init__(self, delay: float = 0.0, a: float = 7.0, b: float = 0.1):
        self.delay = float(delay)
        self.a = float(a)
        self.b = float(b)

    def __call__(self, params: dict[str, Any], seed: int) -> dict[str, Any]:
        import numpy as np
        from SALib.test_functions import Ishigami

        if self.delay:
            time.sleep(self.delay)
        x = np.array([[params["x1"], params["x2"], params["x3"]]], dtype=float)
        return {"y": float(Ishigami.evaluate(x, A=self.a, B=self.b)[0])}


def make_evaluator(spec, steps: int | None = None, base=None):
    """The evaluator for a resolved sweep (``base``: the LoadedScenario, for scenarios)."""
    if spec.model == "ishigami":
        return IshigamiEvaluator(**spec.model_options)
    return ScenarioEvaluator(base.resolved, base.sha256, steps)
