"""Forms of the member pages: filters, transfer, ending, card and dues."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from membership.form_parts.units import date_input, drop_fixed_place_filters, street_choices
from membership.forms import _CrispyForm
from membership.models import EndReason, MemberStatus, Street, Union


class MemberFilterForm(forms.Form):
    q = forms.CharField(label=_("member number or name"), required=False)
    street = forms.ModelChoiceField(label=_("street"), queryset=Street.objects.none(),
                                    required=False)
    union = forms.ModelChoiceField(label=_("base union"), queryset=Union.objects.none(),
                                   required=False)
    status = forms.ChoiceField(label=_("status"), required=False,
                               choices=[("", _("any"))] + MemberStatus.choices)
    # SPEC §4: a member without a card cannot be paid; the street binds it.
    no_card = forms.BooleanField(label=_("no member service card"), required=False)

    def __init__(self, *args, user, unions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["street"].queryset = street_choices(user)
        self.fields["union"].queryset = unions
        drop_fixed_place_filters(self, user)

    def filters(self):
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {"search": data["q"], "street": data.get("street"), "union": data["union"],
                "status": data["status"], "no_card": data["no_card"]}


class TransferForm(_CrispyForm):
    submit_label = _("Transfer")

    union = forms.ModelChoiceField(label=_("new base union"), queryset=Union.objects.none(),
                                   error_messages={
                                       "invalid_choice": _("This union is not in your scope.")})
    on = forms.DateField(label=_("transfer date"), initial=timezone.localdate,
                         widget=date_input())

    def __init__(self, *args, unions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["union"].queryset = unions
        self.fields["union"].label_from_instance = lambda u: f"{u.name}（{u.street.short_name}）"


class EndForm(_CrispyForm):
    submit_label = _("End the membership")

    on = forms.DateField(label=_("end date"), initial=timezone.localdate,
                         widget=date_input())
    reason = forms.ChoiceField(label=_("reason for ending"),
                               choices=[("", "---------")] + EndReason.choices,
                               error_messages={"required": _("Choose the reason.")})
    note = forms.CharField(label=_("note"), max_length=255, required=False)


class CardForm(_CrispyForm):
    submit_label = _("Bind the card")

    card_number = forms.CharField(label=_("member service card number"), max_length=40,
                                  widget=forms.TextInput(attrs={"autocomplete": "off",
                                                                "inputmode": "numeric"}))


class MonthInput(forms.TextInput):
    input_type = "month"

    def format_value(self, value):
        if isinstance(value, datetime.date):
            return value.strftime("%Y-%m")
        return super().format_value(value)


class MonthField(forms.Field):
    """A month typed as YYYY-MM (the browser's month picker); cleaned to its first day."""

    widget = MonthInput

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.widget.attrs["placeholder"] = "2026-01"

    def to_python(self, value):
        value = (value or "").strip()
        if not value:
            return None
        try:
            return datetime.datetime.strptime(value, "%Y-%m").date()
        except ValueError:
            raise ValidationError(_("Enter a month as year and month, e.g. 2026-03."),
                                  code="invalid") from None


class DuesForm(_CrispyForm):
    submit_label = _("Record the payment")

    first_month = MonthField(label=_("first month paid"))
    months = forms.IntegerField(label=_("number of months"), initial=1)
    paid_on = forms.DateField(label=_("paid on"), initial=timezone.localdate,
                              widget=date_input())

    def __init__(self, *args, arrears=(), **kwargs):
        super().__init__(*args, **kwargs)
        if arrears:  # offer to pay what is owed
            self.fields["first_month"].initial = arrears[0]
            self.fields["months"].initial = min(len(arrears), 36)
