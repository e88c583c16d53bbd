"""Small files of each kind, built in memory, for the upload tests."""

import io
import zipfile

from plie.documents import Upload

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
HTML = b"<html><body><script>alert(1)</script></body></html>"


def a_zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


DOCX = a_zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
XLSX = a_zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})
ODT = a_zip({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<c/>"})
PLAIN_ZIP = a_zip({"notes.txt": b"bonjour"})


def a_pdf(name: str = "cv.pdf") -> Upload:
    return Upload(name=name, content=PDF)
