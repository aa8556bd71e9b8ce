// Interop harness for Kamailio (Debian's kamailio and kamailio-tls-modules):
// a Kamailio the test configures, started as a child process in the test's
// temporary directory and stopped, with every process it forked, whatever
// happens to the test.
//
//   TempDir dir("kamailio-x");
//   Kamailio k(dir, cfg_text, tls_cfg_text);  // writes kamailio.cfg and tls.cfg, starts it
//   ASSERT_EQ(k.wait_ready("127.0.100.4", tls_port), "");
//   ...
//   k.stop();                                 // or the destructor
//
// The config is the test's: it names the listen addresses, modules and the
// routing logic; the harness adds nothing to it but the path of tls.cfg,
// which it substitutes for "@TLS_CFG@". Times are upper bounds only.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "interop/support/sipp_harness.h"
#include "support/process.h"

namespace sipnic::test {

std::string kamailio_binary();  // $SIPNIC_KAMAILIO, else /usr/sbin/kamailio

class Kamailio {
 public:
  Kamailio(const TempDir& dir, std::string config, std::string_view tls_config);
  ~Kamailio() { stop(); }
  Kamailio(const Kamailio&) = delete;
  Kamailio& operator=(const Kamailio&) = delete;

  // Waits until a TCP (TLS) listener of the config is up on ip:port; "" or
  // why not (with the log).
  std::string wait_ready(const std::string& ip, std::uint16_t port,
                         std::chrono::milliseconds limit = std::chrono::seconds(20));
  // SIGTERM to Kamailio and its children (one process group), then SIGKILL
  // to whatever is left. Idempotent.
  void stop();
  std::string log() const { return read_text_file(log_path_); }

 private:
  std::string log_path_;
  ChildProcess process_;
  pid_t group_ = -1;
};

}  // namespace sipnic::test
