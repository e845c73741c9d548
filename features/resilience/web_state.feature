@web @in_process
Feature: The web front keeps its state across a restart
  Issue 6, crash recovery: killed and started again on the same data directory, the simulator
  gives back everything it acknowledged -- to the firms every report, and to the web front's
  users their browser sessions, the second factors they enrolled, the changes they made and
  the UAT registrations they filed. The web front saves each change in the data directory
  (web-state.sqlite3) before it answers the request that made it (docs/resilience.md, "What the
  web front keeps").

  Scenario: A tester stays logged in and keeps what they did after the simulator restarts
    Given the facility clock reads 2021-03-15 10:00 ET
    When tina.trader@acme.example enrols in MFA with an authenticator app from the invitation email
    Then the enrolment succeeds
    When tina.trader@acme.example registers "Acme Securities LLC" with MPID ACME for the 2021-03-20 UAT
    Then the registration is accepted
    When tom.trader@acme.example logs in to beta.finratraqs.org with MFA
    Then the login succeeds
    When the simulator restarts on the same data directory
    Then tom.trader@acme.example is still logged in to beta.finratraqs.org
    And FINRA Market Operations holds 1 registration for the 2021-03-20 UAT
    # A new 30-second step: the code Tina confirmed her authenticator with was used, and a
    # used code stays refused after the restart too (RFC 6238 section 5.2).
    When 30 seconds pass
    And tina.trader@acme.example logs in to beta.finratraqs.org with MFA
    Then the login succeeds

