"""Optional: rehearse the firm's own system instead of facsim's built-in clients.

Uncomment and point the fixture at an object with report/cancel/correct/acknowledgements
(simulator.harness.adapter.FirmAdapter); every scenario that reports trades then drives it.
"""

# import pytest
#
# @pytest.fixture
# def firm_adapter(sim):
#     from our_oms.rehearsal import OmsAdapter
#     return OmsAdapter(sim)
