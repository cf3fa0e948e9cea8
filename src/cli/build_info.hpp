#pragma once
// What `dropslot --version` prints and `admin backup` records: the project's version
// and the commit the binary was built from. Defined in a file written at build time
// (cmake/version.cmake, cmake/write_build_info.cmake).
namespace dropslot::cli {

extern const char build_version[];
extern const char build_commit[];

}  // namespace dropslot::cli
