// Tests for host/interwork/redirection.cpp: Diversion and History-Info kept
// or converted per trunk, after RFC 6044's mapping.
#include "interwork/redirection.h"

#include <gtest/gtest.h>

namespace sipnic::interwork {
namespace {

using core::RedirectionHeader;

const std::string kTwoDiversions =
    "Subject: call\r\n"
    "Diversion: <sip:+442000@192.0.2.1;user=phone>;reason=no-answer;counter=1, "
    "<sip:+441000@192.0.2.1;user=phone>;reason=user-busy;counter=1\r\n";

TEST(Redirection, KeepLeavesEverythingAsItIs) {
  EXPECT_EQ(convert_redirection(kTwoDiversions, RedirectionHeader::kKeep, "sip:+443000@192.0.2.9"), kTwoDiversions);
}

// +441000 was busy and diverted to +442000, which did not answer and
// diverted to +443000, where the call goes now.
TEST(Redirection, DiversionBecomesAHistoryChainOldestFirstWithCauses) {
  EXPECT_EQ(convert_redirection(kTwoDiversions, RedirectionHeader::kHistoryInfo, "sip:+443000@192.0.2.9;transport=tcp"),
            "Subject: call\r\n"
            "History-Info: <sip:+441000@192.0.2.1;user=phone>;index=1, "
            "<sip:+442000@192.0.2.1;user=phone;cause=486>;index=1.1;mp=1, "
            "<sip:+443000@192.0.2.9;cause=408>;index=1.1.1;mp=1.1\r\n");
}

TEST(Redirection, HistoryWithCausesBecomesDiversionNewestFirst) {
  std::string headers =
      "History-Info: <sip:+441000@192.0.2.1;user=phone?Reason=SIP%3Bcause%3D486>;index=1, "
      "<sip:proxy-retarget@192.0.2.5>;index=1.1, <sip:+442000@192.0.2.1;cause=486>;index=1.1.1\r\n"
      "History-Info: <sip:+443000@192.0.2.9;cause=302>;index=1.1.1.1\r\n";
  // The second entry is a retargeting without a cause: no diversion.
  EXPECT_EQ(convert_redirection(headers, RedirectionHeader::kDiversion, "sip:+443000@192.0.2.9"),
            "Diversion: <sip:+442000@192.0.2.1>;reason=unconditional;counter=1, "
            "<sip:proxy-retarget@192.0.2.5>;reason=user-busy;counter=1\r\n");
}

TEST(Redirection, ATrunkGetsTheFormItTakesWhenBothAreThere) {
  std::string both = "Diversion: <sip:1000@192.0.2.1>;reason=unconditional\r\n"
                     "History-Info: <sip:1000@192.0.2.1>;index=1, <sip:2000@192.0.2.1;cause=302>;index=1.1\r\n";
  EXPECT_EQ(convert_redirection(both, RedirectionHeader::kDiversion, "sip:2000@192.0.2.1"),
            "Diversion: <sip:1000@192.0.2.1>;reason=unconditional\r\n");
  EXPECT_EQ(convert_redirection(both, RedirectionHeader::kHistoryInfo, "sip:2000@192.0.2.1"),
            "History-Info: <sip:1000@192.0.2.1>;index=1, <sip:2000@192.0.2.1;cause=302>;index=1.1\r\n");
}

TEST(Redirection, NoRedirectionNoHeader) {
  EXPECT_EQ(convert_redirection("Subject: x\r\n", RedirectionHeader::kHistoryInfo, "sip:1@192.0.2.1"),
            "Subject: x\r\n");
  // History without any diversion in it: nothing to say as Diversion.
  EXPECT_EQ(convert_redirection("History-Info: <sip:1@192.0.2.1>;index=1, <sip:2@192.0.2.2>;index=1.1\r\n",
                                RedirectionHeader::kDiversion, "sip:2@192.0.2.2"),
            "");
}

TEST(Redirection, ReasonsAndCausesMapAsRfc6044Says) {
  EXPECT_EQ(cause_for_diversion_reason("unconditional"), 302);
  EXPECT_EQ(cause_for_diversion_reason("User-Busy"), 486);
  EXPECT_EQ(cause_for_diversion_reason("no-answer"), 408);
  EXPECT_EQ(cause_for_diversion_reason("deflection"), 480);
  EXPECT_EQ(cause_for_diversion_reason("out-of-service"), 503);
  EXPECT_EQ(cause_for_diversion_reason("something-new"), 404);
  EXPECT_EQ(diversion_reason_for_cause(487), "deflection");
  EXPECT_EQ(diversion_reason_for_cause(503), "unavailable");
  EXPECT_EQ(diversion_reason_for_cause(999), "unknown");
}

}  // namespace
}  // namespace sipnic::interwork
