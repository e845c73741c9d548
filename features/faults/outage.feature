@faults @fix
Feature: A facility outage
  In an outage window the facility refuses every report with its own reason: TRACE's
  "4069 TRACE TEMPORARILY NOT AVAILABLE" (TRACE FIX specification, legacy reject codes); the
  equity facilities' equivalent is inferred ("FACILITY TEMPORARILY NOT AVAILABLE", docs/faults.md).
  The window is half-open and exact to the nanosecond on the simulated clock.

  Scenario: TRACE refuses reports during the outage and accepts them after it
    Given the facility clock reads 2021-11-15 09:59:59 ET
    And ACMEFIX is logged on to trace-ca
    And trace-ca is unavailable from 2021-11-15 10:00 ET to 2021-11-15 10:15 ET
    When the firm reports a trade executed 1 second ago
    Then the facility accepts the report
    When 1 second passes
    And the firm reports a trade executed 1 second ago
    Then the facility rejects the report
    And the reject says "TRACE TEMPORARILY NOT AVAILABLE"
    When 15 minutes pass
    And the firm reports a trade executed 1 second ago
    Then the facility accepts the report
    And the journal records the outage fault

  Scenario: An equity facility refuses with its own equivalent
    Given the facility clock reads 2021-11-15 10:00 ET
    And ACMEFIX is logged on to nasdaq-trf-carteret
    And nasdaq-trf-carteret is unavailable from 2021-11-15 10:00 ET to 2021-11-15 10:05 ET
    When the firm reports a trade executed 1 second ago
    Then the facility rejects the report
    And the reject says "FACILITY TEMPORARILY NOT AVAILABLE"
