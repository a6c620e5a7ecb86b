"""Save and load a network: NumPy arrays in an ``.npz`` plus JSON metadata, never pickle.

The file holds ``W1, b1, W2, b2, …`` (the course's numbering) and ``meta``, a UTF-8 JSON
document stored as a uint8 array, so ``np.load(..., allow_pickle=False)`` reads it all.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path

import numpy as np

from .network import Network


class _TooLarge(Exception):
    """An archive that would unpack to more than its reader allows."""


FORMAT = "neuronlab-network"
VERSION = 1


def save(network: Network, path: str | os.PathLike, metadata: dict | None = None) -> Path:
    """Write the network (and optional JSON-serialisable ``metadata``) to ``path``.

    A missing ``.npz`` suffix is added. Returns the path written.
    """
    if not isinstance(network, Network):
        raise TypeError(f"network must be a Network, got {type(network).__name__}")
    if metadata is not None and not isinstance(metadata, dict):
        raise TypeError(f"metadata must be a dict or None, got {type(metadata).__name__}")
    path = Path(path)
    if path.is_dir():  # checked before the suffix is added, or "models/" would write "models.npz"
        raise ValueError(f"path {str(path)!r} is a directory; give a file name ending in .npz")
    if path.suffix != ".npz":
        path = path.with_name(path.name + ".npz")
    if path.is_dir():
        raise ValueError(f"path {str(path)!r} is a directory; give a file name ending in .npz")
    if not path.parent.is_dir():
        raise ValueError(
            f"path {str(path)!r}: the folder {str(path.parent)!r} does not exist; create it first"
        )
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
    return _load(path, str(path))


def input_scaling(metadata: dict, d: int) -> tuple[np.ndarray, np.ndarray] | None:
    """The input scaling a model was saved with, ``(mean, scale)`` each ``(d,)``, or None.

    Inputs reach the network as ``(x - mean) / scale``. A scaling that is present but not
    ``d`` finite means and ``d`` finite non-zero scales raises ValueError.
    """
    scaling = metadata.get("scaling")
    if not scaling:
        return None
    try:
        mean = np.array(scaling["mean"], dtype=float)
        scale = np.array(scaling["scale"], dtype=float)
        valid = mean.shape == scale.shape == (d,) and np.isfinite(mean).all()
        valid = valid and np.isfinite(scale).all() and (scale != 0).all()
    except (TypeError, KeyError, ValueError):
        valid = False
    if not valid:
        raise ValueError(f"invalid input scaling: it needs {d} means and {d} non-zero scales")
    return mean, scale


def load_bytes(
    data: bytes, name: str = "the file", max_unpacked: int = 64_000_000
) -> tuple[Network, dict]:
    """``load`` for the bytes of a saved model (an upload); ``name`` is used in messages.

    A compressed archive may unpack to far more than its size: one whose members would
    unpack to more than ``max_unpacked`` bytes is refused before anything is unpacked.
    """
    if not isinstance(data, bytes | bytearray):
        raise TypeError(f"data must be bytes, got {type(data).__name__}")
    return _load(io.BytesIO(bytes(data)), name, max_unpacked)


def _load(source, shown: str, max_unpacked: int | None = None) -> tuple[Network, dict]:
    """Read and check a saved model from ``source`` (a path or a file); ``shown`` names it."""
    try:
        data = np.load(source, allow_pickle=False)
        if not isinstance(data, np.lib.npyio.NpzFile):  # a bare .npy array
            raise ValueError("not an .npz archive")
        with data:
            unpacked = sum(member.file_size for member in data.zip.infolist())
            if max_unpacked is not None and unpacked > max_unpacked:
                raise _TooLarge(
                    f"{shown!r} would unpack to {unpacked:,} bytes, more than the "
                    f"{max_unpacked:,} a model may take here"
                )
            arrays = {key: data[key] for key in data.files}
    except _TooLarge as exc:
        raise ValueError(str(exc)) from None
    except OSError as exc:
        raise ValueError(f"{shown!r} could not be read: {exc}") from None
    except (ValueError, zipfile.BadZipFile, EOFError):
        # numpy's own message would suggest allow_pickle=True: not advice to pass on
        raise ValueError(
            f"{shown!r} is not a neuronlab model file (an .npz written by neuronlab's save)"
        ) from None
    # NpzFile hands back the raw bytes of a zip member that is not a .npy file
    if not all(isinstance(arr, np.ndarray) for arr in arrays.values()):
        raise ValueError(f"{shown!r} is not a neuronlab model file (holds non-array members)")

    if "meta" not in arrays:
        raise ValueError(f"{shown!r} is not a neuronlab model file (no metadata)")
    try:
        meta = json.loads(arrays["meta"].astype(np.uint8).tobytes().decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise ValueError(f"{shown!r} has corrupt metadata") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ValueError(f"{shown!r} is not a neuronlab model file (format mismatch)")
    sizes = meta.get("layer_sizes")
    if not isinstance(sizes, list) or not all(type(k) is int for k in sizes):
        raise ValueError(f"{shown!r} describes an invalid network: layer_sizes {sizes!r}")
    # check the shapes before building the network, so that a forged layer_sizes cannot
    # make us allocate more than the arrays the file actually holds
    for l in range(len(sizes) - 1):
        for name, shape in (
            (f"W{l + 1}", (sizes[l], sizes[l + 1])),
            (f"b{l + 1}", (sizes[l + 1],)),
        ):
            if name not in arrays:
                raise ValueError(f"{shown!r} is missing the array {name}")
            if arrays[name].shape != shape:
                raise ValueError(
                    f"{shown!r}: {name} has shape {arrays[name].shape}, expected {shape}"
                )
    try:
        network = Network(
            meta["layer_sizes"], meta["activation"], meta["output"], seed=0, dtype=meta["dtype"]
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{shown!r} describes an invalid network: {exc}") from None

    for l in range(network.n_layers):
        for name, target in ((f"W{l + 1}", network.W[l]), (f"b{l + 1}", network.b[l])):
            arr = arrays[name]  # present and of the right shape, checked above
            if not np.issubdtype(arr.dtype, np.floating) or not np.isfinite(arr).all():
                raise ValueError(f"{shown!r}: {name} must hold finite floating-point values")
            target[...] = arr
    metadata = meta.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise ValueError(f"{shown!r} has corrupt metadata (not a JSON object)")
    return network, metadata
