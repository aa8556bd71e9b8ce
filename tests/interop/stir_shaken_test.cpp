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
#include <map>
#include <string>

#include "interop/support/sipp_harness.h"
#include "tls/cert_factory.h"

namespace sipnic::test {
namespace {

using namespace std::chrono_literals;

constexpr const char* kCertUrl = "https://cert.sipnic.test/sp1.pem";

// A key file as sipnic wants one: 0600.
void write_key_file(const std::string& path, const std::string& pem) {
  write_text_file(path, pem);
  std::filesystem::permissions(path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
                               std::filesystem::perm_options::replace);
}

// An STI-CA and a service provider's signing certificate (ES256), in `dir`:
// sti-ca.crt, sp1.pem, sp1.key (0600), and the repository index naming the
// certificate by its URL; and the provider's next certificate and key of the
// same CA (sp1-next.pem, sp1-next.key), for a rotation.
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
  write_key_file(dir.file("sp1.key"), signer.key_pem);
  const tls::IssuedCert next = tls::issue_cert(ca, leaf);
  write_text_file(dir.file("sp1-next.pem"), next.cert_pem);
  write_key_file(dir.file("sp1-next.key"), next.key_pem);
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
           {"-sf", scenario(dir, "uac_final.xml", {{"HEADERS", ""}, {"STATUS", "428"}, {"ON_FINAL", ""}}), "-i", n.caller, "-p", "5060",
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

// A key rotation without a restart: the originating edge takes its new key
// on `sipnic reload` (same certificate URL), and until the terminating edge
// reloads its repository with the new certificate there, the signatures do
// not verify (438); after it, calls pass again.
TEST(StirShaken, AKeyRotationTakesEffectOnReloadAtBothEdges) {
  TempDir dir("stir-shaken-reload");
  write_stir_pki(dir);
  Nodes n;
  Sipnic node1(dir, node1_config(dir, n, true), {}, "node1");
  Sipnic node2(dir, node2_config(dir, n), {}, "node2");
  ASSERT_EQ(node1.wait_ready(), "");
  ASSERT_EQ(node2.wait_ready(), "");
  auto reload = [&](Sipnic& node, const std::string& name) {
    ChildProcess p({sipnic_binary(), "reload", "--pid", std::to_string(node.pid())},
                   {.stdout_path = dir.file(name + "-reload.out"), .stderr_path = dir.file(name + "-reload.err")});
    auto status = p.wait_for(10s);
    return status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0;
  };
  // The callee takes the calls before the rotation and after both reloads.
  Sipp uas(dir, "uas",
           {"-sf", scenario(dir, "uas_call.xml", {{"ON_INVITE", ""}}), "-i", n.callee, "-p", "5060", "-m", "2",
            "-recv_timeout", "30000"},
           90s);
  auto one_call = [&](const std::string& name, const std::string& xml, std::map<std::string, std::string> params) {
    Sipp uac(dir, name,
             {"-sf", scenario(dir, xml, std::move(params)), "-i", n.caller, "-p", "5060", "-s", "+15550103000",
              n.node1 + ":" + std::to_string(n.port1), "-m", "1", "-recv_timeout", "15000"},
             30s);
    return uac.wait();
  };
  const std::map<std::string, std::string> call_params = {
      {"URI_PARAMS", ""}, {"HEADERS", "P-Asserted-Identity: <sip:+15550102000@" + n.caller + ";user=phone>\n"}};
  SippResult before = one_call("uac-before", "uac_call_with.xml", call_params);
  EXPECT_EQ(before.successful(), 1) << "before the rotation: " << before.describe();

  std::filesystem::copy_file(dir.file("sp1-next.key"), dir.file("sp1.key"), std::filesystem::copy_options::overwrite_existing);
  ASSERT_TRUE(reload(node1, "node1")) << read_text_file(dir.file("node1-reload.err"));
  ASSERT_TRUE(node1.wait_for_log("reloaded the STIR/SHAKEN key", 10s)) << node1.log();
  SippResult mismatch = one_call("uac-mismatch", "uac_final.xml",
                                 {{"HEADERS", call_params.at("HEADERS")}, {"STATUS", "438"}, {"ON_FINAL", ""}});
  EXPECT_EQ(mismatch.successful(), 1) << "new key, old certificate at the verifier (438): " << mismatch.describe();

  std::filesystem::copy_file(dir.file("sp1-next.pem"), dir.file("sp1.pem"), std::filesystem::copy_options::overwrite_existing);
  ASSERT_TRUE(reload(node2, "node2")) << read_text_file(dir.file("node2-reload.err"));
  ASSERT_TRUE(node2.wait_for_log("reloaded the STIR/SHAKEN key", 10s)) << node2.log();
  SippResult after = one_call("uac-after", "uac_call_with.xml", call_params);
  EXPECT_EQ(after.successful(), 1) << "after both reloads: " << after.describe();
  SippResult s = uas.wait();
  EXPECT_EQ(s.successful(), 2) << "UAS: " << s.describe();

  // A broken key file: the reload is refused, naming the file, and the key
  // in use stays.
  write_key_file(dir.file("sp1.key"), "not a key\n");
  ASSERT_TRUE(reload(node1, "node1"));
  EXPECT_TRUE(node1.wait_for_log("STIR/SHAKEN reload refused, the previous files stay in use", 10s)) << node1.log();
  EXPECT_NE(node1.log().find(dir.file("sp1.key")), std::string::npos) << node1.log();
  stop_and_check(node1);
  SipnicSummary sum2 = stop_and_check(node2);
  EXPECT_EQ(sum2.answered, 2) << sum2.line;
}

}  // namespace
}  // namespace sipnic::test
