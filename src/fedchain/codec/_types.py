"""Type aliases shared by the codec modules."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeAlias

import numpy as np

NDArray: TypeAlias = np.ndarray[Any, Any]
"""Any NumPy array."""

NamedArrays: TypeAlias = Mapping[str, NDArray] | Iterable[tuple[str, NDArray]]
"""A model or update: a mapping from tensor name to array, or ``(name, array)`` pairs."""
