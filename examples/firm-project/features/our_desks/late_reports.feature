@our_desks
Feature: Our desks' reporting deadlines
  The program-trading desk reports to the FINRA/Nasdaq TRF Carteret; compliance wants proof
  that a report 10 seconds after execution is on time and one nanosecond later is late.

  Scenario: Ten seconds is on time, one nanosecond more is late
    Given the facility clock reads 2021-11-15 09:30:00 ET
    And a trade executed at 09:30:00 ET today
    When the trade is reported to nasdaq-trf-carteret 10 seconds after execution
    Then the report is on time
    When the trade is reported to nasdaq-trf-carteret 10 seconds and 1 nanosecond after execution
    Then the report is late
    And the facility applies modifier Z

  @in_process
  Scenario: Our supervision roster covers every MPID we report under
    Given the facility clock reads 2021-11-15 10:00 ET
    And the firm's MPID roster:
      | mpid | desk            | supervisor  | email                     |
      | OURX | Program trading | Sam Whitley | sam.whitley@our.example   |
    When OURX reports 5 trades to nasdaq-trf-carteret, each 3 seconds after execution
    Then MPID OURX has 0 late reports
    And every MPID that reported is on the roster
