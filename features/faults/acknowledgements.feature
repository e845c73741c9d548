@faults @fix
Feature: Late, lost, doubled, garbled and misnumbered acknowledgements
  The facility's acknowledgements do not always arrive once, on time and intact. Each case below
  is what a firm's FIX engine must survive by the session rules alone: a held message arrives
  late, a missing one is recovered by ResendRequest from the facility's store, a possible
  duplicate is ignored, a garbled message is dropped and recovered, and a gap in the facility's
  numbers is filled with a SequenceReset-GapFill.

  Background:
    Given the facility clock reads 2021-11-15 10:00 ET
    And ACMEFIX is logged on to trace-ca

  Scenario: A delayed acknowledgement arrives when the simulated delay has passed
    Given the facility delays acknowledgements by 30 seconds
    When the firm sends 1 reports without waiting for answers
    Then the acknowledgement has not arrived yet
    When 30 seconds pass
    Then every report the firm sent is acknowledged exactly once
    And the journal records the delay fault

  Scenario: A withheld acknowledgement is recovered by a resend request
    Given the facility withholds the 1st acknowledgement
    When the firm sends 2 reports without waiting for answers
    Then the firm recovers the acknowledgement by a resend request
    And every report the firm sent is acknowledged exactly once
    And the journal records the withhold fault

  Scenario: A possible duplicate is ignored
    Given the facility sends the 1st acknowledgement twice
    When the firm sends 2 reports without waiting for answers
    Then the firm ignores the possible duplicate
    And every report the firm sent is acknowledged exactly once
    And the journal records the duplicate fault

  Scenario: A garbled acknowledgement is dropped and recovered
    Given the facility garbles the 1st acknowledgement
    When the firm sends 2 reports without waiting for answers
    Then the firm ignores the garbled message and asks for a resend
    And every report the firm sent is acknowledged exactly once
    And the journal records the garble fault

  Scenario: A gap in the facility's sequence numbers is filled on request
    Given the facility skips 5 sequence numbers before the 2nd acknowledgement
    When the firm sends 2 reports without waiting for answers
    Then the facility fills the gap with a sequence reset
    And every report the firm sent is acknowledged exactly once
    And the journal records the sequence-gap fault
