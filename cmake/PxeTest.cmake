# pxe_add_unit_test(NAME SOURCES src... [LIBS lib...] [LABELS l...])
#   A TAP unit test binary (tests/lib/tap.h) run by ctest.
# pxe_add_shell_test(NAME SCRIPT path [LABELS l...] [TIMEOUT s])
#   An integration script; gets PXECORE_BIN, PXECORE_PLUGINS, PXECORE_SRC and
#   PXECORE_BUILD in its environment; exit 77 means skipped.
function(pxe_add_unit_test name)
  cmake_parse_arguments(T "" "" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests/lib)
  target_link_libraries(${name} PRIVATE ${T_LIBS})
  add_test(NAME ${name} COMMAND ${name})
  if(NOT T_LABELS)
    set(T_LABELS unit)
  endif()
  set_tests_properties(${name} PROPERTIES LABELS "${T_LABELS}" TIMEOUT 120)
endfunction()

function(pxe_add_shell_test name)
  cmake_parse_arguments(T "" "SCRIPT;TIMEOUT" "LABELS" ${ARGN})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  if(NOT T_LABELS)
    set(T_LABELS integration)
  endif()
  add_test(NAME ${name} COMMAND bash ${T_SCRIPT})
  set_tests_properties(${name} PROPERTIES LABELS "${T_LABELS}" TIMEOUT ${T_TIMEOUT}
    SKIP_RETURN_CODE 77
    ENVIRONMENT "PXECORE_BIN=$<TARGET_FILE:pxecore>;PXECORE_PLUGINS=${PXE_PLUGIN_DIR};PXECORE_SRC=${PROJECT_SOURCE_DIR};PXECORE_BUILD=${PROJECT_BINARY_DIR}")
endfunction()

# pxe_add_fuzz(NAME SOURCES src... [LIBS lib...] CORPUS dir)
#   NAME_replay: a ctest (labels unit;fuzz) replaying the seed corpus through
#   LLVMFuzzerTestOneInput in every build; with -DPXE_FUZZ=ON and clang also
#   NAME, the libFuzzer binary (ASan+UBSan).
function(pxe_add_fuzz name)
  cmake_parse_arguments(F "" "CORPUS" "SOURCES;LIBS" ${ARGN})
  add_executable(${name}_replay ${F_SOURCES} ${PROJECT_SOURCE_DIR}/tests/lib/fuzz_replay.c)
  target_link_libraries(${name}_replay PRIVATE ${F_LIBS})
  add_test(NAME ${name}_replay COMMAND ${name}_replay ${F_CORPUS})
  set_tests_properties(${name}_replay PROPERTIES LABELS "unit;fuzz" TIMEOUT 60)
  if(PXE_FUZZ AND CMAKE_C_COMPILER_ID MATCHES "Clang")
    add_executable(${name} ${F_SOURCES})
    target_link_libraries(${name} PRIVATE ${F_LIBS})
    target_compile_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
    target_link_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
  endif()
endfunction()
