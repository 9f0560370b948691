"""Design matrices: a plain product for grids, SALib samplers for the rest.

:func:`build_design` returns a DataFrame with one row per design point:
``point``, one column per parameter holding the value the model gets, and for
sampled designs the raw sampled numbers ``_x0 .. _x{D-1}`` (what SALib's
analysers need, e.g. Morris). The SALib ``problem`` dict is returned too.
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pandas as pd

from .spec import ParamInfo, SweepSpec


def salib_problem(spec: SweepSpec) -> dict:
    return {
        "num_vars": len(spec.params),
        "names": [p.column for p in spec.params],
        "bounds": [p.sample_bounds() for p in spec.params],
    }


def _grid_levels(p: ParamInfo, levels: int | None) -> list:
    if p.kind == "values":
        return list(p.values)
    if p.integer:
        return sorted({int(round(v)) for v in np.linspace(p.low, p.high, levels)})
    return [float(v) for v in np.linspace(p.low, p.high, levels)]


def raw_sample(spec: SweepSpec) -> np.ndarray:
    d = spec.design
    problem = salib_problem(spec)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if d.method == "latin":
            from SALib.sample import latin

            return latin.sample(problem, d.samples, seed=d.seed)
        if d.method == "sobol":
            from SALib.sample import sobol

            return sobol.sample(problem, d.samples, calc_second_order=d.second_order, seed=d.seed)
        if d.method == "morris":
            from SALib.sample import morris

            return morris.sample(problem, d.samples, num_levels=d.num_levels,
                                 optimal_trajectories=d.optimal_trajectories, seed=d.seed)
    raise ValueError(d.method)


def _column_dtype(p: ParamInfo):
    if p.kind == "bounds":
        return "int64" if p.integer else "float64"
    vals = p.values
    if all(isinstance(v, bool) for v in vals):
        return "bool"
    if all(isinstance(v, int) and not isinstance(v, bool) for v in vals):
        return "int64"
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in vals):
        return "float64"
    return "string"


def param_arrow_types(spec: SweepSpec) -> dict[str, str]:
    return {p.column: _column_dtype(p) for p in spec.params}


def build_design(spec: SweepSpec) -> tuple[pd.DataFrame, dict]:
    problem = salib_problem(spec)
    cols: dict[str, list] = {}
    if spec.design.method == "grid":
        axes = [_grid_levels(p, spec.design.samples) for p in spec.params]
        rows = list(itertools.product(*axes))
        for j, p in enumerate(spec.params):
            cols[p.column] = [r[j] for r in rows]
        n = len(rows)
    else:
        X = raw_sample(spec)
        n = X.shape[0]
        for j, p in enumerate(spec.params):
            cols[p.column] = [p.from_unit(x) for x in X[:, j]]
        for j in range(X.shape[1]):
            cols[f"_x{j}"] = X[:, j].astype(float)
    df = pd.DataFrame({"point": np.arange(n, dtype=np.int64)})
    for p in spec.params:
        dtype = _column_dtype(p)
        values = cols[p.column]
        if dtype == "string":
            values = [str(v) for v in values]
        df[p.column] = pd.Series(values, dtype=dtype if dtype != "string" else object)
    for k, v in cols.items():
        if k.startswith("_x"):
            df[k] = v
    return df, problem
