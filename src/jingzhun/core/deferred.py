"""User-facing messages kept untranslated, to be shown later in the language of whoever reads them.

A background run fails in the worker, whose language is the server's default; the page that reports it is read by
a user who may have chosen the other one. So a run keeps what it will say as the message id (the English source
text) and its parameters, and the page translates it when it is shown. ``Message`` is that pair: ``str()`` gives it
in the active language (so an exception raised with one reads as before), ``as_json()`` stores it and ``render()``
turns the stored form back into text.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext


class Message:
    """A message id (marked for makemessages with ``gettext_noop`` at the call) and its parameters."""

    def __init__(self, msgid: str, **params: Any):
        self.msgid, self.params = msgid, params

    def __str__(self) -> str:
        return render(self.as_json())

    def __repr__(self) -> str:
        return f"Message({self.msgid!r}, **{self.params!r})"

    def as_json(self) -> dict:
        return {"id": self.msgid, "params": self.params}


def of_exception(exc: BaseException) -> dict:
    """The stored form of a refusal's message: its id and parameters when it was raised with a ``Message``, else
    its text as it reads now (a message that was translated when raised cannot be translated again)."""
    if exc.args and isinstance(exc.args[0], Message):
        return exc.args[0].as_json()
    return {"text": str(exc)}


def render(stored: dict) -> str:
    """The stored message in the active language."""
    if "id" in stored:
        text = gettext(stored["id"])
        return text % stored["params"] if stored.get("params") else text
    return stored.get("text", "")
