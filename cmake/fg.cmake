# Build helpers in the manner of Abseil's absl_cc_library: one call per module, test,
# benchmark or fuzz target, so every target gets the same flags and layering rules.
include_guard(GLOBAL)

# Designated initializers leave fields at their defaults on purpose.
set(FG_WARNINGS -Wall -Wextra -Wpedantic -Wno-missing-field-initializers)
if(FG_WERROR)
  list(APPEND FG_WARNINGS -Werror)
endif()

# fg_module(NAME SRCS a.cc b.cc DEPS fg_core ...): a static library fg_<NAME>.
# DEPS names lower layers only; scripts/check_layers.sh enforces it on includes.
function(fg_module NAME)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS" ${ARGN})
  add_library(fg_${NAME} STATIC ${ARG_SRCS})
  target_include_directories(fg_${NAME} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(fg_${NAME} PRIVATE ${FG_WARNINGS})
  target_link_libraries(fg_${NAME} PUBLIC ${ARG_DEPS})
endfunction()

# fg_test(NAME SRCS ... DEPS ...): one GoogleTest binary registered with CTest.
function(fg_test NAME)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS;LABELS" ${ARGN})
  add_executable(${NAME} ${ARG_SRCS})
  target_compile_options(${NAME} PRIVATE ${FG_WARNINGS})
  target_link_libraries(${NAME} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  gtest_discover_tests(${NAME} DISCOVERY_MODE PRE_TEST
                       PROPERTIES LABELS "${ARG_LABELS}")
endfunction()

# fg_bench(NAME SRCS ... DEPS ...): a Google Benchmark binary (not run by CTest).
function(fg_bench NAME)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS" ${ARGN})
  add_executable(${NAME} ${ARG_SRCS})
  target_compile_options(${NAME} PRIVATE ${FG_WARNINGS})
  target_link_libraries(${NAME} PRIVATE ${ARG_DEPS} benchmark::benchmark)
endfunction()
