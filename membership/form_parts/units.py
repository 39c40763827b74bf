"""Forms of the unit pages: filters, the unit itself, founding steps and progress notes.
Field rules live in the services; these forms type what was typed and limit the choices
to the user's scope."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from membership.forms import _CrispyForm
from membership.models import (
    Community,
    FoundingStatus,
    Sector,
    Street,
    Union,
    UnitKind,
)
from membership.services.units import ALLOWED_STEPS


def date_input():
    """The browser's date picker, which takes and gives ISO dates whatever the language."""
    return forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


def street_choices(user):
    """Streets a user may pick: their own for street and community staff, else all."""
    if user.role == Role.STREET:
        return Street.objects.filter(pk=user.street_id)
    if user.role == Role.COMMUNITY:
        return Street.objects.filter(communities=user.community_id)
    return Street.objects.all()


def community_choices(user):
    """Communities a user may pick, labelled with their street."""
    if user.role in (Role.STREET, Role.COMMUNITY):
        qs = Community.objects.for_user(user)
    else:
        qs = Community.objects.all()
    return qs.select_related("street")


def drop_fixed_place_filters(form, user):
    """Street and community staff work in one street (or community): no filter to offer."""
    if user.role in (Role.STREET, Role.COMMUNITY):
        del form.fields["street"]
    if user.role == Role.COMMUNITY and "community" in form.fields:
        del form.fields["community"]


def community_label(community):
    return f"{community.street.short_name} · {community.name}"


class UnitFilterForm(forms.Form):
    q = forms.CharField(label=_("name or credit code"), required=False)
    street = forms.ModelChoiceField(label=_("street"), queryset=Street.objects.none(),
                                    required=False)
    community = forms.ModelChoiceField(label=_("community"),
                                       queryset=Community.objects.none(), required=False)
    sector = forms.ChoiceField(label=_("sector"), required=False,
                               choices=[("", _("all sectors"))] + Sector.choices)
    founding_status = forms.ChoiceField(label=_("founding status"), required=False,
                                        choices=[("", _("any"))] + FoundingStatus.choices)
    hundred_plus = forms.BooleanField(label=_("100 or more employees"), required=False)
    is_key_enterprise = forms.BooleanField(label=_("key enterprise"), required=False)
    is_shuangwan = forms.BooleanField(label=_("双万双服 enterprise"), required=False)
    is_chamber_member = forms.BooleanField(label=_("chamber of commerce member"),
                                           required=False)
    paid_preparation_fund = forms.BooleanField(label=_("paid the union preparation fund"),
                                               required=False)

    FLAG_FIELDS = ("is_key_enterprise", "is_shuangwan", "is_chamber_member",
                   "paid_preparation_fund")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["street"].queryset = street_choices(user)
        self.fields["community"].queryset = community_choices(user)
        self.fields["community"].label_from_instance = community_label
        drop_fixed_place_filters(self, user)

    def filters(self):
        """The selector's keyword arguments; empty when the form is not valid."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "search": data["q"], "street": data.get("street"),
            "community": data.get("community"),
            "sector": data["sector"], "founding_status": data["founding_status"],
            "hundred_plus": data["hundred_plus"],
            "flags": [f for f in self.FLAG_FIELDS if data[f]],
        }


class UnitForm(_CrispyForm):
    name = forms.CharField(label=_("unit name"), max_length=200)
    credit_code = forms.CharField(
        label=_("unified social credit code"), max_length=40,
        help_text=_("18 characters; the letters I, O, S, V and Z are never used."))
    kind = forms.ChoiceField(label=_("unit kind"), choices=UnitKind.choices)
    sector = forms.ChoiceField(label=_("sector"), choices=Sector.choices)
    street = forms.ModelChoiceField(
        label=_("street"), queryset=Street.objects.none(),
        error_messages={"invalid_choice": _("You can only manage units of your own street.")})
    community = forms.ModelChoiceField(label=_("community"), queryset=Community.objects.none(),
                                       required=False)
    employee_count = forms.IntegerField(label=_("employees"), min_value=0, initial=0)
    migrant_count = forms.IntegerField(label=_("migrant workers"), min_value=0, initial=0)
    is_key_enterprise = forms.BooleanField(label=_("key enterprise"), required=False)
    is_shuangwan = forms.BooleanField(label=_("双万双服 enterprise"), required=False)
    is_chamber_member = forms.BooleanField(label=_("chamber of commerce member"),
                                           required=False)
    paid_preparation_fund = forms.BooleanField(label=_("paid the union preparation fund"),
                                               required=False)
    registered_on = forms.DateField(label=_("registered on"), required=False,
                                    widget=date_input())

    FIELDS = ("name", "credit_code", "kind", "sector", "street", "community",
              "employee_count", "migrant_count", "is_key_enterprise", "is_shuangwan",
              "is_chamber_member", "paid_preparation_fund", "registered_on")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["street"].queryset = street_choices(user)
        self.fields["community"].queryset = community_choices(user)
        self.fields["community"].label_from_instance = community_label
        if user.role == Role.STREET:
            self.fields["street"].initial = user.street_id
        if user.role == Role.INDUSTRY:
            self.fields["sector"].initial = user.industry_federation.sector

    @classmethod
    def initial_from(cls, unit):
        return {f: getattr(unit, f) for f in cls.FIELDS}


class FoundingStepForm(_CrispyForm):
    submit_label = _("Record the step")

    status = forms.ChoiceField(label=_("founding status"), choices=FoundingStatus.choices)
    on = forms.DateField(label=_("date"), widget=date_input())
    union = forms.ModelChoiceField(
        label=_("union"), queryset=Union.objects.none(), required=False,
        help_text=_("The unit's own union once founded, or the joint, building, park or "
                    "project union that covers it."))
    new_union_name = forms.CharField(
        label=_("or the name of a new union"), max_length=128, required=False,
        help_text=_("A new enterprise union of the unit's street is made with this name."))
    chair = forms.CharField(label=_("chair"), max_length=64, required=False)
    members_at_founding = forms.IntegerField(label=_("members at founding"), min_value=0,
                                             required=False)
    note = forms.CharField(label=_("note"), max_length=255, required=False)

    def __init__(self, *args, user, unit, **kwargs):
        super().__init__(*args, **kwargs)
        # Offer the steps the unit may take from where it is; the service checks again.
        allowed = ALLOWED_STEPS[FoundingStatus(unit.founding_status)]
        choices = [(v, label) for v, label in FoundingStatus.choices if v in allowed]
        if choices:
            self.fields["status"].choices = choices
        self.fields["on"].initial = timezone.localdate
        self.fields["union"].queryset = Union.objects.for_user(user).filter(
            street=unit.street).select_related("street")


class ProgressNoteForm(forms.Form):
    text = forms.CharField(label=_("progress note"), max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           error_messages={"required": _("Write the note.")})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Add the note")))
