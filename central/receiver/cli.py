"""`kiosk-receiver`: serve the receiver and administer it (processes, roster, tokens, devices,
acuses, USB import, the processing step, sealing-key rotation). Ayuda en español."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import datetime
from pathlib import Path

from kiosk.errors import KioskError
from kiosk.cliutil import SpanishHelpFormatter, fail, run_main, setup_logging
from kiosk.paths import resolve_data_dir
from central import accounts
from central.processing import status_counts
from central.followup_cli import add_parsers as add_followup_parsers
from central.receiver import admin
from central.receiver.keys import rotate_sealing_key
from central.receiver.server import open_receiver, serve


# Commands that may start a receiver in an empty data dir; every other one refuses a dir that was
# never initialised instead of creating keys and a database there by surprise.
CREATES_DATA_DIR = ("serve", "init")


class NotInitialised(KioskError):
    """The data dir has no receiver keys: a typo or a missing --data-dir, not a new receiver."""

    def __init__(self, message: str) -> None:
        self.code, self.params = "receptor_no_inicializado", {}
        Exception.__init__(self, message)


def _data_dir(args: argparse.Namespace) -> Path:
    if args.data_dir:
        root = Path(args.data_dir)
    elif os.environ.get("APOYO_KIOSK_DATA"):
        root = Path(os.environ["APOYO_KIOSK_DATA"])
    else:
        root = resolve_data_dir() / "receptor"
    if args.command not in CREATES_DATA_DIR and not (root / "keys" / "authority.key").exists():
        raise NotInitialised(
            f"El directorio {root} no tiene un receptor inicializado. Indique el correcto con --data-dir "
            f"o créelo con «kiosk-receiver --data-dir {root} init» (o «serve»)."
        )
    return root


def _receiver(args: argparse.Namespace):
    return open_receiver(_data_dir(args), args.db)


def cmd_init(args: argparse.Namespace) -> int:
    root = _data_dir(args)
    open_receiver(root, args.db)
    print(f"Receptor inicializado en {root} (llaves en {root / 'keys'})")
    return 0


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    import getpass

    first = getpass.getpass("Contraseña: ")
    if getpass.getpass("Repita la contraseña: ") != first:
        raise accounts.AccountError("Las contraseñas no coinciden")
    return first


def cmd_create_admin(args: argparse.Namespace) -> int:
    receiver = _receiver(args)
    accounts.create_tables(receiver.engine)
    if accounts.has_administrator(receiver.engine):
        return fail("Ya hay una cuenta de administración; las demás se crean desde la web (Usuarios)")
    try:
        accounts.create_user(receiver.engine, args.username, _read_password(args), "administrador", name=args.name or "", by="cli")
    except accounts.AccountError as exc:
        return fail(str(exc))
    print(f"Cuenta de administración {args.username.lower()} creada")
    return 0


def cmd_user_create(args: argparse.Namespace) -> int:
    receiver = _receiver(args)
    accounts.create_tables(receiver.engine)
    try:
        accounts.create_user(receiver.engine, args.username, _read_password(args), args.role, name=args.name or "",
                             process_id=args.process or "", by="cli")
    except accounts.AccountError as exc:
        return fail(str(exc))
    print(f"Cuenta {args.username.lower()} ({args.role}) creada")
    return 0


def cmd_web(args: argparse.Namespace) -> int:
    from central.web.app import serve_web

    serve_web(_receiver(args), args.host, args.port)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    serve(_receiver(args), args.host, args.port)
    return 0


def cmd_process_create(args: argparse.Namespace) -> int:
    emblem = Path(args.emblem).read_bytes() if args.emblem else b""
    proc = admin.create_process(
        _receiver(args), process_id=args.id, kind=args.kind, name=args.name, entity=args.entity,
        promovente=args.promovente, denomination=args.denomination or args.name,
        manifest_text=args.manifest or "", start=datetime.fromisoformat(args.start),
        end=datetime.fromisoformat(args.end), emblem=emblem, self_service=args.mi_apoyo,
        privacy_url=args.aviso_url or "", privacy_text=args.aviso_texto or "",
    )
    print(f"Proceso {proc.process_id} creado ({proc.period_start.isoformat()} a {proc.period_end.isoformat()})")
    return 0


def cmd_process_run(args: argparse.Namespace) -> int:
    """One pass, or (--every N) the processing worker: a pass every N seconds until stopped."""
    receiver = _receiver(args)
    while True:
        print(json.dumps(admin.process_envelopes(receiver), ensure_ascii=False), flush=True)
        if not args.every:
            return 0
        time.sleep(args.every)


def cmd_roster_load(args: argparse.Namespace) -> int:
    loaded, problems = admin.load_roster(_receiver(args), args.process, Path(args.csv).read_text(encoding="utf-8"))
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        return fail(f"No se cargó ninguna persona auxiliar: {len(problems)} filas con problemas")
    print(f"{loaded} personas auxiliares cargadas en {args.process}")
    return 0


def cmd_roster_baja(args: argparse.Namespace) -> int:
    _receiver(args).baja_auxiliar(args.process, args.auxiliar, args.reason)
    print(f"Auxiliar {args.auxiliar} dado de baja")
    return 0


def cmd_token(args: argparse.Namespace) -> int:
    if args.dias <= 0:
        return fail("La vigencia del token debe ser de al menos un día (--dias)")
    print(_receiver(args).issue_token(args.process, ttl=args.dias * 24 * 3600))
    return 0


def cmd_device_baja(args: argparse.Namespace) -> int:
    _receiver(args).baja_device(args.device)
    print(f"Dispositivo {args.device} dado de baja")
    return 0


def cmd_acuses(args: argparse.Namespace) -> int:
    receiver = _receiver(args)
    rows = receiver.list_acuses(args.process)
    if args.json:
        counts = status_counts(receiver.engine, args.process)
        print(json.dumps({"acuses": rows, "counts": counts}, ensure_ascii=False, indent=2))
        return 0
    for r in rows:
        print(f"{r['folio']}  {r['received_at']}  {r['verdict']:<10} {r['status']:<20} {r['integrity'][:16]}")
    print(f"total: {len(rows)}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    try:
        result = admin.import_dir(_receiver(args), Path(args.dir), Path(args.acuses) if args.acuses else None)
    except admin.NotAnExport as exc:
        return fail(str(exc))
    print(json.dumps(result, ensure_ascii=False))
    return 0 if not result["refused"] else 1


def cmd_purge(args: argparse.Namespace) -> int:
    gone = _receiver(args).purge_expired(every=0)
    print(f"{gone} envíos vencidos eliminados")
    return 0


def cmd_rotate(args: argparse.Namespace) -> int:
    kid = rotate_sealing_key(_data_dir(args))
    print(f"Nueva llave de sellado: {kid} (las anteriores se conservan para abrir sobres en cola)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="kiosk-receiver",
        formatter_class=SpanishHelpFormatter,
        description="Receptor central de Apoyo Kiosk / Apoyo Kiosk central receiver.",
    )
    from kiosk.cli import version

    p.add_argument("--version", action="version", version=f"kiosk-receiver {version()}",
                   help="muestra la versión y sale / show the version and exit")
    p.add_argument("--data-dir", help="directorio de datos del receptor / receiver data dir")
    p.add_argument("--db", help="URL de la base: sqlite:///... (omisión) o postgresql://...")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMANDO")

    ini = sub.add_parser("init", help="inicializar el receptor (llaves y base) / initialise", formatter_class=SpanishHelpFormatter)
    ini.set_defaults(func=cmd_init)

    ca = sub.add_parser("create-admin", help="crear la primera cuenta de administración web / first web administrator",
                        formatter_class=SpanishHelpFormatter)
    ca.add_argument("username")
    ca.add_argument("--name", help="nombre de la persona")
    ca.add_argument("--password-stdin", action="store_true", help="leer la contraseña de la entrada estándar")
    ca.set_defaults(func=cmd_create_admin)

    us = sub.add_parser("user", help="cuentas web / web accounts").add_subparsers(dest="action", required=True)
    uc = us.add_parser("create", help="crear una cuenta / create an account")
    uc.add_argument("username")
    uc.add_argument("--role", required=True, choices=list(accounts.ROLES))
    uc.add_argument("--name")
    uc.add_argument("--process", help="proceso de la persona promovente")
    uc.add_argument("--password-stdin", action="store_true", help="leer la contraseña de la entrada estándar")
    uc.set_defaults(func=cmd_user_create)

    w = sub.add_parser("web", help="servir la aplicación web del OPL / serve the OPL web app", formatter_class=SpanishHelpFormatter)
    w.add_argument("--host", default="127.0.0.1")
    w.add_argument("--port", type=int, default=8790)
    w.set_defaults(func=cmd_web)

    s = sub.add_parser("serve", help="servir la API (uvicorn) / serve the API", formatter_class=SpanishHelpFormatter)
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8780)
    s.set_defaults(func=cmd_serve)

    pr = sub.add_parser("process", help="procesos: crear, procesar sobres / processes").add_subparsers(dest="action", required=True)
    c = pr.add_parser("create", help="crear un proceso / create a process")
    c.add_argument("--id", required=True)
    c.add_argument("--kind", required=True, choices=["candidatura_independiente", "consulta_popular", "iniciativa_ciudadana", "revocacion_de_mandato"])
    c.add_argument("--name", required=True)
    c.add_argument("--entity", required=True)
    c.add_argument("--promovente", required=True)
    c.add_argument("--denomination")
    c.add_argument("--manifest")
    c.add_argument("--start", required=True, help="inicio, ISO (hora del Centro si no lleva zona)")
    c.add_argument("--end", required=True, help="fin, ISO (hora del Centro si no lleva zona)")
    c.add_argument("--emblem", help="PNG/JPG ≤ 500 KB")
    c.add_argument("--mi-apoyo", action="store_true", help="permitir la modalidad Mi Apoyo")
    c.add_argument("--aviso-url", help="URL del aviso de privacidad integral / privacy notice URL")
    c.add_argument("--aviso-texto", help="aviso de privacidad breve, se muestra en el kiosco / short privacy notice")
    c.set_defaults(func=cmd_process_create)
    r = pr.add_parser("run", help="abrir y clasificar sobres recibidos / open and classify envelopes")
    r.add_argument("--every", type=float, default=0, help="repetir cada N segundos (trabajador) / repeat every N s")
    r.set_defaults(func=cmd_process_run)

    ro = sub.add_parser("roster", help="personas auxiliares / auxiliar roster").add_subparsers(dest="action", required=True)
    rl = ro.add_parser("load", help="cargar CSV / load CSV")
    rl.add_argument("--process", required=True)
    rl.add_argument("csv")
    rl.set_defaults(func=cmd_roster_load)
    rb = ro.add_parser("baja", help="dar de baja / remove")
    rb.add_argument("--process", required=True)
    rb.add_argument("--auxiliar", required=True)
    rb.add_argument("--reason", required=True)
    rb.set_defaults(func=cmd_roster_baja)

    t = sub.add_parser("token", help="token de alta de un solo uso / one-time enrollment token")
    t.add_argument("--process", required=True)
    t.add_argument("--dias", type=float, default=7, help="vigencia en días (omisión: 7) / validity in days")
    t.set_defaults(func=cmd_token)

    d = sub.add_parser("device", help="dispositivos / devices").add_subparsers(dest="action", required=True)
    db = d.add_parser("baja", help="dar de baja un dispositivo / revoke a device")
    db.add_argument("device")
    db.set_defaults(func=cmd_device_baja)

    a = sub.add_parser("acuses", help="listar acuses y conteos / list acuses and counts")
    a.add_argument("--process")
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=cmd_acuses)

    i = sub.add_parser("import", help="importar sobres de una memoria USB / import envelopes from USB")
    i.add_argument("dir")
    i.add_argument("--acuses", help="dónde escribir los acuses (omisión: DIR/acuses)")
    i.set_defaults(func=cmd_import)

    pu = sub.add_parser("purge-uploads", help="eliminar envíos tus vencidos / drop expired tus uploads")
    pu.set_defaults(func=cmd_purge)

    k = sub.add_parser("rotate-sealing-key", help="rotar la llave de sellado / rotate the sealing key")
    k.set_defaults(func=cmd_rotate)

    add_followup_parsers(sub, _receiver)  # report, compulsa, audiencia, results, retention
    return p


def main(argv: list[str] | None = None) -> int:
    setup_logging(bool(argv and "-v" in argv), "kiosk-receiver")
    return run_main(build_parser(), argv)


if __name__ == "__main__":
    sys.exit(main())
