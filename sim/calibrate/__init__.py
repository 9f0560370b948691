"""Calibration against the record with approximate Bayesian computation (ABC-SMC, pyabc).

A targets file (``configs/calibration/*.yaml``, :mod:`sim.calibrate.spec`) holds the patterns of
the record and a ``calibration`` section: the parameters to infer (dotted paths, as in sweep files)
with their priors, the replications per parameter set (common seeds) and, for each pattern used as
a target, the record's value and a tolerance. :mod:`sim.calibrate.stats` turns a parameter set's
runs into one number per target and the misses into a distance; :mod:`sim.calibrate.abc` runs
ABC-SMC generation by generation into a pyabc SQLite history (resumable);
:mod:`sim.calibrate.report` writes ``posterior.parquet`` and the report; :mod:`sim.calibrate.posterior`
draws parameter sets from a posterior for ``run``, ``compare`` and ``sweep``.
"""

from .spec import CalibrationSpec, load_targets  # noqa: F401
