// The header-index format: names of ids and errors, compact forms, and the
// struct layout that the RTL writes byte for byte.
#include "offload/sip_index.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <set>
#include <string>

namespace sipnic::offload {
namespace {

TEST(SipIndex, EveryIdRoundTripsThroughItsNameInAnyCase) {
  for (int i = 1; i < static_cast<int>(HeaderId::kCount); ++i) {
    const auto id = static_cast<HeaderId>(i);
    const std::string name(header_name(id));
    ASSERT_FALSE(name.empty()) << i;
    EXPECT_EQ(header_id_from_name(name), id) << name;
    std::string upper = name, lower = name;
    for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_EQ(header_id_from_name(upper), id) << upper;
    EXPECT_EQ(header_id_from_name(lower), id) << lower;
  }
  EXPECT_EQ(header_name(HeaderId::kOther), "");
  EXPECT_EQ(header_name(HeaderId::kCallId), "Call-ID");
  EXPECT_EQ(header_name(HeaderId::kWwwAuthenticate), "WWW-Authenticate");
}

TEST(SipIndex, CompactFormsMapToTheirHeaders) {
  const std::pair<const char*, HeaderId> forms[] = {
      {"i", HeaderId::kCallId},        {"m", HeaderId::kContact},      {"e", HeaderId::kContentEncoding},
      {"l", HeaderId::kContentLength}, {"c", HeaderId::kContentType},  {"f", HeaderId::kFrom},
      {"s", HeaderId::kSubject},       {"k", HeaderId::kSupported},    {"t", HeaderId::kTo},
      {"v", HeaderId::kVia},           {"o", HeaderId::kEvent},        {"r", HeaderId::kReferTo},
      {"b", HeaderId::kReferredBy},    {"u", HeaderId::kAllowEvents},  {"x", HeaderId::kSessionExpires},
      {"a", HeaderId::kAcceptContact}, {"V", HeaderId::kVia},          {"I", HeaderId::kCallId},
  };
  for (const auto& [n, id] : forms) EXPECT_EQ(header_id_from_name(n), id) << n;
  for (const char* other : {"d", "j", "n", "q", "w", "y", "z", "1", "-", ""}) {
    EXPECT_EQ(header_id_from_name(other), HeaderId::kOther) << other;
  }
}

TEST(SipIndex, UnknownAndNearMissNamesAreOther) {
  for (const char* n : {"Vias", "Call-Id2", "X-Custom", "C%6Fntact", "Content-Lengt", "Proxy-Authorization-X",
                        "NewFangledHeader"}) {
    EXPECT_EQ(header_id_from_name(n), HeaderId::kOther) << n;
  }
}

TEST(SipIndex, ErrorNamesAndReasonsAreDistinctAndPresent) {
  std::set<std::string> names;
  for (int i = 0; i < static_cast<int>(ParseError::kCount); ++i) {
    const auto e = static_cast<ParseError>(i);
    EXPECT_FALSE(parse_error_reason(e).empty());
    names.insert(std::string(parse_error_name(e)));
  }
  EXPECT_EQ(names.size(), static_cast<std::size_t>(ParseError::kCount));
  EXPECT_EQ(parse_error_name(ParseError::kMissingContentLength), "missing_content_length");
  EXPECT_EQ(parse_error_name(ParseError::kBareLf), "bare_lf");
  EXPECT_EQ(parse_error_name(static_cast<ParseError>(200)), "unknown");
}

TEST(SipIndex, RecordLayoutMatchesTheDeviceFormat) {
  EXPECT_EQ(offsetof(HeaderRecord, id), 0u);
  EXPECT_EQ(offsetof(HeaderRecord, flags), 1u);
  EXPECT_EQ(offsetof(HeaderRecord, name_len), 2u);
  EXPECT_EQ(offsetof(HeaderRecord, name_off), 4u);
  EXPECT_EQ(offsetof(HeaderRecord, value_off), 8u);
  EXPECT_EQ(offsetof(HeaderRecord, value_len), 12u);
  EXPECT_EQ(offsetof(MessageRecord, first_header), 16u);
  EXPECT_EQ(offsetof(MessageRecord, header_count), 20u);
  EXPECT_EQ(offsetof(MessageRecord, method), 24u);
  EXPECT_EQ(offsetof(MessageRecord, status_code), 56u);
  EXPECT_EQ(offsetof(SegmentResult, error), 16u);
  EXPECT_EQ(offsetof(SegmentDescriptor, flags), 12u);
}

}  // namespace
}  // namespace sipnic::offload
