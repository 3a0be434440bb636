# pxe_add_plugin(NAME SOURCES src... [LIBS lib...])
# Builds pxe_<name>_obj (OBJECT, for unit tests) and the module pxecore-<name>.so
# into ${PXE_PLUGIN_DIR}, exporting only pxe_plugin_init and refusing undefined symbols.
function(pxe_add_plugin name)
  cmake_parse_arguments(P "" "" "SOURCES;LIBS" ${ARGN})
  add_library(pxe_${name}_obj OBJECT ${P_SOURCES})
  set_target_properties(pxe_${name}_obj PROPERTIES POSITION_INDEPENDENT_CODE ON
                        C_VISIBILITY_PRESET hidden)
  target_link_libraries(pxe_${name}_obj PUBLIC ${P_LIBS})
  add_library(pxecore-${name} MODULE $<TARGET_OBJECTS:pxe_${name}_obj>)
  set_target_properties(pxecore-${name} PROPERTIES PREFIX "" OUTPUT_NAME pxecore-${name}
                        LIBRARY_OUTPUT_DIRECTORY ${PXE_PLUGIN_DIR})
  target_link_libraries(pxecore-${name} PRIVATE ${P_LIBS})
  target_link_options(pxecore-${name} PRIVATE
                      -Wl,--version-script=${PROJECT_SOURCE_DIR}/cmake/plugin.map -Wl,-z,defs)
  install(TARGETS pxecore-${name} LIBRARY DESTINATION ${PXE_INSTALL_PLUGINDIR})
endfunction()
