@faults @fix
Feature: A throttled session
  Test environments limit how fast a session may send (for example 10 messages per second per
  session in an exchange's UAT). The facilities' own behaviour beyond the limit is not published;
  the simulator rejects the excess message with a Business Message Reject (35=j, 380=0 "Throttle
  limit exceeded") without processing it, or, when asked, logs the session out (docs/faults.md).
  The second is counted on the simulated clock.

  Background:
    Given the facility clock reads 2021-11-15 10:00 ET
    And ACMEFIX is logged on to trace-ca

  Scenario: The message beyond the rate is rejected, and the next second is fine
    Given the facility throttles the session to 2 messages per second
    When the firm reports a trade executed 1 second ago
    And the firm reports a trade executed 1 second ago
    And the firm reports a trade executed 1 second ago
    Then the facility rejects the report
    And the reject says "Throttle limit exceeded"
    When 1 second passes
    And the firm reports a trade executed 1 second ago
    Then the facility accepts the report
    And the journal records the throttle fault

  Scenario: A session that floods is logged out
    Given the facility logs out a session that exceeds 2 messages per second
    When the firm sends 3 reports without waiting for answers
    Then the firm is logged out with "Throttle limit exceeded"
