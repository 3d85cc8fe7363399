// cl-jabberd: the integrated XMPP server. Runs in the foreground (systemd style) and logs
// to stderr; SIGTERM ends every stream properly, SIGHUP reloads the certificate and
// reopens the log file.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <csignal>
#include <cstdio>
#include <iostream>

#include "app/options.hpp"
#include "app/server.hpp"
#include "jabberadmin/error.hpp"
#include "jabberadmin/settings.hpp"
#include "util/log.hpp"

using namespace jabberadmin;

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  try {
    const app::Options options = app::parse_options(argc, argv);
    if (options.help) {
      std::cout << app::usage();
      return 0;
    }
    if (options.version) {
      std::cout << "cl-jabberd " JABBERADMIN_VERSION "\n";
      return 0;
    }
    log::set_level(options.log_level);
    log::set_format(options.log_format);
    log::set_file(options.log_file);
    const auto path = config_path(options.config);
    Settings settings = Settings::load(path);

    boost::asio::io_context io(1);
    app::Server server(io, std::move(settings), options);
    boost::asio::signal_set signals(io, SIGTERM, SIGINT, SIGHUP);
    std::function<void(const boost::system::error_code&, int)> on_signal = [&](const boost::system::error_code& ec,
                                                                                int signal) {
      if (ec) return;
      if (signal == SIGHUP) {
        server.reload();
        signals.async_wait(on_signal);
        return;
      }
      log::info(signal == SIGTERM ? "SIGTERM received" : "SIGINT received");
      server.shutdown();
    };
    signals.async_wait(on_signal);
    server.start();
    io.run();
    log::info("stopped");
    log::flush_repeats();
    return 0;
  } catch (const Error& e) {
    std::cerr << "cl-jabberd: " << e.what() << "\n";
    if (e.kind() == ErrorKind::Usage) std::cerr << app::usage();
    return exit_code(e.kind());
  } catch (const std::exception& e) {
    std::cerr << "cl-jabberd: " << e.what() << "\n";
    return 1;
  }
}
