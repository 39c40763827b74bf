"""Forms of the worker pages and of the one-page enrollment. Identifier rules live in
membership.identifiers and the services; these forms type what was typed and limit the
choices to the user's scope."""

from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from membership.form_parts.units import (
    community_choices,
    community_label,
    date_input,
    drop_fixed_place_filters,
    street_choices,
)
from membership.forms import _CrispyForm
from membership.identifiers import clean_resident_id
from membership.models import (
    Community,
    EmploymentForm,
    HukouType,
    OccupationGroup,
    Street,
    Union,
    Unit,
    Worker,
)
from membership.selectors.units import unit_routes
from membership.services import community_unions_of, route_refusal, route_union

YES_NO_ANY = [("", _("any")), ("yes", _("yes")), ("no", _("no"))]
# How many units a plain employer list offers before the search box must narrow it.
EMPLOYER_OPTIONS = 300


def _yes_no(value):
    return {"yes": True, "no": False}.get(value)


def employer_label(unit):
    return f"{unit.name}（{unit.credit_code}）"


class RoutedSelect(forms.Select):
    """Options that carry the unions a new member would be routed to (SPEC §4), read by
    static/js/employer-search.js to pre-select the union: data-union (a unit's own or
    covering union; a community's community union) and data-community-union (the union
    of a unit's community, for a unit without one)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.data_of = {}

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        for attr, union_pk in self.data_of.get(str(value), {}).items():
            if union_pk:
                option["attrs"][attr] = union_pk
        return option


class EmployerField(forms.ModelChoiceField):
    """Any unit in the user's scope is accepted; the page lists a few and a search box
    (static/js/employer-search.js) fetches the others."""

    def __init__(self, **kwargs):
        kwargs.setdefault("error_messages", {
            "invalid_choice": _("This unit is not in your scope."),
        })
        super().__init__(queryset=Unit.objects.none(), widget=RoutedSelect, **kwargs)

    def label_from_instance(self, obj):
        return employer_label(obj)


def _limit_employer_options(field, *, selected):
    """Render only some options: the first units by name and the one already chosen."""
    units = list(field.queryset.order_by("name")[:EMPLOYER_OPTIONS])
    if selected and all(str(u.pk) != str(selected) for u in units):
        units += list(field.queryset.filter(pk=selected))
    field.widget.choices = [("", "---------")] + [(u.pk, employer_label(u)) for u in units]
    field.widget.data_of = {
        str(pk): {"data-union": own.pk if own else None,
                  "data-community-union": community.pk if community else None}
        for pk, (own, community) in unit_routes(units).items()}


class WorkerFilterForm(forms.Form):
    q = forms.CharField(label=_("name, phone or ID number"), required=False)
    street = forms.ModelChoiceField(label=_("street"), queryset=Street.objects.none(),
                                    required=False)
    community = forms.ModelChoiceField(label=_("community"),
                                       queryset=Community.objects.none(), required=False)
    occupation_group = forms.ChoiceField(
        label=_("occupation group"), required=False,
        choices=[("", _("all groups"))] + OccupationGroup.choices)
    migrant = forms.ChoiceField(label=_("migrant worker"), choices=YES_NO_ANY, required=False)
    member = forms.ChoiceField(label=_("member"), choices=YES_NO_ANY, required=False)
    employer = forms.ModelChoiceField(queryset=Unit.objects.none(), required=False,
                                      widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["employer"].queryset = Unit.objects.for_user(user)
        self.fields["street"].queryset = street_choices(user)
        self.fields["community"].queryset = community_choices(user)
        self.fields["community"].label_from_instance = community_label
        drop_fixed_place_filters(self, user)

    def filters(self):
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "search": data["q"], "street": data.get("street"),
            "community": data.get("community"),
            "occupation_group": data["occupation_group"],
            "migrant": _yes_no(data["migrant"]), "member": _yes_no(data["member"]),
            "employer": data["employer"],
        }


class _WorkerFields(forms.Form):
    """The worker's own fields, shared by the edit form and the enrollment."""

    name = forms.CharField(label=pgettext_lazy("person", "name"), max_length=50)
    phone = forms.CharField(label=_("mobile phone"), max_length=20, required=False)
    hukou_type = forms.ChoiceField(label=_("hukou type"), choices=HukouType.choices)
    hukou_province = forms.CharField(
        label=_("hukou province code"), max_length=2, required=False,
        help_text=_("Two digits; left empty, the first two digits of the ID number."))
    employment_form = forms.ChoiceField(label=_("employment form"),
                                        choices=EmploymentForm.choices)
    occupation_group = forms.ChoiceField(label=_("occupation group"),
                                         choices=OccupationGroup.choices,
                                         initial=OccupationGroup.OTHER)
    employer = EmployerField(label=_("employer"), required=False,
                             help_text=_("Empty for a worker in scattered employment."))
    community = forms.ModelChoiceField(
        label=_("community"), queryset=Community.objects.none(), required=False,
        widget=RoutedSelect, help_text=_("Needed for a worker without an employer."))
    whole_unit_informal = forms.BooleanField(label=_("whole-unit informal employee"),
                                             required=False)
    identified_on = forms.DateField(label=_("identified on"),
                                    widget=date_input())

    WORKER_FIELDS = ("name", "phone", "hukou_type", "hukou_province", "employment_form",
                     "occupation_group", "employer", "community", "whole_unit_informal",
                     "identified_on")

    def _setup_worker_fields(self, user):
        self.fields["employer"].queryset = Unit.objects.for_user(user).select_related(
            "union", "covering_union")
        self.fields["employer"].widget.attrs.update({
            "data-employer-search": reverse("membership:unit_search"),
            "data-search-placeholder": _("Search by name or credit code")})
        selected = self.data.get(self.add_prefix("employer")) if self.is_bound else \
            self.initial.get("employer")
        _limit_employer_options(self.fields["employer"],
                                selected=getattr(selected, "pk", selected))
        self.fields["community"].queryset = community_choices(user)
        self.fields["community"].label_from_instance = community_label

    def clean(self):
        data = super().clean()
        if not data.get("employer") and "community" in self.fields \
                and not data.get("community") and "community" not in self.errors:
            self.add_error("community", _("A worker without an employer needs a community."))
        return data

    def worker_changes(self):
        """The cleaned worker fields as the services take them."""
        data = self.cleaned_data
        changes = {f: data[f] for f in self.WORKER_FIELDS if f in data}
        changes["phone"] = data.get("phone") or None
        if not data.get("employer") and data.get("community"):
            changes["street"] = data["community"].street
        return changes


