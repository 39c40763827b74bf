"""Forms of the access log and of the person's rights. An ID number is only ever sent by
POST, so that it stays out of addresses and the web server's logs (SPEC §8)."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import AccessLog, User
from membership.identifiers import clean_resident_id
from privacy.models import DataRequest

_SMALL = {"class": "form-control form-control-sm"}
_SMALL_SELECT = {"class": "form-select form-select-sm"}


def _date(attrs):
    # The ISO form whatever the language: what an <input type="date"> takes.
    return forms.DateInput(format="%Y-%m-%d", attrs={**attrs, "type": "date"})


class _UserChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        name = obj.get_full_name()
        return f"{name} ({obj.username})" if name else obj.username


class IdNumberField(forms.CharField):
    """An ID number, checked and normalised (a lower-case x becomes X)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault("widget", forms.TextInput(attrs={**_SMALL, "autocomplete": "off",
                                                           "spellcheck": "false"}))
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        return clean_resident_id(value).number


class AccessLogFilterForm(forms.Form):
    user = _UserChoice(label=_("user"), required=False,
                       queryset=User.objects.order_by("username"),
                       widget=forms.Select(attrs=_SMALL_SELECT),
                       error_messages={"invalid_choice": _("Choose a user from the list.")})
    id_number = IdNumberField(label=_("ID number of the person seen"), required=False)
    action = forms.ChoiceField(label=_("action"), required=False,
                               choices=[("", _("any"))] + AccessLog.Action.choices,
                               widget=forms.Select(attrs=_SMALL_SELECT),
                               error_messages={"invalid_choice": _("Choose an action.")})
    date_from = forms.DateField(label=_("from"), required=False,
                                widget=_date(_SMALL),
                                error_messages={"invalid": _("Enter a date.")})
    date_to = forms.DateField(label=_("until"), required=False,
                              widget=_date(_SMALL),
                              error_messages={"invalid": _("Enter a date.")})
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise ValidationError({"date_to": _("The end date is before the start date.")})
        return data


class PersonFindForm(forms.Form):
    id_number = IdNumberField(label=_("ID number"),
                              error_messages={"required": _("Enter the ID number.")})


class DataRequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("request"), choices=DataRequest.Kind.choices,
                             widget=forms.Select(attrs={"class": "form-select"}),
                             error_messages={"required": _("Choose what the person asks for."),
                                             "invalid_choice": _("Choose what the person "
                                                                 "asks for.")})
    received_on = forms.DateField(label=_("received on"),
                                  widget=_date({"class": "form-control"}),
                                  error_messages={"required": _("Enter the day the request "
                                                                "was received."),
                                                  "invalid": _("Enter a date.")})
    note = forms.CharField(label=_("note"), required=False, max_length=255,
                           widget=forms.TextInput(attrs={"class": "form-control"}),
                           error_messages={"max_length": _("Keep the note under 255 "
                                                           "characters.")})
    # The person, carried from the look-up to the record of the request by POST only.
    id_number = IdNumberField(widget=forms.HiddenInput,
                              error_messages={"required": _("Enter the ID number.")})


class DataRequestDoneForm(forms.Form):
    # Left empty: today.
    done_on = forms.DateField(label=_("done on"), required=False,
                              widget=_date({"class": "form-control"}),
                              error_messages={"invalid": _("Enter a date.")})
    note = forms.CharField(label=_("note"), required=False, max_length=255,
                           widget=forms.TextInput(attrs={"class": "form-control"}),
                           error_messages={"max_length": _("Keep the note under 255 "
                                                           "characters.")})

    def clean_done_on(self):
        return self.cleaned_data.get("done_on") or timezone.localdate()
