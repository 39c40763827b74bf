"""Personal data in files is not kept longer than it is needed (SPEC §8, PIPL).

Uploaded import files and finished export files hold ID and phone numbers; once the
import has run or the export has been downloadable for a while, the file is deleted and
the record stays (who, when, how many rows). Bank payment and result files are payment
records and stay with their batch.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from membership.models import ImportRun
from reporting.models import ExportJob

logger = logging.getLogger(__name__)


def _purge(queryset, field):
    purged = 0
    for record in queryset.exclude(**{field: ""}).only("pk", field).iterator(chunk_size=500):
        getattr(record, field).delete(save=False)
        type(record).objects.filter(pk=record.pk).update(**{field: ""})
        purged += 1
    return purged


def files_purge(now=None, *, days=None):
    """Delete import uploads and export files older than `days` (settings
    PII_FILE_RETENTION_DAYS); returns how many of each. Safe to run twice."""
    now = now or timezone.now()
    days = settings.PII_FILE_RETENTION_DAYS if days is None else days
    cutoff = now - timedelta(days=days)
    imports = _purge(ImportRun.objects.filter(created_at__lt=cutoff), "file")
    exports = _purge(ExportJob.objects.filter(created_at__lt=cutoff), "file")
    logger.info("retention: %s import files and %s export files deleted", imports, exports)
    return {"imports": imports, "exports": exports}
