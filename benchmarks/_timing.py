"""Shared helpers of the benchmarks: a bucketed wall clock, timing wrappers put around fedchain's parts from
outside, and a Flower FedAvg baseline run by Flower's own simulation.

Nothing here changes what it wraps: every wrapper calls the original and only reads the clock around it.

* :class:`Clock` attributes wall time to named buckets **exclusively**: when a timed call happens inside
  another (an RPC inside a transaction), the inner one's time goes to its own bucket and is taken out of the
  outer one, so the buckets never double count. A span opened with ``absorb=True`` keeps everything nested in
  it (the RPCs of a time advance are waiting, not chain reads). Single-threaded use only.
* :class:`TimedClient`, :class:`TimedDirectoryStore`, :class:`TimedTransactor`, :func:`timing_middleware`,
  :func:`timed_strategy` and :func:`patch_timed` put the clock around a client's ``fit``/``evaluate``, the
  blob store's ``put``/``get``, transactions and views, every JSON-RPC request, ``Strategy.aggregate`` and
  module functions the nodes call by name (the codec, the contribution scores).
* :func:`run_flower` runs fedchain clients, wrapped as Flower ``NumPyClient``\\ s, under Flower's own FedAvg
  (``flwr.server.strategy.FedAvg``) in Flower's simulation (``flwr.simulation.run_simulation``, Ray backend),
  and reports per-round accuracy, loss and wall time.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import logging
import os
import shlex
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from web3.middleware.base import Web3Middleware

from fedchain.chain import Transactor
from fedchain.fl.strategies import Strategy
from fedchain.storage import LocalDirectoryStore

# -- report helpers ----------------------------------------------------------------------------------------


def command_line() -> str:
    """The exact command that is running, with the interpreter relative to the working directory."""
    python = os.path.relpath(sys.executable)
    if python.startswith(".."):
        python = sys.executable
    return shlex.join([python, *sys.argv])


def today() -> str:
    """The date and time of the run, UTC."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def load() -> str:
    """The machine's load averages (1, 5, 15 minutes): other work running alongside skews wall times."""
    try:
        return "/".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover - not on every platform
        return "unknown"


def median(values: Sequence[float]) -> float:
    """The median, NaN for no values."""
    return float(statistics.median(values)) if values else float("nan")


# -- the clock ---------------------------------------------------------------------------------------------


class Clock:
    """Wall time per bucket, attributed exclusively to the innermost running span (see the module doc)."""

    def __init__(self) -> None:
        self.seconds: defaultdict[str, float] = defaultdict(float)
        self.calls: defaultdict[str, int] = defaultdict(int)
        self._stack: list[tuple[str, bool]] = []
        self._mark = 0.0

    @contextlib.contextmanager
    def span(self, bucket: str, *, absorb: bool = False) -> Iterator[None]:
        """Charge the time spent inside to ``bucket`` (to the enclosing bucket if that one absorbs)."""
        now = time.perf_counter()
        if self._stack:
            outer, outer_absorbs = self._stack[-1]
            self.seconds[outer] += now - self._mark
            if outer_absorbs:
                bucket, absorb = outer, True
            else:
                self.calls[bucket] += 1
        else:
            self.calls[bucket] += 1
        self._stack.append((bucket, absorb))
        self._mark = now
        try:
            yield
        finally:
            end = time.perf_counter()
            self.seconds[bucket] += end - self._mark
            self._stack.pop()
            self._mark = end

    def snapshot(self) -> dict[str, float]:
        """The totals so far (call between spans)."""
        return dict(self.seconds)

    def since(self, snapshot: dict[str, float]) -> dict[str, float]:
        """Seconds per bucket since ``snapshot``."""
        return {k: v - snapshot.get(k, 0.0) for k, v in self.seconds.items()}

    def wrap(self, fn: Callable[..., Any], bucket: str, *, absorb: bool = False) -> Callable[..., Any]:
        """``fn`` with every call timed into ``bucket``."""

        @functools.wraps(fn)
        def timed(*args: Any, **kwargs: Any) -> Any:
            with self.span(bucket, absorb=absorb):
                return fn(*args, **kwargs)

        return timed


# -- wrappers ----------------------------------------------------------------------------------------------


