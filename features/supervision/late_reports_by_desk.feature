@supervision @in_process
Feature: Supervising late reports by desk, MPID and supervisor
  A member may report under several MPIDs to separate its desks; the principal keeps a roster
  mapping each MPID to its desk and supervisor, so every late report is attributable. Repeated
  lateness is a violation of its own even when no single report is far late (seed 004; a
  pattern or practice of late reporting, FINRA Rule 2010 and e.g. ORF Rule 6623).

  Background:
    Given the facility clock reads 2021-11-15 10:00 ET
    And the firm's MPID roster:
      | mpid | desk            | supervisor   | email                    |
      | ACME | Cash equities   | Morgan Ellis | morgan.ellis@acme.example |
      | ACMP | Program trading | Priya Raman  | priya.raman@acme.example  |
      | ACMX | Convertibles    | Lee Okafor   | lee.okafor@acme.example   |

  Scenario: Late reports are attributed to the desk and supervisor of their MPID
    When ACME reports 10 trades to nasdaq-trf-carteret, each 2 seconds after execution
    And ACMP reports 10 trades to nasdaq-trf-carteret, each 12 seconds after execution
    Then desk "Cash equities" has 0 late reports out of 10, supervised by Morgan Ellis
    And desk "Program trading" has 10 late reports out of 10, supervised by Priya Raman
    And the late reports of ACMP are attributed to Priya Raman
    And MPID ACME has 0 late reports
    And desk "Program trading" is flagged for a pattern of lateness
    And desk "Cash equities" is not flagged
    And every MPID that reported is on the roster

  Scenario: A desk always at the 10-second edge is flagged though no report is far late
    When ACMP reports 19 trades to nasdaq-trf-carteret, each 9 seconds and 500 milliseconds after execution
    And ACMP reports 1 trades to nasdaq-trf-carteret, each 10 seconds and 1 nanosecond after execution
    Then desk "Program trading" has 1 late reports out of 20, supervised by Priya Raman
    And no single report was more than 1 nanosecond late
    And desk "Program trading" is flagged for reporting at the edge

  Scenario: TRACE lateness is attributed the same way, on its 15-minute window
    When ACMX reports 12 trades to trace-ca, each 15 minutes and 1 second after execution
    Then desk "Convertibles" has 12 late reports out of 12, supervised by Lee Okafor
    And desk "Convertibles" is flagged for a pattern of lateness

  Scenario: An MPID that reports without a roster entry is flagged
    When ACME reports 3 trades to nyse-trf, each 1 second after execution
    And ZZZZ reports 2 trades to nyse-trf, each 1 second after execution
    Then MPID ZZZZ is flagged as missing from the roster
    And MPID ZZZZ has 0 late reports

  Scenario: The roster can be a file compliance edits
    Given the firm's MPID roster is the file "scenarios/rosters/sample-roster.toml"
    When ACME reports 10 trades to nasdaq-trf-chicago, each 11 seconds after execution
    Then desk "Cash equities" has 10 late reports out of 10, supervised by Morgan Ellis
    And the late reports of ACME are attributed to Morgan Ellis
