"""Message catalog of the core: every sentence a person sees, Spanish first, English second.

`text(code, lang, **params)` formats one; unknown codes fall back to the code itself so a missing
translation never hides an error.
"""

from __future__ import annotations

import errno
import os
import re
import socket

CATALOG: dict[str, dict[str, str]] = {
    "vault_key_wrong": {
        "es": "La bóveda cifrada no abre con la llave de este equipo. No se modificó nada; avise al personal técnico.",
        "en": "The encrypted vault does not open with this device's key. Nothing was changed; call a technician.",
    },
    "vault_too_new": {
        "es": "La bóveda es de una versión más nueva del programa (esquema {found}; este programa llega al {supported}). No se modificó nada; actualice el programa o avise al personal técnico.",
        "en": "The vault comes from a newer version of the software (schema {found}; this one reads up to {supported}). Nothing was changed; update the software or call a technician.",
    },
    "vault_key_missing": {
        "es": "Falta la llave de la bóveda ({path}). No se modificó nada; avise al personal técnico.",
        "en": "The vault key is missing ({path}). Nothing was changed; call a technician.",
    },
    "disk_full": {
        "es": "No hay espacio suficiente para guardar el registro (libres: {free_mb} MB). Lo ya guardado está a salvo; envíe los registros pendientes o avise al personal técnico.",
        "en": "Not enough free space to save the record ({free_mb} MB free). Saved records are safe; send pending records or call a technician.",
    },
    "not_provisioned": {
        "es": "Este kiosko no está dado de alta. Ejecute: kiosk provision --receiver URL --token TOKEN",
        "en": "This kiosk is not provisioned. Run: kiosk provision --receiver URL --token TOKEN",
    },
    "already_provisioned": {
        "es": "Este kiosko ya está dado de alta ({device_id}). Exporte los registros pendientes y use --force para darlo de alta de nuevo.",
        "en": "This kiosk is already provisioned ({device_id}). Export pending records and use --force to provision again.",
    },
    "pending_records": {
        "es": "Hay {count} registros sin acuse en la bóveda. Expórtelos primero (kiosk export DIR).",
        "en": "There are {count} records without acuse in the vault. Export them first (kiosk export DIR).",
    },
    "period_closed": {
        "es": "El periodo de captación no está abierto ({start} a {end}, hora del Centro).",
        "en": "The capture period is not open ({start} to {end}, Central time).",
    },
    "no_process": {
        "es": "No hay un proceso configurado en este kiosko; sincronice con el receptor.",
        "en": "No process is configured on this kiosk; sync with the receiver.",
    },
    "auxiliar_unknown": {
        "es": "La persona auxiliar {auxiliar_id} no está en la lista del proceso.",
        "en": "Auxiliar {auxiliar_id} is not on the process roster.",
    },
    "auxiliar_baja": {
        "es": "La persona auxiliar {auxiliar_id} fue dada de baja: no puede captar apoyos.",
        "en": "Auxiliar {auxiliar_id} was removed (baja) and cannot capture.",
    },
    "record_saved": {
        "es": "Apoyo guardado. Folio: {folio}",
        "en": "Support saved. Folio: {folio}",
    },
    "receiver_unreachable": {
        "es": "No hay conexión con el receptor; los registros siguen guardados y se enviarán después.",
        "en": "The receiver is unreachable; records stay saved and will be sent later.",
    },
    "enroll_no_link": {
        "es": "No hay enlace con el receptor {url}: revise la red y la dirección, y vuelva a intentar.",
        "en": "No link to the receiver {url}: check the network and the address, and try again.",
    },
    "receiver_insecure": {
        "es": "El receptor {url} debe usar https:// (http:// solo en la misma máquina, para la demostración).",
        "en": "The receiver {url} must use https:// (http:// only on this machine, for the demo).",
    },
    "file_unreadable": {
        "es": "No se pudo abrir {path}: {reason}.",
        "en": "Could not open {path}: {reason}.",
    },
    "file_missing": {"es": "no existe", "en": "it does not exist"},
    "file_is_folder": {"es": "es una carpeta, no un archivo", "en": "it is a folder, not a file"},
    "file_no_permission": {"es": "sin permiso", "en": "no permission"},
    "file_not_folder": {"es": "no es una carpeta", "en": "it is not a folder"},
    "file_exists": {"es": "ya existe un archivo con ese nombre", "en": "a file with that name exists"},
    "file_no_space": {"es": "no queda espacio", "en": "no space left"},
    "file_read_only": {"es": "el medio es de solo lectura", "en": "the medium is read-only"},
    "file_not_text": {"es": "no está en UTF-8", "en": "it is not UTF-8"},
    "file_error": {"es": "error de entrada/salida", "en": "input/output error"},
    "link_refused": {"es": "el receptor rechazó la conexión", "en": "the receiver refused the connection"},
    "link_tls": {"es": "el certificado del receptor no es válido", "en": "the receiver's certificate is not valid"},
    "link_server_error": {"es": "el receptor respondió con un error (HTTP {status})",
                          "en": "the receiver answered with an error (HTTP {status})"},
    "link_timeout": {"es": "no respondió a tiempo", "en": "it did not answer in time"},
    "link_unreachable": {"es": "la red no llega a ese servidor", "en": "the network does not reach that server"},
    "link_unknown_host": {"es": "no se encontró el servidor (revise la dirección)",  # fits Inicio's line
                          "en": "server not found (check the address)"},
    "link_error": {"es": "error de red", "en": "network error"},
    "file_not_utf8": {
        "es": "Un archivo no está en UTF-8 (el byte 0x{byte} en la posición {position}; si viene de Excel, guárdelo como «CSV UTF-8 (delimitado por comas)»).",
        "en": "A file is not UTF-8 (byte 0x{byte} at position {position}; if it comes from Excel, save it as «CSV UTF-8 (comma delimited)»).",
    },
    "usb_folder_missing": {
        "es": "La carpeta {path} no existe: revise dónde quedó montada la memoria USB.",
        "en": "The folder {path} does not exist: check where the USB stick was mounted.",
    },
    "usb_not_a_folder": {
        "es": "{path} no es una carpeta: indique la carpeta de la memoria USB.",
        "en": "{path} is not a folder: give the USB stick's folder.",
    },
    "usb_no_acuses": {
        "es": "No hay acuses en {path} (archivos *.acuse.json): ¿es la memoria que volvió de la oficina del OPL tras «kiosk-receiver import»?",
        "en": "No acuses in {path} (*.acuse.json files): is this the stick that came back from the OPL office after «kiosk-receiver import»?",
    },
    "enroll_refused": {
        "es": "El receptor rechazó el alta del kiosko: {reason}",
        "en": "The receiver refused to enroll this kiosk: {reason}",
    },
    "config_invalid": {
        "es": "La configuración recibida no tiene una firma válida; se conserva la anterior.",
        "en": "The received configuration is not validly signed; the previous one is kept.",
    },
    "acuse_invalid": {
        "es": "Se recibió un acuse con firma o código de integridad que no coincide; el registro no se borra.",
        "en": "An acuse with a bad signature or integrity code was received; the record is kept.",
    },
    "duplicate_clave": {
        "es": "Esta clave de elector ya se registró en este proceso; no se guarda dos veces.",
        "en": "This clave de elector was already registered in this process; it is not saved twice.",
    },
    "auxiliar_required": {
        "es": "Indique qué persona auxiliar captura (--auxiliar ID).",
        "en": "Say which auxiliar is capturing (--auxiliar ID).",
    },
    "clock_alta": {"es": "alta (hora firmada por el receptor)", "en": "high (receiver-signed time)"},
    "clock_media": {"es": "media (reloj del equipo, coherente)", "en": "medium (device clock, consistent)"},
    "clock_baja": {"es": "baja (el reloj del equipo parece atrasado)", "en": "low (device clock looks wrong)"},
    "data_dir_unusable": {
        "es": "No se puede usar el directorio de datos {path}: {reason}",
        "en": "Cannot use the data directory {path}: {reason}",
    },
}


