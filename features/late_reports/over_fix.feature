@late_reports @fix
Feature: The late modifier in the facility's acknowledgement, over FIX
  Every accepted report goes through the timeliness rules at the instant the facility receives
  it; the acknowledgement carries the modifier the facility applies, in the facility's own FIX
  code (Nasdaq TRF tag 277: I for Z, 5 for T; NYSE TRF 10 and 9; TRACE Trade Modifier 3,
  22003). A late report is accepted, not rejected (seed 004).

  Scenario Outline: Ten seconds and one nanosecond is late at <port>
    Given the facility clock reads 2021-11-15 10:00:00.000000000 ET
    And ACMEFIX is logged on to <port>
    When the firm reports a trade executed 10 seconds ago
    Then the facility accepts the report
    And the acknowledgement carries no modifier
    When the firm reports a trade executed 10 seconds and 1 nanosecond ago
    Then the facility accepts the report
    And the acknowledgement carries modifier Z
    And the acknowledgement carries modifier <code>

    Examples:
      | port                | code |
      | nasdaq-trf-carteret | I    |
      | nasdaq-trf-chicago  | I    |
      | nyse-trf            | 10   |
      | adf                 | Z    |
      | orf                 | Z    |

  Scenario: Outside normal market hours the acknowledgement says T
    Given the facility clock reads 2021-11-15 17:00:00 ET
    And ACMEFIX is logged on to nasdaq-trf-carteret
    When the firm reports a trade executed 2 seconds ago
    Then the facility accepts the report
    And the acknowledgement carries modifier T
    And the acknowledgement carries modifier 5

  Scenario Outline: TRACE appends Z 15 minutes and 1 nanosecond after execution at <port>
    # TRACE takes the time of execution to the second, so the boundary is crossed by the
    # facility's receipt time: executed 10:45:00, received 11:00:00 exactly or 1 ns later.
    Given the facility clock reads 2021-11-15 11:00:00.000000000 ET
    And ACMEFIX is logged on to <port>
    When the firm reports a trade executed at 2021-11-15 10:45:00 ET
    Then the facility accepts the report
    And the acknowledgement carries no modifier
    When 1 nanosecond passes
    And the firm reports a trade executed at 2021-11-15 10:45:00 ET
    Then the facility accepts the report
    And the acknowledgement carries modifier Z

    Examples:
      | port     |
      | trace-ca |
      | trace-sp |

  Scenario: After TRACE market hours the acknowledgement says T, and U when also late
    Given the facility clock reads 2021-11-15 17:20:00 ET
    And ACMEFIX is logged on to trace-ca
    When the firm reports a trade executed at 2021-11-15 17:10:00 ET
    Then the facility accepts the report
    And the acknowledgement carries modifier T
    When the clock moves to 2021-11-15 17:25:00.000000001 ET
    And the firm reports a trade executed at 2021-11-15 17:10:00 ET
    Then the facility accepts the report
    And the acknowledgement carries modifier U

  Scenario Outline: Outside normal market hours and late, <port> says U
    Given the facility clock reads 2021-11-15 17:00:00 ET
    And ACMEFIX is logged on to <port>
    When the firm reports a trade executed 10 seconds ago
    Then the facility accepts the report
    And the acknowledgement carries modifier T
    When the firm reports a trade executed 10 seconds and 1 nanosecond ago
    Then the facility accepts the report
    And the acknowledgement carries modifier U

    Examples:
      | port |
      | adf  |
      | orf  |

  Scenario Outline: <port> has no FIX code for U: the acknowledgement carries none, the journal keeps U
    # FINRA's Trade Report Modifiers table marks U "not captured" for the TRFs' FIX ports.
    Given the facility clock reads 2021-11-15 17:00:00 ET
    And ACMEFIX is logged on to <port>
    When the firm reports a trade executed 10 seconds and 1 nanosecond ago
    Then the facility accepts the report
    And the acknowledgement carries no modifier
    And the journal records the report as late with modifier U

    Examples:
      | port                |
      | nasdaq-trf-carteret |
      | nyse-trf            |

  Scenario: Before the TRF opens the report is due 15 minutes after the open
    Given the facility clock reads 2021-11-15 08:15:00.000000000 ET
    And ACMEFIX is logged on to nasdaq-trf-carteret
    When the firm reports a trade executed at 2021-11-15 07:00:00 ET
    Then the facility accepts the report
    And the acknowledgement carries modifier T
    When 1 nanosecond passes
    And the firm reports a trade executed at 2021-11-15 07:00:00 ET
    Then the facility accepts the report
    And the journal records the report as late with modifier U

  Scenario: A report, its correction and its cancel, over FIX
    Given the facility clock reads 2021-11-15 10:00 ET
    And ACMEFIX is logged on to trace-ca
    When the firm reports a trade executed 1 minute ago
    Then the facility accepts the report
    When the firm corrects the report's price to 10.50
    Then the facility accepts the correction
    When the firm cancels the report
    Then the facility accepts the cancel
