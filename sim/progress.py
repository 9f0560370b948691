"""Progress bars for long work (runs of an ensemble, a comparison), on standard error."""

from __future__ import annotations

import sys

from tqdm import tqdm


def progress_bar(total: int, desc: str, quiet: bool = False) -> tqdm:
    """A bar counting runs; ``quiet`` hides it."""
    tqdm.monitor_interval = 0  # no monitor thread: worker processes are forked while the bar runs
    return tqdm(total=total, desc=desc, unit="run", file=sys.stderr, disable=quiet, dynamic_ncols=True,
                mininterval=0.2)
