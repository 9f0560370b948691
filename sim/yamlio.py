"""Safe YAML reading with line numbers and defences against hostile files.

The loader composes the YAML node graph with PyYAML's *safe* loader, then builds
plain Python values itself so that it can
- record the line of every mapping key (``locations``: dotted path -> line),
- refuse duplicate keys (PyYAML silently keeps the last one),
- refuse files above :data:`MAX_BYTES` and documents that expand to more than
  :data:`MAX_NODES` values (the "billion laughs" alias bomb).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import InputError

MAX_BYTES = 2_000_000
MAX_NODES = 200_000

# The node graph is composed by libyaml where PyYAML has it (about ten times faster than the pure-Python
# parser: a scenario of a thousand lines is read in a few hundredths of a second); the nodes, their lines and the
# checks below are the same either way.
_COMPOSER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


_PLAIN_TAGS = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}


def _path_str(parts: tuple) -> str:
    return ".".join(str(p) for p in parts)


class _Builder:
    def __init__(self, file: str):
        self.file = file
        self.count = 0
        self.locations: dict[str, int] = {}
        self._ctor = yaml.SafeLoader("")  # only used to turn scalars into values

    def build(self, node: yaml.Node, path: tuple) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise InputError(f"document expands to more than {MAX_NODES} values (alias bomb?); refused",
                             self.file, node.start_mark.line + 1)
        if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and node.tag not in _PLAIN_TAGS:
            raise InputError(f"not valid YAML: tag '{node.tag}' is not allowed (safe loading only)", self.file,
                             node.start_mark.line + 1, _path_str(path))
        if isinstance(node, yaml.MappingNode):
            out: dict[str, Any] = {}
            self._ctor.flatten_mapping(node)
            for key_node, value_node in node.value:
                key = self.build(key_node, path)
                if isinstance(key, (dict, list)):
                    raise InputError("mapping keys must be plain values", self.file,
                                     key_node.start_mark.line + 1, _path_str(path))
                key = str(key) if not isinstance(key, str) else key
                if key in out:
                    raise InputError(f"duplicate key '{key}'", self.file,
                                     key_node.start_mark.line + 1, _path_str(path + (key,)))
                self.locations[_path_str(path + (key,))] = key_node.start_mark.line + 1
                out[key] = self.build(value_node, path + (key,))
            return out
        if isinstance(node, yaml.SequenceNode):
            items = []
            for i, item in enumerate(node.value):
                self.locations.setdefault(_path_str(path + (i,)), item.start_mark.line + 1)
                items.append(self.build(item, path + (i,)))
            return items
        return self._ctor.construct_object(node, deep=True)


def load_yaml_text(text: str, file: str) -> tuple[Any, dict[str, int]]:
    """Parse YAML text; returns (data, locations). Raises InputError on any problem."""
    if len(text.encode("utf-8", errors="replace")) > MAX_BYTES:
        raise InputError(f"file is larger than {MAX_BYTES // 1_000_000} MB; refused", file)
    try:
        loader = _COMPOSER(text)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise InputError(f"not valid YAML: {exc.problem or exc.context}", file, line) from None
    except yaml.YAMLError as exc:
        raise InputError(f"not valid YAML: {exc}", file) from None
    if node is None:
        return None, {}
    builder = _Builder(file)
    try:
        data = builder.build(node, ())
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        raise InputError(f"not valid YAML: {exc.problem}", file, mark.line + 1 if mark else None) from None
    except RecursionError:
        raise InputError("document is nested too deeply; refused", file) from None
    return data, builder.locations


def load_yaml_file(path: str | Path) -> tuple[Any, dict[str, int]]:
    """Read and parse a YAML file with the defences above."""
    p = Path(path)
    name = str(path)
    if not p.exists():
        raise InputError("file not found", name)
    if p.is_dir():
        raise InputError("is a directory, not a YAML file", name)
    size = p.stat().st_size
    if size > MAX_BYTES:
        raise InputError(f"file is larger than {MAX_BYTES // 1_000_000} MB ({size} bytes); refused", name)
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError("not a text file (not UTF-8); expected YAML", name) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", name) from None
    return load_yaml_text(text, name)


def load_yaml_mapping(path: str | Path, what: str) -> tuple[dict[str, Any], dict[str, int]]:
    """A YAML file whose top level must be a mapping (``what`` names the kind of file in the error)."""
    data, locations = load_yaml_file(path)
    if not isinstance(data, dict):
        raise InputError(f"a {what} must be a YAML mapping (key: value) at the top level", str(path), 1)
    return data, locations


def line_of(locations: dict[str, int], path: str) -> int | None:
    """The line of a dotted path, or of its nearest parent that has one."""
    parts = path.split(".") if path else []
    while parts:
        key = ".".join(parts)
        if key in locations:
            return locations[key]
        parts.pop()
    return None


def located_error(file: str, locations: dict[str, int]):
    """``err(message, dotted_path)``: an InputError at the path's line of this file."""

    def err(message: str, path: str) -> InputError:
        return InputError(message, file, line_of(locations, path) or 1, path)

    return err
