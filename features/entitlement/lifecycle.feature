@entitlement
Feature: FINRA entitlement: dormancy, deletion, the Replace SAA workflow, roles, certification
  The FINRA Entitlement Program FAQ (seed 003): FINRA deletes dormant accounts (Q38-Q41; when
  the SAA's account goes, the whole organisation loses access); an account no longer needed is
  deleted by an administrator, but the SAA's account is replaced through the Replace SAA
  workflow approved by an Authorized Signatory (Q2, Q3, Q24-Q26); an Account Administrator
  assigns roles only with the Assign Roles privilege and administrator rights over every
  entitlement of the role (Q88, Q90); roles are active, deleted or incomplete (Q82); the annual
  User Accounts Certification sends a notice, a reminder 10 business days before the due date
  and a past-due notice, and past due, administration is disabled and users are suspended until
  the SAA certifies (Q42-Q63).

  These scenarios drive the entitlement program's rules through its API
  (simulator.entitlement), the same code the TRAQS web front runs.

  Background:
    Given the facility clock reads 2021-08-30 10:00 ET
    And the organisation "Acme Securities LLC" (Org ID 1001) with MPIDs ACME and ACMX
    And saa@acme.example is its Super Account Administrator

  Scenario: An account not used for 180 days is dormant, to the nanosecond
    # The FAQ does not publish the period; 180 days is an INFERENCE (simulator.entitlement.dormancy).
    Given saa@acme.example creates the user dana@acme.example entitled to TRAQS in production
    When dana@acme.example logs in with the right password
    And 90 days pass
    And saa@acme.example logs in with the right password
    And 89 days, 23 hours, 59 minutes, 59 seconds and 999999999 nanoseconds pass
    Then dana@acme.example may log in to TRAQS in production
    When 1 nanosecond passes
    Then dana@acme.example may not log in to TRAQS in production
    And the login page says "dormant"

  Scenario: Using the account restarts the dormancy period
    Given saa@acme.example creates the user dana@acme.example entitled to TRAQS in production
    When 179 days pass
    And dana@acme.example logs in with the right password
    And saa@acme.example logs in with the right password
    And 179 days pass
    Then dana@acme.example may log in to TRAQS in production

  Scenario: When the SAA's account goes dormant, every account of the organisation loses access
    Given saa@acme.example creates the user dana@acme.example entitled to TRAQS in production
    When 179 days pass
    And dana@acme.example logs in with the right password
    And 1 day passes
    Then dana@acme.example may not log in to TRAQS in production
    And the login page says "Super Account Administrator account no longer exists"

  Scenario: An administrator deletes an account no longer needed, never the SAA's own
    # FAQ Q2/Q101 give the firm one day (30 minutes after a security incident) to delete an
    # account; the simulator rehearses the deletion and its effect, the deadline is the firm's.
    Given saa@acme.example creates the user dana@acme.example entitled to TRAQS in production
    When saa@acme.example deletes the account dana@acme.example
    Then it is done
    And dana@acme.example may not log in to TRAQS in production
    And the login page says "deleted"
    When saa@acme.example deletes the account saa@acme.example
    Then it is refused: "Replace SAA"

  Scenario: The Replace SAA workflow makes a new SAA and keeps the former one as a user
    When FINRA replaces the Super Account Administrator with cco@acme.example, approved by an Authorized Signatory
    Then it is done
    And the organisation's Super Account Administrator is cco@acme.example
    And cco@acme.example is now the Super Account Administrator
    And saa@acme.example is now a user
    When the organisation designates pat@acme.example as a second Super Account Administrator
    Then it is refused: "only one SAA"
    When cco@acme.example tries to create the user erin@acme.example
    Then it is done

  Scenario: An account administrator assigns a role only with Assign Roles and rights over all of it
    Given saa@acme.example creates the account administrator aa@acme.example entitled to TRAQS in production
    And saa@acme.example creates the user dana@acme.example entitled to TRAQS in production
    When saa@acme.example creates the role "Trade reporters" with report and view
    And saa@acme.example creates the role "Downloads" with download
    And aa@acme.example assigns the role "Trade reporters" to dana@acme.example
    Then it is refused: "Assign Roles"
    When saa@acme.example grants aa@acme.example the Assign Roles privilege
    And aa@acme.example assigns the role "Trade reporters" to dana@acme.example
    Then it is done
    When aa@acme.example assigns the role "Downloads" to dana@acme.example
    Then it is refused: "not an administrator of refdata.download"

  Scenario: A role with no entitlements is incomplete and cannot be assigned
    Given saa@acme.example creates the user dana@acme.example entitled to TRAQS in production
    When saa@acme.example creates the role "Placeholder" with nothing
    Then the role "Placeholder" is incomplete
    When saa@acme.example assigns the role "Placeholder" to dana@acme.example
    Then it is refused: "incomplete"

  Scenario: An organisation with only its SAA account need not certify
    Given FINRA opens the organisation's certification period from 2021-09-01 to 2021-10-29
    When the clock moves to 2021-09-15 10:00 ET
    Then the organisation's certification is not required

  Scenario: The annual certification: notice, reminder 10 business days before, past-due consequences
    Given its Chief Compliance Officer is cco@acme.example
    And saa@acme.example creates the user dana@acme.example entitled to TRAQS in production
    And FINRA opens the organisation's certification period from 2021-09-01 to 2021-10-29
    Then the organisation's certification is upcoming
    When the clock moves to 2021-09-01 00:00 ET
    Then the organisation's certification is open
    And FINRA emails the certification initial notice to saa@acme.example
    # Ten business days before Friday 2021-10-29 is Friday 2021-10-15 (NYSE calendar).
    When the clock moves to 2021-10-14 23:59:59.999999999 ET
    Then the organisation's certification is open
    When 1 nanosecond passes
    Then the organisation's certification is reminder
    And FINRA emails the certification reminder notice to saa@acme.example and cco@acme.example
    When the clock moves to 2021-10-29 23:59:59.999999999 ET
    Then the organisation's certification is reminder
    And dana@acme.example may log in to TRAQS in production
    When 1 nanosecond passes
    Then the organisation's certification is past-due
    And FINRA emails the certification past-due notice to saa@acme.example and cco@acme.example
    And dana@acme.example may not log in to TRAQS in production
    And the login page says "suspended"
    When saa@acme.example tries to create the user erin@acme.example
    Then it is refused: "past due"
    When saa@acme.example certifies the organisation's accounts
    Then it is done
    And the organisation's certification is completed
    And dana@acme.example may log in to TRAQS in production
