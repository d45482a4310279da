"""`kiosk-receiver` subcommands for the end of a process: `report` (avance), `compulsa`,
`audiencia`, `results` and `retention`. Each is a thin call into its module; the web app calls
the same functions."""

from __future__ import annotations

import argparse
import functools
import json
import sys
from datetime import datetime, timedelta
from pathlib import Path

from nacl.public import PrivateKey

from kiosk.cliutil import SpanishHelpFormatter, fail
from kiosk.domain import HORA_CENTRO
from central import audiencia, compulsa, reports, results, retention, spreadsheet
from central.records import RecordError, STATUS_LABELS


def _spanish_errors(func):
    @functools.wraps(func)
    def run(args: argparse.Namespace) -> int:
        try:
            return func(args)
        except RecordError as exc:
            return fail(str(exc))
    return run


def add_parsers(sub: argparse._SubParsersAction, open_receiver) -> None:  # noqa: C901 (one table of commands)
    """Add the subcommands; `open_receiver(args)` gives the Receiver of --data-dir/--db."""

    def cmd(parser: argparse.ArgumentParser, func) -> None:
        parser.formatter_class = SpanishHelpFormatter
        parser.set_defaults(func=_spanish_errors(functools.partial(func, open_receiver)))

    r = sub.add_parser("report", help="reporte de avance de un proceso / progress report")
    r.add_argument("--process", required=True)
    r.add_argument("--required", type=int, help="apoyos requeridos (si el proceso no lo trae)")
    r.add_argument("--csv", help="escribir el reporte en CSV / write CSV")
    r.add_argument("--svg-dir", help="escribir las gráficas SVG en este directorio / write SVG charts")
    r.add_argument("--map", action="store_true", help="con el mapa de puntos de captación (abre los sobres)")
    r.add_argument("--json", action="store_true")
    cmd(r, cmd_report)

    c = sub.add_parser("compulsa", help="compulsa con el Padrón / compulsa").add_subparsers(dest="action", required=True)
    ce = c.add_parser("export", help="exportar registros para compulsa / export")
    ce.add_argument("--process", required=True)
    ce.add_argument("--out", required=True, help="directorio de salida (el archivo lleva datos personales)")
    ce.add_argument("--template", help="plantilla TOML del formato (omisión: apoyo-kiosk-compulsa/1)")
    ce.add_argument("--pending-only", action="store_true", help="solo los que aún no tienen situación registral")
    cmd(ce, cmd_compulsa_export)
    ci = c.add_parser("import", help="importar la situación registral / import situación registral")
    ci.add_argument("--process", required=True)
    ci.add_argument("file")
    cmd(ci, cmd_compulsa_import)

    a = sub.add_parser("audiencia", help="garantía de audiencia").add_subparsers(dest="action", required=True)
    asch = a.add_parser("schedule", help="programar / schedule")
    asch.add_argument("--process", required=True)
    asch.add_argument("--when", required=True, help="fecha y hora ISO (hora del Centro si no lleva zona)")
    asch.add_argument("--official", action="append", required=True, help="'Nombre|Cargo' (repetible)")
    asch.add_argument("--promovente", action="append", required=True, help="nombre (repetible)")
    asch.add_argument("--folio", action="append", help="folio a revisar (omisión: todos los revisables)")
    asch.add_argument("--place", default="")
    asch.add_argument("--account", action="append", default=[], help="cuenta de usuario que operará la sesión (repetible)")
    asch.add_argument("--aviso", help="escribir aquí el aviso al INE (§11.3; la sesión va al menos 48 h después)")
    cmd(asch, cmd_audiencia_schedule)
    ast = a.add_parser("start", help="iniciar / start")
    ast.add_argument("id", type=int)
    cmd(ast, cmd_audiencia_start)
    ad = a.add_parser("decide", help="registrar la decisión de un registro / decide a record")
    ad.add_argument("id", type=int)
    ad.add_argument("folio")
    ad.add_argument("--official", required=True)
    ad.add_argument("--allegation", default="", help="manifestación de la persona promovente")
    ad.add_argument("--evidence", default="", help="evidencia nueva (descripción)")
    ad.add_argument("--evidence-file", help="archivo de la evidencia (se guarda su SHA-256)")
    ad.add_argument("--status", choices=audiencia.DECISION_STATUSES, help="estatus nuevo (omisión: se mantiene)")
    ad.add_argument("--situacion", choices=tuple(compulsa.SITUACIONES), help="situación registral nueva")
    ad.add_argument("--reason", default="", help="motivo del cambio")
    cmd(ad, cmd_audiencia_decide)
    ac = a.add_parser("close", help="cerrar y generar el acta / close and write the acta")
    ac.add_argument("id", type=int)
    ac.add_argument("--out", required=True, help="archivo PDF del acta")
    ac.add_argument("--report", help="CSV del reporte anexo")
    cmd(ac, cmd_audiencia_close)

    res = sub.add_parser("results", help="resultados / results").add_subparsers(dest="action", required=True)
    rt = res.add_parser("tally", help="apoyos válidos por municipio y sección / tally")
    rt.add_argument("--process", required=True)
    rt.add_argument("--phase", choices=results.PHASES, default="preliminar")
    rt.add_argument("--required", type=int)
    cmd(rt, cmd_results_tally)
    rs = res.add_parser("seal", help="cifrar los resultados a la llave del OPL / seal to the OPL's key")
    rs.add_argument("--process", required=True)
    rs.add_argument("--phase", choices=results.PHASES, default="definitivo")
    rs.add_argument("--opl-key", required=True, help="llave pública X25519 del OPL (32 bytes, hex o base64)")
    rs.add_argument("--out", required=True, help="directorio de salida")
    cmd(rs, cmd_results_seal)
    ro = res.add_parser("open", help="abrir los resultados con la llave privada del OPL / open")
    ro.add_argument("file")
    ro.add_argument("--key", required=True, help="llave privada X25519 del OPL (32 bytes)")
    ro.add_argument("--manifest", help="manifiesto firmado (omisión: ARCHIVO sin .apk + .manifest.json)")
    ro.add_argument("--out", help="escribir el CSV descifrado aquí (datos personales)")
    cmd(ro, cmd_results_open)
    rk = res.add_parser("opl-keygen", help="generar un par de llaves del OPL (demostración) / make an OPL key pair")
    rk.add_argument("private_key")
    cmd(rk, cmd_results_keygen)

    fp = sub.add_parser("fields", help="campos personales sellados / sealed person fields").add_subparsers(dest="action", required=True)
    fpp = fp.add_parser("pack", help="sellar los campos de los apoyos de un proceso para la aplicación web / pack for the web app")
    fpp.add_argument("--process", required=True)
    cmd(fpp, cmd_fields_pack)

    ret = sub.add_parser("retention", help="conservación de la evidencia / retention").add_subparsers(dest="action", required=True)
    rp = ret.add_parser("purge", help="purgar la evidencia de un proceso / purge a process' evidence")
    rp.add_argument("--process", required=True)
    rp.add_argument("--period-days", type=int, default=retention.DEFAULT_PERIOD.days,
                    help="días desde la entrega de resultados definitivos (omisión: 90)")
    rp.add_argument("--out", help="escribir aquí el registro firmado de lo eliminado")
    cmd(rp, cmd_retention_purge)


