// PASSporT (RFC 8225) with the SHAKEN extension (RFC 8588): the signed
// token an Identity header carries. Made here in the canonical form of
// RFC 8225 §9 (JSON members in lexicographic order, no whitespace), as a JWS
// compact serialisation: base64url(header) "." base64url(payload) "."
// base64url(ES256 signature), each without padding.
//
//   header  {"alg":"ES256","ppt":"shaken","typ":"passport","x5u":URL}
//   payload {"attest":"A","dest":{"tn":["..."]},"iat":N,"orig":{"tn":"..."},"origid":UUID}
//
// Tokens read from the wire are decoded whatever their member order (a
// signer need not be canonical); the signature is checked over the bytes as
// received (DecodedPassport::signing_input), never over a re-encoding.
#pragma once

#include <openssl/evp.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sip/header_values.h"

namespace sipnic::stir {

// RFC 8588 §4 attestation levels: A full, B partial, C gateway.
enum class Attestation : std::uint8_t { kA, kB, kC };
std::string_view attestation_name(Attestation a);  // "A", "B", "C"
std::optional<Attestation> parse_attestation(std::string_view s);  // exactly "A", "B" or "C"

inline constexpr std::string_view kPassportAlg = "ES256";
inline constexpr std::string_view kPassportType = "passport";
inline constexpr std::string_view kShakenPpt = "shaken";

struct Passport {
  std::string x5u;                     // URL of the signer's certificate
  Attestation attest = Attestation::kC;
  std::string orig_tn;                 // canonical TN (telephone_number.h)
  std::vector<std::string> dest_tns;   // canonical TNs
  std::int64_t iat = 0;                // seconds since the Unix epoch
  std::string origid;                  // RFC 8588 §5: a UUID naming the origination point
  bool operator==(const Passport&) const = default;
};

// The canonical JSON of the header and of the payload (RFC 8225 §9).
std::string passport_header_json(const Passport& p);
std::string passport_payload_json(const Passport& p);
// The compact JWS "header.payload.signature", signed with `key` (a P-256
// private key); nullopt if the key cannot sign ES256.
std::optional<std::string> sign_passport(const Passport& p, EVP_PKEY* key);

// A token as read: the claims, the JOSE header members the verifier checks
// (empty when absent), and what the signature covers.
struct DecodedPassport {
  Passport passport;
  std::string alg;
  std::string typ;
  std::string ppt;
  std::string signing_input;  // the received "header.payload" bytes
  std::string signature;      // decoded: raw R||S for ES256
};

// Longer tokens are refused before any decoding: a SHAKEN PASSporT is a few
// hundred bytes.
inline constexpr std::size_t kMaxPassportBytes = 4096;

// Decodes a full-form token (three base64url parts). The error names the
// first thing wrong: too long, not three parts, bad base64url, bad JSON, a missing or
// ill-typed claim (attest, dest.tn, iat, orig.tn, origid) or header member.
sip::Decoded<DecodedPassport> decode_passport(std::string_view token);

}  // namespace sipnic::stir
