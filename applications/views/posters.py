"""QR posters for the application form: the staff's list of their streets' and
communities' posters, and the posters themselves, which hold nothing private (an
organisation's name and the public form's address) and so open without an account."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from applications.posters import form_url, poster_target, qr_code
from hedong_union.public import public_page
from hedong_union.downloads import as_download
from membership.models import Community, Street, Worker
from membership.services import route_union


@login_required
def poster_list(request):
    communities = (Community.objects.for_user(request.user).select_related("street")
                   .order_by("street__position", "name"))
    streets = Street.objects.for_user(request.user).order_by("position")
    return render(request, "applications/poster_list.html",
                  {"communities": communities, "streets": streets})


@public_page
def poster(request, kind, pk):
    target = poster_target(kind, pk)
    if kind == "community":
        union = route_union(Worker(community=target))  # where its scattered workers go
        union_name = union.name if union else target.name
        street = target.street
    else:
        union_name, street = target.federation_name, target
    return render(request, "applications/poster.html", {
        "target": target, "kind": kind, "union_name": union_name, "street": street,
        "url": form_url(request, target)})


def poster_qr(request, kind, pk, fmt):
    target = poster_target(kind, pk)
    content_type = "image/png" if fmt == "png" else "image/svg+xml"
    response = HttpResponse(qr_code(form_url(request, target), fmt), content_type=content_type)
    response["Cache-Control"] = "public, max-age=3600"
    # Shown in the poster; saved (its `download` link) under the place's name.
    return as_download(response, f"入会二维码-{target.name}.{fmt}",
                       fallback=f"qr-{kind}-{pk}.{fmt}", inline=True)
