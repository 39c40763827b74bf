"""Forms of the subsidies pages. They check the shape of what was typed; the rules live in
subsidies/rules.py and the services, whose refusals the views put next to the fields."""

from decimal import Decimal

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from membership.identifiers import clean_resident_id, normalise_text
from membership.models import IndustryFederation, Street, Union
from subsidies.models import EntitlementState, Programme, ProgrammeCode, SkillLevel
from subsidies.organisations import REBATE_YEARS, non_public_enterprise_unions
from subsidies.rules import fare_not_positive_message

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_ERRORS = {"required": _("Enter the date."),
               "invalid": _("Enter the date as year-month-day, e.g. 2026-02-25.")}


class _CrispyForm(forms.Form):
    submit_label = _("Save")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", self.submit_label))


def _money(label, *, required=True, minimum=Decimal("0"), help_text=""):
    return forms.DecimalField(
        label=label, required=required, max_digits=12, decimal_places=2, min_value=minimum,
        help_text=help_text, error_messages={
            "required": _("Enter the amount."),
            "invalid": _("Enter the amount in yuan, e.g. 150 or 150.00."),
            "max_decimal_places": _("Enter the amount in yuan, with at most two decimals."),
            "max_digits": _("The amount is too large."),
            "max_whole_digits": _("The amount is too large."),
            "min_value": _("The amount cannot be negative."),
        })


def programme_choices(codes=None):
    codes = codes or ProgrammeCode.values
    return [(c, label) for c, label in ProgrammeCode.choices if c in codes]


# ---------------------------------------------------------------------------
# Office
# ---------------------------------------------------------------------------
# The largest quota a year can be given: a seat for each of the district's million workers.
QUOTA_MAX = 1_000_000


class ProgrammeYearForm(_CrispyForm):
    """The settings an admin edits; which fields show depends on the programme."""

    amount = _money(_("amount (yuan)"), help_text=_("The fixed amount, or the cap where the "
                                                    "amount varies."))
    minimum = _money(_("minimum (yuan)"), required=False)
    cap = _money(_("cap per recipient per year (yuan)"), required=False)
    city_share = forms.DecimalField(
        label=_("city share"), max_digits=4, decimal_places=2, min_value=0, max_value=1,
        help_text=_("The part paid by the city federation, e.g. 0.60; the district pays the "
                    "rest."),
        error_messages={"required": _("Enter the city share, e.g. 0.60."),
                        "invalid": _("Enter the city share as a fraction, e.g. 0.60."),
                        "min_value": _("The city share is a fraction between 0 and 1, e.g. "
                                       "0.60."),
                        "max_value": _("The city share is a fraction between 0 and 1, e.g. "
                                       "0.60."),
                        "max_decimal_places": _("Enter the city share with at most two "
                                                "decimals, e.g. 0.60."),
                        "max_digits": _("Enter the city share as a fraction, e.g. 0.60.")})
    quota = forms.IntegerField(label=_("quota"), required=False, min_value=0,
                               max_value=QUOTA_MAX,
                               error_messages={"invalid": _("Enter a whole number."),
                                               "min_value": _("The quota cannot be negative."),
                                               "max_value": _("The quota is at most %(limit_value)s.")})
    spring_festival = forms.DateField(label=_("Spring Festival"), required=False,
                                      widget=DATE_WIDGET, error_messages=DATE_ERRORS)
    window_start = forms.DateField(label=_("return window from"), required=False,
                                   widget=DATE_WIDGET, error_messages=DATE_ERRORS)
    window_end = forms.DateField(label=_("return window until"), required=False,
                                 widget=DATE_WIDGET, error_messages=DATE_ERRORS)

    FIELDS_BY_PROGRAMME = {
        ProgrammeCode.SPRING_RETURN: ("amount", "city_share", "quota", "spring_festival",
                                      "window_start", "window_end"),
        ProgrammeCode.INDUSTRY_GRANT: ("amount", "minimum", "cap", "city_share"),
        ProgrammeCode.DEVELOPMENT: ("amount", "cap", "city_share"),
    }

    def __init__(self, *args, programme_year, **kwargs):
        fields = self.FIELDS_BY_PROGRAMME.get(programme_year.programme_id,
                                              ("amount", "city_share"))
        kwargs.setdefault("initial", {name: getattr(programme_year, name) for name in fields})
        super().__init__(*args, **kwargs)
        for name in list(self.fields):
            if name not in fields:
                del self.fields[name]
        if programme_year.programme_id == ProgrammeCode.SPRING_RETURN:
            self.fields["amount"].label = _("highest fare paid (yuan)")


