"""The avance report of a process (seed 001 §10.7): counts in each status, received per day, per
auxiliar, per kiosk and per municipio, inconsistencies by §10.3 inciso, valid apoyos against the
required number; as data, as CSV and as SVG charts drawn on the server (pygal, no script from outside).

Everything here reads ids, statuses and counts only: no envelope is opened, except by
`capture_points`, which needs the sealing keys to read where each record was captured.
"""

from __future__ import annotations

import csv
import io
import json
import math
import time
from dataclasses import dataclass, field

import sqlalchemy as sa

from central import mesa, spreadsheet
from central import tables as t
from central.compulsa import SITUACIONES, VALID_SITUACIONES
from central.receiver import store as st
from central.records import APOYO_KINDS, INCISOS, STATUS_LABELS, hora_centro_text, open_records

REQUIRED_KEYS = ("apoyos_requeridos", "required_apoyos", "required")
# The modalities counted apart (seed 001 §7): an auxiliar's app capture, a paper cédula, Mi Apoyo at the kiosk.
MODALIDAD_LABELS = {"apoyo": "Aplicación (auxiliar)", "manual": "Cédula en papel", "mi_apoyo": "Mi Apoyo"}


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
    """The required number of apoyos: as the web's process form stores it (`process_details`:
    `apoyos_requeridos`, or `porcentaje_lista_nominal` of `lista_nominal`, rounded up), else if the
    receiver's process body carries it."""
    from central.processes import details

    docs = []
    for table in (details, st.processes):
        if table is details and not sa.inspect(conn).has_table(details.name):
            continue  # a receiver without the web app's tables
        body = conn.execute(sa.select(table.c.body).where(table.c.process_id == process_id)).scalar()
        docs.append(json.loads(body) if body else {})
    for doc in docs:
        for key in REQUIRED_KEYS:
            if str(doc.get(key) or "").isdigit():
                return int(doc[key])
        pct, nominal = doc.get("porcentaje_lista_nominal"), doc.get("lista_nominal")
        if pct and nominal:
            return math.ceil(float(pct) * int(nominal) / 100)
    return None


def avance(engine: sa.Engine, process_id: str, required: int | None = None) -> Avance:
    t.create_tables(engine)
    mesa.create_tables(engine)
    e = st.envelopes.c
    mine = sa.and_(e.process_id == process_id, e.kind.in_(APOYO_KINDS))

    def grouped(conn: sa.Connection, key, where=mine, select_from=st.envelopes) -> list[tuple[str, int]]:
        q = sa.select(key.label("k"), sa.func.count().label("n")).select_from(select_from).where(where).group_by(key)
        return sorted((str(k if k is not None else ""), int(n)) for k, n in conn.execute(q))

    with engine.connect() as c:
        report = Avance(process_id, time.time(), required if required is not None else required_of(c, process_id))
        report.by_status = dict(grouped(c, e.status))
        report.received = sum(report.by_status.values())
        # Mi Apoyo is known once processing has opened the record (its sealed metadata says so)
        m = mesa.records.c
        report.by_modalidad = dict(grouped(
            c, sa.case((m.modality == "mi_apoyo", "mi_apoyo"), else_=e.kind),
            select_from=st.envelopes.outerjoin(mesa.records, m.folio == e.folio)))
        report.per_day = grouped(c, sa.func.substr(e.received_at, 1, 10))
        report.per_auxiliar = grouped(c, e.auxiliar_id)
        report.per_kiosk = grouped(c, e.device_id)
        report.per_municipio = grouped(c, st.devices.c.municipio,
                                       select_from=st.envelopes.outerjoin(st.devices, st.devices.c.device_id == e.device_id))
        incisos = grouped(c, sa.func.substr(e.detail, 1, 2), where=sa.and_(mine, e.status == "con_inconsistencia"))
        for key, n in incisos:
            inciso = key[0] if len(key) == 2 and key[1] == ")" and key[0] in INCISOS else "otra"
            report.inconsistencias[inciso] = report.inconsistencias.get(inciso, 0) + n
        s = t.situacion_registral.c
        report.by_situacion = dict(grouped(
            c, s.situacion, where=sa.and_(s.process_id == process_id, e.status == "para_compulsa", e.kind.in_(APOYO_KINDS)),
            select_from=t.situacion_registral.join(st.envelopes, s.folio == e.folio)))
        report.valid = sum(n for k, n in report.by_situacion.items() if k in VALID_SITUACIONES)
        report.auxiliar_registrations = int(c.execute(sa.select(sa.func.count()).where(
            e.process_id == process_id, e.kind == "auxiliar")).scalar() or 0)
    return report


