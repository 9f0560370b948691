"""Load a scenario: YAML -> ``extends`` chain -> ``--set`` overrides -> validated Scenario.

Data flows one way: the file is read safely (:mod:`sim.yamlio`), its base files
are merged under it, the model parameter defaults from ``configs/model.yaml``
are merged under everything, ``--set`` values go on top, and the result is
validated into a :class:`sim.schema.Scenario`, whose citations are checked against
the bibliography (:mod:`sim.sources`). Every problem is an
:class:`InputError` naming the file, the line and the field.

Merging: mappings merge key by key; any other value (lists included) replaces
the base value; ``null`` in a variant deletes the base entry (for example
``events: {turkish_deployment: null}``).
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from .errors import InputError
from .schema import ReferenceProblem, Scenario, check_references
from .sources import check_citations, load_bibliography
from .yamlio import load_yaml_file

REPO_ROOT = Path(__file__).resolve().parent.parent
CONFIGS_DIR = Path(os.environ.get("LIBYA_SIM_CONFIGS", REPO_ROOT / "configs"))
SCENARIOS_DIR = Path(os.environ.get("LIBYA_SIM_SCENARIOS", REPO_ROOT / "scenarios"))
MAX_EXTENDS_DEPTH = 16


@dataclass
class Origins:
    """Where each dotted path of the merged document came from: (file, line)."""

    where: dict[str, tuple[str, int | None]] = field(default_factory=dict)

    def add(self, file: str, locations: dict[str, int], prefix: str = "") -> None:
        for path, line in locations.items():
            self.where[prefix + path] = (file, line)

    def lookup(self, path: str, default_file: str) -> tuple[str, int | None]:
        parts = path.split(".") if path else []
        while parts:
            key = ".".join(parts)
            if key in self.where:
                return self.where[key]
            parts.pop()
        return default_file, None


@dataclass
class LoadedScenario:
    scenario: Scenario
    path: str
    resolved: dict[str, Any]
    sha256: str
    overrides: dict[str, Any]


def resolve_scenario_path(name: str) -> Path:
    """A path, or a bare scenario name looked up in scenarios/."""
    p = Path(name)
    if p.exists() or p.suffix in (".yaml", ".yml") or os.sep in name:
        return p
    candidate = SCENARIOS_DIR / f"{name}.yaml"
    return candidate if candidate.exists() else p


def deep_merge(base: Any, over: Any) -> Any:
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            if v is None:
                out.pop(k, None)
            elif k in out:
                out[k] = deep_merge(out[k], v)
            else:
                out[k] = copy.deepcopy(v)
        return out
    return copy.deepcopy(over)


def _read_chain(path: Path, origins: Origins, seen: tuple[str, ...]) -> dict[str, Any]:
    real = str(path.resolve())
    if real in seen:
        chain = " -> ".join(Path(s).name for s in seen + (real,))
        raise InputError(f"'extends' cycle: {chain}", str(path), None, "extends")
    if len(seen) > MAX_EXTENDS_DEPTH:
        raise InputError(f"'extends' chain deeper than {MAX_EXTENDS_DEPTH}", str(path), None, "extends")
    data, locations = load_yaml_file(path)
    if not isinstance(data, dict):
        raise InputError("a scenario must be a YAML mapping (key: value) at the top level", str(path), 1)
    base_name = data.pop("extends", None)
    merged: dict[str, Any] = {}
    if base_name is not None:
        if not isinstance(base_name, str):
            raise InputError("must be a file name", str(path), locations.get("extends"), "extends")
        base_path = (path.parent / base_name)
        if not base_path.exists():
            raise InputError(f"base scenario '{base_name}' not found", str(path),
                             locations.get("extends"), "extends")
        merged = _read_chain(base_path, origins, seen + (real,))
    _check_deletions(merged, data, (), str(path), locations)
    _drop_stale_reasons(merged, data)
    origins.add(str(path), locations)
    return deep_merge(merged, data)


def _drop_stale_reasons(base: Any, over: Any) -> None:
    """A variant that gives an item new ``sources`` without a ``later_sources`` of its own does not inherit
    the base's reason, which was written for the base's sources (it is deleted, as a null would)."""
    if not isinstance(over, dict) or not isinstance(base, dict):
        return
    if "sources" in over and "later_sources" not in over and base.get("later_sources") is not None:
        over["later_sources"] = None
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(base.get(k), dict):
            _drop_stale_reasons(base[k], v)


def _check_deletions(base: Any, over: Any, path: tuple, file: str, locations: dict[str, int]) -> None:
    """A null in a variant deletes a base entry; a null with nothing to delete is a mistake (a typo?)."""
    if not isinstance(over, dict):
        return
    for k, v in over.items():
        here = path + (k,)
        dotted = ".".join(here)
        if v is None and (not isinstance(base, dict) or k not in base):
            raise InputError("null deletes an entry of the base scenario, but there is none of that name",
                             file, locations.get(dotted), dotted)
        if isinstance(v, dict) and isinstance(base, dict) and k in base:
            _check_deletions(base[k], v, here, file, locations)


def parse_set_value(text: str) -> Any:
    """A --set value is a YAML scalar or flow collection (safe)."""
    try:
        return yaml.safe_load(text) if text.strip() else ""
    except yaml.YAMLError:
        return text


def apply_override(doc: dict[str, Any], key: str, value: Any) -> None:
    parts = key.split(".")
    if not key or any(not p for p in parts):
        raise InputError(f"bad --set key '{key}' (use dotted.path=value)", "--set")
    node: Any = doc
    for i, part in enumerate(parts[:-1]):
        if isinstance(node, list):
            try:
                node = node[int(part)]
                continue
            except (ValueError, IndexError):
                raise InputError(f"no item '{part}' in list", "--set", None, ".".join(parts[: i + 1])) from None
        if not isinstance(node, dict):
            raise InputError("cannot set a field inside a plain value", "--set", None, ".".join(parts[: i + 1]))
        if part not in node:
            raise InputError(f"unknown key '{part}'", "--set", None, ".".join(parts[: i + 1]))
        node = node[part]
    last = parts[-1]
    if isinstance(node, list):
        try:
            node[int(last)] = copy.deepcopy(value)
            return
        except (ValueError, IndexError):
            raise InputError(f"no item '{last}' in list", "--set", None, key) from None
    if not isinstance(node, dict):
        raise InputError("cannot set a field inside a plain value", "--set", None, key)
    node[last] = copy.deepcopy(value)  # a later override must not change the caller's value


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if hasattr(obj, "isoformat"):
        return obj.isoformat()
    return obj


def _field_path(loc: tuple) -> str:
    # pydantic puts the union tag into the location of discriminated unions; drop it
    parts = [str(p) for p in loc]
    return ".".join(parts)


def load_scenario(path: str | Path, overrides: dict[str, Any] | None = None) -> LoadedScenario:
    """Read, merge, override and validate a scenario file."""
    path = resolve_scenario_path(str(path))
    name = str(path)
    origins = Origins()
    defaults_path = CONFIGS_DIR / "model.yaml"
    defaults, def_locs = load_yaml_file(defaults_path)
    if not isinstance(defaults, dict) or "parameters" not in defaults:
        raise InputError("must hold a 'parameters' mapping", str(defaults_path), 1)
    origins.add(str(defaults_path), def_locs)
    doc = _read_chain(path, origins, ())
    doc = deep_merge({"parameters": defaults["parameters"]}, doc)
    if "name" not in origins.where or origins.where["name"][0] != str(path):
        doc["name"] = path.stem  # a variant is named after its own file, not its base
    overrides = dict(overrides or {})
    for key, value in overrides.items():
        apply_override(doc, key, value)
        origins.where[key] = ("--set", None)
    try:
        scenario = Scenario.model_validate(doc)
    except ValidationError as exc:
        err = exc.errors()[0]
        fpath = _field_path(err["loc"])
        file, line = origins.lookup(fpath, name)
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown key (not part of the scenario format; see `libya-sim schema`)"
        elif err["type"] == "missing":
            msg = "required field is missing"
        more = f" (and {len(exc.errors()) - 1} more problems)" if len(exc.errors()) > 1 else ""
        raise InputError(msg + more, file, line, fpath) from None
    try:
        check_references(scenario)
        check_citations(scenario, load_bibliography())
    except ReferenceProblem as exc:
        file, line = origins.lookup(exc.path, name)
        raise InputError(exc.message, file, line, exc.path) from None
    resolved = _jsonable(scenario.model_dump(mode="json"))
    digest = hashlib.sha256(json.dumps(resolved, sort_keys=True).encode()).hexdigest()
    return LoadedScenario(scenario=scenario, path=name, resolved=resolved, sha256=digest, overrides=overrides)


def parse_set_args(items: list[str] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items or []:
        if "=" not in item:
            raise InputError(f"'{item}' is not KEY=VALUE", "--set")
        k, v = item.split("=", 1)
        out[k.strip()] = parse_set_value(v)
    return out


def json_schema() -> dict[str, Any]:
    schema = Scenario.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "libya-sim scenario"
    # parameters may be partial in a scenario file: defaults come from configs/model.yaml
    props = schema.get("properties", {})
    if "required" in schema:
        schema["required"] = [r for r in schema["required"] if r not in ("parameters", "name")]
    props.setdefault("extends", {"type": "string", "description": "base scenario file, relative to this one"})
    return schema


def patron_scaling(loaded: LoadedScenario, patron: str, factor: float) -> dict[str, Any]:
    """Overrides that scale everything a patron gives: its budget, its ties' levels and caps, its deployments.

    Used to ask "what if this patron had given more (or less)?" with one number; levels are capped at 3.
    """
    s = loaded.scenario
    if patron not in s.actors or s.actors[patron].patron is None:
        raise InputError(f"'{patron}' is not a patron of this scenario", loaded.path)
    out: dict[str, Any] = {f"actors.{patron}.patron.budget": s.actors[patron].patron.budget * factor}
    for tid, t in s.ties.items():
        if t.source == patron:
            out[f"ties.{tid}.level"] = min(3.0, t.level * factor)
            out[f"ties.{tid}.max_level"] = min(3.0, t.max_level * factor)
    for eid, e in s.events.items():
        if e.kind == "deployment" and e.patron == patron:
            out[f"events.{eid}.level"] = min(3.0, e.level * factor)
            if e.max_level is not None:
                out[f"events.{eid}.max_level"] = min(3.0, e.max_level * factor)
    return out
