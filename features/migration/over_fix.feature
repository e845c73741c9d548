@migration @fix
Feature: Nanosecond timestamps on the wire, by port type and date
  From 2021-11-15 the FINRA/Nasdaq TRF (Carteret and Chicago) takes timestamps up to nanoseconds
  on its native TRF FIX 4.2 ports and writes every outbound timestamp -- acknowledgements,
  rejects and system-derived times -- in nanoseconds; before that day it takes and writes
  milliseconds. The Legacy TRF FIX 4.2 port never carries nanoseconds. The Nasdaq Test Facility
  (NTF) takes nanoseconds from 2021-08-16 (Nasdaq Equity Trader Alert 2020-81, seed 002). The
  ADF and the NYSE TRF move on 2021-11-15 and the ORF on 2022-11-14 (FINRA Regulatory Notice
  20-41); TRACE Corporates and Agencies take whole seconds, TRACE Treasuries microseconds with
  acknowledgements in milliseconds until 2023-07-10 (facilities reference, section 2).

  Every scenario here sends real FIX messages over TCP to the simulator's ports.

  Scenario Outline: A 9-digit TransactTime on <port> on <day> is <outcome>
    Given the facility clock reads <day> 10:00 ET
    And ACMEFIX is logged on to <port>
    When the firm reports a trade executed 1 second ago with 9 fractional digits in TransactTime
    Then the facility <verdict> the report

    Examples: FINRA/Nasdaq TRF native FIX 4.2, either side of 2021-11-15
      | port                | day        | outcome  | verdict |
      | nasdaq-trf-carteret | 2021-11-12 | refused  | rejects |
      | nasdaq-trf-carteret | 2021-11-15 | accepted | accepts |
      | nasdaq-trf-chicago  | 2021-11-12 | refused  | rejects |
      | nasdaq-trf-chicago  | 2021-11-15 | accepted | accepts |

    Examples: Legacy TRF FIX 4.2 never takes nanoseconds
      | port                       | day        | outcome | verdict |
      | nasdaq-trf-carteret-legacy | 2021-11-12 | refused | rejects |
      | nasdaq-trf-carteret-legacy | 2021-11-15 | refused | rejects |

    Examples: The NTF region, either side of 2021-08-16
      | port                    | day        | outcome  | verdict |
      | nasdaq-trf-carteret-ntf | 2021-08-13 | refused  | rejects |
      | nasdaq-trf-carteret-ntf | 2021-08-16 | accepted | accepts |

    Examples: NYSE TRF and ADF, either side of 2021-11-15; ORF, either side of 2022-11-14
      | port     | day        | outcome  | verdict |
      | nyse-trf | 2021-11-12 | refused  | rejects |
      | nyse-trf | 2021-11-15 | accepted | accepts |
      | adf      | 2021-11-12 | refused  | rejects |
      | adf      | 2021-11-15 | accepted | accepts |
      | orf      | 2022-11-11 | refused  | rejects |
      | orf      | 2022-11-14 | accepted | accepts |

    Examples: TRACE keeps seconds (CA) and microseconds (TS)
      | port     | day        | outcome | verdict |
      | trace-ca | 2021-11-15 | refused | rejects |
      | trace-ts | 2023-07-07 | refused | rejects |
      | trace-ts | 2023-07-10 | refused | rejects |

  Scenario Outline: The reject on <port> on <day> names the port and the precision it takes
    Given the facility clock reads <day> 10:00 ET
    And ACMEFIX is logged on to <port>
    When the firm reports a trade executed 1 second ago with <digits> fractional digits in TransactTime
    Then the facility rejects the report
    And the reject says "INVALID TIME"
    And the reject says "this port (<port type>) accepts milliseconds (up to 3 fractional digits)"
    And the acknowledgement's SendingTime has 3 fractional digits

    Examples:
      | port                       | day        | digits | port type                 |
      | nasdaq-trf-carteret        | 2021-11-12 | 9      | Nasdaq TRF native FIX 4.2 |
      | nasdaq-trf-carteret        | 2021-11-12 | 6      | Nasdaq TRF native FIX 4.2 |
      | nasdaq-trf-chicago         | 2021-11-12 | 9      | Nasdaq TRF native FIX 4.2 |
      | nasdaq-trf-carteret-legacy | 2021-11-15 | 9      | Nasdaq Legacy TRF FIX 4.2 |
      | nasdaq-trf-carteret-ntf    | 2021-08-13 | 9      | Nasdaq TRF native FIX 4.2 |
      | nyse-trf                   | 2021-11-12 | 9      | NYSE TRF FIX 4.4          |
      | adf                        | 2021-11-12 | 9      | ADF FIX 4.4               |
      | orf                        | 2022-11-11 | 9      | ORF FIX 4.4               |

  Scenario Outline: TRACE refuses finer timestamps with its own reject code on <port>
    # TRACE's published reject text is the code's own ("018 INVALID TIME"); it does not name
    # the precision the way the equity ports' texts do.
    Given the facility clock reads <day> 10:00 ET
    And ACMEFIX is logged on to <port>
    When the firm reports a trade executed 1 second ago with <digits> fractional digits in TransactTime
    Then the facility rejects the report
    And the reject says "INVALID TIME"
    And the reject code is 018

    Examples:
      | port     | day        | digits |
      | trace-ca | 2021-11-15 | 3      |
      | trace-sp | 2021-11-15 | 3      |
      | trace-ts | 2023-07-10 | 9      |

  Scenario Outline: Outbound timestamps on <port> on <day> have <digits> digits
    Given the facility clock reads <day> 10:00 ET
    And ACMEFIX is logged on to <port>
    When the firm reports a trade executed 1 second and 1 nanosecond ago
    Then the facility accepts the report
    And the acknowledgement's SendingTime has <digits> fractional digits
    And the acknowledgement's TransactTime has <digits> fractional digits
    And the acknowledgement's TransBkdTime has <digits> fractional digits

    Examples: The equity ports either side of their dates
      | port                       | day        | digits |
      | nasdaq-trf-carteret        | 2021-11-12 | 3      |
      | nasdaq-trf-carteret        | 2021-11-15 | 9      |
      | nasdaq-trf-chicago         | 2021-11-12 | 3      |
      | nasdaq-trf-chicago         | 2021-11-15 | 9      |
      | nasdaq-trf-carteret-legacy | 2021-11-12 | 3      |
      | nasdaq-trf-carteret-legacy | 2021-11-15 | 3      |
      | nasdaq-trf-carteret-ntf    | 2021-08-13 | 3      |
      | nasdaq-trf-carteret-ntf    | 2021-08-16 | 9      |
      | nyse-trf                   | 2021-11-12 | 3      |
      | nyse-trf                   | 2021-11-15 | 9      |
      | adf                        | 2021-11-12 | 3      |
      | adf                        | 2021-11-15 | 9      |
      | orf                        | 2022-11-11 | 3      |
      | orf                        | 2022-11-14 | 9      |

  Scenario Outline: TRACE acknowledgements on <port> on <day> have <digits> digits
    # TRACE has no TransBkdTime on its acknowledgement; SendingTime and the echoed
    # TransactTime carry the port's precision.
    Given the facility clock reads <day> 10:00 ET
    And ACMEFIX is logged on to <port>
    When the firm reports a trade executed 1 second ago
    Then the facility accepts the report
    And the acknowledgement's SendingTime has <digits> fractional digits
    And the acknowledgement's TransactTime has <digits> fractional digits

    Examples:
      | port     | day        | digits |
      | trace-ca | 2021-11-15 | 0      |
      | trace-sp | 2021-11-15 | 0      |
      | trace-ts | 2023-07-07 | 3      |
      | trace-ts | 2023-07-10 | 6      |

  Scenario Outline: On <port> on <day> the acknowledgement echoes the execution time to the <unit>
    Given the facility clock reads <day> 10:00 ET
    And ACMEFIX is logged on to <port>
    When the firm reports a trade executed at <day> 09:59:59.123456789 ET
    Then the facility accepts the report
    And the acknowledgement's TransactTime is the execution time to the <unit>

    Examples:
      | port                       | day        | unit        |
      | nasdaq-trf-carteret        | 2021-11-12 | millisecond |
      | nasdaq-trf-carteret        | 2021-11-15 | nanosecond  |
      | nasdaq-trf-carteret-legacy | 2021-11-15 | millisecond |
      | nasdaq-trf-carteret-ntf    | 2021-08-16 | nanosecond  |
      | trace-ca                   | 2021-11-15 | second      |
      | trace-ts                   | 2023-07-10 | microsecond |

  Scenario Outline: The TRF FIX 4.2 drop copy (797=Y) on <day> carries <digits> digits
    Given the facility clock reads <day> 10:00 ET
    And the drop copy ACMEDC is logged on to nasdaq-trf-carteret-dropcopy
    And ACMEFIX is logged on to nasdaq-trf-carteret
    When the firm reports a trade executed 1 second and 1 nanosecond ago
    Then the facility accepts the report
    And the drop copy receives a copy of the answer
    And the drop copy's SendingTime has <digits> fractional digits
    And the drop copy's TransactTime has <digits> fractional digits
    And the drop copy's TransBkdTime has <digits> fractional digits

    Examples:
      | day        | digits |
      | 2021-11-12 | 3      |
      | 2021-11-15 | 9      |

  Scenario: The drop copy also copies a reject, in the port's precision
    Given the facility clock reads 2021-11-12 10:00 ET
    And the drop copy ACMEDC is logged on to nasdaq-trf-carteret-dropcopy
    And ACMEFIX is logged on to nasdaq-trf-carteret
    When the firm reports a trade executed 1 second ago with 9 fractional digits in TransactTime
    Then the facility rejects the report
    And the drop copy receives a copy of the answer
    And the drop copy's SendingTime has 3 fractional digits
