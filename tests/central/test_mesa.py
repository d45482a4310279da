"""Mesa de Control rules on real processed records: batches never overlap, a disputed record goes
to the supervisor, the supervisor's word stands and is recorded as confirmado or corregido, and
the Mesa key opens the evidence only in memory."""

from __future__ import annotations

import json
import zlib

import pytest
import sqlalchemy as sa

from sync.daemon import SyncDaemon
from sync.demo import DEMO_PROCESS
from central import accounts, mesa
from central.processing import process_envelopes
from central.receiver import store as st
from tests.foundation.records import apoyo


def _records(station, receiver, n: int) -> list[str]:  # noqa: ANN001
    folios = []
    for i in range(n):
        record = apoyo(f"M{i}")
        record.fields["cic"]["value"] = f"{300000000 + i}"
        folios.append(station.save_apoyo(record, "A0001").folio)
    assert SyncDaemon(station).run_once().link_ok
    process_envelopes(receiver)
    accounts.create_tables(receiver.engine)
    return folios


def _status(receiver, folio: str) -> str:  # noqa: ANN001
    with receiver.engine.connect() as c:
        return c.execute(sa.select(st.envelopes.c.status).where(st.envelopes.c.folio == folio)).scalar()


def test_batches_disputes_and_the_supervisors_word(provisioned) -> None:
    station, _server, receiver = provisioned
    folios = _records(station, receiver, 4)
    engine = receiver.engine
    assert mesa.take_batch(engine, "ana", DEMO_PROCESS, size=3) == 3
    assert mesa.take_batch(engine, "beto", DEMO_PROCESS, size=3) == 1, "no record is in two batches"
    ana = mesa.queue(engine, "ana")
    assert ana == folios[:3] and mesa.queue(engine, "beto") == folios[3:]
    with pytest.raises(mesa.MesaError, match="no está asignado"):
        mesa.decide(engine, "beto", ana[0], "valido")

    assert mesa.decide(engine, "ana", ana[0], "disputa", detail="¿es la misma persona?") == "en_mesa_de_control"
    assert mesa.decide(engine, "ana", ana[1], "valido") == "para_compulsa"
    queue = {r["folio"]: r for r in mesa.supervision_queue(engine)}
    assert ana[0] in queue, "a disputed record goes to the supervisor"
    assert ana[0] not in mesa.queue(engine, "ana")

    with pytest.raises(mesa.MesaError, match="Decisión desconocida"):
        mesa.decide(engine, "sofia", ana[0], "disputa", supervisor=True)
    assert mesa.decide(engine, "sofia", ana[0], "inconsistencia", "g", supervisor=True) == "con_inconsistencia"
    assert mesa.decide(engine, "sofia", ana[1], "valido", supervisor=True) == "para_compulsa"
    rows = {f: mesa.get(engine, f) for f in ana[:2]}
    assert rows[ana[0]]["review"] == "corregido" and rows[ana[0]]["decision"] == "disputa", "the operator's decision is kept"
    assert rows[ana[1]]["review"] == "confirmado"
    assert ana[0] not in {r["folio"] for r in mesa.supervision_queue(engine)}
    with pytest.raises(mesa.MesaError, match="supervisión ya revisó"):
        mesa.decide(engine, "ana", ana[1], "inconsistencia", "k")
    assert _status(receiver, ana[1]) == "para_compulsa"
    progress = {p["operador"]: p for p in mesa.progress(engine)}
    assert (progress["ana"]["asignados"], progress["ana"]["revisados"], progress["ana"]["disputas"]) == (3, 2, 1)


def test_evidence_opens_only_with_the_mesa_key(provisioned) -> None:
    station, _server, receiver = provisioned
    folio = _records(station, receiver, 1)[0]
    row = mesa.get(receiver.engine, folio)
    box = mesa.EvidenceBox.load(receiver.keys.root)
    evidence = mesa.open_evidence(box, row["evidence"])
    assert evidence.meta["fields"]["nombres"]["value"] == "M0NOMBRE"
    assert len(evidence.blobs["front"]) == 30_000 and evidence.trajectory()["width"] == 100
    other = mesa.EvidenceBox(b"\x00" * 32)
    with pytest.raises(Exception):
        mesa.open_evidence(other, row["evidence"])
    assert b"M0NOMBRE" not in row["evidence"]


def _make_box(root, barrier, out) -> None:
    barrier.wait()
    out.put(bytes(mesa.EvidenceBox.load_or_create(root)._box._key).hex())


def test_workers_starting_together_share_one_mesa_key(tmp_path) -> None:
    """Two processing workers starting at once must not each make a key: evidence sealed with the
    loser's key could never be opened again."""
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    for round_ in range(10):
        root = tmp_path / str(round_)
        barrier, out = ctx.Barrier(6), ctx.Queue()
        workers = [ctx.Process(target=_make_box, args=(root, barrier, out)) for _ in range(6)]
        for w in workers:
            w.start()
        keys = {out.get(timeout=30) for _ in workers}
        for w in workers:
            w.join()
        assert keys == {(root / "keys" / "mesa.key").read_bytes().hex()}
        assert [p.name for p in (root / "keys").iterdir()] == ["mesa.key"]


BOMB_CHILD = """
import resource, sys, zlib
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
from central.mesa import Evidence
bomb = open(sys.argv[1], "rb").read()
print(Evidence("apoyo", {}, {"signature.json.z": bomb}).trajectory())
"""


def test_a_signature_blob_that_inflates_without_end_is_refused_in_bounded_memory(tmp_path) -> None:
    """An enrolled kiosk compresses its own signature trajectory: a hostile one can send 2 MB
    that inflate to 2 GB. Opening the record's trazo in the Mesa inflated it whole (the web app
    under a 1 GB address space died with MemoryError); now it stops at the trajectory cap and
    the record shows no trazo."""
    import subprocess
    import sys

    squeeze = zlib.compressobj(9)
    bomb = b"".join([squeeze.compress(b'{"points": [' + b" " * (1 << 20)) for _ in range(2048)]) + squeeze.flush()
    assert len(bomb) < 3 << 20
    path = tmp_path / "bomb.z"
    path.write_bytes(bomb)
    done = subprocess.run([sys.executable, "-c", BOMB_CHILD, str(path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "None", done.stderr[-400:]
    real = {"width": 10, "height": 5, "points": [[0, 1, 2, 3, 1]]}
    assert mesa.Evidence("apoyo", {}, {"signature.json.z": zlib.compress(json.dumps(real).encode())}).trajectory() == real
