"""FeatureScaling: the public raw-to-model feature map of a task spec."""

from __future__ import annotations

import json

import numpy as np
import pytest

from fedchain.data import FeatureScaling
from fedchain.exceptions import ConfigError


def test_transform_and_inverse_round_trip() -> None:
    scaling = FeatureScaling(offset=np.array([1.0, -2.0, 0.5]), scale=np.array([2.0, 0.25, 3.0]))
    raw = np.array([[1.0, 2.0, 3.0], [-4.0, 0.0, 9.5]])
    assert np.allclose(scaling.inverse(scaling.transform(raw)), raw)
    assert scaling.transform(raw)[0].tolist() == [0.0, 16.0, pytest.approx(2.5 / 3)]


def test_json_form_reads_back_bit_exactly() -> None:
    scaling = FeatureScaling(offset=np.array([0.1, 1e-300]), scale=np.array([3.3, 7.0]))
    again = FeatureScaling.from_dict(json.loads(json.dumps(scaling.as_dict())))
    assert again.offset.tobytes() == scaling.offset.tobytes()
    assert again.scale.tobytes() == scaling.scale.tobytes()


def test_constants_are_a_private_read_only_copy() -> None:
    offset = np.zeros(2)
    scaling = FeatureScaling(offset=offset, scale=np.ones(2))
    offset[0] = 5.0
    assert scaling.offset[0] == 0.0
    with pytest.raises(ValueError, match="read-only"):
        scaling.scale[0] = 2.0


@pytest.mark.parametrize(
    ("offset", "scale", "message"),
    [
        ([0.0, 0.0], [1.0], "must be 1-D of the same length"),
        ([[0.0]], [[1.0]], "must be 1-D of the same length"),
        ([0.0], [0.0], "scale finite and > 0"),
        ([0.0], [-1.0], "scale finite and > 0"),
        ([float("nan")], [1.0], "offset must be finite"),
        ([0.0], [float("inf")], "scale finite and > 0"),
    ],
)
def test_bad_constants_raise_config_error(offset: list[float], scale: list[float], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        FeatureScaling(offset=np.asarray(offset), scale=np.asarray(scale))


def test_from_dict_wants_exactly_offset_and_scale() -> None:
    with pytest.raises(ConfigError, match="exactly the keys offset and scale"):
        FeatureScaling.from_dict({"offset": [0.0], "scale": [1.0], "mean": [0.0]})
