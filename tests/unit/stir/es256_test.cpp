#include "stir/es256.h"

#include <gtest/gtest.h>

#include "core/ossl_ptr.h"

namespace sipnic::stir {
namespace {

core::EvpPkeyPtr p256() { return core::EvpPkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")); }

TEST(Es256, SignatureIsRawSixtyFourBytesAndVerifies) {
  auto key = p256();
  ASSERT_TRUE(key);
  auto sig = es256_sign(key.get(), "header.payload");
  ASSERT_TRUE(sig);
  EXPECT_EQ(sig->size(), kEs256SignatureBytes);
  EXPECT_TRUE(es256_verify(key.get(), "header.payload", *sig));
}

TEST(Es256, ChangedInputSignatureOrKeyDoesNotVerify) {
  auto key = p256();
  auto other = p256();
  auto sig = es256_sign(key.get(), "header.payload");
  ASSERT_TRUE(sig);
  EXPECT_FALSE(es256_verify(key.get(), "header.payloaD", *sig));
  EXPECT_FALSE(es256_verify(other.get(), "header.payload", *sig));
  std::string flipped = *sig;
  flipped[40] ^= 1;
  EXPECT_FALSE(es256_verify(key.get(), "header.payload", flipped));
  EXPECT_FALSE(es256_verify(key.get(), "header.payload", sig->substr(0, 63)));
  EXPECT_FALSE(es256_verify(key.get(), "header.payload", std::string(64, '\0')));
}

TEST(Es256, OnlyP256KeysSign) {
  core::EvpPkeyPtr p384(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384"));
  core::EvpPkeyPtr rsa(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{2048}));
  auto ok = p256();
  EXPECT_TRUE(is_p256_key(ok.get()));
  EXPECT_FALSE(is_p256_key(p384.get()));
  EXPECT_FALSE(is_p256_key(rsa.get()));
  EXPECT_FALSE(is_p256_key(nullptr));
  EXPECT_FALSE(es256_sign(p384.get(), "x"));
  EXPECT_FALSE(es256_sign(rsa.get(), "x"));
}

}  // namespace
}  // namespace sipnic::stir
