// The trunk-to-trunk B2BUA against sipp, end to end: a real `sipnic run` and
// real sipp peers on loopback, one test per behaviour. Each test has its own
// addresses (127.0.N.1 the node, .2 the caller on trunk `pbx`, .3 the callee on
// trunk `carrier`; N differs per test) and a free port for the node, so tests
// never meet each other or anything else running on the machine.
//
// A test passes only on the sipp side's verdict (its exit code and its stat
// counters: every call went through the scenario, every check in it held)
// AND sipnic's own summary line; sipnic must also stop cleanly and without a
// sanitizer report. Times in here are upper bounds only.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "interop/support/sipp_harness.h"

namespace sipnic::test {
namespace {

using namespace std::chrono_literals;

// The addresses of one test.
struct Net {
  std::string node, caller, callee, node_port_s;
  std::uint16_t node_port = 0;
  std::string node_hostport() const {
    return (node.find(':') != std::string::npos ? "[" + node + "]" : node) + ":" + node_port_s;
  }
};

Net net(int n) {
  Net x;
  std::string prefix = "127.0." + std::to_string(n) + ".";
  x.node = prefix + "1";
  x.caller = prefix + "2";
  x.callee = prefix + "3";
  x.node_port = free_port_on(x.node);
  x.node_port_s = std::to_string(x.node_port);
  return x;
}

std::string bracket(const std::string& ip) { return ip.find(':') != std::string::npos ? "[" + ip + "]" : ip; }

struct ConfigOptions {
  std::string transport = "udp";
  std::string carrier_transport;  // "" = as `transport`
  std::string caller_port = "5060";
  std::string callee_port = "5060";
  std::string carrier_extra;  // more lines for [trunk carrier]
  std::string timers;         // lines for [timers]
};

// Two trunks routed to each other, as the built-in config, on the test's own
// addresses. Two workers, so that calls cross workers.
std::string config_for(const Net& n, const ConfigOptions& o = {}) {
  std::string c;
  c += "[node]\nworkers = 2\nlog-level = info\n";
  c += "[listen]\nudp = " + n.node_hostport() + "\ntcp = " + n.node_hostport() + "\n";
  if (!o.timers.empty()) c += "[timers]\n" + o.timers;
  c += "[trunk pbx]\ntransport = " + o.transport + "\npeer = " + bracket(n.caller) + ":" + o.caller_port + "\n";
  c += "[trunk carrier]\ntransport = " + (o.carrier_transport.empty() ? o.transport : o.carrier_transport) +
       "\npeer = " + bracket(n.callee) + ":" + o.callee_port +
       "\n" + o.carrier_extra;
  c += "[route pbx-out]\nfrom-trunk = pbx\nto-trunk = carrier\n";
  c += "[route carrier-in]\nfrom-trunk = carrier\nto-trunk = pbx\n";
  return c;
}

// sipp arguments for a peer at ip:port (IPv6 too).
std::vector<std::string> peer_args(const std::string& scenario_path, const std::string& ip,
                                   const std::string& port, std::vector<std::string> more = {}) {
  std::vector<std::string> a = {"-sf", scenario_path, "-i", ip, "-p", port};
  a.insert(a.end(), more.begin(), more.end());
  return a;
}

// Stops the node and checks what every test needs of it: a clean exit, no
// sanitizer report, a summary line. Returns the summary.
SipnicSummary finish(Sipnic& node) { return stop_and_check(node); }

// Both sipp peers ran every call of their scenarios to the end: exit 0 and
// `calls` successful calls each; the labels say what each side checks.
void expect_every_call_completes(Sipp& uac, Sipp& uas, int calls, const std::string& uac_checks = "UAC",
                                 const std::string& uas_checks = "UAS") {
  SippResult c = uac.wait();
  SippResult s = uas.wait();
  EXPECT_EQ(c.exit_code, 0) << uac_checks << ": " << c.describe();
  EXPECT_EQ(c.successful(), calls) << uac_checks << ": " << c.describe();
  EXPECT_EQ(s.exit_code, 0) << uas_checks << ": " << s.describe();
  EXPECT_EQ(s.successful(), calls) << uas_checks << ": " << s.describe();
}

// Everything a basic test does: node up, UAS, UAC with `calls` calls at
// `rate`, all must complete; sipnic must count them answered.
void run_basic_calls(const Net& n, const ConfigOptions& opts, int calls, int rate, const std::string& tag,
                     std::vector<std::string> extra_sipp = {}) {
  TempDir dir(tag);
  Sipnic node(dir, config_for(n, opts));
  ASSERT_EQ(node.wait_ready(), "");
  std::string m = std::to_string(calls);
  std::vector<std::string> uas_more = {"-m", m, "-recv_timeout", "20000"};
  uas_more.insert(uas_more.end(), extra_sipp.begin(), extra_sipp.end());
  Sipp uas(dir, "uas", peer_args(scenario(dir, "uas_call.xml", {{"ON_INVITE", ""}}), n.callee, opts.callee_port, uas_more),
           90s);
  std::vector<std::string> uac_more = {n.node_hostport(), "-m", m, "-r", std::to_string(rate), "-recv_timeout",
                                       "20000"};
  uac_more.insert(uac_more.end(), extra_sipp.begin(), extra_sipp.end());
  Sipp uac(dir, "uac",
           peer_args(scenario(dir, "uac_call.xml", {{"ON_200", ""}, {"PAUSE_MS", "0"}}), n.caller, opts.caller_port,
                     uac_more),
           90s);
  SippResult c = uac.wait();
  SippResult s = uas.wait();
  EXPECT_EQ(c.exit_code, 0) << "UAC: " << c.describe();
  EXPECT_EQ(c.successful(), calls) << "UAC: " << c.describe();
  EXPECT_EQ(c.failed(), 0) << "UAC: " << c.describe();
  EXPECT_EQ(s.exit_code, 0) << "UAS: " << s.describe();
  EXPECT_EQ(s.successful(), calls) << "UAS: " << s.describe();
  // The running node's own view (sipnic status --json) says the same.
  auto status = nlohmann::json::parse(node.status_json());
  EXPECT_EQ(status["calls"]["started"], calls) << status.dump();
  EXPECT_EQ(status["calls"]["answered"], calls) << status.dump();
  EXPECT_EQ(status["calls"]["active"], 0) << status.dump();
  EXPECT_EQ(status["trunks"][1]["name"], "carrier");
  EXPECT_EQ(status["trunks"][1]["calls_started"], calls) << status.dump();
  SipnicSummary sum = finish(node);
  EXPECT_EQ(sum.started, calls) << sum.line;
  EXPECT_EQ(sum.answered, calls) << sum.line;
  EXPECT_EQ(sum.failed, 0) << sum.line;
  EXPECT_EQ(sum.refused, 0) << sum.line;
  EXPECT_NE(sum.line.find("messages in " + std::to_string(status["messages"]["received"].get<long>()) + ", out " +
                          std::to_string(status["messages"]["sent"].get<long>())),
            std::string::npos)
      << "nothing moved after the status, so the summary repeats its figures: " << sum.line << "\n"
      << status.dump();
}

// The harness's own parsers: if these broke, every check on sipnic's summary
// or its sanitizer output below would pass or fail for the wrong reason.
TEST(SippHarness, ParsesTheSummaryLineAndSanitizerReports) {
  SipnicSummary s = parse_sipnic_summary(
      "2026-01-01T00:00:00.000Z info run: calls started 1, answered 1, failed 0, refused 0; x\n"
      "2026-01-01T00:00:01.000Z info run: calls started 12, answered 9, failed 2, refused 3; messages in 5\n");
  EXPECT_TRUE(s.found);
  EXPECT_EQ(s.started, 12);
  EXPECT_EQ(s.answered, 9);
  EXPECT_EQ(s.failed, 2);
  EXPECT_EQ(s.refused, 3);
  EXPECT_FALSE(parse_sipnic_summary("info run: stopping on SIGTERM\n").found);
  EXPECT_EQ(sanitizer_findings("info run: all fine\n"), "");
  EXPECT_NE(sanitizer_findings("==1==ERROR: AddressSanitizer: heap-use-after-free on address\n"), "");
  EXPECT_NE(sanitizer_findings("b2bua.cpp:10:5: runtime error: signed integer overflow\n"), "");
  EXPECT_NE(sanitizer_findings("==1==ERROR: LeakSanitizer: detected memory leaks\n"), "");
}

// The dialog flows run over UDP and over TCP (both trunks and both sipps);
// each transport has its own addresses (TCP: 127.0.N+20.x).
class B2buaFlow : public ::testing::TestWithParam<std::string> {
 protected:
  bool tcp() const { return GetParam() == "tcp"; }
  Net flow_net(int n) const { return net(tcp() ? n + 20 : n); }
  ConfigOptions flow_config(ConfigOptions o = {}) const {
    o.transport = GetParam();
    return o;
  }
  std::string tag(const std::string& t) const { return t + "-" + GetParam(); }
  // Addresses for the flows of requests other than calls: 127.0.N.x over
  // UDP, 127.0.N+100.x over TCP.
  Net request_net(int n) const { return net(tcp() ? n + 100 : n); }
  // sipp arguments with the test's transport (-t t1: TCP, one connection per call).
  std::vector<std::string> peer_args(const std::string& scenario_path, const std::string& ip, const std::string& port,
                                     std::vector<std::string> more = {}) const {
    if (tcp()) more.insert(more.begin(), {"-t", "t1"});
    return test::peer_args(scenario_path, ip, port, std::move(more));
  }
};

INSTANTIATE_TEST_SUITE_P(Transport, B2buaFlow, ::testing::Values("udp", "tcp"),
                         [](const ::testing::TestParamInfo<std::string>& i) { return i.param; });

TEST(B2buaSipp, UdpCallsAllAnsweredNoneFailed) {
  run_basic_calls(net(10), {}, 300, 50, "b2bua-udp");
}

TEST(B2buaSipp, TcpCallsAllAnsweredNoneFailed) {
  ConfigOptions o;
  o.transport = "tcp";
  run_basic_calls(net(11), o, 300, 50, "b2bua-tcp", {"-t", "t1"});
}

TEST(B2buaSipp, UdpCallerToTcpCalleeCallsAllAnswered) {
  // Transport interworking: the PBX trunk is UDP, the carrier trunk TCP.
  Net n = net(21);
  TempDir dir("b2bua-udp-tcp");
  ConfigOptions o;
  o.carrier_transport = "tcp";
  Sipnic node(dir, config_for(n, o));
  ASSERT_EQ(node.wait_ready(), "");
  const int calls = 20;
  std::string m = std::to_string(calls);
  Sipp uas(dir, "uas",
           peer_args(scenario(dir, "uas_reinvite.xml"), n.callee, "5060", {"-t", "t1", "-m", m, "-recv_timeout", "15000"}),
           60s);
  Sipp uac(dir, "uac",
           peer_args(scenario(dir, "uac_reinvite.xml"), n.caller, "5060",
                     {n.node_hostport(), "-m", m, "-r", "20", "-recv_timeout", "15000"}),
           60s);
  expect_every_call_completes(uac, uas, calls, "UAC (udp)", "UAS (tcp)");
  SipnicSummary sum = finish(node);
  EXPECT_EQ(sum.answered, calls) << sum.line;
}

TEST(B2buaSipp, Ipv6UdpCallsAllAnswered) {
  // Only one IPv6 loopback address: both trunks are ::1, told apart by port
  // for sending; inbound INVITEs from ::1 are `pbx`'s (first in the file).
  Net n;
  n.node = n.caller = n.callee = "::1";
  n.node_port = free_port_on("::1");
  n.node_port_s = std::to_string(n.node_port);
  ConfigOptions o;
  o.caller_port = std::to_string(free_port_on("::1"));
  do o.callee_port = std::to_string(free_port_on("::1"));
  while (o.callee_port == o.caller_port || o.callee_port == n.node_port_s);
  run_basic_calls(n, o, 50, 25, "b2bua-ipv6");
}

TEST_P(B2buaFlow, CancelBeforeAnswerGets200And487AndCancelsTheFarEnd) {
  Net n = flow_net(12);
  TempDir dir(tag("b2bua-cancel"));
  Sipnic node(dir, config_for(n, flow_config()));
  ASSERT_EQ(node.wait_ready(), "");
  const int calls = 10;
  std::string m = std::to_string(calls);
  Sipp uas(dir, "uas",
           peer_args(scenario(dir, "uas_ring_until_cancel.xml"), n.callee, "5060", {"-m", m, "-recv_timeout", "15000"}),
           60s);
  Sipp uac(dir, "uac",
           peer_args(scenario(dir, "uac_cancel.xml"), n.caller, "5060",
                     {n.node_hostport(), "-m", m, "-r", "10", "-recv_timeout", "15000"}),
           60s);
  SippResult c = uac.wait();
  SippResult s = uas.wait();
  // The caller got 180, 200 for its CANCEL, 487 for the INVITE; the callee
  // got a CANCEL for each call (its scenario waits for it).
  EXPECT_EQ(c.exit_code, 0) << "UAC: " << c.describe();
  EXPECT_EQ(c.successful(), calls) << "UAC: " << c.describe();
  EXPECT_EQ(s.exit_code, 0) << "UAS: " << s.describe();
  EXPECT_EQ(s.successful(), calls) << "UAS: " << s.describe();
  SipnicSummary sum = finish(node);
  EXPECT_EQ(sum.started, calls) << sum.line;
  EXPECT_EQ(sum.answered, 0) << sum.line;
}

TEST_P(B2buaFlow, AnswerCrossingCancelIsAckedAndHungUp) {
  // The callee's 200 crosses sipnic's CANCEL: the caller still gets 487 (its
  // CANCEL won), and the callee's call is ACKed and ended with a BYE.
  Net n = flow_net(9);
  TempDir dir(tag("b2bua-cancel-race"));
  Sipnic node(dir, config_for(n, flow_config()));
  ASSERT_EQ(node.wait_ready(), "");
  const int calls = 5;
  std::string m = std::to_string(calls);
  Sipp uas(dir, "uas",
           peer_args(scenario(dir, "uas_answer_despite_cancel.xml"), n.callee, "5060",
                     {"-m", m, "-recv_timeout", "15000"}),
           60s);
  Sipp uac(dir, "uac",
           peer_args(scenario(dir, "uac_cancel.xml"), n.caller, "5060",
                     {n.node_hostport(), "-m", m, "-r", "10", "-recv_timeout", "15000"}),
           60s);
  expect_every_call_completes(uac, uas, calls, "UAC", "UAS (must get ACK and BYE for its 200)");
  SipnicSummary sum = finish(node);
  EXPECT_EQ(sum.started, calls) << sum.line;
  EXPECT_EQ(sum.answered, 0) << sum.line;
}

TEST_P(B2buaFlow, BusyFromFarEndRelayedToCaller) {
  Net n = flow_net(13);
  TempDir dir(tag("b2bua-busy"));
  Sipnic node(dir, config_for(n, flow_config()));
  ASSERT_EQ(node.wait_ready(), "");
  const int calls = 10;
  std::string m = std::to_string(calls);
  Sipp uas(dir, "uas",
           peer_args(scenario(dir, "uas_final.xml", {{"STATUS", "486"}, {"REASON", "Busy Here"}}), n.callee, "5060",
                     {"-m", m, "-recv_timeout", "15000"}),
           60s);
  Sipp uac(dir, "uac",
           peer_args(scenario(dir, "uac_final.xml", {{"HEADERS", ""}, {"STATUS", "486"}, {"ON_FINAL", ""}}), n.caller, "5060",
                     {n.node_hostport(), "-m", m, "-r", "10", "-recv_timeout", "15000"}),
           60s);
  SippResult c = uac.wait();
  SippResult s = uas.wait();
  EXPECT_EQ(c.exit_code, 0) << "UAC: " << c.describe();
  EXPECT_EQ(c.successful(), calls) << "UAC: " << c.describe();
  EXPECT_EQ(s.exit_code, 0) << "UAS: " << s.describe();  // it got the ACK for each 486
  EXPECT_EQ(s.successful(), calls) << "UAS: " << s.describe();
  SipnicSummary sum = finish(node);
  EXPECT_EQ(sum.started, calls) << sum.line;
  EXPECT_EQ(sum.answered, 0) << sum.line;
  EXPECT_EQ(sum.failed, calls) << sum.line;
}

TEST_P(B2buaFlow, RingingWithoutAnswerEndsAt408OnTimerCAndCancelsTheFarEnd) {
  Net n = flow_net(14);
  TempDir dir(tag("b2bua-timer-c"));
  ConfigOptions o;
  o.timers = "timer-c = 3000\n";
  Sipnic node(dir, config_for(n, flow_config(o)));
  ASSERT_EQ(node.wait_ready(), "");
  const int calls = 5;
  std::string m = std::to_string(calls);
  Sipp uas(dir, "uas",
           peer_args(scenario(dir, "uas_ring_until_cancel.xml"), n.callee, "5060", {"-m", m, "-recv_timeout", "20000"}),
           60s);
  Sipp uac(dir, "uac",
           peer_args(scenario(dir, "uac_final.xml", {{"HEADERS", ""}, {"STATUS", "408"}, {"ON_FINAL", ""}}), n.caller, "5060",
                     {n.node_hostport(), "-m", m, "-r", "10", "-recv_timeout", "20000"}),
           60s);
  expect_every_call_completes(uac, uas, calls, "UAC", "UAS (must see a CANCEL per call)");
  SipnicSummary sum = finish(node);
  EXPECT_EQ(sum.failed, calls) << sum.line;
  EXPECT_NE(node.log().find("within timer C"), std::string::npos) << node.log();
}

TEST(B2buaSipp, SilentFarEndEndsAt408AfterTransactionTimeout) {
  // Nobody at the callee's address: Timer B (64*T1, T1 = 100 ms) ends the
  // outbound INVITE and the caller gets 408.
  Net n = net(15);
  TempDir dir("b2bua-silent");
  ConfigOptions o;
  o.timers = "t1 = 100\n";
  Sipnic node(dir, config_for(n, o));
  ASSERT_EQ(node.wait_ready(), "");
  const int calls = 3;
  std::string m = std::to_string(calls);
  Sipp uac(dir, "uac",
           peer_args(scenario(dir, "uac_final.xml", {{"HEADERS", ""}, {"STATUS", "408"}, {"ON_FINAL", ""}}), n.caller, "5060",
                     {n.node_hostport(), "-m", m, "-r", "10", "-recv_timeout", "30000"}),
           60s);
  SippResult c = uac.wait();
  EXPECT_EQ(c.exit_code, 0) << "UAC: " << c.describe();
  EXPECT_EQ(c.successful(), calls) << "UAC: " << c.describe();
  SipnicSummary sum = finish(node);
  EXPECT_EQ(sum.started, calls) << sum.line;
  EXPECT_EQ(sum.failed, calls) << sum.line;
}

TEST(B2buaSipp, TrunkDownByOptionsRefusesCallsWith503AndRetryAfterUntilItIsUpAgain) {
  // The carrier answers no OPTIONS (nobody there); after the first ping times
  // out (64*T1 = 6.4 s) the trunk is down and INVITEs to it get 503 at once.
  Net n = net(16);
  TempDir dir("b2bua-trunk-down");
  ConfigOptions o;
  o.timers = "t1 = 100\n";
  o.carrier_extra = "options-interval = 1000\n";
  Sipnic node(dir, config_for(n, o));
  ASSERT_EQ(node.wait_ready(), "");
  ASSERT_TRUE(node.wait_for_log("trunk carrier is down", 30s)) << node.log();
  const int calls = 3;
  std::string m = std::to_string(calls);
  std::string retry_after_check =
      "    <action>\n"
      "      <ereg regexp=\"^ *[0-9]+\" search_in=\"hdr\" header=\"Retry-After:\" check_it=\"true\" "
      "assign_to=\"check\"/>\n"
      "      <assignstr assign_to=\"check\" value=\"ok\"/>\n"
      "    </action>";
  Sipp uac(dir, "uac",
           peer_args(scenario(dir, "uac_final.xml", {{"HEADERS", ""}, {"STATUS", "503"}, {"ON_FINAL", retry_after_check}}), n.caller,
                     "5060", {n.node_hostport(), "-m", m, "-r", "10", "-recv_timeout", "15000"}),
           60s);
  SippResult c = uac.wait();
  EXPECT_EQ(c.exit_code, 0) << "UAC: " << c.describe();
  EXPECT_EQ(c.successful(), calls) << "UAC: " << c.describe();

  // The carrier comes back and answers OPTIONS: the next ping marks the
  // trunk up and calls go through again.
  Sipp uas(dir, "uas",
           peer_args(scenario(dir, "uas_call_or_options.xml"), n.callee, "5060", {"-recv_timeout", "15000"}), 60s);
  ASSERT_TRUE(node.wait_for_log("trunk carrier is up", 30s)) << node.log();
  Sipp uac2(dir, "uac-up",
            peer_args(scenario(dir, "uac_call.xml", {{"ON_200", ""}, {"PAUSE_MS", "0"}}), n.caller, "5060",
                      {n.node_hostport(), "-m", m, "-r", "10", "-recv_timeout", "15000"}),
            60s);
  SippResult c2 = uac2.wait();
  EXPECT_EQ(c2.exit_code, 0) << "UAC after recovery: " << c2.describe();
  EXPECT_EQ(c2.successful(), calls) << "UAC after recovery: " << c2.describe();
  SippResult s = uas.stop();
  EXPECT_EQ(s.failed(), 0) << "UAS: " << s.describe();
  EXPECT_EQ(s.generic("invites"), calls) << "UAS: " << s.describe();
  SipnicSummary sum = finish(node);
  EXPECT_EQ(sum.refused, calls) << sum.line;
  EXPECT_EQ(sum.answered, calls) << sum.line;
}

TEST_P(B2buaFlow, MaxCallsOnTargetTrunkRefusesTheExcessWith503) {
  Net n = flow_net(17);
  TempDir dir(tag("b2bua-max-calls"));
  ConfigOptions o;
  o.carrier_extra = "max-calls = 5\n";
  Sipnic node(dir, config_for(n, flow_config(o)));
  ASSERT_EQ(node.wait_ready(), "");
  Sipp uas(dir, "uas",
           peer_args(scenario(dir, "uas_call.xml", {{"ON_INVITE", ""}}), n.callee, "5060",
                     {"-m", "10", "-recv_timeout", "20000"}),
           60s);
  {
    // 8 calls, all started within a fraction of a second and each held 3 s:
    // the first 5 take the trunk's slots, the other 3 are refused.
    Sipp uac(dir, "uac-burst",
             peer_args(scenario(dir, "uac_call_or_503.xml", {{"PAUSE_MS", "3000"}}), n.caller, "5060",
                       {n.node_hostport(), "-m", "8", "-r", "50", "-recv_timeout", "15000"}),
             60s);
    SippResult c = uac.wait();
    EXPECT_EQ(c.exit_code, 0) << "UAC: " << c.describe();
    EXPECT_EQ(c.successful(), 8) << "UAC: " << c.describe();
    EXPECT_EQ(c.generic("answered"), 5) << "UAC: " << c.describe();
    EXPECT_EQ(c.generic("refused"), 3) << "UAC: " << c.describe();
  }
  {
    // The slots come back when calls end: 5 more calls all go through.
    Sipp uac(dir, "uac-after",
             peer_args(scenario(dir, "uac_call.xml", {{"ON_200", ""}, {"PAUSE_MS", "0"}}), n.caller, "5060",
                       {n.node_hostport(), "-m", "5", "-r", "50", "-recv_timeout", "15000"}),
             60s);
    SippResult c = uac.wait();
    EXPECT_EQ(c.exit_code, 0) << "UAC: " << c.describe();
    EXPECT_EQ(c.successful(), 5) << "UAC: " << c.describe();
  }
  SippResult s = uas.wait();
  EXPECT_EQ(s.exit_code, 0) << "UAS: " << s.describe();
  EXPECT_EQ(s.successful(), 10) << "UAS: " << s.describe();
  SipnicSummary sum = finish(node);
  EXPECT_EQ(sum.refused, 3) << sum.line;
  EXPECT_EQ(sum.answered, 10) << sum.line;
}

TEST_P(B2buaFlow, TopologyHidingNoCallerAddressOrCallIdReachesTheCallee) {
  Net n = flow_net(18);
  TempDir dir(tag("b2bua-topology"));
  Sipnic node(dir, config_for(n, flow_config()));
  ASSERT_EQ(node.wait_ready(), "");
  const int calls = 5;
  std::string m = std::to_string(calls);
  // Media addresses of their own (SDP is passed through, by design), so the
  // signalling addresses must appear nowhere on the other side.
  const std::string caller_media = "127.0.18.9", callee_media = "127.0.18.8";
  std::string on_invite = sipp_checks({
      {escape_dots(n.caller), "msg", false},        // caller's address: not in any header or the body
      {"tophide", "msg", false},                    // caller's Call-ID: nowhere
      {"tophide", "Call-ID:", false},               // ... in particular not as the Call-ID
      {"caller\\.invalid", "msg", false},
      {"SIPpTag00", "msg", false},                  // caller's From tag
      {"z9hG4bK-", "msg", false},                   // caller's Via branch (sipp's form)
      {"^ *[^ ]", "Call-ID:", true},                // there is a Call-ID
      {escape_dots(n.node), "Via:", true},          // the top Via is sipnic's
      {tcp() ? "SIP/2.0/TCP " : "SIP/2.0/UDP ", "Via:", true},  // over the trunk's transport
      {"c=IN IP4 " + escape_dots(caller_media), "body", true},  // the SDP came through
  });
  std::string on_200 = sipp_checks({
      {escape_dots(n.callee), "msg", false},  // callee's address: nowhere
      {"SIPpTag01", "msg", false},            // callee's To tag
      {"callee@", "msg", false},              // callee's Contact
      {"tophide-", "Call-ID:", true},         // our own Call-ID back
      {"c=IN IP4 " + escape_dots(callee_media), "body", true},
  });
  Sipp uas(dir, "uas",
           peer_args(scenario(dir, "uas_call.xml", {{"ON_INVITE", on_invite}}), n.callee, "5060",
                     {"-m", m, "-mi", callee_media, "-recv_timeout", "15000"}),
           60s);
  Sipp uac(dir, "uac",
           peer_args(scenario(dir, "uac_call.xml", {{"ON_200", on_200}, {"PAUSE_MS", "0"}}), n.caller, "5060",
                     {n.node_hostport(), "-m", m, "-r", "10", "-mi", caller_media, "-cid_str",
                      "tophide-%u-%p@caller.invalid", "-recv_timeout", "15000"}),
           60s);
  expect_every_call_completes(uac, uas, calls, "UAC", "UAS (checks on the INVITE)");
  SipnicSummary sum = finish(node);
  EXPECT_EQ(sum.answered, calls) << sum.line;
}

TEST_P(B2buaFlow, ByeFromCalleeRelayedToCaller) {
  Net n = flow_net(19);
  TempDir dir(tag("b2bua-callee-bye"));
  Sipnic node(dir, config_for(n, flow_config()));
  ASSERT_EQ(node.wait_ready(), "");
  const int calls = 5;
  std::string m = std::to_string(calls);
  Sipp uas(dir, "uas",
           peer_args(scenario(dir, "uas_hangs_up.xml", {{"PAUSE_MS", "300"}}), n.callee, "5060",
                     {"-m", m, "-recv_timeout", "15000"}),
           60s);
  Sipp uac(dir, "uac",
           peer_args(scenario(dir, "uac_callee_hangs_up.xml"), n.caller, "5060",
                     {n.node_hostport(), "-m", m, "-r", "10", "-recv_timeout", "15000"}),
           60s);
  expect_every_call_completes(uac, uas, calls, "UAC (must get the BYE)", "UAS (its BYE must get 200)");
  SipnicSummary sum = finish(node);
  EXPECT_EQ(sum.answered, calls) << sum.line;
}

TEST_P(B2buaFlow, ReInviteRelayedBothWaysWithItsSdp) {
  Net n = flow_net(20);
  TempDir dir(tag("b2bua-reinvite"));
  Sipnic node(dir, config_for(n, flow_config()));
  ASSERT_EQ(node.wait_ready(), "");
  const int calls = 5;
  std::string m = std::to_string(calls);
  Sipp uas(dir, "uas",
           peer_args(scenario(dir, "uas_reinvite.xml"), n.callee, "5060", {"-m", m, "-recv_timeout", "15000"}), 60s);
  Sipp uac(dir, "uac",
           peer_args(scenario(dir, "uac_reinvite.xml"), n.caller, "5060",
                     {n.node_hostport(), "-m", m, "-r", "10", "-recv_timeout", "15000"}),
           60s);
  expect_every_call_completes(uac, uas, calls);
  SipnicSummary sum = finish(node);
  EXPECT_EQ(sum.answered, calls) << sum.line;
}

TEST_P(B2buaFlow, UpdateAndInfoRelayedInTheDialogWithTheirBodies) {
  Net n = flow_net(21);
  TempDir dir(tag("b2bua-update-info"));
  Sipnic node(dir, config_for(n, flow_config()));
  ASSERT_EQ(node.wait_ready(), "");
  const int calls = 5;
  std::string m = std::to_string(calls);
  Sipp uas(dir, "uas",
           peer_args(scenario(dir, "uas_update_info.xml"), n.callee, "5060", {"-m", m, "-recv_timeout", "15000"}),
           60s);
  Sipp uac(dir, "uac",
           peer_args(scenario(dir, "uac_update_info.xml"), n.caller, "5060",
                     {n.node_hostport(), "-m", m, "-r", "10", "-recv_timeout", "15000"}),
           60s);
  expect_every_call_completes(uac, uas, calls);
  SipnicSummary sum = finish(node);
  EXPECT_EQ(sum.answered, calls) << sum.line;
}

TEST_P(B2buaFlow, FailureFromTheFarEndIsRelayedAsTheTrunkMapsIt) {
  Net n = flow_net(22);
  TempDir dir(tag("b2bua-map"));
  ConfigOptions o;
  o.carrier_extra = "map-response = 486:600\n";
  Sipnic node(dir, config_for(n, flow_config(o)));
  ASSERT_EQ(node.wait_ready(), "");
  const int calls = 5;
  std::string m = std::to_string(calls);
  Sipp uas(dir, "uas",
           peer_args(scenario(dir, "uas_final.xml", {{"STATUS", "486"}, {"REASON", "Busy Here"}}), n.callee, "5060",
                     {"-m", m, "-recv_timeout", "15000"}),
           60s);
  Sipp uac(dir, "uac",
           peer_args(scenario(dir, "uac_final.xml", {{"HEADERS", ""}, {"STATUS", "600"}, {"ON_FINAL", ""}}), n.caller, "5060",
                     {n.node_hostport(), "-m", m, "-r", "10", "-recv_timeout", "15000"}),
           60s);
  SippResult c = uac.wait();
  SippResult s = uas.wait();
  EXPECT_EQ(c.exit_code, 0) << "UAC (must get 600 for the far end's 486): " << c.describe();
  EXPECT_EQ(c.successful(), calls) << "UAC: " << c.describe();
  EXPECT_EQ(s.successful(), calls) << "UAS: " << s.describe();
  SipnicSummary sum = finish(node);
  EXPECT_EQ(sum.failed, calls) << sum.line;
}

// ---- requests other than calls ---------------------------------------------------

// RFC 3428: instant messages relayed out of any dialog, as requests of
// sipnic's own on the far side, nothing of the sender's side on them.
TEST_P(B2buaFlow, MessagesRelayedWithTheirBodiesAndAnswered) {
  Net n = request_net(50);
  TempDir dir(tag("b2bua-message"));
  Sipnic node(dir, config_for(n, flow_config()));
  ASSERT_EQ(node.wait_ready(), "");
  const int messages = 5;
  std::string m = std::to_string(messages);
  std::string checks = sipp_checks({
      {escape_dots(n.caller), "msg", false},  // the sender's address: nowhere
      {"InsidePBX", "msg", false},            // its User-Agent: dropped
      {"SIPpTag00", "msg", false},            // its From tag
      {"^ *.Alice. .sip:1000@" + escape_dots(n.node), "From:", true},  // (no < or " in a sipp attribute)
      {"lunch at one\\? \\(message [0-9]+\\)", "body", true},
      {"text/plain", "Content-Type:", true},
  });
  Sipp uas(dir, "uas",
           peer_args(scenario(dir, "uas_message.xml", {{"CHECKS", checks}}), n.callee, "5060",
                     {"-m", m, "-recv_timeout", "15000"}),
           60s);
  Sipp uac(dir, "uac",
           peer_args(scenario(dir, "uac_message.xml"), n.caller, "5060",
                     {n.node_hostport(), "-m", m, "-r", "10", "-recv_timeout", "15000"}),
           60s);
  expect_every_call_completes(uac, uas, messages, "UAC", "UAS (checks on the MESSAGE)");
  SipnicSummary sum = finish(node);
  EXPECT_EQ(sum.started, 0) << "a MESSAGE is no call: " << sum.line;
}

// RFC 3903: a publication and its refresh; the entity tag the compositor
// gives crosses back, and the refresh's SIP-If-Match crosses forward.
TEST_P(B2buaFlow, PublishAndItsRefreshKeepTheirEntityTagsAndExpires) {
  Net n = request_net(51);
  TempDir dir(tag("b2bua-publish"));
  Sipnic node(dir, config_for(n, flow_config()));
  ASSERT_EQ(node.wait_ready(), "");
  const int publications = 5;
  Sipp uas(dir, "uas",
           peer_args(scenario(dir, "uas_publish.xml"), n.callee, "5060",
                     {"-m", std::to_string(2 * publications), "-recv_timeout", "15000"}),
           60s);
  Sipp uac(dir, "uac",
           peer_args(scenario(dir, "uac_publish.xml"), n.caller, "5060",
                     {n.node_hostport(), "-m", std::to_string(publications), "-r", "10", "-recv_timeout", "15000"}),
           60s);
  SippResult c = uac.wait();
  SippResult s = uas.wait();
  EXPECT_EQ(c.exit_code, 0) << "UAC (SIP-ETag and Expires on the 200): " << c.describe();
  EXPECT_EQ(c.successful(), publications) << "UAC: " << c.describe();
  EXPECT_EQ(s.exit_code, 0) << "UAS (Event, Expires, body or SIP-If-Match): " << s.describe();
  EXPECT_EQ(s.successful(), 2 * publications) << "UAS: " << s.describe();
  finish(node);
}

// RFC 6665: a presence subscription across the trunks: its NOTIFYs (PIDF)
// reach the watcher in its own dialog, and the unsubscribe ends it.
TEST_P(B2buaFlow, SubscriptionNotifiesTheWatcherAndEndsOnUnsubscribe) {
  Net n = request_net(52);
  TempDir dir(tag("b2bua-subscribe"));
  Sipnic node(dir, config_for(n, flow_config()));
  ASSERT_EQ(node.wait_ready(), "");
  const int subscriptions = 5;
  std::string m = std::to_string(subscriptions);
  std::string on_notify = sipp_checks({
      {"^ *presence", "Event:", true},
      {"^ *active;expires=60", "Subscription-State:", true},
      {"<basic>open</basic>", "body", true},
      {"SIPpTag00[0-9]+", "To:", true},        // the watcher's own dialog
      {escape_dots(n.callee), "msg", false},  // nothing of the notifier's side
      {"SIPpTag01", "msg", false},
  });
  Sipp uas(dir, "uas",
           peer_args(scenario(dir, "uas_subscribe.xml"), n.callee, "5060", {"-m", m, "-recv_timeout", "15000"}), 60s);
  Sipp uac(dir, "uac",
           peer_args(scenario(dir, "uac_subscribe.xml", {{"CHECKS", on_notify}}), n.caller, "5060",
                     {n.node_hostport(), "-m", m, "-r", "10", "-recv_timeout", "15000"}),
           60s);
  expect_every_call_completes(uac, uas, subscriptions, "UAC (the watcher)", "UAS (the notifier)");
  finish(node);
}

// RFC 3515: a blind transfer in a call. The transferee is told to reach the
// target through sipnic (no address of the transferor's side), and its
// NOTIFY reaches the transferor in the call's dialog.
TEST_P(B2buaFlow, ReferReachesTheTransfereeThroughSipnicAndItsNotifyComesBack) {
  Net n = request_net(53);
  TempDir dir(tag("b2bua-refer"));
  Sipnic node(dir, config_for(n, flow_config()));
  ASSERT_EQ(node.wait_ready(), "");
  const int calls = 5;
  std::string m = std::to_string(calls);
  std::string on_refer = sipp_checks({
      {escape_dots(n.caller), "msg", false},  // the transferor's side: nowhere
      {"^ *.sip:\\+441999@" + escape_dots(n.node) + ";user=phone.$", "Refer-To:", true},  // (no < in sipp XML)
      {"^ *.sip:1000@" + escape_dots(n.node) + ".$", "Referred-By:", true},
  });
  Sipp uas(dir, "uas",
           peer_args(scenario(dir, "uas_refer.xml", {{"CHECKS", on_refer}}), n.callee, "5060",
                     {"-m", m, "-recv_timeout", "15000"}),
           60s);
  Sipp uac(dir, "uac",
           peer_args(scenario(dir, "uac_refer.xml"), n.caller, "5060",
                     {n.node_hostport(), "-m", m, "-r", "10", "-recv_timeout", "15000"}),
           60s);
  expect_every_call_completes(uac, uas, calls, "UAC (the transferor)", "UAS (checks on the REFER)");
  SipnicSummary sum = finish(node);
  EXPECT_EQ(sum.answered, calls) << sum.line;
}

// RFC 4458: a PBX's call forwarding on busy sends the call on with
// ;target and ;cause in the Request-URI; a route on them takes it to the
// voicemail platform's trunk, which gets both (the target with sipnic's host).
TEST(B2buaSipp, RetargetedCallsReachTheVoicemailTrunkWithTargetAndCause) {
  Net n = net(54);
  const std::string voicemail = "127.0.54.4";
  TempDir dir("b2bua-rfc4458");
  std::string config = config_for(n);
  config += "[trunk voicemail]\ntransport = udp\npeer = " + voicemail + ":5060\n";
  // Before the routes config_for wrote: the first match wins.
  config.insert(config.find("[route pbx-out]"),
                "[route busy-to-voicemail]\nfrom-trunk = pbx\nmatch-param = target\nmatch-param = cause=486\n"
                "to-trunk = voicemail\n");
  Sipnic node(dir, config);
  ASSERT_EQ(node.wait_ready(), "");
  const int calls = 5;
  std::string m = std::to_string(calls);
  std::string on_invite = sipp_checks({
      {";target=sip:\\+441000%40" + escape_dots(n.node) + ";cause=486 SIP/2.0", "msg", true},
      {escape_dots(n.caller), "msg", false},  // (the SDP is passed through: media on an address of its own)
  });
  Sipp uas(dir, "uas", peer_args(scenario(dir, "uas_call.xml", {{"ON_INVITE", on_invite}}), voicemail, "5060",
                                 {"-m", m, "-recv_timeout", "15000"}),
           60s);
  Sipp uac(dir, "uac",
           peer_args(scenario(dir, "uac_call_with.xml",
                              {{"URI_PARAMS", ";target=sip:%2B441000%40" + n.caller + ";cause=486"}, {"HEADERS", ""}}),
                     n.caller, "5060",
                     {n.node_hostport(), "-m", m, "-r", "10", "-mi", "127.0.54.9", "-recv_timeout", "15000"}),
           60s);
  expect_every_call_completes(uac, uas, calls, "UAC", "UAS (voicemail: checks on the INVITE)");
  SipnicSummary sum = finish(node);
  EXPECT_EQ(sum.answered, calls) << sum.line;
}

// RFC 3261 §22 against sipp: the carrier challenges every call (401 or
// 407, MD5, qop=auth); sipnic answers with the trunk's credentials and the
// call goes through. sipp's own digest verifier (verifyauth) checks the 401
// answers; it reads Authorization only, so the 407 answers are checked for
// their form here (their value is computed the same way, and
// B2buaTest.TheAnswerToA401VerifiesAtTheChallenger checks it).
// The carrier trunk's digest credentials (user "sipnic", the password in a
// 0600 file of `dir`): the config lines.
std::string carrier_credentials(const TempDir& dir) {
  write_text_file(dir.file("carrier.password"), "carrier-s3cret\n");
  std::filesystem::permissions(dir.file("carrier.password"),
                               std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
                               std::filesystem::perm_options::replace);
  return "auth-username = sipnic\nauth-password-file = " + dir.file("carrier.password") + "\n";
}

class B2buaDigest : public ::testing::TestWithParam<std::string> {};

INSTANTIATE_TEST_SUITE_P(Challenge, B2buaDigest, ::testing::Values("401", "407"),
                         [](const ::testing::TestParamInfo<std::string>& i) { return "status" + i.param; });

TEST_P(B2buaDigest, ChallengesFromTheCarrierAreAnsweredWithCredentialsSippVerifies) {
  bool proxy = GetParam() == "407";
  Net n = net(proxy ? 58 : 57);
  TempDir dir("b2bua-digest-" + GetParam());
  ConfigOptions o;
  o.carrier_extra = carrier_credentials(dir);
  Sipnic node(dir, config_for(n, o));
  ASSERT_EQ(node.wait_ready(), "");
  const int calls = 5;
  std::string m = std::to_string(calls);
  Sipp uas(dir, "uas",
           peer_args(scenario(dir, "uas_challenge.xml",
                              {{"STATUS", GetParam()},
                               {"CHALLENGE_HEADER", proxy ? "Proxy-Authenticate" : "WWW-Authenticate"},
                               {"CREDENTIALS_HEADER", proxy ? "Proxy-Authorization" : "Authorization"},
                               {"VERIFY", proxy ? "      <ereg regexp=\"response=.[0-9a-f]{32}.\" search_in=\"hdr\" "
                                                  "header=\"Proxy-Authorization:\" assign_to=\"authvalid\"/>"
                                                : "      <verifyauth assign_to=\"authvalid\" username=\"sipnic\" "
                                                  "password=\"carrier-s3cret\"/>"}}),
                     n.callee, "5060", {"-m", m, "-recv_timeout", "15000"}),
           60s);
  Sipp uac(dir, "uac",
           peer_args(scenario(dir, "uac_call.xml", {{"ON_200", ""}, {"PAUSE_MS", "0"}}), n.caller, "5060",
                     {n.node_hostport(), "-m", m, "-r", "10", "-recv_timeout", "15000"}),
           60s);
  expect_every_call_completes(uac, uas, calls, "UAC", "UAS (sipp's verifyauth)");
  SipnicSummary sum = finish(node);
  EXPECT_EQ(sum.answered, calls) << sum.line;
  EXPECT_EQ(node.log().find("carrier-s3cret"), std::string::npos);  // never in a log
}

// The same carrier challenges requests within the call too: the relayed
// re-INVITE and BYE are sent again with credentials that sipp's verifyauth
// accepts, and the re-INVITE's ACK carries them; the caller sees none of
// it (its re-INVITE and BYE get their 200s).
TEST(B2buaDigestInDialog, ReInviteAndByeChallengedByTheCarrierAreAnsweredWithCredentialsSippVerifies) {
  Net n = net(56);
  TempDir dir("b2bua-digest-in-dialog");
  ConfigOptions o;
  o.carrier_extra = carrier_credentials(dir);
  Sipnic node(dir, config_for(n, o));
  ASSERT_EQ(node.wait_ready(), "");
  const int calls = 5;
  std::string m = std::to_string(calls);
  Sipp uas(dir, "uas",
           peer_args(scenario(dir, "uas_challenge_in_dialog.xml"), n.callee, "5060", {"-m", m, "-recv_timeout", "15000"}),
           60s);
  Sipp uac(dir, "uac",
           peer_args(scenario(dir, "uac_reinvite.xml"), n.caller, "5060",
                     {n.node_hostport(), "-m", m, "-r", "10", "-recv_timeout", "15000"}),
           60s);
  expect_every_call_completes(uac, uas, calls, "UAC", "UAS (sipp's verifyauth)");
  SipnicSummary sum = finish(node);
  EXPECT_EQ(sum.answered, calls) << sum.line;
  EXPECT_EQ(node.log().find("carrier-s3cret"), std::string::npos);  // never in a log
}

// ---- 100rel and session timers, per leg ------------------------------------------

// RFC 3262 both ways: the callee's reliable 183 with SDP is PRACKed by
// sipnic, and reaches the caller reliably (with sipnic's own RSeq), whose
// PRACK sipnic answers; the 200 follows it.
TEST_P(B2buaFlow, Reliable183WithSdpIsPrackedOnBothLegs) {
  Net n = request_net(59);
  TempDir dir(tag("b2bua-100rel"));
  Sipnic node(dir, config_for(n, flow_config()));
  ASSERT_EQ(node.wait_ready(), "");
  const int calls = 5;
  std::string m = std::to_string(calls);
  Sipp uas(dir, "uas",
           peer_args(scenario(dir, "uas_reliable_183.xml"), n.callee, "5060", {"-m", m, "-recv_timeout", "15000"}), 60s);
  Sipp uac(dir, "uac",
           peer_args(scenario(dir, "uac_prack_183.xml"), n.caller, "5060",
                     {n.node_hostport(), "-m", m, "-r", "10", "-recv_timeout", "15000"}),
           60s);
  expect_every_call_completes(uac, uas, calls, "UAC (reliable 183 from sipnic)", "UAS (sipnic's PRACK)");
  SipnicSummary sum = finish(node);
  EXPECT_EQ(sum.answered, calls) << sum.line;
}

// RFC 4028 per leg, on the wall clock (min-se is 90 s by RFC): the caller
// asks for a 90 s session it refreshes itself and never does; the callee
// makes sipnic its leg's refresher (refresher=uac). sipnic refreshes leg B
// by UPDATE at 45 s, and at 60 s (RFC 4028 §10) hangs up both legs for the
// caller's missing refresh.
TEST(B2buaSipp, SessionTimerRefreshedBySipnicOnOneLegAndMissedOnTheOtherEndsTheCall) {
  Net n = net(55);
  TempDir dir("b2bua-session-timer");
  Sipnic node(dir, config_for(n));
  ASSERT_EQ(node.wait_ready(), "");
  Sipp uas(dir, "uas",
           peer_args(scenario(dir, "uas_session_timer_wait.xml"), n.callee, "5060", {"-m", "1", "-recv_timeout", "90000"}),
           120s);
  Sipp uac(dir, "uac",
           peer_args(scenario(dir, "uac_session_timer_no_refresh.xml"), n.caller, "5060",
                     {n.node_hostport(), "-m", "1", "-recv_timeout", "90000"}),
           120s);
  expect_every_call_completes(uac, uas, 1, "UAC (BYE for its missing refresh)",
                              "UAS (sipnic's UPDATE refresh, then BYE)");
  SipnicSummary sum = finish(node);
  EXPECT_EQ(sum.answered, 1) << sum.line;
  EXPECT_NE(node.log().find("expired without a refresh"), std::string::npos) << node.log();
}

}  // namespace
}  // namespace sipnic::test
