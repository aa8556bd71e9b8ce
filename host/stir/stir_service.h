// The node's STIR/SHAKEN service: what the B2BUA calls. Built once from
// [stir] (at start and on reload, like the TLS contexts), immutable, and
// shared by every worker (each counts through its own StirStats).
//
//   outbound INVITE to a trunk with stir-attest != off:
//     auto id = service.sign_invite(caller_value, callee_value, trunk.stir_attest, now);
//     if (id) add "Identity: " + *id and stats.count_signed(); else stats.count_sign_failure()
//
//   inbound INVITE from any trunk (stir-verify off too: a forged verstat is removed):
//     InboundIdentity in = service.check_invite(view, trunk.stir_verify, now);
//     if (in.checked) stats.count(in.result);
//     if (in.refuse) answer in.status_code, in.reason_phrase (no call);
//     else the caller header sent on (P-Asserted-Identity, or From without one)
//          is with_verstat(value, in.verstat)
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/config.h"
#include "core/reloadable.h"
#include "sip/header_values.h"
#include "sip/message_view.h"
#include "stir/certificate_repository.h"
#include "stir/signer.h"
#include "stir/verifier.h"
#include "stir/verstat.h"

namespace sipnic::stir {

// The attestation level of a trunk's stir-attest; nullopt for off.
std::optional<Attestation> attestation_of(core::StirAttest a);

struct InboundIdentity {
  bool checked = false;          // the trunk verifies (stir-verify on or required)
  VerificationResult result;     // when checked
  // What to put on the caller's URI toward the callee: the result's verstat
  // when checked; nullopt (remove any verstat) when not.
  std::optional<Verstat> verstat;
  // stir-verify = required and the result did not pass: answer this, not relay.
  bool refuse = false;
  int status_code = 0;            // 403, 428, 436, 437, 438
  std::string_view reason_phrase;  // "Stale Date", ...
};

class StirService {
 public:
  // Loads the signing key (certificate-url, private-key) and the repository
  // with its trust anchors (repository, ca), each when configured. Throws
  // StirError naming the file at fault (never a key's contents).
  explicit StirService(const core::StirConfig& config);

  bool can_sign() const { return signer_.has_value(); }
  bool can_verify() const { return verifier_.has_value(); }

  // The Identity header value for an INVITE whose caller is `caller_value`
  // (P-Asserted-Identity, or From, as sent) and callee `callee_value` (To),
  // with a fresh origid. Errors: attest off, no signing key configured, a
  // caller or callee that is no telephone number.
  sip::Decoded<std::string> sign_invite(std::string_view caller_value, std::string_view callee_value,
                                        core::StirAttest attest, std::chrono::system_clock::time_point now) const;

  // An INVITE from a trunk with `mode`: checked (Verifier::verify_request)
  // unless off, and what to do with it. A verifying trunk without a
  // configured repository (the config refuses that) counts as not checked.
  InboundIdentity check_invite(const sip::MessageView& invite, core::StirVerify mode,
                               std::chrono::system_clock::time_point now) const;

 private:
  std::optional<Signer> signer_;
  std::unique_ptr<CertificateRepository> repository_;  // stable address: verifier_ refers to it
  std::optional<Verifier> verifier_;
};

// The StirService in use, shared by every worker and replaced whole by a
// reload (`sipnic reload`); a call takes it once.
using StirServiceHolder = core::Reloadable<StirService>;

}  // namespace sipnic::stir
