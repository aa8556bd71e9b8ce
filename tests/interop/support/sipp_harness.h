// Interop harness: a sipnic node and sipp peers as child processes of a test,
// all on loopback, each test in its own temporary directory.
//
//   TempDir dir("b2bua-udp");
//   Sipnic node(dir, config_text);           // writes sipnic.conf, starts `sipnic run`
//   ASSERT_EQ(node.wait_ready(), "");        // "running:" logged (listeners bound)
//   Sipp uas(dir, "uas", {"-sf", scenario(dir, "uas_call.xml"), "-i", ip, "-p", "5060", "-m", "10"});
//   Sipp uac(dir, "uac", {...});
//   SippResult r = uac.wait();               // exit code + final -trace_stat counters
//   SipnicSummary s = node.stop();           // SIGTERM; parses the summary line
//
// Everything is RAII (support/process.h): a test that fails half-way still
// stops its processes. Nothing here asserts timing; the time limits are upper
// bounds that turn a hang into a failure. Set SIPNIC_KEEP_TEST_DIRS=1 to keep
// the directories (logs, sipp stat/error files) for a look after the run.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "support/process.h"

namespace sipnic::test {

// A fresh directory under the system temp dir, removed when destroyed.
class TempDir {
 public:
  explicit TempDir(std::string_view tag);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(std::string_view name) const { return path_ + "/" + std::string(name); }

 private:
  std::string path_;
};

std::string read_text_file(const std::string& path);
void write_text_file(const std::string& path, std::string_view text);

// The directory of the scenario XML files (tests/interop/scenarios).
std::string scenarios_dir();
// Copies scenario `name` into `dir`, replacing each "@KEY@" of `values` (and
// failing loudly if a placeholder is left over), and returns the copy's path.
std::string scenario(const TempDir& dir, std::string_view name,
                     const std::map<std::string, std::string>& values = {});

// A sipp <action> block to put in a scenario placeholder: each check is a
// regexp that must (or, must_match false, must not) match in `where`, a
// header name with its colon ("Via:") or "msg" / "body"; a failed check
// fails the call.
struct SippCheck {
  std::string regexp;
  std::string where;
  bool must_match = true;
};
std::string sipp_checks(const std::vector<SippCheck>& list);
// `text` with its dots escaped, for an address in a sipp regexp.
std::string escape_dots(std::string_view text);

// A port that is free for both UDP and TCP on `ip` (IPv4 or IPv6 literal).
std::uint16_t free_port_on(const std::string& ip);
// "IP:PORT" for an IPv4 address: config values and sipp arguments.
inline std::string ip_port(const std::string& ip, std::uint16_t port) { return ip + ":" + std::to_string(port); }

// ---- sipnic ---------------------------------------------------------------------

struct SipnicSummary {
  bool found = false;  // false: no summary line in the log
  long started = 0, answered = 0, failed = 0, refused = 0;
  std::string line;
};
// Reads the last "calls started N, answered N, failed N, refused N" line of a log.
SipnicSummary parse_sipnic_summary(std::string_view log);
// Sanitizer findings in a log ("" when clean): ASan/LSan/UBSan report lines.
std::string sanitizer_findings(std::string_view log);

std::string sipnic_binary();
// The offload backend the interop tests run nodes on (SIPNIC_TEST_OFFLOAD;
// "" for the node's default).
std::string test_offload();

class Sipnic {
 public:
  // Writes `config_text` to DIR/<name>.conf and starts `sipnic run -c` on it,
  // stdout and stderr to DIR/<name>.log; with `--offload $SIPNIC_TEST_OFFLOAD`
  // when that is set.
  Sipnic(const TempDir& dir, std::string_view config_text, std::vector<std::string> extra_args = {},
         std::string name = "sipnic");
  ~Sipnic() = default;

  // Waits for the "running:" line; "" when it came, else why not (with the log).
  std::string wait_ready(std::chrono::milliseconds limit = std::chrono::seconds(30));
  // Waits until the log contains `text`; false at the limit.
  bool wait_for_log(std::string_view text, std::chrono::milliseconds limit);
  // Stops the node (SIGTERM) and parses its summary. Idempotent.
  SipnicSummary stop();
  // Exit status of the node after stop() (wait status, see waitpid).
  std::optional<int> exit_status() const { return exit_status_; }
  // True when stopped with exit code 0.
  bool exited_cleanly() const;
  std::string log() const { return read_text_file(log_path_); }
  const std::string& log_path() const { return log_path_; }
  // `sipnic status --json` of the running node (its control socket is
  // DIR/<name>.ctl), or {"error": why} when it does not answer.
  std::string status_json() const;
  std::string status_text() const;  // `sipnic status` as an operator reads it
  // The node's process id while it runs (-1 after it stopped).
  pid_t pid() const { return process_.pid(); }

 private:
  std::string log_path_;
  std::string control_path_;
  ChildProcess process_;
  bool stopped_ = false;
  std::optional<int> exit_status_;
  SipnicSummary summary_;
};

// ---- sipp ------------------------------------------------------------------------

struct SippResult {
  // sipp's exit code: 0 all calls succeeded, 1 some failed, 97/99 other ends,
  // 255/254 fatal errors; -1 when it did not exit in time (it was killed).
  int exit_code = -1;
  // The last row of the -trace_stat file, by column name ("SuccessfulCall(C)").
  std::map<std::string, std::string> stats;
  std::string errors;  // the -trace_err file: unexpected messages and failures
  std::string output;  // stdout/stderr (the last screen)

  long counter(const std::string& column) const;  // -1 when absent
  long successful() const { return counter("SuccessfulCall(C)"); }
  long failed() const { return counter("FailedCall(C)"); }
  long created() const { return counter("TotalCallCreated"); }
  // The cumulative count of a `counter="name"` scenario attribute.
  long generic(const std::string& name) const;
  double call_rate() const;  // CallRate(C), cumulative calls per second
  // A few lines for a failure message.
  std::string describe() const;
};

class Sipp {
 public:
  // Starts sipp with `args` plus the harness's own: -nostdin, stat file
  // (DIR/<name>.csv, every second), error trace, and a global -timeout of
  // `limit` with -timeout_error, so that sipp itself never outlives it.
  Sipp(const TempDir& dir, std::string name, std::vector<std::string> args,
       std::chrono::seconds limit = std::chrono::seconds(60));
  ~Sipp() = default;

  // Waits for sipp to exit (at most its limit and a margin; killed after) and
  // collects the result.
  SippResult wait();
  // Stops a sipp that runs without -m (SIGTERM, then SIGKILL) and collects.
  SippResult stop();
  pid_t pid() const { return process_.pid(); }

 private:
  SippResult collect(std::optional<int> status);

  std::string name_;
  std::string stat_path_, error_path_, out_path_;
  std::chrono::seconds limit_;
  ChildProcess process_;
};

std::string sipp_binary();

// Stops the node and checks what every interop test needs of it (as gtest
// expectations): a clean exit on SIGTERM, no sanitizer report in its log, a
// summary line. Returns the summary for the test's own checks.
SipnicSummary stop_and_check(Sipnic& node);

}  // namespace sipnic::test
