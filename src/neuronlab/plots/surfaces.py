"""Optimisers' descent paths across a loss surface (the race figure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes

from ..engine.surfaces import DescentPath, Surface, get_surface, surface_grid
from ._common import _axes, path_style


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
        style = path_style(label, i)  # colour, dash and marker: paths that overlap stay apart
        points = np.asarray(path.points)
        outcome = getattr(path, "outcome", None)
        status = outcome.kind if outcome is not None else f"{path.steps} steps"  # outcome.py
        ax.plot(
            points[:, 0],
            points[:, 1],
            color=style["color"],
            linestyle=style["linestyle"],
            lw=style["linewidth"],
            alpha=0.95,
            marker=style["marker"],
            ms=5,
            markevery=_mark_every(len(points), i),
            mfc="white",
            zorder=4 + 0.1 * style["layer"],  # thinner over wider: SGD's dots over Adam's line
            label=f"{label} ({status}, loss {path.losses[-1]:.3g})",
        )
        # the ends' markers nest, the widest lowest, so four walks that end together all show
        ax.plot(*points[-1], marker=style["marker"], ms=style["head"], color=style["color"],
                mec="white", zorder=7 + 0.1 * style["layer"])  # fmt: skip
        starts.add(tuple(points[0]))
    for start in starts:
        ax.plot(*start, marker="o", ms=9, color="black", mec="white", zorder=8)
    ax.set_xlim(surface.bounds[0], surface.bounds[1])
    ax.set_ylim(surface.bounds[2], surface.bounds[3])
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    # below the map, not on it: a legend inside would hide the paths
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, frameon=False)
    ax.set_title(title or surface.title)
    return ax


def _mark_every(n_points: int, i: int) -> tuple[int, int]:
    """Markers on about a dozen points of a path, each path offset from the others, so two
    paths along the same valley still show both their shapes."""
    step = max(1, n_points // 12)
    return (min(i * max(1, step // 4), n_points - 1), step)
