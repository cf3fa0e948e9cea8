# Run by `cmake --install` and cpack (cmake/install.cmake): writes the systemd unit and
# the settings file for the prefix being installed to. Reads DROPSLOT_SOURCE_DIR,
# DROPSLOT_BINDIR, DROPSLOT_DOCDIR, CMAKE_INSTALL_PREFIX and $ENV{DESTDIR}.
set(prefix "${CMAKE_INSTALL_PREFIX}")
if(prefix STREQUAL "/usr")
  set(etc "/etc")
else()
  set(etc "${prefix}/etc")
endif()
set(DROPSLOT_BIN "${prefix}/${DROPSLOT_BINDIR}/dropslot")
set(DROPSLOT_ENV_FILE "${etc}/dropslot/dropslot.env")
set(DROPSLOT_DOC_DIR "${prefix}/${DROPSLOT_DOCDIR}")
set(unit_dir "$ENV{DESTDIR}${prefix}/lib/systemd/system")
configure_file("${DROPSLOT_SOURCE_DIR}/deploy/systemd/dropslot.service.in" "${unit_dir}/dropslot.service" @ONLY)
message(STATUS "Installing: ${unit_dir}/dropslot.service")
# An operator's edited settings file is never overwritten by a reinstall (the .deb
# handles upgrades through conffiles).
set(env_dest "$ENV{DESTDIR}${DROPSLOT_ENV_FILE}")
if(EXISTS "${env_dest}")
  message(STATUS "Up-to-date (kept): ${env_dest}")
else()
  # file(INSTALL) puts $DESTDIR before an absolute destination by itself.
  file(INSTALL "${DROPSLOT_SOURCE_DIR}/deploy/systemd/dropslot.env" DESTINATION "${etc}/dropslot"
       FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ)
endif()
