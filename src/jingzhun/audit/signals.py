"""Record logins, logouts and failed logins in the audit log."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from jingzhun.audit.chain import client_ip, record


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    record("login", actor=user, region_code=user.region_id or "", ip=client_ip(request))


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        record("logout", actor=user, region_code=user.region_id or "", ip=client_ip(request))


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    # The attempted user name only: never the password.
    record("login_failed", changes={"username": str(credentials.get("username", ""))[:150]}, ip=client_ip(request))
