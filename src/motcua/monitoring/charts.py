"""Geometry for the dashboards' pictures, drawn as inline SVG by the templates (no script):
the tile-grid map of the 34 provinces, the day-by-day colour shares, the milestone counts.

Only numbers are computed here; words, colours' names and links are the templates' (so they
are translated like any other text). No charting package is used: those that render SVG on
the server ship their own styles and tooltip script, several times the size of these pages,
while what is drawn here is a handful of rectangles and step lines.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from importlib import resources

import yaml
from pydantic import BaseModel

from motcua.monitoring.trends import StatusPoint

STATUSES = ("green", "yellow", "red", "grey")  # bottom to top in the share chart
SHORT_LABEL = 7  # letters that fit on one line of a tile


class _Place(BaseModel):
    row: int
    col: int
    label: str


class _Island(_Place):
    name: str


class _TileSize(BaseModel):
    width: int
    height: int
    gap: int


class Layout(BaseModel):
    """``data/tile_grid.yaml``: where each province's tile sits."""

    tile: _TileSize
    provinces: dict[str, _Place]
    islands: list[_Island]


@cache
def layout() -> Layout:
    text = resources.files("motcua.monitoring").joinpath("data", "tile_grid.yaml").read_text()
    return Layout.model_validate(yaml.safe_load(text))


@dataclass(frozen=True)
class Tile:
    code: str
    name: str
    label: str
    status: str
    x: int
    y: int

    @property
    def lines(self) -> list[str]:
        """The label as written on the tile: two words on two lines when it is long."""
        return self.label.split(" ", 1) if len(self.label) > SHORT_LABEL else [self.label]


@dataclass(frozen=True)
class Island:
    name: str
    label: str
    x: int
    y: int


@dataclass(frozen=True)
class TileMap:
    width: int
    height: int
    tile_width: int
    tile_height: int
    tiles: list[Tile]
    islands: list[Island]


def tile_map(provinces: Sequence[tuple[str, str, str]]) -> TileMap:
    """(code, name, status) of each province -> tiles at their places; a province missing
    from the layout is an error in the data, not something to draw somewhere."""
    grid = layout()
    step_x, step_y = grid.tile.width + grid.tile.gap, grid.tile.height + grid.tile.gap
    tiles = []
    for code, name, status in provinces:
        place = grid.provinces[code]
        tiles.append(Tile(code, name, place.label, status, place.col * step_x,
                          place.row * step_y))  # fmt: skip
    islands = [Island(i.name, i.label, i.col * step_x, i.row * step_y) for i in grid.islands]
    places = [*grid.provinces.values(), *grid.islands]
    columns = max(p.col for p in places) + 1
    rows = max(p.row for p in places) + 1
    return TileMap(
        columns * step_x - grid.tile.gap, rows * step_y - grid.tile.gap,
        grid.tile.width, grid.tile.height, tiles, islands,
    )  # fmt: skip


@dataclass(frozen=True)
class Area:
    """One colour of the share chart: a filled shape from the bottom up to ``points``."""

    status: str
    points: str


@dataclass(frozen=True)
class ShareChart:
    width: int
    height: int
    start: date
    end: date
    days: int
    areas: list[Area]
    last: StatusPoint | None  # the last day anything was expected


def _steps(tops: Sequence[float], column: float, height: int) -> str:
    """A step line over one value per day, closed down to the bottom edge; runs of equal
    values become one step so a quiet period costs two points, not one per day."""
    coords: list[tuple[float, float]] = [(0.0, float(height))]
    for i, top in enumerate(tops):
        if i and top == tops[i - 1]:
            continue
        coords += [(round(i * column, 2), top)]
        if i:
            coords.insert(len(coords) - 1, (round(i * column, 2), tops[i - 1]))
    coords += [(round(len(tops) * column, 2), tops[-1]), (round(len(tops) * column, 2), height)]
    return " ".join(f"{x:g},{y:g}" for x, y in coords)


def share_chart(points: Sequence[StatusPoint], width: int = 600, height: int = 120) -> ShareChart:
    """Each day a column of full height split by the shares of green, yellow, red and grey
    units (over the units expected that day); days with nothing expected stay empty. Drawn
    back to front: grey up to 100%, then red, yellow, green each up to its cumulative share."""
    column = width / max(len(points), 1)
    areas = []
    for depth in range(len(STATUSES), 0, -1):
        tops = []
        for p in points:
            counts = {"green": p.green, "yellow": p.yellow, "red": p.red, "grey": p.grey}
            share = sum(counts[s] for s in STATUSES[:depth]) / p.expected if p.expected else 0
            tops.append(round(height * (1 - share), 2))
        areas.append(Area(STATUSES[depth - 1], _steps(tops, column, height)))
    expected = [p for p in points if p.expected]
    first, last = (points[0].day, points[-1].day) if points else (date.min, date.min)
    return ShareChart(
        width, height, first, last, len(points), areas, expected[-1] if expected else None
    )


@dataclass(frozen=True)
class CountChart:
    width: int
    height: int
    line: str
    area: str


def count_chart(
    counts: Sequence[tuple[date, int, int]],
    start: date,
    end: date,
    width: int = 300,
    height: int = 60,
) -> CountChart:
    """(day, met, expected) on the days with reports -> a step line of met over expected (full
    height is every unit assigned) on a time axis from ``start`` to ``end``: a count holds
    until the next day with reports, and is nothing before the first."""
    days = max((end - start).days + 1, 1)
    column = width / days
    tops, known, i = [], float(height), 0
    ordered = sorted(counts)
    for n in range(days):
        day = start + timedelta(days=n)
        while i < len(ordered) and ordered[i][0] <= day:
            _, met, expected = ordered[i]
            known = round(height * (1 - (met / expected if expected else 0)), 2)
            i += 1
        tops.append(known)
    area = _steps(tops, column, height)
    line = " ".join(area.split(" ")[1:-1])
    return CountChart(width, height, line, area)