class ProgrammeForm(_CrispyForm):
    """A programme's name and the years it runs."""

    _YEAR_ERRORS = {"invalid": _("Enter the year, e.g. 2027."),
                    "min_value": _("Enter the year, e.g. 2027."),
                    "max_value": _("Enter the year, e.g. 2027.")}

    name = forms.CharField(label=_("name"), max_length=64,
                           error_messages={"required": _("Enter the programme's name."),
                                           "max_length": _("Keep the name under 64 "
                                                           "characters.")})
    first_year = forms.IntegerField(label=_("first year"), min_value=2019, max_value=2100,
                                    error_messages={"required": _("Enter the year, e.g. 2027."),
                                                    **_YEAR_ERRORS})
    last_year = forms.IntegerField(label=_("last year"), required=False, min_value=2019,
                                   max_value=2100, error_messages=_YEAR_ERRORS,
                                   help_text=_("Empty: the programme runs on."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper.attrs = {"novalidate": ""}  # the server's messages, in the page's language


class EntitlementFilterForm(forms.Form):
    programme = forms.ChoiceField(label=_("programme"), required=False,
                                  choices=[("", _("any"))] + programme_choices())
    year = forms.TypedChoiceField(label=_("year"), required=False, coerce=int,
                                  empty_value=None)
    state = forms.ChoiceField(label=_("state"), required=False,
                              choices=[("", _("any"))] + EntitlementState.choices)

    def __init__(self, *args, years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", _("any"))] + [(y, y) for y in years]

    def filters(self):
        if not self.is_valid():
            return {"programme": "", "year": None, "state": ""}
        return dict(self.cleaned_data)


class ProgrammeYearAddForm(forms.Form):
    """A new year of a programme's settings, copied from its latest earlier year."""

    programme = forms.ModelChoiceField(
        label=_("programme"), queryset=Programme.objects.order_by("pk"), empty_label=None,
        to_field_name="code",
        widget=forms.Select(attrs={"class": "form-select"}),
        error_messages={"required": _("Choose the programme."),
                        "invalid_choice": _("Choose the programme.")})
    year = forms.IntegerField(label=_("year"), min_value=2019, max_value=2100,
                              widget=forms.NumberInput(attrs={"class": "form-control"}),
                              error_messages={"required": _("Enter the year."),
                                              "invalid": _("Enter the year, e.g. 2027."),
                                              "min_value": _("Enter the year, e.g. 2027."),
                                              "max_value": _("Enter the year, e.g. 2027.")})


class YearForm(forms.Form):
    year = forms.TypedChoiceField(label=_("year"), coerce=int,
                                  error_messages={"required": _("Choose the year."),
                                                  "invalid_choice": _("Choose the year.")})

    def __init__(self, *args, years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, y) for y in years]


class RejectForm(_CrispyForm):
    submit_label = _("Reject")

    reason = forms.CharField(label=pgettext_lazy("entitlement", "reason for rejection"),
                             max_length=255,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": _("Give the reason for the rejection."),
                                             "max_length": _("Keep the reason under 255 "
                                                             "characters.")})


class BatchCreateForm(forms.Form):
    programme = forms.ChoiceField(label=_("programme"), choices=programme_choices(),
                                  widget=forms.Select(attrs={"class": "form-select"}),
                                  error_messages={"required": _("Choose the programme.")})
    year = forms.TypedChoiceField(label=_("year"), coerce=int,
                                  widget=forms.Select(attrs={"class": "form-select"}),
                                  error_messages={"required": _("Choose the year.")})

    def __init__(self, *args, years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, y) for y in years]


class ResultUploadForm(_CrispyForm):
    submit_label = _("Import the result")

    file = forms.FileField(label=_("the bank's result file (.xlsx)"),
                           error_messages={"required": _("Choose the bank's result file.")})


# ---------------------------------------------------------------------------
# Organisation programmes
# ---------------------------------------------------------------------------
class IndustryGrantForm(forms.Form):
    federation = forms.ModelChoiceField(
        label=_("industry federation"), queryset=IndustryFederation.objects.order_by("pk"),
        error_messages={"required": _("Choose the industry federation.")})
    amount = _money(_("grant (yuan)"))


class FoundingRebateForm(forms.Form):
    union = forms.ModelChoiceField(label=_("base union"), queryset=Union.objects.all(),
                                   widget=forms.HiddenInput)
    # The rebate's year; the page's own year travels as "year".
    rebate_year = forms.TypedChoiceField(label=_("year"), coerce=int,
                                         choices=[(y, y) for y in REBATE_YEARS],
                                         widget=forms.HiddenInput)
    amount = _money(_("rebate (yuan)"))


