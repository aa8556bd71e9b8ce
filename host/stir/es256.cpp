#include "stir/es256.h"

#include <openssl/core_names.h>

#include <array>
#include <cstdint>

#include "core/ossl_ptr.h"

namespace sipnic::stir {

namespace {

constexpr int kCoordinateBytes = 32;

const unsigned char* bytes_of(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

}  // namespace

bool is_p256_key(EVP_PKEY* key) {
  if (key == nullptr || !EVP_PKEY_is_a(key, "EC")) return false;
  std::array<char, 64> group{};
  std::size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group.data(), group.size(), &len) != 1) {
    return false;
  }
  return std::string_view(group.data(), len) == "prime256v1";
}

std::optional<std::string> es256_sign(EVP_PKEY* key, std::string_view input) {
  if (!is_p256_key(key)) return std::nullopt;
  core::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) != 1) return std::nullopt;
  std::size_t der_len = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &der_len, bytes_of(input), input.size()) != 1) return std::nullopt;
  std::string der(der_len, '\0');
  auto* der_out = reinterpret_cast<unsigned char*>(der.data());
  if (EVP_DigestSign(ctx.get(), der_out, &der_len, bytes_of(input), input.size()) != 1) return std::nullopt;
  const unsigned char* p = der_out;
  core::EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der_len)));
  if (!sig) return std::nullopt;
  std::string raw(kEs256SignatureBytes, '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), out, kCoordinateBytes) != kCoordinateBytes ||
      BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), out + kCoordinateBytes, kCoordinateBytes) != kCoordinateBytes) {
    return std::nullopt;
  }
  return raw;
}

bool es256_verify(EVP_PKEY* key, std::string_view input, std::string_view signature) {
  if (signature.size() != kEs256SignatureBytes || !is_p256_key(key)) return false;
  const unsigned char* raw = bytes_of(signature);
  core::BignumPtr r(BN_bin2bn(raw, kCoordinateBytes, nullptr));
  core::BignumPtr s(BN_bin2bn(raw + kCoordinateBytes, kCoordinateBytes, nullptr));
  core::EcdsaSigPtr sig(ECDSA_SIG_new());
  if (!r || !s || !sig || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) return false;
  r.release();  // owned by sig now
  s.release();
  const int der_len = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (der_len <= 0) return false;
  std::string der_buf(static_cast<std::size_t>(der_len), '\0');
  auto* der = reinterpret_cast<unsigned char*>(der_buf.data());
  unsigned char* der_end = der;  // i2d moves it past what it wrote
  if (i2d_ECDSA_SIG(sig.get(), &der_end) != der_len) return false;
  core::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) != 1) return false;
  return EVP_DigestVerify(ctx.get(), der, static_cast<std::size_t>(der_len), bytes_of(input), input.size()) == 1;
}

}  // namespace sipnic::stir
