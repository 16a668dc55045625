# report-submit: issue 4's send -> submitted time and sealed report size
# (docs/BENCHMARKS.md, "Report submission"). Included from bench/CMakeLists.txt.
if(TARGET sync)
  add_executable(report-submit ${CMAKE_CURRENT_LIST_DIR}/report_submit.cpp)
  target_link_libraries(report-submit PRIVATE sync)
endif()
