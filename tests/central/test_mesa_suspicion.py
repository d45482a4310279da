"""#13: the kiosk's photocopy/screen confidence travels with the record (sealed, synced over HTTP,
opened by processing) so the Mesa de Control hands out the most suspicious records first and
shows the confidence on the record page; a hostile or older record's value reads as 0."""

from __future__ import annotations

import os

from kiosk.capture import CaptureSession
from sync.daemon import SyncDaemon
from sync.demo import DEMO_PROCESS
from central import mesa
from central.processing import process_envelopes

SIGNATURE = {"width": 100, "height": 50, "points": [[0, 1, 2, 300, 1], [10, 5, 9, 310, 1]]}


def _apoyo(cic: str, front: dict | None, back: dict | None) -> CaptureSession:
    session = CaptureSession("A0001")
    session.choose_model("H")
    session.accept_front(os.urandom(20_000), {"cic": {"value": cic, "source": "mrz", "verified": True}},
                         screening=front)
    session.accept_back(os.urandom(20_000), screening=back)
    session.confirm_original()
    session.accept_photo(os.urandom(9_000))
    session.accept_signature(SIGNATURE, os.urandom(2_000))
    return session


def test_the_most_suspicious_records_reach_the_mesa_first_and_show_their_confidence(central, browser_for,
                                                                                    provisioned) -> None:
    station, _server, _receiver = provisioned
    receiver = central[1]
    cases = {  # the card's confidence is its more suspicious side's
        "clean": _apoyo("311111111", {"photocopy": 0.05, "screen": 0.1}, {"photocopy": 0.02, "screen": 0.0}),
        "screen": _apoyo("322222222", {"photocopy": 0.1, "screen": 0.2}, {"photocopy": 0.0, "screen": 0.91}),
        "copy": _apoyo("333333333", {"photocopy": 0.62, "screen": 0.0}, {"photocopy": 0.4, "screen": 0.0}),
        "hostile": _apoyo("344444444", {"photocopy": "1e9", "screen": True}, {"photocopy": 7.5}),
    }
    assert cases["screen"].record().screening == {"photocopy": 0.1, "screen": 0.91}
    folios = {name: s.save(station).folio for name, s in cases.items()}
    assert SyncDaemon(station).run_once().link_ok and station.vault.pending() == []
    process_envelopes(receiver)

    got = {name: mesa.get(receiver.engine, f)["suspicion"] for name, f in folios.items()}
    assert got == {"clean": 0.1, "screen": 0.91, "copy": 0.62, "hostile": 0.0}

    oper = browser_for("oper")
    assert mesa.take_batch(receiver.engine, "oper", DEMO_PROCESS, size=2) == 2
    assert mesa.queue(receiver.engine, "oper") == [folios["screen"], folios["copy"]]
    page = oper.page(f"/mesa/registro/{folios['screen']}").text
    assert "Parecido a una fotocopia o a una pantalla, según el kiosko: 91 %" in page
    assert mesa.take_batch(receiver.engine, "oper", DEMO_PROCESS, size=5) == 2
    assert "Parecido a una fotocopia" not in oper.page(f"/mesa/registro/{folios['clean']}").text


def test_a_hostile_devices_confidence_reads_as_none() -> None:
    """A device can seal any metadata: only numbers from 0 to 1 count (the kiosk sends nothing else)."""
    for screening in ("alto", None, [0.9], {"photocopy": "0.9"}, {"screen": True}, {"photocopy": 7.5},
                      {"screen": -1}, {"photocopy": float("nan")}, {"screen": float("inf")}):
        assert mesa.suspicion(screening) == 0.0, screening
    assert mesa.suspicion({"photocopy": 0.3, "screen": 0.77, "otro": 1}) == 0.77
