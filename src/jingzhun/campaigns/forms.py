"""Forms of the campaign pages: what a user may type, validated before anything changes."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from jingzhun.campaigns import sampling
from jingzhun.campaigns.models import ITEM_LABELS, Level, Population

DESIGNS = [
    ("srs", _("simple random sample")),
    ("stratified", _("stratified random sample")),
    ("systematic", _("systematic (interval) sample over the ordered list")),
    ("pps", _("two-stage: villages by size (PPS), then households")),
]
STRATA = [("town", _("town")), ("village", _("village"))]
ALLOCATIONS = [("proportional", _("proportional to size")), ("neyman", _("Neyman (optimal)"))]
CONFIDENCES = [("0.90", "90 %"), ("0.95", "95 %"), ("0.99", "99 %")]


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=100)
    region = forms.ChoiceField(label=_("region"))
    level = forms.ChoiceField(label=_("level"), choices=Level.choices)
    population = forms.ChoiceField(label=_("households"), choices=Population.choices)
    items = forms.MultipleChoiceField(
        label=_("items to verify"), choices=list(ITEM_LABELS.items()), widget=forms.CheckboxSelectMultiple,
        initial=list(ITEM_LABELS),
    )  # fmt: skip
    reference_date = forms.DateField(label=_("reference date"), widget=forms.DateInput(attrs={"type": "date"}))
    deadline = forms.DateField(label=_("deadline"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    parent = forms.TypedChoiceField(label=_("re-checks the campaign"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, regions=(), parents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [(region.code, f"{region.name} ({region.code})") for region in regions]
        self.fields["parent"].choices = [("", "—"), *((c.pk, c.name) for c in parents)]


class DesignForm(forms.Form):
    """The sampling design and the sample-size target (shown as a preview before drawing)."""

    kind = forms.ChoiceField(label=_("design"), choices=DESIGNS, initial="stratified")
    stratify_by = forms.ChoiceField(label=_("strata"), choices=STRATA, initial="town")
    allocation = forms.ChoiceField(label=_("allocation"), choices=ALLOCATIONS, initial="proportional")
    margin = forms.FloatField(label=_("margin of error (percentage points)"), min_value=0.1, max_value=50, initial=3)
    confidence = forms.ChoiceField(label=_("confidence"), choices=CONFIDENCES, initial="0.95")
    p = forms.FloatField(label=_("anticipated rate (%)"), min_value=0.1, max_value=99.9, initial=50)
    deff = forms.FloatField(label=_("design effect"), min_value=1, max_value=20, initial=1)
    n = forms.IntegerField(label=_("sample size (blank: computed)"), min_value=2, required=False)
    clusters = forms.IntegerField(label=_("villages to draw (two-stage)"), min_value=1, required=False)
    per_cluster = forms.IntegerField(label=_("households per village (two-stage)"), min_value=1, required=False)
    outside_n = forms.IntegerField(label=_("outside households to draw"), min_value=0, required=False, initial=0)
    seed = forms.IntegerField(label=_("seed (blank: random)"), min_value=0, max_value=2**62, required=False)

    def clean(self):
        data = super().clean()
        if data.get("kind") == "pps" and not (data.get("clusters") and data.get("per_cluster")):
            raise forms.ValidationError(_("A two-stage design needs the number of villages and of households each."))
        return data

    def size(self, population: int) -> sampling.SampleSize:
        data = self.cleaned_data
        return sampling.sample_size(
            margin=data["margin"] / 100, population=population or None, confidence=float(data["confidence"]),
            p=data["p"] / 100, deff=data["deff"],
        )  # fmt: skip

    def design(self, population: int) -> tuple[sampling.Design, sampling.SampleSize]:
        data = self.cleaned_data
        size = self.size(population)
        n = data.get("n") or size.n
        if data["kind"] == "pps":
            n = data["clusters"] * data["per_cluster"]
        design = sampling.Design(
            kind=data["kind"], n=min(n, population), allocation=data["allocation"],
            clusters=data.get("clusters") or 0, per_cluster=data.get("per_cluster") or 0,
        )  # fmt: skip
        return design, size


class AssignForm(forms.Form):
    region = forms.ChoiceField(label=_("region"))
    checker = forms.TypedChoiceField(label=_("checker"), coerce=int)

    def __init__(self, *args, regions=(), checkers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [(region.code, f"{region.name}") for region in regions]
        self.fields["checker"].choices = [
            (user.pk, f"{user.get_full_name() or user.username} · {user.region.name if user.region else ''}")
            for user in checkers
        ]


class OutsideForm(forms.Form):
    file = forms.FileField(label=_("list of outside households (.xlsx or .csv)"))


class PhotoForm(forms.Form):
    photo = forms.FileField(label=_("photo"))