class TimedClient:
    """A fedchain client (NumPyClient protocol) with ``fit`` and ``evaluate`` timed; the rest delegates."""

    def __init__(self, client: Any, clock: Clock, *, fit: str = "fit", evaluate: str = "evaluate") -> None:
        self.inner, self._clock, self._fit, self._evaluate = client, clock, fit, evaluate

    def get_parameters(self, config: Any) -> Any:
        return self.inner.get_parameters(config)

    def fit(self, parameters: Any, config: Any) -> Any:
        with self._clock.span(self._fit):
            return self.inner.fit(parameters, config)

    def evaluate(self, parameters: Any, config: Any) -> Any:
        with self._clock.span(self._evaluate):
            return self.inner.evaluate(parameters, config)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class TimedDirectoryStore(LocalDirectoryStore):
    """The demo's blob store with its public reads and writes timed (size and sha256 checks included)."""

    def __init__(self, root: str | os.PathLike[str], clock: Clock, bucket: str = "blob_io") -> None:
        super().__init__(root)
        self._clock, self._bucket = clock, bucket

    def put(self, data: bytes) -> Any:
        with self._clock.span(self._bucket):
            return super().put(data)

    def get(self, ref: Any) -> bytes:
        with self._clock.span(self._bucket):
            return super().get(ref)

    def get_by_locator(self, locator: str, sha256: bytes, size: int | None = None) -> bytes:
        with self._clock.span(self._bucket):
            return super().get_by_locator(locator, sha256, size)

    def exists(self, ref: Any) -> bool:
        with self._clock.span(self._bucket):
            return super().exists(ref)


class TimedTransactor(Transactor):
    """A :class:`~fedchain.chain.Transactor` whose transactions (gas estimate, nonce, fees, local signing,
    sending, waiting for the receipt) and view calls are timed; the RPCs inside them stay in their bucket."""

    def __init__(self, *args: Any, clock: Clock, tx: str = "chain_tx", read: str = "chain_read", **kw: Any):
        super().__init__(*args, **kw)
        self._clock, self._tx, self._read = clock, tx, read

    def transact(self, *args: Any, **kwargs: Any) -> Any:
        with self._clock.span(self._tx, absorb=True):
            return super().transact(*args, **kwargs)

    def deploy(self, *args: Any, **kwargs: Any) -> Any:
        with self._clock.span(self._tx, absorb=True):
            return super().deploy(*args, **kwargs)

    def send_value(self, *args: Any, **kwargs: Any) -> Any:
        with self._clock.span(self._tx, absorb=True):
            return super().send_value(*args, **kwargs)

    def call(self, *args: Any, **kwargs: Any) -> Any:
        with self._clock.span(self._read, absorb=True):
            return super().call(*args, **kwargs)


def timing_middleware(
    clock: Clock, bucket: str = "chain_read", *, methods: Clock | None = None
) -> type[Web3Middleware]:
    """A web3 middleware class timing every JSON-RPC request into ``bucket`` (unless an enclosing span
    absorbs it): the chain reads nodes make directly (blocks, logs) and the polling of idle sweeps.

    ``methods``, when given, also gets every request's time and count under the method's name (exclusive
    among requests: web3 asks ``eth_chainId`` from inside other requests).
    """

    class _Timing(Web3Middleware):
        def wrap_make_request(self, make_request: Any) -> Any:
            def middleware(method: Any, params: Any) -> Any:
                with clock.span(bucket), methods.span(str(method)) if methods else contextlib.nullcontext():
                    return make_request(method, params)

            return middleware

    return _Timing


def timed_strategy(
    factory: Callable[[], Strategy], clock: Clock, bucket: str = "aggregate"
) -> Callable[[], Strategy]:
    """A factory of the strategies ``factory`` builds (same hyper-parameters) with ``aggregate`` timed.

    Each strategy becomes an instance of a subclass of its own class that only adds the timing; the clock
    lives in that class's closure, not on the instance, so the aggregator's deep copies share it.
    """
    base = type(factory())

    class Timed(base):  # type: ignore[valid-type, misc]
        def aggregate(self, *args: Any, **kwargs: Any) -> Any:
            with clock.span(bucket):
                return super().aggregate(*args, **kwargs)

    Timed.__name__ = Timed.__qualname__ = base.__name__

    def build() -> Strategy:
        strategy = factory()
        strategy.__class__ = Timed
        return strategy

    return build


@contextlib.contextmanager
def patch_timed(owner: Any, name: str, clock: Clock, bucket: str) -> Iterator[None]:
    """Replace ``owner.name`` (e.g. ``fedchain.codec.encode``) by a timed version for the duration.

    Raises ``AttributeError`` if there is no such attribute (the benchmark no longer matches the code).
    """
    original = getattr(owner, name)
    setattr(owner, name, clock.wrap(original, bucket))
    try:
        yield
    finally:
        setattr(owner, name, original)


# -- Flower baseline ---------------------------------------------------------------------------------------


@dataclass
class FlowerRun:
    """Per-round results of a Flower simulation (round 0 is the initial model, evaluated only)."""

    accuracy: dict[int, float] = field(default_factory=dict)
    loss: dict[int, float] = field(default_factory=dict)
    round_seconds: dict[int, float] = field(default_factory=dict)
    """From ``configure_fit`` of the round to the end of its server-side evaluation."""
    fit_seconds: dict[int, float] = field(default_factory=dict)
    """The clients' ``fit`` calls of the round, summed (measured inside the clients)."""
    aggregate_seconds: dict[int, float] = field(default_factory=dict)
    evaluate_seconds: dict[int, float] = field(default_factory=dict)
    seconds: float = 0.0
    """The whole simulation, Ray start and stop included."""


