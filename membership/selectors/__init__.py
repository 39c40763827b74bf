"""Reads of the membership app, always scoped by the user (SPEC §1)."""

from membership.selectors.organisations import (  # noqa: F401
    community_get,
    community_list,
    department_list,
    federation_get,
    federation_list,
    history_of,
    street_get,
    street_list,
    union_get,
    union_list,
)
from membership.selectors.units import (  # noqa: F401
    UNIT_FLAGS,
    FoundingRateStanding,
    founded_exists,
    founding_rate_standing,
    unit_founding_steps,
    unit_get,
    unit_list,
    unit_members_to_transfer,
    unit_progress_notes,
    unit_search,
    unit_search_q,
    unit_worker_counts,
    units_with_members_to_transfer,
)
from membership.selectors.workers import (  # noqa: F401
    IdLookup,
    masked_history_of,
    with_pii_display,
    worker_get,
    worker_list,
    worker_lookup,
    worker_memberships,
)
from membership.selectors.members import (  # noqa: F401
    member_dues,
    member_get,
    member_list,
    member_spans,
    member_transfer_unions,
    member_union_choices,
    members_without_card,
    registry_counts,
    with_member_display,
)
from membership.selectors.dues import (  # noqa: F401
    dues_communities,
    dues_community_get,
    dues_entry_allowed,
    dues_month_rows,
    require_dues_entry,
)
