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
- ``loss_curve_`` holds, per epoch, the mean data loss over the training set measured after
  the epoch plus that penalty (scikit-learn averages the losses of the epoch's minibatches
  instead; the two agree once training settles).
"""

from .classifier import MLPClassifier
from .regressor import MLPRegressor

__all__ = ["MLPClassifier", "MLPRegressor"]
