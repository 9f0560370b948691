"""Load a scenario: YAML -> ``extends`` chain -> theatre parameters -> ``--set`` overrides -> validated Scenario.

Data flows one way: the file is read safely (:mod:`sim.yamlio`), its base files
are merged under it, the theatre's parameter file it names (``parameters_file:``)
is merged under the chain, the generic model parameter defaults from
``configs/model.yaml`` under everything, ``--set`` values go on top, and the result
is validated into a :class:`sim.schema.Scenario`, whose citations are checked
against the bibliography (:mod:`sim.sources`). Every problem is an
:class:`InputError` naming the file, the line and the field.

Merging: mappings merge key by key; any other value (lists included) replaces
the base value; ``null`` in a variant deletes the base entry (for example
``events: {talks: null}``).

Scenario folders: a scenario is named by its file's stem and looked up in ./scenarios/ and then the project's
scenarios/, in their theatre subfolders too (``scenarios/north/my_war.yaml`` is ``my_war``, or
``north/my_war``); a name found twice in one folder is ambiguous. A theatre's parameter file
(:data:`PARAMETERS_FILE`) is never a scenario.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from .checks import ScenarioWarning, scenario_warnings
from .errors import InputError, did_you_mean
from .schema import ReferenceProblem, Scenario, check_references
from .sources import check_citations, load_bibliography
from .yamlio import load_yaml_file

REPO_ROOT = Path(__file__).resolve().parent.parent
CONFIGS_DIR = Path(os.environ.get("LIBYA_SIM_CONFIGS", REPO_ROOT / "configs"))
SCENARIOS_DIR = Path(os.environ.get("LIBYA_SIM_SCENARIOS", REPO_ROOT / "scenarios"))
MAX_EXTENDS_DEPTH = 16
PARAMETERS_FILE = "parameters.yaml"  # a theatre's parameter file, by convention: listed and looked up as no scenario


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
    warnings: list[ScenarioWarning] = field(default_factory=list)  # see sim.checks


def scenario_dirs() -> list[Path]:
    """Where a scenario name is looked up: ./scenarios/ (the folder you are in), then the project's scenarios/."""
    out: list[Path] = []
    for d in (Path("scenarios"), SCENARIOS_DIR):
        if d.is_dir() and all(d.resolve() != o.resolve() for o in out):
            out.append(d)
    return out


def scenario_files(folder: Path) -> list[Path]:
    """The scenario files of a scenarios folder and of its theatre subfolders (not the theatres' parameter files,
    nor hidden folders), sorted."""
    return sorted(f for f in folder.rglob("*.yaml") if f.name != PARAMETERS_FILE
                  and not any(part.startswith(".") for part in f.relative_to(folder).parts))


def scenario_label(file: Path, folder: Path) -> str:
    """A scenario's name qualified by its theatre folder (``north/my_war``), as ``list`` shows it."""
    return file.relative_to(folder).with_suffix("").as_posix()


def available_scenarios() -> dict[str, Path]:
    """Scenario name -> file, from :func:`scenario_dirs` and their theatre subfolders (the first folder wins a name
    found in two; a name found twice in one folder keeps its first file here, and :func:`resolve_scenario_path`
    refuses it as ambiguous)."""
    out: dict[str, Path] = {}
    for d in scenario_dirs():
        for f in scenario_files(d):
            out.setdefault(f.stem, f)
    return out


def find_in_folders(file: str, folders: list[Path], name: str) -> Path | None:
    """``file`` (``x.yaml``, or ``theatre/x.yaml``) in the first folder that has it, in its theatre subfolders
    too; an InputError naming the candidates if that folder has it twice."""
    qualified = "/" in file or os.sep in file
    for d in folders:
        if qualified:
            if (d / file).is_file():
                return d / file
            continue
        found = [f for f in scenario_files(d) if f.name == file]
        if len(found) > 1:
            labels = ", ".join(scenario_label(f, d) for f in found)
            raise InputError(f"ambiguous scenario name: {labels} (name one with its theatre folder, e.g. "
                             f"{scenario_label(found[0], d)})", name)
        if found:
            return found[0]
    return None


def resolve_scenario_path(name: str) -> Path:
    """A path, or a scenario name (``my_war``, ``my_war.yaml`` or ``theatre/my_war``) looked up in ./scenarios/
    and then the project's scenarios/, with their theatre subfolders (see :func:`scenario_dirs`); an InputError if
    the name is ambiguous (found twice in one folder)."""
    p = Path(name)
    if p.exists():
        return p
    file = name if p.suffix in (".yaml", ".yml") else f"{name}.yaml"
    return find_in_folders(file, scenario_dirs(), name) or p


