// libFuzzer target: an inbound Identity header value (RFC 8224) and what the
// stir layer reads out of it. The input is the header value; checked:
//   - nothing crashes, leaks or trips UBSan in parse_identity_header,
//     decode_passport, base64url_decode, tn_from_address, with_verstat;
//   - base64url has one encoding per byte string: a decoded input encodes
//     back to itself;
//   - a decoded PASSporT's claims survive signing and decoding again
//     (sign_passport's canonical JSON reads back to the same Passport);
//   - with_verstat is idempotent: setting verstat on its own output changes
//     nothing.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <openssl/evp.h>

#include "core/ossl_ptr.h"
#include "stir/base64url.h"
#include "stir/identity_header.h"
#include "stir/passport.h"
#include "stir/telephone_number.h"
#include "stir/verstat.h"

using namespace sipnic;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const core::EvpPkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  const std::string_view value(reinterpret_cast<const char*>(data), size);

  if (auto bytes = stir::base64url_decode(value)) {
    if (stir::base64url_encode(*bytes) != value) std::abort();
  }
  auto header = stir::parse_identity_header(value);
  if (header) {
    auto decoded = stir::decode_passport(header->token);
    if (decoded) {
      auto token = stir::sign_passport(decoded->passport, key.get());
      if (!token) std::abort();
      auto again = stir::decode_passport(*token);
      if (!again || !(again->passport == decoded->passport)) std::abort();
    }
  }
  (void)stir::tn_from_address(value);
  if (auto marked = stir::with_verstat(value, stir::Verstat::kPassed)) {
    auto twice = stir::with_verstat(*marked, stir::Verstat::kPassed);
    if (!twice || *twice != *marked) std::abort();
  }
  return 0;
}
