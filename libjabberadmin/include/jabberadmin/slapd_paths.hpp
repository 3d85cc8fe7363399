// Where this system's OpenLDAP keeps slapd, its schemas and its modules. Debian, Gentoo
// (Calculate) and others each put them elsewhere, so they are looked up at run time among
// known places; a path set at configure time (CMake cache variables JABBERADMIN_SLAPD_BINARY,
// JABBERADMIN_SLAPD_SCHEMA_DIR, JABBERADMIN_SLAPD_MODULE_DIR) is looked at first.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace jabberadmin::setup {

struct SlapdPaths {
  std::filesystem::path slapd;       // the binary
  std::filesystem::path schema_dir;  // holds core.schema, cosine.schema, inetorgperson.schema, nis.schema
  std::filesystem::path module_dir;  // holds syncprov; empty when slapd has its overlays built in
  bool mdb_module = false;           // back_mdb is a module in module_dir (else built in)
};

// The candidates, most likely first (absolute paths on the running system).
struct SlapdCandidates {
  std::vector<std::filesystem::path> slapd, schema_dirs, module_dirs;
};
SlapdCandidates slapd_candidates();

// Looks under root ("/" on a real system; a fake layout in tests): each candidate is taken
// relative to it, and the paths returned are too. $JABBERADMIN_SLAPD names the binary
// outright. Throws Error(Directory) naming what is missing and every place looked at.
SlapdPaths find_slapd_paths(const std::filesystem::path& root = "/");

}  // namespace jabberadmin::setup
