#include "stir/stir_stats.h"

#include <gtest/gtest.h>

namespace sipnic::stir {
namespace {

TEST(StirStats, CountsSigningAndVerificationsByVerstatAndReason) {
  core::MetricsRegistry registry(2);
  StirStats w0(registry, 0);
  StirStats w1(registry, 1);
  w0.count_signed();
  w1.count_signed();
  w1.count_sign_failure();
  VerificationResult passed;
  passed.verstat = Verstat::kPassed;
  VerificationResult stale;
  stale.verstat = Verstat::kFailed;
  stale.failure = VerifyFailure::kStaleDate;
  VerificationResult missing;
  missing.failure = VerifyFailure::kUseIdentityHeader;
  w0.count(passed);
  w0.count(stale);
  w1.count(stale);
  w1.count(missing);
  const core::MetricsSnapshot s = registry.snapshot();
  EXPECT_EQ(s.total(metric::kSigned), 2);
  EXPECT_EQ(s.total(metric::kSignFailures), 1);
  EXPECT_EQ(s.total(metric::kVerifications, {{"verstat", "TN-Validation-Passed"}}), 1);
  EXPECT_EQ(s.total(metric::kVerifications, {{"verstat", "TN-Validation-Failed"}}), 2);
  EXPECT_EQ(s.total(metric::kVerifications, {{"verstat", "No-TN-Validation"}}), 1);
  EXPECT_EQ(s.total(metric::kVerificationFailures, {{"reason", "stale_date"}}), 2);
  EXPECT_EQ(s.total(metric::kVerificationFailures, {{"reason", "use_identity_header"}}), 1);
  EXPECT_EQ(s.total(metric::kVerificationFailures, {{"reason", "invalid_identity_header"}}), 0);
  EXPECT_EQ(s.total(metric::kVerificationFailures), 3);
}

TEST(StirStats, EveryReasonHasASeriesFromTheStart) {
  core::MetricsRegistry registry(1);
  StirStats stats(registry, 0);
  const auto by_reason = registry.snapshot().by_label(metric::kVerificationFailures, "reason");
  std::vector<std::string> reasons;
  for (const auto& [reason, value] : by_reason) reasons.push_back(reason);
  EXPECT_EQ(reasons, (std::vector<std::string>{"stale_date", "use_identity_header", "bad_identity_info",
                                               "unsupported_credential", "invalid_identity_header"}));
}

}  // namespace
}  // namespace sipnic::stir
