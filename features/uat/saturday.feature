@uat @fix @web
Feature: The Saturday production UAT of 2021-03-20 over FIX and TRAQS, task by task
  FINRA's technical notice of 2021-03-12 (seed 000): register by noon ET on Wednesday
  2021-03-17 (firm name, MPIDs, testers, web user names); enrol in MFA in production from the
  invitation email; log in to production TRAQS; verify trade reporting, cancels, corrections and
  the display; test the reference-data API, which still needs a digital certificate, login ID
  and password; a tester who used the NTF during the week must be entitled to production. The
  test runs from about 9 a.m. to 1 p.m. ET. FIX clients that connect without taking part may
  receive acknowledgements during the test and must ignore them on Monday.

  Each task talks to the running simulator: TRAQS pages over HTTPS with the users' test
  credentials (scenarios/orgs/acme.toml), trade reports over FIX with the sample firms of the
  default configuration (ACMEFIX registered for the UAT, GAMMAFIX not).

  Scenario: Registration is taken up to noon on the Wednesday, and refused one nanosecond later
    Given the facility clock reads 2021-03-17 12:00:00.000000000 ET
    When tina.trader@acme.example registers "Acme Securities LLC" with MPIDs ACME and ACMX for the 2021-03-20 UAT
    Then the registration is accepted
    And FINRA Market Operations holds 1 registration for the 2021-03-20 UAT
    When 1 nanosecond passes
    And tom.trader@acme.example registers "Acme Securities LLC" with MPID ACME for the 2021-03-20 UAT
    Then the registration is refused
    And the registration page says "closed at"
    And FINRA Market Operations holds 1 registration for the 2021-03-20 UAT

  Scenario: Existing users were emailed MFA sign-up instructions on Thursday 2021-03-04
    Given the facility clock reads 2021-03-03 23:59:59.999999999 ET
    Then tina.trader@acme.example has no MFA invitation email
    When 1 nanosecond passes
    Then tina.trader@acme.example has an MFA invitation email sent at 2021-03-04 00:00 ET

  Scenario: A tester enrols in MFA in production from the invitation email, then logs in
    Given the facility clock reads 2021-03-20 09:00 ET
    When tina.trader@acme.example enrols in MFA with an authenticator app from the invitation email
    Then the enrolment succeeds
    When 1 minute passes
    And tina.trader@acme.example logs in to beta.finratraqs.org with MFA
    Then the login succeeds

  Scenario: A new TRAQS user name is invited to the NASDAQ MFA service and enrols
    # The FINRA Order Form itself is outside TRAQS; the simulator sends the invitation email
    # an administrator's order triggers, and the user enrols from its link.
    Given the facility clock reads 2021-03-18 10:00 ET
    When FINRA sends tina.trader@acme.example an invitation to the NASDAQ MFA service
    Then tina.trader@acme.example has an MFA invitation email sent at 2021-03-18 10:00 ET
    When tina.trader@acme.example enrols in MFA with an authenticator app from the invitation email
    Then the enrolment succeeds

  Scenario: A tester entitled only to the NTF region cannot log in to production TRAQS
    Given the facility clock reads 2021-03-20 09:05 ET
    When nina.ntf@acme.example logs in to beta.finratraqs.org with MFA
    Then the login is refused
    And the login page says "production region"

  Scenario: Report, correct and cancel through TRAQS during the test, and see each on screen
    Given the facility clock reads 2021-03-20 09:10 ET
    When tom.trader@acme.example logs in to beta.finratraqs.org with MFA
    And tom.trader@acme.example reports a trade executed at 09:09 ET today through beta.finratraqs.org
    Then the trade display on beta.finratraqs.org shows the trade accepted
    And the journal books the report in uat
    When tom.trader@acme.example corrects the trade's price to 101.50 through beta.finratraqs.org
    Then the trade display on beta.finratraqs.org shows the trade corrected
    When tom.trader@acme.example cancels the trade through beta.finratraqs.org
    Then the trade display on beta.finratraqs.org shows the trade cancelled
    And the production journal holds no report of ACME

  Scenario: Report, correct and cancel over FIX during the test, booked as test transactions
    Given the facility clock reads 2021-03-20 09:30 ET
    And ACMEFIX is logged on to trace-ca
    When the firm reports a trade executed 1 minute ago
    Then the facility accepts the report
    And the journal books the report in uat
    When the firm corrects the report's price to 10.50
    Then the facility accepts the correction
    And the journal books the report in uat
    When the firm cancels the report
    Then the facility accepts the cancel
    And the production journal holds no report of ACME

  Scenario: The reference-data API takes a certificate, login ID and password, not a password alone
    Given the facility clock reads 2021-03-20 10:30 ET
    When tina.trader@acme.example downloads a reference-data file from download2.finratraqs.org with a certificate, login and password
    Then the download succeeds
    When tina.trader@acme.example downloads a reference-data file from download2.finratraqs.org with login and password but no certificate
    Then the download is refused
    And the API says "digital certificate, login ID and password"

  Scenario Outline: A FIX report to <port> at <time> on the Saturday is booked in <environment>
    # The test covers the FINRA-operated TRAQS facilities (TRACE, ADF, ORF); the Nasdaq and
    # NYSE TRFs are not part of it (facility list: an inference recorded in the timeline).
    Given the facility clock reads 2021-03-20 <time> ET
    And ACMEFIX is logged on to <port>
    When the firm reports a trade executed 1 second ago
    Then the facility accepts the report
    And the journal books the report in <environment>

    Examples:
      | port                | time               | environment |
      | trace-ca            | 08:59:59.999999999 | production  |
      | trace-ca            | 09:00:00.000000000 | uat         |
      | trace-ca            | 12:59:59.999999999 | uat         |
      | trace-ca            | 13:00:00.000000000 | production  |
      | adf                 | 10:00:00.000000000 | uat         |
      | orf                 | 10:00:00.000000000 | uat         |
      | nasdaq-trf-carteret | 10:00:00.000000000 | production  |

  Scenario: A connected firm that did not register receives acknowledgements, kept out of production
    Given the facility clock reads 2021-03-20 10:00 ET
    And GAMMAFIX is logged on to trace-ca
    And the firm reports under MPID GAMM
    When the firm reports a trade executed 1 minute ago
    Then the facility accepts the report
    And the journal books the report in uat
    And the journal shows the acknowledgement delivered to GAMMA, not registered for the UAT
    When the clock moves to 2021-03-22 08:00 ET
    Then the production journal holds no report of GAMM

  Scenario: A registered firm's acknowledgements during the test are marked registered
    Given the facility clock reads 2021-03-20 10:00 ET
    And ACMEFIX is logged on to trace-ca
    When the firm reports a trade executed 1 minute ago
    Then the facility accepts the report
    And the journal shows the acknowledgement delivered to ACME, registered for the UAT
