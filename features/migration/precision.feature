@migration
Feature: Millisecond to nanosecond migration, by port type and date
  From 2021-11-15 the FINRA/Nasdaq TRF accepts timestamps up to nanoseconds on its native TRF
  FIX 4.2 ports and WorkX, and writes every outbound timestamp -- acknowledgements, rejects and
  system-derived times -- in nanoseconds; Legacy TRF FIX 4.2 and CTCI never carry nanoseconds;
  the Nasdaq Test Facility (NTF) takes nanoseconds from 2021-08-16 (Nasdaq ETA 2020-81, seed
  002). The ADF and the NYSE TRF move on 2021-11-15, the ORF on 2022-11-14 (Regulatory Notice
  20-41). TRACE corporates and agencies stay at seconds; TRACE Treasuries take microseconds and
  acknowledged in milliseconds until 2023-07-10.

  Scenario Outline: <facility> <port> in <region> on either side of <change>
    Given the facility clock reads <before>
    Then <facility> accepts up to <in before> fractional digits on its <port> port in <region>
    And <facility> writes <out before> fractional digits on its <port> port in <region>
    When 1 nanosecond passes
    Then <facility> accepts up to <in after> fractional digits on its <port> port in <region>
    And <facility> writes <out after> fractional digits on its <port> port in <region>

    Examples: FINRA/Nasdaq TRF native FIX 4.2 and WorkX
      | facility            | port         | region     | change     | before                           | in before | out before | in after | out after |
      | nasdaq-trf-carteret | native-fix42 | production | 2021-11-15 | 2021-11-14 23:59:59.999999999 ET | 3         | 3          | 9        | 9         |
      | nasdaq-trf-chicago  | native-fix42 | production | 2021-11-15 | 2021-11-14 23:59:59.999999999 ET | 3         | 3          | 9        | 9         |
      | nasdaq-trf-carteret | native-fix42 | ntf        | 2021-08-16 | 2021-08-15 23:59:59.999999999 ET | 3         | 3          | 9        | 9         |
      | nasdaq-trf-chicago  | native-fix42 | ntf        | 2021-08-16 | 2021-08-15 23:59:59.999999999 ET | 3         | 3          | 9        | 9         |
      | nasdaq-trf-carteret | web          | production | 2021-11-15 | 2021-11-14 23:59:59.999999999 ET | 3         | 3          | 9        | 9         |

    Examples: Ports that never carry nanoseconds
      | facility            | port         | region     | change     | before                           | in before | out before | in after | out after |
      | nasdaq-trf-carteret | legacy-fix42 | production | 2021-11-15 | 2021-11-14 23:59:59.999999999 ET | 3         | 3          | 3        | 3         |
      | nasdaq-trf-chicago  | legacy-fix42 | ntf        | 2021-08-16 | 2021-08-15 23:59:59.999999999 ET | 3         | 3          | 3        | 3         |
      | nasdaq-trf-carteret | ctci         | production | 2021-11-15 | 2021-11-14 23:59:59.999999999 ET | 3         | 3          | 3        | 3         |

    Examples: NYSE TRF, ADF and ORF
      | facility | port  | region     | change     | before                           | in before | out before | in after | out after |
      | nyse-trf | fix44 | production | 2021-11-15 | 2021-11-14 23:59:59.999999999 ET | 3         | 3          | 9        | 9         |
      | adf      | fix44 | production | 2021-11-15 | 2021-11-14 23:59:59.999999999 ET | 3         | 3          | 9        | 9         |
      | adf      | fix44 | ntf        | 2021-08-16 | 2021-08-15 23:59:59.999999999 ET | 3         | 3          | 9        | 9         |
      | orf      | fix44 | production | 2022-11-14 | 2022-11-13 23:59:59.999999999 ET | 3         | 3          | 9        | 9         |

    Examples: TRACE
      | facility | port  | region     | change     | before                           | in before | out before | in after | out after |
      | trace-ca | fix44 | production | 2021-11-15 | 2021-11-14 23:59:59.999999999 ET | 0         | 0          | 0        | 0         |
      | trace-sp | fix44 | production | 2021-11-15 | 2021-11-14 23:59:59.999999999 ET | 0         | 0          | 0        | 0         |
      | trace-ts | fix44 | production | 2023-07-10 | 2023-07-09 23:59:59.999999999 ET | 6         | 3          | 6        | 6         |

  Scenario: In the NTF the native port takes nanoseconds three months before production does
    Given the facility clock reads 2021-09-01 10:00 ET
    Then nasdaq-trf-carteret accepts up to 9 fractional digits on its native-fix42 port in ntf
    And nasdaq-trf-carteret accepts up to 3 fractional digits on its native-fix42 port in production
    And nasdaq-trf-carteret accepts up to 3 fractional digits on its legacy-fix42 port in ntf
