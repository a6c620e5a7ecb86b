"""The backpropagation stepper: one training point through a 2-3-2 network, every number.

``POST /api/backprop/step`` takes the learner's point (x₁, x₂, its class), the hidden
activation, a learning rate and either a seed or the weights the widget holds, and answers
with everything the stepper shows, computed by the plain ``engine/reference.py``:

- the forward pass (eq. 5, the activation, softmax eq. 7) and the loss (eq. 8);
- BP1′ on the output nodes, δ = p − y;
- BP2 on the hidden nodes: Σ_j W_ji δ_j, f′(z_i), and their product δ_i;
- BP3 and BP4 on every bias and edge: ∂C/∂b_j = δ_j, ∂C/∂W_ji = δ_j a_i;
- one step of eq. 9 and the loss after it;
- on request, the slope of one weight by central finite differences beside its BP4 value.

Stateless: the page sends back the updated weights to take the next step. Weights are in the
course's form, ``W[l][j][i]`` from input i to unit j.
"""

from __future__ import annotations

import copy
from typing import Annotated, Literal

import numpy as np
from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field

from ...engine import reference
from ..validation import ActivationName, Seed, StrictModel

router = APIRouter(prefix="/api/backprop", tags=["backprop"])

LAYER_SIZES = (2, 3, 2)
STEP = 1e-6  # h of the central difference (C(w + h) − C(w − h)) / 2h
Input = Annotated[float, Field(ge=-3, le=3, allow_inf_nan=False)]
Weight = Annotated[float, Field(ge=-20, le=20, allow_inf_nan=False)]


class Weights(StrictModel):
    """The network's parameters in the course's form: W[l][j][i] from input i to unit j."""

    W: list[list[list[Weight]]]
    b: list[list[Weight]]


class Pick(StrictModel):
    """One parameter: a weight W[layer][j][i] (``i`` given) or a bias b[layer][j] (no ``i``)."""

    layer: Annotated[int, Field(ge=0, le=1)]
    j: Annotated[int, Field(ge=0, le=2)]
    i: Annotated[int, Field(ge=0, le=2)] | None = None


class StepQuery(StrictModel):
    x1: Input = 0.5
    x2: Input = -0.8
    label: Literal[0, 1] = 1
    activation: ActivationName = "sigmoid"
    # the stepper's slider range, published by /api/options (inputs.backprop)
    learning_rate: float = Field(0.5, ge=0.05, le=2, allow_inf_nan=False)
    seed: Seed = 3
    weights: Weights | None = None  # the widget's current weights; None: fresh from seed
    check: Pick | None = None


class Check(BaseModel):
    layer: int
    j: int
    i: int | None
    value: float = Field(description="the parameter's value before the step")
    backprop: float = Field(description="∂C/∂θ from BP3 or BP4")
    finite_difference: float = Field(description="(C(θ + h) − C(θ − h)) / 2h")
    h: float


class StepResult(BaseModel):
    layer_sizes: list[int]
    activation: str
    x: list[float]
    y: list[float] = Field(description="the one-hot target")
    W: list[list[list[float]]] = Field(description="W[l][j][i] before the step")
    b: list[list[float]]
    z: list[list[float]] = Field(description="z of the hidden and the output layer (eq. 5)")
    a: list[list[float]] = Field(description="a = f(z) of the hidden layer, then p (eq. 7)")
    loss: float = Field(description="C = −Σ y log p (eq. 8) before the step")
    delta_out: list[float] = Field(description="BP1′: δ = p − y")
    back: list[float] = Field(description="BP2's Σ_j W_ji δ_j for each hidden unit")
    f_prime: list[float] = Field(description="BP2's f′(z_i) for each hidden unit")
    delta_hidden: list[float] = Field(description="BP2: δ_i = (Σ_j W_ji δ_j) f′(z_i)")
    grad_W: list[list[list[float]]] = Field(description="BP4: ∂C/∂W_ji = δ_j a_i")
    grad_b: list[list[float]] = Field(description="BP3: ∂C/∂b_j = δ_j")
    learning_rate: float
    W_after: list[list[list[float]]] = Field(description="eq. 9: W − η ∂C/∂W")
    b_after: list[list[float]]
    loss_after: float
    check: Check | None = None