def _not_found(path: Path) -> InputError:
    """"file not found", with the scenarios there are (and the closest names)."""
    known = available_scenarios()
    hint = did_you_mean(path.stem, known)
    where = ", ".join(f"{d}/" for d in scenario_dirs()) or "scenarios/"
    names = ", ".join(known) if known else "none"
    return InputError(f"file not found{hint}; scenarios in {where}: {names} (`libya-sim list` describes them)",
                      str(path))


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
    _locate_parameters_file(path, data, locations)
    merged: dict[str, Any] = {}
    if base_name is not None:
        if not isinstance(base_name, str):
            raise InputError("must be a file name", str(path), locations.get("extends"), "extends")
        base_path = _find_base(path, base_name, locations.get("extends"))
        merged = _read_chain(base_path, origins, seen + (real,))
    _check_deletions(merged, data, (), str(path), locations)
    _drop_stale_reasons(merged, data)
    origins.add(str(path), locations)
    return deep_merge(merged, data)


def _locate_parameters_file(path: Path, data: dict[str, Any], locations: dict[str, int]) -> None:
    """A ``parameters_file:`` names a file beside the file that names it: keep where it is, for the merge."""
    named = data.get("parameters_file")
    if named is None:
        return
    if not isinstance(named, str) or not named.strip():
        raise InputError("must be a file name (the theatre's parameter file, beside this one)", str(path),
                         locations.get("parameters_file"), "parameters_file")
    data["parameters_file"] = str(path.parent / named)


def _model_defaults(origins: Origins) -> dict[str, Any]:
    """The generic parameter defaults of configs/model.yaml."""
    defaults_path = CONFIGS_DIR / "model.yaml"
    defaults, locations = load_yaml_file(defaults_path)
    if not isinstance(defaults, dict) or not isinstance(defaults.get("parameters"), dict):
        raise InputError("must hold a 'parameters' mapping", str(defaults_path), 1)
    origins.add(str(defaults_path), locations)
    return defaults["parameters"]


def _theatre_parameters(named: str | None, chain: Origins, origins: Origins) -> dict[str, Any]:
    """The ``parameters:`` of the theatre's parameter file that the scenario (or a base of it) names with
    ``parameters_file:``: merged over the generic defaults and under the scenario's own; {} if it names none."""
    if named is None:
        return {}
    file, line = chain.lookup("parameters_file", "")
    theatre = Path(named)
    if not theatre.is_file():
        known = [f.name for f in theatre.parent.glob("*.yaml")] if theatre.parent.is_dir() else []
        raise InputError(f"parameters file '{theatre}' not found{did_you_mean(theatre.name, known)}", file, line,
                         "parameters_file")
    data, locations = load_yaml_file(theatre)
    if not isinstance(data, dict) or set(data) != {"parameters"} or not isinstance(data["parameters"], dict):
        raise InputError("a parameters file holds one mapping, 'parameters:' (the theatre's values)", str(theatre), 1)
    origins.add(str(theatre), locations)
    return data["parameters"]


def _find_base(path: Path, base_name: str, line: int | None) -> Path:
    """The file an ``extends:`` names: beside the variant, else in the scenarios folders and their theatre
    subfolders (``extends: my_war.yaml`` finds scenarios/north/my_war.yaml)."""
    if (path.parent / base_name).is_file():
        return path.parent / base_name
    roots = [d for d in scenario_dirs() if d.resolve() != path.parent.resolve()]
    try:
        found = find_in_folders(base_name, roots, base_name)
    except InputError as exc:
        raise InputError(exc.message, str(path), line, "extends") from None
    if found is not None:
        return found
    looked = [path.parent] + roots
    known = {f.name for f in path.parent.glob("*.yaml")} | {f.name for d in roots for f in scenario_files(d)}
    where = ", ".join(f"{d}/" for d in looked)
    raise InputError(f"base scenario '{base_name}' not found{did_you_mean(base_name, known)} (looked in {where})",
                     str(path), line, "extends")


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
    """Set the value at a dotted path of the merged document; ``None`` (``--set KEY=null``) deletes it."""
    parts = key.split(".")
    if not key or any(not p for p in parts):
        raise InputError(f"bad key '{key}' (use dotted.path=value)", "--set")
    node: Any = doc
    for i, part in enumerate(parts):
        here = ".".join(parts[: i + 1])
        last = i == len(parts) - 1
        if isinstance(node, list):
            try:
                index = int(part)
                node[index]
            except (ValueError, IndexError):
                raise InputError(f"no item '{part}' in a list of {len(node)}", "--set", None, here) from None
            if not last:
                node = node[index]
            elif value is None:
                del node[index]
            else:
                node[index] = copy.deepcopy(value)
            continue
        if not isinstance(node, dict):
            raise InputError("cannot set a field inside a plain value", "--set", None, here)
        if last:
            if value is None:
                if part not in node:
                    raise InputError(f"null deletes an entry, but there is no '{part}'{did_you_mean(part, node)}",
                                     "--set", None, here)
                del node[part]
            else:
                node[part] = copy.deepcopy(value)  # a later override must not change the caller's value
            return
        if part not in node:
            raise InputError(f"unknown key '{part}'{did_you_mean(part, node)}", "--set", None, here)
        node = node[part]


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if hasattr(obj, "isoformat"):
        return obj.isoformat()
    return obj


