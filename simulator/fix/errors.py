"""Typed FIX errors that carry their protocol codes, mapped to the wire in one place.

A validation problem found anywhere (the data dictionary, the session's header checks, a facility
dialect) is raised as one of these; :meth:`simulator.fix.session.FixSession.reject` is the one
place that turns them into a session-level Reject (35=3, with SessionRejectReason 373, RefTagID
371, RefMsgType 372, RefSeqNum 45 and Text 58) or a Business Message Reject (35=j with
BusinessRejectReason 380). This follows QuickFIX's single catch ladder in ``Session::next``
(architecture.md principle 6). Any other exception escaping a dialect is a bug: the session layer
logs it and answers 35=j 380=4 "application not available" rather than dropping the connection.

Reason codes: FIX 4.4 Vol. 1 field 373 SessionRejectReason and field 380 BusinessRejectReason.
FIX 4.2 stops at 373=11 and 380=5; on a FIX 4.2 session the session layer leaves out a later
373 (the Text names the reason, as QuickFIX's ``Session::generateReject`` does) and sends a
later 380 as 0 (Other) with the reason in the Text.
"""

from __future__ import annotations

from enum import IntEnum

from simulator.errors import SimulatorError, UserInputError


class SessionRejectReason(IntEnum):
    """SessionRejectReason (373), FIX 4.4 Vol. 1."""

    INVALID_TAG_NUMBER = 0
    REQUIRED_TAG_MISSING = 1
    TAG_NOT_DEFINED_FOR_THIS_MESSAGE_TYPE = 2
    UNDEFINED_TAG = 3
    TAG_SPECIFIED_WITHOUT_A_VALUE = 4
    VALUE_IS_INCORRECT = 5
    INCORRECT_DATA_FORMAT_FOR_VALUE = 6
    DECRYPTION_PROBLEM = 7
    SIGNATURE_PROBLEM = 8
    COMPID_PROBLEM = 9
    SENDINGTIME_ACCURACY_PROBLEM = 10
    INVALID_MSGTYPE = 11
    XML_VALIDATION_ERROR = 12
    TAG_APPEARS_MORE_THAN_ONCE = 13
    TAG_SPECIFIED_OUT_OF_REQUIRED_ORDER = 14
    REPEATING_GROUP_FIELDS_OUT_OF_ORDER = 15
    INCORRECT_NUMINGROUP_COUNT_FOR_REPEATING_GROUP = 16
    NON_DATA_VALUE_INCLUDES_FIELD_DELIMITER = 17
    OTHER = 99


#: The Text (58) QuickFIX writes for each reason; firms' test scripts often match on it.
SESSION_REJECT_TEXT: dict[SessionRejectReason, str] = {
    SessionRejectReason.INVALID_TAG_NUMBER: "Invalid tag number",
    SessionRejectReason.REQUIRED_TAG_MISSING: "Required tag missing",
    SessionRejectReason.TAG_NOT_DEFINED_FOR_THIS_MESSAGE_TYPE: (
        "Tag not defined for this message type"
    ),
    SessionRejectReason.UNDEFINED_TAG: "Undefined Tag",
    SessionRejectReason.TAG_SPECIFIED_WITHOUT_A_VALUE: "Tag specified without a value",
    SessionRejectReason.VALUE_IS_INCORRECT: "Value is incorrect (out of range) for this tag",
    SessionRejectReason.INCORRECT_DATA_FORMAT_FOR_VALUE: "Incorrect data format for value",
    SessionRejectReason.DECRYPTION_PROBLEM: "Decryption problem",
    SessionRejectReason.SIGNATURE_PROBLEM: "Signature problem",
    SessionRejectReason.COMPID_PROBLEM: "CompID problem",
    SessionRejectReason.SENDINGTIME_ACCURACY_PROBLEM: "SendingTime accuracy problem",
    SessionRejectReason.INVALID_MSGTYPE: "Invalid MsgType",
    SessionRejectReason.XML_VALIDATION_ERROR: "XML Validation error",
    SessionRejectReason.TAG_APPEARS_MORE_THAN_ONCE: "Tag appears more than once",
    SessionRejectReason.TAG_SPECIFIED_OUT_OF_REQUIRED_ORDER: "Tag specified out of required order",
    SessionRejectReason.REPEATING_GROUP_FIELDS_OUT_OF_ORDER: "Repeating group fields out of order",
    SessionRejectReason.INCORRECT_NUMINGROUP_COUNT_FOR_REPEATING_GROUP: (
        "Incorrect NumInGroup count for repeating group"
    ),
    SessionRejectReason.NON_DATA_VALUE_INCLUDES_FIELD_DELIMITER: (
        "Non Data value includes field delimiter"
    ),
    SessionRejectReason.OTHER: "Other",
}


