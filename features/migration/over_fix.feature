@migration @fix
Feature: Nanosecond timestamps on the wire, by port and date
  On the FINRA/Nasdaq TRF native FIX 4.2 port, a TransactTime with more than three fractional
  digits is refused before 2021-11-15 and accepted from that day, and every outbound timestamp
  carries nine digits; the Legacy TRF FIX 4.2 port never does (seed 002). The NTF takes
  nanoseconds from 2021-08-16.

  Scenario Outline: <port> on <day>
    Given the facility clock reads <day> 10:00 ET
    And ACMEFIX is logged on to <port>
    When the firm reports a trade executed 1 second ago with 9 fractional digits in TransactTime
    Then the facility <verdict> the report

    Examples:
      | port                       | day        | verdict |
      | nasdaq-trf-carteret        | 2021-11-12 | rejects |
      | nasdaq-trf-carteret        | 2021-11-15 | accepts |
      | nasdaq-trf-carteret-legacy | 2021-11-15 | rejects |
      | nasdaq-trf-carteret-ntf    | 2021-08-13 | rejects |
      | nasdaq-trf-carteret-ntf    | 2021-08-16 | accepts |

  Scenario: Before the date, the reject names the port's precision
    Given the facility clock reads 2021-11-12 10:00 ET
    And ACMEFIX is logged on to nasdaq-trf-carteret
    When the firm reports a trade executed 1 second ago with 9 fractional digits in TransactTime
    Then the facility rejects the report
    And the reject says "milliseconds"

  Scenario Outline: Outbound timestamps on <port> on <day> have <digits> digits
    Given the facility clock reads <day> 10:00 ET
    And ACMEFIX is logged on to <port>
    When the firm reports a trade executed 1 second ago
    Then the facility accepts the report
    And the acknowledgement's SendingTime has <digits> fractional digits
    And the acknowledgement's TransBkdTime has <digits> fractional digits

    Examples:
      | port                       | day        | digits |
      | nasdaq-trf-carteret        | 2021-11-12 | 3      |
      | nasdaq-trf-carteret        | 2021-11-15 | 9      |
      | nasdaq-trf-chicago         | 2021-11-15 | 9      |
      | nasdaq-trf-carteret-legacy | 2021-11-15 | 3      |
      | nyse-trf                   | 2021-11-15 | 9      |
      | adf                        | 2021-11-15 | 9      |
      | orf                        | 2021-11-15 | 3      |
      | orf                        | 2022-11-14 | 9      |
