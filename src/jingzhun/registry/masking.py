"""Mask personal data (ID and phone numbers) for users whose function does not grant seeing it."""

from __future__ import annotations

from jingzhun.registry.idnumber import mask


def id_number_for(user, number: str) -> str:
    """Return the ID number as ``user`` may see it: whole, or 5118**********123X."""
    if user.can_view_personal_data:
        return number
    return mask(number, keep_start=4, keep_end=4)


def phone_for(user, phone: str) -> str:
    """Return the phone number as ``user`` may see it: whole, or 138****5678."""
    if user.can_view_personal_data:
        return phone
    return mask(phone, keep_start=3, keep_end=4)
