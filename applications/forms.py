"""Forms of the application pages. They turn what was typed into values; the rules are
applications.services', whose refusals the views put next to the fields, so the page and
the API give the same messages."""

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from applications.consent import CONSENT_VERSION
from applications.models import (
    CORRECTION_NOTE_MAX_LENGTH,
    REJECT_REASON_MAX_LENGTH,
    ApplicationStatus,
)
from applications.services import BULK_REVIEW_MAX
from membership.form_parts.units import date_input
from membership.pii import mask_card
from membership.models import (
    Community,
    EmploymentForm,
    HukouType,
    OccupationGroup,
    Street,
    Union,
    Unit,
    UnitKind,
)

# Long enough for any honest value; the services say what is wrong with a long one.
_TEXT_MAX = 300


class _Honeypot(forms.Form):
    """A field people never see (static/css/portal.css hides it) and bots fill in."""

    website = forms.CharField(label=_("Leave this field empty"), required=False,
                              widget=forms.TextInput(attrs={"autocomplete": "off",
                                                            "tabindex": "-1"}))
    honeypot_message = _("The form could not be accepted. Please try again.")

    def clean(self):
        data = super().clean()
        if data.get("website"):
            raise ValidationError(self.honeypot_message, code="honeypot")
        return data


def _text(label, *, max_length=_TEXT_MAX, **attrs):
    return forms.CharField(label=label, required=False, max_length=max_length, strip=False,
                           widget=forms.TextInput(attrs=attrs),
                           error_messages={"max_length": _("This is too long.")})


