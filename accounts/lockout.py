"""The login lockout across addresses (SPEC §8: login attempts are limited).

django-axes counts failures per name and address (AXES_LOCKOUT_PARAMETERS) against one
limit, AXES_FAILURE_LIMIT. A name guessed at from many addresses needs a higher limit of
its own, which axes has no setting for: this handler adds it, from the same attempt rows
axes keeps (so axes' own reset, the office's "lift the lockout", clears both locks).
"""

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit
from django.conf import settings

from accounts.selectors import username_failures


class UsernameWideLockoutHandler(AxesDatabaseHandler):
    """AXES_FAILURE_LIMIT failures of one name from one address lock that pair out;
    AXES_USERNAME_FAILURE_LIMIT failures of one name from all addresses together lock the
    name out everywhere, for the same cool-off (AXES_COOLOFF_TIME)."""

    def get_failures(self, request, credentials=None):
        failures = super().get_failures(request, credentials)
        username = get_client_username(request, credentials)
        if username and username_failures(username) >= settings.AXES_USERNAME_FAILURE_LIMIT:
            return max(failures, get_failure_limit(request, credentials))
        return failures
