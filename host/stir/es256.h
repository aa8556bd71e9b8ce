// ES256 (RFC 7518 §3.4): ECDSA on P-256 with SHA-256, the one algorithm
// SHAKEN PASSporTs use (RFC 8588 §3). A JWS carries the signature as the
// raw 64 bytes R||S (each 32 bytes, big-endian, left-padded), not the DER
// SEQUENCE OpenSSL produces and expects: both directions convert through
// ECDSA_SIG here.
#pragma once

#include <openssl/evp.h>

#include <optional>
#include <string>
#include <string_view>

namespace sipnic::stir {

inline constexpr std::size_t kEs256SignatureBytes = 64;

// True if `key` is an EC key on P-256 (prime256v1), public or private.
bool is_p256_key(EVP_PKEY* key);
// The raw R||S signature of `input` by the private `key`; nullopt if the key
// is no P-256 private key or OpenSSL fails.
std::optional<std::string> es256_sign(EVP_PKEY* key, std::string_view input);
// Whether `signature` (raw R||S, 64 bytes) is `key`'s signature of `input`.
bool es256_verify(EVP_PKEY* key, std::string_view input, std::string_view signature);

}  // namespace sipnic::stir
