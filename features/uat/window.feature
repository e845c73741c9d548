@uat
Feature: The Saturday production UAT of 2021-03-20: window and registration
  FINRA's second production UAT ran on Saturday 2021-03-20 from about 9 a.m. to 1 p.m. ET. Firms
  registered with FINRA Market Operations -- firm name, MPIDs, testers and web user names -- no
  later than noon on Wednesday 2021-03-17 (seed 000).

  Scenario: Registration closes at noon ET on the Wednesday before, to the nanosecond
    Given the facility clock reads 2021-03-17 12:00:00.000000000 ET
    Then registration for the 2021-03-20 UAT is open
    When 1 nanosecond passes
    Then registration for the 2021-03-20 UAT is closed

  Scenario: The test runs from 09:00 to 13:00 ET on the Saturday
    Given the facility clock reads 2021-03-20 08:59:59.999999999 ET
    Then no UAT is running
    When 1 nanosecond passes
    Then a UAT is running
    And the UAT covers trace-ca
    When the clock moves to 12:59:59.999999999 ET
    Then a UAT is running
    When 1 nanosecond passes
    Then no UAT is running
