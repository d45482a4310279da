"""The avance report of a process (§10.7): counts, charts drawn on the server (SVG inline), the
capture map and the CSV. OPL staff see any process; a promovente reads only their own."""

from __future__ import annotations

import json

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from markupsafe import Markup

from central import accounts, mesa, processes, reports
from central.compulsa import SITUACIONES
from central.records import INCISOS, STATUS_LABELS
from central.web.app import render
from central.web.deps import WebState, may_see_process, role, state

router = APIRouter(prefix="/procesos")
EVERYONE = ("administrador", "supervisor", "operador", "promovente")
# pygal's SVG carries its own <style>: this page (and only it) allows inline styles; still no script.
MAX_MAP_POINTS = 1000
CSP = "default-src 'self'; style-src 'self' 'unsafe-inline'; script-src 'none'; img-src 'self' data:; frame-ancestors 'none'"


def capture_points(engine: sa.Engine, process_id: str) -> list[tuple[float, float, int]]:
    """(lat, lon, registros) per capture place from the Mesa's plain place column (no envelope is
    opened, so the web app needs no sealing key); rounded to ~100 m, a place and not a doorstep."""
    mesa.create_tables(engine)
    r = mesa.records.c
    with engine.connect() as c:
        rows = c.execute(sa.select(r.place, sa.func.count()).where(r.process_id == process_id, r.kind != "auxiliar")
                         .group_by(r.place)).all()
    places: dict[tuple[float, float], int] = {}
    for place, n in rows:
        doc = json.loads(place or "{}")
        try:
            key = (round(float(doc["lat"]), 3), round(float(doc["lon"]), 3))
        except (KeyError, TypeError, ValueError):
            continue
        places[key] = places.get(key, 0) + int(n)
    biggest = sorted(places.items(), key=lambda kv: -kv[1])[:MAX_MAP_POINTS]  # the SVG stays small
    return sorted((lat, lon, n) for (lat, lon), n in biggest)


def _report(web: WebState, s: accounts.Session, pid: str) -> reports.Avance | None:
    may_see_process(s, pid)
    if processes.get_process(web.engine, pid) is None:
        return None
    return reports.avance(web.engine, pid)


def _inline(svg: str) -> Markup:
    """An SVG document as an element of the page (without its XML declaration)."""
    return Markup(svg[svg.index("<svg"):])


@router.get("/{pid}/avance")
def avance(request: Request, pid: str, s: accounts.Session = Depends(role(*EVERYONE)), web: WebState = Depends(state)):
    report = _report(web, s, pid)
    if report is None:
        return render(request, "error.html", 404, title="No existe", message=f"No existe el proceso {pid}.")
    charts = {k: _inline(v) for k, v in reports.charts_svg(report).items()}
    points = capture_points(web.engine, pid)
    page = render(request, "avance.html", r=report, charts=charts, STATUS_LABELS=STATUS_LABELS, INCISOS_10_3=INCISOS,
                  SITUACIONES=SITUACIONES, points=points,
                  map_svg=_inline(reports.map_svg(points)) if points else "")
    page.headers["Content-Security-Policy"] = CSP
    return page


@router.get("/{pid}/avance.csv")
def avance_csv(pid: str, s: accounts.Session = Depends(role(*EVERYONE)), web: WebState = Depends(state)):
    report = _report(web, s, pid)
    if report is None:
        return Response("No existe el proceso", status_code=404)
    return Response(reports.to_csv(report).encode("utf-8"), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="avance-{pid}.csv"', "Cache-Control": "no-store"})
