"""Check an uploaded file before anything reads it: its size, and its type by content rather than by name.

Every upload view calls ``validate_upload`` first (the import page of the registry, ledger evidence later). A
file is refused with a message saying why; nothing of it is kept.

>>> kind_of(b"PK\\x03\\x04...", "registry.xlsx")
'xlsx'
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Leading bytes of each accepted kind. .xlsx is a zip; .xls an OLE2 compound file; .parquet starts with PAR1; a .csv
# is text.
SIGNATURES = {"xlsx": (b"PK\x03\x04",), "xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",), "jpg": (b"\xff\xd8\xff",),
              "png": (b"\x89PNG\r\n\x1a\n",), "pdf": (b"%PDF-",), "parquet": (b"PAR1",)}  # fmt: skip
TEXT_KINDS = {"csv"}
NAME_ALIASES = {"jpeg": "jpg"}  # what phones and galleries call a JPEG


def kind_of(head: bytes, name: str) -> str | None:
    """The kind of file the first bytes say it is (for text kinds: the name's, if the bytes look like text)."""
    for kind, signatures in SIGNATURES.items():
        if any(head.startswith(signature) for signature in signatures):
            return kind
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix in TEXT_KINDS and b"\x00" not in head:
        return suffix
    return None


def validate_upload(upload, *, kinds: set[str], max_bytes: int | None = None) -> str:
    """Return the upload's kind, or raise ValidationError (too large, empty, or not one of ``kinds``)."""
    limit = max_bytes if max_bytes is not None else settings.MAX_UPLOAD_BYTES
    if upload.size is not None and upload.size > limit:
        raise ValidationError(_("The file is larger than %(limit)d MB.") % {"limit": limit // (1024 * 1024)})
    if not upload.size:
        raise ValidationError(_("The file is empty."))
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    kind = kind_of(head, upload.name or "")
    if kind not in kinds:
        raise ValidationError(
            _("This kind of file is not accepted here (accepted: %(kinds)s).") % {"kinds": ", ".join(sorted(kinds))}
        )
    name_kind = (upload.name or "").rsplit(".", 1)[-1].lower()
    if NAME_ALIASES.get(name_kind, name_kind) != kind:
        raise ValidationError(_("The file's name says .%(name)s but its content is %(kind)s.") % {
            "name": name_kind, "kind": kind})  # fmt: skip
    return kind


def sha256_of(upload) -> str:
    """The SHA-256 of an upload, read in chunks; the upload is rewound for whoever reads it next."""
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()
