"""Forms of the office's pages. They check the shape of what was typed; the rules live in
accounts/services.py, whose refusals the views put next to the fields."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import ROLE_ORGANISATION_FIELD, Role
from membership.models import Community, Department, IndustryFederation, Street

_SELECT = {"class": "form-select"}


class _CommunityChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.street.name} · {obj.name}"


class UserForm(forms.Form):
    """A user's name, role and organisation. Every role's organisation has its own list;
    static/js/user-form.js shows only the one of the chosen role, and the service takes only
    that one (without script, the others are ignored)."""

    username = forms.CharField(label=_("login name"), max_length=150,
                               widget=forms.TextInput(attrs={"class": "form-control",
                                                             "autocomplete": "off"}),
                               error_messages={"required": _("Enter a login name."),
                                               "max_length": _("Keep the login name under "
                                                               "150 characters.")})
    full_name = forms.CharField(label=_("full name"), max_length=150,
                                widget=forms.TextInput(attrs={"class": "form-control"}),
                                error_messages={"required": _("Enter the person's full name."),
                                                "max_length": _("Keep the name under 150 "
                                                                "characters.")})
    role = forms.ChoiceField(label=_("role"), choices=[("", "—")] + Role.choices,
                             widget=forms.Select(attrs={**_SELECT, "data-role-select": ""}),
                             error_messages={"required": _("Choose a role."),
                                             "invalid_choice": _("Choose a role.")})
    street = forms.ModelChoiceField(
        label=_("street"), required=False, queryset=Street.objects.order_by("pk"),
        widget=forms.Select(attrs={**_SELECT, "data-organisation-of": Role.STREET}),
        error_messages={"invalid_choice": _("Choose a street from the list.")})
    community = _CommunityChoice(
        label=_("community"), required=False,
        queryset=Community.objects.select_related("street").order_by("street_id", "pk"),
        widget=forms.Select(attrs={**_SELECT, "data-organisation-of": Role.COMMUNITY}),
        error_messages={"invalid_choice": _("Choose a community from the list.")})
    industry_federation = forms.ModelChoiceField(
        label=_("industry federation"), required=False,
        queryset=IndustryFederation.objects.order_by("pk"),
        widget=forms.Select(attrs={**_SELECT, "data-organisation-of": Role.INDUSTRY}),
        error_messages={"invalid_choice": _("Choose an industry federation from the list.")})
    department = forms.ModelChoiceField(
        label=_("department"), required=False, queryset=Department.objects.order_by("pk"),
        widget=forms.Select(attrs={**_SELECT, "data-organisation-of": Role.LIAISON}),
        error_messages={"invalid_choice": _("Choose a department from the list.")})

    ORGANISATION_FIELDS = ("street", "community", "industry_federation", "department")

    def __init__(self, *args, with_username=True, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_username:
            del self.fields["username"]

    def service_arguments(self):
        """The cleaned values as the services take them: the organisation of the role."""
        data = self.cleaned_data
        field = ROLE_ORGANISATION_FIELD.get(data["role"])
        arguments = {"full_name": data["full_name"], "role": data["role"],
                     "organisation": data.get(field) if field else None}
        if "username" in data:
            arguments["username"] = data["username"]
        return arguments


class UserFilterForm(forms.Form):
    role = forms.ChoiceField(label=_("role"), required=False,
                             choices=[("", _("any"))] + Role.choices,
                             widget=forms.Select(attrs={"class": "form-select form-select-sm"}))
    q = forms.CharField(label=_("name or organisation"), required=False, max_length=64,
                        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}))
    active = forms.ChoiceField(label=_("status"), required=False, choices=[
        ("", _("any")), ("yes", _("active")), ("no", _("deactivated"))],
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}))

    def filters(self):
        if not self.is_valid():
            return {"role": "", "q": "", "active": None}
        data = self.cleaned_data
        return {"role": data["role"], "q": data["q"].strip(),
                "active": {"yes": True, "no": False}.get(data["active"])}


class ApiKeyForm(forms.Form):
    name = forms.CharField(label=_("client"), max_length=64,
                           help_text=_("The system that will call the API, e.g. the city "
                                       "federation's platform."),
                           widget=forms.TextInput(attrs={"class": "form-control"}),
                           error_messages={"required": _("Enter the name of the system that "
                                                         "will use the key."),
                                           "max_length": _("Keep the name under 64 "
                                                           "characters.")})


class SecondFactorCodeForm(forms.Form):
    """A code of the authenticator app, or a recovery code (accounts/second_factor.py)."""

    code = forms.CharField(
        label=_("verification code"), max_length=32, strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True,
                                      "inputmode": "text", "class": "font-monospace"}))
