// Test support: a `sipnic run` child on loopback ports of its own (free
// ports, so no shared lock is needed), with its config, log and control
// socket in a temporary directory, for the tests of the commands that talk
// to a running node (tests/unit/app). Header-only.
//
//   test::SipnicNode node(test::SipnicNode::udp_config(port, carrier_port));  // ready when its control socket answers
//   auto answer = core::control_request(node.control(), "status json");
//   node.stop();                                               // SIGTERM; then node.log() has the summary
#pragma once

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/control_socket.h"
#include "core/socket_address.h"
#include "support/process.h"
#include "support/run_command.h"

namespace sipnic::test {

// An OPTIONS from `from` (which the node answers 200, whoever asks), its
// branch, tag and Call-ID made unique by `tag` and `n`.
inline std::string options_request(const core::SocketAddress& from, const std::string& tag, int n) {
  const std::string id = tag + std::to_string(n);
  return "OPTIONS sip:node@127.0.0.1 SIP/2.0\r\n"
         "Via: SIP/2.0/UDP " + from.to_string() + ";branch=z9hG4bK-" + id + ";rport\r\n"
         "Max-Forwards: 70\r\n"
         "From: <sip:probe@127.0.0.1>;tag=" + id + "\r\n"
         "To: <sip:node@127.0.0.1>\r\n"
         "Call-ID: options-" + id + "\r\n"
         "CSeq: 1 OPTIONS\r\n"
         "Content-Length: 0\r\n\r\n";
}

class SipnicNode {
 public:
  // A config with one worker (so that one peer's datagrams all meet one
  // worker, in order), UDP on 127.0.0.1:`sip_port`, trunk `pbx` (calls from
  // 127.0.0.1) routed to trunk `carrier` at 127.0.0.3:`carrier_port`, and
  // `extra_node` lines in [node].
  static std::string udp_config(std::uint16_t sip_port, std::uint16_t carrier_port,
                                const std::string& extra_node = {}) {
    return "[node]\nworkers = 1\n" + extra_node + "[listen]\nudp = 127.0.0.1:" + std::to_string(sip_port) +
           "\n[trunk pbx]\npeer = 127.0.0.1:5999\n[trunk carrier]\npeer = 127.0.0.3:" + std::to_string(carrier_port) +
           "\nmax-calls = 20\n[route out]\nfrom-trunk = pbx\nto-trunk = carrier\n";
  }

  // Starts `sipnic run -c DIR/node.conf --pid-file DIR/node.pid` plus
  // `extra_args`; waits (bounded) until its control socket DIR/node.pid.ctl
  // answers. Throws with the node's log if it does not.
  explicit SipnicNode(const std::string& config, std::vector<std::string> extra_args = {}) {
    dir_.file("node.conf", config);
    std::vector<std::string> argv = {SIPNIC_BINARY, "run", "-c", (dir_.path() / "node.conf").string(),
                                     "--pid-file", pid_file().string()};
    argv.insert(argv.end(), extra_args.begin(), extra_args.end());
    process_ = ChildProcess(argv, {.stdout_path = (dir_.path() / "node.out").string(),
                                   .stderr_path = log_path().string()});
    for (int i = 0; i < 1000; ++i) {
      try {
        core::control_request(control(), "status", std::chrono::milliseconds(1000));
        return;
      } catch (const core::ControlError&) {
      }
      if (!process_.running()) throw std::runtime_error("sipnic run exited at start:\n" + log());
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    throw std::runtime_error("sipnic run: no control socket after 10 s:\n" + log());
  }

  // SIGTERM; returns the exit code (-1: killed or not exited).
  int stop() {
    auto status = process_.kill(std::chrono::seconds(10));
    return status && WIFEXITED(*status) ? WEXITSTATUS(*status) : -1;
  }
  bool running() { return process_.running(); }

  std::filesystem::path pid_file() const { return dir_.path() / "node.pid"; }
  std::filesystem::path control() const { return dir_.path() / "node.pid.ctl"; }
  std::filesystem::path log_path() const { return dir_.path() / "node.log"; }
  const TempDir& dir() const { return dir_; }
  std::string log() const { return slurp(log_path()); }

 private:
  TempDir dir_{"sipnic-node"};
  ChildProcess process_;
};

}  // namespace sipnic::test