def default_lang() -> str:
    lang = os.environ.get("APOYO_KIOSK_LANG", "es")
    return "en" if lang.startswith("en") else "es"


# The name of each credential field for a person (Spanish, English), for every place that shows one.
FIELD_LABELS: dict[str, tuple[str, str]] = {
    "cic": ("CIC", "CIC"),
    "ocr": ("OCR (identificador)", "OCR (identifier)"),
    "birth_date": ("Fecha de nacimiento", "Birth date"),
    "sex": ("Sexo", "Sex"),
    "expiry_year": ("Vigencia", "Valid until"),
    "apellido_paterno": ("Apellido paterno", "Paternal surname"),
    "apellido_materno": ("Apellido materno", "Maternal surname"),
    "nombres": ("Nombre(s)", "Given names"),
    "emision": ("Número de emisión", "Issue number"),
    "clave_elector": ("Clave de elector", "Clave de elector"),
    "curp": ("CURP", "CURP"),
}


def lookup(catalog: dict[str, dict[str, str]], code: str, lang: str | None = None, **params: object) -> str:
    """Format `code` from any catalog of {"es": ..., "en": ...} entries: Spanish when the language
    is missing, the code itself when the entry is, and the raw template when a parameter is."""
    entry = catalog.get(code)
    if entry is None:
        return code
    lang = lang or default_lang()
    template = entry.get(lang) or entry["es"]
    try:
        filled = template.format(**params)
    except (KeyError, IndexError):
        return template
    return contract(filled) if params and (lang == "es" or lang not in entry) else filled


def contract(text: str) -> str:
    """Spanish contractions a filled-in parameter can break: "de el CIC" → "del CIC", "a el" → "al"."""
    return re.sub(r"\b([Dd]e|[Aa]) el\b", lambda m: m.group(1)[0] + ("el" if m.group(1).lower() == "de" else "l"), text)


# why a file cannot be opened, read or written, as catalog codes (the OS says it in English)
FILE_REASONS = {errno.ENOENT: "file_missing", errno.EISDIR: "file_is_folder", errno.ENOTDIR: "file_not_folder",
                errno.EACCES: "file_no_permission", errno.EPERM: "file_no_permission", errno.EEXIST: "file_exists",
                errno.ENOSPC: "file_no_space", errno.EROFS: "file_read_only"}


def file_reason(exc: OSError | UnicodeDecodeError, lang: str | None = None) -> str:
    """Why a file failed, in the person's language (an unusual OS error: «error de entrada/salida»)."""
    if isinstance(exc, UnicodeDecodeError):
        return text("file_not_text", lang)
    return text(FILE_REASONS.get(exc.errno, "file_error"), lang)


def link_reason(exc: OSError, lang: str | None = None) -> str:
    """Why a connection failed, in the person's language (the OS says it in English)."""
    if isinstance(exc, socket.gaierror):
        code = "link_unknown_host"
    elif isinstance(exc, TimeoutError) or exc.errno == errno.ETIMEDOUT:
        code = "link_timeout"
    else:
        code = {errno.ECONNREFUSED: "link_refused", errno.EHOSTUNREACH: "link_unreachable",
                errno.ENETUNREACH: "link_unreachable"}.get(exc.errno, "link_error")
    return text(code, lang)


def text(code: str, lang: str | None = None, **params: object) -> str:
    return lookup(CATALOG, code, lang, **params)