def _as_flower_client(clients: Sequence[Any], context: Any) -> Any:
    """Flower's ``client_fn``: the fedchain client of this supernode, as a Flower ``NumPyClient``.

    Runs inside Flower's Ray workers (this module is importable there: Flower passes ``sys.path`` on).
    """
    from flwr.client import NumPyClient

    class FedchainAsFlower(NumPyClient):  # type: ignore[misc]
        def __init__(self, client: Any) -> None:
            self.client = client

        def get_parameters(self, config: Any) -> Any:
            return self.client.get_parameters(dict(config))

        def fit(self, parameters: Any, config: Any) -> Any:
            t0 = time.perf_counter()
            params, n, metrics = self.client.fit(parameters, dict(config))
            return params, n, {**metrics, "fit_seconds": time.perf_counter() - t0}

        def evaluate(self, parameters: Any, config: Any) -> Any:
            loss, n, metrics = self.client.evaluate(parameters, dict(config))
            return float(loss), n, metrics

    return FedchainAsFlower(clients[int(context.node_config["partition-id"])]).to_client()


def flower_available() -> bool:
    try:
        import flwr  # noqa: F401
        import ray  # noqa: F401
    except ImportError:
        return False
    return True


def run_flower(
    clients: Sequence[Any],
    judge: Any,
    *,
    rounds: int,
    local_epochs: int,
    initial: Sequence[np.ndarray],
    backend_config: dict[str, Any] | None = None,
) -> FlowerRun:
    """Flower's FedAvg over ``clients`` for ``rounds`` rounds in Flower's simulation; evaluated by ``judge``.

    Every client trains every round (``fraction_fit=1``) from ``initial``, with ``fit`` config
    ``{"server_round": r, "local_epochs": local_epochs}`` (what fedchain's participants pass); each new
    global model is evaluated server-side by ``judge.evaluate`` (``evaluate_fn``), as fedchain's aggregator
    does, and there is no federated evaluation.
    """
    from flwr.clientapp import ClientApp
    from flwr.common import ndarrays_to_parameters
    from flwr.server import ServerAppComponents, ServerConfig
    from flwr.server.strategy import FedAvg
    from flwr.serverapp import ServerApp
    from flwr.simulation import run_simulation

    run = FlowerRun()
    started: dict[int, float] = {}
    n = len(clients)

    def evaluate_fn(server_round: int, parameters: Any, config: Any) -> tuple[float, dict[str, Any]]:
        t0 = time.perf_counter()
        loss, _, metrics = judge.evaluate(parameters, {})
        end = time.perf_counter()
        run.evaluate_seconds[server_round] = end - t0
        run.accuracy[server_round], run.loss[server_round] = float(metrics["accuracy"]), float(loss)
        if server_round in started:
            run.round_seconds[server_round] = end - started[server_round]
        return float(loss), {"accuracy": float(metrics["accuracy"])}

    class TimedFedAvg(FedAvg):  # type: ignore[misc]
        def configure_fit(self, server_round: int, parameters: Any, client_manager: Any) -> Any:
            started[server_round] = time.perf_counter()
            return super().configure_fit(server_round, parameters, client_manager)

        def aggregate_fit(self, server_round: int, results: Any, failures: Any) -> Any:
            if failures:
                raise RuntimeError(
                    f"Flower round {server_round}: {len(failures)} client(s) failed: {failures}"
                )
            run.fit_seconds[server_round] = sum(float(res.metrics["fit_seconds"]) for _, res in results)
            t0 = time.perf_counter()
            out = super().aggregate_fit(server_round, results, failures)
            run.aggregate_seconds[server_round] = time.perf_counter() - t0
            return out

    def server_fn(context: Any) -> Any:
        strategy = TimedFedAvg(
            fraction_fit=1.0, fraction_evaluate=0.0, min_fit_clients=n, min_evaluate_clients=0,
            min_available_clients=n, evaluate_fn=evaluate_fn,
            initial_parameters=ndarrays_to_parameters(initial),
            on_fit_config_fn=lambda r: {"server_round": r, "local_epochs": local_epochs},
        )  # fmt: skip
        return ServerAppComponents(strategy=strategy, config=ServerConfig(num_rounds=rounds))

    config = {"init_args": {"logging_level": "ERROR", "log_to_driver": False}} | (backend_config or {})
    flwr_logger = logging.getLogger("flwr")
    level = flwr_logger.level
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(sys.stderr):  # Flower's banner and summary: keep stdout for the tables
        flwr_logger.setLevel(logging.ERROR)
        try:
            run_simulation(
                ServerApp(server_fn=server_fn),
                ClientApp(client_fn=functools.partial(_as_flower_client, list(clients))),
                num_supernodes=n,
                backend_config=config,
            )
        finally:
            flwr_logger.setLevel(level)
    run.seconds = time.perf_counter() - t0
    missing = [r for r in range(1, rounds + 1) if r not in run.accuracy]
    if missing:
        raise RuntimeError(f"the Flower simulation did not complete rounds {missing} (see its log above)")
    return run
