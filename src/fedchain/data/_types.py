"""Array aliases shared by the data modules."""

from __future__ import annotations

from typing import TypeAlias

import numpy as np
import numpy.typing as npt

IntArray: TypeAlias = npt.NDArray[np.int64]
"""A 1-D array of sample indices or integer class labels."""

FloatArray: TypeAlias = npt.NDArray[np.float64]
"""A float64 array of features."""

Partitions: TypeAlias = tuple[IntArray, ...]
"""A partitioner's result: one ascending index array per partition (client); every sample in exactly one."""
