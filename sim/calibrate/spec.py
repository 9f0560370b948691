"""The targets file: the patterns of the record plus a ``calibration`` section, validated with pydantic.

Example (configs/calibration/ holds the real ones; tests/data/calibration_tiny.yaml is a small one)::

    scenario: my_war                  # name in scenarios/ or a path
    record_cutoff: 2020-01-15         # optional: the last date of the facts the targets may use
    until: 2020-01-15                 # the window ends here (never after record_cutoff)
    runs: 50                          # for `make calibration` and the pattern tests
    must_hold: 11
    patterns:                         # as read by sim/patterns.py, each with its sources
      - {id: middle_red_2020_06, text: ..., kind: holder, place: middle, date: 2020-06-01, camp: RED,
         min_share: 0.6, sources: [a_report]}
    calibration:
      replications: 10                # runs per parameter set, seeds base_seed .. base_seed + 9 (common seeds)
      base_seed: 1
      population: 50                  # optional defaults for --population and --generations
      generations: 4
      transition: local               # optional: how proposals perturb the last generation's particles:
                                      #   normal (default; one multivariate normal kernel over them all) or
                                      #   local (a kernel per particle from its nearest quarter; keeps the
                                      #   weights even when the posterior is narrow or curved)
      kernel_scale: 2                 # optional: the kernel's width over its bandwidth rule's (default 1, pyabc's);
                                      #   wider kernels keep the importance weights even (docs/calibration.md)
      parameters:                     # dotted path (as in sweep files) -> prior
        parameters.offensive_threshold: {prior: uniform, low: 1.0, high: 4.0, why: "..."}
        parameters.capacity_regeneration: {prior: log_uniform, low: 0.01, high: 0.16}
        parameters.contest_decisiveness: {prior: normal, mean: 3.0, sd: 0.5, low: 1.5, high: 4.5}
      targets:                        # pattern id -> the record's value and a tolerance
        middle_red_2020_06: {record: 1.0, tolerance: 0.4, why: "..."}

Every problem is an :class:`InputError` with the file, the line and the field (exit code 2).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..errors import InputError
from ..yamlio import line_of as _line
from ..yamlio import load_yaml_mapping, located_error

KINDS = ("holder", "holders", "attack_weeks", "quiet", "fought", "casualties")
SHARE_KINDS = ("holder", "holders", "fought")  # statistics that are shares of runs or of weeks, in [0, 1]
NAME_RE = r"^[A-Za-z_][A-Za-z0-9_]*$"

_REQUIRED = {
    "holder": ("place", "date", "camp"),
    "holders": ("date", "holders"),
    "attack_weeks": ("attacker", "place", "from", "to", "min_weeks"),
    "quiet": ("from", "to", "max_median_weeks"),
    "fought": ("from", "to", "min_median_share"),
    "casualties": ("min_median", "max_median"),
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class HolderEntry(_Strict):
    places: list[str] = Field(min_length=1)
    camp: str
    min_share: float = Field(ge=0.0, le=1.0)


class PatternSpec(_Strict):
    """One pattern of the record (the kinds of :mod:`sim.patterns`)."""

    id: str = Field(pattern=NAME_RE, max_length=100)
    text: str = Field(min_length=1)
    kind: Literal["holder", "holders", "attack_weeks", "quiet", "fought", "casualties"]
    sources: list[str] = Field(min_length=1)
    place: str | None = None
    camp: str | None = None
    attacker: str | None = None
    date: dt.date | None = None
    from_: dt.date | None = Field(None, alias="from")
    to: dt.date | None = None
    min_share: float | None = Field(None, ge=0.0, le=1.0)
    max_share: float | None = Field(None, ge=0.0, le=1.0)
    holders: list[HolderEntry] | None = None
    min_weeks: int | None = Field(None, ge=0)
    max_median_weeks: float | None = Field(None, ge=0)
    min_median_share: float | None = Field(None, ge=0.0, le=1.0)
    min_median: float | None = Field(None, ge=0)
    max_median: float | None = Field(None, ge=0)

    @model_validator(mode="after")
    def _fields_of_kind(self):
        for name in _REQUIRED[self.kind]:
            if getattr(self, "from_" if name == "from" else name) is None:
                raise ValueError(f"a '{self.kind}' pattern needs '{name}'")
        if self.from_ is not None and self.to is not None and not self.from_ <= self.to:
            raise ValueError(f"'from' ({self.from_}) is after 'to' ({self.to})")
        return self

    def dates(self) -> list[dt.date]:
        return [d for d in (self.date, self.from_, self.to) if d is not None]


class PriorSpec(_Strict):
    """A prior: uniform or log-uniform on [low, high], or normal (mean, sd), cut to [low, high] if given."""

    prior: Literal["uniform", "log_uniform", "normal"]
    low: float | None = None
    high: float | None = None
    mean: float | None = None
    sd: float | None = Field(None, gt=0.0)
    name: str | None = Field(None, pattern=NAME_RE, max_length=60)
    why: str | None = None

    @model_validator(mode="after")
    def _check(self):
        for k in ("low", "high", "mean", "sd"):
            v = getattr(self, k)
            if v is not None and not math.isfinite(v):
                raise ValueError(f"'{k}' must be a finite number")
        if self.prior in ("uniform", "log_uniform"):
            if self.low is None or self.high is None:
                raise ValueError(f"a {self.prior} prior needs 'low' and 'high'")
            if self.mean is not None or self.sd is not None:
                raise ValueError(f"a {self.prior} prior takes 'low' and 'high', not 'mean' or 'sd'")
            if self.prior == "log_uniform" and self.low <= 0:
                raise ValueError(f"a log_uniform prior needs low > 0 (got {self.low})")
        else:
            if self.mean is None or self.sd is None:
                raise ValueError("a normal prior needs 'mean' and 'sd'")
            if (self.low is None) != (self.high is None):
                raise ValueError("a normal prior is cut to [low, high]: give both or neither")
        if self.low is not None and self.high is not None and not self.low < self.high:
            raise ValueError(f"need low < high (got low {self.low}, high {self.high})")
        if self.prior == "normal" and self.low is not None and not self.low <= self.mean <= self.high:
            raise ValueError(f"the mean {self.mean} is outside [low, high]")
        return self


class TargetSpec(_Strict):
    record: float
    tolerance: float = Field(gt=0.0)
    why: str | None = None

    @field_validator("record", "tolerance")
    @classmethod
    def _finite(cls, v):
        if not math.isfinite(v):
            raise ValueError("must be a finite number")
        return v


class CalibrationSection(_Strict):
    replications: int = Field(ge=1, le=1000)
    base_seed: int = Field(1, ge=0, le=2**62)
    population: int | None = Field(None, ge=2, le=100_000)
    generations: int | None = Field(None, ge=1, le=1000)
    transition: Literal["normal", "local"] = "normal"
    kernel_scale: float = Field(1.0, gt=0.0, le=10.0)
    parameters: dict[str, PriorSpec] = Field(min_length=1)
    targets: dict[str, TargetSpec] = Field(min_length=1)


class TargetsFile(_Strict):
    scenario: str = Field(min_length=1)
    record_cutoff: dt.date | None = None
    until: dt.date
    runs: int = Field(ge=1)
    must_hold: int = Field(ge=0)
    description: str | None = None
    patterns: list[PatternSpec] = Field(min_length=1)
    calibration: CalibrationSection | None = None


_MODELS = {"": TargetsFile, "calibration": CalibrationSection}


# ------------------------------------------------------------------ resolved
@dataclass
class Param:
    """A parameter to infer: its column name, its dotted path in the scenario and its prior."""

    name: str
    path: str
    prior: str
    low: float | None = None
    high: float | None = None
    mean: float | None = None
    sd: float | None = None

    def scipy(self):
        """The prior as (scipy.stats name, args, kwargs)."""
        if self.prior == "uniform":
            return "uniform", (self.low, self.high - self.low), {}
        if self.prior == "log_uniform":
            return "loguniform", (self.low, self.high), {}
        if self.low is None:
            return "norm", (self.mean, self.sd), {}
        a, b = (self.low - self.mean) / self.sd, (self.high - self.mean) / self.sd
        return "truncnorm", (a, b), {"loc": self.mean, "scale": self.sd}

    def frozen(self):
        import scipy.stats

        name, args, kwargs = self.scipy()
        return getattr(scipy.stats, name)(*args, **kwargs)

    def describe(self) -> str:
        if self.prior == "uniform":
            return f"uniform [{self.low:g}, {self.high:g}]"
        if self.prior == "log_uniform":
            return f"log-uniform [{self.low:g}, {self.high:g}]"
        cut = f", cut to [{self.low:g}, {self.high:g}]" if self.low is not None else ""
        return f"normal (mean {self.mean:g}, sd {self.sd:g}{cut})"


@dataclass
class Target:
    id: str
    pattern: dict[str, Any]  # the pattern as sim/patterns.py reads it
    record: float
    tolerance: float
    why: str | None = None


@dataclass
class CalibrationSpec:
    file: str
    sha256: str
    scenario: str           # absolute path of the scenario file
    until: dt.date
    params: list[Param]
    replications: int
    base_seed: int
    targets: list[Target]
    population: int | None = None
    generations: int | None = None
    transition: str = "normal"
    kernel_scale: float = 1.0
    patterns: dict[str, Any] = field(default_factory=dict)  # the whole file, as sim/patterns.py reads it

    def seeds(self) -> list[int]:
        """The seeds every parameter set is run with (common random numbers across parameter sets)."""
        return [self.base_seed + r for r in range(self.replications)]

    def resolved(self) -> dict[str, Any]:
        return {
            "file": self.file, "sha256": self.sha256, "scenario": self.scenario, "until": self.until.isoformat(),
            "replications": self.replications, "base_seed": self.base_seed, "transition": self.transition,
            "kernel_scale": self.kernel_scale,
            "parameters": [vars(p) for p in self.params],
            "targets": [{"id": t.id, "record": t.record, "tolerance": t.tolerance, "text": t.pattern["text"]}
                        for t in self.targets],
        }


# ------------------------------------------------------------------ loading
def _validate(data: dict, name: str, locations: dict[str, int]) -> TargetsFile:
    try:
        return TargetsFile.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        fpath = ".".join(str(p) for p in loc)
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            parent = ".".join(str(p) for p in loc[:-1])
            model = _MODELS.get(parent)
            if model is None and len(loc) == 3 and loc[0] == "calibration":
                model = {"parameters": PriorSpec, "targets": TargetSpec}.get(str(loc[1]))
            if model is None and loc[0] == "patterns":
                model = PatternSpec
            allowed = [f.alias or k for k, f in model.model_fields.items()] if model else []
            msg = f"unknown key '{loc[-1]}'" + (f" (expected one of: {', '.join(allowed)})" if allowed else "")
            line = _line(locations, fpath)
        elif err["type"] == "missing":
            msg = "required field is missing"
            line = _line(locations, ".".join(str(p) for p in loc[:-1]))
        else:
            line = _line(locations, fpath)
        raise InputError(msg, name, line or 1, fpath) from None


def load_targets(path: str | Path, require_calibration: bool = True, base_dir: str | Path | None = None
                 ) -> CalibrationSpec:
    """Read and validate a targets file against the format, the cut-off date and the scenario (a relative
    scenario path is looked up next to the file, or in ``base_dir`` for a copy of a file kept elsewhere)."""
    from ..scenario import REPO_ROOT, load_scenario, resolve_scenario_path

    p = Path(path)
    name = str(path)
    data, locations = load_yaml_mapping(p, "targets file")
    tf = _validate(data, name, locations)
    err = located_error(name, locations)

    if tf.record_cutoff is not None and tf.until > tf.record_cutoff:
        raise err(f"the window must end by the record's cut-off {tf.record_cutoff} (got {tf.until})", "until")
    _check_patterns(tf, data, err)
    if tf.calibration is None:
        if require_calibration:
            raise err("this file has no 'calibration' section (parameters with priors, replications, targets)",
                      "calibration")
        cal = None
    else:
        cal = tf.calibration

    candidates = [Path(base_dir or p.parent) / tf.scenario, REPO_ROOT / tf.scenario,
                  resolve_scenario_path(tf.scenario)]
    found = next((c for c in candidates if c.is_file()), None)
    if found is None:
        raise err(f"scenario '{tf.scenario}' not found (looked next to this file, in the repository and in "
                  f"scenarios/)", "scenario")
    loaded = load_scenario(found)
    sc = loaded.scenario
    if not sc.start_date < tf.until:
        raise err(f"{tf.until} is not after the scenario's start_date {sc.start_date}", "until")
    _check_places(tf, sc, err)

    params = _parameters(cal, loaded.resolved, err) if cal is not None else []
    targets = _targets(cal, tf, err) if cal is not None else []
    return CalibrationSpec(
        file=name, sha256=hashlib.sha256(p.read_bytes()).hexdigest(), scenario=str(found.resolve()),
        until=tf.until, params=params, replications=cal.replications if cal else 0,
        base_seed=cal.base_seed if cal else 0, targets=targets, population=cal.population if cal else None,
        generations=cal.generations if cal else None, transition=cal.transition if cal else "normal",
        kernel_scale=cal.kernel_scale if cal else 1.0, patterns=data)


def _check_patterns(tf: TargetsFile, data: dict, err) -> None:
    """Pattern ids are unique and no pattern's date is after the window's end."""
    ids: dict[str, int] = {}
    for i, pat in enumerate(tf.patterns):
        if pat.id in ids:
            raise err(f"pattern id '{pat.id}' used twice (also pattern {ids[pat.id]})", f"patterns.{i}.id")
        ids[pat.id] = i
        for d in pat.dates():
            if d > tf.until:
                key = next(k for k in ("date", "to", "from") if str(data["patterns"][i].get(k)) == d.isoformat())
                raise err(f"{d} is after the window's end ({tf.until}): calibrate only on facts up to "
                          f"{tf.until}", f"patterns.{i}.{key}")


def _parameters(cal, resolved: dict, err) -> list[Param]:
    """The parameters to infer, each with a unique column name and a path that exists in the scenario."""
    params: list[Param] = []
    names: dict[str, str] = {}
    for ppath, ps in cal.parameters.items():
        where = f"calibration.parameters.{ppath}"
        if not re.fullmatch(r"[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*", ppath):
            raise err(f"bad parameter path '{ppath}' (use dotted.path)", where)
        col = ps.name or ppath.split(".")[-1]
        if col in names:
            raise err(f"column name '{col}' used by '{names[col]}' too: give one a 'name'", where)
        names[col] = ppath
        params.append(Param(col, ppath, ps.prior, ps.low, ps.high, ps.mean, ps.sd))
    _check_parameter_paths(params, resolved, err)
    return params


def _targets(cal, tf: TargetsFile, err) -> list[Target]:
    """The targets: a pattern of the file each, with the record's value (a share where the pattern is one)."""
    by_id = {pat.id: (i, pat) for i, pat in enumerate(tf.patterns)}
    targets: list[Target] = []
    for tid, ts in cal.targets.items():
        where = f"calibration.targets.{tid}"
        if tid not in by_id:
            raise err(f"no pattern '{tid}' in this file (patterns: {', '.join(by_id)})", where)
        i, pat = by_id[tid]
        if pat.kind in SHARE_KINDS and not 0.0 <= ts.record <= 1.0:
            raise err(f"a '{pat.kind}' pattern's value is a share: the record must be in [0, 1] "
                      f"(got {ts.record})", where + ".record")
        if pat.kind != "holders" and pat.kind != "casualties" and ts.record < 0:
            raise err(f"must not be negative (got {ts.record})", where + ".record")
        pattern = pat.model_dump(by_alias=True, exclude_none=True)  # dates as dates, however they were written
        targets.append(Target(tid, pattern, float(ts.record), float(ts.tolerance), ts.why))
    return targets


