# sync-download-bench: issue 5's download figures (docs/BENCHMARKS.md,
# "Store-and-forward"): a package through a link cut every 4 MiB, and a
# 1 GiB blob from the county server against curl. Uses tests/sync's HTTP
# server and fault proxy. Included from bench/CMakeLists.txt.
if(TARGET sync AND TARGET county_core)
  find_package(nlohmann_json 3 REQUIRED)
  add_executable(sync-download-bench ${CMAKE_CURRENT_LIST_DIR}/sync_download.cpp)
  target_link_libraries(sync-download-bench PRIVATE sync county_core sync_net_test_support
    nlohmann_json::nlohmann_json)
endif()
