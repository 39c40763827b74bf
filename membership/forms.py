from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from membership.models import Community, IndustryFederation, Street, UnionForm


class _CrispyForm(forms.Form):
    submit_label = _("Save")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", self.submit_label))


class UnionEditForm(_CrispyForm):
    name = forms.CharField(label=_("name"), max_length=128)
    form = forms.ChoiceField(label=_("form"), choices=UnionForm.choices)
    street = forms.ModelChoiceField(label=_("street"), queryset=Street.objects.none())
    community = forms.ModelChoiceField(
        label=_("community"), queryset=Community.objects.none(), required=False
    )
    industry_federation = forms.ModelChoiceField(
        label=_("industry federation"), queryset=IndustryFederation.objects.none(),
        required=False,
    )
    founded_on = forms.DateField(
        label=_("founded on"), required=False,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    chair = forms.CharField(label=_("chair"), max_length=64, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Choices are limited to the user's scope; the service checks again.
        if user.role == Role.STREET:
            streets = Street.objects.filter(pk=user.street_id)
            communities = Community.objects.filter(street_id=user.street_id)
        else:
            streets = Street.objects.all()
            communities = Community.objects.all()
        federations = IndustryFederation.objects.all()
        if user.role == Role.INDUSTRY:
            federations = federations.filter(pk=user.industry_federation_id)
            self.fields["industry_federation"].required = True
        self.fields["street"].queryset = streets
        self.fields["community"].queryset = communities.select_related("street")
        self.fields["community"].label_from_instance = lambda c: f"{c.street.short_name} · {c}"
        self.fields["industry_federation"].queryset = federations

    @classmethod
    def initial_from(cls, union):
        return {f: getattr(union, f) for f in
                ("name", "form", "street", "community", "industry_federation",
                 "founded_on", "chair")}


class UnionFilterForm(forms.Form):
    q = forms.CharField(label=_("search"), required=False)
    street = forms.ModelChoiceField(
        label=_("street"), queryset=Street.objects.all(), required=False
    )
    form = forms.ChoiceField(
        label=_("form"), choices=[("", _("all forms"))] + UnionForm.choices, required=False
    )
    industry_federation = forms.ModelChoiceField(
        label=_("industry federation"), queryset=IndustryFederation.objects.all(),
        required=False,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["street"].queryset = Street.objects.for_user(user) if user.role in (
            Role.STREET,) else Street.objects.all()


class CommunityEditForm(_CrispyForm):
    name = forms.CharField(label=_("name"), max_length=64)


class StreetEditForm(_CrispyForm):
    name = forms.CharField(label=_("name"), max_length=64)
    short_name = forms.CharField(label=_("short name"), max_length=32)
    position = forms.IntegerField(label=_("order"), min_value=0, max_value=999)
