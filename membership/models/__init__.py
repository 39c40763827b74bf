from membership.models.members import *  # noqa: F401,F403
from membership.models.organisations import *  # noqa: F401,F403
from membership.models.units import *  # noqa: F401,F403
from membership.models.workers import *  # noqa: F401,F403
from membership.models.imports import *  # noqa: F401,F403
