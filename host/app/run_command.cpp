// sipnic run: starts the node on a config file (or the built-in one) and runs
// until SIGINT or SIGTERM, then prints what it did.
#include <signal.h>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "app/commands.h"
#include "app/offload_options.h"
#include "core/config.h"
#include "core/log.h"
#include "interwork/node.h"
#include "offload/device.h"

namespace po = boost::program_options;

namespace sipnic::app {

int run_command(const std::vector<std::string>& args) {
  po::options_description opts("sipnic run [options]");
  opts.add_options()
      ("help,h", "show this help")
      ("config,c", po::value<std::string>(), "config file (default: the built-in config, see docs/config.md)")
      ("workers", po::value<unsigned>(), "worker threads (overrides [node] workers; 0 = one per core)")
      ("log-level", po::value<std::string>(), "error, warn, info or debug (overrides [node] log-level)")
      ("dns-server", po::value<std::vector<std::string>>()->composing(),
       "DNS server IP:port for RFC 3263 lookups (repeatable; default: /etc/resolv.conf)")
      ("pid-file", po::value<std::string>(), "write the process id here (for `sipnic reload`)")
      ("tls-keylog", po::value<std::string>(),
       "debugging only: append TLS secrets to FILE in NSS key log format (for Wireshark)");
  add_offload_options(opts);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(opts).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "sipnic run: " << e.what() << "\n" << opts;
    return 2;
  }
  if (vm.count("help")) {
    std::cout << opts;
    return 0;
  }
  core::Config config;
  try {
    config = vm.count("config") ? core::load_config_file(vm["config"].as<std::string>()) : core::default_config();
  } catch (const core::ConfigError& e) {
    std::cerr << "sipnic run: " << e.what() << "\n";
    return 1;
  }
  if (vm.count("workers")) config.workers = vm["workers"].as<unsigned>();
  if (vm.count("log-level")) config.log_level = vm["log-level"].as<std::string>();
  auto level = core::parse_log_level(config.log_level);
  if (!level) {
    std::cerr << "sipnic run: unknown log level '" << config.log_level << "' (error, warn, info, debug)\n";
    return 2;
  }
  core::Log log(*level);
  std::unique_ptr<offload::Device> device;
  try {
    device = device_from_options(vm);
  } catch (const std::exception& e) {
    std::cerr << "sipnic run: " << e.what() << "\n";
    return 1;
  }
  interwork::NodeOptions options;
  if (vm.count("dns-server")) options.dns_servers = vm["dns-server"].as<std::vector<std::string>>();
  if (vm.count("tls-keylog")) options.tls_keylog = vm["tls-keylog"].as<std::string>();

  // Signals are taken by sigwait() here; block them before the workers start
  // so that no worker thread is interrupted by them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  interwork::Node node(config, log, *device, options);
  try {
    node.start();
  } catch (const std::exception& e) {
    log.error("run", std::string("cannot start: ") + e.what());
    return 1;
  }
  std::ostringstream started;
  started << "sipnic " << SIPNIC_VERSION << " running: " << node.worker_count() << " workers, offload "
          << device->name() << ", config " << config.source << ", listening on";
  for (const auto& l : config.listen)
    started << " " << core::transport_name(l.transport) << ":"
            << (l.address.host.find(':') != std::string::npos ? "[" + l.address.host + "]" : l.address.host)
            << ":" << l.address.port;
  log.info("run", started.str());
  if (!options.tls_keylog.empty()) {
    log.warn("run", "TLS secrets are being written to " + options.tls_keylog.string() +
                        " (--tls-keylog): for debugging only");
  }
  std::string pid_file;
  if (vm.count("pid-file")) {
    pid_file = vm["pid-file"].as<std::string>();
    std::ofstream(pid_file) << ::getpid() << "\n";
  }
  int sig = 0;
  // SIGHUP reloads TLS material (`sipnic reload`); SIGINT or SIGTERM stops.
  for (;;) {
    sigwait(&signals, &sig);
    if (sig != SIGHUP) break;
    std::string error = node.reload_tls();
    if (error.empty()) {
      log.info("run", "reloaded TLS certificates, keys, CA sets and CRLs; new handshakes use them");
    } else {
      log.error("run", "reload refused, the previous TLS files stay in use: " + error);
    }
  }
  if (!pid_file.empty()) std::remove(pid_file.c_str());
  log.info("run", std::string("stopping on ") + (sig == SIGINT ? "SIGINT" : "SIGTERM"));
  node.stop();
  auto s = node.stats();
  std::ostringstream summary;
  summary << "calls started " << s.calls.calls_started << ", answered " << s.calls.calls_answered
          << ", failed " << s.calls.calls_failed << ", refused " << s.calls.calls_rejected
          << "; messages in " << s.transport.rx_messages << ", out " << s.transport.tx_messages
          << ", malformed " << s.transport.rx_malformed << "; retransmissions sent "
          << s.transactions.retransmissions_sent << ", absorbed " << s.transactions.retransmissions_absorbed;
  log.info("run", summary.str());
  const sip::TransportStats& t = s.transport;
  std::ostringstream connections;
  connections << "connections accepted " << t.tcp_accepted << "; refused: over max-connections "
              << t.tcp_refused_node_limit << ", over max-connections-per-source " << t.tcp_refused_source_limit
              << ", out of descriptors " << t.tcp_refused_no_fd << " (accept failures " << t.accept_failures
              << ", pauses " << t.accept_pauses << "); closed: no first message " << t.tcp_closed_no_first_message
              << ", slow partial message " << t.tcp_closed_slow << ", framing error " << t.tcp_closed_on_error
              << ", output buffer full " << t.tcp_closed_output_full;
  log.info("run", connections.str());
  return 0;
}

}  // namespace sipnic::app