def _field_path(loc: tuple, doc: Any) -> str:
    """The dotted path of a pydantic error location in the user's document: pydantic puts the tag of a
    discriminated union (an event's ``kind``) into the location, which the user never wrote; it is dropped."""
    parts: list[str] = []
    node = doc
    for p in loc:
        if isinstance(node, dict) and p not in node and node.get("kind") == p:
            continue
        parts.append(str(p))
        if isinstance(node, dict):
            node = node.get(p)
        elif isinstance(node, list) and isinstance(p, int) and 0 <= p < len(node):
            node = node[p]
        else:
            node = None
    return ".".join(parts)


def _model_fields_at(loc: tuple) -> list[str]:
    """The field names allowed where pydantic found an unknown key (for "did you mean"); [] if unknown."""
    import typing

    from pydantic import BaseModel

    def unwrap(tp):
        while True:
            origin = typing.get_origin(tp)
            if origin is typing.Annotated:
                tp = typing.get_args(tp)[0]
            elif origin in (typing.Union, types.UnionType):
                args = [a for a in typing.get_args(tp) if a is not type(None)]
                if len(args) != 1:
                    return args
                tp = args[0]
            else:
                return tp

    tp: Any = Scenario
    for part in loc[:-1]:
        tp = unwrap(tp)
        if isinstance(tp, list):  # a tagged union: this part is the tag
            tp = next((m for m in tp if isinstance(m, type) and issubclass(m, BaseModel) and
                       part in typing.get_args(m.model_fields.get("kind").annotation if "kind" in m.model_fields
                                               else None)), None)
            if tp is None:
                return []
            continue
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            if part not in tp.model_fields:
                return []
            tp = tp.model_fields[part].annotation
        elif typing.get_origin(tp) is dict:
            tp = typing.get_args(tp)[1]
        elif typing.get_origin(tp) in (list, tuple):
            tp = typing.get_args(tp)[0]
        else:
            return []
    tp = unwrap(tp)
    return list(tp.model_fields) if isinstance(tp, type) and issubclass(tp, BaseModel) else []


def _first_error(errors: list[dict]) -> dict:
    """The problem to report: pydantic's first, unless a misspelt key also left a required field of the same
    entry missing (``hom:`` for ``home:``); then the misspelt key, whose line is where the fault is."""
    missing = {(tuple(e["loc"][:-1]), str(e["loc"][-1])) for e in errors if e["type"] == "missing"}
    for e in errors:
        if e["type"] == "extra_forbidden":
            parent = tuple(e["loc"][:-1])
            if did_you_mean(str(e["loc"][-1]), [name for p, name in missing if p == parent]):
                return e
    return errors[0]


def _new_entry_hint(loc: tuple, doc: Any) -> str:
    """A required field missing from an entry whose name is close to another's: a misspelt name in a variant
    makes a new, incomplete entry (``actors: {turky: ...}``); say so."""
    if len(loc) < 3 or not isinstance(doc.get(loc[0]), dict):
        return ""
    entry = str(loc[1])
    hint = did_you_mean(entry, [k for k in doc[loc[0]] if k != entry])
    return f": '{entry}' is a new entry of {loc[0]}{hint}" if hint else ""


def _set_note(fpath: str, file: str, overrides: dict[str, Any]) -> str:
    """A problem found in a file's value that a --set nearby may have caused: name that --set."""
    if file == "--set" or not overrides:
        return ""
    top = fpath.split(".")[:2]
    near = [k for k in overrides if k.split(".")[:2] == top or fpath.startswith(k + ".") or k.startswith(fpath)]
    return f" (after --set {', --set '.join(near)})" if near else ""


