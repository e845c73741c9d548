@entitlement
Feature: FINRA entitlement: the one SAA, lockout, security questions, roles, regions
  Access to TRAQS is granted through the FINRA Entitlement Program (seed 003): each organisation
  designates exactly one Super Account Administrator (SAA), who creates Account Administrators
  and users. Five wrong passwords within one hour lock an account; it unlocks by itself after an
  hour, or sooner when an SAA or AA unlocks it. Users answer three security questions, with some
  flexibility. Roles bundle privileges; a role still assigned cannot be deleted. A user who tested
  in the NTF region must be entitled to production to take part in a production UAT (seed 000).

  Background:
    Given the facility clock reads 2021-03-15 10:00 ET
    And the organisation "Acme Securities LLC" (Org ID 1001) with MPIDs ACME and ACMX
    And saa@acme.example is its Super Account Administrator

  Scenario: An organisation may designate only one Super Account Administrator
    When the organisation designates cco@acme.example as a second Super Account Administrator
    Then it is refused: "only one SAA"

  Scenario: Five wrong passwords within an hour lock the account for an hour
    Given saa@acme.example creates the user dana@acme.example entitled to TRAQS in production
    When dana@acme.example enters a wrong password 4 times
    Then dana@acme.example can log in with the right password
    When dana@acme.example enters a wrong password 5 times
    Then dana@acme.example cannot log in with the right password
    And the login page says "locked"
    When 59 minutes pass
    Then dana@acme.example cannot log in with the right password
    When 1 minute passes
    Then dana@acme.example can log in with the right password

  Scenario: An administrator unlocks an account before the hour is up
    Given saa@acme.example creates the user dana@acme.example entitled to TRAQS in production
    When dana@acme.example enters a wrong password 5 times
    And saa@acme.example unlocks dana@acme.example
    Then it is done
    And dana@acme.example can log in with the right password

  Scenario: Security answers ignore capitalisation and accept minor variations
    Given saa@acme.example creates the user dana@acme.example entitled to TRAQS in production
    And dana@acme.example has chosen the security questions:
      | question                                        | answer          |
      | What is the name of the street you grew up on?  | 12 Elm Street   |
      | What was the name of your first pet?            | Biscuit         |
      | In what city were you born?                     | Hoboken         |
    When dana@acme.example answers the security question with "12 elm st"
    Then the answer is accepted
    When dana@acme.example answers the security question with "Maple Avenue"
    Then the answer is refused

  Scenario: Repeated wrong answers move to another question, then lock until an administrator unlocks
    Given saa@acme.example creates the user dana@acme.example entitled to TRAQS in production
    And dana@acme.example has chosen the security questions:
      | question                                        | answer          |
      | What is the name of the street you grew up on?  | 12 Elm Street   |
      | What was the name of your first pet?            | Biscuit         |
      | In what city were you born?                     | Hoboken         |
    Then dana@acme.example is asked "What is the name of the street you grew up on?"
    When dana@acme.example answers the security question with "Oak Road"
    Then the answer is refused
    And dana@acme.example is asked "What is the name of the street you grew up on?"
    When dana@acme.example answers the security question with "Pine Road"
    Then dana@acme.example is asked "What was the name of your first pet?"
    When dana@acme.example answers the security question with "Rex"
    And dana@acme.example answers the security question with "Fido"
    And dana@acme.example answers the security question with "Paris"
    And dana@acme.example answers the security question with "Rome"
    Then dana@acme.example cannot log in with the right password
    When 2 hours pass
    Then dana@acme.example cannot log in with the right password
    When saa@acme.example unlocks dana@acme.example
    Then dana@acme.example can log in with the right password

  Scenario: A role still assigned cannot be deleted, and once unassigned it can
    Given saa@acme.example creates the user dana@acme.example entitled to TRAQS in production
    When saa@acme.example creates the role "Trade reporters" with report and view
    Then the role "Trade reporters" is active
    When saa@acme.example assigns the role "Trade reporters" to dana@acme.example
    And saa@acme.example deletes the role "Trade reporters"
    Then it is refused: "unassign"
    When saa@acme.example unassigns the role "Trade reporters" from dana@acme.example
    And saa@acme.example deletes the role "Trade reporters"
    Then it is done
    And the role "Trade reporters" is deleted

  Scenario: MPIDs are entitled per account, never inside a role
    When saa@acme.example creates the role "Acme desk" with report and ACME
    Then it is refused: "MPID"

  Scenario: A tester entitled only to the NTF cannot use production on the UAT Saturday
    Given saa@acme.example creates the user omar@acme.example entitled to TRAQS in ntf
    And saa@acme.example creates the user dana@acme.example entitled to TRAQS in production and ntf
    When the clock moves to 2021-03-20 09:00 ET
    Then omar@acme.example may log in to TRAQS in ntf
    And omar@acme.example may not log in to TRAQS in production
    And the login page says "production region"
    And dana@acme.example may log in to TRAQS in production
