"""The forward-pass widget: a 2-3-2 network with fixed, seeded weights, layer by layer.

``POST /api/forward/run`` runs ``Network.forward`` once on the learner's (x1, x2) and returns
everything the five phases show: the inputs, the hidden pre-activations z and activations a,
the output logits and the softmax probabilities, with the weights and biases on the edges.
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
from fastapi import APIRouter
from pydantic import BaseModel, Field

from ...engine.network import Network
from ..validation import ActivationName, Seed, StrictModel
from .widgets import rounded

router = APIRouter(prefix="/api/forward", tags=["forward"])

LAYER_SIZES = (2, 3, 2)
Input = Annotated[float, Field(ge=-3, le=3, allow_inf_nan=False)]


class ForwardQuery(StrictModel):
    x1: Input = 0.5
    x2: Input = -0.8
    activation: ActivationName = "sigmoid"
    seed: Seed = 3


class ForwardRun(BaseModel):
    layer_sizes: list[int]
    activation: str
    weights: list[list[list[float]]] = Field(description="W[l] of shape (n_in, n_out)")
    biases: list[list[float]]
    inputs: list[float]
    hidden_z: list[float] = Field(description="z = x W⁰ + b⁰ (eq. 5)")
    hidden_a: list[float] = Field(description="a = f(z)")
    logits: list[float] = Field(description="z = a W¹ + b¹")
    probabilities: list[float] = Field(description="softmax of the logits (eq. 7)")
    prediction: int


@router.post("/run", response_model=ForwardRun)
def run(query: ForwardQuery) -> ForwardRun:
    """One forward pass of the 2-3-2 network, with its cached z and a read back."""
    net = Network(LAYER_SIZES, activation=query.activation, output="softmax", seed=query.seed)
    # A fresh network's biases are all 0, which would hide their part in eq. 5: the widget
    # gives them small seeded values, so every edge and every bias shows a number at work.
    bias_rng = np.random.default_rng(query.seed)
    for b in net.b:
        b[...] = bias_rng.uniform(-0.5, 0.5, size=b.shape).round(2)
    # forward caches z and a of every layer for backward; trace hands them out
    (hidden_z, hidden_a), (logits, output) = net.trace(np.array([[query.x1, query.x2]]))
    probabilities = output[0]  # (2,)
    return ForwardRun(
        layer_sizes=list(LAYER_SIZES),
        activation=query.activation,
        weights=[rounded(W, 4) for W in net.W],
        biases=[rounded(b, 4) for b in net.b],
        inputs=[query.x1, query.x2],
        hidden_z=rounded(hidden_z[0], 4),
        hidden_a=rounded(hidden_a[0], 4),
        logits=rounded(logits[0], 4),
        probabilities=rounded(probabilities, 4),
        prediction=int(np.argmax(probabilities)),
    )
