#include "interop/support/sipp_harness.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "core/control_socket.h"
#include "core/unique_fd.h"
#include "support/eventually.h"

namespace sipnic::test {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// ---- files ------------------------------------------------------------------

TempDir::TempDir(std::string_view tag) {
  std::string pattern = (fs::temp_directory_path() / ("sipnic-" + std::string(tag) + "-XXXXXX")).string();
  if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp " + pattern + " failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  const char* keep = std::getenv("SIPNIC_KEEP_TEST_DIRS");
  if (keep && *keep && std::string_view(keep) != "0") {
    std::fprintf(stderr, "[harness] kept %s\n", path_.c_str());
    return;
  }
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_text_file(const std::string& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path);
}

std::string scenarios_dir() { return std::string(SIPNIC_SOURCE_DIR) + "/tests/interop/scenarios"; }

std::string scenario(const TempDir& dir, std::string_view name, const std::map<std::string, std::string>& values) {
  std::string src = scenarios_dir() + "/" + std::string(name);
  std::string text = read_text_file(src);
  if (text.empty()) throw std::runtime_error("scenario " + src + " is missing or empty");
  for (const auto& [key, value] : values) {
    std::string ph = "@" + key + "@";
    bool any = false;
    for (std::size_t pos = 0; (pos = text.find(ph, pos)) != std::string::npos; pos += value.size()) {
      text.replace(pos, ph.size(), value);
      any = true;
    }
    if (!any) throw std::runtime_error("scenario " + src + " has no placeholder " + ph);
  }
  std::smatch m;
  if (std::regex_search(text, m, std::regex("@[A-Z0-9_]+@")))
    throw std::runtime_error("scenario " + src + ": placeholder " + m.str() + " not given a value");
  std::string out = dir.file(name);
  write_text_file(out, text);
  return out;
}

std::string sipp_checks(const std::vector<SippCheck>& list) {
  std::string out = "    <action>\n";
  for (const auto& c : list) {
    std::string in = c.where.find(':') != std::string::npos ? "search_in=\"hdr\" header=\"" + c.where + "\""
                                                            : "search_in=\"" + c.where + "\"";
    out += "      <ereg regexp=\"" + c.regexp + "\" " + in +
           (c.must_match ? " check_it=\"true\"" : " check_it_inverse=\"true\"") + " assign_to=\"check\"/>\n";
  }
  // sipp refuses a variable referenced only once: a second assignment.
  return out + "      <assignstr assign_to=\"check\" value=\"ok\"/>\n    </action>";
}

std::string escape_dots(std::string_view text) {
  std::string out;
  for (char c : text) out += c == '.' ? std::string("\\.") : std::string(1, c);
  return out;
}

std::uint16_t free_port_on(const std::string& ip) {
  bool v6 = ip.find(':') != std::string::npos;
  for (int attempt = 0; attempt < 50; ++attempt) {
    sockaddr_storage ss{};
    socklen_t len = 0;
    if (v6) {
      auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
      a->sin6_family = AF_INET6;
      ::inet_pton(AF_INET6, ip.c_str(), &a->sin6_addr);
      len = sizeof *a;
    } else {
      auto* a = reinterpret_cast<sockaddr_in*>(&ss);
      a->sin_family = AF_INET;
      ::inet_pton(AF_INET, ip.c_str(), &a->sin_addr);
      len = sizeof *a;
    }
    const core::UniqueFd tcp(::socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
    const core::UniqueFd udp(::socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    std::uint16_t port = 0;
    if (tcp && udp && ::bind(tcp.get(), reinterpret_cast<sockaddr*>(&ss), len) == 0 &&
        ::getsockname(tcp.get(), reinterpret_cast<sockaddr*>(&ss), &len) == 0 &&
        ::bind(udp.get(), reinterpret_cast<sockaddr*>(&ss), len) == 0) {
      port = v6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port)
                : ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
    }
    if (port) return port;
    // The UDP port was taken: reset the port and try another.
  }
  throw std::runtime_error("free_port_on: no port free for both UDP and TCP on " + ip);
}

// ---- sipnic -------------------------------------------------------------------

std::string sipnic_binary() {
  const char* env = std::getenv("SIPNIC_BINARY_OVERRIDE");
  return env && *env ? env : SIPNIC_BINARY;
}

SipnicSummary parse_sipnic_summary(std::string_view log) {
  SipnicSummary s;
  static const std::regex re(
      R"(calls started (\d+), answered (\d+), failed (\d+), refused (\d+)[^\n]*)");
  std::string text(log);
  for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator(); ++it) {
    const auto& m = *it;
    s.found = true;
    s.started = std::stol(m[1]);
    s.answered = std::stol(m[2]);
    s.failed = std::stol(m[3]);
    s.refused = std::stol(m[4]);
    s.line = m.str();
  }
  return s;
}

std::string sanitizer_findings(std::string_view log) {
  std::string out;
  std::istringstream in{std::string(log)};
  std::string line;
  while (std::getline(in, line)) {
    if (line.find("ERROR: AddressSanitizer") != std::string::npos ||
        line.find("ERROR: LeakSanitizer") != std::string::npos ||
        line.find("runtime error:") != std::string::npos ||
        line.find("WARNING: ThreadSanitizer") != std::string::npos)
      out += line + "\n";
  }
  return out;
}

Sipnic::Sipnic(const TempDir& dir, std::string_view config_text, std::vector<std::string> extra_args,
               std::string name) {
  std::string conf = dir.file(name + ".conf");
  write_text_file(conf, config_text);
  log_path_ = dir.file(name + ".log");
  control_path_ = dir.file(name + ".ctl");
  std::vector<std::string> argv = {sipnic_binary(), "run", "-c", conf, "--control", control_path_};
  // SIPNIC_TEST_OFFLOAD=sim runs the node on that offload backend: ctest
  // registers a subset of the interop tests a second time with it, so that
  // the SIP and TLS paths run on the RTL kernels under Verilator.
  if (const std::string offload = test_offload(); !offload.empty()) {
    argv.insert(argv.end(), {"--offload", offload});
    // Sanitizer builds: the Verilator runtime keeps one buffer per thread
    // that it never frees (tests/lsan-verilator.supp says which); the node
    // inherits this. Read by LeakSanitizer at the node's start only.
    ::setenv("LSAN_OPTIONS", "suppressions=" SIPNIC_SOURCE_DIR "/tests/lsan-verilator.supp", 0);
  }
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  // sipnic logs (and sanitizers report) on stderr; stdout stays empty.
  process_ = ChildProcess(argv, {.stdout_path = log_path_ + ".stdout", .stderr_path = log_path_});
}

std::string test_offload() {
  const char* offload = std::getenv("SIPNIC_TEST_OFFLOAD");
  return offload ? std::string(offload) : std::string();
}

bool Sipnic::wait_for_log(std::string_view text, std::chrono::milliseconds limit) {
  // A node that has exited writes nothing more: stop waiting then.
  eventually([&] { return log().find(text) != std::string::npos || !process_.running(); }, limit, 20ms);
  return log().find(text) != std::string::npos;
}

std::string Sipnic::wait_ready(std::chrono::milliseconds limit) {
  if (wait_for_log(" running: ", limit)) {
    // A node asked to run on another offload backend must say it does.
    const std::string offload = test_offload();
    if (!offload.empty() && log().find("offload " + offload + ",") == std::string::npos) {
      return std::string("sipnic does not run on offload backend '") + offload + "'; log:\n" + log();
    }
    return {};
  }
  bool alive = process_.running();
  return std::string("sipnic is ") + (alive ? "not ready" : "not running") + " after " +
         std::to_string(limit.count()) + " ms; log:\n" + log();
}

std::string Sipnic::status_json() const {
  try {
    return core::control_request(control_path_, "status json");
  } catch (const core::ControlError& e) {
    return std::string("{\"error\": \"") + e.what() + "\"}";
  }
}

std::string Sipnic::status_text() const {
  try {
    return core::control_request(control_path_, "status");
  } catch (const core::ControlError& e) {
    return std::string("error: ") + e.what();
  }
}

SipnicSummary Sipnic::stop() {
  if (stopped_) return summary_;
  stopped_ = true;
  // Generous: under ASan a node with many calls takes a while to tear down.
  exit_status_ = process_.kill(std::chrono::seconds(20));
  summary_ = parse_sipnic_summary(log());
  return summary_;
}

bool Sipnic::exited_cleanly() const {
  return exit_status_ && WIFEXITED(*exit_status_) && WEXITSTATUS(*exit_status_) == 0;
}

// ---- sipp -----------------------------------------------------------------------

std::string sipp_binary() {
  const char* env = std::getenv("SIPNIC_SIPP");
  return env && *env ? env : "/usr/bin/sipp";
}

long SippResult::counter(const std::string& column) const {
  auto it = stats.find(column);
  if (it == stats.end() || it->second.empty()) return -1;
  try {
    return std::stol(it->second);
  } catch (...) {
    return -1;
  }
}

long SippResult::generic(const std::string& name) const {
  // sipp names the column of a `counter="x"` attribute "x(C)" (cumulative).
  return counter(name + "(C)");
}

double SippResult::call_rate() const {
  auto it = stats.find("CallRate(C)");
  if (it == stats.end()) return -1;
  try {
    return std::stod(it->second);
  } catch (...) {
    return -1;
  }
}

std::string SippResult::describe() const {
  std::ostringstream s;
  s << "sipp exit code " << exit_code << ", calls created " << created() << ", successful " << successful()
    << ", failed " << failed();
  for (const char* c : {"FailedUnexpectedMessage(C)", "FailedTimeoutOnRecv(C)", "FailedMaxUDPRetrans(C)",
                        "FailedRegexpDoesntMatch(C)", "FailedRegexpShouldntMatch(C)",
                        "FailedRegexpHdrNotFound(C)", "FailedCallRejected(C)", "FailedTcpConnect(C)",
                        "FailedTcpClosed(C)"}) {
    long v = counter(c);
    if (v > 0) s << ", " << c << " " << v;
  }
  s << "\n";
  if (!errors.empty()) s << "--- sipp errors (first 3000 bytes) ---\n" << errors.substr(0, 3000) << "\n";
  if (exit_code != 0 && !output.empty()) {
    std::string tail = output.size() > 2500 ? output.substr(output.size() - 2500) : output;
    s << "--- sipp output (tail) ---\n" << tail << "\n";
  }
  return s.str();
}

Sipp::Sipp(const TempDir& dir, std::string name, std::vector<std::string> args, std::chrono::seconds limit)
    : name_(std::move(name)), limit_(limit) {
  stat_path_ = dir.file(name_ + ".csv");
  error_path_ = dir.file(name_ + "_errors.log");
  out_path_ = dir.file(name_ + ".out");
  std::vector<std::string> argv = {sipp_binary()};
  argv.insert(argv.end(), args.begin(), args.end());
  for (std::string a : {"-nostdin", "-trace_stat", "-trace_err"}) argv.push_back(a);
  argv.insert(argv.end(), {"-stf", stat_path_, "-fd", "1", "-error_file", error_path_, "-timeout",
                           std::to_string(limit.count()) + "s", "-timeout_error"});
  process_ = ChildProcess(argv, {.stdout_path = out_path_, .stderr_path = out_path_ + ".stderr"});
}

SippResult Sipp::wait() {
  auto status = process_.wait_for(limit_ + 15s);
  if (!status) status = process_.kill();
  else return collect(status);
  SippResult r = collect(status);
  r.exit_code = -1;  // killed by us: it did not end on its own
  return r;
}

SippResult Sipp::stop() {
  auto status = process_.kill();
  return collect(status);
}

SippResult Sipp::collect(std::optional<int> status) {
  SippResult r;
  if (status && WIFEXITED(*status)) r.exit_code = WEXITSTATUS(*status);
  else r.exit_code = -1;
  r.errors = read_text_file(error_path_);
  r.output = read_text_file(out_path_) + read_text_file(out_path_ + ".stderr");
  // The stat file: a header row of column names, then one row per dump; the
  // last row holds the final values. Fields are ';'-separated.
  std::istringstream in(read_text_file(stat_path_));
  std::string line, header, last;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    if (header.empty()) header = line;
    else last = line;
  }
  auto split = [](const std::string& s) {
    std::vector<std::string> out;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= s.size(); ++i) {
      if (i == s.size() || s[i] == ';') {
        out.push_back(s.substr(start, i - start));
        start = i + 1;
      }
    }
    return out;
  };
  if (!header.empty() && !last.empty()) {
    auto names = split(header);
    auto values = split(last);
    for (std::size_t i = 0; i < names.size() && i < values.size(); ++i) r.stats[names[i]] = values[i];
  }
  return r;
}

SipnicSummary stop_and_check(Sipnic& node) {
  SipnicSummary s = node.stop();
  std::string log = node.log();
  EXPECT_TRUE(node.exited_cleanly()) << "sipnic did not exit with 0 on SIGTERM; log:\n" << log;
  EXPECT_EQ(sanitizer_findings(log), "") << "sanitizer report in sipnic's log:\n" << log;
  EXPECT_TRUE(s.found) << "no summary line in sipnic's log:\n" << log;
  return s;
}

}  // namespace sipnic::test
