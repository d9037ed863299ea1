"""Template filters of the registry pages."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def mark(value) -> str:
    """Show a yes/no/unknown field as ✓, ✗ or an em dash, with a translated title for screen readers."""
    if value is None or value == "":
        return format_html('<span class="mark mark-unknown" title="{}">—</span>', _("unknown"))
    if value:
        return format_html('<span class="mark mark-yes" title="{}">✓</span>', _("yes"))
    return format_html('<span class="mark mark-no" title="{}">✗</span>', _("no"))
