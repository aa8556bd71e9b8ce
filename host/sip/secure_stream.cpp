#include "sip/secure_stream.h"

namespace sipnic::sip {

std::string_view secure_failure_name(SecureFailure f) {
  switch (f) {
    case SecureFailure::kNone: return "none";
    case SecureFailure::kCertExpired: return "cert_expired";
    case SecureFailure::kCertUntrusted: return "cert_untrusted";
    case SecureFailure::kCertRevoked: return "cert_revoked";
    case SecureFailure::kCertInvalid: return "cert_invalid";
    case SecureFailure::kIdentityMismatch: return "identity_mismatch";
    case SecureFailure::kNoTrunk: return "no_trunk";
    case SecureFailure::kHandshake: return "handshake";
    case SecureFailure::kRecord: return "record";
    case SecureFailure::kLocal: return "local";
  }
  return "none";
}

}  // namespace sipnic::sip
