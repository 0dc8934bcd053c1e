"""scikit-learn linear models as a :class:`~fedchain.fl.client.NumPyClient`.

Parameters are ``[coef, intercept]`` (the spec's canonical order), float32 or float64:

========================================  ==================  ===============
model                                     ``coef``            ``intercept``
========================================  ==================  ===============
classifier, 2 classes                     ``(1, d)``          ``(1,)``
classifier, k > 2 classes                 ``(k, d)``          ``(k,)``
``LinearRegression``, ``SGDRegressor``    ``(d,)``            ``(1,)``
========================================  ==================  ===============

How local training runs (``fit``):

* ``SGDClassifier`` / ``SGDRegressor``: ``local_epochs`` calls of ``partial_fit`` on a fresh clone holding the
  global parameters, the model's own loss, penalty and learning-rate schedule; each epoch's shuffle seed comes
  from ``seed`` and ``config["server_round"]``.
* ``LinearRegression``: ``fit`` (closed-form least squares; the result does not depend on the global model).
* ``LogisticRegression``, and every model when ``config["proximal_mu"] > 0``: the NumPy loop of
  :func:`~fedchain.fl.adapters._linear.proximal_gradient_descent`, on the model's own loss and L2 penalty.
  scikit-learn has no proximal term, and lbfgs counts line-search iterations rather than epochs and re-reads
  the classes from local labels (a hospital without a class would change the parameter shapes); gradient
  epochs keep the shapes fixed, make ``local_epochs`` mean epochs and add FedProx's term exactly.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.linear_model import LinearRegression, LogisticRegression, SGDClassifier, SGDRegressor
from sklearn.metrics import accuracy_score, hinge_loss, log_loss, mean_squared_error, r2_score

from fedchain.codec import ModelSpec, TensorSpec
from fedchain.data import FederatedDataset
from fedchain.exceptions import ConfigError, NonFiniteError
from fedchain.fl.adapters._config import config_float, config_int, round_seed
from fedchain.fl.adapters._linear import Link, predict, proximal_gradient_descent
from fedchain.fl.client import check_config, check_parameters
from fedchain.fl.typing import Config, EvaluateRes, FitRes, Metrics, NDArray, NDArrays

_CLASSIFIERS = (LogisticRegression, SGDClassifier)
_REGRESSORS = (LinearRegression, SGDRegressor)


class SklearnLinearClient:
    """A scikit-learn linear model trained on one participant's data.

    Parameters
    ----------
    model
        An unfitted ``LogisticRegression``, ``SGDClassifier``, ``LinearRegression`` or ``SGDRegressor``. It
        always holds the latest parameters (set by ``fit``/``evaluate``), so it can ``predict`` locally.
    x_train, y_train, x_test, y_test
        Local data; features should be standardised with the task's published constants.
    local_epochs
        Passes over the training data per ``fit`` (``config["local_epochs"]`` overrides it).
    classes
        Every class of the task (a participant may lack some locally); default: the classes in ``y_train``.
    dtype
        ``"float32"`` or ``"float64"``: the dtype of the exchanged parameters.
    learning_rate, batch_size
        Step size and rows per step of the NumPy loop; ``batch_size=None`` means full batch.
    seed
        Seeds every shuffle, so equal inputs give equal bytes.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> x = np.array([[-2.0], [-1.0], [1.0], [2.0]]); y = np.array([0, 0, 1, 1])
    >>> client = SklearnLinearClient(LogisticRegression(), x, y, x, y, local_epochs=20, learning_rate=0.5)
    >>> [p.shape for p in client.get_parameters({})]
    [(1, 1), (1,)]
    >>> params, n, metrics = client.fit(client.get_parameters({}), {})
    >>> n, client.evaluate(params, {})[2]["accuracy"]
    (4, 1.0)
    """

    def __init__(
        self,
        model: Any,
        x_train: NDArray,
        y_train: NDArray,
        x_test: NDArray,
        y_test: NDArray,
        *,
        local_epochs: int = 1,
        classes: NDArray | None = None,
        dtype: str = "float64",
        learning_rate: float = 0.1,
        batch_size: int | None = None,
        seed: int = 0,
    ) -> None:
        if not isinstance(model, _CLASSIFIERS + _REGRESSORS):
            raise ConfigError(
                f"unsupported model {type(model).__name__}: use one of LogisticRegression, "
                "SGDClassifier, LinearRegression, SGDRegressor"
            )
        if dtype not in ("float32", "float64"):
            raise ConfigError(f"dtype must be 'float32' or 'float64', not {dtype!r}")
        if getattr(model, "average", False):
            raise ConfigError(
                "SGD models with average=True are not supported (averaged and raw weights differ)"
            )
        self.model = model
        self.is_classifier = isinstance(model, _CLASSIFIERS)
        self.x_train, self.y_train = _data(x_train, y_train, "train")
        self.x_test, self.y_test = _data(x_test, y_test, "test")
        if self.x_train.shape[1] != self.x_test.shape[1]:
            raise ConfigError("x_train and x_test have different numbers of features")
        self.classes = _classes(self.y_train, classes) if self.is_classifier else None
        self.local_epochs = config_int({"local_epochs": local_epochs}, "local_epochs", 1, minimum=1)
        self.learning_rate = config_float({"lr": learning_rate}, "lr", 0.1, minimum=0.0)
        self.batch_size = len(self.x_train) if batch_size is None else batch_size
        if isinstance(self.batch_size, bool) or not isinstance(self.batch_size, int) or self.batch_size < 1:
            raise ConfigError(f"batch_size must be a positive int or None, not {batch_size!r}")
        self.seed = seed
        n_out = 1 if self.classes is None or len(self.classes) == 2 else len(self.classes)
        d = self.x_train.shape[1]
        coef_shape = (n_out, d) if self.is_classifier else (d,)
        self.spec = ModelSpec(
            (TensorSpec("coef", dtype, coef_shape), TensorSpec("intercept", dtype, (n_out,)))
        )
        """The :class:`~fedchain.codec.ModelSpec` of the exchanged parameters."""
        self._coef = np.zeros((n_out, d))
        self._intercept = np.zeros(n_out)
        self._push()

    # -- the NumPyClient protocol ----------------------------------------------------------------------

    def get_parameters(self, config: Config) -> NDArrays:
        """Return ``[coef, intercept]`` in the spec's dtype (zeros before the first ``fit``)."""
        dtype = self.spec.tensors[0].dtype
        coef = self._coef if self.is_classifier else self._coef[0]
        return [coef.astype(dtype), self._intercept.astype(dtype)]

    def set_parameters(self, parameters: NDArrays) -> None:
        """Load ``[coef, intercept]`` into the client and its model.

        Raises
        ------
        SpecMismatchError
            If the arrays differ from :attr:`spec` (count, dtype, shape).
        NonFiniteError
            If a value is NaN or infinite.
        """
        coef, intercept = check_parameters(parameters, self.spec)
        self._coef = coef.astype(np.float64).reshape(len(intercept), -1)
        self._intercept = intercept.astype(np.float64)
        self._push()

    def fit(self, parameters: NDArrays, config: Config) -> tuple[NDArrays, int, Metrics]:
        """Set ``parameters``, train locally; return ``(parameters, len(x_train), {"train_loss": ...})``."""
        cfg = check_config(config)
        epochs = config_int(cfg, "local_epochs", self.local_epochs, minimum=1)
        mu = config_float(cfg, "proximal_mu", 0.0, minimum=0.0)
        lr = config_float(cfg, "learning_rate", self.learning_rate, minimum=0.0)
        rng = np.random.default_rng(round_seed(self.seed, cfg))
        self.set_parameters(parameters)
        if mu > 0.0 or isinstance(self.model, LogisticRegression):
            link, target, l2, fit_intercept = self._objective()
            coef, intercept = proximal_gradient_descent(
                self._coef, self._intercept, self.x_train, target, link=link, epochs=epochs, learning_rate=lr,
                batch_size=self.batch_size, l2=l2, mu=mu, fit_intercept=fit_intercept, rng=rng,
            )  # fmt: skip
        elif isinstance(self.model, LinearRegression):
            coef, intercept = _read(clone(self.model).fit(self.x_train, self.y_train), len(self._intercept))
        else:
            coef, intercept = _read(self._partial_fit(epochs, rng), len(self._intercept))
        dtype = self.spec.tensors[0].dtype
        with np.errstate(over="ignore", invalid="ignore"):
            coef, intercept = coef.astype(dtype), intercept.astype(dtype)
        if not (np.isfinite(coef).all() and np.isfinite(intercept).all()):
            raise NonFiniteError("local training diverged (NaN or Inf); lower the learning rate")
        self._coef, self._intercept = coef.astype(np.float64), intercept.astype(np.float64)
        self._push()
        loss = self._loss(self.x_train, self.y_train)
        return FitRes(self.get_parameters({}), len(self.x_train), {"train_loss": loss})

    def evaluate(self, parameters: NDArrays, config: Config) -> tuple[float, int, Metrics]:
        """Set ``parameters``; return the test loss (log-loss, hinge or MSE), ``len(x_test)`` and metrics.

        Classifiers report ``{"accuracy": ...}``, regressors ``{"r2": ...}``.
        """
        check_config(config)
        self.set_parameters(parameters)
        loss = self._loss(self.x_test, self.y_test)
        if self.is_classifier:
            metrics: Metrics = {
                "accuracy": float(accuracy_score(self.y_test, self.model.predict(self.x_test)))
            }
        else:
            metrics = {"r2": float(r2_score(self.y_test, self.model.predict(self.x_test)))}
        return EvaluateRes(loss, len(self.x_test), metrics)

    # -- helpers ---------------------------------------------------------------------------------------

    def _push(self) -> None:
        """Write the current parameters into the scikit-learn model, so that it predicts with them."""
        model = self.model
        model.n_features_in_ = self.x_train.shape[1]
        if self.is_classifier:
            model.classes_ = self.classes
            model.coef_, model.intercept_ = self._coef.copy(), self._intercept.copy()
        elif isinstance(model, LinearRegression):
            model.coef_, model.intercept_ = self._coef[0].copy(), float(self._intercept[0])
        else:
            model.coef_, model.intercept_ = self._coef[0].copy(), self._intercept.copy()

    def _partial_fit(self, epochs: int, rng: np.random.Generator) -> Any:
        """SGD epochs on a fresh clone (its step counter starts anew), seeded per epoch."""
        est = clone(self.model)
        est.coef_ = self._coef.copy() if self.is_classifier else self._coef[0].copy()
        est.intercept_ = self._intercept.copy()
        for epoch_seed in rng.integers(0, 2**31 - 1, size=epochs):
            est.set_params(random_state=int(epoch_seed))
            if self.is_classifier:
                est.partial_fit(self.x_train, self.y_train, classes=self.classes)
            else:
                est.partial_fit(self.x_train, self.y_train)
        return est

    def _objective(self) -> tuple[Link, NDArray, float, bool]:
        """The model's own loss as (link, targets, L2 strength, fit_intercept) for the NumPy loop."""
        model, n = self.model, len(self.x_train)
        if getattr(model, "class_weight", None) is not None:
            raise ConfigError("class_weight is not supported by the proximal loop")
        if isinstance(model, LogisticRegression):
            if model.l1_ratio not in (0, 0.0, None) or model.penalty not in ("deprecated", "l2", None):
                raise ConfigError("only the L2 (or no) penalty is supported for LogisticRegression")
            no_penalty = model.penalty is None or not np.isfinite(model.C)
            l2 = 0.0 if no_penalty else 1.0 / (float(model.C) * n)
        elif isinstance(model, SGDClassifier | SGDRegressor):
            wanted = "log_loss" if self.is_classifier else "squared_error"
            if model.loss != wanted or model.penalty not in ("l2", None):
                raise ConfigError(
                    f"FedProx needs loss={wanted!r} and penalty 'l2' or None for {type(model).__name__}"
                )
            l2 = 0.0 if model.penalty is None else float(model.alpha)
        else:
            if model.positive:
                raise ConfigError("LinearRegression(positive=True) is not supported by the proximal loop")
            l2 = 0.0
        if not self.is_classifier:
            return "identity", self.y_train.reshape(-1, 1), l2, bool(model.fit_intercept)
        assert self.classes is not None
        onehot = (self.y_train[:, None] == self.classes[None, :]).astype(np.float64)
        if len(self.classes) == 2:
            return "sigmoid", onehot[:, 1:], l2, bool(model.fit_intercept)
        link: Link = "softmax" if isinstance(model, LogisticRegression) else "sigmoid"
        return link, onehot, l2, bool(model.fit_intercept)

    def _loss(self, x: NDArray, y: NDArray) -> float:
        if not self.is_classifier:
            return float(mean_squared_error(y, predict(self._coef, self._intercept, x, "identity")[:, 0]))
        if hasattr(self.model, "predict_proba"):
            proba = np.clip(self.model.predict_proba(x), 1e-15, 1.0)
            return float(log_loss(y, proba / proba.sum(axis=1, keepdims=True), labels=self.classes))
        return float(hinge_loss(y, self.model.decision_function(x), labels=self.classes))


