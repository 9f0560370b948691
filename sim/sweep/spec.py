"""The sweep file format: read safely, validated with pydantic, errors with lines.

Example::

    name: middle_sobol                        # optional; default: the file name
    scenario: tests/data/toy_war.yaml         # relative to the repo or to this file
    until: 2020-10-01                         # optional; default: the scenario's end_date
    parameters:                               # dotted path -> bounds or values
      parameters.contest_decisiveness: {bounds: [1.0, 4.0]}
      actors.red_patron.patron.budget: {bounds: [0.0, 4.0], name: red_budget}
      ties.red_drones.level: {values: [0.0, 0.5, 1.0]}
    design: {method: sobol, samples: 256, seed: 1}   # grid | latin | sobol | morris
    replications: 4                           # seeds per design point
    base_seed: 1000                           # run seed = base_seed + replication
    outcomes:
      red_holds_middle: {column: middle_camp, equals: RED}
      red_territory: {column: red_territory_share}

Instead of ``scenario`` a file may name a built-in test model (``model: ishigami``,
with ``model_options: {delay: 0.01}``), run through the same machinery.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from pathlib import Path
from typing import Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..errors import InputError
from ..scenario import REPO_ROOT, resolve_scenario_path
from ..yamlio import line_of as _lookup_line
from ..yamlio import load_yaml_mapping, located_error

Scalar = Union[bool, int, float, str]
RESERVED_COLUMNS = ("point", "replication", "seed", "run", "chunk")
METHODS = ("grid", "latin", "sobol", "morris")
MODELS = ("ishigami",)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ParameterSpec(_Strict):
    """One swept input: a continuous range (``bounds``) or a list of ``values``."""

    bounds: list[float] | None = None
    values: list[Scalar] | None = None
    integer: bool = False
    name: str | None = Field(None, pattern=r"^[A-Za-z_][A-Za-z0-9_.]*$", max_length=100)

    @field_validator("bounds")
    @classmethod
    def _bounds(cls, v):
        if v is None:
            return v
        if len(v) != 2:
            raise ValueError("bounds must be [low, high]")
        lo, hi = v
        if not (math.isfinite(lo) and math.isfinite(hi)):
            raise ValueError("bounds must be finite numbers")
        if not lo < hi:
            raise ValueError(f"bounds must be [low, high] with low < high (got [{lo}, {hi}])")
        return v

    @field_validator("values")
    @classmethod
    def _values(cls, v):
        if v is None:
            return v
        if not v:
            raise ValueError("values must list at least one value")
        if len({json.dumps(x) for x in v}) != len(v):
            raise ValueError("values must not repeat")
        return v

    @model_validator(mode="after")
    def _one_of(self):
        if (self.bounds is None) == (self.values is None):
            raise ValueError("give exactly one of 'bounds: [low, high]' or 'values: [...]'")
        if self.integer and self.bounds is not None:
            lo, hi = self.bounds
            if lo != int(lo) or hi != int(hi):
                raise ValueError("integer bounds must be whole numbers")
        return self


class DesignSpec(_Strict):
    method: Literal["grid", "latin", "sobol", "morris"]
    samples: int | None = Field(None, ge=1, le=10_000_000,
                                description="grid: levels per bounded parameter; latin: points; "
                                            "sobol: base sample N (power of 2); morris: trajectories")
    seed: int = Field(0, ge=0)
    num_levels: int = Field(4, ge=2, le=100, description="morris grid levels")
    optimal_trajectories: int | None = Field(None, ge=2, description="morris: pick this many of 'samples'")
    second_order: bool = Field(False, description="sobol: also compute second-order indices")

    @model_validator(mode="after")
    def _check(self):
        if self.method != "grid" and self.samples is None:
            raise ValueError(f"'samples' is required for method {self.method}")
        if self.method == "sobol" and self.samples is not None and self.samples & (self.samples - 1):
            p = 1 << max(1, round(math.log2(self.samples)))
            raise ValueError(f"sobol samples must be a power of 2 (got {self.samples}; try {p})")
        if self.method == "morris" and self.optimal_trajectories is not None and self.samples is not None \
                and self.optimal_trajectories >= self.samples:
            raise ValueError("optimal_trajectories must be smaller than samples")
        return self


class OutcomeSpec(_Strict):
    column: str = Field(min_length=1)
    equals: Scalar | None = None


class SweepFile(_Strict):
    name: str | None = Field(None, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=100)
    description: str | None = None
    scenario: str | None = None
    model: Literal["ishigami"] | None = None
    model_options: dict[str, Scalar] = Field(default_factory=dict)
    until: dt.date | None = None
    parameters: dict[str, ParameterSpec] = Field(min_length=1)
    design: DesignSpec
    replications: int = Field(1, ge=1, le=100_000)
    base_seed: int = Field(0, ge=0, le=2**62)
    outcomes: list[str] | dict[str, Union[OutcomeSpec, str]] = Field(min_length=1)
    chunk_size: int | None = Field(None, ge=1, le=100_000, description="runs per task (default: 20 to 50)")

    @model_validator(mode="after")
    def _check(self):
        if (self.scenario is None) == (self.model is None):
            raise ValueError("give exactly one of 'scenario: FILE' or 'model: ishigami'")
        if self.model_options and self.model is None:
            raise ValueError("'model_options' only goes with 'model'")
        return self


_SECTION_MODELS = {(): SweepFile, ("design",): DesignSpec}


def _allowed_keys(loc: tuple) -> list[str]:
    parent = tuple(str(p) for p in loc[:-1])
    if parent in _SECTION_MODELS:
        model = _SECTION_MODELS[parent]
    elif len(parent) == 2 and parent[0] == "parameters":
        model = ParameterSpec
    elif len(parent) >= 2 and parent[0] == "outcomes":
        model = OutcomeSpec
    else:
        return []
    return list(model.model_fields)


def _clean_loc(loc: tuple) -> tuple:
    # drop pydantic's union branch labels ("OutcomeSpec", "str", "list[str]", ...)
    out = []
    for p in loc:
        s = str(p)
        if s in ("OutcomeSpec", "str", "list[str]", "dict[str,union[OutcomeSpec,str]]") or s.startswith(
                ("list[", "dict[")) or s.startswith("function-"):
            continue
        out.append(p)
    return tuple(out)


class ParamInfo(BaseModel):
    """A swept parameter after resolution."""

    path: str
    column: str
    kind: Literal["bounds", "values"]
    low: float | None = None
    high: float | None = None
    values: list[Scalar] | None = None
    integer: bool = False

    def sample_bounds(self) -> list[float]:
        """The range SALib samples for this parameter (index space for values and integers)."""
        if self.kind == "values":
            return [0.0, float(len(self.values))]
        if self.integer:
            return [float(self.low), float(self.high) + 1.0]
        return [float(self.low), float(self.high)]

    def from_unit(self, x: float) -> Scalar:
        """Map a sampled number (in sample_bounds) to the value the model gets."""
        if self.kind == "values":
            return self.values[min(int(math.floor(x)), len(self.values) - 1)]
        if self.integer:
            return int(min(math.floor(x), self.high))
        return float(x)


class SweepSpec(BaseModel):
    """A validated, resolved sweep: what the engine and the manifest use."""

    name: str
    description: str | None = None
    file: str | None = None
    sha256: str
    scenario: str | None = None       # absolute path
    model: str | None = None
    model_options: dict[str, Scalar] = {}
    until: dt.date | None = None
    params: list[ParamInfo]
    design: DesignSpec
    replications: int
    base_seed: int
    outcomes: dict[str, OutcomeSpec]
    chunk_size: int | None = None
    locations: dict[str, int] = {}

    def line_of(self, path: str) -> int | None:
        return _lookup_line(self.locations, path)

    def error(self, message: str, path: str) -> InputError:
        return InputError(message, self.file, self.line_of(path), path)

    def resolved(self) -> dict[str, Any]:
        return json.loads(self.model_dump_json(exclude={"locations"}))


def _resolve_scenario(text: str, sweep_path: Path) -> Path | None:
    candidates = [sweep_path.parent / text, REPO_ROOT / text, resolve_scenario_path(text)]
    for c in candidates:
        if c.is_file():
            return c.resolve()
    return None


def load_sweep(path: str | Path) -> SweepSpec:
    """Read and validate a sweep file; every problem is an InputError with file and line."""
    p = Path(path)
    name = str(path)
    data, locations = load_yaml_mapping(p, "sweep file")
    sf = _validate(data, name, locations)
    err = located_error(name, locations)

    scenario = None
    if sf.scenario is not None:
        found = _resolve_scenario(sf.scenario, p)
        if found is None:
            raise err(f"scenario file '{sf.scenario}' not found (looked next to the sweep file, "
                      f"in the repository and in scenarios/)", "scenario")
        scenario = str(found)
    if sf.model is not None and sf.until is not None:
        raise err("'until' only applies to a scenario", "until")
    unknown_opts = set(sf.model_options) - {"delay", "a", "b"}
    if unknown_opts:
        raise err(f"unknown model option '{sorted(unknown_opts)[0]}' (expected: delay, a, b)", "model_options")
    params = _parameters(sf, err)
    outcomes = _outcomes(sf, [i.column for i in params], params, err)
    sha = hashlib.sha256(p.read_bytes()).hexdigest()
    return SweepSpec(
        name=sf.name or p.stem, description=sf.description, file=name, sha256=sha, scenario=scenario,
        model=sf.model, model_options=sf.model_options, until=sf.until, params=params, design=sf.design,
        replications=sf.replications, base_seed=sf.base_seed, outcomes=outcomes, chunk_size=sf.chunk_size,
        locations=locations)


def _validate(data: dict, name: str, locations) -> SweepFile:
    """The file against the sweep format; the first problem as an InputError at its line."""
    try:
        return SweepFile.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = _clean_loc(err["loc"])
        fpath = ".".join(str(x) for x in loc)
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            allowed = _allowed_keys(loc)
            msg = f"unknown key '{loc[-1]}'" + (f" (expected one of: {', '.join(allowed)})" if allowed else "")
        elif err["type"] == "missing":
            msg = "required field is missing"
            line = _lookup_line(locations, ".".join(str(x) for x in loc[:-1])) or 1
            raise InputError(msg, name, line, fpath) from None
        line = _lookup_line(locations, fpath) or 1
        raise InputError(msg, name, line, fpath) from None


def _parameters(sf: SweepFile, err) -> list[ParamInfo]:
    """The parameters to vary, checked against the design and the model."""
    params: list[ParamInfo] = []
    for ppath, ps in sf.parameters.items():
        if not ppath or any(not part for part in ppath.split(".")):
            raise err(f"bad parameter path '{ppath}' (use dotted.path)", f"parameters.{ppath}")
        if ps.integer and ps.values is not None:
            raise err("'integer' only applies to bounds", f"parameters.{ppath}.integer")
        params.append(ParamInfo(
            path=ppath, column=ps.name or ppath, kind="bounds" if ps.bounds is not None else "values",
            low=ps.bounds[0] if ps.bounds else None, high=ps.bounds[1] if ps.bounds else None,
            values=ps.values, integer=ps.integer))
    if sf.model == "ishigami":
        for info in params:
            if info.path not in ("x1", "x2", "x3"):
                raise err(f"the ishigami model has inputs x1, x2, x3 (not '{info.path}')",
                          f"parameters.{info.path}")
        if len(params) != 3:
            raise err("the ishigami model needs all of x1, x2, x3", "parameters")
    if sf.design.method == "grid" and any(i.kind == "bounds" for i in params) and not sf.design.samples:
        raise err("grid over bounds needs 'samples' (levels per parameter)", "design")
    if sf.design.method == "grid" and sf.design.samples == 1 and any(i.kind == "bounds" for i in params):
        raise err("a grid needs at least 2 levels per bounded parameter", "design.samples")
    return params


def _outcomes(sf: SweepFile, columns: list[str], params: list[ParamInfo], err) -> dict[str, OutcomeSpec]:
    """The outcomes to record, with column names that clash with nothing."""
    outcomes: dict[str, OutcomeSpec] = {}
    if isinstance(sf.outcomes, list):
        for i, key in enumerate(sf.outcomes):
            if key in outcomes:
                raise err(f"outcome '{key}' listed twice", f"outcomes.{i}")
            outcomes[key] = OutcomeSpec(column=key)
    else:
        for key, o in sf.outcomes.items():
            outcomes[key] = OutcomeSpec(column=o) if isinstance(o, str) else o
    for i, c in enumerate(columns):
        if c in RESERVED_COLUMNS or c in columns[:i]:
            raise err(f"column name '{c}' is reserved or used twice (give the parameter a 'name')",
                      f"parameters.{params[i].path}")
    for key in outcomes:
        if key in RESERVED_COLUMNS or key in columns:
            raise err(f"outcome name '{key}' clashes with a parameter or a reserved column", f"outcomes.{key}")
    return outcomes
