// Tests for host/interwork/cause_map.cpp: sipnic's RFC 3398 profile checked
// row by row against the RFC's tables as tests/data/pri transcribes them
// (§7.2.4.1 and §8.2.6.1, with their footnotes), the decisions the RFC
// leaves to the gateway, a trunk's and a span's exceptions, and the Reason
// header (RFC 3326, RFC 8606's location) both ways.
#include "interwork/cause_map.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace sipnic::interwork {
namespace {

using pri::Cause;
using pri::q931::Location;

std::vector<std::vector<std::string>> csv_rows(const std::string& name) {
  std::ifstream in(std::string(SIPNIC_TESTDATA) + "/pri/" + name);
  std::vector<std::vector<std::string>> rows;
  std::string line;
  if (!in || !std::getline(in, line)) return rows;  // the header
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::vector<std::string> cells;
    std::stringstream ss(line);
    for (std::string cell; std::getline(ss, cell, ',');) cells.push_back(cell);
    if (!line.empty() && line.back() == ',') cells.emplace_back();
    rows.push_back(cells);
  }
  return rows;
}

Q850Reason network(std::uint8_t cause) { return {static_cast<Cause>(cause), Location::kPublicNetworkLocalUser}; }

TEST(CauseMap, EveryRowOfRfc3398Section7241GivesItsStatus) {
  // q850_cause,cause_text_rfc,rfc_group,sip_status,sip_reason,flag
  const auto rows = csv_rows("rfc3398_q850_to_sip.csv");
  ASSERT_GT(rows.size(), 30u) << "tests/data/pri/rfc3398_q850_to_sip.csv";
  const CauseMap map;
  int checked = 0;
  for (const auto& row : rows) {
    ASSERT_EQ(row.size(), 6u);
    const auto cause = static_cast<std::uint8_t>(std::stoi(row[0]));
    const std::string& status = row[3];
    if (status.empty()) {
      // 16: BYE or CANCEL; a response before answer maps as its class.
      EXPECT_EQ(cause, 16);
      EXPECT_EQ(map.status_for(network(cause)), 480);
      continue;
    }
    if (row[1].find("w/ diagnostic") != std::string::npos) {
      // sipnic reads no new number from a Q.931 cause 22: 410, as without one.
      EXPECT_EQ(map.status_for(network(cause)), 410);
      continue;
    }
    EXPECT_EQ(map.status_for(network(cause)), std::stoi(status)) << "cause " << int{cause} << " " << row[1];
    ++checked;
  }
  EXPECT_GT(checked, 28);
}

TEST(CauseMap, TheCalledUsersOwnRejectionIs603AndTheNetworksIs403) {
  const CauseMap map;
  EXPECT_EQ(map.status_for({Cause::kCallRejected, Location::kUser}), 603);
  EXPECT_EQ(map.status_for({Cause::kCallRejected, Location::kPublicNetworkRemoteUser}), 403);
  EXPECT_EQ(map.status_for({Cause::kCallRejected, std::nullopt}), 403);
  EXPECT_EQ(map.status_for({Cause::kUserBusy, Location::kUser}), 486) << "only 21 has the RFC's '+'";
}

TEST(CauseMap, ACauseTheRfcDoesNotListMapsAsItsClassesUnspecifiedCause) {
  const CauseMap map;
  EXPECT_EQ(map.status_for(network(6)), 480);    // channel unacceptable: normal class
  EXPECT_EQ(map.status_for(network(44)), 503);   // requested channel not available
  EXPECT_EQ(map.status_for(network(63)), 503);   // service or option not available
  EXPECT_EQ(map.status_for(network(69)), 501);   // facility not implemented
  EXPECT_EQ(map.status_for(network(81)), 500);   // invalid call reference
  EXPECT_EQ(map.status_for(network(100)), 500);  // invalid IE contents
}

TEST(CauseMap, EveryRowOfRfc3398Section8261GivesItsCauseAndLocation) {
  // sip_status,sip_reason_rfc,q850_cause,cause_text_rfc,flag
  const auto rows = csv_rows("rfc3398_sip_to_q850.csv");
  ASSERT_GT(rows.size(), 30u) << "tests/data/pri/rfc3398_sip_to_q850.csv";
  const CauseMap map;
  int checked = 0;
  for (const auto& row : rows) {
    ASSERT_EQ(row.size(), 5u);
    if (row[0] == "*default*") {
      for (std::uint16_t unlisted : {409, 422, 499, 580, 699}) {
        const auto r = map.cause_for(unlisted);
        ASSERT_TRUE(r);
        EXPECT_EQ(r->cause, static_cast<Cause>(std::stoi(row[2]))) << unlisted;
      }
      continue;
    }
    if (row[0] == "*BYE/CANCEL*") {
      EXPECT_EQ(map.cause_for_clearing().cause, static_cast<Cause>(std::stoi(row[2])));
      continue;
    }
    const auto status = static_cast<std::uint16_t>(std::stoi(row[0]));
    const auto r = map.cause_for(status);
    if (row[2].empty()) {
      if (status == 487) {
        EXPECT_FALSE(r) << "487 answers the gateway's own CANCEL";
      } else {
        // 488 and 606, "by Warning header": media not acceptable.
        ASSERT_TRUE(r) << status;
        EXPECT_EQ(r->cause, Cause::kBearerCapabilityNotImplemented) << status;
      }
      continue;
    }
    ASSERT_TRUE(r) << status;
    EXPECT_EQ(r->cause, static_cast<Cause>(std::stoi(row[2]))) << status << " " << row[1];
    EXPECT_EQ(r->location, status >= 600 ? Location::kUser : Location::kBeyondInterworkingPoint) << status;
    ++checked;
  }
  EXPECT_GT(checked, 30);
}