def _read(fitted: Any, n_out: int) -> tuple[NDArray, NDArray]:
    """A fitted estimator's ``(coef (n_out, d), intercept (n_out,))`` as float64 copies."""
    coef = np.asarray(fitted.coef_, dtype=np.float64).reshape(n_out, -1).copy()
    return coef, np.atleast_1d(np.asarray(fitted.intercept_, dtype=np.float64)).copy()


def _data(x: object, y: object, what: str) -> tuple[NDArray, NDArray]:
    xa, ya = np.asarray(x, dtype=np.float64), np.asarray(y)
    if xa.ndim != 2 or ya.ndim != 1 or len(xa) != len(ya) or len(xa) == 0:
        raise ConfigError(f"x_{what} must be (n, d) and y_{what} (n,) with n > 0")
    if not np.isfinite(xa).all():
        raise NonFiniteError(f"x_{what} holds NaN or Inf")
    return xa, ya


def _classes(y: NDArray, classes: object) -> NDArray:
    found = np.unique(y) if classes is None else np.unique(np.asarray(classes))
    if len(found) < 2:
        raise ConfigError("a classifier needs at least two classes: pass classes=... for the whole task")
    if not np.isin(y, found).all():
        raise ConfigError("y_train holds labels outside classes")
    return found


def logistic_clients(
    data: FederatedDataset, *, local_epochs: int = 5, learning_rate: float = 0.1
) -> list[SklearnLinearClient]:
    """One logistic-regression client per data holder of ``data``, scored on its global test set.

    Client ``i`` trains with seed ``i``; every client knows all of the task's classes, so their parameter
    shapes agree even when a holder lacks a class. The demo, the ``fedchain node`` scenarios and the tests
    build their federations with this one function.

    >>> from fedchain.data import hospitals
    >>> [len(c.x_train) for c in logistic_clients(hospitals(2, partitioner="iid", seed=1))]
    [228, 228]
    """
    classes = np.arange(data.num_classes)
    return [
        SklearnLinearClient(
            LogisticRegression(), c.x, c.y, data.x_test, data.y_test,
            local_epochs=local_epochs, learning_rate=learning_rate, classes=classes, seed=i,
        )
        for i, c in enumerate(data.clients)
    ]  # fmt: skip
