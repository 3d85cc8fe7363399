#include "jabberadmin/slapd_paths.hpp"

#include <unistd.h>

#include <cstdlib>

#include "jabberadmin/error.hpp"

#ifndef JABBERADMIN_SLAPD_BINARY
#define JABBERADMIN_SLAPD_BINARY ""
#endif
#ifndef JABBERADMIN_SLAPD_SCHEMA_DIR
#define JABBERADMIN_SLAPD_SCHEMA_DIR ""
#endif
#ifndef JABBERADMIN_SLAPD_MODULE_DIR
#define JABBERADMIN_SLAPD_MODULE_DIR ""
#endif

namespace jabberadmin::setup {
namespace fs = std::filesystem;
namespace {

// A configure-time path first, when one was set.
std::vector<fs::path> with_configured(const char* configured, std::vector<fs::path> known) {
  if (*configured != '\0') known.insert(known.begin(), configured);
  return known;
}

fs::path under(const fs::path& root, const fs::path& path) { return root / path.relative_path(); }

bool has_module(const fs::path& dir, const std::string& name) {
  std::error_code ec;
  return fs::exists(dir / (name + ".so"), ec) || fs::exists(dir / (name + ".la"), ec);
}

std::string listed(const std::vector<fs::path>& paths) {
  std::string out;
  for (const auto& p : paths) out += (out.empty() ? "" : ", ") + p.string();
  return out;
}

}  // namespace

SlapdCandidates slapd_candidates() {
  return {
      // Debian, Fedora and most others; Gentoo's real binary; source installs.
      with_configured(JABBERADMIN_SLAPD_BINARY, {"/usr/sbin/slapd", "/usr/lib/openldap/slapd", "/usr/lib64/openldap/slapd",
                                                 "/usr/libexec/slapd", "/usr/local/libexec/slapd", "/usr/local/sbin/slapd"}),
      with_configured(JABBERADMIN_SLAPD_SCHEMA_DIR,
                      {"/etc/ldap/schema", "/etc/openldap/schema", "/usr/local/etc/openldap/schema", "/usr/share/openldap/schema"}),
      with_configured(JABBERADMIN_SLAPD_MODULE_DIR,
                      {"/usr/lib/ldap", "/usr/lib64/openldap/openldap", "/usr/lib/openldap/openldap", "/usr/lib64/openldap",
                       "/usr/lib/openldap", "/usr/libexec/openldap", "/usr/local/libexec/openldap"}),
  };
}

SlapdPaths find_slapd_paths(const fs::path& root) {
  const SlapdCandidates candidates = slapd_candidates();
  SlapdPaths found;
  std::error_code ec;
  if (const char* env = std::getenv("JABBERADMIN_SLAPD"); env != nullptr && *env != '\0') found.slapd = env;
  for (const auto& c : candidates.slapd) {
    if (!found.slapd.empty()) break;
    const fs::path p = under(root, c);
    if (fs::is_regular_file(p, ec) && ::access(p.c_str(), X_OK) == 0) found.slapd = p;
  }
  if (found.slapd.empty())
    throw Error(ErrorKind::Directory, "slapd is not installed (looked for " + listed(candidates.slapd) +
                                          "; set JABBERADMIN_SLAPD or configure with -DJABBERADMIN_SLAPD_BINARY=PATH)");
  for (const auto& c : candidates.schema_dirs) {
    const fs::path p = under(root, c);
    if (fs::is_regular_file(p / "core.schema", ec)) {
      found.schema_dir = p;
      break;
    }
  }
  if (found.schema_dir.empty())
    throw Error(ErrorKind::Directory, "no OpenLDAP schema folder with core.schema (looked in " +
                                          listed(candidates.schema_dirs) +
                                          "; configure with -DJABBERADMIN_SLAPD_SCHEMA_DIR=PATH)");
  // No folder with syncprov: a slapd with its overlays built in needs no moduleload.
  for (const auto& c : candidates.module_dirs) {
    const fs::path p = under(root, c);
    if (has_module(p, "syncprov")) {
      found.module_dir = p;
      found.mdb_module = has_module(p, "back_mdb");
      break;
    }
  }
  return found;
}

}  // namespace jabberadmin::setup
