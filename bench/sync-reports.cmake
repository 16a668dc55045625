# sync-reports: issue 5's "10,000 reports through a link where 30% of
# requests fail arrive with 0 lost and 0 duplicated" (docs/BENCHMARKS.md).
# Uses the test suite's county fixture and fault proxy (tests/sync).
if(TARGET county_core AND TARGET sync)
  add_executable(sync-reports ${CMAKE_CURRENT_LIST_DIR}/sync-reports.cpp)
  target_link_libraries(sync-reports PRIVATE sync_county_support)
endif()
