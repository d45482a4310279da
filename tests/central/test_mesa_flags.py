"""Capture-time gate overrides and "sin firma" travel with the record to the Mesa de Control: records
captured through the real capture flow (CaptureSession) and a real kiosk vault, synced over HTTP to
the receiver, opened by processing, then reviewed on the Mesa page over HTTP. The flags are shown
in Spanish (step, the auxiliar's reason, attempts, what the gate saw) and pre-fill the §10.3
suggestion; the detail processing writes starts with the inciso letter."""

from __future__ import annotations

import os

import sqlalchemy as sa

from kiosk.capture import CaptureSession
from kiosk.quality.override import OVERRIDE_AFTER
from sync.daemon import SyncDaemon
from sync.demo import DEMO_PROCESS
from central import mesa, reports
from central.processing import process_envelopes
from central.receiver import store as st

SIGNATURE = {"width": 100, "height": 50, "points": [[0, 1, 2, 300, 1], [10, 5, 9, 310, 1]]}


def _to_photo(cic: str, marker: str) -> CaptureSession:
    session = CaptureSession("A0001")
    session.choose_model("H")
    fields = {"nombres": {"value": marker + "NOMBRE", "source": "mrz", "verified": True},
              "cic": {"value": cic, "source": "mrz", "verified": True}}
    session.accept_front(os.urandom(20_000), fields)
    session.accept_back(os.urandom(20_000))
    session.confirm_original()
    return session


def _captured(station) -> dict[str, str]:  # noqa: ANN001
    """Three apoyos through the capture flow: the photo accepted over its gate, a signature
    accepted over its gate, and a credential "sin firma"; returns folio by case."""
    photo = _to_photo("311111111", "LENTES")
    for score in (0.18, 0.2, 0.21):
        photo.note_rejection(["eyes_covered"], {"left_eye_light": score})
    photo.accept_photo(os.urandom(9_000), override="medical_glasses")
    photo.accept_signature(SIGNATURE, os.urandom(2_000))

    signature = _to_photo("322222222", "MARCA")
    signature.accept_photo(os.urandom(9_000))
    for _ in range(OVERRIDE_AFTER + 1):
        signature.note_rejection(["signature_cross"], {"strokes": 2.0})
    signature.accept_signature({"width": 100, "height": 50, "points": [[0, 1, 1, 300, 1]]}, os.urandom(500),
                               override="physical_condition")

    unsigned = _to_photo("333333333", "SINFIRMA")
    unsigned.accept_photo(os.urandom(9_000))
    unsigned.accept_sin_firma()

    return {name: s.save(station).folio for name, s in (("photo", photo), ("signature", signature), ("sin_firma", unsigned))}