TEST(CauseMap, AQ850ReasonWinsOverTheStatusItCameWith) {
  const CauseMap map;
  const Q850Reason busy{Cause::kUserBusy, Location::kUser};
  EXPECT_EQ(map.cause_for(480, busy), busy);
  EXPECT_EQ(map.cause_for(487, busy), busy);
  EXPECT_EQ(map.cause_for_clearing(Q850Reason{Cause::kNoAnswerFromUser, std::nullopt}).cause, Cause::kNoAnswerFromUser);
}

TEST(CauseMap, TheSpansExceptionsGoOverTheTrunksAndBothOverTheProfile) {
  core::CauseMapping trunk, span;
  trunk.cause_to_status = {{47, 500}, {34, 486}};
  trunk.status_to_cause = {{480, 19}};
  span.cause_to_status = {{34, 503}};
  span.status_to_cause = {{503, 34}};
  const CauseMap trunk_only(&trunk);
  EXPECT_EQ(trunk_only.status_for(network(47)), 500);
  EXPECT_EQ(trunk_only.status_for(network(34)), 486);
  EXPECT_EQ(trunk_only.cause_for(480)->cause, Cause::kNoAnswerFromUser);
  EXPECT_EQ(trunk_only.cause_for(503)->cause, Cause::kTemporaryFailure);
  const CauseMap both(&trunk, &span);
  EXPECT_EQ(both.status_for(network(47)), 500);
  EXPECT_EQ(both.status_for(network(34)), 503);
  EXPECT_EQ(both.cause_for(503)->cause, Cause::kNoCircuitAvailable);
  EXPECT_EQ(both.cause_for(480)->cause, Cause::kNoAnswerFromUser);
  // An exception for 21 is taken as it is, the user's location or not.
  core::CauseMapping reject;
  reject.cause_to_status = {{21, 403}};
  EXPECT_EQ(CauseMap(&reject).status_for({Cause::kCallRejected, Location::kUser}), 403);
}

TEST(ReasonHeader, CarriesTheCauseItsQ850NameAndItsLocation) {
  EXPECT_EQ(reason_header_for({Cause::kUserBusy, Location::kUser}), "Q.850;cause=17;text=\"user busy\";location=U");
  EXPECT_EQ(reason_header_for({Cause::kNoCircuitAvailable, std::nullopt}),
            "Q.850;cause=34;text=\"no circuit/channel available\"");
  for (const Location l : {Location::kUser, Location::kPrivateNetworkLocalUser, Location::kPublicNetworkLocalUser,
                           Location::kTransitNetwork, Location::kPublicNetworkRemoteUser,
                           Location::kPrivateNetworkRemoteUser, Location::kInternationalNetwork,
                           Location::kBeyondInterworkingPoint}) {
    const std::string header = reason_header_for({Cause::kCallRejected, l});
    const std::string_view one[] = {header};
    EXPECT_EQ(q850_reason_of(one), (Q850Reason{Cause::kCallRejected, l})) << header;
  }
}

TEST(ReasonHeader, TheFirstQ850ValueOfAnyReasonHeaderIsRead) {
  const std::string_view headers[] = {"SIP;cause=200;text=\"Call completed elsewhere\"",
                                      "Q.850;cause=0, q.850;cause=128, Q.850;cause=41;location=XX, Q.850;cause=17"};
  const auto r = q850_reason_of(headers);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->cause, Cause::kTemporaryFailure) << "0 and 128 are no Q.850 causes";
  EXPECT_FALSE(r->location) << "XX is none of RFC 8606's locations";
  const std::string_view none[] = {"SIP;cause=487", "Q.850;text=\"no cause\"", "garbage;;"};
  EXPECT_FALSE(q850_reason_of(none));
  EXPECT_FALSE(q850_reason_of({}));
}

}  // namespace
}  // namespace sipnic::interwork