def to_csv(report: Avance) -> str:
    """One table, `seccion,clave,etiqueta,registros`, that a spreadsheet opens as it is (a
    municipio or an auxiliar's key that starts like a formula written as text)."""
    rows = [["proceso", report.process_id, f"generado {hora_centro_text(report.generated_at)}", report.received],
            ["requeridos", "", "apoyos requeridos", report.required if report.required is not None else ""],
            ["validos", "", "apoyos válidos (en Padrón)", report.valid]]
    rows += [["estatus", k, STATUS_LABELS.get(k, k), n] for k, n in report.by_status.items()]
    rows += [["modalidad", k, MODALIDAD_LABELS.get(k, k), n] for k, n in report.by_modalidad.items()]
    rows += [["situacion_registral", k, SITUACIONES.get(k, k), n] for k, n in report.by_situacion.items()]
    rows += [["inconsistencia", k, INCISOS.get(k, "Otra (sin inciso)"), n] for k, n in sorted(report.inconsistencias.items())]
    for section, counts in (("dia", report.per_day), ("auxiliar", report.per_auxiliar),
                            ("kiosco", report.per_kiosk), ("municipio", report.per_municipio)):
        rows += [[section, k, "", n] for k, n in counts]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["seccion", "clave", "etiqueta", "registros"])
    w.writerows(map(spreadsheet.row, rows))
    return buf.getvalue()


def _style():
    from pygal.style import Style

    return Style(font_family="DejaVu Sans, sans-serif", colors=("#4a6fa5", "#c0392b", "#27ae60", "#8e44ad"),
                 background="white", plot_background="white")


def _chart(kind: str, title: str, **options):
    """A pygal chart that needs nothing from outside the page: no tooltip script from a CDN."""
    import pygal

    options = {"width": 800, "height": 380, "legend_at_bottom": True, **options}
    return getattr(pygal, kind)(title=title, style=_style(), js=[], **options)


def _svg(chart) -> str:
    return chart.render(is_unicode=True)


def charts_svg(report: Avance) -> dict[str, str]:
    """SVG charts (text kept as text, so a page can be searched and read aloud): estatus, por día,
    acumulado (the running total against the required number), por municipio, inconsistencias."""
    out: dict[str, str] = {}
    chart = _chart("HorizontalBar", f"Registros por estatus — {report.process_id}", show_legend=True)
    for key, n in report.by_status.items():
        chart.add(STATUS_LABELS.get(key, key), n)
    out["estatus"] = _svg(chart)

    days = [d for d, _ in report.per_day]
    counts = [n for _, n in report.per_day]
    chart = _chart("Bar", "Registros recibidos por día (hora del Centro)", x_label_rotation=45, show_legend=False)
    chart.x_labels = days
    chart.add("recibidos en el día", counts)
    out["por_dia"] = _svg(chart)

    chart = _chart("Line", "Registros acumulados contra los requeridos", x_label_rotation=45, fill=False,
                   include_x_axis=True, dots_size=5)
    chart.x_labels = days
    chart.add("acumulado", [sum(counts[: i + 1]) for i in range(len(counts))])
    if report.required:
        chart.add(f"requeridos ({report.required})", [report.required] * len(days), show_dots=len(days) < 2,
                  stroke_style={"dasharray": "6, 4", "width": 2})
    out["acumulado"] = _svg(chart)

    chart = _chart("HorizontalBar", "Registros por municipio de captación")
    for key, n in sorted(report.per_municipio, key=lambda kv: -kv[1])[:20]:
        chart.add(key or "(sin municipio)", n)
    out["por_municipio"] = _svg(chart)

    chart = _chart("Bar", "Inconsistencias por inciso (§10.3)", show_legend=False, include_x_axis=True,
                   no_data_text="Sin inconsistencias")
    keys = sorted(report.inconsistencias)
    chart.x_labels = [f"{k})" if k in INCISOS else k for k in keys]
    chart.add("inconsistencias", [{"value": report.inconsistencias[k], "label": INCISOS.get(k, "Otra")} for k in keys])
    out["inconsistencias"] = _svg(chart)
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
    """A scatter of capture places (longitude, latitude); each point's label is its record count."""
    chart = _chart("XY", title, stroke=False, show_legend=False, dots_size=6, x_title="longitud", y_title="latitud",
                   width=600, height=600, x_value_formatter=lambda x: f"{x:.2f}", y_value_formatter=lambda y: f"{y:.2f}")
    chart.add("registros", [{"value": (lon, lat), "label": f"{n} registros"} for lat, lon, n in points])
    return _svg(chart)
