"""Your own network's loss landscape: a model saved as the trainer saves it, the slice through
its weights checked against the engine here, and the race across it."""

from __future__ import annotations

import numpy as np
import pytest

from neuronlab.engine.landscape import filter_normalised_direction
from neuronlab.engine.network import Network
from neuronlab.engine.optimisers import make_optimizer
from neuronlab.engine.serialise import save
from neuronlab.engine.training import Trainer
from neuronlab.lab.trainer.protocol import TrainerConfig
from neuronlab.lab.trainer.setup import make_data
from neuronlab.lab.trainer.view import download_metadata


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A network trained on the trainer's default settings, saved with the trainer's metadata."""
    config = TrainerConfig()
    (X, y, _, _), _ = make_data(config)
    net = Network([2, 8, 8, config.n_classes()], activation="tanh", seed=0)
    list(Trainer(net, make_optimizer("adam", 0.02), X, y, seed=0).train(40))
    path = save(net, tmp_path_factory.mktemp("m") / "model.npz", download_metadata(config, 40))
    return net, X, y, path.read_bytes()


def post(client, body: bytes, **params):
    return client.post("/api/landscape/plane", params=params, content=body)


def test_the_slice_passes_through_the_network_and_matches_the_engine(lab_client, trained):
    net, X, y, body = trained
    answer = post(lab_client, body, span=1.0, resolution=21, seed=5)
    assert answer.status_code == 200, answer.text
    view = answer.json()
    Y = np.eye(net.layer_sizes[-1])[y]
    assert view["training_points"] == len(X) and view["epoch"] == 40
    assert view["centre_loss"] == pytest.approx(net.loss(X, Y), rel=1e-6)
    assert view["low"] <= view["centre_loss"] < view["high"]
    # the corner (α, β) = (1, 1), computed here with the same two directions
    rng = np.random.default_rng(5)
    d1, d2 = filter_normalised_direction(net, rng), filter_normalised_direction(net, rng)
    twin = net.copy()
    twin.params[...] = net.params + d1 + d2
    corner = twin.loss(X, Y)
    assert view["high"] >= corner
    assert len(view["image"]) == 4 * ((21 * 21 * 4 + 2) // 3)  # base64 of 21 x 21 RGBA
    race = {p["optimizer"]: p for p in view["paths"]}
    assert list(race) == ["sgd", "momentum", "rmsprop", "adam"]
    for path in race.values():
        assert path["points"][0] == [0.8, 0.8]
        assert path["losses"][0] == pytest.approx(
            Network.loss(_at(net, d1, d2, 0.8, 0.8), X, Y), rel=1e-5
        )
        assert path["losses"][-1] < path["losses"][0]


def _at(net, d1, d2, alpha, beta):
    twin = net.copy()
    twin.params[...] = net.params + alpha * d1 + beta * d2
    return twin


@pytest.mark.parametrize(
    ("body", "words"),
    [(b"", "model file"), (b"not a zip file", "model")],
)
def test_a_bad_body_gets_one_sentence(lab_client, body, words):
    answer = post(lab_client, body)
    assert answer.status_code == 422
    assert words in answer.json()["detail"]


def test_a_model_without_the_trainers_settings_is_refused(lab_client, tmp_path):
    net = Network([2, 4, 2], seed=0)
    body = save(net, tmp_path / "bare.npz").read_bytes()
    answer = post(lab_client, body)
    assert answer.status_code == 422
    assert "settings" in answer.json()["detail"]


def test_bad_query_values_are_refused(lab_client, trained):
    answer = post(lab_client, trained[3], span=0)
    assert answer.status_code == 422 and "span" in answer.json()["detail"].lower()


def _saved(tmp_path, net, metadata) -> bytes:
    return save(net, tmp_path / "model.npz", metadata).read_bytes()


def test_a_model_with_too_few_outputs_for_its_data_is_refused(lab_client, tmp_path):
    config = TrainerConfig(classes=3)
    net = Network([2, 4, 2], seed=0)  # one class short of its data
    answer = post(lab_client, _saved(tmp_path, net, download_metadata(config, 3)))
    assert answer.status_code == 422
    assert "does not fit the data" in answer.json()["detail"]


@pytest.mark.parametrize("epoch", ["three", [3], -1, 2.5])
def test_a_model_with_a_strange_epoch_is_refused(lab_client, tmp_path, epoch):
    config = TrainerConfig()
    metadata = {**download_metadata(config, 3), "epoch": epoch}
    net = Network([2, 4, config.n_classes()], seed=0)
    answer = post(lab_client, _saved(tmp_path, net, metadata))
    assert answer.status_code == 422
    assert "epoch" in answer.json()["detail"]


def test_a_model_whose_whole_slice_overflows_is_refused(lab_client, tmp_path):
    config = TrainerConfig()
    net = Network([2, 4, config.n_classes()], activation="relu", seed=0)
    net.params[...] = 1e200  # finite, but every loss on the slice overflows
    answer = post(lab_client, _saved(tmp_path, net, download_metadata(config, 3)))
    assert answer.status_code == 422
    assert "overflow" in answer.json()["detail"]