class PublicChoiceField(forms.ModelChoiceField):
    """A choice by id; anything that is not a small whole number is simply not a choice."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        value = str(value).strip()
        if not value.isascii() or not value.isdigit() or len(value) > 9:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class CommunitySelect(forms.Select):
    """Communities with their street named on each option, for static/js/apply-form.js,
    which narrows the list to the chosen street. The 158 options are written in one go:
    a template per option made the page several times slower."""

    street_of: dict = {}

    def render(self, name, value, attrs=None, renderer=None):
        final_attrs = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        chosen = "" if value is None else str(value)
        options = format_html_join("", '<option value="{}"{}{}>{}</option>', (
            (key, format_html(' data-street="{}"', self.street_of[key])
             if key in self.street_of else "", mark_safe(" selected") if key == chosen else "",
             label)
            for key, label in ((str(k), lbl) for k, lbl in self.choices)))
        return format_html("<select{}>{}</select>", flatatt(final_attrs), options)


class ApplicantForm(forms.Form):
    """Who applies and where they work, as the public form asks it; the reviewer's
    correction asks the same."""

    name = _text(pgettext_lazy("person", "name"), autocomplete="name", maxlength="50")
    phone = _text(_("mobile phone"), max_length=40, inputmode="tel", autocomplete="tel",
                  maxlength="20")
    work = forms.ChoiceField(
        label=_("where you work"), widget=forms.RadioSelect, required=False,
        choices=[("employer", _("For an enterprise or social organisation")),
                 ("scattered", _("In scattered employment (no fixed employer)"))])
    employer = PublicChoiceField(
        label=_("employer"), required=False, queryset=Unit.objects.none(),
        help_text=_("Type part of the name or the credit code to search."),
        error_messages={"invalid_choice": _("Choose your employer from the list.")})
    occupation_group = forms.ChoiceField(
        label=_("occupation group"), required=False,
        choices=[("", _("choose…"))] + OccupationGroup.choices,
        error_messages={"invalid_choice": _("Choose your occupation group.")})
    street = PublicChoiceField(
        label=_("street"), required=False, queryset=Street.objects.none(),
        empty_label=_("choose…"),
        error_messages={"invalid_choice": _("Choose your street.")})
    community = PublicChoiceField(
        label=_("community"), required=False, queryset=Community.objects.none(),
        empty_label=_("choose…"), widget=CommunitySelect,
        help_text=_("Where you live or work."),
        error_messages={"invalid_choice": _("Choose your community.")})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["street"].queryset = Street.objects.order_by("position")
        communities = Community.objects.select_related("street").order_by(
            "street__position", "name")
        self.fields["community"].queryset = communities
        self.fields["community"].widget.street_of = {
            str(c.pk): str(c.street_id) for c in communities}
        self.fields["community"].widget.choices = [("", _("choose…"))] + [
            (c.pk, c.name) for c in communities]
        employer = self.fields["employer"]
        employer.queryset = Unit.objects.exclude(kind=UnitKind.OTHER).select_related("street")
        employer.widget.attrs.update({"data-employer-search": reverse("applications:employers"),
                                      "data-search-placeholder": _("Search by name or credit "
                                                                   "code")})
        chosen = (self.data.get(self.add_prefix("employer")) if self.is_bound
                  else self.initial.get("employer"))
        options = [("", _("choose…"))]
        if chosen and str(chosen).isdigit() and len(str(chosen)) < 10:
            options += [(u.pk, f"{u.name}（{u.credit_code}）")
                        for u in employer.queryset.filter(pk=chosen)]
        employer.widget.choices = options

    def clean(self):
        data = super().clean()
        work = data.get("work")
        if not work and "work" not in self.errors:
            self.add_error("work", ValidationError(
                _("Choose whether you work for an employer or in scattered employment."),
                code="required"))
        if work == "scattered":
            data["employer"] = None
        elif work == "employer" and not data.get("employer") and "employer" not in self.errors:
            self.add_error("employer", ValidationError(
                _("Choose your employer, or choose scattered employment."), code="required"))
        return data


class ApplyForm(ApplicantForm, _Honeypot):
    id_number = _text(_("ID number"), max_length=40, autocomplete="off",
                      autocapitalize="characters", maxlength="20")
    card_number = _text(_("member service card number (optional)"), max_length=60,
                        autocomplete="off", inputmode="numeric", maxlength="40")
    declared = forms.BooleanField(label=_("I confirm the declaration above."),
                                  required=False)
    consented = forms.BooleanField(
        label=_("I have read how my personal information is used and I agree."),
        required=False)
    consent_version = forms.CharField(widget=forms.HiddenInput, required=False,
                                      max_length=16, initial=CONSENT_VERSION)

    field_order = ["name", "id_number", "phone", "work", "employer", "occupation_group",
                   "street", "community", "card_number", "declared", "consented",
                   "consent_version", "website"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["card_number"].help_text = _(
            "16 to 19 digits, on the card. Subsidies are paid only to a bound card; without "
            "one now, take the card to your street federation after approval.")

    def submission(self):
        """The cleaned values as applications.services.application_submit takes them."""
        data = self.cleaned_data
        return {
            "name": data["name"], "id_number": data["id_number"], "phone": data["phone"],
            "card_number": data["card_number"],
            "employer": data.get("employer"), "street": data.get("street"),
            "community": data.get("community"), "occupation_group": data["occupation_group"],
            "declared": data["declared"], "consented": data["consented"],
            "consent_version": data["consent_version"] or CONSENT_VERSION,
        }


class CorrectionForm(ApplicantForm):
    """A reviewer's correction of a pending application. The phone starts empty, as the
    page shows it masked: empty keeps it, a number replaces it."""

    note = _text(_("what was corrected and why"), maxlength=str(CORRECTION_NOTE_MAX_LENGTH))

    # The checks are the public form's and the service's; where their message speaks to
    # the applicant, the reviewer reads it about the applicant (by field and error code).
    reviewer_messages = {
        ("name", "required"): _("Enter the applicant's name."),
        ("name", "invalid_characters"): _("Enter the name as on the applicant's ID card: "
                                          "letters only, no digits or symbols."),
        ("work", "required"): _("Choose whether the applicant works for an employer or in "
                                "scattered employment."),
        ("employer", "required"): _("Choose the applicant's employer, or choose scattered "
                                    "employment."),
        ("employer", "invalid_choice"): _("Choose the applicant's employer from the list."),
        ("occupation_group", "required"): _("Choose the applicant's occupation group."),
        ("occupation_group", "invalid_choice"): _("Choose the applicant's occupation group."),
        ("street", "required"): _("Choose the applicant's street."),
        ("street", "invalid_choice"): _("Choose the applicant's street."),
        ("community", "required"): _("Choose the applicant's community."),
        ("community", "invalid_choice"): _("Choose the applicant's community."),
    }

    def __init__(self, *args, application, masked_phone, **kwargs):
        initial = {"name": application.name, "occupation_group": application.occupation_group,
                   "work": "employer" if application.employer_id else "scattered",
                   "employer": application.employer_id,
                   "street": application.community.street_id,
                   "community": application.community_id}
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["phone"].widget.attrs["placeholder"] = masked_phone
        self.fields["phone"].help_text = _("Leave empty to keep %(phone)s.") % {
            "phone": masked_phone}
        self.fields["community"].help_text = _("Where the applicant lives or works.")
        self.fields["note"].help_text = _("Kept in the application's history with your name.")

    def add_error(self, field, error):
        """Every refusal passes here: the fields', clean()'s and the service's
        (hedong_union.forms.apply_errors)."""
        if not isinstance(error, ValidationError):
            error = ValidationError(error)
        if hasattr(error, "error_dict"):
            error = ValidationError({name: self._for_reviewer(name, errors)
                                     for name, errors in error.error_dict.items()})
        else:
            error = self._for_reviewer(field, error.error_list)
        super().add_error(field, error)

    def _for_reviewer(self, field, errors):
        return [ValidationError(self.reviewer_messages[field, e.code], code=e.code)
                if (field, e.code) in self.reviewer_messages else e for e in errors]

    def correction(self):
        """The cleaned values as applications.services.application_correct takes them."""
        data = self.cleaned_data
        values = {"name": data["name"], "employer": data.get("employer"),
                  "occupation_group": data["occupation_group"], "street": data.get("street"),
                  "community": data.get("community"), "note": data["note"]}
        if data["phone"].strip():
            values["phone"] = data["phone"]
        return values


class StatusLookupForm(_Honeypot):
    number = _text(_("application number"), max_length=40, autocomplete="off",
                   autocapitalize="characters")
    id_last6 = _text(_("last 6 characters of your ID number"), max_length=20,
                     autocomplete="off", autocapitalize="characters")

    field_order = ["number", "id_last6", "website"]

    def clean(self):
        data = super().clean()
        if not (data.get("number") or "").strip():
            self.add_error("number", _("Enter the application number."))
        if not (data.get("id_last6") or "").strip():
            self.add_error("id_last6", _("Enter the last 6 characters of your ID number."))
        return data


class ApproveForm(forms.Form):
    # Empty means today, the day shown at first.
    joined_on = forms.DateField(label=_("joined on"), initial=timezone.localdate,
                                required=False, widget=date_input(),
                                help_text=_("From the day the application was submitted to "
                                            "today."))
    hukou_type = forms.ChoiceField(label=_("hukou type"), choices=HukouType.choices,
                                   widget=forms.RadioSelect,
                                   help_text=_("Ask the applicant; the ID number does not "
                                               "tell it."))
    employment_form = forms.ChoiceField(
        label=_("employment form"), required=False,
        choices=[(v, label) for v, label in EmploymentForm.choices
                 if v != EmploymentForm.SCATTERED])
    union = forms.ModelChoiceField(label=_("base union"), queryset=Union.objects.none(),
                                   required=False)
    card_number = forms.CharField(
        label=_("member service card number"), required=False, max_length=60,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric",
                                      "maxlength": "40"}),
        error_messages={"max_length": _("This is too long.")})
    without_card = forms.BooleanField(label=_("Approve without binding this card"),
                                      required=False)

    def __init__(self, *args, user, application, routed_union=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["union"].queryset = Union.objects.for_user(user).order_by("name")
        self.fields["union"].initial = routed_union
        if application.employer_id is None:
            del self.fields["employment_form"]
        card = self.fields["card_number"]
        if application.card_number:
            card.help_text = _(
                "The applicant gave card %(card)s; it is bound on approval. Type a number "
                "only to bind another card instead.") % {
                "card": mask_card(application.card_number)}
        else:
            # SPEC §4: no payment reaches a member without a bound card.
            card.help_text = _(
                "The applicant gave no card number. Ask for it: subsidies are paid only to "
                "a bound card. Leave empty to bind it later on the member's page.")
            del self.fields["without_card"]


class BulkReviewForm(forms.Form):
    """The street's decision on several pending applications at once (SPEC §5): each is
    then checked as on its own page; one hukou type and employment form for all."""

    applications = forms.TypedMultipleChoiceField(
        coerce=int, choices=[], error_messages={
            "required": _("Tick the applications to approve or reject."),
            "invalid_choice": _("Tick the applications to approve or reject.")})
    action = forms.ChoiceField(choices=[("approve", "approve"), ("reject", "reject")])
    joined_on = forms.DateField(label=_("joined on"), initial=timezone.localdate,
                                required=False, widget=date_input(),
                                help_text=_("Empty means today."))
    hukou_type = forms.ChoiceField(label=_("hukou type"), required=False,
                                   choices=[("", _("choose…"))] + HukouType.choices)
    employment_form = forms.ChoiceField(
        label=_("employment form"), required=False,
        choices=[("", _("choose…"))] + [(v, label) for v, label in EmploymentForm.choices
                                        if v != EmploymentForm.SCATTERED],
        help_text=_("For the applicants with an employer."))
    reason = forms.CharField(label=_("reason for rejection"), required=False,
                             max_length=REJECT_REASON_MAX_LENGTH,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("One reason for all; each applicant reads it."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Any whole number is a choice here; the scope is checked by the selector (404).
        self.fields["applications"].valid_value = lambda value: (
            str(value).isdigit() and len(str(value)) < 10)

    def clean(self):
        data = super().clean()
        chosen = data.get("applications") or []
        if len(chosen) > BULK_REVIEW_MAX:
            self.add_error("applications", _("Choose at most %(max)d applications at a time.")
                           % {"max": BULK_REVIEW_MAX})
        if data.get("action") == "approve" and not data.get("hukou_type"):
            self.add_error("hukou_type", _("Choose the hukou type."))
        if data.get("action") == "reject" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Give the reason; the applicant will read it."))
        return data


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("reason for rejection"), max_length=REJECT_REASON_MAX_LENGTH,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("The applicant reads this in the status lookup."))


class ApplicationFilterForm(forms.Form):
    q = forms.CharField(label=_("number or name"), required=False, max_length=50)
    status = forms.ChoiceField(label=_("status"), required=False, choices=[
        ("", _("all"))] + ApplicationStatus.choices)
    overdue = forms.BooleanField(label=_("pending over 10 days"), required=False)
