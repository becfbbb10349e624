# Helpers that keep the module table in DESIGN.md true: each src/<module> is one static
# library whose sources are globbed, and ramjet_module() states which modules it may use.

set(RAMJET_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
    -Wcast-align -Woverloaded-virtual -Wconversion -Wsign-conversion -Wnull-dereference
    -Wimplicit-fallthrough -Wno-unused-parameter)
# GCC 12 reports false -Wrestrict positives inside libstdc++'s string concatenation
# (GCC bug 105651), so that one check is off for GCC.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  list(APPEND RAMJET_WARNINGS -Wno-restrict)
endif()
if(RAMJET_WERROR)
  list(APPEND RAMJET_WARNINGS -Werror)
endif()

function(ramjet_warnings target)
  target_compile_options(${target} PRIVATE ${RAMJET_WARNINGS})
endfunction()

# ramjet_module(NAME USES mod... LIBS lib...)
function(ramjet_module name)
  cmake_parse_arguments(M "" "" "USES;LIBS" ${ARGN})
  file(GLOB srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp)
  list(FILTER srcs EXCLUDE REGEX "/main\\.cpp$")
  if(srcs)
    add_library(ramjet_${name} STATIC ${srcs})
    set(scope PUBLIC)
  else()
    add_library(ramjet_${name} INTERFACE)
    set(scope INTERFACE)
  endif()
  target_include_directories(ramjet_${name} ${scope} ${PROJECT_SOURCE_DIR}/src)
  foreach(dep IN LISTS M_USES)
    target_link_libraries(ramjet_${name} ${scope} ramjet_${dep})
  endforeach()
  if(M_LIBS)
    target_link_libraries(ramjet_${name} ${scope} ${M_LIBS})
  endif()
  if(srcs)
    ramjet_warnings(ramjet_${name})
  endif()
  set_property(GLOBAL APPEND PROPERTY RAMJET_MODULES ${name})
  set_property(GLOBAL PROPERTY RAMJET_USES_${name} ${M_USES})
endfunction()

# ramjet_unit_test(MODULE) builds tests/unit/<module>/*.cpp into one gtest binary.
function(ramjet_unit_test name)
  cmake_parse_arguments(T "" "" "LIBS" ${ARGN})
  file(GLOB srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp)
  if(NOT srcs)
    return()
  endif()
  add_executable(unit_${name} ${srcs})
  add_dependencies(unit_tests unit_${name})
  target_link_libraries(unit_${name} PRIVATE ramjet_${name} ramjet_testing GTest::gtest_main
                        GTest::gmock ${T_LIBS})
  ramjet_warnings(unit_${name})
  gtest_discover_tests(unit_${name} DISCOVERY_TIMEOUT 30 TEST_PREFIX "${name}."
                       PROPERTIES LABELS unit)
endfunction()
