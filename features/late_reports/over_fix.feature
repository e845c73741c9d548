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

  Scenario: TRACE appends Z to a report received 15 minutes and 1 nanosecond after execution
    Given the facility clock reads 2021-11-15 11:00:00 ET
    And ACMEFIX is logged on to trace-ca
    When the firm reports a trade executed 15 minutes ago
    Then the facility accepts the report
    And the acknowledgement carries no modifier
    When the firm reports a trade executed 15 minutes and 1 second ago
    Then the facility accepts the report
    And the acknowledgement carries modifier Z

  Scenario: A report, its correction and its cancel, over FIX
    Given the facility clock reads 2021-11-15 10:00 ET
    And ACMEFIX is logged on to trace-ca
    When the firm reports a trade executed 1 minute ago
    Then the facility accepts the report
    When the firm corrects the report's price to 10.50
    Then the facility accepts the correction
    When the firm cancels the report
    Then the facility accepts the cancel
