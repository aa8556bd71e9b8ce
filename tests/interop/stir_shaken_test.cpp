// STIR/SHAKEN across the wire (docs/stir-shaken.md): two sipnic nodes, the
// first an originating carrier edge that signs the INVITEs it sends to the
// second (stir-attest = A), the second a terminating edge that requires a
// valid Identity from the first (stir-verify = required) and passes the
// verstat on to its callee, a sipp UAS that checks it. The PASSporTs of an
// independent signer (PyJWT) are checked through the B2BUA in
// tests/unit/interwork/b2bua_test.cpp (B2buaStir*); this is the end-to-end
// path: sipnic's own signature, read back by sipnic over UDP.
//
//   sipp UAC (127.0.56.2) -> node 1 (127.0.56.1) -> node 2 (127.0.56.4) -> sipp UAS (127.0.56.3)
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "interop/support/sipp_harness.h"
#include "tls/cert_factory.h"

namespace sipnic::test {
namespace {

using namespace std::chrono_literals;

constexpr const char* kCertUrl = "https://cert.sipnic.test/sp1.pem";

// An STI-CA and a service provider's signing certificate (ES256), in `dir`:
// sti-ca.crt, sp1.pem, sp1.key (0600), and the repository index naming the
// certificate by its URL.
void write_stir_pki(const TempDir& dir) {
  tls::CertSpec ca_spec;
  ca_spec.common_name = "sipnic interop STI-CA";
  ca_spec.is_ca = true;
  ca_spec.days = 2;
  const tls::IssuedCert ca = tls::make_ca(ca_spec);
  tls::CertSpec leaf;
  leaf.common_name = "SHAKEN sp1";
  leaf.days = 2;
  const tls::IssuedCert signer = tls::issue_cert(ca, leaf);
  write_text_file(dir.file("sti-ca.crt"), ca.cert_pem);
  write_text_file(dir.file("sp1.pem"), signer.cert_pem);
  write_text_file(dir.file("sp1.key"), signer.key_pem);
  std::filesystem::permissions(dir.file("sp1.key"), std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
                               std::filesystem::perm_options::replace);
  write_text_file(dir.file("index"), std::string(kCertUrl) + " sp1.pem\n");
}

struct Nodes {
  std::string node1 = "127.0.56.1", caller = "127.0.56.2", callee = "127.0.56.3", node2 = "127.0.56.4";
  std::uint16_t port1 = free_port_on("127.0.56.1");
  std::uint16_t port2 = free_port_on("127.0.56.4");
};

std::string node1_config(const TempDir& dir, const Nodes& n, bool sign) {
  return "[node]\nworkers = 1\n[listen]\nudp = " + n.node1 + ":" + std::to_string(n.port1) + "\n" +
         "[stir]\ncertificate-url = " + kCertUrl + "\nprivate-key = " + dir.file("sp1.key") + "\n" +
         "[trunk pbx]\npeer = " + n.caller + ":5060\n" +
         "[trunk terminating]\npeer = " + n.node2 + ":" + std::to_string(n.port2) + "\n" +
         (sign ? "stir-attest = A\n" : "") + "[route out]\nfrom-trunk = pbx\nto-trunk = terminating\n";
}

std::string node2_config(const TempDir& dir, const Nodes& n) {
  return "[node]\nworkers = 1\n[listen]\nudp = " + n.node2 + ":" + std::to_string(n.port2) + "\n" +
         "[stir]\nrepository = " + dir.file("index") + "\nca = " + dir.file("sti-ca.crt") + "\n" +
         "[trunk originating]\npeer = " + n.node1 + ":" + std::to_string(n.port1) + "\nstir-verify = required\n" +
         "[trunk callee]\npeer = " + n.callee + ":5060\n" + "[route in]\nfrom-trunk = originating\nto-trunk = callee\n";
}

TEST(StirShaken, SignedAtOneEdgeVerifiedAtTheOtherWithPassedOnTheCallersIdentity) {
  TempDir dir("stir-shaken");
  write_stir_pki(dir);
  Nodes n;
  Sipnic node1(dir, node1_config(dir, n, true), {}, "node1");
  Sipnic node2(dir, node2_config(dir, n), {}, "node2");
  ASSERT_EQ(node1.wait_ready(), "");
  ASSERT_EQ(node2.wait_ready(), "");
  const int calls = 5;
  std::string on_invite = sipp_checks({
      {"^ *.sip:\\+15550102000;verstat=TN-Validation-Passed@" + escape_dots(n.node2) + ";user=phone.$",
       "P-Asserted-Identity:", true},
      // node 1's own Identity, relayed on by node 2 (sipp's header search
      // would find P-Asserted-Identity for "Identity:": the whole message)
      {"info=.https://cert\\.sipnic\\.test/sp1\\.pem.;alg=ES256;ppt=shaken", "msg", true},  // (no < in sipp XML)
  });
  Sipp uas(dir, "uas",
           {"-sf", scenario(dir, "uas_call.xml", {{"ON_INVITE", on_invite}}), "-i", n.callee, "-p", "5060", "-m",
            std::to_string(calls), "-recv_timeout", "15000"},
           60s);
  Sipp uac(dir, "uac",
           {"-sf",
            scenario(dir, "uac_call_with.xml",
                     {{"URI_PARAMS", ""},
                      {"HEADERS", "P-Asserted-Identity: <sip:+15550102000@" + n.caller + ";user=phone>\n"}}),
            "-i", n.caller, "-p", "5060", "-s", "+15550103000", n.node1 + ":" + std::to_string(n.port1), "-m",
            std::to_string(calls), "-r", "10", "-recv_timeout", "15000"},
           60s);
  SippResult c = uac.wait();
  SippResult s = uas.wait();
  EXPECT_EQ(c.exit_code, 0) << "UAC: " << c.describe();
  EXPECT_EQ(c.successful(), calls) << "UAC: " << c.describe();
  EXPECT_EQ(s.exit_code, 0) << "UAS (verstat on the INVITE): " << s.describe();
  EXPECT_EQ(s.successful(), calls) << "UAS: " << s.describe();
  stop_and_check(node1);
  SipnicSummary sum2 = stop_and_check(node2);
  EXPECT_EQ(sum2.answered, calls) << sum2.line;
}

TEST(StirShaken, AnUnsignedInviteToAnEdgeThatRequiresIdentityGets428) {
  TempDir dir("stir-shaken-428");
  write_stir_pki(dir);
  Nodes n;
  Sipnic node1(dir, node1_config(dir, n, false), {}, "node1");
  Sipnic node2(dir, node2_config(dir, n), {}, "node2");
  ASSERT_EQ(node1.wait_ready(), "");
  ASSERT_EQ(node2.wait_ready(), "");
  const int calls = 3;
  Sipp uac(dir, "uac",
           {"-sf", scenario(dir, "uac_final.xml", {{"STATUS", "428"}, {"ON_FINAL", ""}}), "-i", n.caller, "-p", "5060",
            "-s", "+15550103000", n.node1 + ":" + std::to_string(n.port1), "-m", std::to_string(calls), "-r", "10",
            "-recv_timeout", "15000"},
           60s);
  SippResult c = uac.wait();
  EXPECT_EQ(c.exit_code, 0) << "UAC (428 Use Identity Header): " << c.describe();
  EXPECT_EQ(c.successful(), calls) << "UAC: " << c.describe();
  stop_and_check(node1);
  stop_and_check(node2);
  EXPECT_NE(node2.log().find("refused (stir-verify = required)"), std::string::npos) << node2.log();
}

}  // namespace
}  // namespace sipnic::test
