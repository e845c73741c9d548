"""The facilities as data: profiles (hours, windows, precision, modifier codes, FIX identity)
and the timeliness rules that read them.

``get_profile("trace-ca")`` returns a :class:`~simulator.facilities.profiles.FacilityProfile`;
``assess(facility, executed_ns, received_ns)`` (in :mod:`simulator.facilities.timeliness`) says
whether a report was on time and which modifier the facility applies.
"""

from simulator.facilities.profiles import (
    FacilityProfile,
    all_profiles,
    facility_names,
    get_profile,
    load_profile,
)

__all__ = ["FacilityProfile", "all_profiles", "facility_names", "get_profile", "load_profile"]