def cmd_report(open_receiver, args: argparse.Namespace) -> int:
    receiver = open_receiver(args)
    report = reports.avance(receiver.engine, args.process, args.required)
    if args.csv:
        Path(args.csv).write_text(reports.to_csv(report), encoding="utf-8")
    if args.svg_dir:
        out = Path(args.svg_dir)
        out.mkdir(parents=True, exist_ok=True)
        for name, svg in reports.charts_svg(report).items():
            (out / f"{name}.svg").write_text(svg, encoding="utf-8")
        if args.map:
            (out / "mapa.svg").write_text(reports.map_svg(reports.capture_points(receiver, args.process)), encoding="utf-8")
    if args.json:
        print(json.dumps(report.__dict__, ensure_ascii=False, indent=2))
        return 0
    print(f"Proceso {report.process_id}: {report.received} registros recibidos; válidos (en Padrón): {report.valid}"
          + (f" de {report.required} requeridos ({report.percent_of_required} %)" if report.required else ""))
    for key, n in report.by_status.items():
        print(f"  {STATUS_LABELS.get(key, key):<32} {n}")
    return 0


def cmd_fields_pack(open_receiver, args: argparse.Namespace) -> int:
    """Open (once) every apoyo of a process and keep its fields in sealed packs, so the web app
    exports and seals results with the fields key only, never the sealing keys."""
    import sqlalchemy as sa

    from central.receiver import store as st
    from central.records import APOYO_KINDS, persons

    receiver = open_receiver(args)
    with receiver.engine.connect() as c:
        folios = list(c.execute(sa.select(st.envelopes.c.folio).where(
            st.envelopes.c.process_id == args.process, st.envelopes.c.kind.in_(APOYO_KINDS))).scalars())
    n = sum(1 for _ in persons(receiver, args.process, folios))
    print(f"Campos sellados de {n} de {len(folios)} apoyos de {args.process}")
    return 0 if n == len(folios) else 1


def cmd_compulsa_export(open_receiver, args: argparse.Namespace) -> int:
    template = compulsa.Template.from_toml(Path(args.template).read_text(encoding="utf-8")) if args.template else compulsa.DEFAULT_TEMPLATE
    out = compulsa.export(open_receiver(args), args.process, Path(args.out), template, args.pending_only)
    print(f"{out.records} registros para compulsa en {out.csv_path} (SHA-256 {out.sha256}); manifiesto {out.manifest_path}")
    if out.skipped:
        print(f"{len(out.skipped)} registros no se pudieron abrir (ver incidentes)", file=sys.stderr)
        return 1
    return 0


