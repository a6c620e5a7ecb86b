"""The docstring sections both estimators share, written once.

Each estimator's class docstring holds a ``{parameters}`` line and, under its own
"Attributes" heading, an ``{attributes}`` line after the attributes only it has;
``with_shared_docs`` puts the shared sections there, worded for that estimator.
"""

from __future__ import annotations

# In both blocks, {score} is the early-stopping score ("accuracy", "R²"); in the parameters,
# {split} qualifies the early-stopping split; in the attributes, {loss} names the training
# loss and {output} the output activation.
_PARAMETER_DOCS = """\
    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(100,)
        Units in each hidden layer.
    activation : {"relu", "identity", "logistic", "tanh", "leaky_relu", "leaky_relu_0.1", \
"gelu"}, default="relu"
        Hidden activation; "logistic" is the sigmoid; "leaky_relu" has slope 0.01 below zero
        and "leaky_relu_0.1" the course's slope 0.1.
    solver : {"adam", "sgd", "rmsprop", "lbfgs"}, default="adam"
        "sgd" uses ``momentum`` (0 gives plain SGD), ``nesterovs_momentum`` and
        ``learning_rate``; "rmsprop" uses ``epsilon`` and a decay rho of 0.9; "lbfgs" hands
        the network's flat parameter array to ``scipy.optimize.minimize`` (L-BFGS-B) on the
        whole training set, up to ``max_iter`` iterations and ``max_fun`` evaluations.
    alpha : float, default=0.0001
        L2 strength as in scikit-learn: ``(alpha/2)·ΣW²`` per minibatch *sum* of losses, so the
        engine, which minimises the batch mean, receives ``l2 = alpha / batch_size``.
    l1 : float, default=0.0
        L1 strength, scaled the same way (the engine receives ``l1 / batch_size``).
    batch_size : int or "auto", default="auto"
        Minibatch size; "auto" is ``min(200, n_samples)``.
    learning_rate : {"constant", "invscaling", "adaptive"}, default="constant"
        Schedule of solver="sgd" (the other solvers keep ``learning_rate_init``): "invscaling"
        sets η = learning_rate_init / (t + 1)^power_t after every epoch, t the samples seen;
        "adaptive" divides η by 5 each time the stopping rule would stop, and stops once η
        falls below 1e-6.
    learning_rate_init : float, default=0.001
        Step size of the solver.
    power_t : float, default=0.5
        Exponent of the "invscaling" schedule.
    max_iter : int, default=200
        Maximum number of epochs.
    shuffle : bool, default=True
        Shuffle the training set at every epoch.
    random_state : int, RandomState or None, default=None
        Seeds the initial weights, the shuffling and the early-stopping split.
    tol : float, default=1e-4
        Training stops when the training loss (validation {score} with ``early_stopping``)
        has not improved by ``tol`` for more than ``n_iter_no_change`` consecutive epochs.
    verbose : bool, default=False
        Print the loss of every epoch.
    warm_start : bool, default=False
        Continue from the previous fit's weights instead of starting afresh.
    momentum : float, default=0.9
        Momentum of the "sgd" solver, in [0, 1).
    nesterovs_momentum : bool, default=True
        Use Nesterov's momentum with the "sgd" solver.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data{split}, stop when its {score} stops
        improving, and restore the weights of the best epoch.
    validation_fraction : float, default=0.1
        Share of the training data held out for early stopping, in (0, 1).
    beta_1, beta_2 : float, default=0.9, 0.999
        Adam's decay rates for the first and second moment estimates, in [0, 1).
    epsilon : float, default=1e-8
        Adam's and RMSProp's numerical-stability term.
    n_iter_no_change : int, default=10
        Epochs without improvement tolerated before stopping.
    max_fun : int, default=15000
        Most loss evaluations of solver="lbfgs".
    init : {"glorot", "he"}, default="glorot"
        Starting weights. "glorot" is scikit-learn's scheme: every W and b drawn from
        U(−s, s) with s = √(6 / (n_in + n_out)) (√(2 / (n_in + n_out)) for "logistic").
        "he" is the engine's own: He (var 2/n_in) for the ReLU family, Xavier's forward form
        (var 1/n_in) otherwise, biases at zero.
"""

_ATTRIBUTE_DOCS = """\
    loss_curve_ : list of float
        Training loss ({loss} plus penalty) of each epoch: the mean of its minibatch
        losses, as scikit-learn computes it (with "lbfgs": the loss after each iteration).
    loss_ : float
        The last entry of ``loss_curve_`` (with "lbfgs": the loss at the solution).
    best_loss_ : float or None
        Lowest training loss (None with ``early_stopping``).
    validation_scores_ : list of float or None
        Held-out {score} after each epoch (only with ``early_stopping``).
    best_validation_score_ : float or None
        Best held-out {score} (only with ``early_stopping``).
    n_iter_ : int
        Epochs run by the last ``fit`` (``partial_fit`` adds one per call).
    t_ : int
        Training samples seen by the solver.
    coefs_ : list of ndarray
        ``coefs_[l]`` of shape (n_in, n_out): views into the network's parameters.
    intercepts_ : list of ndarray
        ``intercepts_[l]`` of shape (n_out,).
    n_layers_ : int
        Layers including input and output.
    out_activation_ : str
        Always "{output}".
    n_features_in_ : int
        Features seen during fit.
"""


def with_shared_docs(*, score: str, loss: str, split: str = ""):
    """Class decorator: fill the docstring's {parameters} and {attributes} lines.

    ``score`` names the early-stopping score, ``loss`` the training loss, ``split`` qualifies
    the early-stopping split; the output activation is read from the class's ``_output``.
    """

    def decorate(cls):
        if cls.__doc__:  # None under python -OO
            parameters = _PARAMETER_DOCS.replace("{score}", score).replace("{split}", split)
            attributes = (
                _ATTRIBUTE_DOCS.replace("{score}", score)
                .replace("{loss}", loss)
                .replace("{output}", cls._output)
            )
            cls.__doc__ = cls.__doc__.replace("    {parameters}\n", parameters).replace(
                "    {attributes}\n", attributes
            )
        return cls

    return decorate
