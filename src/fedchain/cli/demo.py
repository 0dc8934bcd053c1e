"""``fedchain demo``: a federation trains over the chain for several rounds, then everything is re-derived."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.console import Group
from rich.panel import Panel
from rich.table import Table

from fedchain.chain.gas import gas_table
from fedchain.cli._common import (
    PASSWORD_ENV,
    JsonOption,
    console,
    handle_errors,
    load_keystore_dir,
    print_json,
)
from fedchain.demo import TOKEN, FederationConfig, FederationResult, run_federation
from fedchain.demo.federation import DURATIONS, Visibility


@handle_errors
def demo(
    chain: Annotated[
        Literal["embedded", "devnet", "rpc"],
        typer.Option(
            help="embedded: in-process EVM (py-evm); devnet: a local anvil node; rpc: any node (--rpc, "
            "--chain-id, --keys)."
        ),
    ] = "embedded",
    scenario: Annotated[
        Literal["hospitals", "digits", "fraud"],
        typer.Option(help="hospitals: breast cancer; digits: 8x8 digits; fraud: synthetic cross-bank fraud."),
    ] = "hospitals",
    participants: Annotated[int, typer.Option(min=2, max=10, help="Number of data holders.")] = 5,
    rounds: Annotated[int, typer.Option(min=1, max=50, help="Rounds to train.")] = 10,
    strategy: Annotated[
        Literal["fedavg", "fedprox", "fedavgm", "fedadam", "fedyogi", "fedadagrad"],
        typer.Option(help="Server strategy (aggregation is bit-exact fixed point in every case)."),
    ] = "fedavg",
    mode: Annotated[
        Literal["secagg", "plain"],
        typer.Option(
            help="secagg: SecAgg+, only the sum of the updates is ever revealed; plain: updates are public "
            "(rewards then go by each update's alignment)."
        ),
    ] = "secagg",
    out: Annotated[
        Path, typer.Option(help="Where blobs, node state, the plot and the audit file go.")
    ] = Path("fedchain-demo"),
    seed: Annotated[int, typer.Option(help="Seed of the data split.")] = 7,
    rpc: Annotated[str | None, typer.Option("--rpc", help="--chain rpc: JSON-RPC URL of the node.")] = None,
    chain_id: Annotated[
        int | None, typer.Option("--chain-id", help="--chain rpc: the chain id the node must report.")
    ] = None,
    keys: Annotated[
        Path,
        typer.Option(
            help=f"--chain rpc: directory of encrypted keystores of funded accounts (owner, aggregator, one "
            f"per holder; e.g. from `fedchain devnet --accounts N`), password from ${PASSWORD_ENV}."
        ),
    ] = Path(".fedchain/keys"),
    challenge_seconds: Annotated[
        int,
        typer.Option(
            min=1, help="Challenge window per round. Dev chains skip it; on --chain rpc rounds wait it out."
        ),
    ] = DURATIONS.challenge,
    as_json: JsonOption = False,
) -> None:
    """Deploy, let data holders join with consent and stake, train for several rounds, verify everything."""
    accounts = tuple(load_keystore_dir(keys)) if chain == "rpc" else ()
    config = FederationConfig(
        chain=chain, scenario=scenario, participants=participants, rounds=rounds, strategy=strategy,
        mode=mode, out_dir=out, seed=seed, rpc_url=rpc, chain_id=chain_id, accounts=accounts,
        challenge_seconds=challenge_seconds,
    )  # fmt: skip
    if as_json:
        print_json(_as_dict(run_federation(config)))
        return
    console.rule(
        f"fedchain demo: {participants} data holders ({scenario}), {rounds} rounds, {strategy}, {mode} mode, "
        f"{chain} chain"
    )
    with console.status("starting...") as status:

        def report(step: str, detail: str) -> None:
            if step == "node":
                status.update(detail)
            else:
                console.print(f"[bold cyan]{step:>8}[/]  {detail}", highlight=False)
                status.update(f"{step}: {detail}")

        result = run_federation(config, report)
    _print_result(result)


def _print_result(result: FederationResult) -> None:
    holders = list(result.names.values())
    table = Table(title=f"Task {result.task_id}: rounds (every model version re-derived from public data)")
    for col in ("round", "accuracy", "loss", "txs", "gas", "seconds", "excluded"):
        table.add_column(col, justify="right")
    table.add_column("paid (FED)", justify="right")
    paid_by = "equal shares (secagg)" if result.config.mode == "secagg" else "by contribution"
    paid_table = Table(title=f"Paid per round (FED), {paid_by}")
    paid_table.add_column("round", justify="right")
    for name in holders:
        paid_table.add_column(name.split()[0], justify="right")
    for r in result.rounds:
        table.add_row(
            str(r.round), f"{r.accuracy:.3f}", f"{r.loss:.3f}", str(r.transactions), f"{r.gas:,}",
            f"{r.seconds:.1f}", str(r.excluded), f"{sum(r.paid.values()) / TOKEN:.1f}",
        )  # fmt: skip
        paid_table.add_row(str(r.round), *(f"{r.paid.get(name, 0) / TOKEN:.1f}" for name in holders))
    console.print(table)
    console.print(paid_table)
    if result.visibility is None:
        console.print(_rewards_table(result, holders))
    else:
        console.print(_visibility_tables(result, result.visibility))

    compare = Table(title="Accuracy on the held-out records")
    compare.add_column("model")
    compare.add_column("accuracy", justify="right")
    compare.add_row("initial model", f"{result.initial_accuracy:.3f}")
    compare.add_row(
        f"[bold]federated, after round {result.rounds[-1].round}[/]",
        f"[bold]{result.rounds[-1].accuracy:.3f}",
    )
    compare.add_row("centralized (all records pooled)", f"{result.centralized_accuracy:.3f}")
    for name in holders:
        compare.add_row(f"{name} alone", f"{result.local_accuracy[name]:.3f}")
    console.print(compare)
    console.print(gas_table(result.ledger))
    versions = len(result.verify_lines) - 1
    verdict = (
        f"[bold green]verified[/]: all {versions} model versions re-derived bit for bit from chain and blobs"
        if result.verified
        else "[bold red]VERIFICATION FAILED[/]: "
        + "; ".join(line for line in result.verify_lines if "FAILED" in line)
    )
    console.print(
        Panel.fit(
            f"{verdict}\n"
            f"{len(result.ledger)} transactions, {result.ledger.total():,} gas, {result.seconds:.1f} s\n"
            f"plot: {result.plot_path}\naudit file: {result.audit_path}",
            title="done",
        )
    )


def _visibility_tables(result: FederationResult, seen: Visibility) -> Group:
    """What each party could see in the last SecAgg+ round, with the evidence for the masked vectors."""
    vectors = Table(title=f"Round {seen.round}: each hospital's update as published (masked, SecAgg+)")
    for col in ("holder", "bytes", "uniformity p (chi-square)", "its weight"):
        vectors.add_column(col, justify="left" if col == "holder" else "right")
    for row in seen.published:
        vectors.add_row(row.holder, f"{row.bytes:,}", f"{row.chi_square_p:.2f}", "hidden")
    vectors.add_row(
        "[italic]their unmasked sum[/]", "", f"[italic]{seen.sum_p:.1e}[/]", str(seen.total_weight)
    )
    vectors.caption = (
        "p-values of uniform noise spread over [0, 1]; the sum, the only thing unmasked, is far from uniform"
    )
    parties = Table(title="What each party could see")
    parties.add_column("party")
    parties.add_column("saw")
    parties.add_column("never saw")
    n = len(seen.published)
    parties.add_row(
        "each hospital",
        f"its own records and update; each global model; the shares its {seen.degree} neighbours sealed "
        f"for it (t = {seen.threshold} are needed to open any secret)",
        "another hospital's update, records or example count",
    )
    parties.add_row(
        "aggregator",
        f"{n} masked vectors indistinguishable from uniform noise, the survivors' unmask shares, and "
        f"their sum: the weighted mean update and the total weight ({seen.total_weight} records)",
        "any single update or weight",
    )
    parties.add_row(
        "anyone (chain + store)",
        "everything the aggregator saw; re-derives every model version bit for bit",
        "any single update or weight",
    )
    note = (
        f"Rewards: each surviving hospital is paid equally ({len(result.names)} holders); payout by "
        "contribution needs individual updates, which secagg never reveals (run --mode plain for it)."
    )
    return Group(vectors, parties, note)


def _rewards_table(result: FederationResult, holders: list[str]) -> Table:
    """Who was paid what over the whole task, and why: records times alignment with the model's steps."""
    table = Table(title="Rewards over the task, by contribution (records x alignment)")
    for col in ("holder", "records", "mean alignment", "paid (FED)", "share"):
        table.add_column(col, justify="left" if col == "holder" else "right")
    total = sum(sum(r.paid.values()) for r in result.rounds) or 1
    for name in holders:
        paid = sum(r.paid.get(name, 0) for r in result.rounds)
        scores = [r.alignment[name] for r in result.rounds if name in r.alignment]
        mean = sum(scores) / len(scores) / 1e6 if scores else 0.0
        records = str(result.records.get(name, 0))
        table.add_row(name, records, f"{mean:.3f}", f"{paid / TOKEN:.1f}", f"{paid / total:.1%}")
    return table


def _as_dict(result: FederationResult) -> dict[str, object]:
    data: dict[str, object] = {f.name: getattr(result, f.name) for f in dataclasses.fields(result)}
    data["config"] = {k: str(v) for k, v in vars(result.config).items() if k != "accounts"}
    data["rounds"] = [dataclasses.asdict(r) for r in result.rounds]
    data["visibility"] = dataclasses.asdict(result.visibility) if result.visibility else None
    data["ledger"] = json.loads(result.ledger.to_json())
    data["audit_path"] = str(result.audit_path)
    data["plot_path"] = str(result.plot_path)
    return data
