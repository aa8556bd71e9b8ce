// A throwaway STIR/SHAKEN PKI for the stir layer's tests, in a temporary
// directory removed afterwards: an STI-CA (the trust anchor), a service
// provider's signing certificate it issued, a second certificate of the same
// CA (whose key is the "wrong key" for the first one's x5u), and a rogue CA
// with a certificate of its own (not chained to the trust anchor). All
// ECDSA P-256 (ES256), made by tls/cert_factory.h like tls_test_pki.h's.
//
// Also the independent PASSporT tool (tests/support/stir_passport_tool.py,
// PyJWT) run with Debian's python3, and a repository index naming the
// certificates by their x5u URLs.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "stir/stir_error.h"
#include "support/run_command.h"
#include "tls/cert_factory.h"

namespace sipnic::stir::testing {

inline constexpr const char* kSignerUrl = "https://cert.sipnic.test/sp1.pem";
inline constexpr const char* kOtherUrl = "https://cert.sipnic.test/sp2.pem";
inline constexpr const char* kRogueUrl = "https://rogue.sipnic.test/sp.pem";
inline constexpr const char* kUnknownUrl = "https://cert.sipnic.test/none.pem";

struct StirTestPki {
  StirTestPki() {
    tls::CertSpec ca_spec;
    ca_spec.common_name = "sipnic test STI-CA";
    ca_spec.is_ca = true;
    ca_spec.days = 30;
    const tls::IssuedCert ca = tls::make_ca(ca_spec);
    tls::CertSpec rogue_spec = ca_spec;
    rogue_spec.common_name = "sipnic rogue CA";
    const tls::IssuedCert rogue_ca = tls::make_ca(rogue_spec);
    tls::CertSpec leaf;
    leaf.days = 30;
    leaf.common_name = "SHAKEN sp1";
    const tls::IssuedCert signer = tls::issue_cert(ca, leaf);
    leaf.common_name = "SHAKEN sp2";
    const tls::IssuedCert other = tls::issue_cert(ca, leaf);
    leaf.common_name = "SHAKEN rogue";
    const tls::IssuedCert rogue = tls::issue_cert(rogue_ca, leaf);

    ca_file = dir.file("sti-ca.crt", ca.cert_pem);
    signer_cert = dir.file("sp1.pem", signer.cert_pem);
    signer_key = dir.file("sp1.key", signer.key_pem);
    other_cert = dir.file("sp2.pem", other.cert_pem);
    other_key = dir.file("sp2.key", other.key_pem);
    rogue_cert = dir.file("rogue.pem", rogue.cert_pem);
    rogue_key = dir.file("rogue.key", rogue.key_pem);
    index_file = dir.file("index", std::string("# x5u URL -> PEM file\n") + kSignerUrl + " sp1.pem\n" + kOtherUrl +
                                        "\tsp2.pem\n" + kRogueUrl + " " + rogue_cert.string() + "\n");
  }

  test::TempDir dir{"sipnic-stir-test"};
  std::filesystem::path ca_file, signer_cert, signer_key, other_cert, other_key, rogue_cert, rogue_key, index_file;
};

inline const StirTestPki& shared_stir_pki() {
  static const StirTestPki pki;
  return pki;
}

inline std::string passport_tool() { return std::string(SIPNIC_SOURCE_DIR) + "/tests/support/stir_passport_tool.py"; }

// Runs the tool with Debian's python3 (where python3-jwt is installed).
inline test::RunResult run_passport_tool(std::vector<std::string> args) {
  args.insert(args.begin(), passport_tool());
  return test::run_program(SIPNIC_DEBIAN_PYTHON3, args);
}

struct ToolPassport {
  std::filesystem::path key;
  std::string x5u = kSignerUrl;
  std::string orig = "+15550102000";
  std::string dest = "+15550103000";
  std::string attest = "A";
  std::string origid = "123e4567-e89b-12d3-a456-426614174000";
  std::int64_t iat = 0;
  std::string tamper_dest;  // "": none
};

// An Identity header value signed by the tool; throws with its stderr on failure.
inline std::string tool_identity(const ToolPassport& p) {
  std::vector<std::string> args = {"sign",    "--key",    p.key.string(), "--x5u",    p.x5u,
                                   "--orig",  p.orig,     "--dest",       p.dest,     "--attest",
                                   p.attest,  "--origid", p.origid,       "--iat",    std::to_string(p.iat)};
  if (!p.tamper_dest.empty()) {
    args.push_back("--tamper-dest");
    args.push_back(p.tamper_dest);
  }
  test::RunResult r = run_passport_tool(args);
  if (r.exit_code != 0) throw std::runtime_error("stir_passport_tool sign failed: " + r.err);
  std::string out = r.out;
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

// What `f` threw as StirError, or "no error".
template <class F>
std::string stir_error_of(F&& f) {
  try {
    f();
  } catch (const StirError& e) {
    return e.what();
  }
  return "no error";
}

inline std::int64_t unix_seconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace sipnic::stir::testing
