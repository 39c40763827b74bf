"""Skill-reward claims entered by street, community and industry staff for members of their
scope (plan §三.(一)2); the office reviews them with the other pending entitlements."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from hedong_union.forms import apply_errors
from membership.models import Member
from subsidies import selectors, services
from subsidies.forms import SkillClaimForm

PAGE_SIZE = 50


@login_required
@require_GET
def skill_claim_list(request):
    claims = selectors.skill_claim_list(user=request.user)
    page = Paginator(claims, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = selectors.with_entitlement_display(list(page.object_list))
    return render(request, "subsidies/skill_claim_list.html", {
        "page": page, "can_enter": Member.objects.role_may_write(request.user)})


@login_required
def skill_claim_create(request):
    user = request.user
    if not Member.objects.role_may_write(user):
        raise PermissionDenied
    form = SkillClaimForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        member = selectors.member_for_claim(user=user, member_number=data["member_number"])
        if member is None:
            form.add_error("member_number", _("No active member with this number in your "
                                              "scope."))
        else:
            try:
                claim = services.skill_claim(
                    member=member, level=data["certificate_level"],
                    certificate_number=data["certificate_number"],
                    certificate_date=data["certificate_date"], by=user)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("Claim %(number)s entered for %(member)s; the "
                                            "district office reviews it.")
                                 % {"number": claim.number, "member": member.member_number})
                return redirect("subsidies:skill_claim_list")
    return render(request, "subsidies/skill_claim_form.html", {"form": form})
