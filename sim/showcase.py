"""What the project shows first: the comparisons of ``libya-sim demo`` and the viewer's first scenario.

They are data (``configs/demo.yaml``), not code, so that ``sim/`` names no theatre: another proxy war brings
its own list. Bad input is an :class:`InputError` with the file, the line and the field (exit code 2).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import InputError
from .scenario import CONFIGS_DIR
from .yamlio import load_yaml_mapping, located_error

ScenarioName = Annotated[str, Field(min_length=1, max_length=300)]  # a name of `libya-sim list`, or a path


class Showcase(BaseModel):
    """``demo``: the comparisons ``libya-sim demo`` runs (each a baseline, then the scenario compared with it),
    with ``runs`` runs per scenario; ``viewer``: the scenario ``libya-sim viz`` opens when none is named."""

    model_config = ConfigDict(extra="forbid")
    demo: list[tuple[ScenarioName, ScenarioName]] = Field(default_factory=list)
    runs: Annotated[int, Field(ge=1, le=100_000)] = 100
    viewer: ScenarioName | None = None


def showcase_path() -> Path:
    return CONFIGS_DIR / "demo.yaml"


def load_showcase(path: Path | None = None) -> Showcase:
    """The showcase file (default ``configs/demo.yaml``); an empty showcase if there is none."""
    path = path or showcase_path()
    if not path.exists():
        return Showcase()
    data, locations = load_yaml_mapping(path, "showcase file")
    try:
        return Showcase.model_validate(data)
    except ValidationError as exc:
        e = exc.errors()[0]
        where = ".".join(str(p) for p in e["loc"])
        msg = "unknown key" if e["type"] == "extra_forbidden" else e["msg"]
        raise located_error(str(path), locations)(msg, where) from None
