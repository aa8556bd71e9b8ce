// The verification service of RFC 8224 §6.2 for SHAKEN (RFC 8588): checks
// an inbound INVITE's Identity header and says what to pass on (a verstat,
// verstat.h) and, on failure, which RFC 8224 §6.2.2 response a trunk that
// requires a valid identity answers with.
//
// Checks, in order (the first failure is the result):
//   the header parses, info is present                  438 / 436
//   alg (header parameter and JOSE header) is ES256      437
//   ppt (header parameter and JOSE header) is shaken,
//     typ is passport (or absent), the token decodes      438
//   x5u equals info                                      436
//   info names a certificate in the repository           436
//   that certificate chains to an STI-CA trust anchor    437
//   the ES256 signature verifies with its key            438
//   |now - iat| <= max age                               403
//   orig.tn == the caller's TN, dest.tn holds the callee 438
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "sip/message_view.h"
#include "stir/certificate_repository.h"
#include "stir/passport.h"
#include "stir/verstat.h"

namespace sipnic::stir {

// RFC 8224 §6.2.2 failures.
enum class VerifyFailure : std::uint8_t {
  kNone,
  kStaleDate,              // 403 Stale Date
  kUseIdentityHeader,      // 428 Use Identity Header (none was sent)
  kBadIdentityInfo,        // 436 Bad Identity Info
  kUnsupportedCredential,  // 437 Unsupported Credential
  kInvalidIdentityHeader,  // 438 Invalid Identity Header
};
inline constexpr std::size_t kVerifyFailureCount = 6;
int failure_status_code(VerifyFailure f);           // 403, 428, 436, 437, 438; 0 for kNone
std::string_view failure_reason_phrase(VerifyFailure f);  // "Stale Date", ...; "" for kNone
std::string_view failure_label(VerifyFailure f);    // metric label: "stale_date", ...; "none"

struct VerificationResult {
  Verstat verstat = Verstat::kNoValidation;
  VerifyFailure failure = VerifyFailure::kNone;
  std::string detail;  // why it failed, for logs (no key material); "" when passed
  // Passed only: the claims the signer made.
  std::optional<Attestation> attest;
  std::string origid;
  bool passed() const { return verstat == Verstat::kPassed; }
};

class Verifier {
 public:
  struct Options {
    std::chrono::seconds max_age{60};  // how far iat may be from now, either way
  };
  // `repository` must outlive the verifier.
  Verifier(const CertificateRepository& repository, Options options);

  // One Identity header value against the caller's and callee's numbers
  // (any text canonical_tn reads; tn_from_address gives them from headers).
  VerificationResult verify(std::string_view identity_value, std::string_view orig_tn, std::string_view dest_tn,
                            std::chrono::system_clock::time_point now) const;

  // Several Identity headers (RFC 8224 §4: a request may carry more than
  // one): passed if any passes; else the first one's failure. None at all:
  // No-TN-Validation with 428 Use Identity Header.
  VerificationResult verify_any(std::span<const std::string_view> identity_values, std::string_view orig_tn,
                                std::string_view dest_tn, std::chrono::system_clock::time_point now) const;

  // An inbound INVITE as received: its Identity headers (long or compact
  // name); the caller is P-Asserted-Identity's TN, or From's when there is
  // no P-Asserted-Identity; the callee is To's TN, or the Request-URI's
  // when To names no number.
  VerificationResult verify_request(const sip::MessageView& request, std::chrono::system_clock::time_point now) const;

 private:
  const CertificateRepository& repository_;
  Options options_;
};

// The P-Asserted-Identity value of `request`, or its From value when there
// is none: where verstat goes (with_verstat) and whose TN is the caller's.
std::string_view caller_identity_value(const sip::MessageView& request);

}  // namespace sipnic::stir
