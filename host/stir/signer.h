// The authentication service of RFC 8224 §6.1 for SHAKEN (RFC 8588): signs
// an outbound INVITE's caller and callee numbers with the node's STI
// certificate key, giving the Identity header value to add.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>

#include "core/ossl_ptr.h"
#include "sip/header_values.h"
#include "stir/passport.h"

namespace sipnic::stir {

class Signer {
 public:
  // `x5u`: the URL where verifiers find the certificate of `key` (a P-256
  // private key). Throws StirError if the key is no P-256 private key.
  Signer(std::string x5u, core::EvpPkeyPtr key);
  // Reads the PEM private key file. Throws StirError naming the file (never
  // its contents) when it cannot be read or holds no P-256 private key.
  static Signer from_key_file(std::string x5u, const std::filesystem::path& private_key_file);

  // The Identity header value for a call from `orig_tn` to `dest_tn` (each
  // canonicalised by canonical_tn) attested at `attest`, with `origid`
  // (make_origid()) and iat = `now`. Errors: a TN that is no number, or the
  // signing failing.
  sip::Decoded<std::string> sign(std::string_view orig_tn, std::string_view dest_tn, Attestation attest,
                                 std::string_view origid, std::chrono::system_clock::time_point now) const;

  const std::string& x5u() const { return x5u_; }

 private:
  std::string x5u_;
  core::EvpPkeyPtr key_;
};

// A random (version 4) UUID for the origid claim (RFC 8588 §5), lower-case.
std::string make_origid();

}  // namespace sipnic::stir
