"""The bibliography and the citations of a scenario.

The project's bibliography is ``sources/bibliography.yaml``: one entry per source, keyed, with its title,
outlet, author where known, date of publication and URL where public (the seed documents also carry a short
description so that a reader can find them). Every actor, tie, place and event of a scenario, and its road
network, names the keys it rests on in ``sources`` and marks its judgements in ``assumption``
(:class:`sim.schema.Cited`).

:func:`check_citations` holds a scenario to two rules:

- every key is in the bibliography;
- a scenario that starts on a date uses only what was published by that date (for an event: by the later of
  the start date and the event's date), unless the item says in ``later_sources`` why a later source is used.
  A date known only to the month or the year counts as its last day; an unknown date counts as later.

:func:`register` gives what ``libya-sim sources`` prints: the sources a scenario rests on, with counts, and
the register of its assumptions.
"""

from __future__ import annotations

import calendar
import datetime as dt
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from pydantic import Field, ValidationError, field_validator

from .errors import InputError
from .schema import Cited, ReferenceProblem, Scenario, Strict
from .yamlio import load_yaml_file

REPO_ROOT = Path(__file__).resolve().parent.parent
BIBLIOGRAPHY = Path(os.environ.get("LIBYA_SIM_BIBLIOGRAPHY", REPO_ROOT / "sources" / "bibliography.yaml"))

_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


class Source(Strict):
    """One entry of the bibliography."""

    title: str | None = Field(default=None, min_length=3)
    outlet: str | None = None
    author: str | None = None
    published: str | None = Field(default=None, description="YYYY, YYYY-MM, YYYY-MM-DD or 'unknown'")
    published_after: dt.date | None = Field(default=None, description="only known to be later than this day")
    url: str | None = None
    description: str | None = None
    note: str | None = None

    @field_validator("published", mode="before")
    @classmethod
    def _published(cls, v):
        if isinstance(v, dt.date):
            return v.isoformat()
        if isinstance(v, int):
            v = str(v)
        if v is None or v == "unknown":
            return v
        if not isinstance(v, str) or not _DATE.match(v):
            raise ValueError("must be YYYY, YYYY-MM, YYYY-MM-DD or 'unknown'")
        latest_day(v)  # a real calendar date
        return v

    def latest(self) -> dt.date | None:
        """The last day on which the source may have been published (None: unknown, or only 'after' a day)."""
        if self.published in (None, "unknown"):
            return None
        return latest_day(self.published)

    def published_label(self) -> str:
        if self.published_after is not None:
            return f"after {self.published_after.isoformat()}"
        return self.published or "unknown"


def latest_day(text: str) -> dt.date:
    """'2019' -> 2019-12-31, '2019-11' -> 2019-11-30, '2019-11-05' -> itself."""
    parts = [int(p) for p in text.split("-")]
    try:
        if len(parts) == 1:
            return dt.date(parts[0], 12, 31)
        if len(parts) == 2:
            return dt.date(parts[0], parts[1], calendar.monthrange(parts[0], parts[1])[1])
        return dt.date(*parts)
    except ValueError:
        raise ValueError(f"'{text}' is not a calendar date") from None


def published_by(src: Source, day: dt.date) -> bool:
    """True when the source was certainly published on or before ``day``."""
    latest = src.latest()
    return latest is not None and latest <= day


@dataclass
class Bibliography:
    path: str
    sources: dict[str, Source]
    lines: dict[str, int]

    def __contains__(self, key: str) -> bool:
        return key in self.sources

    def __getitem__(self, key: str) -> Source:
        return self.sources[key]


_CACHE: dict[tuple[str, float], Bibliography] = {}


def load_bibliography(path: str | Path | None = None) -> Bibliography:
    """Read and check the bibliography (cached per file and modification time)."""
    p = Path(path) if path is not None else BIBLIOGRAPHY
    name = str(p)
    if not p.exists():
        raise InputError("bibliography not found", name)
    key = (str(p.resolve()), p.stat().st_mtime)
    if key in _CACHE:
        return _CACHE[key]
    data, locations = load_yaml_file(p)
    if not isinstance(data, dict) or not isinstance(data.get("sources"), dict):
        raise InputError("a bibliography must hold a 'sources' mapping", name, 1)
    out: dict[str, Source] = {}
    for k, entry in data["sources"].items():
        where = f"sources.{k}"
        if not re.match(r"^[a-z][a-z0-9_]*$", k):
            raise InputError("a source key is lower case letters, digits and '_'", name, locations.get(where), where)
        try:
            src = Source.model_validate(entry)
        except ValidationError as exc:
            err = exc.errors()[0]
            fpath = ".".join([where] + [str(x) for x in err["loc"]])
            line = locations.get(fpath, locations.get(where))
            msg = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
            raise InputError(msg, name, line, fpath) from None
        if src.published is None and src.published_after is None:
            raise InputError("needs 'published' (YYYY, YYYY-MM, YYYY-MM-DD or 'unknown') or 'published_after'",
                             name, locations.get(where), where)
        if src.title is None and src.published_after is None:
            raise InputError("needs a 'title'", name, locations.get(where), where)
        out[k] = src
    bib = Bibliography(path=name, sources=out, lines={k: locations.get(f"sources.{k}", 0) for k in out})
    _CACHE[key] = bib
    return bib


