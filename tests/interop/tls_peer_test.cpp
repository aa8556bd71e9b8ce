// sipnic's TLS listener and TLS trunks against stock OpenSSL: `openssl
// s_client` / `s_server` processes and TlsPeer (support/tls_harness.h), a
// libssl client of the test's own that runs its SSL over memory BIOs so that
// it can put any byte on the wire. Each test starts its own `sipnic run` on
// its own loopback addresses (127.0.N.1 the node, .2 the peer, N per test)
// with certificates from `sipnic certs init`, and stops it at the end; the
// node must stop cleanly and without a sanitizer report.
//
// sipnic's own KeyUpdate (sent before the record limit) is reached here with
// a low `[tls] key-update-records`; tests/unit/tls/ covers the record layer's
// edge cases.
#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <memory>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/ascii.h"
#include "core/ossl_ptr.h"
#include "interop/support/sipp_harness.h"
#include "interop/support/tls_harness.h"
#include "tls/cert_factory.h"

namespace sipnic::test {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

struct Net {
  std::string node, peer, other;
  std::uint16_t tls_port = 0, udp_port = 0;
};

Net net(int n) {
  Net x;
  std::string prefix = "127.0." + std::to_string(n) + ".";
  x.node = prefix + "1";
  x.peer = prefix + "2";
  x.other = prefix + "3";
  x.tls_port = free_port_on(x.node);
  x.udp_port = free_port_on(x.node);
  return x;
}

struct NodeOptions {
  std::string tls;       // more [tls] lines
  std::string timers;    // [timers] lines
  std::string pbx;       // more [trunk pbx] lines
  std::string trunks;    // more trunks
  std::string pbx_peer;  // trunk pbx's peer ("" = .2:5061, never contacted)
  int workers = 2;
};

// One node: UDP and TLS listeners; trunk pbx over TLS (identity
// pbx.sipnic.test), trunk carrier over UDP; no handshake rate limit unless
// the test sets one (every client here comes from one address).
std::string node_config(const Net& n, const Pki& pki, const NodeOptions& o = {}) {
  std::string c = "[node]\nworkers = " + std::to_string(o.workers) + "\nlog-level = info\n";
  c += "[listen]\nudp = " + n.node + ":" + std::to_string(n.udp_port) + "\n";
  c += "tls = " + n.node + ":" + std::to_string(n.tls_port) + "\n";
  c += "[tls]\ncertificate = " + pki.file("node.crt") + "\nprivate-key = " + pki.file("node.key") +
       "\nca = " + pki.file("ca.crt") + "\n";
  c += o.tls.find("handshake-rate") == std::string::npos ? "handshake-rate = 0\n" : "";
  c += o.tls;
  if (!o.timers.empty()) c += "[timers]\n" + o.timers;
  c += "[trunk pbx]\ntransport = tls\npeer = " + (o.pbx_peer.empty() ? n.peer + ":5061" : o.pbx_peer) +
       "\ntls-identity = pbx.sipnic.test\n" + o.pbx;
  c += "[trunk carrier]\ntransport = udp\npeer = " + n.other + ":5060\n";
  c += o.trunks;
  c += "[route pbx-out]\nfrom-trunk = pbx\nto-trunk = carrier\n";
  c += "[route carrier-in]\nfrom-trunk = carrier\nto-trunk = pbx\n";
  return c;
}

// Stops the node; it must exit 0 on SIGTERM, log its summary, no sanitizer report.
void finish(Sipnic& node) { stop_and_check(node); }

// The node's count of TLS failures for `reason` (sipnic status --json).
int tls_failures(const Sipnic& node, const std::string& reason) {
  auto s = nlohmann::json::parse(node.status_json());
  const auto& by = s["tls"]["failures_by_reason"];
  return by.contains(reason) ? by[reason].get<int>() : 0;
}

TlsPeerOptions pbx_peer(const Pki& pki, const std::string& cert = "pbx") {
  TlsPeerOptions o;
  o.cert = pki.file(cert + ".crt");
  o.key = pki.file(cert + ".key");
  o.ca = pki.file("ca.crt");
  o.verify_name = "node.sipnic.test";
  return o;
}

// Connects, handshakes, sends an OPTIONS and waits for its 200; "" on success.
std::string options_exchange(TlsPeer& peer, const Net& n, const std::string& id) {
  if (std::string e = peer.connect(n.node, n.tls_port, n.peer); !e.empty()) return e;
  if (std::string e = peer.handshake(10s); !e.empty()) return e;
  if (!peer.send(options_request(id))) return "send failed";
  std::size_t before = count_of(peer.plaintext(), "SIP/2.0 200 OK");
  if (!peer.read_until("SIP/2.0 200 OK", 10s, before + 1))
    return "no 200 to OPTIONS " + id + " (closed " + std::to_string(peer.closed()) + ", error '" + peer.error() +
           "'); received:\n" + peer.plaintext();
  return {};
}

// `openssl s_client` against the node, presenting `cert` from `pki` ("" = none).
std::vector<std::string> s_client_args(const Net& n, const Pki& pki, const std::string& cert,
                                       std::vector<std::string> more) {
  std::vector<std::string> a = {openssl_binary(), "s_client", "-connect",
                                n.node + ":" + std::to_string(n.tls_port), "-CAfile", pki.file("ca.crt"),
                                "-verify_return_error", "-verify_hostname", "node.sipnic.test", "-msg"};
  if (!cert.empty()) a.insert(a.end(), {"-cert", pki.file(cert + ".crt"), "-key", pki.file(cert + ".key")});
  a.insert(a.end(), more.begin(), more.end());
  return a;
}

// ---- versions, suites, key types -----------------------------------------------------

struct SuiteCase {
  std::string name, version, suite_flag, suite, key_type, expect_cipher;
};

// gtest prints a parameter in test names and ctest's list: its name will do.
void PrintTo(const SuiteCase& c, std::ostream* os) { *os << c.name; }

class TlsSuites : public ::testing::TestWithParam<SuiteCase> {};

TEST_P(TlsSuites, OptionsGets200OverThisVersionSuiteAndKeyType) {
  const SuiteCase& k = GetParam();
  Net n = net(60);
  TempDir dir("tls-suite-" + k.name);
  Pki pki = make_pki(dir, "pki", {.key_type = k.key_type, .node_name = "", .peers = {}, .ips = {}});
  Sipnic node(dir, node_config(n, pki));
  ASSERT_EQ(node.wait_ready(), "");
  PipedChild client(s_client_args(n, pki, "pbx", {k.version, k.suite_flag, k.suite}), dir.file("s_client.out"));
  ASSERT_TRUE(client.write(options_request("suite-1")));
  bool answered = client.wait_for_output("SIP/2.0 200 OK", 15s);
  std::string out = client.output();
  EXPECT_TRUE(answered) << "s_client output:\n" << out << "\nnode log:\n" << node.log();
  EXPECT_NE(out.find("Cipher is " + k.expect_cipher), std::string::npos) << out;
  EXPECT_NE(out.find(k.version == "-tls1_2" ? "New, TLSv1.2," : "New, TLSv1.3,"), std::string::npos) << out;
  EXPECT_NE(out.find("Verify return code: 0 (ok)"), std::string::npos) << out;
  client.close_stdin();
  EXPECT_TRUE(client.wait_exit(10s)) << "s_client did not end on stdin EOF";
  finish(node);
}

std::vector<SuiteCase> suite_cases() {
  std::vector<SuiteCase> v;
  for (std::string kt : {"ecdsa", "rsa"}) {
    std::string sig = kt == "ecdsa" ? "ECDSA" : "RSA";
    v.push_back({"tls12_aes128_" + kt, "-tls1_2", "-cipher", "ECDHE-" + sig + "-AES128-GCM-SHA256", kt,
                 "ECDHE-" + sig + "-AES128-GCM-SHA256"});
    v.push_back({"tls12_aes256_" + kt, "-tls1_2", "-cipher", "ECDHE-" + sig + "-AES256-GCM-SHA384", kt,
                 "ECDHE-" + sig + "-AES256-GCM-SHA384"});
    v.push_back({"tls13_aes128_" + kt, "-tls1_3", "-ciphersuites", "TLS_AES_128_GCM_SHA256", kt,
                 "TLS_AES_128_GCM_SHA256"});
    v.push_back({"tls13_aes256_" + kt, "-tls1_3", "-ciphersuites", "TLS_AES_256_GCM_SHA384", kt,
                 "TLS_AES_256_GCM_SHA384"});
  }
  return v;
}

INSTANTIATE_TEST_SUITE_P(VersionSuiteKey, TlsSuites, ::testing::ValuesIn(suite_cases()),
                         [](const ::testing::TestParamInfo<SuiteCase>& i) { return i.param.name; });

// ---- KeyUpdate, close_notify, renegotiation (s_client commands) ------------------------

TEST(TlsPeer, KeyUpdateBothWaysThenOptionsStillGets200) {
  Net n = net(61);
  TempDir dir("tls-keyupdate");
  Pki pki = make_pki(dir, "pki");
  Sipnic node(dir, node_config(n, pki));
  ASSERT_EQ(node.wait_ready(), "");
  // Interactive s_client (no -quiet, no -ign_eof): "k" and "K" on a line of
  // their own are its KeyUpdate commands; -msg prints each handshake message.
  PipedChild client(s_client_args(n, pki, "pbx", {"-tls1_3"}), dir.file("s_client.out"));
  ASSERT_TRUE(client.write(options_request("ku-1")));
  ASSERT_TRUE(client.wait_for_output("SIP/2.0 200 OK", 15s, 1)) << client.output() << node.log();
  // Ours to the node, no update requested.
  ASSERT_TRUE(client.write("k\n"));
  ASSERT_TRUE(client.wait_for_output(">>> TLS 1.3, Handshake [length 0005], KeyUpdate", 10s, 1)) << client.output();
  ASSERT_TRUE(client.write(options_request("ku-2")));
  ASSERT_TRUE(client.wait_for_output("SIP/2.0 200 OK", 15s, 2)) << client.output() << node.log();
  // Ours with update_requested: the node must answer with its own KeyUpdate
  // (before its next data) and keep both directions working.
  ASSERT_TRUE(client.write("K\n"));
  ASSERT_TRUE(client.wait_for_output(">>> TLS 1.3, Handshake [length 0005], KeyUpdate", 10s, 2)) << client.output();
  ASSERT_TRUE(client.write(options_request("ku-3")));
  EXPECT_TRUE(client.wait_for_output("SIP/2.0 200 OK", 15s, 3)) << client.output() << node.log();
  EXPECT_TRUE(client.wait_for_output("<<< TLS 1.3, Handshake [length 0005], KeyUpdate", 5s, 1))
      << "the node did not answer update_requested with a KeyUpdate:\n"
      << client.output();
  client.close_stdin();
  client.wait_exit(10s);
  EXPECT_EQ(count_of(client.output(), "Alert [length 0002], fatal"), 0u) << client.output();
  EXPECT_EQ(count_of(node.log(), "; closing"), 0u) << node.log();
  finish(node);
}

TEST(TlsPeer, NodeSendsItsOwnKeyUpdateAtTheRecordLimitAndKeepsAnswering) {
  Net n = net(86);
  TempDir dir("tls-own-keyupdate");
  Pki pki = make_pki(dir, "pki");
  // Two records under one write key, then the node rekeys on its own (the
  // server's NewSessionTickets already count): several KeyUpdates in a row.
  NodeOptions o;
  o.tls = "key-update-records = 2\n";
  Sipnic node(dir, node_config(n, pki, o));
  ASSERT_EQ(node.wait_ready(), "");
  PipedChild client(s_client_args(n, pki, "pbx", {"-tls1_3"}), dir.file("s_client.out"));
  for (int i = 1; i <= 5; ++i) {
    ASSERT_TRUE(client.write(options_request("own-ku-" + std::to_string(i))));
    ASSERT_TRUE(client.wait_for_output("SIP/2.0 200 OK", 15s, static_cast<std::size_t>(i)))
        << "answer " << i << " missing:\n" << client.output() << node.log();
  }
  // "<<<" is what s_client received: the node's KeyUpdates, each
  // update_not_requested (s_client answers none of them).
  EXPECT_TRUE(client.wait_for_output("<<< TLS 1.3, Handshake [length 0005], KeyUpdate", 5s, 2))
      << "the node sent fewer than two KeyUpdates:\n" << client.output();
  EXPECT_EQ(count_of(client.output(), ">>> TLS 1.3, Handshake [length 0005], KeyUpdate"), 0u) << client.output();
  client.close_stdin();
  client.wait_exit(10s);
  EXPECT_EQ(count_of(client.output(), "Alert [length 0002], fatal"), 0u) << client.output();
  EXPECT_EQ(count_of(node.log(), "; closing"), 0u) << node.log();
  finish(node);
}

TEST(TlsPeer, OptionsOverTlsOnIpv6Gets200) {
  TempDir dir("tls-ipv6");
  Pki pki = make_pki(dir, "pki");
  const std::uint16_t tls = free_port_on("::1"), udp = free_port_on("127.0.87.1");
  std::string conf = "[node]\nworkers = 2\nlog-level = info\n[listen]\nudp = 127.0.87.1:" + std::to_string(udp) +
                     "\ntls = [::1]:" + std::to_string(tls) + "\n[tls]\ncertificate = " + pki.file("node.crt") +
                     "\nprivate-key = " + pki.file("node.key") + "\nca = " + pki.file("ca.crt") +
                     "\nhandshake-rate = 0\n[trunk pbx]\ntransport = tls\npeer = [::1]:5061\n"
                     "tls-identity = pbx.sipnic.test\n[trunk carrier]\ntransport = udp\npeer = 127.0.87.3:5060\n"
                     "[route pbx-out]\nfrom-trunk = pbx\nto-trunk = carrier\n";
  Sipnic node(dir, conf);
  ASSERT_EQ(node.wait_ready(), "");
  for (const std::string& version : {std::string("-tls1_3"), std::string("-tls1_2")}) {
    SCOPED_TRACE(version);
    PipedChild client({openssl_binary(), "s_client", "-connect", "[::1]:" + std::to_string(tls), "-CAfile",
                       pki.file("ca.crt"), "-verify_return_error", "-verify_hostname", "node.sipnic.test", "-cert",
                       pki.file("pbx.crt"), "-key", pki.file("pbx.key"), version},
                      dir.file("s_client" + version + ".out"));
    ASSERT_TRUE(client.write(options_request("v6" + version)));
    EXPECT_TRUE(client.wait_for_output("SIP/2.0 200 OK", 15s)) << client.output() << node.log();
    EXPECT_NE(client.output().find("Verify return code: 0 (ok)"), std::string::npos) << client.output();
    client.close_stdin();
    EXPECT_TRUE(client.wait_exit(10s));
  }
  finish(node);
}

TEST(TlsPeer, ClientThatDialsTheNodesIpAddressVerifiesACertificateMadeWithCertsInitIp) {
  // A UA that dials an address (linphone) checks the address against the
  // certificate's IP names: `certs init --ip` puts them there.
  Net n = net(45);
  TempDir dir("tls-verify-ip");
  Pki with_ip = make_pki(dir, "pki-ip", {.key_type = "ecdsa", .node_name = "", .peers = {}, .ips = {n.node, "::1"}});
  Pki without = make_pki(dir, "pki");
  auto dial_by_address = [&](const Pki& pki, const std::string& tag) {
    std::vector<std::string> args = {openssl_binary(), "s_client", "-connect", n.node + ":" + std::to_string(n.tls_port),
                                     "-CAfile", pki.file("ca.crt"), "-verify_return_error", "-verify_ip", n.node,
                                     "-cert", pki.file("pbx.crt"), "-key", pki.file("pbx.key")};
    return PipedChild(args, dir.file("s_client-" + tag + ".out"));
  };
  {
    Sipnic node(dir, node_config(n, with_ip), {}, "node-ip");
    ASSERT_EQ(node.wait_ready(), "");
    PipedChild client = dial_by_address(with_ip, "ip");
    ASSERT_TRUE(client.write(options_request("verify-ip-1")));
    EXPECT_TRUE(client.wait_for_output("SIP/2.0 200 OK", 15s)) << client.output() << node.log();
    EXPECT_NE(client.output().find("Verify return code: 0 (ok)"), std::string::npos) << client.output();
    client.close_stdin();
    EXPECT_TRUE(client.wait_exit(10s));
    finish(node);
  }
  {
    // The same check against a certificate without IP names fails.
    Sipnic node(dir, node_config(n, without), {}, "node-plain");
    ASSERT_EQ(node.wait_ready(), "");
    PipedChild client = dial_by_address(without, "plain");
    EXPECT_TRUE(client.wait_exit(15s));
    EXPECT_NE(client.output().find("IP address mismatch"), std::string::npos) << client.output();
    EXPECT_EQ(client.output().find("SIP/2.0 200 OK"), std::string::npos) << client.output();
    finish(node);
  }
}

TEST(TlsPeer, CloseNotifyIsAnsweredAndTheNodeServesTheNextConnection) {
  Net n = net(62);
  TempDir dir("tls-close-notify");
  Pki pki = make_pki(dir, "pki");
  Sipnic node(dir, node_config(n, pki));
  ASSERT_EQ(node.wait_ready(), "");
  {
    // s_client closes gracefully at stdin EOF: close_notify, then exits.
    PipedChild client(s_client_args(n, pki, "pbx", {}), dir.file("s_client.out"));
    ASSERT_TRUE(client.write(options_request("cn-1")));
    ASSERT_TRUE(client.wait_for_output("SIP/2.0 200 OK", 15s)) << client.output() << node.log();
    client.close_stdin();
    auto status = client.wait_exit(10s);
    ASSERT_TRUE(status) << "s_client did not end on stdin EOF";
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << client.output();
    EXPECT_NE(client.output().find(">>> TLS 1.3, Alert [length 0002], warning close_notify"), std::string::npos)
        << client.output();
  }
  {
    // The node answers a close_notify with its own (TlsPeer reads it) and closes.
    TlsPeer peer(pbx_peer(pki));
    ASSERT_EQ(options_exchange(peer, n, "cn-2"), "");
    ASSERT_TRUE(peer.shutdown());
    EXPECT_TRUE(peer.wait_closed(10s)) << "the node did not close after close_notify";
    EXPECT_TRUE(peer.close_notify()) << "no close_notify from the node; error: " << peer.error();
    std::string alerts;
    for (int a : peer.alerts_received()) alerts += std::to_string(a) + " ";
    EXPECT_EQ(alerts, "0 ") << "alerts received other than one close_notify";
  }
  {
    TlsPeer peer(pbx_peer(pki));
    EXPECT_EQ(options_exchange(peer, n, "cn-3"), "");
  }
  // Neither close was a failure.
  EXPECT_EQ(count_of(node.log(), "; closing"), 0u) << node.log();
  finish(node);
}


TEST(TlsPeer, NodeStoppingOnSigtermSendsCloseNotifyOnItsEstablishedConnections) {
  Net n = net(46);
  TempDir dir("tls-stop-close-notify");
  Pki pki = make_pki(dir, "pki");
  Sipnic node(dir, node_config(n, pki));
  ASSERT_EQ(node.wait_ready(), "");
  TlsPeer peer(pbx_peer(pki));
  ASSERT_EQ(options_exchange(peer, n, "stop-1"), "") << node.log();
  finish(node);
  EXPECT_TRUE(peer.wait_closed(10s)) << "the connection outlived the node";
  EXPECT_TRUE(peer.close_notify()) << "no close_notify from the stopping node; error: " << peer.error();
}

TEST(TlsPeer, Tls12RenegotiationIsRefusedAndTheNodeKeepsServing) {
  Net n = net(63);
  TempDir dir("tls-reneg");
  Pki pki = make_pki(dir, "pki");
  Sipnic node(dir, node_config(n, pki));
  ASSERT_EQ(node.wait_ready(), "");
  {
    PipedChild client(s_client_args(n, pki, "pbx", {"-tls1_2"}), dir.file("s_client.out"));
    ASSERT_TRUE(client.write(options_request("rn-1")));
    ASSERT_TRUE(client.wait_for_output("SIP/2.0 200 OK", 15s)) << client.output() << node.log();
    ASSERT_TRUE(client.write("R\n"));  // s_client's renegotiation command
    // The node refuses with a warning no_renegotiation (RFC 5246 §7.2.2);
    // OpenSSL, as the client, then gives up the connection.
    EXPECT_TRUE(client.wait_for_output("<<< TLS 1.2, Alert [length 0002], warning no_renegotiation", 10s))
        << client.output();
    EXPECT_TRUE(client.wait_exit(10s)) << "s_client still running after the refused renegotiation";
    EXPECT_EQ(count_of(client.output(), "SIP/2.0 200 OK"), 1u);
  }
  TlsPeer peer(pbx_peer(pki));
  EXPECT_EQ(options_exchange(peer, n, "rn-2"), "") << node.log();
  finish(node);
}

// ---- records: 16 KiB, 1-byte segments, tampering ----------------------------------------

TEST(TlsPeer, SixteenKiBRecordIsOpenedAndAnswered) {
  Net n = net(64);
  TempDir dir("tls-16k");
  Pki pki = make_pki(dir, "pki");
  Sipnic node(dir, node_config(n, pki));
  ASSERT_EQ(node.wait_ready(), "");
  for (int version : {TLS1_3_VERSION, TLS1_2_VERSION}) {
    SCOPED_TRACE(version == TLS1_3_VERSION ? "TLS 1.3" : "TLS 1.2");
    TlsPeerOptions o = pbx_peer(pki);
    o.min_version = o.max_version = version;
    TlsPeer peer(o);
    ASSERT_EQ(peer.connect(n.node, n.tls_port, n.peer), "");
    ASSERT_EQ(peer.handshake(10s), "");
    // One OPTIONS of exactly 2^14 bytes: one record at the maximum plaintext size.
    std::string record = peer.seal(options_request_of_size("big-1", 16384));
    ASSERT_GE(record.size(), 5u);
    std::size_t len = (static_cast<unsigned char>(record[3]) << 8) | static_cast<unsigned char>(record[4]);
    ASSERT_EQ(record.size(), 5 + len) << "the 16384-byte message did not go out as one record";
    EXPECT_EQ(len, version == TLS1_3_VERSION ? 16384u + 1 + 16 : 16384u + 8 + 16);
    ASSERT_TRUE(peer.send_raw(record));
    EXPECT_TRUE(peer.read_until("SIP/2.0 200 OK", 10s, 1)) << peer.error() << node.log();
    // And one that spans two records (20000 bytes).
    ASSERT_TRUE(peer.send(options_request_of_size("big-2", 20000)));
    EXPECT_TRUE(peer.read_until("SIP/2.0 200 OK", 10s, 2)) << peer.error() << node.log();
    EXPECT_NE(peer.plaintext().find("big-2@tls-interop"), std::string::npos);
  }
  finish(node);
}

TEST(TlsPeer, OneByteTcpSegmentsHandshakeAndOptionsSucceed) {
  Net n = net(65);
  TempDir dir("tls-1byte");
  Pki pki = make_pki(dir, "pki");
  Sipnic node(dir, node_config(n, pki));
  ASSERT_EQ(node.wait_ready(), "");
  for (int version : {TLS1_3_VERSION, TLS1_2_VERSION}) {
    SCOPED_TRACE(version == TLS1_3_VERSION ? "TLS 1.3" : "TLS 1.2");
    TlsPeerOptions o = pbx_peer(pki);
    o.min_version = o.max_version = version;
    o.one_byte_segments = true;  // every byte its own send() (TCP_NODELAY), 50 us apart
    o.byte_gap = 50us;
    TlsPeer peer(o);
    EXPECT_EQ(options_exchange(peer, n, "1byte"), "") << node.log();
  }
  finish(node);
}

TEST(TlsPeer, TamperedRecordIsAnsweredWithBadRecordMacAndTheConnectionCloses) {
  Net n = net(66);
  TempDir dir("tls-tamper");
  Pki pki = make_pki(dir, "pki");
  Sipnic node(dir, node_config(n, pki));
  ASSERT_EQ(node.wait_ready(), "");
  for (int version : {TLS1_3_VERSION, TLS1_2_VERSION}) {
    SCOPED_TRACE(version == TLS1_3_VERSION ? "TLS 1.3" : "TLS 1.2");
    TlsPeerOptions o = pbx_peer(pki);
    o.min_version = o.max_version = version;
    TlsPeer peer(o);
    ASSERT_EQ(options_exchange(peer, n, "tamper-1"), "");
    std::string record = peer.seal(options_request("tamper-2"));
    ASSERT_GT(record.size(), 40u);
    record[30] = static_cast<char>(record[30] ^ 0x01);  // one bit of the ciphertext
    ASSERT_TRUE(peer.send_raw(record));
    EXPECT_TRUE(peer.wait_closed(10s)) << "the node kept the connection open after a forged record";
    EXPECT_TRUE(std::find(peer.alerts_received().begin(), peer.alerts_received().end(), 20) !=
                peer.alerts_received().end())
        << "no bad_record_mac alert (20) received; error: " << peer.error();
    EXPECT_EQ(count_of(peer.plaintext(), "SIP/2.0 200 OK"), 1u) << "the forged request was answered";
  }
  // The node says why (the alert it sent, bad_record_mac, is checked above).
  EXPECT_TRUE(node.wait_for_log("failed authentication; closing", 5s)) << node.log();
  // The node still serves.
  TlsPeer peer(pbx_peer(pki));
  EXPECT_EQ(options_exchange(peer, n, "tamper-3"), "");
  finish(node);
}

// ---- who may connect ----------------------------------------------------------------------

// Runs s_client (presenting `cert` of `pki`, "" = none) with one OPTIONS; it
// must get no answer and see the connection refused; returns its output.
std::string refused_s_client(const TempDir& dir, const Net& n, const Pki& trust, const Pki& client_pki,
                             const std::string& cert) {
  std::vector<std::string> a = s_client_args(n, trust, "", {"-tls1_3"});
  if (!cert.empty()) a.insert(a.end(), {"-cert", client_pki.file(cert + ".crt"), "-key", client_pki.file(cert + ".key")});
  PipedChild client(a, dir.file("s_client-" + (cert.empty() ? std::string("none") : cert) + ".out"));
  client.write(options_request("refused"));
  auto status = client.wait_exit(15s);
  std::string out = client.output();
  EXPECT_TRUE(status) << "s_client still connected: the node did not close the refused connection\n" << out;
  EXPECT_EQ(out.find("SIP/2.0 200"), std::string::npos) << "a refused peer got an answer:\n" << out;
  EXPECT_NE(out.find("<<< TLS 1.3, Alert [length 0002], fatal"), std::string::npos) << "no fatal alert:\n" << out;
  return out;
}

TEST(TlsPeer, ClientWithoutCertificateIsRefused) {
  Net n = net(67);
  TempDir dir("tls-nocert");
  Pki pki = make_pki(dir, "pki");
  Sipnic node(dir, node_config(n, pki));
  ASSERT_EQ(node.wait_ready(), "");
  std::string out = refused_s_client(dir, n, pki, pki, "");
  EXPECT_NE(out.find("fatal certificate_required"), std::string::npos) << out;
  EXPECT_TRUE(node.wait_for_log("peer did not return a certificate; closing", 5s)) << node.log();
  EXPECT_EQ(tls_failures(node, "handshake"), 1) << node.status_json();
  finish(node);
}

TEST(TlsPeer, CertificateFromAnotherCaIsRefused) {
  Net n = net(68);
  TempDir dir("tls-otherca");
  Pki pki = make_pki(dir, "pki");
  Pki other = make_pki(dir, "other");  // same names, another CA
  Sipnic node(dir, node_config(n, pki));
  ASSERT_EQ(node.wait_ready(), "");
  refused_s_client(dir, n, pki, other, "pbx");
  EXPECT_TRUE(node.wait_for_log("unable to get local issuer certificate (subject: ", 5s)) << node.log();
  EXPECT_NE(node.log().find("CN=pbx.sipnic.test"), std::string::npos) << node.log();
  EXPECT_EQ(tls_failures(node, "cert_untrusted"), 1) << node.status_json();
  finish(node);
}

TEST(TlsPeer, CertificateMatchingNoTrunkIsRefused) {
  Net n = net(69);
  TempDir dir("tls-notrunk");
  Pki pki = make_pki(dir, "pki");  // carrier.crt: valid, but trunk carrier is UDP
  Sipnic node(dir, node_config(n, pki));
  ASSERT_EQ(node.wait_ready(), "");
  refused_s_client(dir, n, pki, pki, "carrier");
  EXPECT_TRUE(node.wait_for_log("matches no TLS trunk", 5s)) << node.log();
  EXPECT_NE(node.log().find("CN=carrier.sipnic.test"), std::string::npos) << node.log();
  EXPECT_EQ(tls_failures(node, "no_trunk"), 1) << node.status_json();
  finish(node);
}

TEST(TlsPeer, CertificateNamingATrunkThatTrustsAnotherCaIsRefused) {
  // Trunk "partner" has its own CA (tls-ca = the second PKI's). A certificate
  // from the node's CA that carries partner's identity chains to a CA the
  // listener trusts, picks trunk partner by its name, and must then fail
  // partner's own CA check.
  Net n = net(70);
  TempDir dir("tls-trunkca");
  Pki pki = make_pki(dir, "pki", {.key_type = "ecdsa", .node_name = "", .peers = {"pbx.sipnic.test", "partner.sipnic.test"}, .ips = {}});
  Pki partner_ca = make_pki(dir, "partner-ca", {.key_type = "ecdsa", .node_name = "", .peers = {"partner.sipnic.test"}, .ips = {}});
  NodeOptions o;
  o.trunks = "[trunk partner]\ntransport = tls\npeer = " + n.other + ":5061\ntls-identity = partner.sipnic.test\n" +
             "tls-ca = " + partner_ca.file("ca.crt") + "\n";
  Sipnic node(dir, node_config(n, pki, o));
  ASSERT_EQ(node.wait_ready(), "");
  refused_s_client(dir, n, pki, pki, "partner");
  EXPECT_TRUE(node.wait_for_log("does not verify against the CAs of trunk 'partner'", 5s)) << node.log();
  EXPECT_EQ(tls_failures(node, "cert_untrusted"), 1) << node.status_json();
  // partner's real peer (its CA) is accepted: the trunk works.
  TlsPeerOptions po = pbx_peer(pki);
  po.cert = partner_ca.file("partner.crt");
  po.key = partner_ca.file("partner.key");
  TlsPeer peer(po);
  EXPECT_EQ(options_exchange(peer, n, "partner-ok"), "") << node.log();
  finish(node);
}

TEST(TlsPeer, OutboundServerWithoutTheTrunksIdentityIsRefusedAndTheCallFails) {
  // The node calls trunk pbx (tls-identity pbx.sipnic.test); the server at
  // its address presents carrier's certificate (same CA, wrong name).
  Net n = net(71);
  TempDir dir("tls-outbound-identity");
  Pki pki = make_pki(dir, "pki");
  std::uint16_t server_port = free_port_on(n.peer);
  PipedChild server({openssl_binary(), "s_server", "-accept", n.peer + ":" + std::to_string(server_port), "-cert",
                     pki.file("carrier.crt"), "-key", pki.file("carrier.key"), "-CAfile", pki.file("ca.crt"),
                     "-Verify", "2"},
                    dir.file("s_server.out"));
  ASSERT_TRUE(wait_listening(n.peer, server_port, 10s)) << server.output();
  NodeOptions o;
  o.pbx_peer = n.peer + ":" + std::to_string(server_port);
  // The failed handshake fails the INVITE transaction at once (RFC 3261
  // §8.1.3.1: a transport error is a 503), not at Timer B: T1 stays at its
  // default of 500 ms, so a 408 would take 32 s, past the sipp bound below.
  Sipnic node(dir, node_config(n, pki, o));
  ASSERT_EQ(node.wait_ready(), "");
  std::uint16_t uac_port = free_port_on(n.other);
  Sipp uac(dir, "uac",
           {"-sf", scenario(dir, "uac_final.xml", {{"HEADERS", ""}, {"STATUS", "503"}, {"ON_FINAL", ""}}), "-i", n.other, "-p",
            std::to_string(uac_port), n.node + ":" + std::to_string(n.udp_port), "-m", "1", "-recv_timeout", "10000"},
           20s);
  SippResult r = uac.wait();
  EXPECT_EQ(r.exit_code, 0) << "the call did not end in 503: " << r.describe() << node.log();
  EXPECT_TRUE(node.wait_for_log("pbx.sipnic.test", 5s)) << node.log();
  std::string log = node.log();
  EXPECT_NE(log.find("tls " + n.peer + ":" + std::to_string(server_port) + ": TLS handshake failed"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("CN=carrier.sipnic.test"), std::string::npos) << log;
  EXPECT_EQ(server.output().find("OPTIONS"), std::string::npos);
  EXPECT_EQ(server.output().find("INVITE"), std::string::npos) << "the INVITE reached the wrong server";
  finish(node);
}

// ---- bad input -------------------------------------------------------------------------------

TEST(TlsPeer, SilentClientIsDroppedAtTheHandshakeTimeout) {
  Net n = net(72);
  TempDir dir("tls-silent");
  Pki pki = make_pki(dir, "pki");
  NodeOptions o;
  o.tls = "handshake-timeout = 500\n";
  Sipnic node(dir, node_config(n, pki, o));
  ASSERT_EQ(node.wait_ready(), "");
  TlsPeer peer(pbx_peer(pki));
  auto start = std::chrono::steady_clock::now();
  ASSERT_EQ(peer.connect(n.node, n.tls_port, n.peer), "");
  EXPECT_TRUE(peer.wait_closed(10s)) << "a connection that sent nothing is still open after 10 s";
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  EXPECT_GE(took.count(), 400) << "closed before the handshake timeout";
  EXPECT_TRUE(node.wait_for_log("no complete handshake within 500 ms; closing", 5s)) << node.log();
  EXPECT_TRUE(peer.raw_received().empty());
  finish(node);
}

TEST(TlsPeer, GarbageInsteadOfClientHelloGetsAnAlertAndTheConnectionCloses) {
  Net n = net(73);
  TempDir dir("tls-garbage");
  Pki pki = make_pki(dir, "pki");
  Sipnic node(dir, node_config(n, pki));
  ASSERT_EQ(node.wait_ready(), "");
  {
    // A SIP request in cleartext on the TLS port. Bytes that do not look like
    // TLS at all get no alert from OpenSSL (ssl3_get_record: "Doesn't look
    // like TLS - don't send an alert"): the node closes and logs why.
    TlsPeer peer(pbx_peer(pki));
    ASSERT_EQ(peer.connect(n.node, n.tls_port, n.peer), "");
    ASSERT_TRUE(peer.send_raw(options_request("cleartext")));
    EXPECT_TRUE(peer.wait_closed(10s)) << "connection left open after garbage";
    EXPECT_TRUE(peer.raw_received().empty() || static_cast<unsigned char>(peer.raw_received()[0]) == 0x15)
        << "something other than an alert came back";
    EXPECT_TRUE(node.wait_for_log("wrong version number; closing", 5s)) << node.log();
  }
  {
    // A record header of handshake type whose body is not a ClientHello.
    TlsPeer peer(pbx_peer(pki));
    ASSERT_EQ(peer.connect(n.node, n.tls_port, n.peer), "");
    ASSERT_TRUE(peer.send_raw(std::string("\x16\x03\x01\x00\x08\x63\x00\x00\x04zzzz", 13)));
    EXPECT_TRUE(peer.wait_closed(10s)) << "connection left open after a bogus handshake record";
    const std::string& got = peer.raw_received();
    ASSERT_GE(got.size(), 7u) << "no alert before the close";
    EXPECT_EQ(static_cast<unsigned char>(got[0]), 0x15) << "not an alert record";
    EXPECT_EQ(static_cast<unsigned char>(got[5]), 2) << "not a fatal alert";
  }
  // Both counted; the second line from the same address may be held back
  // by the rate limit of repeated lines (one per source per 10 s and worker).
  EXPECT_EQ(tls_failures(node, "handshake"), 2) << node.status_json();
  const std::size_t lines = count_of(node.log(), "TLS handshake failed: ");
  EXPECT_GE(lines, 1u) << node.log();
  EXPECT_LE(lines, 2u) << node.log();
  TlsPeer peer(pbx_peer(pki));
  EXPECT_EQ(options_exchange(peer, n, "after-garbage"), "");
  finish(node);
}

// 40 connections at once from one address against handshake-rate 5 (bursts
// of 10): the first 10 or so are admitted, the rest closed at once.
void flood_test(int tag, int workers) {
  Net n = net(tag);
  TempDir dir("tls-flood");
  Pki pki = make_pki(dir, "pki");
  NodeOptions o;
  o.tls = "handshake-rate = 5\nhandshake-timeout = 10000\n";  // 5/s, bursts of 10
  o.workers = workers;
  Sipnic node(dir, node_config(n, pki, o));
  ASSERT_EQ(node.wait_ready(), "");
  std::vector<std::unique_ptr<TlsPeer>> flood;
  for (int i = 0; i < 40; ++i) flood.push_back(std::make_unique<TlsPeer>(pbx_peer(pki)));
  for (auto& p : flood) ASSERT_EQ(p->connect(n.node, n.tls_port, n.peer), "");  // a tight burst
  // Refused connections are closed at once; admitted ones wait for a ClientHello.
  std::this_thread::sleep_for(500ms);
  int closed = 0;
  for (auto& p : flood) closed += p->wait_closed(10ms) ? 1 : 0;
  EXPECT_GE(closed, 25) << "of 40 connections in a burst, fewer than 25 refused (workers " << workers << ")";
  EXPECT_LE(closed, 35) << "the burst allowance (10) was not admitted";
  EXPECT_TRUE(node.wait_for_log("tls handshakes from " + n.peer + " over 5/s: refusing connections", 5s))
      << node.log();
  // Another address is not affected; the admitted ones still work.
  TlsPeer other(pbx_peer(pki));
  ASSERT_EQ(other.connect(n.node, n.tls_port, n.other), "");
  ASSERT_EQ(other.handshake(10s), "");
  ASSERT_TRUE(other.send(options_request("flood-other")));
  EXPECT_TRUE(other.read_until("SIP/2.0 200 OK", 10s)) << node.log();
  for (auto& p : flood) {
    if (p->closed()) continue;
    ASSERT_EQ(p->handshake(10s), "");
    ASSERT_TRUE(p->send(options_request("flood-admitted")));
    EXPECT_TRUE(p->read_until("SIP/2.0 200 OK", 10s)) << node.log();
    break;
  }
  finish(node);
}

TEST(TlsPeer, ConnectionFloodFromOneAddressBeyondTheHandshakeRateIsRefused) { flood_test(74, 1); }

// Every worker accepts on the same address (SO_REUSEPORT): the limit is the
// node's, shared by its workers, not N times the rate.
TEST(TlsPeer, HandshakeRateHoldsPerNodeWithTwoWorkers) { flood_test(84, 2); }

// ---- reload ------------------------------------------------------------------------------------

void copy_file(const std::string& from, const std::string& to) {
  fs::copy_file(from, to, fs::copy_options::overwrite_existing);
}

TEST(TlsPeer, ReloadServesNewCertificatesKeepsEstablishedConnectionsAndRefusesABrokenFile) {
  Net n = net(75);
  TempDir dir("tls-reload");
  Pki a = make_pki(dir, "a");
  Pki b = make_pki(dir, "b");
  // The node's files live in `live`; the test swaps them under it.
  Pki live{dir.file("live")};
  fs::create_directories(live.dir);
  for (const char* f : {"node.crt", "node.key", "ca.crt"}) copy_file(a.file(f), live.file(f));
  std::string pid_file = dir.file("sipnic.pid");
  Sipnic node(dir, node_config(n, live), {"--pid-file", pid_file});
  ASSERT_EQ(node.wait_ready(), "");
  ASSERT_TRUE(fs::exists(pid_file));
  auto reload = [&] {
    ChildProcess p({sipnic_binary(), "reload", "--pid-file", pid_file},
                   {.stdout_path = dir.file("reload.out"), .stderr_path = dir.file("reload.err")});
    auto status = p.wait_for(10s);
    return status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0;
  };

  TlsPeer before(pbx_peer(a));
  ASSERT_EQ(options_exchange(before, n, "reload-1"), "");
  EXPECT_EQ(before.peer_fingerprint(), cert_file_fingerprint(a.file("node.crt")));

  for (const char* f : {"node.crt", "node.key", "ca.crt"}) copy_file(b.file(f), live.file(f));
  ASSERT_TRUE(reload()) << read_text_file(dir.file("reload.err"));
  ASSERT_TRUE(node.wait_for_log("reloaded TLS certificates", 10s)) << node.log();

  // The established connection keeps working.
  ASSERT_TRUE(before.send(options_request("reload-2")));
  EXPECT_TRUE(before.read_until("SIP/2.0 200 OK", 10s, 2)) << node.log();
  // New handshakes present B's certificate and trust B's CA only.
  {
    TlsPeer after(pbx_peer(b));
    EXPECT_EQ(options_exchange(after, n, "reload-3"), "") << node.log();
    EXPECT_EQ(after.peer_fingerprint(), cert_file_fingerprint(b.file("node.crt")));
  }
  {
    TlsPeer old_ca(pbx_peer(a));  // verifies the server against A: B's certificate fails
    EXPECT_NE(options_exchange(old_ca, n, "reload-4"), "");
  }

  // A broken certificate file: the reload is refused, naming it; B stays.
  write_text_file(live.file("node.crt"), "-----BEGIN CERTIFICATE-----\nbroken\n-----END CERTIFICATE-----\n");
  ASSERT_TRUE(reload());
  EXPECT_TRUE(node.wait_for_log("reload refused", 10s)) << node.log();
  std::string log = node.log();
  auto refused = log.find("reload refused");
  ASSERT_NE(refused, std::string::npos);
  std::string line = log.substr(refused, log.find('\n', refused) - refused);
  EXPECT_NE(line.find(live.file("node.crt")), std::string::npos) << "the error does not name the file: " << line;
  {
    TlsPeer still_b(pbx_peer(b));
    EXPECT_EQ(options_exchange(still_b, n, "reload-5"), "") << node.log();
    EXPECT_EQ(still_b.peer_fingerprint(), cert_file_fingerprint(b.file("node.crt")));
  }
  ASSERT_TRUE(before.send(options_request("reload-6")));
  EXPECT_TRUE(before.read_until("SIP/2.0 200 OK", 10s, 3)) << node.log();
  finish(node);
  EXPECT_FALSE(fs::exists(pid_file)) << "pid file left behind";
}

// Serial number of the first certificate of a PEM file (the test's own read
// with OpenSSL, independent of the node).
std::uint64_t cert_serial(const std::string& pem_path) {
  std::string pem = read_text_file(pem_path);
  const core::BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  const core::X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (cert == nullptr) return 0;
  std::uint64_t serial = 0;
  ASN1_INTEGER_get_uint64(&serial, X509_get0_serialNumber(cert.get()));
  return serial;
}

// A CRL of `pki`'s CA revoking the certificates `names` (NAME.crt).
std::string crl_revoking(const Pki& pki, const std::vector<std::string>& names) {
  tls::IssuedCert ca{read_text_file(pki.file("ca.crt")), read_text_file(pki.file("ca.key")), 0};
  std::vector<std::uint64_t> serials;
  for (const auto& name : names) serials.push_back(cert_serial(pki.file(name + ".crt")));
  return tls::make_crl(ca, serials);
}

TEST(TlsPeer, RevokedCertificateIsRefusedAfterTheCrlIsReloaded) {
  Net n = net(88);
  TempDir dir("tls-crl");
  Pki pki = make_pki(dir, "pki", {.key_type = "ecdsa", .node_name = "", .peers = {"pbx.sipnic.test", "carrier.sipnic.test", "pbx2.sipnic.test"}, .ips = {}});
  ASSERT_NE(cert_serial(pki.file("pbx.crt")), 0u);
  // First CRL: revokes carrier only; pbx is fine.
  std::string crl = dir.file("ca.crl");
  write_text_file(crl, crl_revoking(pki, {"carrier"}));
  std::string pid_file = dir.file("sipnic.pid");
  NodeOptions o;
  o.tls = "crl = " + crl + "\n";
  o.pbx = "tls-identity = pbx2.sipnic.test\n";
  Sipnic node(dir, node_config(n, pki, o), {"--pid-file", pid_file});
  ASSERT_EQ(node.wait_ready(), "");
  TlsPeer before(pbx_peer(pki));
  ASSERT_EQ(options_exchange(before, n, "crl-1"), "") << node.log();

  // Second CRL revokes pbx too; after the reload new handshakes with pbx's
  // certificate are refused with a log line that says so, while pbx2 (same
  // trunk, not revoked) and the established connection keep working.
  write_text_file(crl, crl_revoking(pki, {"carrier", "pbx"}));
  ChildProcess reload({sipnic_binary(), "reload", "--pid-file", pid_file},
                      {.stdout_path = dir.file("reload.out"), .stderr_path = dir.file("reload.err")});
  auto status = reload.wait_for(10s);
  ASSERT_TRUE(status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << read_text_file(dir.file("reload.err"));
  ASSERT_TRUE(node.wait_for_log("reloaded TLS certificates", 10s)) << node.log();

  std::string out = refused_s_client(dir, n, pki, pki, "pbx");
  EXPECT_NE(out.find("fatal certificate_revoked"), std::string::npos) << out;
  EXPECT_TRUE(node.wait_for_log("certificate revoked (subject: ", 5s)) << node.log();
  EXPECT_NE(node.log().find("CN=pbx.sipnic.test"), std::string::npos) << node.log();
  {
    TlsPeer other(pbx_peer(pki, "pbx2"));
    EXPECT_EQ(options_exchange(other, n, "crl-2"), "") << node.log();
  }
  ASSERT_TRUE(before.send(options_request("crl-3")));
  EXPECT_TRUE(before.read_until("SIP/2.0 200 OK", 10s, 2)) << node.log();
  finish(node);
}

// ---- keylog ------------------------------------------------------------------------------------

// The secrets (third field) of NSS key log lines.
std::vector<std::string> secrets_of(const std::vector<std::string>& lines) {
  std::vector<std::string> out;
  for (const auto& l : lines) {
    auto a = l.find(' ');
    auto b = a == std::string::npos ? a : l.find(' ', a + 1);
    if (b != std::string::npos) out.push_back(l.substr(b + 1));
  }
  return out;
}

using core::ascii::to_lower;

// Every file under `dir` (logs, configs, anything the node wrote) as one lowercase text.
std::string all_files_lowercase(const std::string& dir) {
  std::string all;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) all += to_lower(read_text_file(e.path().string()));
  return all;
}

TEST(TlsPeer, KeylogOptionWritesTheConnectionsSecretsAndNoSecretReachesTheLog) {
  Net n = net(76);
  TempDir dir("tls-keylog");
  Pki pki = make_pki(dir, "pki");
  std::string keylog = dir.file("keys.log");
  Sipnic node(dir, node_config(n, pki), {"--tls-keylog", keylog});
  ASSERT_EQ(node.wait_ready(), "");
  EXPECT_TRUE(node.wait_for_log("TLS secrets are being written to " + keylog, 5s)) << node.log();
  std::vector<std::string> client_lines;
  for (int version : {TLS1_3_VERSION, TLS1_2_VERSION}) {
    TlsPeerOptions o = pbx_peer(pki);
    o.min_version = o.max_version = version;
    TlsPeer peer(o);
    ASSERT_EQ(options_exchange(peer, n, "keylog"), "");
    client_lines.insert(client_lines.end(), peer.keylog().begin(), peer.keylog().end());
  }
  finish(node);
  std::string file = read_text_file(keylog);
  // The node's lines are the same as the client's own (same secrets, same randoms).
  ASSERT_FALSE(client_lines.empty());
  bool tls13 = false, tls12 = false;
  for (const auto& l : client_lines) {
    EXPECT_NE(file.find(l), std::string::npos) << "missing from the node's key log: " << l << "\nfile:\n" << file;
    tls13 = tls13 || l.rfind("CLIENT_TRAFFIC_SECRET_0 ", 0) == 0;
    tls12 = tls12 || l.rfind("CLIENT_RANDOM ", 0) == 0;
  }
  EXPECT_TRUE(tls13 && tls12);
  struct stat st {};
  ASSERT_EQ(::stat(keylog.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u) << "key log file is not 0600";
  std::string log = to_lower(node.log());
  for (const auto& s : secrets_of(client_lines))
    EXPECT_EQ(log.find(to_lower(s)), std::string::npos) << "a TLS secret is in sipnic's log";
}

TEST(TlsPeer, WithoutKeylogOptionNoSecretIsWrittenAnywhere) {
  Net n = net(77);
  TempDir dir("tls-nokeylog");
  Pki pki = make_pki(dir, "pki");
  Sipnic node(dir, node_config(n, pki));
  ASSERT_EQ(node.wait_ready(), "");
  std::vector<std::string> client_lines;
  for (int version : {TLS1_3_VERSION, TLS1_2_VERSION}) {
    TlsPeerOptions o = pbx_peer(pki);
    o.min_version = o.max_version = version;
    TlsPeer peer(o);
    ASSERT_EQ(options_exchange(peer, n, "nokeylog"), "");
    client_lines.insert(client_lines.end(), peer.keylog().begin(), peer.keylog().end());
  }
  finish(node);
  ASSERT_FALSE(client_lines.empty());
  std::string all = all_files_lowercase(dir.path());
  EXPECT_EQ(all.find("client_random"), std::string::npos);
  EXPECT_EQ(all.find("traffic_secret"), std::string::npos);
  for (const auto& s : secrets_of(client_lines))
    EXPECT_EQ(all.find(to_lower(s)), std::string::npos) << "a TLS secret was written to a file in " << dir.path();
  EXPECT_EQ(node.log().find("TLS secrets are being written"), std::string::npos);
}

// ---- RFC 5626 keepalive -------------------------------------------------------------------------

TEST(TlsPeer, CrlfPingOnTlsIsAnsweredWithACrlfPong) {
  Net n = net(78);
  TempDir dir("tls-pong");
  Pki pki = make_pki(dir, "pki");
  Sipnic node(dir, node_config(n, pki));
  ASSERT_EQ(node.wait_ready(), "");
  TlsPeer peer(pbx_peer(pki));
  ASSERT_EQ(peer.connect(n.node, n.tls_port, n.peer), "");
  ASSERT_EQ(peer.handshake(10s), "");
  ASSERT_TRUE(peer.send("\r\n\r\n"));
  ASSERT_TRUE(peer.read_until("\r\n", 10s)) << node.log();
  peer.drain(300ms);
  EXPECT_EQ(peer.plaintext(), "\r\n") << "the pong is exactly one CRLF";
  // A ping between messages, and the connection still carries SIP.
  ASSERT_TRUE(peer.send(options_request("pong-1") + "\r\n\r\n"));
  EXPECT_TRUE(peer.read_until("SIP/2.0 200 OK", 10s)) << node.log();
  peer.drain(300ms);
  EXPECT_EQ(peer.plaintext().substr(peer.plaintext().size() - 2), "\r\n");
  EXPECT_EQ(count_of(peer.plaintext(), "SIP/2.0 200 OK"), 1u);
  finish(node);
}

TEST(TlsPeer, OutboundTlsTrunkConnectionCarriesCrlfKeepalivePings) {
  // keepalive-interval 1000 ms; the OPTIONS ping of trunk pbx opens the
  // connection to s_server, which prints what it receives.
  Net n = net(79);
  TempDir dir("tls-ping");
  Pki pki = make_pki(dir, "pki");
  std::uint16_t server_port = free_port_on(n.peer);
  PipedChild server({openssl_binary(), "s_server", "-accept", n.peer + ":" + std::to_string(server_port), "-cert",
                     pki.file("pbx.crt"), "-key", pki.file("pbx.key"), "-CAfile", pki.file("ca.crt"), "-Verify", "2",
                     "-verify_return_error"},
                    dir.file("s_server.out"));
  ASSERT_TRUE(wait_listening(n.peer, server_port, 10s)) << server.output();
  NodeOptions o;
  o.pbx_peer = n.peer + ":" + std::to_string(server_port);
  o.pbx = "options-interval = 1000\n";
  o.timers = "keepalive-interval = 1000\n";
  Sipnic node(dir, node_config(n, pki, o));
  ASSERT_EQ(node.wait_ready(), "");
  const std::string end_of_options = "Content-Length: 0\r\n\r\n";
  ASSERT_TRUE(server.wait_for_output(end_of_options, 10s)) << server.output() << node.log();
  // After the OPTIONS: CRLFCRLF pings, one a second.
  auto pings_after_options = [&] {
    std::string out = server.output();
    auto p = out.find(end_of_options);
    if (p == std::string::npos) return std::size_t{0};
    std::string rest = out.substr(p + end_of_options.size());
    return count_of(rest.substr(0, rest.find_first_not_of("\r\n")), "\r\n\r\n");
  };
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (pings_after_options() < 2 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(50ms);
  EXPECT_GE(pings_after_options(), 2u) << "s_server output:\n" << server.output();
  EXPECT_NE(server.output().find("subject=O = sipnic demo (not for production), CN = node.sipnic.test"),
            std::string::npos)
      << server.output();
  finish(node);
}

}  // namespace
}  // namespace sipnic::test
