// cl-useradd: creates a Jabber account (or many, from a CSV file).
#include <fstream>
#include <iostream>

#include "cli.hpp"
#include "jabberadmin/avatar.hpp"
#include "jabberadmin/error.hpp"
#include "jabberadmin/provision.hpp"

using namespace jabberadmin;

int main(int argc, char** argv) {
  cli::Tool tool("cl-useradd", N_("Create a Jabber account"));
  bool ask_password = false, stdin_password = false;
  std::optional<std::string> nickname, group, image_path, user, csv_path;
  auto& app = tool.app;
  auto* p = app.add_flag("-p,--password", ask_password, _("Set a password: asked twice on a terminal, else one line from stdin"));
  app.add_flag("-P,--password-stdin", stdin_password, _("Read the password from standard input"))->excludes(p);
  app.add_option("-c,--comment", nickname, _("Nickname (UTF-8)"));
  app.add_option("-i,--image", image_path, _("Avatar image"));
  app.add_option("-g,--group", group, _("Group to put the user into"));
  auto* from = app.add_option("--from", csv_path, _("Create accounts from a CSV file: login,nickname,group,password"));
  app.add_option("user", user, _("User name (JID localpart)"))->excludes(from);

  return tool.run(argc, argv, [&] {
    Directory directory = tool.directory();
    if (csv_path) {
      std::ifstream csv(*csv_path);
      if (!csv) throw Error(ErrorKind::InvalidArgument, cli::format(_("cannot read %s"), *csv_path));
      const ImportReport report = import_users(directory, csv);
      for (const auto& f : report.failures) std::cerr << *csv_path << ":" << f.line << ": " << cli::translate(f.error) << '\n';
      std::cout << cli::format(_("created %s accounts, %s lines failed"), std::to_string(report.created),
                               std::to_string(report.failures.size()))
                << '\n';
      return report.failures.empty() ? 0 : exit_code(ErrorKind::Directory);
    }
    if (!user) throw Error(ErrorKind::Usage, _("a user name (or --from FILE) is required"));
    NewUser request{.name = *user, .nickname = nickname, .group = group};
    // Everything that can fail without the directory is checked before the one LDAP add.
    if (image_path) request.photo = avatar::from_file(*image_path);
    if (ask_password || stdin_password) request.password = cli::read_new_password(stdin_password);
    const User created = directory.add_user(request);
    std::cout << cli::format(_("created %s"), created.jid) << '\n';
    return 0;
  });
}
