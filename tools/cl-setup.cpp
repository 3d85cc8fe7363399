// cl-setup: sets up a service. `cl-setup ldap` makes (or adopts) the directory.
#include <iostream>

#include "cli.hpp"
#include "jabberadmin/error.hpp"
#include "jabberadmin/ldap_setup.hpp"

using namespace jabberadmin;

int main(int argc, char** argv) {
  cli::Tool tool("cl-setup", "Set up a service: ldap (the directory) or jabber", {"ldap"});
  setup::PrivateLdap private_ldap;
  setup::ExistingLdap existing;
  bool stop = false;
  auto& app = tool.app;
  app.add_option("--state-dir", private_ldap.state_dir, "Private slapd's directory (ldap)")->capture_default_str();
  app.add_option("--base-dn", private_ldap.base_dn, "Base DN of the directory (ldap)")->capture_default_str();
  app.add_option("--ldap-listen", private_ldap.listen, "Extra URI for the private slapd, e.g. ldap://127.0.0.1:3890/");
  app.add_option("--ldap-uri", existing.uri, "Adopt the existing directory at this URI instead (ldap)");
  app.add_option("--bind-dn", existing.bind_dn, "DN to bind as in the existing directory (ldap)");
  app.add_option("--bind-password-file", existing.bind_password_file, "File (mode 0600) with that DN's password");
  app.add_flag("--stop", stop, "Stop the private slapd (ldap)");

  return tool.run(argc, argv, [&] {
    // Only `ldap` is known here until `cl-setup jabber` lands.
    setup::Steps steps;
    if (stop) {
      steps = setup::stop_private_ldap(tool.settings().ldap);
    } else if (!existing.uri.empty()) {
      existing.base_dn = private_ldap.base_dn;
      steps = setup::adopt_ldap(tool.config_path(), existing);
    } else {
      steps = setup::setup_private_ldap(tool.config_path(), private_ldap);
    }
    for (const auto& step : steps) std::cout << step << '\n';
    return 0;
  });
}
