@late_reports @equities
Feature: Late reports at the equity facilities
  Equity trade reports are due "as soon as practicable, but no later than 10 seconds" after
  execution while the facility is open -- inside and outside normal market hours (FINRA Rules
  6380A/6380B, 6282, 6622; Trade Reporting FAQ 102.3). Exactly 10 seconds is on time; one
  nanosecond more is late. The modifier depends on when the trade was executed: none inside
  normal market hours (09:30-16:00 ET) and on time, Z inside and late, T outside and on time,
  U outside and late.

  Scenario Outline: The 10-second boundary to the nanosecond at <facility>
    Given the facility clock reads 2021-11-15 09:30:00.000000000 ET
    And a trade executed at 2021-11-15 09:30:00.000000000 ET
    When 10 seconds pass
    And the trade is reported to <facility>
    Then the report is on time
    And the facility applies no modifier
    And the reporting deadline is 2021-11-15 09:30:10.000000000 ET
    When 1 nanosecond passes
    And the trade is reported to <facility>
    Then the report is late
    And the facility applies modifier Z
    And the report is not as/of

    Examples:
      | facility            |
      | nasdaq-trf-carteret |
      | nasdaq-trf-chicago  |
      | nyse-trf            |
      | adf                 |
      | orf                 |

  Scenario Outline: How each facility writes the late modifier on its FIX port
    Given a trade executed at 2021-11-15 10:00 ET
    When the trade is reported to <facility> 10 seconds and 1 nanosecond after execution
    Then the facility applies modifier Z
    And the facility writes it as FIX code <code>

    Examples:
      | facility            | code |
      | nasdaq-trf-carteret | I    |
      | nasdaq-trf-chicago  | I    |
      | nyse-trf            | 10   |

  Scenario: The 10-second rule also applies outside normal market hours while the facility is open
    # Seed 004 says "during normal market hours"; Rule 6380A(a)(1) and FAQ 102.3 apply the
    # 10 seconds whenever the facility is open, which is what the simulator follows.
    Given a trade executed at 2021-11-15 17:00:00.000000000 ET
    When the trade is reported to nasdaq-trf-carteret 10 seconds after execution
    Then the report is on time
    And the facility applies modifier T
    And the facility writes it as FIX code 5
    When the trade is reported to nasdaq-trf-carteret 10 seconds and 1 nanosecond after execution
    Then the report is late
    And the facility applies modifier U

  Scenario: The edges of normal market hours decide between no modifier and T
    Then reports are decided as follows:
      | facility | executed                          | reported                          | verdict | modifier | as of |
      | nyse-trf | 2021-11-15 09:29:59.999999999 ET  | 2021-11-15 09:30:00 ET            | on time | T        | no    |
      | nyse-trf | 2021-11-15 09:30:00.000000000 ET  | 2021-11-15 09:30:01 ET            | on time | none     | no    |
      | nyse-trf | 2021-11-15 15:59:59.999999999 ET  | 2021-11-15 16:00:05 ET            | on time | none     | no    |
      | nyse-trf | 2021-11-15 16:00:00.000000001 ET  | 2021-11-15 16:00:05 ET            | on time | T        | no    |

  Scenario: Before the open, the report is due 15 minutes after the facility opens
    Given a trade executed at 2021-11-15 07:00:00 ET
    When the trade is reported to nasdaq-trf-carteret at 2021-11-15 08:15:00.000000000 ET
    Then the report is on time
    And the facility applies modifier T
    And the report is not as/of
    And the reporting deadline is 2021-11-15 08:15:00.000000000 ET
    When the trade is reported to nasdaq-trf-carteret at 2021-11-15 08:15:00.000000001 ET
    Then the report is late
    And the facility applies modifier U

  Scenario Outline: After the close, the report is as/of by 08:15 the next business day at <facility>
    Given a trade executed at <executed>
    When the trade is reported to <facility> at 2021-11-16 08:15:00.000000000 ET
    Then the report is on time
    And the report must be as/of
    And the facility applies modifier T
    When the trade is reported to <facility> at 2021-11-16 08:15:00.000000001 ET
    Then the report is late
    And the facility applies modifier U

    Examples:
      | facility            | executed                         |
      | nasdaq-trf-carteret | 2021-11-15 20:00:00.000000001 ET |
      | orf                 | 2021-11-15 21:30:00 ET           |
      | adf                 | 2021-11-15 18:30:00.000000001 ET |

  Scenario: The ADF closes at 18:30, two and a half hours before the TRFs
    Then reports are decided as follows:
      | facility            | executed               | reported               | verdict | modifier | as of |
      | adf                 | 2021-11-15 19:00:00 ET | 2021-11-15 19:00:05 ET | on time | T        | yes   |
      | nasdaq-trf-carteret | 2021-11-15 19:00:00 ET | 2021-11-15 19:00:05 ET | on time | T        | no    |
      | nasdaq-trf-carteret | 2021-11-15 19:00:00 ET | 2021-11-15 19:00:11 ET | late    | U        | no    |

  Scenario: A weekend trade is due 15 minutes after Monday's open, as/of
    Given the facility clock reads 2021-03-20 10:00 ET
    And a trade executed at 10:00:00 ET today
    When the clock moves to next Monday 08:15 ET
    And the trade is reported to nasdaq-trf-chicago
    Then the report is on time
    And the report must be as/of
    And the reporting deadline is 2021-03-22 08:15:00.000000000 ET

  Scenario: A Friday-evening trade after the close is due Monday morning
    Then reports are decided as follows:
      | facility | executed               | reported                         | verdict | modifier | as of | deadline                         |
      | orf      | 2021-03-19 20:30:00 ET | 2021-03-22 08:15:00 ET           | on time | T        | yes   | 2021-03-22 08:15:00.000000000 ET |
      | orf      | 2021-03-19 20:30:00 ET | 2021-03-22 08:15:00.000000001 ET | late    | U        | yes   | 2021-03-22 08:15:00.000000000 ET |

  Scenario: A trade on a market holiday is due after the next open, as/of
    # Thanksgiving Day 2021-11-25: the TRFs are closed (holiday notices [S49][S50]).
    Given a trade executed at 2021-11-25 11:00 ET
    When the trade is reported to nasdaq-trf-carteret at 2021-11-26 08:15:00.000000000 ET
    Then the report is on time
    And the report must be as/of
    And the facility applies modifier T

  Scenario: On an early-close day normal market hours end at 13:00 and the TRF at 17:00
    Then reports are decided as follows:
      | facility            | executed               | reported               | verdict | modifier | as of |
      | nasdaq-trf-carteret | 2021-11-26 12:59:59 ET | 2021-11-26 13:00:05 ET | on time | none     | no    |
      | nasdaq-trf-carteret | 2021-11-26 13:30:00 ET | 2021-11-26 13:30:05 ET | on time | T        | no    |
      | nasdaq-trf-carteret | 2021-11-26 17:30:00 ET | 2021-11-29 08:15:00 ET | on time | T        | yes   |

  Scenario: From 2026-03-30 the TRFs open at 04:00 and the 10 seconds apply from then
    # SR-FINRA-2025-011 (Regulatory Notice 25-15). Before that date the TRFs opened at 08:00.
    Then reports are decided as follows:
      | facility            | executed               | reported                         | verdict | modifier | as of | deadline                         |
      | nasdaq-trf-carteret | 2026-03-27 04:30:00 ET | 2026-03-27 08:15:00 ET           | on time | T        | no    | 2026-03-27 08:15:00.000000000 ET |
      | nasdaq-trf-carteret | 2026-03-30 04:30:00 ET | 2026-03-30 04:30:10 ET           | on time | T        | no    | 2026-03-30 04:30:10.000000000 ET |
      | nasdaq-trf-carteret | 2026-03-30 04:30:00 ET | 2026-03-30 04:30:10.000000001 ET | late    | U        | no    | 2026-03-30 04:30:10.000000000 ET |

  Scenario: The DST changes of 2021 move the open in UTC, not in New York
    # 2021-03-14 and 2021-11-07 are Sundays; the Mondays after open at 08:00 New York time,
    # 12:00 UTC in March and 13:00 UTC in November.
    Then reports are decided as follows:
      | facility | executed                         | reported             | verdict | modifier | as of | deadline                         |
      | nyse-trf | 2021-03-14 03:30:00 ET           | 2021-03-15T12:15:00Z | on time | T        | yes   | 2021-03-15 08:15:00.000000000 ET |
      | nyse-trf | 2021-03-15 07:59:59.999999999 ET | 2021-03-15T12:15:00Z | on time | T        | no    | 2021-03-15 08:15:00.000000000 ET |
      | nyse-trf | 2021-11-07 01:30:00 ET           | 2021-11-08T13:15:00Z | on time | T        | yes   | 2021-11-08 08:15:00.000000000 ET |
      | nyse-trf | 2021-11-08 08:00:00 ET           | 2021-11-08T13:00:10.000000001Z | late | U     | no    | 2021-11-08 08:00:10.000000000 ET |
