#include "stir/base64url.h"

#include <gtest/gtest.h>

namespace sipnic::stir {
namespace {

// RFC 4648 §10 vectors, with the padding dropped.
TEST(Base64url, EncodesRfc4648VectorsWithoutPadding) {
  EXPECT_EQ(base64url_encode(std::string_view("")), "");
  EXPECT_EQ(base64url_encode(std::string_view("f")), "Zg");
  EXPECT_EQ(base64url_encode(std::string_view("fo")), "Zm8");
  EXPECT_EQ(base64url_encode(std::string_view("foo")), "Zm9v");
  EXPECT_EQ(base64url_encode(std::string_view("foob")), "Zm9vYg");
  EXPECT_EQ(base64url_encode(std::string_view("fooba")), "Zm9vYmE");
  EXPECT_EQ(base64url_encode(std::string_view("foobar")), "Zm9vYmFy");
}

TEST(Base64url, UsesTheUrlSafeAlphabet) {
  EXPECT_EQ(base64url_encode(std::string_view("\xfb\xff\xbf", 3)), "-_-_");
  EXPECT_EQ(base64url_decode("-_-_"), std::string("\xfb\xff\xbf", 3));
}

TEST(Base64url, DecodesWhatItEncodes) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  for (std::size_t n = 0; n <= all.size(); n += 17) {
    EXPECT_EQ(base64url_decode(base64url_encode(std::string_view(all).substr(0, n))), all.substr(0, n));
  }
}

TEST(Base64url, RefusesPaddingForeignCharactersBadLengthsAndStrayBits) {
  EXPECT_FALSE(base64url_decode("Zg=="));
  EXPECT_FALSE(base64url_decode("Zm9v+g"));   // '+' is plain base64's
  EXPECT_FALSE(base64url_decode("Zm9v/g"));
  EXPECT_FALSE(base64url_decode("Zm9vY"));    // 1 mod 4
  EXPECT_FALSE(base64url_decode("Zh"));       // "f" is "Zg": the low bits must be zero
  EXPECT_FALSE(base64url_decode("Zm 9v"));
}

}  // namespace
}  // namespace sipnic::stir
