"""TensorSpec and ModelSpec: validation, canonical order, canonical JSON and its hash."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest

from fedchain.codec import ALLOWED_DTYPES, MAX_NAME_LENGTH, SPEC_FORMAT, ModelSpec, TensorSpec
from fedchain.exceptions import ConfigError

W = TensorSpec("w", "float32", (2, 3))
B = TensorSpec("b", "float32", (3,))


def test_allowed_dtypes_are_the_documented_set() -> None:
    assert sorted(ALLOWED_DTYPES) == [
        "bool",
        "float16",
        "float32",
        "float64",
        "int16",
        "int32",
        "int64",
        "int8",
        "uint16",
        "uint32",
        "uint64",
        "uint8",
    ]


def test_tensor_spec_counts_elements_and_bytes() -> None:
    assert (W.num_params, W.nbytes) == (6, 24)
    assert TensorSpec("s", "float64", ()).num_params == 1
    assert TensorSpec("e", "int8", (0, 5)).num_params == 0


def test_tensor_spec_normalises_a_list_shape_to_a_tuple() -> None:
    assert TensorSpec("w", "float32", [2, 3]) == W  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "dtype", "shape"),
    [
        ("", "float32", (1,)),
        ("x" * (MAX_NAME_LENGTH + 1), "float32", (1,)),
        ("__metadata__", "float32", (1,)),
        ("tab\there", "float32", (1,)),
        ("surrogate\ud800", "float32", (1,)),
        (3, "float32", (1,)),
        ("w", "bfloat16", (1,)),
        ("w", "complex64", (1,)),
        ("w", "f4", (1,)),
        ("w", "float32", (-1,)),
        ("w", "float32", (1.0,)),
        ("w", "float32", (True,)),
        ("w", "float32", "12"),
    ],
)
def test_tensor_spec_refuses_invalid_fields(name: object, dtype: object, shape: object) -> None:
    with pytest.raises(ConfigError):
        TensorSpec(name, dtype, shape)  # type: ignore[arg-type]


def test_model_spec_sorts_tensors_by_name_so_order_does_not_matter() -> None:
    assert ModelSpec((W, B)) == ModelSpec((B, W))
    assert ModelSpec((W, B)).names == ("b", "w")
    assert ModelSpec((W, B)).spec_hash() == ModelSpec((B, W)).spec_hash()


def test_model_spec_from_arrays_describes_names_dtypes_and_shapes() -> None:
    spec = ModelSpec.from_arrays(
        [("w", np.zeros((2, 3), np.float32)), ("b", np.zeros(3, np.float32))], max_params=9
    )
    assert spec == ModelSpec((W, B), max_params=9)
    assert spec.num_params == 9
    assert spec.tensor("w") == W
    with pytest.raises(KeyError):
        spec.tensor("missing")


def test_model_spec_from_arrays_refuses_values_that_are_not_arrays() -> None:
    with pytest.raises(ConfigError):
        ModelSpec.from_arrays({"w": [1.0, 2.0]})  # type: ignore[arg-type]


def test_model_spec_refuses_duplicate_names() -> None:
    with pytest.raises(ConfigError, match="unique"):
        ModelSpec((W, TensorSpec("w", "float64", (1,))))


@pytest.mark.parametrize("max_params", [-1, 1.5, "9", True])
def test_model_spec_refuses_an_invalid_max_params(max_params: object) -> None:
    with pytest.raises(ConfigError):
        ModelSpec((W,), max_params)  # type: ignore[arg-type]


def test_model_spec_refuses_more_parameters_than_its_own_cap() -> None:
    with pytest.raises(ConfigError, match="max_params"):
        ModelSpec((W, B), max_params=8)


def test_canonical_json_is_exact_and_its_hash_is_sha256_of_it() -> None:
    spec = ModelSpec((W, B), max_params=None)
    expected = (
        b'{"format":"fedchain.model-spec/1","max_params":null,"tensors":['
        b'{"dtype":"float32","name":"b","shape":[3]},'
        b'{"dtype":"float32","name":"w","shape":[2,3]}]}'
    )
    assert spec.canonical_json() == expected
    assert spec.spec_hash() == hashlib.sha256(expected).digest()


def test_non_ascii_names_are_escaped_in_canonical_json() -> None:
    spec = ModelSpec((TensorSpec("gewicht.\u00fc", "float32", (1,)),))
    assert b"\\u00fc" in spec.canonical_json()
    assert ModelSpec.from_json(spec.canonical_json()) == spec


def test_max_params_changes_the_spec_hash() -> None:
    assert ModelSpec((W,), None).spec_hash() != ModelSpec((W,), 6).spec_hash()


def test_json_round_trip() -> None:
    spec = ModelSpec((W, B), max_params=100)
    assert ModelSpec.from_json(spec.canonical_json()) == spec
    assert ModelSpec.from_json(spec.canonical_json().decode()) == spec


@pytest.mark.parametrize(
    "document",
    [
        "not json",
        "[]",
        json.dumps({"format": "other/1", "max_params": None, "tensors": []}),
        json.dumps({"format": SPEC_FORMAT, "tensors": []}),
        json.dumps({"format": SPEC_FORMAT, "max_params": None, "tensors": [], "x": 1}),
        json.dumps({"format": SPEC_FORMAT, "max_params": None, "tensors": "w"}),
        json.dumps({"format": SPEC_FORMAT, "max_params": None, "tensors": [["w"]]}),
        json.dumps(
            {
                "format": SPEC_FORMAT,
                "max_params": None,
                "tensors": [{"name": "w", "dtype": "float32", "shape": 3}],
            }
        ),
        json.dumps(
            {
                "format": SPEC_FORMAT,
                "max_params": None,
                "tensors": [{"name": "w", "dtype": "float32", "shape": [3], "extra": 0}],
            }
        ),
        json.dumps(
            {
                "format": SPEC_FORMAT,
                "max_params": -2,
                "tensors": [{"name": "w", "dtype": "float32", "shape": [3]}],
            }
        ),
    ],
)
def test_from_json_refuses_malformed_documents(document: str) -> None:
    with pytest.raises(ConfigError):
        ModelSpec.from_json(document)
