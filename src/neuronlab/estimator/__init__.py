"""scikit-learn's face on the engine: ``MLPClassifier`` and ``MLPRegressor``.

The estimators follow scikit-learn's conventions and parameter names, so they drop into a
``Pipeline`` or a ``GridSearchCV`` in place of ``sklearn.neural_network``'s MLPs:
``__init__`` stores its arguments as given, ``fit`` validates them, fitted state ends in ``_``.
Underneath, one ``Network`` is trained by the engine's ``Trainer``, one epoch at a time; this
module adds scikit-learn's stopping rule, label encoding and bookkeeping around that loop.

How the numbers map onto scikit-learn's
---------------------------------------
- ``alpha`` is scikit-learn's L2 strength: its penalty ``(alpha/2)·ΣW²`` is added to the
  *summed* loss of a minibatch, i.e. ``(alpha / (2·batch_size))·ΣW²`` to the mean loss the
  engine minimises. So the engine receives ``l2 = alpha / batch_size``. ``l1`` (our extra) is
  scaled the same way: ``l1 / batch_size`` goes to the engine.
- ``loss_curve_`` holds, per epoch, the mean of the epoch's minibatch losses (each taken at
  the weights that minibatch trained), plus that penalty at the epoch's end, as scikit-learn
  computes it: no pass over the training set is made for it, so a fit costs what the
  engine's epochs cost.
- ``solver="lbfgs"`` hands the network's flat parameter array to ``scipy.optimize.minimize``
  (``_lbfgs``); ``learning_rate`` schedules apply to ``solver="sgd"``, as in scikit-learn.
- ``neuronlab.save`` / ``neuronlab.load`` write and read a fitted estimator, or a pipeline of
  StandardScalers ending in one, as ``.npz`` with JSON (``persist``).
"""

from .classifier import MLPClassifier
from .regressor import MLPRegressor

__all__ = ["MLPClassifier", "MLPRegressor"]
