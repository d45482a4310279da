"""End-of-process benchmark on PostgreSQL: a process of N generated records (real sealed
envelopes of fictitious MUESTRA people, 80 % para compulsa with a situación registral), then the
time of the avance report (data, CSV, SVG charts), the situación registral import, the results
tally, the compulsa export (which opens every envelope once) and then the results sealed to the
OPL's key (which reads the fields the export kept sealed); then the same through the web app
over HTTP on loopback (the avance page with its charts and capture map, its CSV, the results
sealed and downloaded). Targets: report and results export ≤ 2 s. Measures; asserts nothing.

Run: .venv/bin/python tests/benchmarks/bench_central_followup.py [--rows 100000] [--sqlite]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from nacl.public import PrivateKey  # noqa: E402
from nacl.signing import SigningKey  # noqa: E402

from kiosk import payload, sealing  # noqa: E402
from kiosk.domain import HORA_CENTRO  # noqa: E402
from sync.demo import DEMO_PROCESS, setup_receiver  # noqa: E402
from central import accounts, compulsa, mesa, reports, results  # noqa: E402
from central.receiver import store as st  # noqa: E402
from central.receiver.server import open_receiver  # noqa: E402
from tests.central_followup.helpers import clave  # noqa: E402
from tests.sync.pgserver import create_database, throwaway_postgres  # noqa: E402

INCISOS = "abcdefghijklmn"


def generate(receiver, rows: int, seed: int = 7) -> list[str]:
    """Insert `rows` sealed records of the demo process on 20 kiosks; returns the para_compulsa folios."""
    rng = random.Random(seed)
    sealing_key = receiver.keys.sealing_public
    kiosks = []
    with receiver.engine.begin() as c:
        for k in range(20):
            key = SigningKey.generate()
            device_id = f"DB{k:03d}"
            c.execute(st.devices.insert().values(device_id=device_id, public_key=bytes(key.verify_key).hex(),
                                                 process_id=DEMO_PROCESS, status="activo",
                                                 municipio=f"Municipio MUESTRA {k % 8}", enrolled_at=time.time()))
            kiosks.append((device_id, key))
    start = datetime.now(HORA_CENTRO) - timedelta(days=30)
    para: list[str] = []
    batch, places = [], []
    for n in range(rows):
        device_id, key = kiosks[n % len(kiosks)]
        aux = f"A{n % 50:04d}"
        folio = f"{DEMO_PROCESS}-{aux}-{device_id}-{n:06d}"
        kind = "apoyo" if n % 3 else "manual"
        meta = {"kind": kind, "nombres": f"PERSONA{n}", "apellido_paterno": "MUESTRA", "apellido_materno": "BANCO",
                "clave_elector": clave(n % 26), "ocr": f"{1000000000000 + n}",
                "location": {"municipio": "MUESTRA", "lat": 17.0 + (n % 20) / 100, "lon": -96.7 - (n % 7) / 50}}
        at = start + timedelta(seconds=rng.uniform(0, 30 * 86400))
        header = {"v": 1, "kind": kind, "folio": folio, "process_id": DEMO_PROCESS, "auxiliar_id": aux,
                  "device_id": device_id, "record_id": n, "captured_at": at.isoformat()}
        # 4 KB of image stand in for the real 30-80 KB: like a real record, its envelope is
        # stored out of line (PostgreSQL TOAST), so the reports scan rows of ids and statuses
        env = sealing.seal(payload.pack(meta, {"page": rng.randbytes(4096)}), header, key, sealing_key)
        roll = rng.random()
        status, detail = ("para_compulsa", "") if roll < 0.8 else (
            ("con_inconsistencia", f"{rng.choice(INCISOS)}) detalle") if roll < 0.92 else ("duplicado", "igual a otro"))
        if status == "para_compulsa":
            para.append(folio)
        batch.append({"folio": folio, "integrity": env.integrity, "device_id": device_id, "process_id": DEMO_PROCESS,
                      "auxiliar_id": aux, "kind": kind, "received_at": at.isoformat(timespec="seconds"),
                      "envelope": env.data, "verdict": "aceptado", "reason": "", "acuse": "{}", "status": status,
                      "detail": detail})
        # The Mesa's row (the web's capture map reads its place), without evidence.
        places.append({"folio": folio, "process_id": DEMO_PROCESS, "kind": kind, "place": json.dumps(meta["location"]),
                       "evidence": b""})
        if len(batch) == 5000:
            with receiver.engine.begin() as c:
                c.execute(st.envelopes.insert(), batch)
                c.execute(mesa.records.insert(), places)
            batch, places = [], []
    if batch:
        with receiver.engine.begin() as c:
            c.execute(st.envelopes.insert(), batch)
            c.execute(mesa.records.insert(), places)
    return para


def situacion_file(folios: list[str], seed: int = 8) -> bytes:
    rng = random.Random(seed)
    lines = ["folio,situacion,motivo_baja,entidad,distrito_federal,distrito_local,municipio,seccion"]
    for f in folios:
        roll = rng.random()
        situacion, motivo = ("En Padrón", "") if roll < 0.9 else (
            ("Datos no encontrados", "") if roll < 0.96 else ("Baja", rng.choice(list(compulsa.MOTIVOS_BAJA))))
        seccion = rng.randint(1, 2500)  # a sección lies in one municipio and one district of each kind
        lines.append(f"{f},{situacion},{motivo},20,{1 + (seccion - 1) * 10 // 2500:02d},"
                     f"{1 + (seccion - 1) * 25 // 2500:02d},{1 + (seccion - 1) * 570 // 2500:03d},{seccion:04d}")
    return ("\n".join(lines) + "\n").encode()


def timed(label: str, out: dict, func, *args, **kwargs):
    """Wall time (what a person waits) and this process' CPU time (the rest of the wall time is
    the database, or waiting for a core on a loaded machine)."""
    t0, c0 = time.perf_counter(), time.process_time()
    value = func(*args, **kwargs)
    out[label] = round(time.perf_counter() - t0, 3)
    out[f"cpu: {label}"] = round(time.process_time() - c0, 3)
    print(f"  {label:<34} {out[label]:8.3f} s  (CPU de Python {out[f'cpu: {label}']:.3f} s)", flush=True)
    return value


def web_timings(receiver, out: dict) -> None:
    """The same through the web app (uvicorn on loopback, one logged-in administrator)."""
    import re

    import requests

    from central.web.app import WebServer

    accounts.create_tables(receiver.engine)
    accounts.create_user(receiver.engine, "bench", "contrasena-bench-1", "administrador")
    with WebServer(receiver) as web, requests.Session() as http:
        http.post(web.url + "/login", data={"usuario": "bench", "contrasena": "contrasena-bench-1", "next": "/"})
        csrf = re.search(r'name="csrf" value="([^"]+)"', http.get(web.url + "/procesos").text).group(1)
        base = f"{web.url}/procesos/{DEMO_PROCESS}"
        for label in ("web: avance page, first", "web: avance page"):
            page = timed(label, out, http.get, base + "/avance")
        out["web_avance_svgs"] = page.text.count("<svg")
        timed("web: avance CSV", out, http.get, base + "/avance.csv")
        key = PrivateKey.generate()
        http.post(base + "/resultados/llave", data={"csrf": csrf, "llave_texto": bytes(key.public_key).hex()})
        for label in ("web: results sealed + downloaded", "web: results sealed again"):
            sealed = timed(label, out, http.post, base + "/resultados/sellar", data={"csrf": csrf, "fase": "definitivo"})
        out["web_results_zip_mb"] = round(len(sealed.content) / 2**20, 2)


def run(db_url: str | None, rows: int) -> dict:
    out: dict = {"rows": rows, "db": "postgresql" if db_url else "sqlite", "load_avg_at_start": os.getloadavg()}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        server, receiver, _token = setup_receiver(root / "receptor", db_url=db_url)
        server.stop()
        receiver = open_receiver(root / "receptor", db_url)
        mesa.create_tables(receiver.engine)
        para = timed("generate (seal + insert)", out, generate, receiver, rows)
        if db_url:
            with receiver.engine.begin() as c:
                c.exec_driver_sql("ANALYZE")  # as autovacuum would after a bulk load
        imported = timed("import situación registral", out, compulsa.import_situacion, receiver.engine, DEMO_PROCESS,
                         situacion_file(para))
        out["situacion_applied"] = imported.applied
        report = timed("avance report (data)", out, reports.avance, receiver.engine, DEMO_PROCESS, 50_000)
        timed("avance CSV", out, reports.to_csv, report)
        timed("avance charts, first (imports pygal)", out, reports.charts_svg, report)
        timed("avance charts (5 SVG)", out, reports.charts_svg, report)
        timed("avance report again (data)", out, reports.avance, receiver.engine, DEMO_PROCESS, 50_000)
        tally = timed("results tally (definitivo)", out, results.tally, receiver.engine, DEMO_PROCESS, "definitivo")
        out["valid"] = tally.valid
        out["valid_equals_report"] = tally.valid == report.valid
        exported = timed("compulsa export", out, compulsa.export, receiver, DEMO_PROCESS, root / "compulsa")
        out["compulsa_records"] = exported.records
        opl = PrivateKey.generate()
        for label in ("results sealed to the OPL (§13.5)", "results sealed again"):
            sealed = timed(label, out, results.seal_results, receiver, DEMO_PROCESS, opl.public_key, root / "entrega")
        out["sealed_mb"] = round(sealed.path.stat().st_size / 2**20, 2)
        timed("results opened with the OPL key", out, results.open_results, sealed.path.read_bytes(),
              receiver.keys.authority.verify_key, opl)
        web_timings(receiver, out)
        out["load_avg_at_end"] = os.getloadavg()
        out["max_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
        receiver.engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--sqlite", action="store_true", help="on SQLite instead of PostgreSQL")
    args = parser.parse_args()
    if args.sqlite:
        print(json.dumps(run(None, args.rows), ensure_ascii=False))
        return
    with throwaway_postgres() as server:
        print(json.dumps(run(create_database(server), args.rows), ensure_ascii=False))


if __name__ == "__main__":
    main()
