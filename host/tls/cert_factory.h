// Throwaway certificates for demos and tests: a CA, and leaf certificates it
// issues with the identities RFC 5922 looks at (subjectAltName DNS names and
// SIP URIs). `sipnic certs init DIR` uses this; it is NOT for production
// (keys are written unencrypted, the CA key sits next to its certificate).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace sipnic::tls {

enum class KeyType { kEcdsaP256, kRsa2048 };

struct CertSpec {
  std::string common_name;
  std::vector<std::string> dns_names;  // subjectAltName DNS
  std::vector<std::string> sip_uris;   // subjectAltName URI ("sip:example.com")
  // subjectAltName iPAddress: IPv4 or IPv6 literals (a UA that dials an
  // address checks it against these, RFC 6125 §6.2.1 / RFC 2818 §3.1).
  std::vector<std::string> ip_addresses;
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

// An IP address as a certificate's subjectAltName carries it: canonical,
// without brackets ("::1"); nullopt if `text` is not an IPv4 or IPv6 literal.
std::optional<std::string> ip_san(std::string_view text);

// A self-signed CA. Throws CertError (also for an ip_addresses entry that is
// not an IPv4 or IPv6 literal).
IssuedCert make_ca(const CertSpec& spec);
// A leaf (or intermediate, with spec.is_ca) certificate signed by `issuer`.
IssuedCert issue_cert(const IssuedCert& issuer, const CertSpec& spec);
// A CRL from `ca` revoking the given serials (PEM).
std::string make_crl(const IssuedCert& ca, const std::vector<std::uint64_t>& revoked_serials);

struct DemoPkiOptions {
  KeyType key_type = KeyType::kEcdsaP256;
  std::string node_name = "node.sipnic.test";
  std::vector<std::string> node_ips;  // iPAddress entries of the node certificate
  std::vector<std::string> peer_names = {"pbx.sipnic.test", "carrier.sipnic.test"};
};

// Writes ca.crt, ca.key, node.crt, node.key and one NAME.crt / NAME.key pair
// per peer (file names from the first label of the peer name, e.g.
// "pbx.crt"), each leaf carrying DNS:NAME and URI:sip:NAME (the node's also
// IP:ADDRESS for each of node_ips), plus an empty ca.crl and a README.
// Refuses to overwrite an existing ca.key, and a node_ips entry that is not
// an IP literal, before writing anything. Returns the files written. Throws
// CertError (naming the file or the address) on failure.
std::vector<std::filesystem::path> init_demo_pki(const std::filesystem::path& dir,
                                                 const DemoPkiOptions& options = {});

}  // namespace sipnic::tls
