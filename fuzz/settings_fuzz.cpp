// libFuzzer target for the settings file (TOML, read by every tool and the server; an
// administrator edits it by hand). Invariants:
//   - any bytes: Settings::load returns or throws jabberadmin::Error, nothing else;
//   - what it accepts survives save() and load() again unchanged, field by field (what
//     cl-setup writes back is what was read).
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "jabberadmin/error.hpp"
#include "jabberadmin/settings.hpp"

using namespace jabberadmin;

namespace {

bool same(const Settings& a, const Settings& b) {
  const auto& l = a.ldap;
  const auto& m = b.ldap;
  const auto& j = a.jabber;
  const auto& k = b.jabber;
  return l.uri == m.uri && l.base_dn == m.base_dn && l.bind_dn == m.bind_dn &&
         l.bind_password_file == m.bind_password_file && l.state_dir == m.state_dir && l.tcp_uri == m.tcp_uri &&
         l.manager_dn == m.manager_dn && l.manager_password_file == m.manager_password_file &&
         j.configured == k.configured && j.hosts == k.hosts && j.history == k.history &&
         j.history_dir == k.history_dir && j.listen == k.listen && j.port == k.port && j.tls_port == k.tls_port &&
         j.certfile == k.certfile && j.server == k.server && j.data_dir == k.data_dir &&
         j.max_stanza_size == k.max_stanza_size;
}

const std::filesystem::path& work_dir() {
  static const std::filesystem::path dir = [] {
    std::string templ = (std::filesystem::temp_directory_path() / "settings-fuzz-XXXXXX").string();
    if (::mkdtemp(templ.data()) == nullptr) std::abort();
    return std::filesystem::path(templ);
  }();
  return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto input = work_dir() / "in.conf";
  const auto output = work_dir() / "out.conf";
  {
    std::ofstream out(input, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  Settings loaded;
  try {
    loaded = Settings::load(input);
  } catch (const Error&) {
    return 0;
  }
  loaded.save(output);
  Settings again;
  try {
    again = Settings::load(output);
  } catch (const Error&) {
    std::abort();  // we wrote something we cannot read back
  }
  if (!same(loaded, again)) std::abort();
  return 0;
}
