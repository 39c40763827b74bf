"""Reads of the reporting app."""

from django.shortcuts import get_object_or_404

from reporting.models import ExportJob


def export_job_get(*, user, pk):
    """An export job of `user`; anyone else's is a 404, the office's included: the file
    holds what the owner's scope and permissions gave them."""
    return get_object_or_404(ExportJob.objects.filter(user_id=user.pk), pk=pk)


def export_job_list(*, user, limit=20):
    return ExportJob.objects.filter(user_id=user.pk)[:limit]


def reports_panel(*, user):
    """The home page's reports card: the narrative due (for federations) and the latest
    published bulletin."""
    from reporting.bulletins import bulletin_latest_published
    from reporting.narratives import open_reminder_for

    return {
        "reminder": open_reminder_for(user),
        "bulletin": bulletin_latest_published(),
    }


def dashboard_panel():
    """The leadership home's card: the district's two rates from the current figures."""
    from reporting.models import ScopeFigure, Snapshot

    return (ScopeFigure.objects.filter(snapshot__kind=Snapshot.Kind.LIVE, kind="district")
            .select_related("snapshot").order_by("-snapshot__taken_at", "-snapshot_id")
            .first())
