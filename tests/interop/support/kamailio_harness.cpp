#include "interop/support/kamailio_harness.h"

#include <signal.h>
#include <sys/stat.h>

#include <cstdlib>
#include <stdexcept>
#include <thread>

#include "interop/support/tls_harness.h"

namespace sipnic::test {

using namespace std::chrono_literals;

std::string kamailio_binary() {
  const char* env = std::getenv("SIPNIC_KAMAILIO");
  return env && *env ? env : "/usr/sbin/kamailio";
}

Kamailio::Kamailio(const TempDir& dir, std::string config, std::string_view tls_config) {
  std::string tls_path = dir.file("kamailio-tls.cfg");
  write_text_file(tls_path, tls_config);
  for (std::size_t p; (p = config.find("@TLS_CFG@")) != std::string::npos;) config.replace(p, 9, tls_path);
  std::string cfg_path = dir.file("kamailio.cfg");
  write_text_file(cfg_path, config);
  std::string run_dir = dir.file("kamailio-run");
  ::mkdir(run_dir.c_str(), 0700);
  log_path_ = dir.file("kamailio.log");
  // -DD: in the foreground, with its children; -E: log to stderr (the log
  // file); small shared and private memory pools: a test runs few calls.
  process_ = ChildProcess({kamailio_binary(), "-f", cfg_path, "-DD", "-E", "-m", "64", "-M", "8", "-Y", run_dir, "-w",
                           dir.path()},
                          {.stdout_path = dir.file("kamailio.out"), .stderr_path = log_path_});
  // ChildProcess gives the child a process group of its own, which
  // Kamailio's children share.
  group_ = process_.pid();
}

std::string Kamailio::wait_ready(const std::string& ip, std::uint16_t port, std::chrono::milliseconds limit) {
  if (wait_listening(ip, port, limit)) return {};
  return std::string("kamailio is ") + (process_.running() ? "not listening" : "not running") + " on " + ip + ":" +
         std::to_string(port) + "; log:\n" + log();
}

void Kamailio::stop() {
  if (group_ <= 0) return;
  ::kill(-group_, SIGTERM);
  process_.kill(5s);
  // Whatever survived its parent (a child still shutting down) goes too.
  ::kill(-group_, SIGKILL);
  group_ = -1;
}

}  // namespace sipnic::test
