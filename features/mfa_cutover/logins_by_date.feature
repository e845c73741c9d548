@mfa_cutover
Feature: TRAQS logins by date: certificates, the parallel period, MFA
  FINRA replaced digital certificates with multi-factor authentication (MFA) for the TRAQS
  website. From Monday 2021-03-08 to Friday 2021-04-16 firms could use either a certificate on
  the current infrastructure or MFA on the new one (beta.finratraqs.org); from Monday 2021-04-19
  every TRAQS user must use MFA and is denied access otherwise. The reference-data API keeps
  certificate, login ID and password until a later date (seed 001).

  Scenario: Before the parallel period only certificates reach TRAQS
    Given the facility clock reads 2021-03-05 10:00 ET
    Then TRAQS in production takes certificate logins
    And the site finratraqs.org accepts certificate logins
    And the site finratraqs.org refuses mfa logins
    And the site beta.finratraqs.org is not-yet-live

  Scenario: During the parallel period both routes work
    Given the facility clock reads 2021-03-08 08:00 ET
    Then TRAQS in production takes either logins
    And the site mpp.nasdaq.com accepts mfa logins
    And the site finratraqs.org accepts certificate logins
    And the site beta.finratraqs.org accepts mfa logins
    And the site download2.finratraqs.org accepts certificate+password logins
    When the clock moves to 2021-04-16 17:00 ET
    Then the site beta.finratraqs.org accepts mfa logins
    And the site finratraqs.org accepts certificate logins

  Scenario: From 2021-04-19 a certificate alone no longer reaches TRAQS
    Given the facility clock reads 2021-04-19 00:00:00.000000000 ET
    Then TRAQS in production takes mfa logins
    And the site finratraqs.org accepts mfa logins
    And the site finratraqs.org refuses certificate logins
    And the site beta.finratraqs.org is moved
    And the site beta.finratraqs.org points to finratraqs.org

  Scenario: The reference-data API keeps certificate, login and password after the TRAQS cutover
    Given the facility clock reads 2021-04-19 08:00 ET
    Then the reference-data API in production takes certificate+password logins
    And the site download.finratraqs.org accepts certificate+password logins
    And the site download2.finratraqs.org accepts certificate+password logins
    And the site download.finratraqs.org refuses mfa logins

  Scenario: The API's own MFA date, later than the seed expected
    # Seed 001 said certificates stay "until the fourth quarter in 2021"; FINRA's later notices
    # moved API MFA to production on 2024-09-30, which the simulator follows.
    Given the facility clock reads 2024-09-29 23:59:59.999999999 ET
    Then the reference-data API in production takes certificate+password logins
    When 1 nanosecond passes
    Then the reference-data API in production takes mfa logins
    And the site download.finratraqs.org refuses certificate+password logins
