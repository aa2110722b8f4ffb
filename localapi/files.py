"""Files: what the bot uploads and downloads, and the photos and documents users send."""

from __future__ import annotations

import json
import mimetypes
import re
import secrets
import struct
import zlib

from .decoding import UploadedFile
from .errors import ApiError

MAX_DOWNLOAD = 20 * 1024 * 1024
MAX_UPLOAD_PHOTO = 10 * 1024 * 1024
MAX_UPLOAD = 50 * 1024 * 1024


def tiny_png(width: int = 1, height: int = 1) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    raw = b"".join(b"\x00" + b"\xff\x80\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def image_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG or JPEG; a plausible default for anything else."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if data[:2] == b"\xff\xd8":
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                i += 1
                continue
            marker = data[i + 1]
            if marker in (0xC0, 0xC1, 0xC2):
                height, width = struct.unpack(">HH", data[i + 5 : i + 9])
                return width, height
            (length,) = struct.unpack(">H", data[i + 2 : i + 4])
            i += 2 + length
    return 800, 600


class FilesMixin:
    """The file store of :class:`localapi.core.BotAPI`."""

    def _new_file(
        self, kind: str, data: bytes | None, file_name: str | None = None, mime: str | None = None
    ) -> dict:
        n = next(self._file_counter)
        prefix = {"photo": "AgAC", "document": "BQAC"}.get(kind, "CAAC")
        file_id = f"{prefix}{n:06d}{secrets.token_urlsafe(18)}"
        unique = f"AQAD{n:06d}{secrets.token_hex(4)}"
        if kind == "photo":
            path = f"photos/file_{n}.jpg"
        else:
            ext = ""
            if file_name and "." in file_name:
                ext = "." + file_name.rsplit(".", 1)[1]
            path = f"{kind}s/file_{n}{ext}"
        entry = {
            "file_id": file_id,
            "file_unique_id": unique,
            "file_path": path,
            "data": data,
            "file_size": len(data) if data is not None else 0,
            "file_name": file_name,
            "mime_type": mime,
            "kind": kind,
        }
        self._files[file_id] = entry
        self._file_paths[path] = file_id
        return entry

    def _photo_sizes(self, data: bytes) -> list[dict]:
        entry = self._new_file("photo", data)
        width, height = image_size(data)
        full = {
            "file_id": entry["file_id"],
            "file_unique_id": entry["file_unique_id"],
            "file_size": entry["file_size"],
            "width": width,
            "height": height,
        }
        scale = max(width, height) / 90
        if scale <= 1:
            return [full]
        thumb = self._new_file("photo", data)
        small = {
            "file_id": thumb["file_id"],
            "file_unique_id": thumb["file_unique_id"],
            "file_size": thumb["file_size"],
            "width": max(1, round(width / scale)),
            "height": max(1, round(height / scale)),
        }
        return [small, full]

    @staticmethod
    def _document_object(entry: dict) -> dict:
        doc = {
            "file_id": entry["file_id"],
            "file_unique_id": entry["file_unique_id"],
            "file_size": entry["file_size"],
        }
        if entry.get("file_name"):
            doc["file_name"] = entry["file_name"]
        if entry.get("mime_type"):
            doc["mime_type"] = entry["mime_type"]
        return doc

    def file_bytes(self, file_id: str) -> bytes | None:
        with self._lock:
            entry = self._files.get(file_id)
            return entry["data"] if entry else None

    def serve_file(self, rest: str) -> tuple[int, str, bytes]:
        """Answer a download of ``<token>/<file_path>``: (status, content type, body)."""
        token, _, file_path = rest.partition("/")
        if token != self.token:
            return (
                401,
                "application/json",
                json.dumps(ApiError(401, "Unauthorized").payload()).encode(),
            )
        with self._lock:
            file_id = self._file_paths.get(file_path)
            entry = self._files.get(file_id) if file_id else None
            if entry is None or entry["data"] is None:
                return (
                    404,
                    "application/json",
                    json.dumps(ApiError(404, "Not Found").payload()).encode(),
                )
            data = entry["data"]
            mime = entry.get("mime_type") or "application/octet-stream"
        return 200, mime, data

    def _file_param(
        self, params: dict, files: dict[str, UploadedFile], name: str, kind: str
    ) -> tuple[dict, bytes | None, str | None]:
        """Resolve an upload, a file_id or a URL: (file entry, bytes or None, file name)."""
        value = params.get(name)
        upload = files.get(name)
        if upload is None and isinstance(value, str) and value.startswith("attach://"):
            upload = files.get(value[len("attach://") :])
        if upload is not None:
            limit = MAX_UPLOAD_PHOTO if kind == "photo" else MAX_UPLOAD
            if len(upload.data) > limit:
                raise ApiError(413, "Request Entity Too Large")
            if not upload.data:
                raise ApiError(400, "Bad Request: file must be non-empty")
            mime = upload.content_type or mimetypes.guess_type(upload.filename or "")[0]
            entry = self._new_file(kind, upload.data, upload.filename, mime)
            return entry, upload.data, upload.filename
        if not value or not isinstance(value, str):
            raise ApiError(400, f"Bad Request: there is no {name} in the request")
        if value in self._files:
            entry = self._files[value]
            return entry, entry["data"], entry.get("file_name")
        if re.match(r"^https?://", value):
            fname = value.rsplit("/", 1)[-1] or None
            mime = mimetypes.guess_type(fname or "")[0]
            entry = self._new_file(kind, None, fname, mime)
            return entry, None, fname
        raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")

    def _m_getFile(self, params: dict, files: dict) -> dict:
        file_id = params.get("file_id")
        entry = self._files.get(str(file_id)) if file_id else None
        if entry is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        if entry["file_size"] > MAX_DOWNLOAD:
            raise ApiError(400, "Bad Request: file is too big")
        return {
            "file_id": entry["file_id"],
            "file_unique_id": entry["file_unique_id"],
            "file_size": entry["file_size"],
            "file_path": entry["file_path"],
        }

