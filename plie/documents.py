"""Uploaded files: their type read from the content, a size limit, generated names on disk.

A file's name comes from the person's computer: it is kept only to be shown and offered back as
the download's name. On disk every file is `<random hex>.<extension of the detected type>`
inside the upload folder, so no name typed by anybody reaches the file system.
"""

import io
import logging
import re
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session as DbSession

from plie import audit
from plie.enums import AuditEvent
from plie.errors import InvalidInput, NotAllowed, NotFound
from plie.models import Document, Registration
from plie.permissions import may_see_registration
from plie.settings import get_settings

log = logging.getLogger(__name__)

ACCEPTED_TYPES_SENTENCE = (
    "PDF, image PNG ou JPEG, document Word (.docx), Excel (.xlsx) ou OpenDocument"
)


@dataclass(frozen=True)
class FileType:
    content_type: str
    extension: str


PDF = FileType("application/pdf", "pdf")
PNG = FileType("image/png", "png")
JPEG = FileType("image/jpeg", "jpg")
DOCX = FileType("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx")
XLSX = FileType("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx")
ODT = FileType("application/vnd.oasis.opendocument.text", "odt")
ODS = FileType("application/vnd.oasis.opendocument.spreadsheet", "ods")
OPEN_DOCUMENTS = {ODT.content_type: ODT, ODS.content_type: ODS}


@dataclass(frozen=True)
class Upload:
    """A file as the page received it: the name the person's computer gave, and its bytes."""

    name: str
    content: bytes


def _office_type(content: bytes) -> FileType | None:
    """A zip container is an office document only if its own inventory says which one."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
            if "mimetype" in names and archive.getinfo("mimetype").file_size < 100:
                return OPEN_DOCUMENTS.get(archive.read("mimetype").decode("ascii", "replace"))
            if "[Content_Types].xml" in names:
                if any(name.startswith("word/") for name in names):
                    return DOCX
                if any(name.startswith("xl/") for name in names):
                    return XLSX
    except (zipfile.BadZipFile, KeyError, ValueError):
        return None
    return None


def detect_type(content: bytes) -> FileType | None:
    """The file's type from its first bytes (and a zip's inventory), whatever its name says."""
    if content.startswith(b"%PDF-"):
        return PDF
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if content.startswith(b"\xff\xd8\xff"):
        return JPEG
    if content.startswith(b"PK\x03\x04"):
        return _office_type(content)
    return None


def _display_name(name: str, file_type: FileType) -> str:
    """The last part of the given name, without control characters, for display only."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(c for c in base if unicodedata.category(c)[0] != "C").strip(" .")
    return base[:150] or f"fichier.{file_type.extension}"


def size_label(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} Mo" if size >= 1024 * 1024 else f"{size // 1024} Ko"


def upload_limit_mb() -> int:
    """The size limit in whole megabytes, as file widgets take it (rounded up: the exact
    limit in bytes is still checked by check_upload)."""
    return -(-get_settings().max_upload_bytes // (1024 * 1024))


def upload_rules() -> str:
    """What a file field accepts, in French, to show under it."""
    limit = size_label(get_settings().max_upload_bytes)
    return f"Fichiers acceptés : {ACCEPTED_TYPES_SENTENCE}, de {limit} au plus."


def check_upload(upload: Upload, *, field: str, label: str) -> FileType:
    """The upload's type, or an InvalidInput naming the field in French."""
    limit = get_settings().max_upload_bytes
    if not upload.content:
        raise InvalidInput({field: f"Le fichier joint à « {label} » est vide."})
    if len(upload.content) > limit:
        raise InvalidInput(
            {
                field: f"Le fichier joint à « {label} » dépasse la taille maximale autorisée "
                f"({size_label(limit)}) : réduisez-le ou joignez-en un autre."
            }
        )
    file_type = detect_type(upload.content)
    if file_type is None:
        raise InvalidInput(
            {
                field: f"Le fichier joint à « {label} » n'est pas d'un type accepté : "
                f"joignez un fichier {ACCEPTED_TYPES_SENTENCE}."
            }
        )
    return file_type


def _upload_dir() -> Path:
    directory = get_settings().upload_dir.resolve()
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def _path_of(stored_name: str) -> Path:
    directory = _upload_dir()
    path = (directory / stored_name).resolve()
    # Stored names are generated, but a row edited by hand must still not reach outside.
    if path.parent != directory or not re.fullmatch(r"[0-9a-f]{32}\.[a-z]{3,4}", stored_name):
        raise NotFound("Ce fichier est introuvable.")
    return path


class FileStore:
    """Files written during one unit of work: removed again if the work does not commit."""

    def __init__(self) -> None:
        self.written: list[Path] = []
        self.replaced: list[str] = []

    def store(
        self,
        db: DbSession,
        upload: Upload,
        file_type: FileType,
        *,
        registration_id: int,
        purpose: str,
        by: int | None,
    ) -> Document:
        stored_name = f"{uuid.uuid4().hex}.{file_type.extension}"
        path = _path_of(stored_name)
        with path.open("xb") as handle:
            handle.write(upload.content)
        self.written.append(path)
        document = Document(
            registration_id=registration_id,
            purpose=purpose,
            stored_name=stored_name,
            content_type=file_type.content_type,
            size=len(upload.content),
            original_name=_display_name(upload.name, file_type),
            uploaded_by_id=by,
        )
        db.add(document)
        db.flush()
        log.info(
            "document_stored registration=%s document=%s purpose=%s type=%s size=%s",
            registration_id,
            document.id,
            purpose,
            file_type.extension,
            document.size,
        )
        return document

    def forget(self, db: DbSession, document: Document) -> None:
        """Delete a document's row now, and its file once the work has committed."""
        self.replaced.append(document.stored_name)
        db.delete(document)

    def rollback(self) -> None:
        for path in self.written:
            path.unlink(missing_ok=True)

    def committed(self) -> None:
        for stored_name in self.replaced:
            remove_file(stored_name)


def remove_file(stored_name: str) -> None:
    try:
        _path_of(stored_name).unlink(missing_ok=True)
    except NotFound:
        log.warning("document_file_name_refused")


@dataclass
class Download:
    content: bytes
    file_name: str
    content_type: str


def download(db: DbSession, *, by: int, document_id: int) -> Download:
    """A document's content, for the registration's prescribers and its action's organisers."""
    document = db.get(Document, document_id)
    if document is None:
        raise NotFound("Ce fichier est introuvable.")
    registration = db.get(Registration, document.registration_id)
    if not may_see_registration(db, professional_id=by, registration=registration):
        raise NotAllowed("Ce fichier ne vous est pas accessible.")
    path = _path_of(document.stored_name)
    if not path.exists():
        raise NotFound("Ce fichier est introuvable.")
    log.debug("document_read document=%s by=%s", document_id, by)
    return Download(path.read_bytes(), document.original_name, document.content_type)


def record_download(db: DbSession, *, by: int, document_id: int) -> None:
    """Put a download of the document in the audit trail (the page offers the file at once)."""
    document = db.get(Document, document_id)
    registration = db.get(Registration, document.registration_id) if document else None
    if not may_see_registration(db, professional_id=by, registration=registration):
        raise NotAllowed("Ce fichier ne vous est pas accessible.")
    audit.note(
        db,
        professional_id=by,
        event=AuditEvent.DOWNLOAD,
        object_type="document",
        object_id=document_id,
        detail=f"registration={document.registration_id}",
    )
