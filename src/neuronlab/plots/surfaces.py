"""Optimisers' descent paths across a loss surface (the race figure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes

from ..engine.surfaces import DescentPath, Surface, get_surface, surface_grid
from ._common import CLASS_COLOURS, OPTIMIZER_COLOURS, _axes


# ------------------------------------------------------------------------ descent paths
def plot_descent_paths(
    surface: str | Surface,
    paths: Mapping[str, DescentPath] | Sequence[DescentPath],
    ax: Axes | None = None,
    *,
    resolution: int = 300,
    title: str | None = None,
) -> Axes:
    """Contours of a loss surface with the path of each optimiser across it.

    ``paths`` maps a label (e.g. the optimiser's name) to a DescentPath, or is a list.
    """
    surface = get_surface(surface)
    if not isinstance(paths, Mapping):
        paths = {f"path {i + 1}": p for i, p in enumerate(paths)}
    ax = _axes(ax, (6.5, 5.5))
    xs, ys, Z = surface_grid(surface, resolution)
    # contour levels evenly spaced in log(f − min f): the floor of a valley gets lines too
    floor = float(Z.min())
    lifted = Z - floor + 1e-3
    levels = floor - 1e-3 + np.geomspace(lifted.min(), lifted.max(), 24)
    ax.contourf(xs, ys, Z, levels=levels, cmap="Greys", alpha=0.3, extend="both")
    ax.contour(xs, ys, Z, levels=levels, colors="#777777", linewidths=0.4, alpha=0.6)
    for m in surface.minima:
        ax.plot(*m, marker="*", ms=15, color="#ffd700", mec="#222222", zorder=6)
    starts = set()
    for i, (label, path) in enumerate(paths.items()):
        colour = OPTIMIZER_COLOURS.get(label.split()[0].lower(), CLASS_COLOURS[i % 6])
        points = np.asarray(path.points)
        status = "diverged" if path.diverged else f"{path.steps} steps"
        ax.plot(
            points[:, 0],
            points[:, 1],
            color=colour,
            lw=1.6,
            alpha=0.95,
            marker="o",
            ms=2.2,
            label=f"{label} ({status}, loss {path.losses[-1]:.3g})",
        )
        ax.plot(
            *points[-1],
            marker="X" if path.diverged else "o",
            ms=8,
            color=colour,
            mec="white",
            zorder=7,
        )
        starts.add(tuple(points[0]))
    for start in starts:
        ax.plot(*start, marker="o", ms=9, color="black", mec="white", zorder=8)
    ax.set_xlim(surface.bounds[0], surface.bounds[1])
    ax.set_ylim(surface.bounds[2], surface.bounds[3])
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.legend(fontsize=8, loc="upper left", framealpha=0.9)
    ax.set_title(title or surface.title)
    return ax
