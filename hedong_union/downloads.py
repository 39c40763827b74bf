"""Downloads named in Chinese (RFC 6266): `filename*` carries the UTF-8 name, `filename` an
ASCII name for clients that know no better (docs/decisions.md, Download file names)."""

from urllib.parse import quote


def content_disposition(filename, *, fallback, inline=False):
    """The Content-Disposition of an attachment (or, `inline`, of a file shown in the
    browser but saved) named `filename`, with the ASCII `fallback` for old clients."""
    ascii_name = fallback.encode("ascii", "ignore").decode().replace("\\", "").replace('"', "")
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def as_download(response, filename, *, fallback, inline=False):
    """`response` (an HttpResponse or FileResponse) set to download as `filename`."""
    response["Content-Disposition"] = content_disposition(filename, fallback=fallback,
                                                          inline=inline)
    return response
