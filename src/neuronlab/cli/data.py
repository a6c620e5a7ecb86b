"""The data `neuronlab train` learns from: a 2-D generator or a real dataset, and its scaling."""

from __future__ import annotations

import click

from ..engine.datasets import REAL_DATASETS


def load_data(dataset: str, points: int, noise: float, seed: int, classes: int | None):
    """X, y and the input scaling (mean, scale per feature, or None)."""
    from ..engine.datasets import load_real, make_dataset

    if dataset in REAL_DATASETS:
        X, y = load_real(dataset)
        # load_real standardises; keep the raw data's mean and scale so that `predict`
        # can take raw measurements
        from sklearn import datasets as sklearn_datasets

        raw, _ = getattr(sklearn_datasets, f"load_{dataset}")(return_X_y=True)
        scale = raw.std(axis=0)
        scaling = {
            "mean": raw.mean(axis=0).tolist(),
            "scale": [s if s > 0 else 1.0 for s in scale.tolist()],
        }
        return X, y, scaling
    extra = {}
    if classes is not None:
        if dataset == "spirals":
            extra["arms"] = classes
        elif dataset == "gaussian":
            extra["classes"] = classes
        else:
            raise click.BadParameter(
                f"{dataset} has two classes; --classes applies to "
                "spirals (arms) and gaussian (blobs)",
                param_hint="--classes",
            )
    X, y = make_dataset(dataset, n=points, noise=noise, seed=seed, **extra)
    return X, y, None
