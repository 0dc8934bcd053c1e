"""Federated data sets built from data that ships with packages (nothing is downloaded) or is generated.

Examples
--------
>>> from fedchain.data.datasets import digits, fraud, hospitals
>>> [d.num_clients for d in (hospitals(2), digits(4), fraud(2, transactions_per_bank=500))]
[2, 4, 2]
"""

from fedchain.data.datasets._prepare import PARTITIONER_NAMES
from fedchain.data.datasets.breast_cancer import DEFAULT_ALPHA, DEFAULT_TEST_SIZE, HOSPITAL_NAMES, hospitals
from fedchain.data.datasets.federated_dataset import ClientData, FeatureScaling, FederatedDataset, TaskType
from fedchain.data.datasets.handwritten_digits import PIXEL_MAX, digits
from fedchain.data.datasets.synthetic_fraud import (
    BANK_NAMES,
    DEFAULT_TRANSACTIONS_PER_BANK,
    FEATURE_NAMES,
    FRAUD_RATE_RANGE,
    MIN_TRANSACTIONS_PER_BANK,
    fraud,
)

__all__ = [
    "BANK_NAMES",
    "DEFAULT_ALPHA",
    "DEFAULT_TEST_SIZE",
    "DEFAULT_TRANSACTIONS_PER_BANK",
    "FEATURE_NAMES",
    "FRAUD_RATE_RANGE",
    "HOSPITAL_NAMES",
    "MIN_TRANSACTIONS_PER_BANK",
    "PARTITIONER_NAMES",
    "PIXEL_MAX",
    "ClientData",
    "FeatureScaling",
    "FederatedDataset",
    "TaskType",
    "digits",
    "fraud",
    "hospitals",
]
