"""Save and load: exact round trips, and a clear ValueError for anything that is not ours."""

from __future__ import annotations

import io
import json
import pickle
import zipfile

import numpy as np
import pytest

from neuronlab.engine.network import Network
from neuronlab.engine.serialise import FORMAT, input_scaling, load, load_bytes, save


def trained_like(rng: np.random.Generator, **kwargs) -> Network:
    net = Network(**{"layer_sizes": [3, 5, 4, 2], "activation": "gelu", "seed": 1, **kwargs})
    net.params[...] = rng.normal(size=net.n_params)  # every weight and bias non-trivial
    return net


def write_npz(path, **arrays) -> None:
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)


def meta_array(**fields) -> np.ndarray:
    meta = {
        "format": FORMAT,
        "version": 1,
        "layer_sizes": [2, 3, 2],
        "activation": "relu",
        "output": "softmax",
        "dtype": "float64",
        "metadata": {},
        **fields,
    }
    return np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)


def good_arrays() -> dict[str, np.ndarray]:
    return {"W1": np.ones((2, 3)), "b1": np.zeros(3), "W2": np.ones((3, 2)), "b2": np.zeros(2)}


# ---------------------------------------------------------------------------------- round trip
@pytest.mark.parametrize("output", ["softmax", "identity"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_round_trip_preserves_predictions_exactly(tmp_path, rng, output, dtype):
    net = trained_like(rng, output=output, dtype=dtype)
    X = rng.normal(size=(20, 3))
    written = save(net, tmp_path / "model.npz")
    assert written == tmp_path / "model.npz" and written.is_file()
    loaded, metadata = load(written)
    assert metadata == {}
    assert loaded.config() == net.config()
    assert loaded.params.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(loaded.params, net.params)
    np.testing.assert_array_equal(loaded.forward(X), net.forward(X).copy())
    np.testing.assert_array_equal(loaded.predict(X), net.predict(X))


def test_metadata_round_trip_and_suffix(tmp_path, rng):
    net = trained_like(rng)
    metadata = {"dataset": "spirals", "epochs": 40, "history": [0.7, 0.31], "note": "η = 0.01 ✓"}
    written = save(net, tmp_path / "spirals-model", metadata=metadata)
    assert written.name == "spirals-model.npz"  # the suffix is added
    loaded, back = load(written)
    assert back == metadata
    np.testing.assert_array_equal(loaded.params, net.params)


def test_the_file_holds_only_plain_arrays(tmp_path, rng):
    path = save(trained_like(rng), tmp_path / "m.npz")
    with np.load(path, allow_pickle=False) as data:  # readable without pickle
        assert sorted(data.files) == ["W1", "W2", "W3", "b1", "b2", "b3", "meta"]
        assert data["W2"].shape == (5, 4)
        meta = json.loads(data["meta"].tobytes())
    assert meta["format"] == FORMAT and meta["layer_sizes"] == [3, 5, 4, 2]


def test_metadata_must_be_json(tmp_path, rng):
    with pytest.raises(ValueError, match="metadata must be JSON-serialisable"):
        save(trained_like(rng), tmp_path / "m.npz", metadata={"when": object()})


def test_save_to_a_directory_is_a_clear_error(tmp_path, rng):
    net = trained_like(rng)
    with pytest.raises(ValueError, match="is a directory"):
        save(net, tmp_path)
    (tmp_path / "models.npz").mkdir()
    with pytest.raises(ValueError, match="is a directory"):
        save(net, tmp_path / "models.npz")
    with pytest.raises(ValueError, match="is a directory"):
        save(net, tmp_path / "models")  # would become models.npz, a directory
    assert sorted(p.name for p in tmp_path.iterdir()) == ["models.npz"]  # nothing written


# ------------------------------------------------------------------- what load must refuse
def test_load_refuses_a_directory_and_a_missing_file(tmp_path):
    with pytest.raises(ValueError, match="is a directory"):
        load(tmp_path)
    with pytest.raises(ValueError, match="does not exist"):
        load(tmp_path / "nothing.npz")


def not_ours(tmp_path, name: str, content: bytes):
    path = tmp_path / name
    path.write_bytes(content)
    return path


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


FOREIGN = {
    "text": ("notes.txt", b"these are not the weights you are looking for\n"),
    "empty": ("empty.npz", b""),
    "truncated zip": ("cut.npz", zip_bytes({"W1.npy": npy_bytes(np.ones(3))})[:30]),
    "a zip that is not ours": ("photos.zip", zip_bytes({"cat.jpg": b"\xff\xd8\xff\xe0"})),
    "a zip with a raw meta member": ("fake.npz", zip_bytes({"meta": b'{"format": "x"}'})),
    "a bare .npy": ("array.npy", npy_bytes(np.arange(4.0))),
    "an npz of someone else": ("other.npz", zip_bytes({"x.npy": npy_bytes(np.ones(2))})),
}


@pytest.mark.parametrize("case", list(FOREIGN))
def test_load_refuses_files_that_are_not_ours(tmp_path, case):
    name, content = FOREIGN[case]
    with pytest.raises(ValueError, match="not a neuronlab model file") as info:
        load(not_ours(tmp_path, name, content))
    assert "allow_pickle" not in str(info.value)  # no advice to load unsafely


class Trap:
    """Unpickling this would leave a mark: load must never get that far."""

    triggered = False

    def __reduce__(self):
        return (Trap._spring, ())

    @staticmethod
    def _spring():
        Trap.triggered = True
        return "sprung"


def test_load_never_unpickles(tmp_path):
    # a pickled object array, in place of W1 and as the file itself
    objects = np.empty(1, dtype=object)
    objects[0] = Trap()
    path = tmp_path / "evil.npz"
    with open(path, "wb") as fh:
        np.savez(
            fh, meta=meta_array(), W1=objects, b1=np.zeros(3), W2=np.ones((3, 2)), b2=np.zeros(2)
        )
    with pytest.raises(ValueError, match="not a neuronlab model file"):
        load(path)
    with pytest.raises(ValueError, match="not a neuronlab model file"):
        load(not_ours(tmp_path, "evil.pkl", pickle.dumps(Trap())))
    assert not Trap.triggered


@pytest.mark.parametrize(
    "change, words",
    [
        ({"W2": np.ones((2, 3))}, r"W2 has shape \(2, 3\), expected \(3, 2\)"),
        ({"b1": np.zeros(4)}, r"b1 has shape \(4,\), expected \(3,\)"),
        ({"W1": None}, "missing the array W1"),
        ({"b2": None}, "missing the array b2"),
        ({"W1": np.full((2, 3), np.nan)}, "W1 must hold finite floating-point values"),
        ({"b2": np.array([0.0, np.inf])}, "b2 must hold finite floating-point values"),
        ({"W2": np.ones((3, 2), dtype=np.int64)}, "W2 must hold finite floating-point values"),
        ({"meta": None}, "no metadata"),
        ({"meta": np.frombuffer(b"{not json", np.uint8)}, "corrupt metadata"),
        ({"meta": np.frombuffer(b"\xff\xfe", np.uint8)}, "corrupt metadata"),
        ({"meta": meta_array(format="keras")}, "format mismatch"),
        ({"meta": meta_array(activation="swish")}, "invalid network.*activation"),
        ({"meta": meta_array(output="sigmoid")}, "invalid network.*output"),
        ({"meta": meta_array(dtype="float16")}, "invalid network.*dtype"),
        ({"meta": meta_array(layer_sizes="2-3-2")}, "invalid network.*layer_sizes"),
        ({"meta": meta_array(layer_sizes=[2, 0, 2])}, "W1 has shape|invalid network"),
    ],
)
def test_load_refuses_corrupt_model_files(tmp_path, change, words):
    arrays = {"meta": meta_array(), **good_arrays(), **change}
    arrays = {key: value for key, value in arrays.items() if value is not None}
    path = tmp_path / "broken.npz"
    write_npz(path, **arrays)
    with pytest.raises(ValueError, match=words):
        load(path)


def test_the_valid_version_of_those_files_loads(tmp_path):
    # the control for the test above: the same file, unbroken, loads
    path = tmp_path / "fine.npz"
    write_npz(path, meta=meta_array(), **good_arrays())
    net, metadata = load(path)
    assert net.layer_sizes == [2, 3, 2] and metadata == {}
    np.testing.assert_array_equal(net.W[0], np.ones((2, 3)))


def test_a_forged_architecture_is_refused_before_anything_is_allocated(tmp_path):
    # layer_sizes claiming 10¹² weights with tiny arrays: refused from the shapes, no MemoryError
    path = tmp_path / "forged.npz"
    write_npz(path, meta=meta_array(layer_sizes=[1_000_000, 1_000_000, 2]), **good_arrays())
    with pytest.raises(ValueError, match=r"W1 has shape \(2, 3\), expected \(1000000, 1000000\)"):
        load(path)


def test_metadata_must_be_a_dict(tmp_path):
    with pytest.raises(TypeError, match="metadata must be a dict"):
        save(Network([2, 3, 2]), tmp_path / "m.npz", [1, 2])


def test_load_bytes_reads_what_save_wrote(tmp_path):
    network = Network([2, 5, 3], "tanh", seed=4)
    data = save(network, tmp_path / "m.npz", {"note": "hi"}).read_bytes()
    loaded, metadata = load_bytes(data, "upload.npz")
    np.testing.assert_array_equal(loaded.params, network.params)
    assert metadata == {"note": "hi"}
    with pytest.raises(ValueError, match="'upload.npz' is not a neuronlab model file"):
        load_bytes(b"junk", "upload.npz")
    with pytest.raises(TypeError, match="data must be bytes"):
        load_bytes("m.npz")


def test_load_bytes_refuses_an_archive_that_unpacks_too_far(tmp_path):
    network = Network([2, 3, 2])
    path = tmp_path / "bomb.npz"
    meta = json.dumps({"format": FORMAT, "version": 1, **network.config(), "metadata": {}})
    arrays = {"meta": np.frombuffer(meta.encode(), np.uint8), "padding": np.zeros(3_000_000)}
    for l in range(network.n_layers):
        arrays[f"W{l + 1}"], arrays[f"b{l + 1}"] = network.W[l], network.b[l]
    np.savez_compressed(path, **arrays)  # 24 MB of zeros in a few kB
    data = path.read_bytes()
    assert len(data) < 100_000
    with pytest.raises(ValueError, match="would unpack to 24,00"):
        load_bytes(data, "bomb.npz", max_unpacked=1_000_000)
    loaded, _ = load_bytes(data, "bomb.npz")  # within the default limit it loads
    assert loaded.layer_sizes == [2, 3, 2]


def network() -> Network:
    return Network([2, 4, 2], seed=0)


def test_save_into_a_missing_folder_says_to_create_it(tmp_path):
    target = tmp_path / "no-such-folder" / "model.npz"
    with pytest.raises(ValueError, match="does not exist; create it first"):
        save(network(), target)
    assert not target.parent.exists()


def test_a_directory_as_model_path_is_refused_both_ways(tmp_path):
    with pytest.raises(ValueError, match="is a directory"):
        save(network(), tmp_path)
    with pytest.raises(ValueError, match="is a directory"):
        load(tmp_path)


def test_input_scaling_is_read_back_and_checked():
    assert input_scaling({}, 2) is None
    mean, scale = input_scaling({"scaling": {"mean": [1, 2], "scale": [0.5, 4]}}, 2)
    np.testing.assert_array_equal(mean, [1.0, 2.0])
    np.testing.assert_array_equal(scale, [0.5, 4.0])
    for bad in (
        {"mean": [1, 2], "scale": [0.5, 0]},  # a zero scale
        {"mean": [1, 2, 3], "scale": [1, 1, 1]},  # the wrong width
        {"mean": [1, float("nan")], "scale": [1, 1]},
        {"mean": [1, 2]},  # no scales
        {"mean": ["a", 2], "scale": [1, 1]},
    ):
        with pytest.raises(ValueError, match="invalid input scaling: it needs 2 means"):
            input_scaling({"scaling": bad}, 2)