def test_overrides_and_sin_firma_reach_the_mesa_page_and_prefill_the_suggestion(central, browser_for, provisioned) -> None:
    station, _server, receiver = provisioned
    folios = _captured(station)
    assert SyncDaemon(station).run_once().link_ok and station.vault.pending() == []
    process_envelopes(receiver)

    with receiver.engine.connect() as c:
        rows = {r.folio: (r.status, r.detail) for r in c.execute(sa.select(st.envelopes.c.folio, st.envelopes.c.status,
                                                                                   st.envelopes.c.detail))}
    # Only a person can tell (the credential may really say "sin firma"): all wait in the Mesa.
    assert {rows[f][0] for f in folios.values()} == {"en_mesa_de_control"}
    assert rows[folios["photo"]][1].startswith(
        "i) Foto no válida: foto viva aceptada tras 3 rechazos (medical_glasses; eyes_covered)")
    assert rows[folios["signature"]][1].startswith(
        "j) Firma no válida: firma aceptada tras 4 rechazos (physical_condition; signature_cross)")
    assert rows[folios["sin_firma"]][1].startswith("m) Sin firma: ")
    got = {name: mesa.get(receiver.engine, f) for name, f in folios.items()}
    assert (got["photo"]["suggestion"], got["photo"]["flags"]) == ("i", ["override:photo:medical_glasses"])
    assert (got["signature"]["suggestion"], got["signature"]["flags"]) == ("j", ["override:signature:physical_condition"])
    assert (got["sin_firma"]["suggestion"], got["sin_firma"]["flags"]) == ("m", ["sin_firma"])

    oper = browser_for("oper")
    first = oper.form("/mesa/lote", {"proceso": DEMO_PROCESS})
    assert first.status_code == 200 and set(mesa.queue(receiver.engine, "oper")) == set(folios.values())

    page = oper.page(f"/mesa/registro/{folios['photo']}").text
    assert 'data-suggestion="i"' in page
    assert "Sugerencia de la captura: <strong>i) Foto no válida</strong>" in page
    assert "Foto viva aceptada de todos modos por la persona auxiliar tras 3 intentos rechazados" in page
    assert "Motivo de la persona auxiliar: «Usa lentes oscuros por indicación médica o por su vista»" in page
    assert "El control de calidad vio: No se ven los ojos (eyes_covered)" in page and "left_eye_light 0.21" in page
    assert 'data-paso="photo" data-inciso="i"' in page

    page = oper.page(f"/mesa/registro/{folios['signature']}").text
    assert 'data-suggestion="j"' in page and "Firma aceptada de todos modos" in page and "tras 4 intentos rechazados" in page
    assert "«Una condición física le impide hacer lo que se pide»" in page
    assert "La firma es una cruz o una &#34;X&#34; (signature_cross)" in page

    page = oper.page(f"/mesa/registro/{folios['sin_firma']}").text
    assert 'data-suggestion="m"' in page and "Sugerencia de la captura: <strong>m) Sin firma</strong>" in page
    assert "Guardado sin firma: la persona auxiliar indicó que la credencial dice «sin firma»" in page
    assert "el apoyo es válido (V)" in page
    assert "LENTESNOMBRE" not in page and "SINFIRMANOMBRE" in page

    # The operator sees "sin firma" printed on the credential: valid. The covered eyes: i).
    oper.form(f"/mesa/registro/{folios['sin_firma']}", {"decision": "valido"})
    oper.form(f"/mesa/registro/{folios['photo']}", {"decision": "inconsistencia", "inciso": "i", "detalle": "lentes oscuros"})
    with receiver.engine.connect() as c:
        after = {r.folio: (r.status, r.detail) for r in c.execute(sa.select(st.envelopes.c.folio, st.envelopes.c.status,
                                                                                    st.envelopes.c.detail))}
    assert after[folios["sin_firma"]][0] == "para_compulsa"
    assert after[folios["photo"]] == ("con_inconsistencia", "i) Foto no válida: lentes oscuros")
    assert reports.avance(receiver.engine, DEMO_PROCESS).inconsistencias == {"i": 1}


def test_malformed_override_metadata_is_dropped_and_bounded() -> None:
    meta = {"sin_firma": "yes", "gate_overrides": [
        "not a dict", {"step": "elsewhere", "reason": "x"},
        {"step": "photo", "reason": "r" * 5000, "attempts": True, "codes": ["c"] * 1000, "scores": {"a": "b", "s": 0.5}},
        *[{"step": "signature", "reason": "mark_only", "attempts": 3, "codes": [], "scores": {}}] * 50,
    ]}
    overrides = mesa.gate_overrides(meta)
    assert len(overrides) == 2, "only the first few entries are read; bad ones are dropped"
    photo = overrides[0]
    assert len(photo["reason"]) == mesa.MAX_TEXT and photo["attempts"] == 0
    assert len(photo["codes"]) == mesa.MAX_CODES and photo["scores"] == {"s": 0.5}
    assert mesa.override_inciso(photo) == "i" and mesa.override_inciso(overrides[1]) == "j"
    assert not mesa.sin_firma(meta), "only a true boolean means sin firma"
    assert mesa.gate_overrides({"gate_overrides": {"step": "photo"}}) == []


def test_each_reason_and_gate_code_suggests_an_inciso_of_its_kind() -> None:
    def inciso(step: str, reason: str, *codes: str) -> str:
        return mesa.override_inciso({"step": step, "reason": reason, "codes": list(codes), "scores": {}, "attempts": 3})

    assert inciso("photo", "religious_covering", "no_face") == "i", "the covering decides, not what the gate saw"
    assert inciso("photo", "medical_mask", "mouth_covered") == "i"
    assert inciso("photo", "camera_light", "too_dark") == "f"
    assert inciso("photo", "physical_condition", "photo_of_photo") == "h"
    assert inciso("photo", "physical_condition", "unknown_code") == "i"
    assert inciso("signature", "mark_only", "signature_dot") == "j"
    assert inciso("signature", "physical_condition", "signature_empty") == "m"
    assert set(mesa.GATE_CODE_INCISO) <= set(mesa.GATE_MESSAGES), "every mapped code is one the gates emit"
    assert set(mesa.GATE_MESSAGES) <= set(mesa.GATE_CODE_INCISO), "every gate code has an inciso"