class ModelHomeSelectionForm(forms.Form):
    name = forms.CharField(label=_("name of the selected home"), max_length=128,
                           error_messages={"required": _("Enter the name of the selected "
                                                         "home.")})
    union = forms.ModelChoiceField(label=_("base union (non-public enterprise)"),
                                   queryset=Union.objects.none(), required=False,
                                   widget=forms.Select(attrs={"class": "form-select"}))
    non_public = forms.BooleanField(
        label=_("non-public enterprise union"), required=False,
        help_text=_("For a home whose union is not chosen above; one chosen above is "
                    "non-public already."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["union"].queryset = non_public_enterprise_unions().order_by("name")


class SocialWorkerForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("person", "name"), max_length=50,
                           widget=forms.TextInput(attrs={"class": "form-control"}),
                           error_messages={"required": _("Enter the name.")})
    street = forms.ModelChoiceField(label=_("street federation"),
                                    queryset=Street.objects.order_by("position"), required=False,
                                    widget=forms.Select(attrs={"class": "form-select"}))
    industry_federation = forms.ModelChoiceField(
        label=_("industry federation"), queryset=IndustryFederation.objects.order_by("pk"),
        required=False, widget=forms.Select(attrs={"class": "form-select"}))
    since = forms.DateField(label=_("since"), error_messages=DATE_ERRORS,
                            widget=forms.DateInput(attrs={"type": "date",
                                                          "class": "form-control"},
                                                   format="%Y-%m-%d"))


# ---------------------------------------------------------------------------
# Skill rewards entered by staff
# ---------------------------------------------------------------------------
class SkillClaimForm(_CrispyForm):
    submit_label = _("Enter the claim")

    member_number = forms.CharField(label=_("member number"), max_length=16,
                                    error_messages={"required": _("Enter the member number.")})
    certificate_level = forms.ChoiceField(
        label=_("certificate level"), choices=[("", "---------")] + SkillLevel.choices,
        error_messages={"required": _("Choose the certificate level.")})
    certificate_number = forms.CharField(
        label=_("certificate number"), max_length=40,
        error_messages={"required": _("Enter the certificate number.")})
    certificate_date = forms.DateField(label=_("certificate date"), widget=DATE_WIDGET,
                                       error_messages=DATE_ERRORS)


# ---------------------------------------------------------------------------
# The member's own pages (public, phone first)
# ---------------------------------------------------------------------------
class _Honeypot(forms.Form):
    """A field people never see (CSS hides it) and bots fill in."""

    website = forms.CharField(label=_("Leave this field empty"), required=False,
                              widget=forms.TextInput(attrs={"autocomplete": "off",
                                                            "tabindex": "-1"}))

    def clean(self):
        data = super().clean()
        if data.get("website"):
            raise ValidationError(self.honeypot_message, code="honeypot")
        return data


class IdentifyForm(_Honeypot):
    honeypot_message = _("We could not confirm who you are. Check the ID number and the last "
                         "6 digits of your member service card.")

    id_number = forms.CharField(
        label=_("ID number"), max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text",
                                      "autocapitalize": "characters"}),
        error_messages={"required": _("Enter the ID number.")})
    card_last6 = forms.CharField(
        label=_("last 6 digits of the member service card"), max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
        error_messages={"required": _("Enter the last 6 digits of your member service "
                                      "card.")})

    field_order = ["id_number", "card_last6", "website"]

    def clean_id_number(self):
        return clean_resident_id(self.cleaned_data["id_number"]).number

    def clean_card_last6(self):
        digits = normalise_text(self.cleaned_data["card_last6"])
        if len(digits) != 6 or not digits.isdigit():
            raise ValidationError(_("Enter the last 6 digits of your member service card."),
                                  code="invalid")
        return digits


class SpringReturnClaimForm(_Honeypot):
    honeypot_message = _("The claim could not be accepted. Please try again.")

    # No min_value: its check would run beside the decimals' and say a second thing about
    # "0.001"; clean_fare asks for more than 0 once the shape is right.
    fare = forms.DecimalField(
        label=_("fare (yuan)"), max_digits=8, decimal_places=2,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
        error_messages={
            "required": _("Enter the fare on the ticket."),
            "invalid": _("Enter the fare in yuan, e.g. 235.50."),
            "max_decimal_places": _("Enter the fare in yuan, with at most two decimals."),
            "max_digits": _("The fare is too large."),
            "max_whole_digits": _("The fare is too large."),
        })
    ticket_number = forms.CharField(label=_("ticket number"), max_length=40,
                                    widget=forms.TextInput(attrs={"autocomplete": "off"}),
                                    help_text=_("The number printed on the ticket, or the "
                                                "order number; not the train number."),
                                    error_messages={"required": _("Enter the ticket number."),
                                                    "max_length": _("A ticket number has at "
                                                                    "most 40 characters.")})
    trip_date = forms.DateField(label=_("return trip date"), widget=DATE_WIDGET,
                                error_messages={"required": _("Enter the date of the return "
                                                              "trip."),
                                                "invalid": DATE_ERRORS["invalid"]})

    field_order = ["fare", "ticket_number", "trip_date", "website"]

    def clean_fare(self):
        fare = self.cleaned_data["fare"]
        if fare <= 0:
            raise ValidationError(fare_not_positive_message(), code="min_value")
        return fare

    def clean_ticket_number(self):
        return normalise_text(self.cleaned_data["ticket_number"]).upper()


class SpringReturnApiForm(IdentifyForm, SpringReturnClaimForm):
    """The API's request: the identification and the claim in one body, checked exactly as
    the page checks them (a platform has no honeypot)."""

    website = None
    field_order = ["id_number", "card_last6", "fare", "ticket_number", "trip_date"]

    def clean(self):
        return forms.Form.clean(self)

