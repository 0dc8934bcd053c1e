"""SklearnLinearClient: scikit-learn linear models as NumPy clients, with FedProx and fixed shapes."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.linear_model import LinearRegression, LogisticRegression, SGDClassifier, SGDRegressor
from sklearn.svm import LinearSVC

from fedchain.exceptions import ConfigError, NonFiniteError, SpecMismatchError
from fedchain.fl import NumPyClient, validate_evaluate_result, validate_fit_result
from fedchain.fl.adapters import SklearnLinearClient


def iris() -> tuple[np.ndarray, ...]:
    x, y = load_iris(return_X_y=True)
    order = np.random.default_rng(0).permutation(len(x))
    x, y = (x[order] - x.mean(axis=0)) / x.std(axis=0), y[order]
    return x[:100], y[:100], x[100:], y[100:]


def client(model: Any, data: tuple[np.ndarray, ...], **kwargs: Any) -> SklearnLinearClient:
    return SklearnLinearClient(model, *data, **kwargs)


def bytes_of(params: list[np.ndarray]) -> list[bytes]:
    return [p.tobytes() for p in params]


SHAPES = [
    (LogisticRegression, "binary", [(1, 30), (1,)]),
    (SGDClassifier, "binary", [(1, 30), (1,)]),
    (LogisticRegression, "iris", [(3, 4), (3,)]),
    (SGDClassifier, "iris", [(3, 4), (3,)]),
    (LinearRegression, "binary", [(30,), (1,)]),
    (SGDRegressor, "binary", [(30,), (1,)]),
]


@pytest.mark.parametrize(("model", "data", "shapes"), SHAPES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_parameters_have_their_shapes_before_the_first_fit_and_keep_them(
    model: type, data: str, shapes: list[tuple[int, ...]], dtype: str, breast_cancer: Any
) -> None:
    c = client(model(), breast_cancer if data == "binary" else iris(), dtype=dtype)
    initial = c.get_parameters({})
    assert [p.shape for p in initial] == shapes and {p.dtype.name for p in initial} == {dtype}
    assert c.spec.names == ("coef", "intercept")
    result = validate_fit_result(c.fit(initial, {"local_epochs": 2}), c.spec)
    assert [p.shape for p in result.parameters] == shapes
    loss, n, metrics = validate_evaluate_result(c.evaluate(result.parameters, {}))
    assert n == len(c.x_test) and loss >= 0.0 and set(metrics) <= {"accuracy", "r2"}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_set_then_get_is_bit_exact(dtype: type, breast_cancer: Any) -> None:
    c = client(LogisticRegression(), breast_cancer, dtype=np.dtype(dtype).name)
    rng = np.random.default_rng(3)
    params = [rng.standard_normal((1, 30)).astype(dtype), rng.standard_normal(1).astype(dtype)]
    c.set_parameters(params)
    assert bytes_of(c.get_parameters({})) == bytes_of(params)


@pytest.mark.parametrize("model", [LogisticRegression(), SGDClassifier(loss="log_loss", random_state=0)])
def test_one_fit_on_breast_cancer_beats_the_initial_model(model: Any, breast_cancer: Any) -> None:
    c = client(model, breast_cancer, local_epochs=5)
    initial = c.get_parameters({})
    _, _, before = c.evaluate(initial, {})
    params, n, _ = c.fit(initial, {})
    _, _, after = c.evaluate(params, {})
    assert n == 400
    assert after["accuracy"] > before["accuracy"] + 0.2 and after["accuracy"] > 0.9
    assert c.model.predict(breast_cancer.x_test).shape == (169,)  # the model holds the new parameters


def test_the_client_satisfies_the_protocol_and_returns_flower_types(breast_cancer: Any) -> None:
    c: NumPyClient = client(LogisticRegression(), breast_cancer)
    params, n, metrics = c.fit(c.get_parameters({}), {})
    loss, m, emetrics = c.evaluate(params, {})
    assert isinstance(params, list) and type(n) is int and type(metrics["train_loss"]) is float
    assert type(loss) is float and type(m) is int and type(emetrics["accuracy"]) is float


@pytest.mark.parametrize(
    "model", [LogisticRegression(), SGDClassifier(loss="log_loss"), LinearRegression(), SGDRegressor()]
)
def test_fedprox_with_a_huge_mu_stays_at_the_global_parameters(model: Any, breast_cancer: Any) -> None:
    c = client(model, breast_cancer, local_epochs=3)
    rng = np.random.default_rng(5)
    start = [rng.standard_normal(p.shape) * 0.1 for p in c.get_parameters({})]
    moved = {}
    for mu in (0.01, 1.0, 1e9):
        params, _, _ = c.fit(start, {"proximal_mu": mu})
        moved[mu] = max(float(np.abs(p - s).max()) for p, s in zip(params, start, strict=True))
    assert moved[1e9] < 1e-7
    assert moved[0.01] > moved[1.0] > moved[1e9]


@pytest.mark.parametrize("model", [LogisticRegression, SGDClassifier, LinearRegression, SGDRegressor])
def test_mu_zero_is_plain_training(model: type, breast_cancer: Any) -> None:
    plain = client(model(), breast_cancer, local_epochs=2).fit(
        client(model(), breast_cancer).get_parameters({}), {}
    )
    zero = client(model(), breast_cancer, local_epochs=2)
    with_zero = zero.fit(zero.get_parameters({}), {"proximal_mu": 0.0})
    assert bytes_of(with_zero[0]) == bytes_of(plain[0])


@pytest.mark.parametrize("model", [LogisticRegression, SGDClassifier, SGDRegressor])
def test_same_seed_same_bytes_and_each_round_shuffles_anew(model: type, breast_cancer: Any) -> None:
    def run(seed: int, server_round: int) -> list[bytes]:
        c = client(model(), breast_cancer, local_epochs=2, batch_size=32, seed=seed)
        return bytes_of(c.fit(c.get_parameters({}), {"server_round": server_round})[0])

    assert run(7, 1) == run(7, 1)
    assert run(7, 1) != run(8, 1)
    assert run(7, 1) != run(7, 2)


def test_fit_is_a_function_of_its_inputs_not_of_history(breast_cancer: Any) -> None:
    c = client(SGDClassifier(), breast_cancer)
    start = c.get_parameters({})
    first = bytes_of(c.fit(start, {})[0])
    c.fit(start, {})
    assert bytes_of(c.fit(start, {})[0]) == first


@pytest.mark.parametrize("model", [LogisticRegression(), SGDClassifier(loss="log_loss")])
def test_a_participant_lacking_a_class_keeps_the_task_shapes(model: Any) -> None:
    x_train, y_train, x_test, y_test = iris()
    keep = y_train != 2
    c = SklearnLinearClient(model, x_train[keep], y_train[keep], x_test, y_test, classes=np.array([0, 1, 2]))
    params, _, _ = c.fit(c.get_parameters({}), {"proximal_mu": 0.1})
    assert [p.shape for p in params] == [(3, 4), (3,)]


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ([np.zeros((1, 30))], SpecMismatchError),
        ([np.zeros((1, 29)), np.zeros(1)], SpecMismatchError),
        ([np.zeros((1, 30), np.float32), np.zeros(1, np.float32)], SpecMismatchError),
        ([np.zeros((1, 30)), np.zeros(1), np.zeros(1)], SpecMismatchError),
        ([np.full((1, 30), np.nan), np.zeros(1)], NonFiniteError),
        ([np.zeros((1, 30)), np.array([np.inf])], NonFiniteError),
    ],
)
def test_bad_parameters_are_refused(params: list[np.ndarray], error: type, breast_cancer: Any) -> None:
    c = client(LogisticRegression(), breast_cancer)
    with pytest.raises(error):
        c.fit(params, {})
    with pytest.raises(error):
        c.evaluate(params, {})


@pytest.mark.parametrize(
    "config",
    [
        {"proximal_mu": -1.0},
        {"proximal_mu": float("nan")},
        {"local_epochs": 0},
        {"local_epochs": 1.5},
        {"x": [1]},
    ],
)
def test_bad_config_is_refused(config: dict[str, Any], breast_cancer: Any) -> None:
    c = client(LogisticRegression(), breast_cancer)
    with pytest.raises(ConfigError):
        c.fit(c.get_parameters({}), config)


def test_unsupported_models_and_settings_are_refused(breast_cancer: Any) -> None:
    with pytest.raises(ConfigError, match="unsupported model"):
        client(LinearSVC(), breast_cancer)
    with pytest.raises(ConfigError, match="dtype"):
        client(LogisticRegression(), breast_cancer, dtype="float16")
    with pytest.raises(ConfigError, match="average"):
        client(SGDClassifier(average=True), breast_cancer)
    with pytest.raises(ConfigError, match="two classes"):
        x, _, xt, yt = breast_cancer
        SklearnLinearClient(LogisticRegression(), x, np.zeros(len(x)), xt, yt)
    hinge = client(SGDClassifier(loss="hinge"), breast_cancer)
    with pytest.raises(ConfigError, match="FedProx"):
        hinge.fit(hinge.get_parameters({}), {"proximal_mu": 0.1})


@pytest.mark.parametrize(("dtype", "epochs"), [("float32", 50), ("float64", 500)])
def test_diverging_training_raises_and_keeps_the_global_parameters(
    dtype: str, epochs: int, breast_cancer: Any
) -> None:
    c = client(LinearRegression(), breast_cancer, learning_rate=1e6, local_epochs=epochs, dtype=dtype)
    start = [np.full_like(p, 0.5) for p in c.get_parameters({})]
    with np.errstate(all="ignore"), pytest.raises(NonFiniteError, match="diverged"):
        c.fit(start, {"proximal_mu": 0.1})
    assert bytes_of(c.get_parameters({})) == bytes_of(start)
