// The STIR/SHAKEN figures of one worker in core::MetricsRegistry
// (docs/operations.md lists them):
//   sipnic_stir_signed_total                  INVITEs signed
//   sipnic_stir_sign_failures_total           INVITEs that could not be signed (caller or callee no number)
//   sipnic_stir_verifications_total{verstat}  inbound Identity checks, by the verstat passed on
//   sipnic_stir_verification_failures_total{reason}  failed checks by RFC 8224 reason
//       (stale_date, use_identity_header, bad_identity_info, unsupported_credential, invalid_identity_header)
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "core/metrics.h"
#include "stir/verifier.h"

namespace sipnic::stir {

namespace metric {
inline constexpr std::string_view kSigned = "sipnic_stir_signed_total";
inline constexpr std::string_view kSignFailures = "sipnic_stir_sign_failures_total";
inline constexpr std::string_view kVerifications = "sipnic_stir_verifications_total";
inline constexpr std::string_view kVerificationFailures = "sipnic_stir_verification_failures_total";
}  // namespace metric

// One worker's handles; only that worker counts through them.
class StirStats {
 public:
  StirStats(core::MetricsRegistry& registry, std::uint32_t worker);
  void count_signed() { ++signed_; }
  void count_sign_failure() { ++sign_failures_; }
  // One verification's outcome: its verstat, and its reason when it failed
  // (a missing Identity header counts as use_identity_header).
  void count(const VerificationResult& result);

 private:
  core::Counter signed_;
  core::Counter sign_failures_;
  std::array<core::Counter, 3> by_verstat_;
  std::array<core::Counter, kVerifyFailureCount> by_failure_;
};

}  // namespace sipnic::stir
