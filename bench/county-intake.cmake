# county-intake: report submissions per second the county server takes
# (issue 5; docs/BENCHMARKS.md). Included from bench/CMakeLists.txt.
if(TARGET county_core)
  find_package(nlohmann_json 3 REQUIRED)
  add_executable(county-intake ${CMAKE_CURRENT_LIST_DIR}/county-intake.cpp)
  target_link_libraries(county-intake PRIVATE county_core nlohmann_json::nlohmann_json)
endif()
