"""Mask personal data (ID and phone numbers) everywhere by default.

Pages always show 5118**********123X and 138****5678. A user whose function grants ``view_personal_data`` can
reveal one value at a time — a deliberate click (POST) that is written to the audit log — and their exports of
findings carry full numbers (the export itself is logged). Everyone else never sees a full number.
"""

from __future__ import annotations

from jingzhun.registry.idnumber import mask


def can_reveal(user) -> bool:
    return bool(getattr(user, "can_view_personal_data", False))


def id_number_for(user, number: str, *, revealed: bool = False) -> str:
    """Return the ID number as ``user`` may see it here: whole only when revealed by a user with the right."""
    if revealed and can_reveal(user):
        return number
    return mask(number, keep_start=4, keep_end=4)


def phone_for(user, phone: str, *, revealed: bool = False) -> str:
    """Return the phone number as ``user`` may see it here: 138****5678 unless revealed by a user with the right."""
    if revealed and can_reveal(user):
        return phone
    return mask(phone, keep_start=3, keep_end=4)
