// base64url without padding (RFC 4648 §5, as JWS compact serialisation uses
// it, RFC 7515 §2 and appendix C): the encoding of every PASSporT part.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace sipnic::stir {

std::string base64url_encode(std::span<const std::uint8_t> bytes);
std::string base64url_encode(std::string_view bytes);
// The bytes, or nullopt for a character outside the base64url alphabet, a
// '=' (padding is not allowed), a length of 1 mod 4 or non-zero unused bits.
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace sipnic::stir
