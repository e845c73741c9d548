@uat @fix @web
Feature: Rehearsing the 2021-03-20 UAT script end to end
  The facility's test script for Saturday 2021-03-20 is data (scenarios/uat/2021-03-20.yaml):
  register by the Wednesday noon deadline, enrol in MFA in production from the invitation email,
  log in, report, correct and cancel through TRAQS and FIX, see the result on screen, download a
  reference-data file with certificate, login and password; a tester entitled only to the NTF is
  refused; a connected firm that did not register gets its acknowledgements as test transactions,
  and on Monday the production journal holds none of them (seed 000).

  Scenario: The whole script passes
    When the firm rehearses the UAT script "scenarios/uat/2021-03-20.yaml"
    Then every step of the script passes
    And step "register-late" of the script passes
    And step "ntf-only-refused" of the script passes
    And step "monday" of the script passes
