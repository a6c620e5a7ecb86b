"""Ready-made programs for the code playground: each runs in a few seconds and prints something.

The page offers them in a menu; the tests run every one of them in the sandbox, so an
example that breaks with the library breaks the build.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Example:
    name: str  # short key, used in the page's menu and in tests
    title: str  # what the menu shows
    code: str


SPIRALS = """\
# Train a small network on two interleaved spirals, print the accuracy, draw the boundary.
import matplotlib.pyplot as plt
import numpy as np

from neuronlab import Network, Trainer, make_optimizer
from neuronlab.engine.datasets import make_dataset, train_val_test_split

X, y = make_dataset("spirals", n=400, noise=0.1, seed=0)
X_train, y_train, X_val, y_val, _, _ = train_val_test_split(X, y, val=0.25, seed=0)

network = Network([2, 32, 32, 2], activation="relu", seed=0)
optimizer = make_optimizer("adam", learning_rate=0.01)
trainer = Trainer(network, optimizer, X_train, y_train, X_val, y_val, batch_size=32)

for report in trainer.train(150):
    if report.epoch % 25 == 0:
        print(f"epoch {report.epoch:3d}  train loss {report.train_loss:.3f}  "
              f"validation accuracy {report.val_accuracy:.1%}")

accuracy = np.mean(network.predict(X_val) == y_val)
print(f"validation accuracy after training: {accuracy:.1%}")

# the decision boundary: the probability of class 1 over a grid of the plane
xs = np.linspace(-1.2, 1.2, 120)
grid = np.array([(a, b) for b in xs for a in xs])
p1 = network.predict_proba(grid)[:, 1].reshape(len(xs), len(xs))
plt.contourf(xs, xs, p1, levels=20, cmap="RdBu", alpha=0.7)
plt.scatter(*X[y == 0].T, marker="s", s=12, c="tab:red", label="class 0")
plt.scatter(*X[y == 1].T, marker="o", s=12, c="tab:blue", label="class 1")
plt.legend()
plt.title(f"spirals: validation accuracy {accuracy:.0%}")
plt.show()
"""

GRADIENTS = """\
# Check backpropagation against finite differences, for several activations.
# A relative error near 1e-9 means backprop is right; near 1 means it is wrong.
# (ReLU has a kink at z = 0: a unit sitting exactly there fools the finite differences.
# Try seed=0 below to see it happen to one array.)
from neuronlab import Network, gradient_check
from neuronlab.engine.datasets import make_dataset

X, y = make_dataset("circles", n=20, noise=0.1, seed=1)

for activation in ["sigmoid", "tanh", "relu", "gelu"]:
    network = Network([2, 5, 4, 2], activation=activation, seed=1)
    errors = gradient_check(network, X, y, l2=0.01)
    worst = max(errors.values())
    verdict = "agrees" if worst < 1e-6 else "DISAGREES"
    print(f"{activation:8s} worst relative error {worst:.1e}: backprop {verdict}")
    for name, error in errors.items():
        print(f"    {name}: {error:.1e}")
"""

RACE = """\
# Race two optimisers from the same start on the Rosenbrock valley.
import matplotlib.pyplot as plt

from neuronlab import make_optimizer
from neuronlab.engine.surfaces import SURFACES, descend, surface_grid

surface = SURFACES["rosenbrock"]
contestants = {"sgd": 0.001, "adam": 0.2}

plt.figure(figsize=(6, 4.5))
x, y, z = surface_grid(surface, resolution=120)
plt.contour(x, y, z, levels=30, cmap="Greys", linewidths=0.6)
for name, rate in contestants.items():
    path = descend(surface, surface.start, make_optimizer(name, learning_rate=rate), steps=500)
    end = path.points[-1]
    print(f"{name:5s} rate {rate:<6g} {path.steps} steps, loss {path.losses[-1]:.2e}, "
          f"ends at ({end[0]:.3f}, {end[1]:.3f})")
    plt.plot(path.points[:, 0], path.points[:, 1], ".-", markersize=2, label=name)
minimum = surface.minima[0]
plt.plot(*minimum, "k*", markersize=12, label="minimum")
plt.legend()
plt.title("SGD against Adam on Rosenbrock")
plt.show()
"""

BY_HAND = """\
# Build a 2-3-2 network by hand and run one forward pass, equation by equation.
import numpy as np

from neuronlab import Network
from neuronlab.engine import reference

# W[j][i] is the weight from input i to unit j (the course's z = W a + b, eq. 5)
layers = [
    {"W": [[0.5, -0.3], [0.8, 0.2], [-0.4, 0.9]], "b": [0.1, 0.0, -0.1]},  # 2 inputs -> 3
    {"W": [[1.0, -1.0, 0.5], [-0.5, 1.0, 0.3]], "b": [0.0, 0.0]},  # 3 hidden -> 2 outputs
]
x = [1.0, 2.0]

zs, activations = reference.forward(layers, x, activation="sigmoid")
print("input a0 =", x)
for l, (z, a) in enumerate(zip(zs, activations[1:]), start=1):
    print(f"layer {l}: z = {[round(v, 4) for v in z]}")
    print(f"         a = {[round(v, 4) for v in a]}")
print("the outputs are softmax probabilities; they sum to", round(sum(activations[-1]), 12))

# the same weights in the vectorised engine give the same answer
network = Network([2, 3, 2], activation="sigmoid")
W_list, b_list = reference.to_arrays(layers)
for l in range(2):
    network.W[l][...] = W_list[l]
    network.b[l][...] = b_list[l]
print("engine:", network.forward(np.array([x])).round(4))
"""

EXAMPLES: tuple[Example, ...] = (
    Example("spirals", "Train on spirals and print the accuracy", SPIRALS),
    Example("gradients", "Check gradients", GRADIENTS),
    Example("race", "Race two optimisers", RACE),
    Example("by-hand", "Build a network by hand: one forward pass", BY_HAND),
)
