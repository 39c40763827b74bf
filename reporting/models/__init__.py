from reporting.models.exports import ExportJob
from reporting.models.reports import (
    Bulletin,
    Campaign,
    MilestoneReport,
    Narrative,
    NarrativeReminder,
)
from reporting.models.snapshots import ScopeFigure, Snapshot

__all__ = [
    "Bulletin",
    "Campaign",
    "ExportJob",
    "MilestoneReport",
    "Narrative",
    "NarrativeReminder",
    "ScopeFigure",
    "Snapshot",
]
