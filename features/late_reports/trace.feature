@late_reports @trace
Feature: Late reports at TRACE
  TRACE reports are due as soon as practicable and no later than 15 minutes after the time of
  execution (FINRA Rule 6730(a)(1)), during system hours 08:00:00-18:29:59 ET. A trade executed
  less than 15 minutes before the 18:30 close may be reported within 15 minutes of the next
  business day's open, as/of; so may one executed after the close, on a weekend or a holiday.
  TRACE itself generates Trade Modifier 3 from the time it receives the report: Z during market
  hours and late, T after market hours (17:15 ET for corporates and agencies, 17:30 for
  Treasuries), U after market hours and late.

  Scenario Outline: The 15-minute boundary to the nanosecond at <facility>
    Given the facility clock reads 2021-11-15 10:00:00.000000000 ET
    And a trade executed at 10:00:00.000000000 ET today
    When 15 minutes pass
    And the trade is reported to <facility>
    Then the report is on time
    And the facility applies no modifier
    When 1 nanosecond passes
    And the trade is reported to <facility>
    Then the report is late
    And the facility applies modifier Z

    Examples:
      | facility |
      | trace-ca |
      | trace-sp |

  Scenario: After market hours TRACE appends T, and U when the report is also late
    Then reports are decided as follows:
      | facility | executed               | reported                         | verdict | modifier | as of |
      | trace-ca | 2021-11-15 17:00:00 ET | 2021-11-15 17:14:59 ET           | on time | none     | no    |
      | trace-ca | 2021-11-15 17:10:00 ET | 2021-11-15 17:16:00 ET           | on time | T        | no    |
      | trace-sp | 2021-11-15 17:20:00 ET | 2021-11-15 17:35:00.000000001 ET | late    | U        | no    |

  Scenario: Close compression: less than 15 minutes before 18:30, the report may wait for the next open
    Given a trade executed at 2021-11-15 18:15:00.000000001 ET
    When the trade is reported to trace-ca at 2021-11-16 08:15:00.000000000 ET
    Then the report is on time
    And the report must be as/of
    And the reporting deadline is 2021-11-16 08:15:00.000000000 ET
    And the decision cites "Rule 6730(a)(1)(C)"
    When the trade is reported to trace-ca at 2021-11-16 08:15:00.000000001 ET
    Then the report is late

  Scenario: Exactly 15 minutes before the close the ordinary 15-minute window still applies
    Given a trade executed at 2021-11-15 18:14:59.999999999 ET
    When the trade is reported to trace-ca at 2021-11-15 18:29:59.999999999 ET
    Then the report is on time
    And the report is not as/of
    And the facility applies modifier T

  Scenario: Before the open TRACE expects the report by 08:15
    Given a trade executed at 2021-11-15 07:30 ET
    When the trade is reported to trace-ca at 2021-11-15 08:15:00.000000000 ET
    Then the report is on time
    And the report is not as/of
    And the decision cites "Rule 6730(a)(1)(A)"

  Scenario: A weekend TRACE trade is reported as/of within 15 minutes of Monday's open
    Given the facility clock reads 2021-03-20 11:00 ET
    And a trade executed at 11:00 ET today
    When the clock moves to next Monday 08:15 ET
    And the trade is reported to trace-ca
    Then the report is on time
    And the report must be as/of
    And the decision cites "Rule 6730(a)(1)(D)"

  Scenario: A holiday TRACE trade is reported as/of the next business day
    Given a trade executed at 2021-11-25 13:30 ET
    When the trade is reported to trace-ca at 2021-11-26 08:15:00.000000000 ET
    Then the report is on time
    And the report must be as/of

  Scenario: On an early-close day TRACE market hours end at 13:00
    Given a trade executed at 2021-11-26 13:30 ET
    When the trade is reported to trace-ca 10 minutes after execution
    Then the report is on time
    And the facility applies modifier T

  Scenario: Treasuries are due the same day during system hours
    # Rule 6730(a)(4)(A): Treasury trades are reported the same day during TRACE system hours.
    Then reports are decided as follows:
      | facility | executed               | reported                         | verdict | modifier | as of |
      | trace-ts | 2021-11-15 10:00:00 ET | 2021-11-15 17:29:00 ET           | on time | none     | no    |
      | trace-ts | 2021-11-15 17:20:00 ET | 2021-11-15 18:00:00 ET           | on time | T        | no    |
      | trace-ts | 2021-11-15 10:00:00 ET | 2021-11-16 08:00:00 ET           | late    | Z        | yes   |

  Scenario: A report received before the trade was executed is refused
    Given a trade executed at 2021-11-15 10:00 ET
    Then a report at 2021-11-15 09:59:59.999999999 ET to trace-ca is refused because it precedes the execution
