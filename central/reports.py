"""The avance report of a process (seed 001 §10.7): counts in each status, received per day, per
auxiliar, per kiosk and per municipio, inconsistencies by §10.3 inciso, valid apoyos against the
required number; as data, as CSV and as SVG charts drawn on the server (matplotlib, no pyplot).

Everything here reads ids, statuses and counts only: no envelope is opened, except by
`capture_points`, which needs the sealing keys to read where each record was captured.
"""

from __future__ import annotations

import csv
import io
import json
import time
from dataclasses import dataclass, field

import sqlalchemy as sa

from central import tables as t
from central.compulsa import SITUACIONES, VALID_SITUACIONES
from central.receiver import store as st
from central.records import APOYO_KINDS, INCISOS, STATUS_LABELS, hora_centro_text, open_records

REQUIRED_KEYS = ("apoyos_requeridos", "required_apoyos", "required")


@dataclass
class Avance:
    process_id: str
    generated_at: float
    required: int | None
    received: int = 0
    valid: int = 0
    auxiliar_registrations: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    by_modalidad: dict[str, int] = field(default_factory=dict)
    by_situacion: dict[str, int] = field(default_factory=dict)
    inconsistencias: dict[str, int] = field(default_factory=dict)
    per_day: list[tuple[str, int]] = field(default_factory=list)
    per_auxiliar: list[tuple[str, int]] = field(default_factory=list)
    per_kiosk: list[tuple[str, int]] = field(default_factory=list)
    per_municipio: list[tuple[str, int]] = field(default_factory=list)

    @property
    def percent_of_required(self) -> float | None:
        return round(100.0 * self.valid / self.required, 2) if self.required else None


def required_of(conn: sa.Connection, process_id: str) -> int | None:
    """The required number of apoyos, if the process' stored body carries it."""
    body = conn.execute(sa.select(st.processes.c.body).where(st.processes.c.process_id == process_id)).scalar()
    doc = json.loads(body) if body else {}
    for key in REQUIRED_KEYS:
        if str(doc.get(key) or "").isdigit():
            return int(doc[key])
    return None


def valid_count(conn: sa.Connection) -> sa.Select:
    """Folios that count as valid apoyos: past the Mesa (para_compulsa) and found by the compulsa."""
    e, s = st.envelopes.c, t.situacion_registral.c
    return (sa.select(e.folio).select_from(st.envelopes.join(t.situacion_registral, s.folio == e.folio))
            .where(e.status == "para_compulsa", e.kind.in_(APOYO_KINDS), s.situacion.in_(VALID_SITUACIONES)))


def avance(engine: sa.Engine, process_id: str, required: int | None = None) -> Avance:
    t.create_tables(engine)
    e = st.envelopes.c
    mine = sa.and_(e.process_id == process_id, e.kind.in_(APOYO_KINDS))

    def grouped(conn: sa.Connection, key, where=mine, select_from=st.envelopes) -> list[tuple[str, int]]:
        q = sa.select(key.label("k"), sa.func.count().label("n")).select_from(select_from).where(where).group_by(key)
        return sorted((str(k if k is not None else ""), int(n)) for k, n in conn.execute(q))

    with engine.connect() as c:
        report = Avance(process_id, time.time(), required if required is not None else required_of(c, process_id))
        report.by_status = dict(grouped(c, e.status))
        report.received = sum(report.by_status.values())
        report.by_modalidad = dict(grouped(c, e.kind))
        report.per_day = grouped(c, sa.func.substr(e.received_at, 1, 10))
        report.per_auxiliar = grouped(c, e.auxiliar_id)
        report.per_kiosk = grouped(c, e.device_id)
        report.per_municipio = grouped(c, st.devices.c.municipio,
                                       select_from=st.envelopes.join(st.devices, st.devices.c.device_id == e.device_id))
        incisos = grouped(c, sa.func.substr(e.detail, 1, 2), where=sa.and_(mine, e.status == "con_inconsistencia"))
        for key, n in incisos:
            inciso = key[0] if len(key) == 2 and key[1] == ")" and key[0] in INCISOS else "otra"
            report.inconsistencias[inciso] = report.inconsistencias.get(inciso, 0) + n
        s = t.situacion_registral.c
        report.by_situacion = dict(grouped(
            c, s.situacion, where=sa.and_(mine, e.status == "para_compulsa"),
            select_from=st.envelopes.join(t.situacion_registral, s.folio == e.folio)))
        report.valid = sum(n for k, n in report.by_situacion.items() if k in VALID_SITUACIONES)
        report.auxiliar_registrations = int(c.execute(sa.select(sa.func.count()).where(
            e.process_id == process_id, e.kind == "auxiliar")).scalar() or 0)
    return report


