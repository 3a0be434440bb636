# -DPXE_FUZZ=ON with clang: the whole tree is compiled with SanitizerCoverage
# (fuzzer-no-link) plus ASan and UBSan, so every parser the fuzz targets call is
# instrumented, not only the target file; pxe_add_fuzz() then links each target
# with -fsanitize=fuzzer.  Use a build directory of its own (build-fuzz): the
# daemon built there carries the sanitizers too.  Included before any target.
if(PXE_FUZZ)
  if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "PXE_FUZZ=ON needs clang (cmake -DCMAKE_C_COMPILER=clang)")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=all -gline-tables-only)
  add_link_options(-fsanitize=address,undefined)
endif()
