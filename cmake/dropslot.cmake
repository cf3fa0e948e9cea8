# Helpers shared by every part's CMakeLists.txt.
#
#   dropslot_part(NAME SOURCES a.cpp b.cpp DEPS other_part Boost::json ...)
#     A static library `dropslot_<NAME>` whose public headers live in src/<NAME>/include.
#
#   dropslot_tests(NAME LABELS unit [vectors ...] SOURCES x_test.cpp ... DEPS ...)
#     One GoogleTest binary `<NAME>_test`, its cases registered in CTest with the labels.
#
#   dropslot_bench(NAME SOURCES x_bench.cpp DEPS ...)
#     One Google Benchmark binary `<NAME>_bench`; CTest runs it once as a smoke test (label bench).
#
#   Target `tsan_tests`: the `dropslot` binary and every test binary of the concurrency-heavy
#     parts (DROPSLOT_TSAN_DIRS), which is all the TSan stage of scripts/test builds
#     (CMakePresets.json: tsan).

set(DROPSLOT_SHARED_DIR "${CMAKE_SOURCE_DIR}/../shared" CACHE PATH "The project's shared/ folder (test data)")

set(DROPSLOT_TSAN_DIRS src/metrics src/store src/http src/db src/api tests/http tests/db tests/api)
add_custom_target(tsan_tests)
add_dependencies(tsan_tests dropslot)

function(dropslot_part name)
  cmake_parse_arguments(P "" "" "SOURCES;DEPS" ${ARGN})
  add_library(dropslot_${name} STATIC ${P_SOURCES})
  target_include_directories(dropslot_${name} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include)
  target_link_libraries(dropslot_${name} PUBLIC ${P_DEPS})
endfunction()

function(dropslot_tests name)
  if(NOT DROPSLOT_TESTS)
    return()
  endif()
  cmake_parse_arguments(T "" "TIMEOUT" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name}_test ${T_SOURCES})
  target_link_libraries(${name}_test PRIVATE ${T_DEPS} GTest::gtest GTest::gtest_main GTest::gmock)
  target_compile_definitions(${name}_test PRIVATE
    DROPSLOT_SHARED_DIR="${DROPSLOT_SHARED_DIR}"
    DROPSLOT_SOURCE_DIR="${CMAKE_SOURCE_DIR}"
    DROPSLOT_BINARY_DIR="${CMAKE_BINARY_DIR}")
  if(NOT T_LABELS)
    set(T_LABELS unit)
  endif()
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  # Several labels cannot go through gtest_discover_tests' PROPERTIES (its script splits
  # the list), so a second include file, read after the discovered list, sets them.
  gtest_discover_tests(${name}_test
    DISCOVERY_TIMEOUT 60
    TEST_LIST ${name}_test_cases
    PROPERTIES TIMEOUT ${T_TIMEOUT})
  set(labels_file ${CMAKE_CURRENT_BINARY_DIR}/${name}_test_labels.cmake)
  file(WRITE ${labels_file}
    "if(${name}_test_cases)\n  set_tests_properties(\${${name}_test_cases} PROPERTIES LABELS \"${T_LABELS}\")\nendif()\n")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES ${labels_file})
  file(RELATIVE_PATH dir ${CMAKE_SOURCE_DIR} ${CMAKE_CURRENT_SOURCE_DIR})
  if(dir IN_LIST DROPSLOT_TSAN_DIRS)
    add_dependencies(tsan_tests ${name}_test)
  endif()
endfunction()

function(dropslot_bench name)
  if(NOT DROPSLOT_BENCH)
    return()
  endif()
  cmake_parse_arguments(B "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name}_bench ${B_SOURCES})
  target_link_libraries(${name}_bench PRIVATE ${B_DEPS} benchmark::benchmark benchmark::benchmark_main)
  add_test(NAME ${name}_bench_smoke COMMAND ${name}_bench --benchmark_min_time=0)
  set_tests_properties(${name}_bench_smoke PROPERTIES LABELS bench)
endfunction()
