"""Forms of the dues entry of a community for one month (SPEC §4, plan §三.(一)1)."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from membership.form_parts.members import MonthField
from membership.form_parts.units import date_input
from membership.models import Community, Member
from membership.services.dues import month_start


def _not_future(month):
    if month and month > month_start(timezone.localdate()):
        raise ValidationError(_("Dues cannot be recorded for a future month."),
                              code="future")


class DuesMonthPickForm(forms.Form):
    """The month (and, for a street or the office, the community) the page shows."""

    community = forms.ModelChoiceField(label=_("community"), queryset=Community.objects.none(),
                                       required=False)
    month = MonthField(label=_("month"), required=False, validators=[_not_future])

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities
        self.fields["community"].label_from_instance = (
            lambda c: f"{c.street.short_name} · {c.name}")

    def chosen_month(self):
        month = self.cleaned_data.get("month") if self.is_valid() else None
        return month or month_start(timezone.localdate())


class DuesMonthForm(forms.Form):
    """The ticked members of the month shown; the month travels as a hidden field."""

    month = MonthField(widget=forms.HiddenInput, validators=[_not_future])
    paid_on = forms.DateField(label=_("paid on"), initial=timezone.localdate,
                              widget=date_input())
    members = forms.ModelMultipleChoiceField(
        queryset=Member.objects.none(), widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Tick the members who paid."),
            "invalid_choice": _("A ticked member is not a scattered member of this "
                                "community; nothing was recorded."),
            "invalid_pk_value": _("A ticked member is not a scattered member of this "
                                  "community; nothing was recorded."),
        })

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = members
