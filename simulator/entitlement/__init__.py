"""FINRA Entitlement Program (seed 003): who may use TRAQS, for which MPIDs and regions.

* :mod:`.model` -- organisations, accounts (SAA, AA, user), roles, certification periods;
* :mod:`.policy` -- the pure ``check(view, action, resource, now_ns) -> Verdict``;
* :mod:`.directory` -- the operations (one SAA per organisation, roles, unlock, certify...),
  each checked by the policy and audited;
* :mod:`.lockout`, :mod:`.questions`, :mod:`.certification`, :mod:`.dormancy`,
  :mod:`.passwords` -- the time- and text-dependent rules, as pure functions;
* :mod:`.config` -- organisations from ``scenarios/orgs/*.toml``;
* :mod:`.snapshot` -- the records as JSON and back, for a restart on the same data directory.
"""

from simulator.entitlement.directory import Directory, EntitlementError
from simulator.entitlement.model import (
    Account,
    AccountKind,
    AccountStatus,
    CertificationPeriod,
    Organisation,
    Privilege,
    Role,
    RoleStatus,
)
from simulator.entitlement.policy import AccountView, Action, Resource, Verdict, check

__all__ = [
    "Account",
    "AccountKind",
    "AccountStatus",
    "AccountView",
    "Action",
    "CertificationPeriod",
    "Directory",
    "EntitlementError",
    "Organisation",
    "Privilege",
    "Resource",
    "Role",
    "RoleStatus",
    "Verdict",
    "check",
]
