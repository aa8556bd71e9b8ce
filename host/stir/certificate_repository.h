// The local certificate repository a verifier reads signers' certificates
// from (RFC 8224 §7.2 "dereferencing" the info URL, done here without any
// network fetch): each x5u URL maps to a PEM file holding the signer's
// certificate first and any intermediates after it. A certificate is only
// used once its chain verifies (X509_verify_cert) against the configured
// STI-CA trust anchors at the verification time, and its key is P-256.
//
// The index file maps URLs to files, one per line, relative paths against
// the index file's folder; '#' starts a comment line:
//
//   https://cert.example.net/sp1.pem   sp1.pem
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/ossl_ptr.h"

namespace sipnic::stir {

struct CertificateLookup {
  enum class Status : std::uint8_t {
    kTrusted,     // key is the trusted signer's public key
    kUnknownUrl,  // no certificate for this URL in the repository
    kUntrusted,   // the chain does not verify against the trust anchors, or no P-256 key
  };
  Status status = Status::kUnknownUrl;
  EVP_PKEY* key = nullptr;  // kTrusted: valid as long as the repository
  std::string_view reason;  // what was wrong (static text), "" when trusted
};

class CertificateRepository {
 public:
  // Reads an index file (see above) into URL -> PEM file. Throws StirError
  // naming the file and line of a bad entry, or the unreadable file.
  static std::map<std::string, std::filesystem::path> read_index(const std::filesystem::path& index_file);

  // Loads every PEM file of `certificates` and the trust anchors of
  // `ca_file`. Throws StirError naming a file that cannot be read or holds
  // no certificate.
  CertificateRepository(const std::map<std::string, std::filesystem::path>& certificates,
                        const std::filesystem::path& ca_file);

  // The signer's key for `url`, if its chain verifies at `now`.
  CertificateLookup lookup(std::string_view url, std::chrono::system_clock::time_point now) const;

  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    core::X509Ptr leaf;
    core::X509StackPtr intermediates;
  };
  core::X509StorePtr store_;
  std::map<std::string, Entry, std::less<>> entries_;
};

}  // namespace sipnic::stir
