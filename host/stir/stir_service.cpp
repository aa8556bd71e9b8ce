#include "stir/stir_service.h"

#include "stir/telephone_number.h"

namespace sipnic::stir {

std::optional<Attestation> attestation_of(core::StirAttest a) {
  switch (a) {
    case core::StirAttest::kOff: return std::nullopt;
    case core::StirAttest::kA: return Attestation::kA;
    case core::StirAttest::kB: return Attestation::kB;
    case core::StirAttest::kC: return Attestation::kC;
  }
  return std::nullopt;
}

StirService::StirService(const core::StirConfig& config) {
  if (config.can_sign()) signer_.emplace(Signer::from_key_file(config.certificate_url, config.private_key));
  if (config.can_verify()) {
    repository_ = std::make_unique<CertificateRepository>(CertificateRepository::read_index(config.repository), config.ca);
    verifier_.emplace(*repository_, Verifier::Options{std::chrono::seconds(config.max_age_s)});
  }
}

sip::Decoded<std::string> StirService::sign_invite(std::string_view caller_value, std::string_view callee_value,
                                                   core::StirAttest attest,
                                                   std::chrono::system_clock::time_point now) const {
  sip::Decoded<std::string> out;
  const auto level = attestation_of(attest);
  if (!level) {
    out.error = "the trunk does not sign (stir-attest = off)";
    return out;
  }
  if (!signer_) {
    out.error = "no STIR signing key configured ([stir] certificate-url, private-key)";
    return out;
  }
  const auto caller = tn_from_address_list(caller_value);
  const auto callee = tn_from_address(callee_value);
  if (!caller || !callee) {
    out.error = caller ? "the callee is not a telephone number" : "the caller is not a telephone number";
    return out;
  }
  return signer_->sign(*caller, *callee, *level, make_origid(), now);
}

InboundIdentity StirService::check_invite(const sip::MessageView& invite, core::StirVerify mode,
                                          std::chrono::system_clock::time_point now) const {
  InboundIdentity in;
  if (mode == core::StirVerify::kOff || !verifier_) return in;
  in.checked = true;
  in.result = verifier_->verify_request(invite, now);
  in.verstat = in.result.verstat;
  if (mode == core::StirVerify::kRequired && !in.result.passed()) {
    in.refuse = true;
    in.status_code = failure_status_code(in.result.failure);
    in.reason_phrase = failure_reason_phrase(in.result.failure);
  }
  return in;
}

}  // namespace sipnic::stir