def _check_places(tf: TargetsFile, sc, err) -> None:
    """Places and camps the patterns name must exist in the scenario."""
    places, camps = set(sc.territory.places), set(sc.camps)
    for i, pat in enumerate(tf.patterns):
        for key in ("place",):
            v = getattr(pat, key)
            if v is not None and v not in places:
                raise err(f"unknown place '{v}' (not a place of the scenario)", f"patterns.{i}.{key}")
        for key in ("camp", "attacker"):
            v = getattr(pat, key)
            if v is not None and v not in camps:
                raise err(f"unknown camp '{v}' (camps: {', '.join(sorted(camps))})", f"patterns.{i}.{key}")
        for j, h in enumerate(pat.holders or []):
            for v in h.places:
                if v not in places:
                    raise err(f"unknown place '{v}'", f"patterns.{i}.holders.{j}.places")
            if h.camp not in camps:
                raise err(f"unknown camp '{h.camp}'", f"patterns.{i}.holders.{j}.camp")


def _check_parameter_paths(params: list[Param], resolved: dict, err) -> None:
    """Each parameter at the ends of its prior's support must give a valid scenario."""
    from ..sweep.evaluators import build_scenario

    for p in params:
        where = f"calibration.parameters.{p.path}"
        if p.low is not None:
            trials = [p.low, p.high]
        else:
            dist = p.frozen()
            trials = [float(dist.ppf(1e-6)), float(dist.ppf(1 - 1e-6))]
        for v in trials:
            try:
                build_scenario(resolved, {p.path: v})
            except InputError as exc:
                at = f"{exc.field}: " if exc.field and exc.field != p.path else ""
                raise err(f"cannot set '{p.path}' to {v:g} (an end of its prior): {at}{exc.message}",
                          where) from None
