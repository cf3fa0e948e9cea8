# `dropslot --version`: the project's version and the commit the binary was built from.
# The commit is read at build time, not at configure time, so a binary built after a
# `git commit` without a new `cmake --preset` still names its commit. The generated
# file is only rewritten when its text changes (configure_file), so an unchanged commit
# costs no compile and no link. Outside a git checkout (a source tarball) the commit is
# DROPSLOT_COMMIT from the environment, else "unknown".
set(DROPSLOT_BUILD_INFO ${CMAKE_BINARY_DIR}/generated/build_info.cpp)
add_custom_target(dropslot_build_info
  COMMAND ${CMAKE_COMMAND} -DSOURCE_DIR=${CMAKE_SOURCE_DIR} -DOUTPUT=${DROPSLOT_BUILD_INFO}
          -DVERSION=${PROJECT_VERSION} -P ${CMAKE_CURRENT_LIST_DIR}/write_build_info.cmake
  BYPRODUCTS ${DROPSLOT_BUILD_INFO}
  COMMENT "dropslot: build info (version, commit)"
  VERBATIM)
