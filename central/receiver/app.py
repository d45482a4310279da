"""The receiver's HTTP face (FastAPI): enrollment, signed configuration with ETag, tus 1.0.0
uploads (core, creation, checksum, termination, expiration) and acuses. Every response carries
the receiver's signed time in `Apoyo-Time`, with the nonce the request sent in `Apoyo-Time-Nonce`.

Bodies are bounded before they are read: `BodyLimit` refuses any body over 64 KB except a tus
PATCH, and a PATCH is authenticated (device signature over its declared sha256) and checked
against its upload before a byte of it is read, then read in chunks up to what the upload lacks.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
from email.utils import formatdate

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect

from central.receiver.service import MAX_UPLOAD, Receiver, ReceiverError

log = logging.getLogger(__name__)

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,checksum,termination,expiration"
UPLOADS = "/v1/uploads"
MAX_BODY = 64 * 1024  # any request body but a tus PATCH
_DIGITS = re.compile(r"[0-9]{1,15}")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_TIME_NONCE = re.compile(rb"[A-Za-z0-9_-]{8,64}")
SIGNED_HEADERS = ("X-Apoyo-Device", "X-Apoyo-Timestamp", "X-Apoyo-Nonce", "X-Apoyo-Signature")


class EnrollRequest(BaseModel):
    token: str = Field(min_length=1, max_length=200)
    public_key: str = Field(min_length=64, max_length=64, pattern="^[0-9a-f]{64}$")
    municipio: str = Field(default="", max_length=120)


class Refusal(BaseModel):
    code: str = Field(description="motivo, para el kiosco")
    message: str = Field(description="qué pasa, en español, para el técnico")


# FastAPI's own refusals (a path or method the API does not have, a body it cannot read), said
# as the receiver says its own: {code, message} in Spanish, nothing of what was sent echoed back
HTTP_REFUSALS = {
    404: ("ruta_desconocida", "«{path}» no es una ruta de este receptor: revise la dirección del receptor "
                              "(https://servidor[:puerto], sin ruta después, o la que publique el proxy)"),
    405: ("metodo_no_permitido", "{method} no se admite en {path}"),
}


def _validation_message(exc: RequestValidationError) -> str:
    """The fields FastAPI found wrong, by name (a body it could not read at all: said so)."""
    names = sorted({".".join(str(part) for part in error.get("loc", ())[1:]) for error in exc.errors()} - {""})
    return f"Petición mal formada: revise {', '.join(names)}" if names else "Petición mal formada: el cuerpo no es JSON válido"


class RotateRequest(BaseModel):
    new_public_key: str = Field(min_length=64, max_length=64, pattern="^[0-9a-f]{64}$")
    proof: str = Field(min_length=128, max_length=128, pattern="^[0-9a-f]{128}$")


def parse_metadata(header: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in header.split(","):
        item = item.strip()
        if not item:
            continue
        key, _, value = item.partition(" ")
        try:
            out[key] = base64.b64decode(value.strip(), validate=True).decode() if value else ""
        except ValueError as exc:  # binascii.Error, UnicodeDecodeError, and non-ASCII text
            raise ReceiverError(400, "metadata", "Upload-Metadata mal formado") from exc
    return out


def create_app(receiver: Receiver) -> FastAPI:
    app = FastAPI(
        title="Apoyo Kiosk — receptor central",
        version="1.0.0",
        description="Recibe sobres sellados de los kioscos (tus 1.0.0) y emite acuses firmados.",
        responses={422: {"model": Refusal, "description": "Petición mal formada"}},
    )

    @app.exception_handler(ReceiverError)
    async def _refusal(_request: Request, exc: ReceiverError) -> JSONResponse:
        return JSONResponse({"code": exc.code, "message": exc.message}, status_code=exc.status, headers={"Tus-Resumable": TUS_VERSION})

    @app.exception_handler(HTTPException)
    async def _http_refusal(request: Request, exc: HTTPException) -> JSONResponse:
        code, message = HTTP_REFUSALS.get(exc.status_code, ("peticion_invalida", "Petición ilegible: el cuerpo no se pudo leer"))
        message = message.format(path=request.url.path[:200], method=request.method)
        return JSONResponse({"code": code, "message": message}, status_code=exc.status_code,
                            headers={**(exc.headers or {}), "Tus-Resumable": TUS_VERSION})

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"code": "peticion_invalida", "message": _validation_message(exc)}, status_code=422,
                            headers={"Tus-Resumable": TUS_VERSION})

    reading: dict[str, bytearray] = {}  # upload id → the body of its PATCH being read by this instance
    app.add_middleware(BodyLimit)
    app.add_middleware(SignedTimeMiddleware, receiver=receiver)

    def _tus_check(request: Request) -> None:
        if request.headers.get("Tus-Resumable") != TUS_VERSION:
            raise ReceiverError(412, "tus_version", "Se requiere Tus-Resumable: 1.0.0")

    async def _device(request: Request, *, body_sha256: str | None = None, allow_baja: bool = False) -> str:
        """The device that signed this request (bodiless, or one whose sha256 is declared)."""
        headers = {k: request.headers.get(k, "") for k in SIGNED_HEADERS}
        path = request.scope.get("raw_path", b"").decode("latin-1") or request.url.path  # as sent, still %-encoded
        return await run_in_threadpool(
            lambda: receiver.authenticate(request.method, path, b"", headers,
                                          body_sha256=body_sha256, allow_baja=allow_baja))

    @app.get("/healthz", summary="Estado del servicio")
    def healthz() -> dict:
        return {"ok": True}

    @app.get("/v1/time", summary="Hora firmada del receptor")
    def signed_time() -> dict:
        return {"time": receiver.signed_time()}

    @app.post("/v1/enroll", summary="Alta de un dispositivo con token de un solo uso (vence; intentos limitados)")
    def enroll(req: EnrollRequest, request: Request) -> dict:
        return receiver.enroll(req.token, req.public_key, req.municipio, source=request.client.host if request.client else "")

    @app.get("/v1/config", summary="Configuración firmada del proceso (ETag)", responses={304: {"description": "Sin cambios"}})
    async def config(request: Request) -> Response:
        device_id = await _device(request)
        doc, etag = await run_in_threadpool(receiver.signed_config, device_id)
        if request.headers.get("If-None-Match") == f'"{etag}"':
            return Response(status_code=304, headers={"ETag": f'"{etag}"'})
        return JSONResponse({"doc": doc}, headers={"ETag": f'"{etag}"'})

    @app.post("/v1/device/rotate", summary="Cambio de la llave del dispositivo (firmado con la llave vigente)")
    async def rotate(request: Request) -> JSONResponse:
        declared = request.headers.get("X-Apoyo-Content-SHA256", "")
        if not _HEX64.fullmatch(declared):
            raise ReceiverError(400, "contenido", "Falta X-Apoyo-Content-SHA256 (sha256 del cuerpo, hex)")
        device_id = await _device(request, body_sha256=declared)
        body = await request.body()  # bounded by BodyLimit
        if hashlib.sha256(body).hexdigest() != declared:
            raise ReceiverError(400, "contenido", "El cuerpo no corresponde a su sha256 firmado")
        try:
            req = RotateRequest.model_validate_json(body)
        except ValueError as exc:
            raise ReceiverError(422, "peticion_invalida", "Petición de cambio de llave mal formada") from exc
        return JSONResponse(await run_in_threadpool(receiver.rotate_device_key, device_id, req.new_public_key, req.proof))

    @app.get("/v1/acuses/{folio}", summary="Acuse firmado de un folio")
    async def acuse(folio: str, request: Request) -> JSONResponse:
        device_id = await _device(request)
        doc = await run_in_threadpool(receiver.acuse_for, folio, device_id)
        if doc is None:
            raise ReceiverError(404, "sin_acuse", "No hay acuse para ese folio")
        return JSONResponse({"acuse": doc})

    @app.options(UPLOADS, summary="Capacidades tus")
    def tus_options() -> Response:
        return Response(
            status_code=204,
            headers={
                "Tus-Version": TUS_VERSION,
                "Tus-Extension": TUS_EXTENSIONS,
                "Tus-Max-Size": str(20 * 1024 * 1024),
                "Tus-Checksum-Algorithm": "sha256",  # a signed PATCH declares sha256
            },
        )

    @app.post(UPLOADS, status_code=201, summary="Crear un envío (tus creation)",
              openapi_extra={"parameters": [_header("Tus-Resumable"), _header("Upload-Length"), _header("Upload-Metadata")]})
    async def tus_create(request: Request) -> Response:
        _tus_check(request)
        length = _strict_int(request.headers.get("Upload-Length"), "upload_length", "Upload-Length debe ser un entero decimal")
        meta = parse_metadata(request.headers.get("Upload-Metadata", ""))
        upload_id, acuse_doc = await run_in_threadpool(receiver.create_upload, length, meta)
        row = await run_in_threadpool(receiver.upload, upload_id)
        headers = {"Location": f"{UPLOADS}/{upload_id}", "Upload-Expires": _http_date(row.expires_at)}
        if acuse_doc is not None:
            headers["Upload-Offset"] = str(length)
            if "lote" not in acuse_doc:
                headers["Apoyo-Acuse"] = _b64json(acuse_doc)
        return Response(status_code=201, headers=headers)

    @app.head(UPLOADS + "/{upload_id}", summary="Offset de un envío (tus core; firmado por el dispositivo)")
    async def tus_head(upload_id: str, request: Request) -> Response:
        _tus_check(request)
        device_id = await _device(request, allow_baja=True)
        row = await run_in_threadpool(receiver.upload, upload_id, device_id)
        headers = {
            "Upload-Offset": str(row.offset),
            "Upload-Length": str(row.length),
            "Cache-Control": "no-store",
            "Upload-Expires": _http_date(row.expires_at),
        }
        return Response(status_code=200, headers=headers)

    @app.get(UPLOADS + "/{upload_id}", summary="Acuse de un envío completo (o los de un lote; firmado por el dispositivo)")
    async def upload_acuse(upload_id: str, request: Request) -> JSONResponse:
        device_id = await _device(request, allow_baja=True)
        result = await run_in_threadpool(receiver.result, upload_id, device_id)
        return JSONResponse(result if "lote" in result else {"acuse": result})

    @app.patch(
        UPLOADS + "/{upload_id}",
        status_code=204,
        summary="Enviar bytes desde Upload-Offset (tus core + checksum sha256, firmado por el dispositivo)",
        openapi_extra={
            "requestBody": {"content": {"application/offset+octet-stream": {"schema": {"type": "string", "format": "binary"}}}},
            "parameters": [_header("Tus-Resumable"), _header("Upload-Offset"), _header("Content-Type")],
        },
    )
    async def tus_patch(upload_id: str, request: Request) -> Response:
        _tus_check(request)
        if request.headers.get("Content-Type") != "application/offset+octet-stream":
            raise ReceiverError(415, "content_type", "Content-Type debe ser application/offset+octet-stream")
        offset = _strict_int(request.headers.get("Upload-Offset"), "upload_offset", "Upload-Offset debe ser un entero decimal")
        declared = request.headers.get("Content-Length")
        size = None if declared is None else _strict_int(declared, "content_length", "Content-Length no válido")
        algo, digest = _parse_checksum(request.headers.get("Upload-Checksum", ""))
        if algo != "sha256":
            raise ReceiverError(400, "checksum_algoritmo", "Un PATCH firmado lleva Upload-Checksum sha256")
        # Who sends it and where it goes, before reading a byte of it.
        device_id = await _device(request, body_sha256=digest.hex(), allow_baja=True)
        row = await run_in_threadpool(receiver.upload, upload_id, device_id)
        if offset != row.offset:
            raise ReceiverError(409, "offset", f"Upload-Offset {offset} no coincide con {row.offset}")
        room = row.length - row.offset
        if size is not None and size > room:
            raise ReceiverError(400, "excede", "Los datos exceden Upload-Length")
        # One body in memory per upload: a newer PATCH of it (the kiosk again, after a connection
        # that died silently) wins, and the older one lets go of its bytes at once.
        previous = reading.get(upload_id)
        if previous is not None:
            previous.clear()
        received = reading[upload_id] = bytearray()
        hasher = hashlib.sha256()
        disconnected = False
        try:
            async for piece in request.stream():
                if reading.get(upload_id) is not received:
                    break
                if len(received) + len(piece) > room:
                    raise ReceiverError(400, "excede", "Los datos exceden Upload-Length")
                hasher.update(piece)
                received.extend(piece)
        except ClientDisconnect:
            disconnected = True  # a cut keeps the bytes that arrived (a prefix of a signed body)
        finally:
            superseded = reading.get(upload_id) is not received
            if not superseded:
                del reading[upload_id]
        if superseded:
            raise ReceiverError(409, "offset", "Un PATCH más reciente de este envío lo reemplazó")
        if not disconnected and hasher.digest() != digest:
            raise ReceiverError(460, "checksum", "Checksum del bloque no coincide")
        new_offset, acuse_doc = await run_in_threadpool(receiver.append, upload_id, offset, bytes(received), device_id)
        row = await run_in_threadpool(receiver.upload, upload_id)
        headers = {"Upload-Offset": str(new_offset), "Upload-Expires": _http_date(row.expires_at)}
        if acuse_doc is not None and "lote" not in acuse_doc:
            headers["Apoyo-Acuse"] = _b64json(acuse_doc)
        return Response(status_code=204, headers=headers)

    @app.delete(UPLOADS + "/{upload_id}", status_code=204, summary="Cancelar un envío (tus termination; firmado por el dispositivo)")
    async def tus_delete(upload_id: str, request: Request) -> Response:
        _tus_check(request)
        device_id = await _device(request, allow_baja=True)
        await run_in_threadpool(receiver.terminate, upload_id, device_id)
        return Response(status_code=204)

    return app


class SignedTimeMiddleware:
    """Pure ASGI: stamps every response with the receiver's signed time (and Tus-Resumable)
    without touching the request stream, so a cut PATCH still reaches the handler."""

    def __init__(self, app, receiver: Receiver) -> None:
        self.app = app
        self.receiver = receiver

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        nonce = next((v for k, v in scope.get("headers", []) if k == b"apoyo-time-nonce"), b"")
        nonce = nonce.decode() if _TIME_NONCE.fullmatch(nonce) else ""

        async def stamped(message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in (b"apoyo-time", b"tus-resumable")]
                headers.append((b"apoyo-time", self.receiver.signed_time(nonce).encode()))
                headers.append((b"tus-resumable", TUS_VERSION.encode()))
                message = dict(message, headers=headers)
            await send(message)

        await self.app(scope, receive, stamped)


class BodyLimit:
    """Pure ASGI: no request body over MAX_BODY (a tus PATCH: over MAX_UPLOAD) is read, whether
    it declares its length or comes chunked; the refusal is a 413 and the connection closes."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        patch = scope["method"] == "PATCH" and scope["path"].startswith(UPLOADS + "/")
        cap = MAX_UPLOAD if patch else MAX_BODY
        declared = next((v for k, v in scope.get("headers", []) if k == b"content-length"), None)
        if declared is not None and (not _DIGITS.fullmatch(declared.decode("latin-1")) or int(declared) > cap):
            await _too_large(send)
            return
        if patch:
            await self.app(scope, receive, send)  # the PATCH handler reads in chunks up to what the upload lacks
            return
        body = bytearray()  # small bodies only: read here, up to the cap, and handed on whole
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            body.extend(message.get("body", b""))
            if len(body) > cap:
                await _too_large(send)
                return
            if not message.get("more_body", False):
                break
        delivered = False

        async def replay():
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _too_large(send) -> None:
    body = json.dumps({"code": "cuerpo_grande", "message": "Cuerpo de la petición demasiado grande"}).encode()
    await send({"type": "http.response.start", "status": 413, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


def _header(name: str) -> dict:
    """A tus header in the OpenAPI description (so a fuzzer sends and varies it)."""
    return {"name": name, "in": "header", "required": True, "schema": {"type": "string"}}


def _strict_int(value: str | None, code: str, message: str) -> int:
    """A tus integer header: ASCII digits only (no sign, no `1_000`, no spaces)."""
    if value is None or not _DIGITS.fullmatch(value):
        raise ReceiverError(400, code, message)
    return int(value)


def _parse_checksum(value: str) -> tuple[str, bytes]:
    algo, _, b64 = value.partition(" ")
    if algo not in ("sha256", "sha1"):
        raise ReceiverError(400, "checksum_algoritmo", "Algoritmo de checksum no soportado")
    try:
        digest = base64.b64decode(b64, validate=True)
    except ValueError as exc:  # binascii.Error, and non-ASCII text
        raise ReceiverError(400, "checksum", "Upload-Checksum mal formado") from exc
    if len(digest) != hashlib.new(algo).digest_size:
        raise ReceiverError(400, "checksum", "Upload-Checksum mal formado")
    return algo, digest


def _b64json(doc: dict) -> str:
    return base64.b64encode(json.dumps(doc, separators=(",", ":")).encode()).decode()


def _http_date(epoch: float) -> str:
    return formatdate(epoch, usegmt=True)
