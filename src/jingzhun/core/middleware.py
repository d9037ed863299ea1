"""Middleware of jingzhun's own."""

from __future__ import annotations


class ChineseUnlessChosen:
    """Ignore the browser's Accept-Language: the UI is Chinese until the user picks English.

    County offices share machines whose browsers are set to all sorts of languages; the language a user sees
    should be the one they chose (the language cookie set by the switcher), never a browser setting.
    Placed before django.middleware.locale.LocaleMiddleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
