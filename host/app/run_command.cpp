// sipnic run: starts the node on a config file (or the built-in one), its
// control socket (`sipnic status`) and its metrics endpoint ([node] metrics),
// and runs until SIGINT or SIGTERM, then logs what it did.
#include <signal.h>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "app/commands.h"
#include "app/node_status_format.h"
#include "app/offload_options.h"
#include "core/config.h"
#include "core/control_socket.h"
#include "core/log.h"
#include "core/metrics_http.h"
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
      ("pid-file", po::value<std::string>(),
       "write the process id here (for `sipnic reload`); the control socket is FILE.ctl")
      ("control", po::value<std::string>(),
       "the control socket for `sipnic status` (default: PID-FILE.ctl; none without either)")
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
  // The control socket and the metrics endpoint answer from their own
  // threads; they go before the node stops (declared after it).
  std::string pid_file = vm.count("pid-file") ? vm["pid-file"].as<std::string>() : std::string();
  std::string control_path = vm.count("control") ? vm["control"].as<std::string>()
                             : pid_file.empty()  ? std::string()
                                                 : control_path_for_pid_file(pid_file);
  std::unique_ptr<core::ControlServer> control;
  std::unique_ptr<core::MetricsHttpServer> metrics_http;
  try {
    if (!control_path.empty()) {
      control = std::make_unique<core::ControlServer>(
          control_path, [&node](std::string_view request) { return answer_control_request(node, request); }, log);
    }
    if (config.metrics) {
      auto addr = core::SocketAddress::from_ip(config.metrics->host, config.metrics->port);
      metrics_http = std::make_unique<core::MetricsHttpServer>(node.metrics(), *addr, log);
    }
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
  if (control) log.info("run", "control socket " + control->path().string() + " (sipnic status)");
  if (!pid_file.empty()) std::ofstream(pid_file) << ::getpid() << "\n";
  int sig = 0;
  // SIGHUP reloads TLS and STIR/SHAKEN files (`sipnic reload`), each on its
  // own: a bad file of one leaves the other's reload standing. SIGINT or
  // SIGTERM stops.
  for (;;) {
    sigwait(&signals, &sig);
    if (sig != SIGHUP) break;
    auto report = [&log](const std::string& error, std::string_view done, std::string_view refused) {
      if (error.empty()) log.info("run", std::string(done));
      else log.error("run", std::string(refused) + error);
    };
    if (!node.has_tls() && !node.has_stir()) log.info("run", "reload: no TLS and no [stir] configured, nothing to reload");
    if (node.has_tls())
      report(node.reload_tls(), "reloaded TLS certificates, keys, CA sets and CRLs; new handshakes use them",
             "reload refused, the previous TLS files stay in use: ");
    if (node.has_stir())
      report(node.reload_stir(), "reloaded the STIR/SHAKEN key, certificate repository and STI-CAs; new calls use them",
             "STIR/SHAKEN reload refused, the previous files stay in use: ");
  }
  if (!pid_file.empty()) std::remove(pid_file.c_str());
  log.info("run", std::string("stopping on ") + (sig == SIGINT ? "SIGINT" : "SIGTERM"));
  metrics_http.reset();
  control.reset();
  node.stop();
  // The registry outlives the workers: the figures as they stopped.
  const interwork::NodeStatus status = node.status();
  log.info("run", format_summary_line(status));
  log.info("run", format_connections_line(status));
  return 0;
}

}  // namespace sipnic::app
