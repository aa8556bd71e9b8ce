// sipnic behind a record-routing proxy: Debian's Kamailio with a stock-style
// config (record_route() on new requests, loose_route() for requests within
// a dialog and 404 for those without a Route, t_relay), in front of sipnic
// over mutual TLS; sipp on either side, over UDP. Calls in both directions
// with ACK and BYE, which reach their far end only when both UAs follow the
// route set: sipnic's 18x/2xx must carry the caller's Record-Route (RFC 3261
// §12.1.1), and sipnic's own ACK and BYE toward Kamailio must carry the route
// set of the callee's 2xx (§12.2.1.1).
//
// Addresses: 127.0.N.1 sipnic, .2 the pbx side (sipp, behind Kamailio), .3
// the carrier (sipp, straight to sipnic over UDP), .4 Kamailio; N per test.
// Certificates from `sipnic certs init` (node.sipnic.test for sipnic,
// kamailio.sipnic.test for Kamailio, one CA).
//
// A test passes on sipp's verdict on both sides AND sipnic's summary AND a
// Kamailio log without a refused in-dialog request. Times are upper bounds.
#include <gtest/gtest.h>

#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "interop/support/kamailio_harness.h"
#include "interop/support/sipp_harness.h"
#include "interop/support/tls_harness.h"

