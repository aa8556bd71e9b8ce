// sipnic as a registration client of Debian's Kamailio: Kamailio is the
// registrar (registrar + usrloc in memory) and checks digest credentials
// against a static password (auth module, pv_www_authenticate, qop=auth).
// sipnic's trunk `itsp` has register = on with a short register-expires, so
// that it refreshes within the test; Kamailio is then stopped and started
// again, and sipnic must report the failure and register again. One test has
// Kamailio challenge with SHA-256 (RFC 8760), which sipnic must answer in kind.
//
// Addresses: 127.0.N.1 sipnic, .4 Kamailio; N per test. Times are upper
// bounds only.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <iostream>
#include <string>

#include "interop/support/kamailio_harness.h"
#include "interop/support/sipp_harness.h"
#include "support/eventually.h"

namespace sipnic::test {
namespace {

using namespace std::chrono_literals;

struct Net {
  std::string node, kamailio;
  std::uint16_t node_udp = 0, k_port = 0;
};

Net net(int n) {
  std::string p = "127.0." + std::to_string(n) + ".";
  Net x{p + "1", p + "4"};
  x.node_udp = free_port_on(x.node);
  x.k_port = free_port_on(x.kamailio);
  return x;
}

// sipnic registers alice at Kamailio every few seconds; T1 = 100 ms so that a
// REGISTER to a stopped Kamailio times out (64*T1) within the test.
std::string sipnic_config(const Net& n, const std::string& password_file) {
  return "[node]\nworkers = 2\nlog-level = info\n"
         "[listen]\nudp = " + ip_port(n.node, n.node_udp) + "\n"
         "[timers]\nt1 = 100\nt2 = 400\n"
         "[trunk itsp]\ntransport = udp\npeer = " + ip_port(n.kamailio, n.k_port) + "\n"
         "auth-username = alice\nauth-password-file = " + password_file + "\n"
         "register = on\nregister-user = 4420\nregister-domain = sipnic.test\nregister-expires = 10\n";
}

// A registrar: REGISTERs need alice's digest credentials for realm
// sipnic.test (a static password; 401 with qop=auth otherwise); each binding
// saved is logged with its Contact.
// `algorithm`: the auth module's (MD5 by default, or SHA-256, RFC 8760).
std::string kamailio_config(const Net& n, const std::string& algorithm = "MD5") {
  return "#!KAMAILIO\n"
         "debug=2\nlog_stderror=yes\nchildren=2\ntcp_children=1\nauto_aliases=no\n"
         "dns=no\nrev_dns=no\nuse_dns_cache=off\n"
         "listen=udp:" + ip_port(n.kamailio, n.k_port) + "\n"
         "listen=tcp:" + ip_port(n.kamailio, n.k_port) + "\n"
         "loadmodule \"pv.so\"\nloadmodule \"tm.so\"\nloadmodule \"sl.so\"\nloadmodule \"maxfwd.so\"\n"
         "loadmodule \"textops.so\"\nloadmodule \"siputils.so\"\nloadmodule \"xlog.so\"\n"
         "loadmodule \"auth.so\"\nloadmodule \"usrloc.so\"\nloadmodule \"registrar.so\"\n"
         "modparam(\"auth\", \"algorithm\", \"" + algorithm + "\")\n"
         "modparam(\"usrloc\", \"db_mode\", 0)\n"
         "modparam(\"registrar\", \"min_expires\", 5)\n"
         "request_route {\n"
         "  if (!is_method(\"REGISTER\")) { sl_send_reply(\"404\", \"Not here\"); exit; }\n"
         "  if (!pv_www_authenticate(\"sipnic.test\", \"Circle of Life\", \"0\")) {\n"
         "    xlog(\"L_INFO\", \"CHALLENGED $ci cseq $cs\\n\");\n"
         "    auth_challenge(\"sipnic.test\", \"1\");\n"
         "    exit;\n"
         "  }\n"
         "  if ($au != \"alice\") { sl_send_reply(\"403\", \"Forbidden\"); exit; }\n"
         "  consume_credentials();\n"
         "  if (!save(\"location\")) { sl_reply_error(); exit; }\n"
         "  xlog(\"L_INFO\", \"REGISTERED $tu contact $ct with $hdr(Authorization)\\n\");\n"
         "  if (registered(\"location\", \"$tu\")) { xlog(\"L_INFO\", \"BOUND $tu\\n\"); }\n"
         "  else { xlog(\"L_INFO\", \"UNBOUND $tu\\n\"); }\n"
         "  exit;\n"
         "}\n";
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t p = 0; (p = text.find(what, p)) != std::string::npos; p += what.size()) ++n;
  return n;
}

std::string password_file(const TempDir& dir, const std::string& password) {
  std::string p = dir.file("itsp.password");
  write_text_file(p, password + "\n");
  ::chmod(p.c_str(), 0600);
  return p;
}

void print_logs_on_failure(const Sipnic& node, const std::string& klog) {
  if (!::testing::Test::HasFailure()) return;
  auto tail = [](const std::string& log) { return log.size() > 8000 ? log.substr(log.size() - 8000) : log; };
  std::cerr << "--- sipnic log (tail) ---\n" << tail(node.log()) << "--- Kamailio log (tail) ---\n" << tail(klog);
}

TEST(KamailioRegister, RegistersRefreshesAndRecoversAfterKamailioRestarts) {
  Net x = net(110);
  TempDir dir("kamailio-register");
  TempDir dir2("kamailio-register-again");
  auto k = std::make_unique<Kamailio>(dir, kamailio_config(x), "");
  ASSERT_EQ(k->wait_ready(x.kamailio, x.k_port), "");
  Sipnic node(dir, sipnic_config(x, password_file(dir, "Circle of Life")));
  ASSERT_EQ(node.wait_ready(), "");

  // Registered after one challenge: Kamailio saved sipnic's Contact.
  EXPECT_TRUE(node.wait_for_log("trunk itsp: registration registered", 20s)) << node.log();
  EXPECT_TRUE(eventually([&] { return count(k->log(), "REGISTERED sip:4420@sipnic.test contact <sip:4420@" + x.node) >= 1; },
                         10s, 100ms))
      << k->log();
  EXPECT_GE(count(k->log(), "CHALLENGED"), 1u);
  std::string status = node.status_json();
  EXPECT_NE(status.find("\"state\": \"registered\""), std::string::npos) << status;

  // Refreshed at half of the 10 s granted, twice within 15 s.
  EXPECT_TRUE(eventually([&] { return count(k->log(), "REGISTERED sip:4420") >= 3; }, 20s, 200ms)) << k->log();

  // Kamailio goes away: the next refresh times out and sipnic says so.
  std::string klog = k->log();
  k->stop();
  EXPECT_TRUE(node.wait_for_log("trunk itsp: registration failed", 30s)) << node.log();
  status = node.status_json();
  EXPECT_NE(status.find("\"state\": \"failed\""), std::string::npos) << status;

  // A new Kamailio (no bindings, new nonces): sipnic registers again after its back-off.
  k = std::make_unique<Kamailio>(dir2, kamailio_config(x), "");
  ASSERT_EQ(k->wait_ready(x.kamailio, x.k_port), "");
  EXPECT_TRUE(eventually([&] { return count(node.log(), "trunk itsp: registration registered") >= 2; }, 90s, 200ms))
      << node.log();
  EXPECT_TRUE(eventually([&] { return count(k->log(), "REGISTERED sip:4420") >= 1; }, 10s, 100ms)) << k->log();
  status = node.status_json();
  EXPECT_NE(status.find("\"state\": \"registered\""), std::string::npos) << status;
  EXPECT_EQ(node.log().find("Circle of Life"), std::string::npos);  // the password is never logged
  EXPECT_EQ(count(k->log(), "UNBOUND sip:4420@sipnic.test"), 0u) << k->log();

  // Stopped, sipnic removes its binding (Expires: 0, challenged and
  // answered): Kamailio has no Contact left for the AOR.
  stop_and_check(node);
  EXPECT_TRUE(eventually([&] { return count(k->log(), "UNBOUND sip:4420@sipnic.test") == 1; }, 5s, 100ms)) << k->log();
  EXPECT_NE(node.log().find("trunk itsp: registration stopped (binding removed, 200 OK)"), std::string::npos)
      << node.log();
  k->stop();
  print_logs_on_failure(node, klog + k->log());
}

TEST(KamailioRegister, AnswersASha256ChallengeWithSha256) {
  Net x = net(112);
  TempDir dir("kamailio-register-sha256");
  Kamailio k(dir, kamailio_config(x, "SHA-256"), "");
  ASSERT_EQ(k.wait_ready(x.kamailio, x.k_port), "");
  Sipnic node(dir, sipnic_config(x, password_file(dir, "Circle of Life")));
  ASSERT_EQ(node.wait_ready(), "");
  EXPECT_TRUE(node.wait_for_log("trunk itsp: registration registered", 20s)) << node.log();
  EXPECT_TRUE(eventually([&] { return count(k.log(), "REGISTERED sip:4420") >= 1; }, 10s, 100ms)) << k.log();
  EXPECT_NE(k.log().find("algorithm=SHA-256"), std::string::npos) << k.log();
  stop_and_check(node);
  k.stop();
  print_logs_on_failure(node, k.log());
}

TEST(KamailioRegister, AWrongPasswordIsReportedOnceAndNotRetriedInALoop) {
  Net x = net(111);
  TempDir dir("kamailio-register-wrong");
  Kamailio k(dir, kamailio_config(x), "");
  ASSERT_EQ(k.wait_ready(x.kamailio, x.k_port), "");
  Sipnic node(dir, sipnic_config(x, password_file(dir, "not the password")));
  ASSERT_EQ(node.wait_ready(), "");
  EXPECT_TRUE(node.wait_for_log("trunk itsp: registration failed (401: credentials refused)", 20s)) << node.log();
  std::string status = node.status_json();
  EXPECT_NE(status.find("\"last_status\": 401"), std::string::npos) << status;
  // The first attempt: one unauthenticated REGISTER and one answer, both challenged; no third.
  EXPECT_TRUE(eventually([&] { return count(k.log(), "CHALLENGED") >= 2; }, 5s, 100ms)) << k.log();
  std::this_thread::sleep_for(2s);  // what a loop would fill with REGISTERs
  EXPECT_EQ(count(k.log(), "CHALLENGED"), 2u) << k.log();
  EXPECT_EQ(count(k.log(), "REGISTERED"), 0u);
  stop_and_check(node);
  k.stop();
  print_logs_on_failure(node, k.log());
}

}  // namespace
}  // namespace sipnic::test
