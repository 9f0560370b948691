"""How long the loader takes to refuse hostile files (figures, not tests: the tests check the refusals
without timing them).

    .venv/bin/python bench/bench_loader.py      # prints one JSON line: best ms of each refusal

- an alias bomb (nine levels of nine aliases: 9**10 values if expanded), refused after MAX_NODES values;
- a 3 MB file, refused from its size before it is read.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sim.errors import InputError  # noqa: E402
from sim.scenario import load_scenario  # noqa: E402

REPEATS = 5


def alias_bomb() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    prev = "a"
    for i in range(9):
        name = chr(98 + i)
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
        prev = name
    return "\n".join(lines) + "\n"


def best_refusal_ms(path: Path) -> float:
    best = float("inf")
    for _ in range(REPEATS):
        t = time.perf_counter()
        try:
            load_scenario(path)
        except InputError:
            pass
        else:
            raise SystemExit(f"{path.name} was not refused")
        best = min(best, time.perf_counter() - t)
    return round(1000 * best, 1)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        bomb = Path(tmp) / "bomb.yaml"
        bomb.write_text(alias_bomb())
        huge = Path(tmp) / "huge.yaml"
        huge.write_text("x: " + "a" * 3_000_000 + "\n")
        print(json.dumps({"alias_bomb_refused_ms": best_refusal_ms(bomb),
                          "huge_file_refused_ms": best_refusal_ms(huge)}))


if __name__ == "__main__":
    main()
