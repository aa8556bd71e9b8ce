// Throwaway certificates for demos and tests: a CA, and leaf certificates it
// issues with the identities RFC 5922 looks at (subjectAltName DNS names and
// SIP URIs). `sipnic certs init DIR` uses this; it is NOT for production
// (keys are written unencrypted, the CA key sits next to its certificate).
#pragma once

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace sipnic::tls {

enum class KeyType { kEcdsaP256, kRsa2048 };

struct CertSpec {
  std::string common_name;
  std::vector<std::string> dns_names;  // subjectAltName DNS
  std::vector<std::string> sip_uris;   // subjectAltName URI ("sip:example.com")
  bool is_ca = false;
  int days = 825;
  KeyType key_type = KeyType::kEcdsaP256;
};

// A certificate and its private key, both PEM.
struct IssuedCert {
  std::string cert_pem;
  std::string key_pem;
  std::uint64_t serial = 0;
};

class CertError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A self-signed CA. Throws CertError.
IssuedCert make_ca(const CertSpec& spec);
// A leaf (or intermediate, with spec.is_ca) certificate signed by `issuer`.
IssuedCert issue_cert(const IssuedCert& issuer, const CertSpec& spec);
// A CRL from `ca` revoking the given serials (PEM).
std::string make_crl(const IssuedCert& ca, const std::vector<std::uint64_t>& revoked_serials);

struct DemoPkiOptions {
  KeyType key_type = KeyType::kEcdsaP256;
  std::string node_name = "node.sipnic.test";
  std::vector<std::string> peer_names = {"pbx.sipnic.test", "carrier.sipnic.test"};
};

// Writes ca.crt, ca.key, node.crt, node.key and one NAME.crt / NAME.key pair
// per peer (file names from the first label of the peer name, e.g.
// "pbx.crt"), each leaf carrying DNS:NAME and URI:sip:NAME, plus an empty
// ca.crl and a README. Refuses to overwrite an existing ca.key. Returns the
// files written. Throws CertError (naming the file) on failure.
std::vector<std::filesystem::path> init_demo_pki(const std::filesystem::path& dir,
                                                 const DemoPkiOptions& options = {});

}  // namespace sipnic::tls
