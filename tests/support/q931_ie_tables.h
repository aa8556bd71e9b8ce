// Table tests of Q.931 IEs (tests/unit/pri/q931_ie*_test.cpp): rows of
// contents octets written by hand from the standard's layouts, each checked
// both ways (decoded to the typed value, the value encoded to the same
// octets with the right identifier), and rows of content errors checked to
// be refused with the reason named.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "pri/q931_ie.h"
#include "support/hex.h"

namespace sipnic::test {

template <class T>
struct IeRow {
  const char* octets;  // the IE's contents, hex
  T value;
};

struct RefusedRow {
  const char* octets;
  const char* reason;  // a phrase of the decoder's error
};

template <class T, class Decode, class Encode>
void expect_both_ways(const std::vector<IeRow<T>>& rows, std::uint8_t id, Decode decode, Encode encode) {
  for (const auto& row : rows) {
    const auto octets = from_hex(row.octets);
    auto d = decode(octets);
    ASSERT_TRUE(d.ok()) << row.octets << ": " << d.error;
    EXPECT_TRUE(*d == row.value) << row.octets << ": decoded to another value";
    const pri::q931::InformationElement e = encode(row.value);
    EXPECT_EQ(e.id, id) << row.octets;
    EXPECT_EQ(e.contents, octets) << row.octets;
  }
}

template <class Decode>
void expect_refused(const std::vector<RefusedRow>& rows, Decode decode) {
  for (const auto& row : rows) {
    auto d = decode(from_hex(row.octets));
    EXPECT_FALSE(d.ok()) << row.octets;
    EXPECT_THAT(std::string(d.error), ::testing::HasSubstr(row.reason)) << row.octets;
  }
}

}  // namespace sipnic::test
