#include "stir/verifier.h"

#include <algorithm>

#include "stir/es256.h"
#include "stir/identity_header.h"
#include "stir/telephone_number.h"

namespace sipnic::stir {

int failure_status_code(VerifyFailure f) {
  switch (f) {
    case VerifyFailure::kNone: return 0;
    case VerifyFailure::kStaleDate: return 403;
    case VerifyFailure::kUseIdentityHeader: return 428;
    case VerifyFailure::kBadIdentityInfo: return 436;
    case VerifyFailure::kUnsupportedCredential: return 437;
    case VerifyFailure::kInvalidIdentityHeader: return 438;
  }
  return 0;
}

std::string_view failure_reason_phrase(VerifyFailure f) {
  switch (f) {
    case VerifyFailure::kNone: return "";
    case VerifyFailure::kStaleDate: return "Stale Date";
    case VerifyFailure::kUseIdentityHeader: return "Use Identity Header";
    case VerifyFailure::kBadIdentityInfo: return "Bad Identity Info";
    case VerifyFailure::kUnsupportedCredential: return "Unsupported Credential";
    case VerifyFailure::kInvalidIdentityHeader: return "Invalid Identity Header";
  }
  return "";
}

std::string_view failure_label(VerifyFailure f) {
  switch (f) {
    case VerifyFailure::kNone: return "none";
    case VerifyFailure::kStaleDate: return "stale_date";
    case VerifyFailure::kUseIdentityHeader: return "use_identity_header";
    case VerifyFailure::kBadIdentityInfo: return "bad_identity_info";
    case VerifyFailure::kUnsupportedCredential: return "unsupported_credential";
    case VerifyFailure::kInvalidIdentityHeader: return "invalid_identity_header";
  }
  return "none";
}

namespace {

VerificationResult failed(VerifyFailure f, std::string detail) {
  VerificationResult r;
  r.verstat = Verstat::kFailed;
  r.failure = f;
  r.detail = std::move(detail);
  return r;
}

}  // namespace

Verifier::Verifier(const CertificateRepository& repository, Options options)
    : repository_(repository), options_(options) {}

VerificationResult Verifier::verify(std::string_view identity_value, std::string_view orig_tn,
                                    std::string_view dest_tn, std::chrono::system_clock::time_point now) const {
  auto header = parse_identity_header(identity_value);
  if (!header) return failed(VerifyFailure::kInvalidIdentityHeader, std::string(header.error));
  if (header->info.empty()) return failed(VerifyFailure::kBadIdentityInfo, "Identity header has no info parameter");
  if (!header->alg.empty() && header->alg != kPassportAlg) {
    return failed(VerifyFailure::kUnsupportedCredential, "Identity header alg is not ES256");
  }
  if (!header->ppt.empty() && header->ppt != kShakenPpt) {
    return failed(VerifyFailure::kInvalidIdentityHeader, "Identity header ppt is not shaken");
  }
  auto decoded = decode_passport(header->token);
  if (!decoded) return failed(VerifyFailure::kInvalidIdentityHeader, std::string(decoded.error));
  const DecodedPassport& d = *decoded;
  if (d.alg != kPassportAlg) return failed(VerifyFailure::kUnsupportedCredential, "PASSporT alg is not ES256");
  if (d.ppt != kShakenPpt) return failed(VerifyFailure::kInvalidIdentityHeader, "PASSporT ppt is not shaken");
  if (!d.typ.empty() && d.typ != kPassportType) {
    return failed(VerifyFailure::kInvalidIdentityHeader, "PASSporT typ is not passport");
  }
  if (d.passport.x5u != header->info) {
    return failed(VerifyFailure::kBadIdentityInfo, "PASSporT x5u differs from the Identity header's info");
  }
  const CertificateLookup cert = repository_.lookup(header->info, now);
  switch (cert.status) {
    case CertificateLookup::Status::kUnknownUrl:
      return failed(VerifyFailure::kBadIdentityInfo, std::string(cert.reason));
    case CertificateLookup::Status::kUntrusted:
      return failed(VerifyFailure::kUnsupportedCredential, "certificate not trusted: " + std::string(cert.reason));
    case CertificateLookup::Status::kTrusted: break;
  }
  if (!es256_verify(cert.key, d.signing_input, d.signature)) {
    return failed(VerifyFailure::kInvalidIdentityHeader, "the PASSporT signature does not verify with the certificate's key");
  }
  const std::int64_t now_s = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  // Compared without subtracting iat: an iat near INT64_MIN must not overflow.
  const std::int64_t max_age = options_.max_age.count();
  if (d.passport.iat < now_s - max_age || d.passport.iat > now_s + max_age) {
    return failed(VerifyFailure::kStaleDate, "iat " + std::to_string(d.passport.iat) + " is more than " +
                                                 std::to_string(max_age) + " s from now (" + std::to_string(now_s) + ")");
  }
  const auto orig = canonical_tn(orig_tn);
  const auto signed_orig = canonical_tn(d.passport.orig_tn);
  if (!orig || !signed_orig || *orig != *signed_orig) {
    return failed(VerifyFailure::kInvalidIdentityHeader, "orig.tn does not match the caller's number");
  }
  const auto dest = canonical_tn(dest_tn);
  const bool dest_ok = dest && std::any_of(d.passport.dest_tns.begin(), d.passport.dest_tns.end(),
                                           [&](const std::string& tn) { return canonical_tn(tn) == dest; });
  if (!dest_ok) return failed(VerifyFailure::kInvalidIdentityHeader, "dest.tn does not hold the callee's number");
  VerificationResult r;
  r.verstat = Verstat::kPassed;
  r.attest = d.passport.attest;
  r.origid = d.passport.origid;
  return r;
}

VerificationResult Verifier::verify_any(std::span<const std::string_view> identity_values, std::string_view orig_tn,
                                        std::string_view dest_tn, std::chrono::system_clock::time_point now) const {
  if (identity_values.empty()) {
    VerificationResult r;
    r.failure = VerifyFailure::kUseIdentityHeader;
    r.detail = "no Identity header";
    return r;
  }
  std::optional<VerificationResult> first;
  for (std::string_view value : identity_values) {
    VerificationResult r = verify(value, orig_tn, dest_tn, now);
    if (r.passed()) return r;
    if (!first) first = std::move(r);
  }
  return std::move(*first);
}

std::string_view caller_identity_value(const sip::MessageView& request) {
  if (request.has(offload::HeaderId::kPAssertedIdentity)) return request.header(offload::HeaderId::kPAssertedIdentity);
  return request.header(offload::HeaderId::kFrom);
}

VerificationResult Verifier::verify_request(const sip::MessageView& request,
                                            std::chrono::system_clock::time_point now) const {
  const std::vector<std::string_view> values = identity_header_values(request);
  const std::string orig = tn_from_address_list(caller_identity_value(request)).value_or("");
  std::optional<std::string> dest = tn_from_address(request.header(offload::HeaderId::kTo));
  if (!dest) dest = tn_from_address(request.uri());
  return verify_any(values, orig, dest.value_or(""), now);
}

}  // namespace sipnic::stir