class BusinessRejectReason(IntEnum):
    """BusinessRejectReason (380), FIX 4.2/4.4 Vol. 1."""

    OTHER = 0
    UNKNOWN_ID = 1
    UNKNOWN_SECURITY = 2
    UNSUPPORTED_MESSAGE_TYPE = 3
    APPLICATION_NOT_AVAILABLE = 4
    CONDITIONALLY_REQUIRED_FIELD_MISSING = 5
    NOT_AUTHORIZED = 6
    DELIVERTO_FIRM_NOT_AVAILABLE = 7


BUSINESS_REJECT_TEXT: dict[BusinessRejectReason, str] = {
    BusinessRejectReason.OTHER: "Other",
    BusinessRejectReason.UNKNOWN_ID: "Unknown ID",
    BusinessRejectReason.UNKNOWN_SECURITY: "Unknown Security",
    BusinessRejectReason.UNSUPPORTED_MESSAGE_TYPE: "Unsupported Message Type",
    BusinessRejectReason.APPLICATION_NOT_AVAILABLE: "Application not available",
    BusinessRejectReason.CONDITIONALLY_REQUIRED_FIELD_MISSING: (
        "Conditionally Required Field Missing"
    ),
    BusinessRejectReason.NOT_AUTHORIZED: "Not authorized",
    BusinessRejectReason.DELIVERTO_FIRM_NOT_AVAILABLE: "DeliverTo firm not available at this time",
}


class FixError(SimulatorError):
    """Base of the FIX layer's own errors."""


class SessionRejectError(FixError):
    """A message must be answered with a session-level Reject (35=3).

    ``ref_tag`` becomes RefTagID (371); ``text`` defaults to QuickFIX's wording for the reason.
    """

    def __init__(
        self, reason: SessionRejectReason, ref_tag: int | None = None, text: str | None = None
    ) -> None:
        self.reason = SessionRejectReason(reason)
        self.ref_tag = ref_tag
        self.text = text if text is not None else SESSION_REJECT_TEXT[self.reason]
        where = f" (tag {ref_tag})" if ref_tag is not None else ""
        super().__init__(f"373={int(self.reason)} {self.text}{where}")


class BusinessRejectError(FixError):
    """A message must be answered with a Business Message Reject (35=j)."""

    def __init__(
        self, reason: BusinessRejectReason, ref_tag: int | None = None, text: str | None = None
    ) -> None:
        self.reason = BusinessRejectReason(reason)
        self.ref_tag = ref_tag
        self.text = text if text is not None else BUSINESS_REJECT_TEXT[self.reason]
        super().__init__(f"380={int(self.reason)} {self.text}")


class GarbledMessageError(FixError):
    """A framed message that cannot be read as FIX fields (FIX test cases 2d, 2t, 3c): ignored."""


class InvalidSessionTransition(FixError):
    """An input the session state table does not allow in the current state: a bug, not a peer."""

    def __init__(self, state: str, event: str) -> None:
        self.state = state
        self.event = event
        super().__init__(f"session input {event!r} is not allowed in state {state!r}")


class SessionNotReady(FixError):
    """An application message was offered to a session that cannot take one (e.g. closing)."""


class StoreError(FixError, UserInputError):
    """The message store could not be opened or written; the message names the file.

    A user error too (a data directory on a full or read-only disk): ``facsim serve`` prints it
    on one line and exits 2.
    """


class DictionaryLoadError(FixError, UserInputError):
    """A QuickFIX-format data dictionary could not be read; the message names the file."""