# ------------------------------------------------------------------ citations of a scenario
def cited_items(s: Scenario) -> Iterator[tuple[str, str, Cited]]:
    """(dotted path, kind of item, the item) for every cited item of a scenario."""
    for aid, a in s.actors.items():
        yield f"actors.{aid}", "actor", a
    for tid, t in s.ties.items():
        yield f"ties.{tid}", "tie", t
    for rid, r in s.relations.items():
        yield f"relations.{rid}", "relation", r
    yield "territory.roads_cited", "roads", s.territory.roads_cited
    for pid, p in s.territory.places.items():
        yield f"territory.places.{pid}", "place", p
    for eid, e in s.events.items():
        yield f"events.{eid}", "event", e


def check_citations(s: Scenario, bib: Bibliography) -> None:
    """Raise ReferenceProblem (naming the field) for an unknown key, an item with neither a source nor an
    assumption, or a source published after the scenario's start date with no reason given."""
    for path, kind, item in cited_items(s):
        if not item.sources and not item.assumption:
            raise ReferenceProblem(f"{path}.sources", f"this {kind} cites no source and marks no assumption")
        seen: set[str] = set()
        for i, key in enumerate(item.sources):
            where = f"{path}.sources.{i}"
            if key in seen:
                raise ReferenceProblem(where, f"source '{key}' is cited twice")
            seen.add(key)
            if key not in bib:
                raise ReferenceProblem(where, f"unknown source '{key}' (not in {bib.path})")
            day = s.start_date
            if kind == "event":
                day = max(day, item.date)  # type: ignore[attr-defined]
            if item.later_sources is None and not published_by(bib[key], day):
                raise ReferenceProblem(
                    where, f"source '{key}' (published {bib[key].published_label()}) is not known to predate "
                           f"{day.isoformat()}; say why it is used in 'later_sources' or drop it")


@dataclass
class Register:
    """What a scenario rests on: the sources with the number of items citing each, and the assumptions."""

    counts: dict[str, int]
    assumptions: list[tuple[str, str]]
    later: list[tuple[str, str]]
    items: int
    sourced: int
    assumed: int
    assumption_only: int


def register(s: Scenario) -> Register:
    counts: dict[str, int] = {}
    assumptions: list[tuple[str, str]] = []
    later: list[tuple[str, str]] = []
    items = sourced = assumed = only = 0
    for path, _kind, item in cited_items(s):
        items += 1
        for key in item.sources:
            counts[key] = counts.get(key, 0) + 1
        sourced += bool(item.sources)
        if item.assumption:
            assumed += 1
            only += not item.sources
            assumptions.append((path, item.assumption))
        if item.later_sources:
            later.append((path, item.later_sources))
    return Register(counts=counts, assumptions=assumptions, later=later, items=items, sourced=sourced,
                    assumed=assumed, assumption_only=only)


def citation_text(item: Cited, bib: Bibliography | None = None, width: int | None = None) -> str:
    """A short plain-text account of an item's citations (viewer tooltips, report appendix)."""
    parts = []
    if item.sources:
        names = []
        for k in item.sources:
            src = bib.sources.get(k) if bib is not None else None
            names.append(f"{k} ({src.published_label()})" if src is not None else k)
        parts.append("sources: " + ", ".join(names))
    if item.assumption:
        parts.append("assumption: " + item.assumption)
    text = "; ".join(parts)
    if width is not None and len(text) > width:
        text = text[: width - 3].rstrip() + "..."
    return text


def format_register(s: Scenario, bib: Bibliography) -> str:
    """The text printed by ``libya-sim sources``."""
    reg = register(s)
    try:
        shown = str(Path(bib.path).resolve().relative_to(REPO_ROOT))
    except ValueError:
        shown = bib.path
    out = [f"# {s.name}: {s.title}", f"start date {s.start_date.isoformat()}; bibliography {shown}", ""]
    out.append(f"{reg.items} cited items (actors, ties, places, events, the road network): "
               f"{reg.sourced} cite at least one source, {reg.assumed} mark an assumption, "
               f"{reg.assumption_only} rest on an assumption alone.")
    out.append("")
    out.append(f"## Sources ({len(reg.counts)}), with the number of items citing each")
    for key in sorted(reg.counts, key=lambda k: (-reg.counts[k], k)):
        src = bib[key]
        title = src.title or "(title withheld: a later publication)"
        who = ", ".join(x for x in (src.author, src.outlet) if x)
        out.append(f"{reg.counts[key]:4d}  {key}: {title}" + (f". {who}" if who else "")
                   + f". Published {src.published_label()}." + (f" {src.url}" if src.url else ""))
    out.append("")
    out.append(f"## Register of assumptions ({len(reg.assumptions)})")
    for path, text in reg.assumptions:
        out.append(f"- {path}: {text}")
    if reg.later:
        out.append("")
        out.append(f"## Sources published after the start date, and why they are used ({len(reg.later)})")
        for path, text in reg.later:
            out.append(f"- {path}: {text}")
    return "\n".join(out) + "\n"


def appendix_markdown(s: Scenario, bib: Bibliography, top: int = 12) -> list[str]:
    """Report appendix lines for one scenario: counts, the most cited sources, the register of assumptions."""
    reg = register(s)
    out = [f"### {s.name}", "",
           f"{reg.items} cited items: {reg.sourced} cite at least one source, {reg.assumed} mark an assumption, "
           f"{reg.assumption_only} rest on an assumption alone; {len(reg.counts)} sources, "
           f"{len(reg.later)} items use a source published after the start date (with the reason).", "",
           "Most cited: " + "; ".join(
               f"{k} ({bib[k].published_label()}, {n} items)"
               for k, n in sorted(reg.counts.items(), key=lambda kv: (-kv[1], kv[0]))[:top]) + ".", "",
           "Assumptions:", ""]
    out += [f"- `{path}`: {text}" for path, text in reg.assumptions]
    out.append("")
    return out
