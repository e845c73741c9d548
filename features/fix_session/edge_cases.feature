@fix_session @fix
Feature: FIX session edge cases engineers reproduce
  The facilities' FIX sessions follow the FIX session protocol: a sequence gap is answered with a
  ResendRequest, a session survives a lost connection (its sequence numbers continue), and a
  second connection with the same CompIDs is refused while the first is logged on (TRACE FIX
  specification; FIX Session Layer Test Cases).

  Scenario: A sequence gap is answered with a resend request, and the report still gets through
    Given the facility clock reads 2021-11-15 10:00 ET
    And ACMEFIX is logged on to trace-ca
    When the firm skips 3 sequence numbers
    And the firm reports a trade executed 1 minute ago
    Then the facility asked for a resend from 2
    And the facility accepts the report

  Scenario: Reconnecting after a crash continues the sequence numbers
    Given the facility clock reads 2021-11-15 10:00 ET
    And ACMEFIX is logged on to nasdaq-trf-carteret
    When the firm reports a trade executed 1 second ago
    Then the facility accepts the report
    And the firm's next outgoing sequence number is 3
    When the firm's connection drops without a Logout
    And 5 seconds pass
    And the firm logs on again
    Then the firm's next outgoing sequence number is 4
    When the firm reports a trade executed 1 second ago
    Then the facility accepts the report

  Scenario: A duplicate logon is refused while the first session is up
    Given the facility clock reads 2021-11-15 10:00 ET
    And ACMEFIX is logged on to trace-ca
    Then a second connection as ACMEFIX to trace-ca is refused
    And the journal records a counterparty error mentioning "duplicate Logon"
    When the firm reports a trade executed 1 minute ago
    Then the facility accepts the report

  @in_process
  Scenario: After the simulator crashes and restarts on its data directory, the session resumes
    # A restart of `facsim serve` on the same --data-dir: the journal and every session's
    # sequence numbers come back from disk, so the firm logs on again without a reset and
    # nothing it was acknowledged for is lost (issue 3: an acknowledged report is durable).
    Given the facility clock reads 2021-11-15 10:00 ET
    And ACMEFIX is logged on to nasdaq-trf-carteret
    When the firm reports a trade executed 1 second ago
    Then the facility accepts the report
    And the firm's next outgoing sequence number is 3
    When the simulator restarts on the same data directory
    And 30 seconds pass
    And the firm logs on again
    Then the firm's next outgoing sequence number is 4
    And the journal holds the report
    When the firm reports a trade executed 1 second ago
    Then the facility accepts the report
    And the firm's next outgoing sequence number is 5
