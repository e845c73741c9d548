"""facsim: a facility simulator and BDD test harness for US trade reporting.

The simulator emulates the FINRA trade-reporting facilities (FINRA/Nasdaq TRF Carteret and
Chicago, FINRA/NYSE TRF, ADF, ORF and TRACE) on one machine, driven by an injected clock so
that a firm can rehearse any date's behaviour without waiting for it.
"""

__version__ = "0.1.0"
