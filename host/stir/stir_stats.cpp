#include "stir/stir_stats.h"

namespace sipnic::stir {

StirStats::StirStats(core::MetricsRegistry& m, std::uint32_t w) {
  using core::MetricType;
  signed_ = m.counter({std::string(metric::kSigned), "INVITEs signed with an Identity header (STIR/SHAKEN)",
                       MetricType::kCounter},
                      {}, w);
  sign_failures_ = m.counter({std::string(metric::kSignFailures),
                              "INVITEs to a signing trunk sent unsigned: the caller or callee is no telephone number",
                              MetricType::kCounter},
                             {}, w);
  const core::MetricInfo verifications{std::string(metric::kVerifications),
                                       "inbound INVITEs checked for an Identity header, by the verstat passed on",
                                       MetricType::kCounter};
  for (Verstat v : {Verstat::kPassed, Verstat::kFailed, Verstat::kNoValidation}) {
    by_verstat_[static_cast<std::size_t>(v)] =
        m.counter(verifications, {{"verstat", std::string(verstat_name(v))}}, w);
  }
  const core::MetricInfo failures{std::string(metric::kVerificationFailures),
                                  "inbound Identity checks that failed, by RFC 8224 reason",
                                  MetricType::kCounter};
  for (std::size_t i = 1; i < kVerifyFailureCount; ++i) {
    by_failure_[i] = m.counter(failures, {{"reason", std::string(failure_label(static_cast<VerifyFailure>(i)))}}, w);
  }
}

void StirStats::count(const VerificationResult& result) {
  ++by_verstat_[static_cast<std::size_t>(result.verstat)];
  if (result.failure != VerifyFailure::kNone) ++by_failure_[static_cast<std::size_t>(result.failure)];
}

}  // namespace sipnic::stir
