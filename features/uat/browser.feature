@uat @web @browser
Feature: The Saturday UAT path in a real browser
  A tester in Chromium does what the 2021-03-20 production test asks (seed 000): enrol in MFA in
  production from the invitation email, log in to TRAQS on the new infrastructure, report a
  trade, correct it and cancel the correction, and see each result on the trade display. The
  trade goes to the UAT environment, not production.

  Scenario: Enrol, log in, report, correct and cancel in Chromium on 2021-03-20
    Given the facility clock reads 2021-03-20 09:05 ET
    When tina.trader@acme.example enrols in MFA from the invitation email in the browser
    Then the browser shows "You are enrolled"
    When 1 minute passes
    And tina.trader@acme.example logs in to beta.finratraqs.org with MFA in the browser
    Then the browser shows tina.trader@acme.example logged in to the uat environment
    When 5 seconds pass
    And the browser reports a trade of 250000 037833100 at 100.125 executed at 09:06:00.123456789 ET today
    Then the browser shows the latest version of the trade accepted
    When 5 seconds pass
    And the browser corrects the trade's price to 100.25
    Then the browser shows the first version of the trade corrected
    And the browser shows the latest version of the trade accepted
    When 5 seconds pass
    And the browser cancels the trade
    Then the browser shows the latest version of the trade cancelled
