#include "stir/signer.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include <array>

#include "stir/es256.h"
#include "stir/identity_header.h"
#include "stir/stir_error.h"
#include "stir/telephone_number.h"

namespace sipnic::stir {

Signer::Signer(std::string x5u, core::EvpPkeyPtr key) : x5u_(std::move(x5u)), key_(std::move(key)) {
  if (!is_p256_key(key_.get())) throw StirError("STIR signing key is not an EC P-256 key (ES256)");
  BIGNUM* priv = nullptr;
  const bool has_private = EVP_PKEY_get_bn_param(key_.get(), OSSL_PKEY_PARAM_PRIV_KEY, &priv) == 1;
  core::SecretBignumPtr priv_owner(priv);
  ERR_clear_error();
  if (!has_private) throw StirError("STIR signing key has no private part");
  if (x5u_.empty()) throw StirError("STIR signing certificate URL (x5u) is empty");
}

Signer Signer::from_key_file(std::string x5u, const std::filesystem::path& private_key_file) {
  core::BioPtr bio(BIO_new_file(private_key_file.c_str(), "r"));
  core::EvpPkeyPtr key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  ERR_clear_error();
  if (!key) throw StirError("STIR private key: cannot read a PEM private key from " + private_key_file.string());
  if (!is_p256_key(key.get())) {
    throw StirError("STIR private key: " + private_key_file.string() + " is not an EC P-256 key (ES256)");
  }
  return Signer(std::move(x5u), std::move(key));
}

sip::Decoded<std::string> Signer::sign(std::string_view orig_tn, std::string_view dest_tn, Attestation attest,
                                       std::string_view origid, std::chrono::system_clock::time_point now) const {
  sip::Decoded<std::string> out;
  auto orig = canonical_tn(orig_tn);
  auto dest = canonical_tn(dest_tn);
  if (!orig || !dest) {
    out.error = orig ? "the callee is not a telephone number" : "the caller is not a telephone number";
    return out;
  }
  Passport p;
  p.x5u = x5u_;
  p.attest = attest;
  p.orig_tn = std::move(*orig);
  p.dest_tns = {std::move(*dest)};
  p.iat = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  p.origid = std::string(origid);
  auto token = sign_passport(p, key_.get());
  if (!token) {
    ERR_clear_error();
    out.error = "ES256 signing failed";
    return out;
  }
  out.value = format_identity_header(*token, x5u_);
  return out;
}

std::string make_origid() {
  std::array<unsigned char, 16> b{};
  if (RAND_bytes(b.data(), static_cast<int>(b.size())) != 1) throw StirError("no random bytes for an origid");
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += kHex[b[i] >> 4];
    out += kHex[b[i] & 15];
  }
  return out;
}

}  // namespace sipnic::stir
