"""Member pages (SPEC §4): the one-page enrollment, list, page, transfer, ending, card and
dues. Every record is read through the selectors, scoped by user (SPEC §1)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.scoping import user_can_write
from hedong_union.forms import apply_errors
from membership import selectors, services
from membership.form_parts.members import (
    CardForm,
    DuesForm,
    EndForm,
    MemberFilterForm,
    TransferForm,
)
from membership.form_parts.workers import EnrollmentForm, IdNumberForm
from membership.models import EmploymentForm, Member, MemberStatus

PAGE_SIZE = 50


@login_required
@require_GET
def member_list(request):
    unions = selectors.member_union_choices(user=request.user)
    form = MemberFilterForm(request.GET or None, user=request.user, unions=unions)
    members = selectors.member_list(user=request.user, **form.filters())
    page = Paginator(members, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = selectors.with_member_display(list(page.object_list))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "membership/member_list.html", {
        "filter_form": form,
        "page": page,
        "query": query.urlencode(),
        "can_enroll": Member.objects.role_may_write(request.user),
        "can_enter_dues": selectors.dues_entry_allowed(request.user),
    })


@login_required
@require_GET
def member_detail(request, pk):
    member = selectors.member_get(user=request.user, pk=pk)
    active = member.status == MemberStatus.ACTIVE
    can_write = user_can_write(request.user, member)
    return render(request, "membership/member_detail.html", {
        "member": member,
        "spans": selectors.member_spans(member),
        "dues": selectors.member_dues(member),
        "pays_dues": member.worker.employment_form == EmploymentForm.SCATTERED,
        "can_write": can_write,
        "active": active,
        "history": selectors.masked_history_of(member),
    })


@login_required
def member_enroll(request):
    """Enroll a worker on one page: the ID number first, then the worker (when new), the
    union, join date, card and declaration; one transaction (SPEC §4)."""
    user = request.user
    if not Member.objects.role_may_write(user):
        raise PermissionDenied
    id_form = IdNumberForm(request.POST or None)
    context = {"id_form": id_form, "form": None, "lookup": None}
    if request.method == "POST" and id_form.is_valid():
        id_number = id_form.cleaned_data["id_number"]
        lookup = selectors.worker_lookup(user=user, id_number=id_number)
        context["lookup"] = lookup
        if lookup.state == lookup.ELSEWHERE:
            id_form.add_error("id_number", _("A worker with this ID number is registered "
                                             "elsewhere; the street or community that "
                                             "registered the worker can enroll them."))
        else:
            submitted = request.POST.get("step") == "enroll"
            form = EnrollmentForm(request.POST if submitted else None, user=user,
                                  worker=lookup.worker)
            context["form"] = form
            if submitted and form.is_valid():
                data = form.cleaned_data
                worker_fields = {"id_number": id_number}
                if lookup.worker is None:
                    worker_fields.update(form.worker_changes())
                try:
                    member = services.enrollment_submit(
                        by=user, worker_fields=worker_fields,
                        union=data["union"], joined_on=data["joined_on"],
                        card_number=data["card_number"], declared=data["declared"])
                except ValidationError as error:
                    apply_errors(form, error)
                else:
                    messages.success(request, _("Enrolled: member number %(number)s.")
                                     % {"number": member.member_number})
                    return redirect("membership:member_detail", pk=member.pk)
    return render(request, "membership/member_enroll.html", context)


def _member_action(request, pk, *, form_class, template, service, title, success,
                   form_kwargs=None):
    """The shared shape of the write pages of one member: scoped, form, one service."""
    member = selectors.member_get(user=request.user, pk=pk, write=True)
    extra = form_kwargs(member) if form_kwargs else {}
    form = form_class(request.POST or None, **extra)
    if request.method == "POST" and form.is_valid():
        try:
            service(member=member, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, success)
            return redirect("membership:member_detail", pk=member.pk)
    return render(request, template, {"form": form, "member": member, "title": title,
                                      "dues": selectors.member_dues(member)})


@login_required
def member_transfer(request, pk):
    return _member_action(
        request, pk, form_class=TransferForm, template="membership/member_action.html",
        service=services.member_transfer, title=_("Transfer to another union"),
        success=_("Transferred."),
        form_kwargs=lambda m: {"unions": selectors.member_transfer_unions(user=request.user,
                                                                          member=m)})


@login_required
def member_end(request, pk):
    return _member_action(request, pk, form_class=EndForm,
                          template="membership/member_action.html",
                          service=services.member_end, title=_("End the membership"),
                          success=_("Membership ended."))


@login_required
def member_card(request, pk):
    return _member_action(request, pk, form_class=CardForm,
                          template="membership/member_action.html",
                          service=services.member_bind_card,
                          title=_("Bind the member service card"), success=_("Card bound."))


@login_required
def member_dues(request, pk):
    return _member_action(request, pk, form_class=DuesForm,
                          template="membership/member_dues.html",
                          service=services.dues_record, title=_("Dues"),
                          success=_("Dues recorded."),
                          form_kwargs=lambda m: {"arrears": selectors.member_dues(m)["arrears"]})