def load_scenario(path: str | Path, overrides: dict[str, Any] | None = None) -> LoadedScenario:
    """Read, merge, override and validate a scenario file."""
    path = resolve_scenario_path(str(path))
    name = str(path)
    if not path.exists():
        raise _not_found(path)
    origins = Origins()
    defaults = _model_defaults(origins)
    chain = Origins()
    doc = _read_chain(path, chain, ())
    theatre = _theatre_parameters(doc.pop("parameters_file", None), chain, origins)
    origins.where.update(chain.where)  # the scenario's own values win over its theatre's and the defaults
    doc = deep_merge({"parameters": deep_merge(defaults, theatre)}, doc)
    if "name" not in origins.where or origins.where["name"][0] != str(path):
        doc["name"] = path.stem  # a variant is named after its own file, not its base
    overrides = dict(overrides or {})
    for key, value in overrides.items():
        apply_override(doc, key, value)
        origins.where[key] = ("--set", None)
    try:
        scenario = Scenario.model_validate(doc)
    except ValidationError as exc:
        err = _first_error(exc.errors())
        fpath = _field_path(err["loc"], doc)
        file, line = origins.lookup(fpath, name)
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            hint = did_you_mean(str(err["loc"][-1]), _model_fields_at(err["loc"]))
            msg = f"unknown key{hint} (not part of the scenario format; see `libya-sim schema`)"
        elif err["type"] == "missing":
            msg = "required field is missing" + _new_entry_hint(err["loc"], doc)
        extra = len(exc.errors()) - 1
        more = f" (and {extra} more problem{'s' if extra > 1 else ''})" if extra else ""
        raise InputError(msg + more + _set_note(fpath, file, overrides), file, line, fpath) from None
    try:
        check_references(scenario)
        check_citations(scenario, load_bibliography())
    except ReferenceProblem as exc:
        file, line = origins.lookup(exc.path, name)
        raise InputError(exc.message + _set_note(exc.path, file, overrides), file, line, exc.path) from None
    resolved = _jsonable(scenario.model_dump(mode="json"))
    digest = hashlib.sha256(json.dumps(resolved, sort_keys=True).encode()).hexdigest()
    warnings = [ScenarioWarning(fpath, msg, *origins.lookup(fpath, name)) for fpath, msg in scenario_warnings(scenario)]
    return LoadedScenario(scenario=scenario, path=name, resolved=resolved, sha256=digest, overrides=overrides,
                          warnings=warnings)


def listed_scenarios() -> list[tuple[Path, Path]]:
    """(scenarios folder, file) of every scenario a name can reach: a name found in an earlier folder of
    :func:`scenario_dirs` hides the later folders' file of that name."""
    seen: set[str] = set()
    out: list[tuple[Path, Path]] = []
    for d in scenario_dirs():
        files = scenario_files(d)
        out += [(d, f) for f in files if f.stem not in seen]
        seen |= {f.stem for f in files}
    return out


def _shown(folder: Path) -> str:
    """A folder as the user would type it: relative to the working folder when it lies inside it."""
    try:
        return f"{folder.resolve().relative_to(Path.cwd().resolve()).as_posix()}/"
    except ValueError:
        return f"{folder}/"


def list_scenarios() -> list[tuple[str, str, str, str]]:
    """(theatre folder, name, start date, title) of every scenario of :func:`listed_scenarios`, by folder; a name
    found twice in one scenarios folder is given with its theatre (``north/x``); a file that does not load gets
    its error instead of a title."""
    listed = listed_scenarios()
    twice = {(d, f.stem) for d, f in listed if sum(1 for e, g in listed if e == d and g.stem == f.stem) > 1}
    out = []
    for d, f in listed:
        name = scenario_label(f, d) if (d, f.stem) in twice else f.stem
        try:
            sc = load_scenario(f).scenario
            out.append((_shown(f.parent), name, str(sc.start_date), sc.title.strip()))
        except InputError as exc:
            out.append((_shown(f.parent), name, "?", f"does not load: {exc}"))
    return sorted(out)


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
    # parameters may be partial in a scenario file: defaults come from the theatre's parameter file and
    # configs/model.yaml
    props = schema.get("properties", {})
    if "required" in schema:
        schema["required"] = [r for r in schema["required"] if r not in ("parameters", "name")]
    props.setdefault("extends", {"type": "string", "description": "base scenario file, relative to this one"})
    props.setdefault("parameters_file", {"type": "string", "description": "the theatre's parameter file (its "
                     "'parameters:' go under this scenario's own and over configs/model.yaml), relative to this one"})
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