def cmd_compulsa_import(open_receiver, args: argparse.Namespace) -> int:
    result = compulsa.import_situacion(open_receiver(args).engine, args.process, Path(args.file).read_bytes())
    for p in result.problems:
        print(p, file=sys.stderr)
    if result.problems:
        return fail(f"No se aplicó el archivo: {len(result.problems)} filas con problemas")
    print(f"Situación registral aplicada: {result.applied} registros cambiaron, {result.unchanged} sin cambio "
          f"({', '.join(f'{k}: {n}' for k, n in sorted(result.by_situacion.items()))})")
    return 0


def _when(text: str) -> float:
    at = datetime.fromisoformat(text)
    return (at if at.tzinfo else at.replace(tzinfo=HORA_CENTRO)).timestamp()


def cmd_audiencia_schedule(open_receiver, args: argparse.Namespace) -> int:
    officials = [audiencia.Official(*(part.strip() for part in o.split("|", 1))) for o in args.official]
    engine = open_receiver(args).engine
    aid = audiencia.schedule(engine, args.process, _when(args.when), officials, args.promovente, args.folio, args.place,
                             accounts=args.account)
    print(f"Audiencia {aid} programada; aviso al INE emitido ahora")
    if args.aviso:
        Path(args.aviso).write_text(audiencia.aviso_text(engine, aid), encoding="utf-8")
        print(f"Aviso al INE en {args.aviso}")
    return 0


def cmd_audiencia_start(open_receiver, args: argparse.Namespace) -> int:
    audiencia.start(open_receiver(args).engine, args.id)
    print(f"Audiencia {args.id} en curso")
    return 0


def cmd_audiencia_decide(open_receiver, args: argparse.Namespace) -> int:
    evidence = Path(args.evidence_file).read_bytes() if args.evidence_file else None
    decision = audiencia.decide(open_receiver(args).engine, args.id, args.folio, official=args.official,
                                allegation=args.allegation, evidence=args.evidence, evidence_file=evidence,
                                new_status=args.status, new_situacion=args.situacion, reason=args.reason)
    print(f"{args.folio}: {'se modifica' if decision == 'modifica' else 'se mantiene'}")
    return 0


def cmd_audiencia_close(open_receiver, args: argparse.Namespace) -> int:
    engine = open_receiver(args).engine
    pdf = audiencia.close(engine, args.id)
    Path(args.out).write_bytes(pdf)
    if args.report:
        Path(args.report).write_text(audiencia.report_csv(engine, args.id), encoding="utf-8")
    print(f"Audiencia {args.id} cerrada; acta en {args.out}")
    return 0


def cmd_results_tally(open_receiver, args: argparse.Namespace) -> int:
    out = results.tally(open_receiver(args).engine, args.process, args.phase, args.required)
    print(json.dumps({**out.__dict__, "reached": out.reached}, ensure_ascii=False, indent=2))
    return 0


def cmd_results_seal(open_receiver, args: argparse.Namespace) -> int:
    key = results.load_public_key(Path(args.opl_key).read_bytes())
    out = results.seal_results(open_receiver(args), args.process, key, Path(args.out), args.phase)
    print(f"{out.records} registros cifrados a la llave del OPL en {out.path} (SHA-256 {out.sha256}); manifiesto {out.manifest_path}")
    return 0


def cmd_results_open(open_receiver, args: argparse.Namespace) -> int:
    path = Path(args.file)
    manifest_path = Path(args.manifest) if args.manifest else path.with_suffix(".manifest.json")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.exists() else None
    key = Path(args.key).read_bytes()
    if len(key) != 32:
        return fail("La llave privada del OPL debe tener 32 bytes")
    authority = open_receiver(args).keys.authority.verify_key
    header, rows = results.open_results(path.read_bytes(), authority, PrivateKey(key), manifest)
    if args.out:
        import csv

        with open(args.out, "w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=list(results.COLUMNS))
            w.writeheader()
            w.writerows(map(spreadsheet.record, rows))  # sealed before formulas were marked too
    print(f"Resultados {header['phase']} de {header['process_id']}: {len(rows)} registros; firma, manifiesto y "
          f"SHA-256 verificados{'' if manifest else ' (sin manifiesto)'}")
    return 0


def cmd_results_keygen(open_receiver, args: argparse.Namespace) -> int:
    pub = results.opl_keygen(Path(args.private_key))
    print(f"Llave privada en {args.private_key}; llave pública en {pub}")
    return 0


def cmd_retention_purge(open_receiver, args: argparse.Namespace) -> int:
    receiver = open_receiver(args)
    signed = retention.purge(receiver.engine, receiver.keys.authority, args.process, period=timedelta(days=args.period_days))
    if args.out:
        Path(args.out).write_text(json.dumps(signed, ensure_ascii=False, indent=2), encoding="utf-8")
    body = json.loads(signed["body"])
    print(f"Evidencia de {args.process} purgada: {body['records']} registros; registro firmado"
          + (f" en {args.out}" if args.out else ""))
    return 0