def _network(query: StepQuery) -> list[dict]:
    if query.weights is None:
        rng = np.random.default_rng(query.seed)  # the engine's draws for Network(seed=...)
        return reference.make_network(list(LAYER_SIZES), seed=rng, activation=query.activation)
    W, b = query.weights.W, query.weights.b
    shapes_W = [[len(row) for row in layer] for layer in W]
    if shapes_W != [[2, 2, 2], [3, 3]] or [len(layer) for layer in b] != [3, 2]:
        raise HTTPException(
            422, "weights must be those of a 2-3-2 network: W of 3×2 and 2×3, b of 3 and 2."
        )
    return [{"W": copy.deepcopy(W[l]), "b": list(b[l])} for l in range(2)]


def _check(network, pick: Pick, x, label, activation, grads) -> Check:
    layer = network[pick.layer]
    if pick.layer == 1 and pick.j > 1:
        raise HTTPException(422, "check.j must be 0 or 1 for the output layer.")
    if pick.i is not None and pick.i >= len(layer["W"][pick.j]):
        raise HTTPException(422, "check.i must be 0 or 1 for a hidden unit's weights.")
    holder, index = (layer["W"][pick.j], pick.i) if pick.i is not None else (layer["b"], pick.j)
    value = holder[index]
    losses = []
    for shift in (STEP, -STEP):
        holder[index] = value + shift
        losses.append(reference.loss(network, [x], [label], activation))
    holder[index] = value
    grad = grads[pick.layer]
    backprop = grad["W"][pick.j][pick.i] if pick.i is not None else grad["b"][pick.j]
    return Check(
        layer=pick.layer,
        j=pick.j,
        i=pick.i,
        value=value,
        backprop=backprop,
        finite_difference=(losses[0] - losses[1]) / (2 * STEP),
        h=STEP,
    )


@router.post("/step", response_model=StepResult)
def step(query: StepQuery) -> StepResult:
    """Forward, BP1′, BP2, BP3–BP4 and one update on one point, from reference.py."""
    network = _network(query)
    activation = query.activation
    f_prime = reference.ACTIVATIONS[activation][1]
    x, label = [query.x1, query.x2], query.label
    zs, activations = reference.forward(network, x, activation)
    grads = reference.backprop(network, x, label, activation)
    y = reference.one_hot(label, 2)
    p = activations[-1]
    delta_out = [p_k - y_k for p_k, y_k in zip(p, y, strict=True)]  # BP1′
    W_out = network[1]["W"]
    back = [sum(W_out[j][i] * delta_out[j] for j in range(2)) for i in range(3)]
    check = None
    if query.check is not None:
        check = _check(network, query.check, x, label, activation, grads)
    before = reference.loss(network, [x], [label], activation)
    result = dict(
        layer_sizes=list(LAYER_SIZES),
        activation=activation,
        x=x,
        y=y,
        W=[copy.deepcopy(layer["W"]) for layer in network],
        b=[list(layer["b"]) for layer in network],
        z=zs,
        a=activations[1:],
        loss=before,
        delta_out=delta_out,
        back=back,
        f_prime=[f_prime(z_i) for z_i in zs[0]],
        delta_hidden=grads[0]["b"],  # BP3 again: the hidden biases' gradient is BP2's δ
        grad_W=[g["W"] for g in grads],
        grad_b=[g["b"] for g in grads],
        learning_rate=query.learning_rate,
        check=check,
    )
    reference.SGD(query.learning_rate).step(network, grads)  # eq. 9
    result["W_after"] = [layer["W"] for layer in network]
    result["b_after"] = [layer["b"] for layer in network]
    result["loss_after"] = reference.loss(network, [x], [label], activation)
    return StepResult(**result)
