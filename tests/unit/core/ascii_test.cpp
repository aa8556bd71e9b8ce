#include "core/ascii.h"

#include <gtest/gtest.h>

namespace sipnic::core::ascii {
namespace {

TEST(Ascii, ClassesAreAsciiOnlyWhateverTheByte) {
  for (int b = 0; b < 256; ++b) {
    const char c = static_cast<char>(b);
    const bool digit = b >= '0' && b <= '9';
    const bool alpha = (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z');
    const bool hex = digit || (b >= 'a' && b <= 'f') || (b >= 'A' && b <= 'F');
    EXPECT_EQ(is_digit(c), digit) << b;
    EXPECT_EQ(is_alpha(c), alpha) << b;
    EXPECT_EQ(is_alnum(c), digit || alpha) << b;
    EXPECT_EQ(is_hex_digit(c), hex) << b;
    EXPECT_EQ(is_blank(c), b == ' ' || b == '\t') << b;
  }
}

TEST(Ascii, HexDigitValueCoversBothCases) {
  EXPECT_EQ(hex_digit_value('0'), 0);
  EXPECT_EQ(hex_digit_value('9'), 9);
  EXPECT_EQ(hex_digit_value('a'), 10);
  EXPECT_EQ(hex_digit_value('F'), 15);
}

TEST(Ascii, ToLowerFoldsOnlyAsciiLetters) {
  EXPECT_EQ(to_lower('A'), 'a');
  EXPECT_EQ(to_lower('Z'), 'z');
  EXPECT_EQ(to_lower('a'), 'a');
  EXPECT_EQ(to_lower('@'), '@');  // just below 'A'
  EXPECT_EQ(to_lower('['), '[');  // just above 'Z'
  EXPECT_EQ(to_lower('\xC4'), '\xC4');
  EXPECT_EQ(to_lower(std::string_view("Via: SIP/2.0\xC4")), "via: sip/2.0\xC4");
}

TEST(Ascii, IequalsComparesCaseInsensitivelyAndWholly) {
  static_assert(iequals("Content-Length", "content-LENGTH"));
  EXPECT_TRUE(iequals("", ""));
  EXPECT_TRUE(iequals("SIPS+D2T", "sips+d2t"));
  EXPECT_FALSE(iequals("sip", "sips"));
  EXPECT_FALSE(iequals("a", "b"));
  EXPECT_FALSE(iequals("\xC4", "\xE4"));  // Latin-1 letters are not folded
}

}  // namespace
}  // namespace sipnic::core::ascii