class WorkerForm(_WorkerFields, _CrispyForm):
    """Edit a worker. The ID number and phone are never put back into the page: typed, they
    replace the stored ones; left empty, they stay (SPEC §8)."""

    id_number = forms.CharField(label=_("ID number"), max_length=40, required=False)
    left_on = forms.DateField(label=_("left on"), required=False,
                              widget=date_input())

    field_order = ["name", "id_number", "phone"]

    def __init__(self, *args, user, worker, masked_id, masked_phone, **kwargs):
        super().__init__(*args, **kwargs)
        self._setup_worker_fields(user)
        self.fields["id_number"].widget.attrs["placeholder"] = masked_id
        self.fields["id_number"].help_text = _("Left empty, the number stays as it is.")
        self.fields["phone"].widget.attrs["placeholder"] = masked_phone
        self.fields["phone"].help_text = _("Left empty, the number stays as it is.")

    @classmethod
    def initial_from(cls, worker):
        initial = {f: getattr(worker, f) for f in cls.WORKER_FIELDS if f != "phone"}
        initial["left_on"] = worker.left_on
        return initial

    def worker_changes(self):
        changes = super().worker_changes()
        data = self.cleaned_data
        if not data.get("phone"):
            del changes["phone"]
        if data.get("id_number"):
            changes["id_number"] = data["id_number"]
        changes["left_on"] = data.get("left_on")
        return changes


class IdNumberForm(forms.Form):
    """Enrollment starts from the ID number (SPEC §4: one worker, one record)."""

    id_number = forms.CharField(label=_("ID number"), max_length=40,
                                widget=forms.TextInput(attrs={"autocomplete": "off"}))

    def clean_id_number(self):
        return clean_resident_id(self.cleaned_data["id_number"]).number


class EnrollmentForm(_WorkerFields):
    """The rest of the one-page enrollment: the worker's fields when the worker is new,
    then the union, join date, card and declaration."""

    union = forms.ModelChoiceField(
        label=_("base union"), queryset=Union.objects.none(), required=False,
        error_messages={"invalid_choice": _("This union is not in your scope.")},
        help_text=_("Left empty: the employer's union, else the community union of the "
                    "worker's community (or of the employer's)."))
    joined_on = forms.DateField(label=_("joined on"),
                                widget=date_input())
    card_number = forms.CharField(label=_("member service card number"), max_length=40,
                                  required=False)
    declared = forms.BooleanField(
        label=_("The worker declares that wages are the main income, or that there is a "
                "labour relationship with the employer."), required=False)

    def __init__(self, *args, user, worker=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.worker = worker
        if worker is not None:
            for name in self.WORKER_FIELDS:
                del self.fields[name]
        else:
            self._setup_worker_fields(user)
            self.fields["identified_on"].initial = timezone.localdate
            community = self.fields["community"]
            community.widget.data_of = {
                str(pk): {"data-union": union.pk} for pk, union in community_unions_of(
                    community.queryset.values_list("pk", flat=True)).items()}
        self.fields["union"].queryset = Union.objects.for_user(user).select_related("street")
        self.fields["union"].label_from_instance = lambda u: f"{u.name}（{u.street.short_name}）"
        self.fields["joined_on"].initial = timezone.localdate
        if worker is not None:
            routed = route_union(worker)
            if routed is not None:
                self.fields["union"].initial = routed.pk

    def clean(self):
        data = super().clean()
        if not data.get("union") and "union" not in self.errors:
            worker = self.worker or Worker(employer=data.get("employer"),
                                           community=data.get("community"))
            data["union"] = route_union(worker)
            if data["union"] is None:
                self.add_error("union", route_refusal(worker))
        return data
