"""Whatever a firm sends, every dialect answers with one well-formed message and never raises.

Property-based (hypothesis): field soups built from the tags the dialects read, with valid,
borderline and garbage values, must each get an AE acknowledgement or an AR reject that passes
the dialect's own data dictionary, so a firm's validating engine accepts even our rejects.
"""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from dialect_support import equity_report, trace_report
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.domain.facility import FacilityId
from simulator.fix.dialects import all_specs, create_dialect
from simulator.fix.dialects.dictionary import check, load
from simulator.fix.message import FixMessage
from simulator.timestamps import local_ns

TEN = local_ns(dt.date(2026, 1, 5), 10)
TAGS = [571, 572, 1003, 22011, 487, 856, 570, 1015, 48, 22, 55, 32, 31, 75, 60, 64, 552, 54, 37]
TAGS += [453, 448, 447, 452, 528, 12, 58, 80, 22013, 22016, 22004, 277, 8217, 852, 577, 9999]
VALUES = st.one_of(
    st.sampled_from(["0", "1", "2", "4", "5", "6", "N", "Y", "ABCD", "EFGH", "C", "037833100"]),
    st.sampled_from(["20260105", "20260105-15:00:00", "100", "1.5", "-1", "", "99999999999999"]),
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=12),
)
FIELD = st.tuples(st.sampled_from(TAGS), VALUES)


def _base(spec_name: str) -> FixMessage:
    if spec_name.startswith("trace"):
        return trace_report(executed_ns=TEN - 10**9, product=spec_name[-2:].upper())
    return equity_report(executed_ns=TEN - 10**9)


@pytest.mark.parametrize("spec", all_specs(), ids=[s.name for s in all_specs()])
def test_any_message_gets_one_valid_answer(spec, service, session_factory, caplog):
    caplog.set_level(logging.CRITICAL)
    facility = FacilityId(spec.facilities[0])
    dialect = create_dialect(facility, spec.port_type, service)
    session = session_factory(facility, port_type=spec.port_type)
    dictionary = load(spec.dictionary().path)
    base = _base(spec.name)

    @settings(
        max_examples=60,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(
        edits=st.lists(st.tuples(st.integers(0, 40), FIELD), max_size=6),
        drop=st.lists(st.integers(0, 40), max_size=3),
    )
    def run(edits, drop):
        fields = list(base.fields)
        for index in sorted(set(drop), reverse=True):
            if 0 < index < len(fields):
                del fields[index]
        for index, pair in edits:
            fields.insert(max(1, min(index, len(fields))), pair)
        outbound = dialect.on_message(session, FixMessage(fields), TEN)
        replies = [o for o in outbound if o.to_firm is None]
        assert len(replies) == 1
        for item in outbound:
            assert item.message.msg_type in ("AE", "AR")
            assert check(dictionary, item.message) == [], item.message

    run()
