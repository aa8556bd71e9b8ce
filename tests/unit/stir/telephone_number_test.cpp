#include "stir/telephone_number.h"

#include <gtest/gtest.h>

namespace sipnic::stir {
namespace {

TEST(TelephoneNumber, CanonicalFormKeepsDigitsAndDropsPlusAndSeparators) {
  EXPECT_EQ(canonical_tn("+1 (555) 010-2000"), "15550102000");
  EXPECT_EQ(canonical_tn("15550102000"), "15550102000");
  EXPECT_EQ(canonical_tn("+44.20.7946.0000"), "442079460000");
  EXPECT_EQ(canonical_tn("*31#5550102"), "*31#5550102");
}

TEST(TelephoneNumber, NonNumbersHaveNoCanonicalForm) {
  EXPECT_FALSE(canonical_tn(""));
  EXPECT_FALSE(canonical_tn("+"));
  EXPECT_FALSE(canonical_tn("alice"));
  EXPECT_FALSE(canonical_tn("555+1"));  // '+' only at the front
  EXPECT_FALSE(canonical_tn("*#"));
}

TEST(TelephoneNumber, FromSipAndTelAddresses) {
  EXPECT_EQ(tn_from_address("<sip:+15550102000@pbx.example;user=phone>;tag=a"), "15550102000");
  EXPECT_EQ(tn_from_address("\"Alice\" <sips:+1-555-010-2000@pbx.example>"), "15550102000");
  EXPECT_EQ(tn_from_address("<tel:+15550102000;verstat=TN-Validation-Passed>"), "15550102000");
  EXPECT_EQ(tn_from_address("sip:+15550103000@carrier.example;user=phone"), "15550103000");  // a Request-URI
  EXPECT_EQ(tn_from_address("sip:+15550103000;npdi@carrier.example"), "15550103000");      // user parameters
  EXPECT_EQ(tn_from_address("sip:%2B15550103000@carrier.example"), "15550103000");          // escaped '+'
  EXPECT_FALSE(tn_from_address("<sip:alice@pbx.example>"));
  EXPECT_FALSE(tn_from_address("<mailto:a@b>"));
  EXPECT_FALSE(tn_from_address("not an address <"));
}

TEST(TelephoneNumber, FirstNumberOfAnAddressList) {
  EXPECT_EQ(tn_from_address_list("<sip:alice@pbx.example>, <tel:+15550102000>"), "15550102000");
  EXPECT_EQ(tn_from_address_list("<sip:+15550102001@pbx.example;user=phone>, <tel:+15550102000>"), "15550102001");
  EXPECT_FALSE(tn_from_address_list("<sip:alice@pbx.example>"));
  EXPECT_FALSE(tn_from_address_list(""));
}

}  // namespace
}  // namespace sipnic::stir
