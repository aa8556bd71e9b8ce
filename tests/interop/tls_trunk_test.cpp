// Calls over mutual-TLS trunks between real SIP peers, end to end on
// loopback: sipp behind stunnel (client and server mode) on one side of a
// `sipnic run`, sipp over UDP on the other; and two sipnic nodes trunked to
// each other over mutual TLS. Certificates come from `sipnic certs init`.
//
// A test passes on sipp's verdict (exit code, stat counters: every call went
// through its scenario) AND each node's summary line; every node must stop
// cleanly and without a sanitizer report. Times are upper bounds only.
#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "interop/support/sipp_harness.h"
#include "interop/support/tls_harness.h"

namespace sipnic::test {
namespace {

using namespace std::chrono_literals;

constexpr int kCalls = 200;
constexpr int kRate = 100;
// Between two nodes each message crosses two TLS hops. On the sim backend
// every record goes through the Verilated GCM kernel (under ASan in make
// test), and at 100 calls/s both ways the queues behind it grow past the
// UAS's 2 s retransmission of its 200, whose extra ACKs the scenario does
// not take: the sim run checks the RTL end to end, bench/ measures speed.
int two_node_rate() { return test_offload() == "sim" ? 25 : kRate; }

std::string ip(int n, int host) { return "127.0." + std::to_string(n) + "." + std::to_string(host); }
std::string hostport(const std::string& a, std::uint16_t p) {
  return (a.find(':') != std::string::npos ? "[" + a + "]" : a) + ":" + std::to_string(p);
}

void finish(Sipnic& node, long calls) {
  SipnicSummary s = stop_and_check(node);
  std::string log = node.log();
  ASSERT_TRUE(s.found) << "no summary line in sipnic's log:\n" << log;
  EXPECT_EQ(s.started, calls) << s.line;
  EXPECT_EQ(s.answered, calls) << s.line;
  EXPECT_EQ(s.failed, 0) << s.line;
  EXPECT_EQ(s.refused, 0) << s.line;
  // No TLS connection failed (handshake or records).
  EXPECT_EQ(log.find("TLS handshake failed"), std::string::npos) << log;
  EXPECT_EQ(log.find("failed authentication"), std::string::npos) << log;
}

void expect_all_calls(const SippResult& uac, const SippResult& uas, int calls) {
  EXPECT_EQ(uac.exit_code, 0) << "UAC: " << uac.describe();
  EXPECT_EQ(uac.successful(), calls) << "UAC: " << uac.describe();
  EXPECT_EQ(uac.failed(), 0) << "UAC: " << uac.describe();
  EXPECT_EQ(uas.exit_code, 0) << "UAS: " << uas.describe();
  EXPECT_EQ(uas.successful(), calls) << "UAS: " << uas.describe();
  EXPECT_EQ(uas.failed(), 0) << "UAS: " << uas.describe();
}

// The node of the stunnel tests: UDP and TLS listeners; trunk pbx over TLS
// (identity pbx.sipnic.test, its peer `pbx_peer`), trunk carrier over UDP.
std::string node_config(const std::string& node, std::uint16_t udp, std::uint16_t tls, const Pki& pki,
                        const std::string& pbx_peer, const std::string& carrier_peer) {
  std::string c = "[node]\nworkers = 2\nlog-level = info\n";
  c += "[listen]\nudp = " + hostport(node, udp) + "\ntls = " + hostport(node, tls) + "\n";
  c += "[tls]\ncertificate = " + pki.file("node.crt") + "\nprivate-key = " + pki.file("node.key") +
       "\nca = " + pki.file("ca.crt") + "\ncrl = " + pki.file("ca.crl") + "\nhandshake-rate = 0\n";
  c += "[trunk pbx]\ntransport = tls\npeer = " + pbx_peer + "\ntls-identity = pbx.sipnic.test\n";
  c += "[trunk carrier]\ntransport = udp\npeer = " + carrier_peer + "\n";
  c += "[route pbx-out]\nfrom-trunk = pbx\nto-trunk = carrier\n";
  c += "[route carrier-in]\nfrom-trunk = carrier\nto-trunk = pbx\n";
  return c;
}

// stunnel's TLS settings for the pbx side: pbx's certificate, the CA, the
// node's name checked, the TLS version range of the case.
std::string stunnel_tls(const Pki& pki, const std::string& max_version) {
  return "cert = " + pki.file("pbx.crt") + "\nkey = " + pki.file("pbx.key") + "\nCAfile = " + pki.file("ca.crt") +
         "\nverifyChain = yes\ncheckHost = node.sipnic.test\nsslVersionMin = TLSv1.2\nsslVersionMax = " +
         max_version + "\n";
}

struct StunnelCase {
  std::string name;
  std::string max_version;  // stunnel's sslVersionMax: what the connection runs
  std::string sipp_tcp;     // sipp's TCP mode: t1 one connection, tn one per call
  // A TLS handshake per call costs stunnel, sipnic and the sipps CPU: that
  // case runs fewer calls at a lower rate, so that a loaded machine does not
  // turn it into a test of sipp's retransmission handling.
  int calls() const { return sipp_tcp == "tn" ? 60 : kCalls; }
  int rate() const { return sipp_tcp == "tn" ? 20 : kRate; }
  // sipp arguments for the TCP mode (tn needs a socket limit under the fd limit).
  std::vector<std::string> sipp_args() const {
    std::vector<std::string> a = {"-t", sipp_tcp};
    if (sipp_tcp == "tn") a.insert(a.end(), {"-max_socket", "1000"});
    return a;
  }
};

// gtest prints a parameter in test names and ctest's list: its name will do.
void PrintTo(const StunnelCase& c, std::ostream* os) { *os << c.name; }

std::vector<std::string> operator+(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

class TlsTrunkStunnel : public ::testing::TestWithParam<StunnelCase> {};

// sipp UAC (TCP) -> stunnel client, presenting pbx's certificate -> sipnic's
// TLS listener (trunk pbx, picked by the certificate) -> sipnic -> sipp UAS
// over UDP (trunk carrier).
TEST_P(TlsTrunkStunnel, CallsFromPbxThroughStunnelClientAllAnswered) {
  const StunnelCase& k = GetParam();
  const int n = k.max_version == "TLSv1.2" ? 90 : (k.sipp_tcp == "t1" ? 91 : 92);
  std::string node = ip(n, 1), pbx = ip(n, 2), carrier = ip(n, 3), tunnel = ip(n, 4);
  std::uint16_t udp = free_port_on(node), tls = free_port_on(node), uas_port = free_port_on(carrier),
                uac_port = free_port_on(pbx), tunnel_port = free_port_on(tunnel);
  TempDir dir("tls-trunk-in-" + k.name);
  Pki pki = make_pki(dir, "pki");
  Sipnic sipnic(dir, node_config(node, udp, tls, pki, pbx + ":5061", hostport(carrier, uas_port)));
  ASSERT_EQ(sipnic.wait_ready(), "");
  Stunnel st(dir, "stunnel-client",
             "[pbx]\nclient = yes\naccept = " + hostport(tunnel, tunnel_port) + "\nconnect = " + hostport(node, tls) +
                 "\nlocal = " + pbx + "\n" + stunnel_tls(pki, k.max_version));
  ASSERT_TRUE(st.wait_ready(tunnel, tunnel_port)) << st.log();
  std::string m = std::to_string(k.calls());
  Sipp uas(dir, "uas",
           {"-sf", scenario(dir, "tls_uas_call.xml", {{"ON_INVITE", ""}}), "-i", carrier, "-p",
            std::to_string(uas_port), "-m", m, "-recv_timeout", "20000"},
           90s);
  Sipp uac(dir, "uac",
           k.sipp_args() + std::vector<std::string>{"-sf", scenario(dir, "uac_call.xml", {{"ON_200", ""}, {"PAUSE_MS", "0"}}),
                                                    "-i", pbx, "-p", std::to_string(uac_port),
                                                    hostport(tunnel, tunnel_port), "-m", m, "-r",
                                                    std::to_string(k.rate()), "-recv_timeout", "20000"},
           90s);
  SippResult c = uac.wait();
  SippResult s = uas.wait();
  expect_all_calls(c, s, k.calls());
  finish(sipnic, k.calls());
  std::string version = k.max_version == "TLSv1.2" ? "TLSv1.2 ciphersuite: " : "TLSv1.3 ciphersuite: ";
  EXPECT_NE(st.log().find(version), std::string::npos) << st.log();
  EXPECT_NE(st.log().find("Certificate accepted at depth=0: O=sipnic demo (not for production), CN=node.sipnic.test"),
            std::string::npos)
      << st.log();
}

// The reverse: sipp UAC over UDP (trunk carrier) -> sipnic -> mutual TLS to
// stunnel in server mode (it checks the node's chain and name, presents
// pbx's certificate, which sipnic checks against tls-identity) -> sipp UAS
// over TCP. The UAS checks that the INVITE came over TLS.
TEST_P(TlsTrunkStunnel, CallsToPbxThroughStunnelServerAllAnswered) {
  const StunnelCase& k = GetParam();
  const int n = k.max_version == "TLSv1.2" ? 93 : (k.sipp_tcp == "t1" ? 94 : 95);
  std::string node = ip(n, 1), pbx = ip(n, 2), carrier = ip(n, 3), tunnel = ip(n, 5);
  std::uint16_t udp = free_port_on(node), tls = free_port_on(node), uas_port = free_port_on(pbx),
                uac_port = free_port_on(carrier), tunnel_port = free_port_on(tunnel);
  TempDir dir("tls-trunk-out-" + k.name);
  Pki pki = make_pki(dir, "pki");
  Stunnel st(dir, "stunnel-server",
             "[pbx]\naccept = " + hostport(tunnel, tunnel_port) + "\nconnect = " + hostport(pbx, uas_port) + "\n" +
                 stunnel_tls(pki, k.max_version));
  ASSERT_TRUE(st.wait_ready(tunnel, tunnel_port)) << st.log();
  Sipnic sipnic(dir, node_config(node, udp, tls, pki, hostport(tunnel, tunnel_port), hostport(carrier, uac_port)));
  ASSERT_EQ(sipnic.wait_ready(), "");
  std::string m = std::to_string(k.calls());
  Sipp uas(dir, "uas",
           k.sipp_args() +
               std::vector<std::string>{
                   "-sf", scenario(dir, "tls_uas_call.xml", {{"ON_INVITE", sipp_checks({{"SIP/2\\.0/TLS ", "Via:"}})}}),
                   "-i", pbx, "-p", std::to_string(uas_port), "-m", m, "-recv_timeout", "20000"},
           90s);
  ASSERT_TRUE(wait_listening(pbx, uas_port, 10s));
  Sipp uac(dir, "uac",
           {"-sf", scenario(dir, "uac_call.xml", {{"ON_200", ""}, {"PAUSE_MS", "0"}}), "-i", carrier, "-p",
            std::to_string(uac_port), hostport(node, udp), "-m", m, "-r", std::to_string(k.rate()), "-recv_timeout",
            "20000"},
           90s);
  SippResult c = uac.wait();
  SippResult s = uas.wait();
  expect_all_calls(c, s, k.calls());
  finish(sipnic, k.calls());
  std::string version = k.max_version == "TLSv1.2" ? "TLSv1.2 ciphersuite: " : "TLSv1.3 ciphersuite: ";
  EXPECT_NE(st.log().find(version), std::string::npos) << st.log();
  EXPECT_NE(st.log().find("Certificate accepted at depth=0: O=sipnic demo (not for production), CN=node.sipnic.test"),
            std::string::npos)
      << st.log();
}

INSTANTIATE_TEST_SUITE_P(Tls, TlsTrunkStunnel,
                         ::testing::Values(StunnelCase{"tls12", "TLSv1.2", "t1"},
                                           StunnelCase{"tls13", "TLSv1.3", "t1"},
                                           StunnelCase{"tls13_connection_per_call", "TLSv1.3", "tn"}),
                         [](const ::testing::TestParamInfo<StunnelCase>& i) { return i.param.name; });

// ---- two nodes ----------------------------------------------------------------------------------

// Node A: trunk pbx (UDP sipp) and trunk b (TLS to node B, identity
// nodeb.sipnic.test); node B: trunk a (TLS, identity nodea.sipnic.test) and
// trunk carrier (UDP sipp). One CA; A presents node.crt (nodea), B nodeb.crt.
// Calls A -> B, then B -> A (which may reuse A's connection, RFC 5923).
// The TLS listeners (and so the trunk between the nodes) are on `a_tls_ip`
// and `b_tls_ip`; the sipp sides stay on IPv4.
void two_nodes_calls_both_ways(int n, const std::string& a_tls_ip, const std::string& b_tls_ip, int calls,
                               int back) {
  std::string a = ip(n, 1), b = ip(n, 11), pbx = ip(n, 2), carrier = ip(n, 3);
  std::uint16_t a_udp = free_port_on(a), a_tls = free_port_on(a_tls_ip), b_udp = free_port_on(b),
                b_tls = free_port_on(b_tls_ip), pbx_port = free_port_on(pbx), carrier_port = free_port_on(carrier);
  TempDir dir("tls-two-nodes-" + std::to_string(n));
  Pki pki = make_pki(dir, "pki",
                     {.key_type = "ecdsa", .node_name = "nodea.sipnic.test", .peers = {"nodeb.sipnic.test"}, .ips = {}});
  // B accepts TLS 1.3 only (min-version); A keeps the default (1.2 and 1.3).
  // TLS 1.2 (which [tls] max-version = 1.2 would force) is what the stunnel
  // cases above run; between two nodes only 1.3 is run here.
  auto tls_section = [&](const std::string& cert, const std::string& min_version) {
    return "[tls]\ncertificate = " + pki.file(cert + ".crt") + "\nprivate-key = " + pki.file(cert + ".key") +
           "\nca = " + pki.file("ca.crt") + "\nhandshake-rate = 0\nmin-version = " + min_version + "\n";
  };
  std::string conf_a = "[node]\nworkers = 2\nlog-level = info\n[listen]\nudp = " + hostport(a, a_udp) +
                       "\ntls = " + hostport(a_tls_ip, a_tls) + "\n" + tls_section("node", "1.2") +
                       "[trunk pbx]\ntransport = udp\npeer = " + hostport(pbx, pbx_port) +
                       "\n[trunk b]\ntransport = tls\npeer = " + hostport(b_tls_ip, b_tls) +
                       "\ntls-identity = nodeb.sipnic.test\n"
                       "[route out]\nfrom-trunk = pbx\nto-trunk = b\n[route in]\nfrom-trunk = b\nto-trunk = pbx\n";
  std::string conf_b = "[node]\nworkers = 2\nlog-level = info\n[listen]\nudp = " + hostport(b, b_udp) +
                       "\ntls = " + hostport(b_tls_ip, b_tls) + "\n" + tls_section("nodeb", "1.3") +
                       "[trunk a]\ntransport = tls\npeer = " + hostport(a_tls_ip, a_tls) +
                       "\ntls-identity = nodea.sipnic.test\n[trunk carrier]\ntransport = udp\npeer = " +
                       hostport(carrier, carrier_port) +
                       "\n[route out]\nfrom-trunk = a\nto-trunk = carrier\n[route in]\nfrom-trunk = carrier\n"
                       "to-trunk = a\n";
  Sipnic node_a(dir, conf_a, {}, "node-a");
  Sipnic node_b(dir, conf_b, {}, "node-b");
  ASSERT_EQ(node_a.wait_ready(), "");
  ASSERT_EQ(node_b.wait_ready(), "");
  {
    SCOPED_TRACE("calls A -> B");
    std::string m = std::to_string(calls);
    Sipp uas(dir, "uas-carrier",
             {"-sf", scenario(dir, "tls_uas_call.xml", {{"ON_INVITE", ""}}), "-i", carrier, "-p",
              std::to_string(carrier_port), "-m", m, "-recv_timeout", "20000"},
             90s);
    Sipp uac(dir, "uac-pbx",
             {"-sf", scenario(dir, "uac_call.xml", {{"ON_200", ""}, {"PAUSE_MS", "0"}}), "-i", pbx, "-p",
              std::to_string(pbx_port), hostport(a, a_udp), "-m", m, "-r", std::to_string(two_node_rate()),
              "-recv_timeout", "20000"},
             90s);
    SippResult c = uac.wait();
    SippResult s = uas.wait();
    expect_all_calls(c, s, calls);
  }
  {
    SCOPED_TRACE("calls B -> A");
    std::string m = std::to_string(back);
    Sipp uas(dir, "uas-pbx",
             {"-sf", scenario(dir, "tls_uas_call.xml", {{"ON_INVITE", ""}}), "-i", pbx, "-p", std::to_string(pbx_port),
              "-m", m, "-recv_timeout", "20000"},
             90s);
    Sipp uac(dir, "uac-carrier",
             {"-sf", scenario(dir, "uac_call.xml", {{"ON_200", ""}, {"PAUSE_MS", "0"}}), "-i", carrier, "-p",
              std::to_string(carrier_port), hostport(b, b_udp), "-m", m, "-r", std::to_string(two_node_rate()),
              "-recv_timeout", "20000"},
             90s);
    SippResult c = uac.wait();
    SippResult s = uas.wait();
    expect_all_calls(c, s, back);
  }
  finish(node_a, calls + back);
  finish(node_b, calls + back);
}

TEST(TlsTrunk, TwoNodesTrunkedOverMutualTlsCallsBothWaysAllAnswered) {
  two_nodes_calls_both_ways(96, ip(96, 1), ip(96, 11), kCalls, 50);
}

// The same trunk with both TLS listeners, and so the TLS connection between
// the nodes, on IPv6 loopback.
TEST(TlsTrunk, TwoNodesTrunkedOverMutualTlsOnIpv6CallsBothWaysAllAnswered) {
  two_nodes_calls_both_ways(97, "::1", "::1", 50, 20);
}

}  // namespace
}  // namespace sipnic::test
