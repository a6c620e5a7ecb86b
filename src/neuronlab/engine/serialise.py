"""Save and load a network: NumPy arrays in an ``.npz`` plus JSON metadata, never pickle.

The file holds ``W1, b1, W2, b2, …`` (the course's numbering) and ``meta``, a UTF-8 JSON
document stored as a uint8 array, so ``np.load(..., allow_pickle=False)`` reads it all.
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import numpy as np

from .network import Network

FORMAT = "neuronlab-network"
VERSION = 1


def save(network: Network, path: str | os.PathLike, metadata: dict | None = None) -> Path:
    """Write the network (and optional JSON-serialisable ``metadata``) to ``path``.

    A missing ``.npz`` suffix is added. Returns the path written.
    """
    path = Path(path)
    if path.suffix != ".npz":
        path = path.with_name(path.name + ".npz")
    if path.is_dir():
        raise ValueError(f"path {str(path)!r} is a directory; give a file name ending in .npz")
    meta = {"format": FORMAT, "version": VERSION, **network.config()}
    meta["metadata"] = metadata or {}
    try:
        encoded = json.dumps(meta).encode("utf-8")
    except TypeError as exc:
        raise ValueError(f"metadata must be JSON-serialisable: {exc}") from None
    arrays = {"meta": np.frombuffer(encoded, dtype=np.uint8)}
    for l in range(network.n_layers):
        arrays[f"W{l + 1}"] = network.W[l]
        arrays[f"b{l + 1}"] = network.b[l]
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)
    return path


def load(path: str | os.PathLike) -> tuple[Network, dict]:
    """Read a network saved by ``save``; returns ``(network, metadata)``.

    Anything that is not such a file (missing, a directory, another format, wrong shapes,
    non-finite weights) raises ValueError with a sentence saying what is wrong.
    """
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"path {str(path)!r} is a directory, not a saved model (.npz)")
    if not path.exists():
        raise ValueError(f"path {str(path)!r} does not exist")
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise ValueError(f"{str(path)!r} is not a neuronlab model file: {exc}") from None

    if "meta" not in arrays:
        raise ValueError(f"{str(path)!r} is not a neuronlab model file (no metadata)")
    try:
        meta = json.loads(arrays["meta"].astype(np.uint8).tobytes().decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise ValueError(f"{str(path)!r} has corrupt metadata") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ValueError(f"{str(path)!r} is not a neuronlab model file (format mismatch)")
    try:
        network = Network(
            meta["layer_sizes"], meta["activation"], meta["output"], seed=0, dtype=meta["dtype"]
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{str(path)!r} describes an invalid network: {exc}") from None

    for l in range(network.n_layers):
        for name, target in ((f"W{l + 1}", network.W[l]), (f"b{l + 1}", network.b[l])):
            if name not in arrays:
                raise ValueError(f"{str(path)!r} is missing the array {name}")
            arr = arrays[name]
            if arr.shape != target.shape:
                raise ValueError(
                    f"{str(path)!r}: {name} has shape {arr.shape}, expected {target.shape}"
                )
            if not np.issubdtype(arr.dtype, np.floating) or not np.isfinite(arr).all():
                raise ValueError(f"{str(path)!r}: {name} must hold finite floating-point values")
            target[...] = arr
    return network, meta.get("metadata") or {}
