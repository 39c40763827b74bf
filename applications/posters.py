"""QR codes to the application form (SPEC §5): one per community (the community filled in)
and one per street, made with segno, as PNG or SVG."""

import io
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.shortcuts import get_object_or_404
from django.urls import reverse

from membership.models import Community, Street


def form_url(request, target):
    """The absolute address of the form with the community (or street) filled in."""
    key = "community" if isinstance(target, Community) else "street"
    path = f"{reverse('applications:apply')}?{urlencode({key: target.pk})}"
    base = settings.APPLICATIONS_PUBLIC_BASE_URL.rstrip("/")
    return f"{base}{path}" if base else request.build_absolute_uri(path)


def qr_code(url, kind):
    """The QR code of `url` as PNG or SVG bytes; error correction M survives a smudge."""
    qr = segno.make(url, error="m", micro=False)
    out = io.BytesIO()
    if kind == "png":
        qr.save(out, kind="png", scale=10, border=4)
    else:
        qr.save(out, kind="svg", scale=10, border=4, xmldecl=False, svgns=True,
                title=url)
    return out.getvalue()


def poster_target(kind, pk):
    model = Community if kind == "community" else Street
    return get_object_or_404(model.objects.select_related(
        *(("street",) if model is Community else ())), pk=pk)
