// Tests for host/pri/q921_mdl_error.cpp: the MDL-ERROR-INDICATION codes are
// the letters A to O of Q.921 Table II.1, in order, each with its meaning.
#include "pri/q921_mdl_error.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace sipnic::pri {
namespace {

TEST(Q921MdlError, CodesAreTheLettersAToOInTheOrderOfTableII1) {
  EXPECT_EQ(mdl_error_letter(MdlError::kUnsolicitedSupervisoryResponse), 'A');
  EXPECT_EQ(mdl_error_letter(MdlError::kSabmeUnanswered), 'G');
  EXPECT_EQ(mdl_error_letter(MdlError::kEnquiryUnanswered), 'I');
  EXPECT_EQ(mdl_error_letter(MdlError::kNrError), 'J');
  EXPECT_EQ(mdl_error_letter(MdlError::kFrmrReceived), 'K');
  EXPECT_EQ(mdl_error_letter(MdlError::kInfoTooLong), 'O');
  EXPECT_EQ(mdl_error_index(MdlError::kUnsolicitedSupervisoryResponse), 0u);
  EXPECT_EQ(mdl_error_index(MdlError::kInfoTooLong), kMdlErrorCount - 1);
}

TEST(Q921MdlError, EveryCodeHasItsOwnMeaning) {
  std::set<std::string> texts;
  for (char c = 'A'; c <= 'O'; ++c) {
    auto text = mdl_error_text(static_cast<MdlError>(c));
    EXPECT_NE(text, "?") << c;
    texts.emplace(text);
  }
  EXPECT_EQ(texts.size(), kMdlErrorCount);
  EXPECT_EQ(mdl_error_text(MdlError::kNrError), "N(R) error");
}

}  // namespace
}  // namespace sipnic::pri
