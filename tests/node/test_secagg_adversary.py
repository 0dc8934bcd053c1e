"""SecAgg+ against a malicious store: what a member reveals depends on the chain only.

Finding (issue 8, item 1): a member decided "dropped" from whether it could fetch a masked vector, so a store
that withheld a victim's vector from some of its neighbours made those reveal shares of the victim's mask key
while the others revealed shares of its self-mask seed; two corrupt neighbours then held both and removed
every
mask from the victim's public vector (reproduced at n = 10, k = 8, t = 5: the update recovered exactly).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from node_federation import build_federation

from fedchain.chain import ChainBackend
from fedchain.chain.bindings.coordinator import Phase
from fedchain.exceptions import BlobNotFoundError
from fedchain.node import _derive, _secagg, read_round_record, run_rounds
from fedchain.privacy.secagg import ShareKind, decode_unmask_bundle
from fedchain.privacy.secagg.masking import MASKED_VECTOR_MAGIC
from fedchain.storage import LocalDirectoryStore
from fedchain.taskspec import SecAggSpec

MEMBERS = 10


class Withholding(LocalDirectoryStore):
    """A store that serves everything but the masked vector of protocol id ``victim`` (set once known)."""

    victim: int | None = None

    def get_by_locator(self, locator: str, digest: bytes) -> Any:
        blob = super().get_by_locator(locator, digest)
        # masked vector header: magic (4) | version (1) | context digest (32) | member u32
        victim = self.victim is not None and blob.startswith(MASKED_VECTOR_MAGIC)
        if victim and int.from_bytes(blob[37:41], "big") == self.victim:
            raise BlobNotFoundError("withheld")
        return blob


def test_store_that_withholds_a_vector_cannot_make_anyone_reveal_its_key(
    backend: ChainBackend, tmp_path: Path
) -> None:
    f = build_federation(backend, tmp_path, members=MEMBERS, secagg=SecAggSpec())
    participants = f.participants()
    victim = participants[0]
    withholding = Withholding(f.store.root)
    for p in participants[1 : MEMBERS // 2 + 1]:  # half the others cannot fetch the victim's vector
        p.store = withholding
    aggregator = f.aggregator()  # the aggregator's store serves it: the round can complete

    def victim_id_once_drawn(label: str, action: str) -> None:
        if withholding.victim is None and "advertised" in action:
            in_cohort, position = f.owner.coordinator.cohort_position(f.task, 1, victim.fc.address)
            if in_cohort:
                withholding.victim = position

    log = run_rounds(aggregator, participants, backend, rounds=1, on_action=victim_id_once_drawn)
    assert log.finalized == [1] and withholding.victim is not None

    # Nobody revealed a share of the victim's mask key: the victim revealed on-chain, so every neighbour,
    # whatever it could fetch, revealed its self-mask share only. Both kinds are never public.
    pub = _secagg.load_public(f.owner, f.store, f.spec, f.task, 1)
    kinds: set[ShareKind] = set()
    for event in _derive.round_events(f.owner, "SharesUnmasked", f.task, 1):
        bundle = decode_unmask_bundle(f.store.get_by_locator(event.locator, bytes(event.shares_hash)))
        kinds |= {s.kind for s in bundle.shares if s.owner == withholding.victim}
    assert kinds == {ShareKind.SELF_SEED}
    assert pub.rnd.threshold > 2  # and two corrupt neighbours' own key shares fall short of t
    record = read_round_record(f.store, f.owner.coordinator.round(f.task, 1).metrics_hash)
    assert victim.fc.address in {i["member"] for i in record["included"]}  # the victim's update counted
    assert f.owner.coordinator.round(f.task, 1).phase == Phase.FINALIZED
