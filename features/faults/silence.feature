@faults @fix
Feature: A silent facility
  When the facility stops sending Heartbeats (and does not answer TestRequests) the firm's engine
  must notice: after 1.2 heartbeat intervals without input it sends a TestRequest, and when that
  stays unanswered it logs out and disconnects (FIX Session Layer Test Cases 4 and 6). The
  heartbeat interval is the facility's (TRACE: 30 seconds), counted on the simulated clock.

  Scenario: The firm's engine detects the silence and gives up
    Given the facility clock reads 2021-11-15 10:00 ET
    And ACMEFIX is logged on to trace-ca
    And the facility goes silent
    When 30 seconds pass
    Then no heartbeat comes from the silent facility
    And the firm's engine gives up on the silent facility
    And the journal records the silence fault
