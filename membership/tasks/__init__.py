"""Celery tasks of the membership app (thin doors onto services, STYLE habit 4)."""

from membership.tasks.exports import *  # noqa: F401,F403
from membership.tasks.imports import *  # noqa: F401,F403
