"""Append to the audit chain and verify it.

Each entry's hash is SHA-256 over the previous hash and a canonical JSON of the entry's content (sorted keys, no
spaces, ISO times in UTC), so the same content always hashes the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from jingzhun.audit.models import AuditEntry, ChainHead
from jingzhun.core import bulk

GENESIS = "0" * 64


def _canonical(entry: AuditEntry, at: str | None = None) -> bytes:
    """The entry's content as hashed; ``at`` is its time as text when the caller has it already (a batch shares one)."""
    at = at or entry.at.astimezone(dt.UTC).isoformat(timespec="microseconds")
    content = {
        "seq": entry.seq, "at": at, "actor": entry.actor_id, "actor_name": entry.actor_name,
        "action": entry.action, "object_type": entry.object_type, "object_id": entry.object_id,
        "region_code": entry.region_code, "changes": entry.changes, "ip": entry.ip,
    }  # fmt: skip
    return _CANONICAL_JSON.encode(content).encode()


# json.dumps with options builds an encoder per call; one shared encoder writes the same text.
_CANONICAL_JSON = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def entry_hash(prev_hash: str, entry: AuditEntry) -> str:
    return hashlib.sha256(prev_hash.encode() + b"\n" + _canonical(entry)).hexdigest()


def _entry(seq: int, at, prev_hash: str, action: str, *, actor=None, actor_name: str = "", obj=None,
           object_type: str = "", object_id: str = "", region_code: str = "", changes: dict | None = None,
           ip: str | None = None, at_text: str | None = None) -> AuditEntry:  # fmt: skip
    """Build the entry and its hash; ``at_text`` is ``at`` as hashed, when a batch of entries shares it.

    Built by bulk.new, not AuditEntry(...): an import appends one entry per household, and Model.__init__'s keyword
    handling was half of the chain's cost.
    """
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    saved = actor if actor is not None and getattr(actor, "pk", None) else None
    entry = bulk.new(AuditEntry, {
        "seq": seq, "at": at, "actor_id": saved.pk if saved is not None else None,
        "actor_name": getattr(actor, "username", "") or actor_name, "action": action, "object_type": object_type,
        "object_id": str(object_id), "region_code": region_code, "changes": changes or {}, "ip": ip,
        "prev_hash": prev_hash,
    })  # fmt: skip
    if saved is not None:
        AuditEntry.actor.field.set_cached_value(entry, saved)
    entry.hash = hashlib.sha256(prev_hash.encode() + b"\n" + _canonical(entry, at_text)).hexdigest()
    return entry


def record(action: str, **details) -> AuditEntry:
    """Append one entry (inside the caller's transaction when there is one: it commits or rolls back with it).

    ``details``: actor (a user), actor_name, obj (a model instance) or object_type and object_id, region_code,
    changes (``{field: [before, after]}`` or details of the action), ip.
    """
    with transaction.atomic():
        head, _ = ChainHead.objects.select_for_update().get_or_create(pk=1)
        entry = _entry(head.last_seq + 1, timezone.now(), head.last_hash, action, **details)
        entry.save()
        ChainHead.objects.filter(pk=1).update(last_seq=entry.seq, last_hash=entry.hash)
    return entry


def record_many(items: list[tuple[str, dict]], batch: int = 2000) -> int:
    """Append many entries at once (an import): one lock, hashes chained in order, inserted in batches.

    ``items`` are (action, details) pairs with the details ``record`` takes. Returns how many were appended.
    """
    if not items:
        return 0
    with transaction.atomic():
        head, _ = ChainHead.objects.select_for_update().get_or_create(pk=1)
        seq, prev, now = head.last_seq, head.last_hash, timezone.now()
        at_text = now.astimezone(dt.UTC).isoformat(timespec="microseconds")
        entries = []
        for action, details in items:
            seq += 1
            entry = _entry(seq, now, prev, action, at_text=at_text, **details)
            prev = entry.hash
            entries.append(entry)
        bulk.insert(AuditEntry, entries)  # not save(): its guard is for edits; COPY/executemany for an import
        ChainHead.objects.filter(pk=1).update(last_seq=seq, last_hash=prev)
    return len(entries)


@dataclass(frozen=True)
class Verdict:
    ok: bool
    checked: int
    broken_at: int | None = None  # sequence number of the first broken link
    reason: str = ""


def verify(batch: int = 5000) -> Verdict:
    """Walk the chain in order; return the first broken link (edited, deleted or reordered entry)."""
    expected_seq, prev_hash, checked = 1, GENESIS, 0
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=batch):
        if entry.seq != expected_seq:
            return Verdict(False, checked, expected_seq, f"entry #{expected_seq} is missing (next is #{entry.seq})")
        if entry.prev_hash != prev_hash:
            return Verdict(False, checked, entry.seq, "its previous-hash does not match the entry before it")
        if entry_hash(prev_hash, entry) != entry.hash:
            return Verdict(False, checked, entry.seq, "its content does not match its hash (edited)")
        prev_hash, expected_seq, checked = entry.hash, expected_seq + 1, checked + 1
    head = ChainHead.objects.filter(pk=1).first()
    if head is not None and (head.last_seq != checked or head.last_hash != prev_hash):
        return Verdict(False, checked, checked + 1, "the chain ends before its recorded head (entries removed)")
    return Verdict(True, checked)


def client_ip(request) -> str | None:
    """The client's address as the server saw it (REMOTE_ADDR; a proxy must set it via the WSGI server)."""
    return request.META.get("REMOTE_ADDR") if request is not None else None
