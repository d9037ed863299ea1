"""Forms of the ledger pages: what a user may type, validated before anything changes."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from jingzhun.ledger.models import Severity, Source
from jingzhun.standards.exports import ITEM_LABELS

IMPORT_SOURCES = [(value, label) for value, label in Source.choices if value in ("assessment", "inspection", "audit")]


class TextForm(forms.Form):
    """The text a transition needs (measures, result, reason), and the version of the problem the user saw."""

    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=4000)
    version = forms.IntegerField(min_value=1)


class EditForm(forms.Form):
    version = forms.IntegerField(min_value=1)
    description = forms.CharField(label=_("description"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)
    severity = forms.ChoiceField(label=_("severity"), choices=Severity.choices)
    deadline = forms.DateField(label=_("deadline"), widget=forms.DateInput(attrs={"type": "date"}))
    responsible_person = forms.CharField(label=_("responsible person"), max_length=60, required=False)


class AssignForm(forms.Form):
    to = forms.CharField(label=_("responsible unit"), max_length=40)  # a region code or "sector:<sector>"
    person = forms.CharField(label=_("responsible person"), max_length=60, required=False)
    deadline = forms.DateField(label=_("deadline"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    scope = forms.ChoiceField(choices=[("selected", "selected"), ("all", "all")], initial="selected")


class NewProblemForm(forms.Form):
    region = forms.ChoiceField(label=_("region"))
    household_number = forms.CharField(label=_("household number (optional)"), max_length=40, required=False)
    item = forms.ChoiceField(label=_("item of the standard"), choices=list(ITEM_LABELS.items()))
    severity = forms.ChoiceField(label=_("severity"), choices=Severity.choices, initial=Severity.MEDIUM)
    description = forms.CharField(label=_("description"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000)
    deadline = forms.DateField(label=_("deadline (optional)"), required=False,
                               widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip


class ImportForm(forms.Form):
    source = forms.ChoiceField(label=_("source"), choices=IMPORT_SOURCES)
    file = forms.FileField(label=_("file (.xlsx or .csv)"))
