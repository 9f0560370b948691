"""Parameter sweeps and sensitivity analysis.

A sweep file (YAML, :mod:`sim.sweep.spec`) names a scenario (or a test model),
the parameters to vary, a design (grid, Latin hypercube, Sobol/Saltelli or
Morris, sampled with SALib), the number of seeded replications per design
point and the outcomes to keep. :mod:`sim.sweep.engine` runs it in chunks on a
local process pool or a Dask cluster and streams one Parquet part per chunk to
disk; :mod:`sim.sweep.analyze` computes the indices and plots;
:mod:`sim.sweep.cli` is what ``libya-sim sweep`` / ``libya-sim analyze`` call.
"""

from .spec import SweepSpec, load_sweep  # noqa: F401