def to_csv(report: Avance) -> str:
    """One table, `seccion,clave,etiqueta,registros`, that a spreadsheet opens as it is."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["seccion", "clave", "etiqueta", "registros"])
    w.writerow(["proceso", report.process_id, f"generado {hora_centro_text(report.generated_at)}", report.received])
    w.writerow(["requeridos", "", "apoyos requeridos", report.required if report.required is not None else ""])
    w.writerow(["validos", "", "apoyos válidos (en Padrón)", report.valid])
    for k, n in report.by_status.items():
        w.writerow(["estatus", k, STATUS_LABELS.get(k, k), n])
    for k, n in report.by_modalidad.items():
        w.writerow(["modalidad", k, {"apoyo": "Aplicación", "manual": "Cédula en papel"}.get(k, k), n])
    for k, n in report.by_situacion.items():
        w.writerow(["situacion_registral", k, SITUACIONES.get(k, k), n])
    for k, n in sorted(report.inconsistencias.items()):
        w.writerow(["inconsistencia", k, INCISOS.get(k, "Otra (sin inciso)"), n])
    for section, rows in (("dia", report.per_day), ("auxiliar", report.per_auxiliar),
                          ("kiosco", report.per_kiosk), ("municipio", report.per_municipio)):
        for k, n in rows:
            w.writerow([section, k, "", n])
    return buf.getvalue()


def _figure(width: float = 7.0, height: float = 3.2):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    return fig, fig.add_subplot()


def _svg(fig) -> str:
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "apoyo-kiosk", "font.family": "DejaVu Sans"}):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    return buf.getvalue()


def charts_svg(report: Avance) -> dict[str, str]:
    """SVG charts (text kept as text, so a page can be searched and read aloud): estatus, por día
    (with the running total against the required number), por municipio, inconsistencias."""
    out: dict[str, str] = {}
    fig, ax = _figure()
    labels = [STATUS_LABELS.get(k, k) for k in report.by_status]
    ax.barh(labels, list(report.by_status.values()), color="#4a6fa5")
    ax.set_title(f"Registros por estatus — {report.process_id}")
    ax.set_xlabel("registros")
    out["estatus"] = _svg(fig)

    fig, ax = _figure()
    days = [d for d, _ in report.per_day]
    counts = [n for _, n in report.per_day]
    ax.bar(days, counts, color="#4a6fa5", label="recibidos en el día")
    running = [sum(counts[: i + 1]) for i in range(len(counts))]
    ax.plot(days, running, color="#c0392b", marker="o", label="acumulado")
    if report.required:
        ax.axhline(report.required, color="#27ae60", linestyle="--", label=f"requeridos ({report.required})")
    ax.set_title("Registros recibidos por día (hora del Centro)")
    ax.tick_params(axis="x", labelrotation=45)
    ax.legend(loc="upper left", fontsize="small")
    out["por_dia"] = _svg(fig)

    fig, ax = _figure()
    top = sorted(report.per_municipio, key=lambda kv: -kv[1])[:20]
    ax.barh([k or "(sin municipio)" for k, _ in top], [n for _, n in top], color="#4a6fa5")
    ax.set_title("Registros por municipio de captación")
    out["por_municipio"] = _svg(fig)

    fig, ax = _figure()
    keys = sorted(report.inconsistencias)
    ax.bar([f"{k})" if k in INCISOS else k for k in keys], [report.inconsistencias[k] for k in keys], color="#c0392b")
    ax.set_title("Inconsistencias por inciso (§10.3)")
    out["inconsistencias"] = _svg(fig)
    return out


def capture_points(receiver, process_id: str) -> list[tuple[float, float, int]]:
    """(lat, lon, registros) per capture place, read from the sealed records (sealing keys
    needed); coordinates are rounded to ~100 m so a point is a place, not a doorstep."""
    with receiver.engine.connect() as c:
        folios = list(c.execute(sa.select(st.envelopes.c.folio).where(
            st.envelopes.c.process_id == process_id, st.envelopes.c.kind.in_(APOYO_KINDS))).scalars())
    places: dict[tuple[float, float], int] = {}
    for record in open_records(receiver, folios):
        if record.location is not None:
            key = (round(record.location[0], 3), round(record.location[1], 3))
            places[key] = places.get(key, 0) + 1
    return sorted((lat, lon, n) for (lat, lon), n in places.items())


def map_svg(points: list[tuple[float, float, int]], title: str = "Puntos de captación") -> str:
    """A scatter of capture places (longitude, latitude), each dot sized by its records."""
    fig, ax = _figure(5.0, 5.0)
    if points:
        biggest = max(n for _, _, n in points)
        ax.scatter([p[1] for p in points], [p[0] for p in points], s=[30 + 400 * n / biggest for _, _, n in points],
                   color="#4a6fa5", alpha=0.6, edgecolors="#1f3a5f")
        for lat, lon, n in points:
            ax.annotate(str(n), (lon, lat), ha="center", va="center", fontsize="small")
    ax.set_xlabel("longitud")
    ax.set_ylabel("latitud")
    ax.set_title(title)
    return _svg(fig)
