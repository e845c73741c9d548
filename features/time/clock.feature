@time
Feature: The facility clock
  The simulator's clock is a manual clock in integer nanoseconds. A scenario sets it and moves
  it; nothing else does, so windows of seconds, minutes or whole weekends cost no real time.

  Scenario: Ten seconds and one nanosecond, exactly
    Given the facility clock reads 2021-11-15 09:30:00.000000000 ET
    When 10 seconds and 1 nanosecond pass
    Then the facility clock reads 2021-11-15 09:30:10.000000001 ET
    And the facility clock reads 2021-11-15T14:30:10.000000001Z

  Scenario: A weekend costs nothing
    Given the facility clock reads 2021-03-19 20:00 ET
    When the clock moves to next Monday 08:00 ET
    Then it is Monday 2021-03-22 in New York
    And the facility clock reads 2021-03-22 12:00 UTC

  Scenario: Moving within the day
    Given the facility clock reads 2021-11-15 09:30 ET
    When the clock moves to 16:00:00.000000001 ET
    Then the facility clock reads 2021-11-15 16:00:00.000000001 ET

  Scenario Outline: New York wall time across the DST changes of 2021
    Given the facility clock reads <before>
    When <duration> pass
    Then the facility clock reads <after>
    And the New York offset from UTC is <offset>

    Examples:
      | before                 | duration  | after                  | offset |
      | 2021-03-14 01:59:59 ET | 1 second  | 2021-03-14 03:00:00 ET | -04:00 |
      | 2021-11-07 01:59:59 ET | 1 second  | 2021-11-07 06:00:00Z   | -05:00 |
      | 2021-03-13 12:00 ET    | 1 day     | 2021-03-14 13:00 ET    | -04:00 |

  Scenario: The firm's own code sees a frozen wall clock while the simulator runs
    Given the firm's own systems read the wall clock as 2021-03-20 09:00 ET
    Then the firm's wall clock reads 2021-03-20 13:00:00Z