namespace sipnic::test {
namespace {

using namespace std::chrono_literals;

constexpr int kCalls = 20;

struct Net {
  std::string node, pbx, carrier, kamailio;
  std::uint16_t node_udp = 0, node_tls = 0, pbx_port = 0, carrier_port = 0, k_udp = 0, k_tls = 0;
};

Net net(int n) {
  std::string p = "127.0." + std::to_string(n) + ".";
  Net x{p + "1", p + "2", p + "3", p + "4"};
  x.node_udp = free_port_on(x.node);
  do x.node_tls = free_port_on(x.node);
  while (x.node_tls == x.node_udp);
  x.pbx_port = free_port_on(x.pbx);
  x.carrier_port = free_port_on(x.carrier);
  x.k_udp = free_port_on(x.kamailio);
  do x.k_tls = free_port_on(x.kamailio);
  while (x.k_tls == x.k_udp);
  return x;
}

// sipnic: trunk `edge` is Kamailio (mutual TLS, picked by its certificate),
// trunk `carrier` the sipp at .3 over UDP; routes between them.
std::string sipnic_config(const Net& n, const Pki& pki) {
  return "[node]\nworkers = 2\nlog-level = info\n"
         "[listen]\nudp = " + ip_port(n.node, n.node_udp) + "\ntls = " + ip_port(n.node, n.node_tls) + "\n"
         "[tls]\ncertificate = " + pki.file("node.crt") + "\nprivate-key = " + pki.file("node.key") +
         "\nca = " + pki.file("ca.crt") + "\nhandshake-rate = 0\n"
         "[trunk edge]\ntransport = tls\npeer = " + ip_port(n.kamailio, n.k_tls) +
         "\ntls-identity = kamailio.sipnic.test\n"
         "[trunk carrier]\ntransport = udp\npeer = " + ip_port(n.carrier, n.carrier_port) + "\n"
         "[route edge-out]\nfrom-trunk = edge\nto-trunk = carrier\n"
         "[route carrier-in]\nfrom-trunk = carrier\nto-trunk = edge\n";
}

// Kamailio's TLS: its certificate both as server and as client, the peer's
// certificate required and verified against the CA (mutual TLS).
std::string kamailio_tls_config(const Pki& pki) {
  std::string common = "method = TLSv1.2+\nverify_certificate = yes\nrequire_certificate = yes\nprivate_key = " +
                       pki.file("kamailio.key") + "\ncertificate = " + pki.file("kamailio.crt") +
                       "\nca_list = " + pki.file("ca.crt") + "\n";
  return "[server:default]\n" + common + "\n[client:default]\n" + common;
}

// The stock shape of kamailio.cfg's routing: requests within a dialog
// follow their Route (loose_route) or are refused; new requests are
// record-routed and relayed statefully. New requests that came over TLS
// (only sipnic speaks TLS to it) go to the pbx, the others to sipnic over
// TLS.
std::string kamailio_config(const Net& n) {
  return "#!KAMAILIO\n"
         "debug=2\nlog_stderror=yes\nchildren=2\ntcp_children=2\nauto_aliases=no\n"
         "dns=no\nrev_dns=no\nuse_dns_cache=off\nenable_tls=yes\n"
         "listen=udp:" + ip_port(n.kamailio, n.k_udp) + "\n"
         "listen=tls:" + ip_port(n.kamailio, n.k_tls) + "\n"
         "loadmodule \"pv.so\"\nloadmodule \"tm.so\"\nloadmodule \"sl.so\"\nloadmodule \"rr.so\"\n"
         "loadmodule \"maxfwd.so\"\nloadmodule \"textops.so\"\nloadmodule \"siputils.so\"\n"
         "loadmodule \"xlog.so\"\nloadmodule \"tls.so\"\n"
         "modparam(\"tls\", \"config\", \"@TLS_CFG@\")\n"
         "request_route {\n"
         "  if (!mf_process_maxfwd_header(\"10\")) { sl_send_reply(\"483\", \"Too Many Hops\"); exit; }\n"
         "  if (has_totag()) {\n"
         "    if (loose_route()) { route(RELAY); exit; }\n"
         "    if (is_method(\"ACK\")) {\n"
         "      if (t_check_trans()) { route(RELAY); exit; }\n"
         "      xlog(\"L_WARN\", \"dropping ACK without Route from $si\\n\");\n"
         "      exit;\n"
         "    }\n"
         "    xlog(\"L_WARN\", \"404 for in-dialog $rm without Route from $si\\n\");\n"
         "    sl_send_reply(\"404\", \"Not here\");\n"
         "    exit;\n"
         "  }\n"
         "  if (is_method(\"CANCEL\")) { if (t_check_trans()) route(RELAY); exit; }\n"
         "  if (is_method(\"ACK\")) { if (t_check_trans()) route(RELAY); exit; }\n"
         "  record_route();\n"
         "  if (proto == TLS) {\n"
         "    $du = \"sip:" + ip_port(n.pbx, n.pbx_port) + "\";\n"
         "  } else {\n"
         "    $du = \"sip:" + ip_port(n.node, n.node_tls) + ";transport=tls\";\n"
         "  }\n"
         "  route(RELAY);\n"
         "  exit;\n"
         "}\n"
         "route[RELAY] {\n"
         "  if (!t_relay()) sl_reply_error();\n"
         "  exit;\n"
         "}\n";
}

// Everything a test needs up: PKI, sipnic, Kamailio.
struct ProxiedNode {
  explicit ProxiedNode(int n, const std::string& tag)
      : x(net(n)), dir(tag), pki(make_pki(dir, "pki", {.key_type = "ecdsa", .node_name = "", .peers = {"kamailio.sipnic.test"}, .ips = {}})),
        node(dir, sipnic_config(x, pki)), kamailio(dir, kamailio_config(x), kamailio_tls_config(pki)) {}
  Net x;
  TempDir dir;
  Pki pki;
  Sipnic node;
  Kamailio kamailio;
};

void expect_calls(const SippResult& r, const std::string& who, int calls) {
  EXPECT_EQ(r.exit_code, 0) << who << ": " << r.describe();
  EXPECT_EQ(r.successful(), calls) << who << ": " << r.describe();
  EXPECT_EQ(r.failed(), 0) << who << ": " << r.describe();
}

// One side's sipp: a scenario with its values, on `ip`:`port`, `more` after.
struct Side {
  std::string who, scenario;
  std::map<std::string, std::string> values;
  std::string ip;
  std::uint16_t port = 0;
  std::vector<std::string> more = {};
};

// Runs kCalls calls from `caller` to `callee` (the callee's sipp first) and
// checks both sipps, sipnic's summary and Kamailio's log.
void run_calls(ProxiedNode& s, const Side& callee, const Side& caller) {
  ASSERT_EQ(s.node.wait_ready(), "");
  ASSERT_EQ(s.kamailio.wait_ready(s.x.kamailio, s.x.k_tls), "");
  std::string m = std::to_string(kCalls);
  auto args = [&](const Side& side) {
    std::vector<std::string> a = {"-sf", scenario(s.dir, side.scenario, side.values), "-i", side.ip, "-p",
                                  std::to_string(side.port)};
    a.insert(a.end(), side.more.begin(), side.more.end());
    a.insert(a.end(), {"-m", m, "-recv_timeout", "20000"});
    return a;
  };
  Sipp uas(s.dir, "uas", args(callee), 90s);
  Sipp uac(s.dir, "uac", args(caller), 90s);
  SippResult c = uac.wait();
  SippResult u = uas.wait();
  expect_calls(c, caller.who, kCalls);
  expect_calls(u, callee.who, kCalls);

  SipnicSummary sum = stop_and_check(s.node);
  EXPECT_EQ(sum.started, kCalls) << sum.line;
  EXPECT_EQ(sum.answered, kCalls) << sum.line;
  EXPECT_EQ(sum.failed, 0) << sum.line;
  std::string nlog = s.node.log();
  EXPECT_EQ(nlog.find("no ACK for the 2xx"), std::string::npos) << nlog;
  EXPECT_EQ(nlog.find("TLS handshake failed"), std::string::npos) << nlog;
  s.kamailio.stop();
  std::string klog = s.kamailio.log();
  EXPECT_EQ(klog.find("without Route"), std::string::npos) << "Kamailio refused in-dialog requests:\n" << klog;
  // A failed call says little without both logs (the test directory goes).
  if (::testing::Test::HasFailure()) {
    auto tail = [](const std::string& log) { return log.size() > 8000 ? log.substr(log.size() - 8000) : log; };
    std::cerr << "--- sipnic log (tail) ---\n" << tail(nlog) << "--- Kamailio log (tail) ---\n" << tail(klog);
  }
}

// A Record-Route entry of Kamailio's, as a regexp (no '<': sipp reads it from XML).
std::string kamailio_rr(const Net& x, std::uint16_t port, const std::string& params) {
  return "sip:" + escape_dots(x.kamailio) + ":" + std::to_string(port) + params + ";r2=on;lr";
}

// pbx -> Kamailio -> (TLS) sipnic -> carrier. The pbx's ACK and BYE follow
// the Record-Route sipnic echoed in its 200 back through Kamailio.
TEST(KamailioRecordRoute, CallsFromBehindKamailioAreAckedAndHungUpThroughIt) {
  ProxiedNode s(100, "kamailio-rr-in");
  // The 200 that reaches the pbx carries Kamailio's Record-Route.
  std::string on_200 = sipp_checks({{kamailio_rr(s.x, s.x.k_tls, ";transport=tls"), "Record-Route:"}});
  run_calls(s, {"UAS (carrier)", "uas_call.xml", {{"ON_INVITE", ""}}, s.x.carrier, s.x.carrier_port},
            {"UAC (pbx, behind Kamailio)", "uac_call_routed.xml", {{"ON_200", on_200}, {"PAUSE_MS", "100"}}, s.x.pbx,
             s.x.pbx_port, {ip_port(s.x.kamailio, s.x.k_udp), "-r", "10"}});
}

// pbx -> Kamailio -> sipnic -> carrier, and the carrier hangs up: sipnic's
// BYE to the pbx goes to Kamailio with the pbx leg's route set.
TEST(KamailioRecordRoute, TheCalleesByeReachesTheCallerBehindKamailio) {
  ProxiedNode s(101, "kamailio-rr-callee-bye");
  run_calls(s, {"UAS (carrier; its BYE must get 200)", "uas_hangs_up.xml", {{"PAUSE_MS", "300"}}, s.x.carrier,
                s.x.carrier_port},
            {"UAC (pbx, behind Kamailio; must get the BYE)", "uac_callee_hangs_up_routed.xml", {}, s.x.pbx,
             s.x.pbx_port, {ip_port(s.x.kamailio, s.x.k_udp), "-r", "10"}});
}

// carrier -> sipnic -> (TLS) Kamailio -> pbx. sipnic's ACK and BYE toward
// the pbx carry the route set of the pbx's 200 (Kamailio's Record-Route).
TEST(KamailioRecordRoute, CallsToBehindKamailioAreAckedAndHungUpThroughIt) {
  ProxiedNode s(102, "kamailio-rr-out");
  // The INVITE reached the pbx through Kamailio, record-routed.
  std::string on_invite = sipp_checks({{kamailio_rr(s.x, s.x.k_udp, ""), "Record-Route:"}});
  run_calls(s, {"UAS (pbx, behind Kamailio)", "uas_call_routed.xml", {{"ON_INVITE", on_invite}}, s.x.pbx, s.x.pbx_port},
            {"UAC (carrier)", "uac_call.xml", {{"ON_200", ""}, {"PAUSE_MS", "100"}}, s.x.carrier, s.x.carrier_port,
             {ip_port(s.x.node, s.x.node_udp), "-r", "10"}});
}

}  // namespace
}  // namespace sipnic::test
