# `cmake --install` and `cpack -G DEB` (issue 26; docs/operate.md).
#
#   <prefix>/bin/dropslot
#   <prefix>/share/dropslot/web/                the dashboard; serve finds it from bin/ (../share/dropslot/web)
#   <prefix>/share/doc/dropslot/                README, operate.md and the other docs
#   <prefix>/lib/systemd/system/dropslot.service
#   <etc>/dropslot/dropslot.env                 the service's settings (a conffile in the .deb)
#
# <etc> is /etc for the prefix /usr (the .deb, a distribution's layout) and <prefix>/etc
# for any other, so `cmake --install build/release --prefix ~/x` writes under ~/x only.
# The unit names the installed binary and settings file, so it is written at install
# time, when the prefix is known (cmake --install --prefix may differ from the configured one).
#
# Installing or packaging never builds: CMAKE_SKIP_INSTALL_ALL_DEPENDENCY keeps the
# `install` target (and cpack) from building every test and benchmark first; build
# `dropslot` before.
include(GNUInstallDirs)
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

install(TARGETS dropslot RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT server)
install(DIRECTORY web/ DESTINATION ${CMAKE_INSTALL_DATADIR}/dropslot/web COMPONENT server
        PATTERN README.md EXCLUDE)
install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT server)
install(DIRECTORY docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT server
        FILES_MATCHING PATTERN "*.md" PATTERN "*.png" PATTERN "*.svg")
install(CODE "
  set(DROPSLOT_SOURCE_DIR \"${CMAKE_SOURCE_DIR}\")
  set(DROPSLOT_BINDIR \"${CMAKE_INSTALL_BINDIR}\")
  set(DROPSLOT_DOCDIR \"${CMAKE_INSTALL_DOCDIR}\")
  include(\"${CMAKE_CURRENT_LIST_DIR}/install_service.cmake\")
" COMPONENT server)

# --- the Debian package: cpack -G DEB --config <build>/CPackConfig.cmake
set(CPACK_PACKAGE_NAME dropslot)
set(CPACK_PACKAGE_VENDOR "dropslot")
set(CPACK_PACKAGE_CONTACT "dropslot maintainers <dropslot@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Direct-to-bucket photo uploads through presigned URLs")
set(CPACK_PACKAGE_DESCRIPTION
    "One binary with the API, the customer dashboard and an embedded S3-compatible object store, run as a hardened systemd service.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION web)
# Depends: the binary's DT_NEEDED libraries (dpkg-shlibdeps), adduser (the postinst
# creates the service's user) and libcurl4. libcurl and libpq are not linked but opened
# with dlopen when first needed (util/shared_library.hpp), so shlibdeps does not see
# them. libpq5 is a Recommends: only a postgres:// database opens it. libcurl4 is a
# Depends all the same: serve cannot start without it (the API reaches every store, the
# embedded one included, through the S3 client over HTTP; docs/operate.md, install).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser, libcurl4")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "libpq5, systemd")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "sqlite3, postgresql-client")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CMAKE_SOURCE_DIR}/deploy/debian/postinst
    ${CMAKE_SOURCE_DIR}/deploy/debian/prerm
    ${CMAKE_SOURCE_DIR}/deploy/debian/postrm
    ${CMAKE_SOURCE_DIR}/deploy/debian/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_GENERATOR DEB)
include(CPack)
