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
    registry_counts,
    with_member_display,
)
