@faults @fix
Feature: Hot-hot failover to the secondary port
  The Nasdaq TRF's native FIX ports are hot-hot, a primary and a secondary address (facilities.md
  section 3), and TRACE replicates session state to a primary and a secondary gateway (section
  3.1). When the primary fails, a firm's engine logs on at the secondary and the session simply
  continues: same sequence numbers, same message store, a resend answered from it.

  Scenario: The session continues on the secondary port
    Given the facility clock reads 2021-11-15 10:00 ET
    And ACMEFIX is logged on to nasdaq-trf-carteret
    When the firm sends 2 reports without waiting for answers
    Then the firm has received 2 acknowledgements
    When the primary nasdaq-trf-carteret port fails over to the secondary
    Then the firm's connection is dropped without a Logout
    When the firm logs on to the secondary port
    Then the firm's session continues at sequence number 5
    When the firm sends 1 reports without waiting for answers
    Then every report the firm sent is acknowledged exactly once
    And the journal records the failover fault

  Scenario: The primary comes back
    Given the facility clock reads 2021-11-15 10:00 ET
    And ACMEFIX is logged on to trace-ca
    When the primary trace-ca port fails over to the secondary
    And the primary port comes back
    And the firm logs on to the primary port again
    And the firm sends 1 reports without waiting for answers
    Then every report the firm sent is acknowledged exactly once
