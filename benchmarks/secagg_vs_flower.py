"""SecAgg+ side by side with Flower's SecAgg+: client time, aggregator time and bytes sent per client.

One run, the same inputs for both (``n`` clients, ``d`` float32 parameters each, the same weights), one
SecAgg+ round per system per dropout rate, interleaved over ``--repeats``. Dropouts happen after the key
sharing, before the masked vectors (the case that makes the server recover pairwise masks); the dropped set
is chosen at random among the sets that keep every secret recoverable under each system's own neighbour graph.
Model distribution, training, transport and storage are left out on both sides: only secure aggregation is
timed.

**fedchain** (``fedchain.privacy.secagg``, pure functions, no chain). Per client: ``RoundKeys.generate``
(keys); ``SecAggRound.create`` + ``create_share_bundle`` + ``encode_share_bundle`` (shares);
``decode_share_bundle`` + ``open_share_bundle`` for each neighbour, ``quantize``, ``mask_vector``,
``encode_masked_vector`` (masked vector); ``build_unmask_bundle`` + ``encode_unmask_bundle`` (unmask).
Aggregator: ``SecAggRound.create``, ``decode_share_bundle`` (all), ``decode_masked_vector`` and
``decode_unmask_bundle`` (survivors), ``require_recoverable``, ``unmask_aggregate`` (which runs
``check_share_bundle`` and ``check_unmask_bundle`` on every input) and ``dequantize``.

**Flower** (``flwr`` as installed), unmodified, driven in-process: the client side is Flower's own mod,
``flwr.client.mod.secaggplus_mod`` (its ``_setup``, ``_share_keys``, ``_collect_masked_vectors`` and
``_unmask`` stages, with its state kept in each client's ``Context``), and the server side is Flower's own
``SecAggPlusWorkflow.setup_stage``, ``share_keys_stage``, ``collect_masked_vectors_stage`` and
``unmask_stage``. The only stand-ins are the transport and the strategy: an in-process grid whose
``send_and_receive`` hands each message to the client's mod and returns the replies (a dropped client just
does not reply), and a strategy whose ``configure_fit`` sends an empty model and whose ``aggregate_fit``
only keeps the unmasked result (Flower's ``FedAvg`` would average ``n`` copies of it). The client's fit
(``call_next``) returns the prepared update and its time is subtracted. Server time is each stage's wall time
minus the time spent inside the grid (the clients). Bytes sent per client: the client's reply messages as
Flower 1.41 puts them on the wire, the sum of ``deflate()`` over the message's object tree
(``get_all_nested_objects``: message, record dict, records). Where the client time goes: fedchain's calls
are timed one by one; Flower's through the names its mod calls them by (``pseudo_rand_gen``,
``create_shares``, ``generate_shared_key``, ...), wrapped for the run by ``_timing.patch_timed``, which only
reads the clock around each call.

Matched parameters: clients ``n``; neighbours ``k`` = fedchain's default ``2 ceil(log2 n)`` (Flower's
``num_shares = k + 1``: it counts the client itself, which keeps one share); threshold ``t`` = fedchain's
default ``floor(k / 2) + 1`` for both; clip ``c``; 2**16 - 1 quantization levels over ``[-c, c]`` for both
(fedchain ``value_bits = 16``, Flower ``quantization_range = 2**16 - 2``); modulus 2**32 for both (fedchain
picks ``Z_2^32`` itself when ``n * w_max * (2**15 - 1) < 2**31``, hence ``w_max = 512`` at n = 100); the same
maximum weight. The mismatches that remain are printed with the tables.

Usage::

    .venv/bin/python benchmarks/secagg_vs_flower.py [--n 100] [--d 1000000] [--repeats 3] [--dropouts 0 0.3]
    .venv/bin/python benchmarks/secagg_vs_flower.py --quick      # n = 20, d = 100,000, 1 repeat
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import inspect
import logging
import os
import random
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from _timing import Clock, command_line, load, patch_timed, today

from fedchain.privacy.secagg import (
    QuantizationConfig,
    ReceivedShares,
    RoundContext,
    RoundKeys,
    SecAggConfig,
    SecAggRound,
    build_unmask_bundle,
    create_share_bundle,
    decode_masked_vector,
    decode_share_bundle,
    decode_unmask_bundle,
    default_degree,
    default_threshold,
    dequantize,
    encode_masked_vector,
    encode_share_bundle,
    encode_unmask_bundle,
    mask_vector,
    open_share_bundle,
    quantize,
    random_secret,
    require_recoverable,
    unmask_aggregate,
)

STAGES = ("1 keys", "2 shares", "3 masked vector", "4 unmask")
FLOWER_STAGES = {
    "setup": STAGES[0],
    "share_keys": STAGES[1],
    "collect_masked_vectors": STAGES[2],
    "unmask": STAGES[3],
}
CONTEXT = RoundContext.create(31337, "0x" + "ab" * 20, task_id=1, round_number=1)
FLOWER_CLIENT_FUNCTIONS = {  # names secaggplus_mod calls: client time by function
    "generate_key_pairs": "key generation (SECP384R1)",
    "private_key_to_bytes": "key (de)serialization (PEM)",
    "public_key_to_bytes": "key (de)serialization (PEM)",
    "bytes_to_private_key": "key (de)serialization (PEM)",
    "bytes_to_public_key": "key (de)serialization (PEM)",
    "create_shares": "create_shares (Shamir, PyCryptodome)",
    "generate_shared_key": "generate_shared_key (ECDH + HKDF)",
    "encrypt": "encrypt / decrypt (Fernet)",
    "decrypt": "encrypt / decrypt (Fernet)",
    "parameters_to_ndarrays": "fit result to arrays",
    "parameters_multiply": "quantize (weight scaling, quantize)",
    "quantize": "quantize (weight scaling, quantize)",
    "pseudo_rand_gen": "pseudo_rand_gen (numpy RandomState masks)",
    "parameters_addition": "mask arithmetic (add, subtract, mod)",
    "parameters_subtraction": "mask arithmetic (add, subtract, mod)",
    "parameters_mod": "mask arithmetic (add, subtract, mod)",
    "ndarray_to_bytes": "ndarray_to_bytes (encoding)",
}


# -- shared inputs and results -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Inputs:
    """What both systems aggregate: ``n`` float32 updates of ``d`` values and their weights."""

    n: int
    d: int
    k: int
    t: int
    clip: float
    max_weight: int
    updates: list[np.ndarray]
    weights: list[int]

    @classmethod
    def create(
        cls, n: int, d: int, clip: float, max_weight: int, params: str = "bell", seed: int = 7
    ) -> Inputs:
        """``params``: ``"bell"`` for Bell et al.'s ``k = 2 ceil(log2 n)``, ``t = k / 2 + 1`` (what Flower's
        examples use), ``"sized"`` for fedchain's defaults, sized from its default threat model."""
        rng = np.random.default_rng(seed)
        if params == "bell":
            k = default_degree(n)
            t = default_threshold(k)
        else:
            k, t = SecAggConfig().resolve(n)
        updates = [rng.normal(0.0, 0.05, d).astype(np.float32) for _ in range(n)]
        weights = [int(w) for w in rng.integers(max(1, max_weight // 10), max_weight + 1, n)]
        return cls(n, d, k, t, clip, max_weight, updates, weights)

    def expected_mean(self, survivors: Sequence[int]) -> np.ndarray:
        """The float64 weighted mean of the survivors' clipped updates: what both should approximate."""
        total = np.zeros(self.d)
        for i in survivors:
            total += np.clip(self.updates[i].astype(np.float64), -self.clip, self.clip) * self.weights[i]
        return total / sum(self.weights[i] for i in survivors)


@dataclass
class RoundResult:
    """One system's round: per-client stage times, server stage times, bytes each client sent."""

    client: defaultdict[int, dict[str, float]] = field(default_factory=lambda: defaultdict(dict))
    server: dict[str, float] = field(default_factory=dict)
    sent: defaultdict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    survivors: list[int] = field(default_factory=list)
    max_error: float = float("nan")
    functions: Clock = field(default_factory=Clock)  # client time by function, summed over the clients

    @contextlib.contextmanager
    def timed(self, client: int, stage: str) -> Iterator[None]:
        t0 = time.perf_counter()
        yield
        self.client[client][stage] = self.client[client].get(stage, 0.0) + time.perf_counter() - t0

    def survivor_seconds(self) -> list[float]:
        """Each survivor's time over the four stages."""
        return [sum(self.client[c].values()) for c in self.survivors]

    def clients_total(self) -> float:
        """Every client's time, survivors and dropouts, summed."""
        return sum(sum(stages.values()) for stages in self.client.values())


def select_dropouts(
    members: Sequence[int],
    neighbours: Mapping[int, set[int]],
    threshold: int,
    count: int,
    *,
    own_share: bool,
    rng: random.Random,
) -> set[int]:
    """``count`` members to drop, at random, such that every member keeps ``threshold`` live shares.

    ``neighbours`` exclude the member itself; ``own_share``: a live member's own share counts (Flower's
    clients keep one share of their own secrets and send it at unmasking; fedchain's do not hold one).
    """
    order = list(members)
    rng.shuffle(order)
    dropped: set[int] = set()

    def recoverable(candidate: set[int]) -> bool:
        for m in members:
            live = len(neighbours[m] - candidate) + (own_share and m not in candidate)
            if live < threshold:
                return False
        return True

    for m in order:
        if len(dropped) == count:
            break
        if recoverable(dropped | {m}):
            dropped.add(m)
    if len(dropped) < count:
        raise SystemExit(f"cannot drop {count} of {len(members)} clients and keep every secret recoverable")
    return dropped


# -- fedchain ------------------------------------------------------------------------------------------------


def fedchain_round(inputs: Inputs, dropout: float, rng: random.Random) -> RoundResult:
    """One SecAgg+ round of ``fedchain.privacy.secagg``, every client and the aggregator in turn."""
    res = RoundResult()
    n, length = inputs.n, inputs.d + 1
    members = list(range(n))
    qcfg = QuantizationConfig(clip=inputs.clip, value_bits=16, max_weight=inputs.max_weight)
    scfg = SecAggConfig(degree=inputs.k, threshold=inputs.t)  # the k and t printed, the same as Flower's
    bits = qcfg.modulus_bits(n)
    round_seed = os.urandom(32)
    noise = np.random.default_rng()
    span = res.functions.span

    keys: dict[int, RoundKeys] = {}
    for m in members:
        with res.timed(m, STAGES[0]), span("RoundKeys.generate"):
            keys[m] = RoundKeys.generate()
            public = keys[m].public
        res.sent["keys"].append(len(public.mask_pk) + len(public.enc_pk))
    advertised = {m: k.public for m, k in keys.items()}

    seeds: dict[int, bytes] = {}
    share_blobs: dict[int, bytes] = {}
    rnd: SecAggRound | None = None
    for m in members:
        with res.timed(m, STAGES[1]):
            with span("SecAggRound.create (checks all 2n keys)"):
                rnd = SecAggRound.create(CONTEXT, round_seed, advertised, scfg)  # each client derives it
            with span("create_share_bundle + encode"):
                seeds[m] = random_secret()
                share_blobs[m] = encode_share_bundle(create_share_bundle(rnd, m, keys[m], seeds[m]))
        res.sent["share bundle"].append(len(share_blobs[m]))
    assert rnd is not None and (rnd.graph.degree, rnd.threshold) == (inputs.k, inputs.t)

    graph = {m: set(rnd.neighbours(m)) for m in members}
    dropped = select_dropouts(members, graph, rnd.threshold, round(dropout * n), own_share=False, rng=rng)
    res.survivors = [m for m in members if m not in dropped]

    received: dict[int, list[ReceivedShares]] = {}
    masked_blobs: dict[int, bytes] = {}
    for m in res.survivors:
        with res.timed(m, STAGES[2]):
            with span("decode + open_share_bundle (k bundles)"):
                received[m] = [
                    open_share_bundle(rnd, m, keys[m], decode_share_bundle(share_blobs[v]))
                    for v in rnd.neighbours(m)
                ]
            with span("quantize"):
                x = quantize(inputs.updates[m], inputs.weights[m], noise, n_members=n, config=qcfg)
            with span("mask_vector (k X25519, k + 1 AES-CTR masks)"):
                masked = mask_vector(rnd, m, keys[m], seeds[m], x, shared=members)
            with span("encode_masked_vector"):
                masked_blobs[m] = encode_masked_vector(rnd.context, m, masked)
        res.sent["masked vector"].append(len(masked_blobs[m]))

    unmask_blobs: dict[int, bytes] = {}
    for m in res.survivors:
        with res.timed(m, STAGES[3]), span("build_unmask_bundle + encode"):
            bundle = build_unmask_bundle(rnd, m, received[m], survivors=res.survivors)
            unmask_blobs[m] = encode_unmask_bundle(bundle)
        res.sent["unmask bundle"].append(len(unmask_blobs[m]))

    t0 = time.perf_counter()
    server_rnd = SecAggRound.create(CONTEXT, round_seed, advertised, scfg)
    bundles = {m: decode_share_bundle(blob) for m, blob in share_blobs.items()}
    vectors = {
        m: decode_masked_vector(blob, CONTEXT, m, length=length, bits=bits)
        for m, blob in masked_blobs.items()
    }
    unmasks = {m: decode_unmask_bundle(blob) for m, blob in unmask_blobs.items()}
    require_recoverable(server_rnd, set(bundles), set(vectors), set(unmasks))
    total = unmask_aggregate(
        server_rnd, bundles, vectors, unmasks, survivors=res.survivors, length=length, bits=bits
    ).total
    mean, weight = dequantize(total, qcfg)
    res.server["unmask and aggregate"] = time.perf_counter() - t0

    assert weight == sum(inputs.weights[m] for m in res.survivors)
    res.max_error = float(np.abs(mean - inputs.expected_mean(res.survivors)).max())
    return res


# -- Flower --------------------------------------------------------------------------------------------------


def _flower_quiet() -> None:
    from flwr.supercore.task_identity import TaskIdentity

    # What flwr.simulation.run_simulation does for its in-process server: a dummy task identity.
    TaskIdentity.task_id, TaskIdentity.run_id, TaskIdentity.node_id = 1, 1, 0
    logging.getLogger("flwr").setLevel(logging.WARNING)


def _message_bytes(message: Any) -> int:
    """Bytes of a Flower message as 1.41 transports it: every object of its tree, deflated."""
    from flwr.supercore.inflatable.inflatable_object import get_all_nested_objects

    return sum(len(obj.deflate()) for obj in get_all_nested_objects(message).values())


class _FlowerClient:
    """One Flower client: its ``Context`` (where ``secaggplus_mod`` keeps its state) and its fit result."""

    def __init__(self, node_id: int, update: np.ndarray, weight: int) -> None:
        from flwr.app import Context, RecordDict

        self.context = Context(run_id=1, node_id=node_id, node_config={}, state=RecordDict(), run_config={})
        self.update, self.weight = update, weight
        self.fit_seconds = 0.0

    def fit(self, message: Any, context: Any) -> Any:
        """``call_next`` of the mod: the ClientApp's reply to a train message (timed, then subtracted)."""
        from flwr.app import Message
        from flwr.common import Code, FitRes, Status, ndarrays_to_parameters
        from flwr.compat.common.recorddict_compat import fitres_to_recorddict

        t0 = time.perf_counter()
        fitres = FitRes(Status(Code.OK, ""), ndarrays_to_parameters([self.update]), self.weight, {})
        reply = Message(fitres_to_recorddict(fitres, keep_input=True), reply_to=message)
        self.fit_seconds += time.perf_counter() - t0
        return reply


class _InProcessGrid:
    """Flower's ``Grid`` without a network: a copy of each message goes to its client's ``secaggplus_mod``.

    The workflow sends one shared record to every client and the mod pops the stage from it, so each client
    gets a deep copy, as over a network; copying and byte counting are timed to neither side.
    """

    def __init__(self, clients: dict[int, _FlowerClient], result: RoundResult, count_bytes: bool) -> None:
        self.clients, self.result, self.count_bytes = clients, result, count_bytes
        self.stage = ""
        self.silent: set[int] = set()
        self.seconds = 0.0

    def send_and_receive(self, messages: Any, *, timeout: float | None = None) -> list[Any]:
        from flwr.client.mod import secaggplus_mod

        t0 = time.perf_counter()
        replies = []
        for message in messages:
            nid = message.metadata.dst_node_id
            if nid in self.silent:
                continue  # dropped out: no reply
            client = self.clients[nid]
            client.fit_seconds = 0.0
            received = copy.deepcopy(message)  # a client gets its own copy (the mod pops from its configs)
            c0 = time.perf_counter()
            reply = secaggplus_mod(received, client.context, client.fit)
            seconds = time.perf_counter() - c0 - client.fit_seconds
            self.result.client[nid][FLOWER_STAGES[self.stage]] = seconds
            if self.count_bytes:
                self.result.sent[self.stage].append(_message_bytes(reply))
            replies.append(reply)
        self.seconds += time.perf_counter() - t0
        return replies


class _KeepResult:
    """The strategy's two calls the workflow makes: fit instructions out, the unmasked result in."""

    def __init__(self, node_ids: Sequence[int]) -> None:
        from types import SimpleNamespace

        self.proxies = [SimpleNamespace(node_id=nid) for nid in node_ids]
        self.parameters: Any = None

    def configure_fit(self, server_round: int, parameters: Any, client_manager: Any) -> list[Any]:
        from flwr.common import FitIns, Parameters

        empty = Parameters(tensors=[], tensor_type="numpy.ndarray")  # model distribution is not timed
        return [(proxy, FitIns(empty, {})) for proxy in self.proxies]

    def aggregate_fit(self, server_round: int, results: Any, failures: Any) -> tuple[None, dict[str, Any]]:
        self.parameters = results[0][1].parameters  # the unmasked weighted mean, as every result carries it
        return None, {}


def flower_workflow(inputs: Inputs) -> Any:
    from flwr.server.workflow import SecAggPlusWorkflow

    return SecAggPlusWorkflow(
        num_shares=inputs.k + 1,  # Flower counts the client itself among its share holders
        reconstruction_threshold=inputs.t,
        max_weight=float(inputs.max_weight),
        clipping_range=inputs.clip,
        quantization_range=2**16 - 2,  # 2**16 - 1 levels over [-c, c], as fedchain's 16-bit values
        modulus_range=2**32,
    )


def flower_round(inputs: Inputs, dropout: float, rng: random.Random, count_bytes: bool) -> RoundResult:
    """One round of Flower's SecAgg+ workflow and mod, in process (see the module docstring)."""
    from flwr.app import ArrayRecord, ConfigRecord, Context, RecordDict
    from flwr.common import parameters_to_ndarrays
    from flwr.server.compat.legacy_context import LegacyContext
    from flwr.server.workflow.constant import MAIN_CONFIGS_RECORD, MAIN_PARAMS_RECORD
    from flwr.server.workflow.secure_aggregation.secaggplus_workflow import WorkflowState

    res = RoundResult()
    node_ids = [rng.getrandbits(63) for _ in range(inputs.n)]
    member_of = {nid: i for i, nid in enumerate(node_ids)}
    clients = {
        nid: _FlowerClient(nid, inputs.updates[i], inputs.weights[i]) for i, nid in enumerate(node_ids)
    }
    grid = _InProcessGrid(clients, res, count_bytes)
    strategy = _KeepResult(node_ids)
    context = LegacyContext(
        Context(run_id=1, node_id=0, node_config={}, state=RecordDict(), run_config={}), strategy=strategy
    )  # type: ignore[arg-type]
    context.state.config_records[MAIN_CONFIGS_RECORD] = ConfigRecord({"current_round": 1})
    context.state.array_records[MAIN_PARAMS_RECORD] = ArrayRecord()
    workflow, state = flower_workflow(inputs), WorkflowState()
    random.seed(rng.getrandbits(64))  # the workflow shuffles the clients with the global `random`
    stages: list[tuple[str, Callable[..., bool]]] = [
        ("setup", workflow.setup_stage),
        ("share_keys", workflow.share_keys_stage),
        ("collect_masked_vectors", workflow.collect_masked_vectors_stage),
        ("unmask", workflow.unmask_stage),
    ]
    with contextlib.ExitStack() as patches:
        for function, bucket in FLOWER_CLIENT_FUNCTIONS.items():  # only reads the clock around each call
            patches.enter_context(patch_timed(flower_mod_module(), function, res.functions, bucket))
        for name, stage in stages:
            grid.stage, grid.seconds = name, 0.0
            t0 = time.perf_counter()
            if not stage(grid, context, state):
                raise RuntimeError(f"Flower's SecAgg+ workflow halted in its {name} stage")
            res.server[name] = time.perf_counter() - t0 - grid.seconds
            if name == "share_keys":  # from now on the dropouts are silent
                graph = {nid: set(state.nid_to_neighbours[nid]) - {nid} for nid in node_ids}
                assert all(len(g) == inputs.k for g in graph.values())
                count = round(dropout * inputs.n)
                grid.silent = select_dropouts(node_ids, graph, inputs.t, count, own_share=True, rng=rng)
    res.survivors = [nid for nid in node_ids if nid not in grid.silent]
    mean = parameters_to_ndarrays(strategy.parameters)[0]
    res.max_error = float(np.abs(mean - inputs.expected_mean([member_of[s] for s in res.survivors])).max())
    return res


def flower_mod_module() -> Any:
    """The module of ``secaggplus_mod``, whose global names its stages call."""
    return sys.modules[_flower_mod().__module__]


def _flower_mod() -> Any:
    from flwr.client.mod import secaggplus_mod

    return secaggplus_mod


def flower_prg_lines() -> list[str]:
    """Where Flower's mask generator folds its seed to 32 bits and seeds ``numpy.random`` (file:line)."""
    from flwr.common.secure_aggregation import secaggplus_utils

    lines, start = inspect.getsourcelines(secaggplus_utils.pseudo_rand_gen)
    path = os.path.relpath(inspect.getsourcefile(secaggplus_utils) or "?")
    return [
        f"`{path}:{start + i}`: `{line.strip()}`"
        for i, line in enumerate(lines)
        if "seed32 ^=" in line or "RandomState(seed32)" in line
    ]


# -- report --------------------------------------------------------------------------------------------------


def _median(values: Sequence[float]) -> float:
    return float(statistics.median(values)) if values else float("nan")


@dataclass
class Summary:
    """Medians over the repeats of one system at one dropout rate."""

    per_client: float  # median survivor's time, seconds
    clients: float  # all clients summed
    server: float
    total: float  # all clients + aggregator: the work of the round
    latency: float  # median survivor + aggregator: the round with clients in parallel, no network
    stages: dict[str, float]  # median survivor's time per stage
    server_stages: dict[str, float]
    max_error: float
    survivors: int
    sent: int  # bytes one survivor sends over the round (first repeat)

    @classmethod
    def of(cls, runs: Sequence[RoundResult]) -> Summary:
        stages = {
            s: _median([_median([r.client[c].get(s, 0.0) for c in r.survivors]) for r in runs])
            for s in STAGES
        }
        names = list(runs[0].server)
        return cls(
            per_client=_median([_median(r.survivor_seconds()) for r in runs]),
            clients=_median([r.clients_total() for r in runs]),
            server=_median([sum(r.server.values()) for r in runs]),
            total=_median([r.clients_total() + sum(r.server.values()) for r in runs]),
            latency=_median([_median(r.survivor_seconds()) + sum(r.server.values()) for r in runs]),
            stages=stages,
            server_stages={s: _median([r.server[s] for r in runs]) for s in names},
            max_error=max(r.max_error for r in runs),
            survivors=len(runs[0].survivors),
            sent=_sent_per_survivor(runs[0]),
        )


def _bytes(values: Sequence[int]) -> str:
    lo, hi = min(values), max(values)
    return f"{lo:,}" if lo == hi else f"{lo:,}-{hi:,}"


def report(
    inputs: Inputs,
    dropouts: Sequence[float],
    runs: dict[tuple[str, float], list[RoundResult]],
    seconds: float,
    params: str,
) -> None:
    qcfg = QuantizationConfig(clip=inputs.clip, value_bits=16, max_weight=inputs.max_weight)
    bits = qcfg.modulus_bits(inputs.n)
    repeats = len(runs["fedchain", dropouts[0]])
    print(f"# SecAgg+: fedchain vs Flower {_flower_version()}, n = {inputs.n}, d = {inputs.d:,}\n")
    print(f"Command: `{command_line()}`  ")
    print(f"Date: {today()}; {os.cpu_count()} cores; load averages {load()}; wall time {seconds:.0f} s.  ")
    print(
        f"Every round ran in full with all {inputs.n} clients (nothing extrapolated); medians over "
        f"{repeats} repeat(s), systems interleaved.\n"
    )

    print("## Time per round and bytes per client\n")
    print(
        "| dropout | system | survivors | client, median survivor (ms) | all clients (s) | aggregator (s) "
        "| total: all clients + aggregator (s) | median client + aggregator (s) | bytes sent per survivor "
        "| max abs error vs float mean |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    ratios: list[str] = []
    for dropout in dropouts:
        sums = {}
        for system in ("fedchain", "Flower"):
            s = sums[system] = Summary.of(runs[system, dropout])
            sent = s.sent
            print(
                f"| {dropout:.0%} | {system} | {s.survivors} | {s.per_client * 1e3:,.1f} | {s.clients:,.2f} "
                f"| {s.server:,.2f} | {s.total:,.2f} | {s.latency:,.2f} | {sent:,} | {s.max_error:.2e} |"
            )
        f, w = sums["fedchain"], sums["Flower"]
        pairs = list(zip(runs["fedchain", dropout], runs["Flower", dropout], strict=True))
        work = [_work(a) / _work(b) for a, b in pairs]
        latency = [_latency(a) / _latency(b) for a, b in pairs]
        ratios.append(
            f"| {dropout:.0%} | {f.per_client / w.per_client:.3f} | {f.clients / w.clients:.3f} "
            f"| {f.server / w.server:.3f} | **{f.total / w.total:.3f}** ({_verdict(f.total, w.total)}) "
            f"| {_spread(work)} | **{f.latency / w.latency:.3f}** ({_verdict(f.latency, w.latency)}) "
            f"| {_spread(latency)} | {f.sent / w.sent:.3f} |"
        )
    print("\n## fedchain / Flower (target: fedchain total time at most 1/3 of Flower's, a ratio <= 0.333)\n")
    print(
        "Ratios of the medians, and the per-repeat ratios (each repeat runs the two systems back to back, so "
        "a change in machine load hits both of a pair alike).\n"
    )
    print(
        "| dropout | client (median survivor) | all clients | aggregator | total: all clients + aggregator "
        "| total, per repeat | median client + aggregator | same, per repeat | bytes per survivor |"
    )
    print("|---:|---:|---:|---:|---:|---|---:|---|---:|")
    print("\n".join(ratios))

    print("\n## Client time by stage, median survivor (ms)\n")
    print("| dropout | stage | fedchain | Flower | fedchain / Flower |")
    print("|---:|---|---:|---:|---:|")
    for dropout in dropouts:
        f, w = Summary.of(runs["fedchain", dropout]), Summary.of(runs["Flower", dropout])
        for stage in STAGES:
            a, b = f.stages[stage] * 1e3, w.stages[stage] * 1e3
            print(f"| {dropout:.0%} | {stage} | {a:,.2f} | {b:,.2f} | {a / b:.3f} |")

    print("\n## Where the client time goes (seconds summed over all clients, median over the repeats)\n")
    print("| dropout | system | function | seconds | share of client time |")
    print("|---:|---|---|---:|---:|")
    for dropout in dropouts:
        for system in ("fedchain", "Flower"):
            cell = runs[system, dropout]
            clients = _median([r.clients_total() for r in cell])
            buckets = {b: _median([r.functions.seconds.get(b, 0.0) for r in cell]) for b in _buckets(cell)}
            rest = _median([r.clients_total() - sum(r.functions.seconds.values()) for r in cell])
            rows = [
                *sorted(buckets.items(), key=lambda kv: -kv[1]),
                ("other (not in a function above)", rest),
            ]
            for bucket, value in rows:
                print(f"| {dropout:.0%} | {system} | {bucket} | {value:,.3f} | {value / clients:.1%} |")

    print("\n## Aggregator time by stage (s)\n")
    print("| dropout | system | stage | median s |")
    print("|---:|---|---|---:|")
    for dropout in dropouts:
        for system in ("fedchain", "Flower"):
            for stage, value in Summary.of(runs[system, dropout]).server_stages.items():
                print(f"| {dropout:.0%} | {system} | {stage} | {value:,.3f} |")

    print(f"\n## Bytes sent per client, by message (first repeat, dropout {dropouts[0]:.0%})\n")
    print("| system | message | bytes (min-max over clients) |")
    print("|---|---|---:|")
    first = dropouts[0]
    for system in ("fedchain", "Flower"):
        for message, values in runs[system, first][0].sent.items():
            print(f"| {system} | {message} | {_bytes(values)} |")

    k, t = inputs.k, inputs.t
    print("\n## What is compared\n")
    print(
        f"* Neighbours: k = {k} (`--params {params}`); Flower `num_shares = {k + 1}`, which "
        "counts the client itself (it keeps one share of its own secrets): the same "
        f"{k} other share holders. Ring graphs in both (fedchain seeded by the round seed, Flower by "
        "`random.shuffle`)."
    )
    print(
        f"* Threshold: t = {t} for both. Mismatch: a live Flower client's own share counts towards t "
        f"(it sends it at unmasking), so a Flower survivor needs {t - 1} live neighbours, a fedchain "
        f"survivor {t}. Either way {t - 1} colluding neighbours learn nothing."
    )
    print(
        f"* Quantization: clip c = {inputs.clip} and 2**16 - 1 levels over [-c, c] for both (fedchain "
        "`value_bits = 16`; Flower `quantization_range = 2**16 - 2`). Mismatch: fedchain multiplies the "
        "integer level by the integer weight w <= w_max; Flower scales the float update by w / w_max "
        "before quantizing (a client of weight w uses only w / w_max of the levels) and sends "
        "round(w / w_max * 65534) as its weight word. Stochastic rounding in both."
    )
    print(
        f"* Modulus: 2**{bits} for both (w_max = {inputs.max_weight}: fedchain picks Z_2^32 because "
        f"n * w_max * (2**15 - 1) < 2**31). Mismatch: Flower's masked words travel as int64 (8 bytes), "
        "fedchain's as uint32 (4 bytes); fedchain's default w_max = 1024 would need Z_2^64 at this n."
    )
    print(
        "* Mask generator. fedchain: AES-256-CTR keyed by HKDF-derived 256-bit seeds "
        "(`fedchain/privacy/secagg/prg.py`). Flower: `numpy.random.RandomState` seeded with the 32-byte "
        "seed XOR-folded to 32 bits, so each mask is one of at most 2**32 sequences: "
        + "; ".join(flower_prg_lines())
        + ". Its `randint(0, num_range - 1)` also never draws 2**32 - 1."
    )
    print(
        "* Key agreement and share encryption. fedchain: X25519, HKDF, ChaCha20-Poly1305, Shamir over "
        "secp256k1's scalar field with Feldman commitments (every received share is verified against its "
        "dealer's polynomial, and so is every revealed share, by the aggregator). Flower: ECDH on "
        "SECP384R1 (PEM-encoded keys), Fernet (AES-128-CBC + HMAC), PyCryptodome's Shamir over "
        "GF(2**128) per 16-byte chunk."
    )
    print(
        "* Not timed, both sides: model distribution, training, transport, storage, and (fedchain) the "
        "chain. fedchain bytes are the blobs a member publishes (two 32-byte keys, share bundle, masked "
        "vector, unmask bundle; their hashes also go on-chain in calldata, see `secagg_gas.py`); Flower "
        "bytes are its reply messages' deflated object trees (gRPC framing not included)."
    )
    print(
        "* Dropouts: chosen at random after the key sharing, among the sets that leave every secret "
        "recoverable in each system's own graph; they never send a masked vector or an unmask message. "
        "Flower's server then rebuilds every dropped client's pairwise masks with all of its neighbours, "
        "dropped ones included (their masks cancel); fedchain's only with surviving neighbours."
    )


def _work(run: RoundResult) -> float:
    return run.clients_total() + sum(run.server.values())


def _latency(run: RoundResult) -> float:
    return _median(run.survivor_seconds()) + sum(run.server.values())


def _spread(ratios: Sequence[float]) -> str:
    met = sum(r <= 1 / 3 for r in ratios)
    return f"{min(ratios):.3f}-{max(ratios):.3f} ({met} of {len(ratios)} <= 0.333)"


def _verdict(fedchain: float, flower: float) -> str:
    return "met" if fedchain <= flower / 3 else "not met"


def _buckets(runs: Sequence[RoundResult]) -> list[str]:
    return list(dict.fromkeys(b for r in runs for b in r.functions.seconds))


def _sent_per_survivor(run: RoundResult) -> int:
    """Bytes one survivor sends over the whole round (each message's median over the clients)."""
    return sum(int(statistics.median(values)) for values in run.sent.values())


def _flower_version() -> str:
    import flwr

    return str(flwr.__version__)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="n = 20, d = 100,000, 1 repeat")
    parser.add_argument("--n", type=int, default=None, help="clients (default 100; 20 with --quick)")
    parser.add_argument("--d", type=int, default=None, help="parameters (default 1,000,000; 100,000 quick)")
    parser.add_argument("--repeats", type=int, default=None, help="rounds per cell (default 3; 1 quick)")
    parser.add_argument("--dropouts", type=float, nargs="+", default=[0.0, 0.3])
    parser.add_argument("--clip", type=float, default=4.0)
    parser.add_argument("--max-weight", type=int, default=512)
    parser.add_argument(
        "--params",
        choices=("bell", "sized"),
        default="bell",
        help="k and t: Bell et al.'s log-degree defaults (default), or fedchain's, sized by its threat model",
    )
    args = parser.parse_args()
    n = args.n or (20 if args.quick else 100)
    d = args.d or (100_000 if args.quick else 1_000_000)
    repeats = args.repeats or (1 if args.quick else 3)

    _flower_quiet()
    inputs = Inputs.create(n, d, args.clip, args.max_weight, args.params)
    rng = random.Random(2024)
    runs: dict[tuple[str, float], list[RoundResult]] = defaultdict(list)
    t0 = time.perf_counter()
    # imports, first calls: not timed
    warm = Inputs.create(min(n, 10), 1000, args.clip, args.max_weight, args.params)
    fedchain_round(warm, 0.0, rng)
    flower_round(warm, 0.0, rng, count_bytes=False)
    for repeat in range(repeats):
        for dropout in args.dropouts:
            order = ("fedchain", "Flower") if repeat % 2 == 0 else ("Flower", "fedchain")
            for system in order:
                s0 = time.perf_counter()
                if system == "fedchain":
                    run = fedchain_round(inputs, dropout, rng)
                else:
                    run = flower_round(inputs, dropout, rng, count_bytes=repeat == 0)
                runs[system, dropout].append(run)
                print(
                    f"repeat {repeat + 1}/{repeats}, dropout {dropout:.0%}, {system}: "
                    f"{time.perf_counter() - s0:.1f} s",
                    file=sys.stderr,
                )
    report(inputs, args.dropouts, runs, time.perf_counter() - t0, args.params)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
