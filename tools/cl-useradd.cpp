// cl-useradd: creates a Jabber account (or many, from a CSV file).
#include <sys/stat.h>

#include <fstream>
#include <iostream>

#include "cli.hpp"
#include "jabberadmin/avatar.hpp"
#include "jabberadmin/error.hpp"
#include "jabberadmin/jid.hpp"
#include "jabberadmin/provision.hpp"

using namespace jabberadmin;

namespace {

// A CSV of passwords that other accounts can read has leaked them already: say so.
void warn_if_readable(const std::string& path) {
  struct stat st {};
  if (path != "-" && ::stat(path.c_str(), &st) == 0 && (st.st_mode & (S_IRGRP | S_IROTH)) != 0)
    std::cerr << printable(cli::format(_("warning: %s holds passwords and other users can read it: chmod 600 it"), path))
              << '\n';
}

}  // namespace

int main(int argc, char** argv) {
  cli::Tool tool("cl-useradd", N_("Create a Jabber account"));
  bool ask_password = false, stdin_password = false, dry_run = false;
  std::optional<std::string> nickname, group, image_path, user, csv_path;
  auto& app = tool.app;
  auto* p = app.add_flag("-p,--password", ask_password, _("Set a password: asked twice on a terminal, else one line from stdin"));
  app.add_flag("-P,--password-stdin", stdin_password, _("Read the password from standard input"))->excludes(p);
  app.add_option("-c,--comment", nickname, _("Nickname (UTF-8)"));
  app.add_option("-i,--image", image_path, _("Avatar image"));
  app.add_option("-g,--group", group, _("Group to put the user into"));
  auto* from = app.add_option("--from", csv_path,
                              _("Create accounts from a CSV file ('-' = standard input): login,nickname,group,password"));
  app.add_flag("--dry-run", dry_run, _("With --from: check and report every line, create nothing"))->needs(from);
  app.add_option("user", user, _("User name (JID localpart)"))->excludes(from);
  tool.add_password_options();

  return tool.run(argc, argv, [&] {
    Directory directory = tool.directory();
    if (csv_path) {
      std::ifstream file;
      if (*csv_path != "-") {
        file.open(*csv_path);
        if (!file) throw Error(ErrorKind::InvalidArgument, cli::format(_("cannot read %s"), *csv_path));
      }
      const ImportReport report = import_users(directory, *csv_path == "-" ? std::cin : file,
                                               {.dry_run = dry_run, .min_password_length = tool.min_password_length()});
      if (report.has_passwords) {
        warn_if_readable(*csv_path);
        cli::note_scram(directory);
      }
      const std::string where = printable(*csv_path == "-" ? _("(standard input)") : *csv_path);
      for (const auto& f : report.failures) std::cerr << where << ":" << f.line << ": " << printable(cli::translate(f.error)) << '\n';
      const std::string created = std::to_string(report.created), failed = std::to_string(report.failures.size());
      if (dry_run) {
        for (const auto& [line, name] : report.accepted)
          std::cout << where << ":" << line << ": " << cli::format(_("would create %s"), name + "@" + directory.primary_host())
                    << '\n';
        std::cout << cli::format(_("dry run: %s accounts would be created, %s lines failed; nothing written"), created, failed)
                  << '\n';
      } else {
        std::cout << cli::format(_("created %s accounts, %s lines failed"), created, failed) << '\n';
      }
      return report.failures.empty() ? 0 : exit_code(ErrorKind::Directory);
    }
    if (!user) throw Error(ErrorKind::Usage, _("a user name (or --from FILE) is required"));
    // Everything that can fail is checked before the password is asked for, and before the
    // one LDAP add.
    if (directory.find_user(*user))
      throw Error(ErrorKind::AlreadyExists, translatable("user '%s' already exists"), {normalize_localpart(*user)});
    NewUser request{.name = *user, .nickname = nickname, .group = group};
    if (group) request.group = directory.group(*group).name;
    if (image_path) request.photo = avatar::from_file(*image_path);
    if (ask_password || stdin_password)
      request.password = cli::read_new_password(stdin_password, tool.min_password_length());
    const User created = directory.add_user(request);
    std::cout << cli::format(_("created %s"), created.jid) << '\n';
    if (request.password) cli::note_scram(directory);
    return 0;
  });
}
