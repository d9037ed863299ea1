"""Who is acting in this request, for audit entries written from model signals (no request there)."""

from __future__ import annotations

from contextvars import ContextVar

_user: ContextVar = ContextVar("jingzhun_audit_user", default=None)


def current_user():
    return _user.get()


class AuditUserMiddleware:
    """Remember the signed-in user for the length of the request (after AuthenticationMiddleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        token = _user.set(user if user is not None and user.is_authenticated else None)
        try:
            return self.get_response(request)
        finally:
            _user.reset(token)
