@faults @fix
Feature: The facility drops the connection
  A firm rehearses the facility going away mid-burst: after an acknowledgement, with or without a
  Logout, or while its reports are still on the wire. FIX recovery makes it survivable: the
  session's sequence numbers continue on the next logon, what the facility stored is resent on
  request, and what it never read the firm resends (FIX Session Layer Test Cases, message
  recovery). Every injected fault is recorded in the journal.

  Background:
    Given the facility clock reads 2021-11-15 10:00 ET
    And ACMEFIX is logged on to trace-ca

  Scenario: The connection drops after the 3rd acknowledgement of a burst
    Given the facility drops the connection after the 3rd acknowledgement
    When the firm sends 5 reports without waiting for answers
    Then the firm's connection is dropped without a Logout
    And the firm has received 3 acknowledgements
    When the firm logs on again
    Then every report the firm sent is acknowledged exactly once
    And the journal records the disconnect fault

  Scenario: The facility logs the firm out after an acknowledgement
    Given the facility logs the firm out after the 2nd acknowledgement saying "System going down"
    When the firm sends 2 reports without waiting for answers
    Then the firm is logged out with "System going down"
    And the firm has received 2 acknowledgements

  Scenario: The connection drops while the 3rd report is on the wire
    Given the facility drops the connection when the 3rd report arrives
    When the firm sends 4 reports without waiting for answers
    Then the firm's connection is dropped without a Logout
    And the firm has received 2 acknowledgements
    When the firm logs on again
    Then every report the firm sent is acknowledged exactly once
    And the firm's session continues at sequence number 7

  Scenario: The facility logs the firm out now, and the firm comes back
    When the facility logs the firm out saying "End of day maintenance"
    Then the firm is logged out with "End of day maintenance"
    When the firm logs on again
    And the firm sends 1 reports without waiting for answers
    Then every report the firm sent is acknowledged exactly once
