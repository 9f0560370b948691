"""Runs that carry a posterior: ``run``, ``compare`` and ``sweep`` with ``--posterior DIR``.

Each run draws one parameter set from the weighted posterior of a calibration (``DIR/posterior.parquet``)
with a generator seeded by the run's own seed (and a constant that keeps this stream apart from the
model's), so run k of every scenario of a comparison gets the same parameter set and the comparison stays
paired, and the same seed always gives the same draw. The draws go into the manifest.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError

POSTERIOR = "posterior.parquet"
DRAW_STREAM = 20200115  # the generator of a draw is seeded with (DRAW_STREAM, run seed)


@dataclass
class Posterior:
    folder: str
    sha256: str
    paths: dict[str, str]       # column name -> dotted path
    values: np.ndarray          # particles x parameters, columns in the order of ``paths``
    weights: np.ndarray
    meta: dict[str, Any] = field(default_factory=dict)

    def draw(self, seed: int) -> dict[str, Any]:
        """The parameter set of the run with this seed: {particle, values: {dotted path: value}}."""
        rng = np.random.default_rng([DRAW_STREAM, int(seed)])
        k = int(rng.choice(len(self.weights), p=self.weights))
        return {"seed": int(seed), "particle": k,
                "values": {path: float(self.values[k, i]) for i, path in enumerate(self.paths.values())}}

    def manifest(self, seeds: list[int]) -> dict[str, Any]:
        return {"folder": self.folder, "sha256": self.sha256, "parameters": self.paths,
                "calibration": {k: self.meta.get(k) for k in ("generation", "epsilon", "seed", "targets_sha256")},
                "draw": f"particle ~ weights, generator seeded with [{DRAW_STREAM}, run seed]",
                "draws": [self.draw(s) for s in seeds]}

    def scenario(self, loaded) -> "PosteriorScenario":
        """The loaded scenario with this posterior's parameters drawn per run."""
        return PosteriorScenario(loaded, self)

    def check_overrides(self, overrides: dict[str, Any], what: str = "--set") -> None:
        clash = sorted(set(overrides) & set(self.paths.values()))
        if clash:
            raise InputError(f"'{clash[0]}' is set by {what} and drawn from the posterior too: drop one",
                             "--posterior")


def load_posterior(folder: str | Path) -> Posterior:
    import pyarrow.parquet as pq

    d = Path(folder)
    f = d / POSTERIOR
    if not f.is_file():
        raise InputError(f"no {POSTERIOR} here: give the folder of a finished `libya-sim calibrate`", str(d),
                         field="--posterior")
    try:
        table = pq.read_table(f)
        meta = json.loads((table.schema.metadata or {})[b"libya_sim"])
        paths = dict(meta["parameters"])
        values = np.column_stack([table.column(n).to_numpy().astype(float) for n in paths])
        w = table.column("weight").to_numpy().astype(float)
    except (KeyError, ValueError, OSError) as exc:
        raise InputError(f"not a posterior of libya-sim ({exc})", str(f), field="--posterior") from None
    if len(w) == 0 or not np.all(np.isfinite(w)) or w.min() < 0 or w.sum() <= 0:
        raise InputError("the posterior's weights are not usable", str(f), field="--posterior")
    return Posterior(str(d.resolve()), hashlib.sha256(f.read_bytes()).hexdigest(), paths, values, w / w.sum(), meta)


class PosteriorScenario:
    """A scenario whose calibrated parameters depend on the run's seed (see :func:`sim.runner.run_one`).

    Anything else is the base scenario's, so it stands in for it wherever a scenario is read."""

    def __init__(self, loaded, posterior: Posterior):
        posterior.check_overrides(loaded.overrides)
        self._base = loaded.scenario
        self._resolved = loaded.resolved
        self._posterior = posterior
        self.for_seed(0)  # every path must exist in this scenario: fail now, with the path

    def for_seed(self, seed: int):
        from ..sweep.evaluators import build_scenario

        values = self._posterior.draw(seed)["values"]
        try:
            return build_scenario(self._resolved, values)
        except InputError as exc:
            raise InputError(f"the posterior's '{exc.field}' does not fit this scenario: {exc.message}",
                             self._posterior.folder, field="--posterior") from None

    def __getattr__(self, name):
        if name.startswith("_"):  # (unpickling asks before _base exists)
            raise AttributeError(name)
        return getattr(self._base, name)


class PosteriorEvaluator:
    """A sweep evaluator whose runs also carry the posterior's parameters, drawn with the run's seed."""

    def __init__(self, inner, posterior: Posterior):
        self.inner = inner
        self.posterior = posterior

    def __call__(self, params: dict[str, Any], seed: int) -> dict[str, Any]:
        return self.inner({**self.posterior.draw(seed)["values"], **params}, seed)
