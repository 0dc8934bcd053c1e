"""Nothing a client returns is trusted: fit and evaluate results are checked into typed errors."""

from __future__ import annotations

import numpy as np
import pytest

from fedchain.codec import ModelSpec
from fedchain.exceptions import CodecError, ConfigError, NonFiniteError, SpecMismatchError
from fedchain.fl import (
    ClientResultError,
    EvaluateRes,
    FitRes,
    check_config,
    validate_evaluate_result,
    validate_fit_result,
)

SPEC = ModelSpec.from_arrays({"b": np.zeros(2, np.float32), "w": np.zeros((2, 2), np.float32)})


def good() -> list[np.ndarray]:
    return [np.ones(2, np.float32), np.ones((2, 2), np.float32)]


def test_a_good_result_comes_back_as_fit_res() -> None:
    result = validate_fit_result((good(), np.int64(10), {"loss": np.float32(0.5)}), SPEC)
    assert isinstance(result, FitRes)
    assert type(result.num_examples) is int and result.num_examples == 10
    assert result.metrics == {"loss": 0.5} and type(result.metrics["loss"]) is float


def test_a_list_result_is_accepted_like_a_tuple() -> None:
    assert validate_fit_result([good(), 1, {}], SPEC).num_examples == 1


@pytest.mark.parametrize(
    "parameters",
    [
        [np.ones(2, np.float32)],  # count
        [np.ones(2, np.float32), np.ones((2, 2), np.float64)],  # dtype
        [np.ones(3, np.float32), np.ones((2, 2), np.float32)],  # shape
        [np.ones((2, 2), np.float32), np.ones(2, np.float32)],  # order
        "not arrays",
    ],
)
def test_parameters_that_differ_from_the_spec_are_refused(parameters: object) -> None:
    with pytest.raises(SpecMismatchError):
        validate_fit_result((parameters, 1, {}), SPEC)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_parameters_are_refused(bad: float) -> None:
    params = good()
    params[1][0, 1] = bad
    with pytest.raises(NonFiniteError, match="'w'"):
        validate_fit_result((params, 1, {}), SPEC)


@pytest.mark.parametrize("num_examples", [0, -3, 2.0, True, "5", None])
def test_num_examples_must_be_a_positive_int(num_examples: object) -> None:
    with pytest.raises(ClientResultError, match="num_examples"):
        validate_fit_result((good(), num_examples, {}), SPEC)


@pytest.mark.parametrize("result", [None, (good(), 1), (good(), 1, {}, None), "abc"])
def test_the_result_must_be_a_triple(result: object) -> None:
    with pytest.raises(ClientResultError, match="3-tuple"):
        validate_fit_result(result, SPEC)


@pytest.mark.parametrize("metrics", [None, [("a", 1)], {"a": [1, 2]}, {1: 0.5}, {"a": None}])
def test_metrics_must_map_str_to_scalars(metrics: object) -> None:
    with pytest.raises(ClientResultError, match="metrics"):
        validate_fit_result((good(), 1, metrics), SPEC)


def test_every_result_error_is_a_codec_error() -> None:
    assert issubclass(ClientResultError, CodecError) and issubclass(ClientResultError, ValueError)


def test_evaluate_result_is_checked() -> None:
    assert validate_evaluate_result((np.float32(0.25), 4, {})) == EvaluateRes(0.25, 4, {})
    with pytest.raises(NonFiniteError):
        validate_evaluate_result((float("nan"), 4, {}))
    with pytest.raises(ClientResultError, match="loss"):
        validate_evaluate_result(("0.1", 4, {}))
    with pytest.raises(ClientResultError, match="num_examples"):
        validate_evaluate_result((0.1, 0, {}))


def test_check_config_returns_python_scalars_in_a_fresh_dict() -> None:
    config = {
        "lr": np.float32(0.5),
        "epochs": np.int64(3),
        "flag": np.bool_(True),
        "name": "x",
        "raw": b"\x00",
    }
    checked = check_config(config)
    assert checked == {"lr": 0.5, "epochs": 3, "flag": True, "name": "x", "raw": b"\x00"}
    assert [type(v) for v in checked.values()] == [float, int, bool, str, bytes]
    assert checked is not config


@pytest.mark.parametrize("config", [{"a": [1]}, {"a": np.zeros(2)}, {3: 1}, "abc"])
def test_check_config_refuses_non_scalars(config: object) -> None:
    with pytest.raises(ConfigError):
        check_config(config)  # type: ignore[arg-type]
