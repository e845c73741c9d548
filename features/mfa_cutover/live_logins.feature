@mfa_cutover @web
Feature: Logging in to TRAQS through the web front, before and after the cutover
  The same user, with a digital certificate and an authenticator app, logs in by either route
  during the parallel period; from Monday 2021-04-19 the certificate route is refused with the
  facility's explanation and MFA works (seed 001).

  Scenario: Both routes during the parallel period
    Given the facility clock reads 2021-03-22 10:00 ET
    When tom.trader@acme.example logs in to finratraqs.org with a certificate
    Then the login succeeds
    When tom.trader@acme.example logs in to beta.finratraqs.org with MFA
    Then the login succeeds

  Scenario: From 2021-04-19 a certificate alone is refused
    Given the facility clock reads 2021-04-19 10:00 ET
    When tom.trader@acme.example logs in to finratraqs.org with a certificate
    Then the login is refused
    When tom.trader@acme.example logs in to finratraqs.org with MFA
    Then the login succeeds

  Scenario: A user entitled only to the NTF is refused production on the UAT Saturday
    Given the facility clock reads 2021-03-20 09:30 ET
    When nina.ntf@acme.example logs in to beta.finratraqs.org with MFA
    Then the login is refused
    And the login page says "production region"

  Scenario: The same trade sent by both routes of the parallel period is flagged
    # Seed 001: "users should ensure not to duplicate transactions ... as both methods will
    # route transactions to the production host infrastructure". Both are accepted, as the
    # facility would; the journal flags the pair so the firm sees its mistake.
    Given the facility clock reads 2021-03-22 10:00 ET
    When tom.trader@acme.example logs in to finratraqs.org with a certificate
    And tom.trader@acme.example reports a trade executed at 09:59 ET today through finratraqs.org
    And tom.trader@acme.example logs in to beta.finratraqs.org with MFA
    And tom.trader@acme.example reports the same trade executed at 09:59 ET today through beta.finratraqs.org
    Then the journal flags a likely duplicate sent by web-certificate and web-mfa

  Scenario: The same trade sent over FIX and through TRAQS is flagged as well
    Given the facility clock reads 2021-03-22 10:00 ET
    And ACMEFIX is logged on to trace-ca
    When tom.trader@acme.example logs in to beta.finratraqs.org with MFA
    And tom.trader@acme.example reports a trade executed at 09:59 ET today through beta.finratraqs.org
    And the firm reports the same trade over FIX
    Then the facility accepts the report
    And the journal flags the same trade sent by fix and web-mfa as a likely duplicate

  Scenario: The reference-data API keeps certificates until 2024-09-30, then takes MFA tokens
    # Seed 001 expected API MFA "until the fourth quarter in 2021"; FINRA's later notices moved
    # it to production on 2024-09-30, which the simulator follows.
    Given the facility clock reads 2024-09-27 10:00 ET
    When tom.trader@acme.example downloads a reference-data file from download.finratraqs.org with a certificate, login and password
    Then the download succeeds
    When the clock moves to 2024-09-30 10:00 ET
    And tom.trader@acme.example downloads a reference-data file from download.finratraqs.org with a certificate, login and password
    Then the download is refused
    And the API says "multi-factor authentication"
    When tom.trader@acme.example downloads a reference-data file from download.finratraqs.org with an API token from TRAQS
    Then the download succeeds
