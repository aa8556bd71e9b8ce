// Parts of `sipnic status`: a line per register = on trunk in the table, and
// a registration object (null for other trunks) in JSON; a row (and an
// object) per PRI span.
#include "app/node_status_format.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>

namespace sipnic::app {
namespace {

using namespace std::chrono_literals;

interwork::NodeStatus with_registration() {
  interwork::NodeStatus s;
  interwork::TrunkStatus plain;
  plain.name = "pbx";
  interwork::TrunkStatus itsp;
  itsp.name = "itsp";
  interwork::RegistrationStatus r;
  r.state = interwork::RegistrationStatus::State::kFailed;
  r.last_status = 408;
  r.last_reason = "timeout";
  r.failures = 3;
  r.next_attempt = core::Clock::now() + 75s;
  r.contact = "sip:4420@127.0.0.1:5060;rinstance=ab";
  itsp.registration = r;
  s.trunks = {plain, itsp};
  return s;
}

TEST(NodeStatusFormat, TheTableHasARegistrationLinePerRegisteringTrunk) {
  std::string t = format_status_table(with_registration());
  auto at = t.find("registration  itsp: failed (timeout), 3 failures, next REGISTER in 1m1");
  EXPECT_NE(at, std::string::npos) << t;
  EXPECT_EQ(t.find("registration  pbx"), std::string::npos) << t;
}

TEST(NodeStatusFormat, JsonHasTheRegistrationOrNull) {
  auto j = nlohmann::json::parse(format_status_json(with_registration()));
  EXPECT_TRUE(j["trunks"][0]["registration"].is_null());
  const auto& r = j["trunks"][1]["registration"];
  EXPECT_EQ(r["state"], "failed");
  EXPECT_EQ(r["last_status"], 408);
  EXPECT_EQ(r["last_reason"], "timeout");
  EXPECT_EQ(r["failures"], 3);
  EXPECT_TRUE(r["expires_in_seconds"].is_null());
  EXPECT_GT(r["next_attempt_in_seconds"].get<double>(), 70.0);
  EXPECT_LE(r["next_attempt_in_seconds"].get<double>(), 75.0);
  EXPECT_EQ(r["contact"], "sip:4420@127.0.0.1:5060;rinstance=ab");
}

interwork::NodeStatus with_span() {
  interwork::NodeStatus s;
  interwork::SpanStatus sp;
  sp.name = "pbx";
  sp.type = core::SpanType::kE1;
  sp.side = core::SpanSide::kNetwork;
  sp.dchannel_up = true;
  sp.idle = 28;
  sp.in_use = 2;
  sp.calls_in = 5;
  sp.calls_refused = 1;
  s.spans = {sp};
  return s;
}

TEST(NodeStatusFormat, TheTableHasARowPerSpanWithItsDChannelAndChannels) {
  const std::string t = format_status_table(with_span());
  EXPECT_NE(t.find("SPAN"), std::string::npos) << t;
  EXPECT_NE(t.find("ALARMS"), std::string::npos) << t;
  EXPECT_NE(t.find("pbx   e1    nt    euroisdn  -       up"), std::string::npos) << t;
  EXPECT_EQ(format_status_table(interwork::NodeStatus{}).find("SPAN"), std::string::npos)
      << "no span table without spans";
}

TEST(NodeStatusFormat, JsonHasEverySpan) {
  auto j = nlohmann::json::parse(format_status_json(with_span()));
  ASSERT_EQ(j["spans"].size(), 1u);
  const auto& sp = j["spans"][0];
  EXPECT_EQ(sp["name"], "pbx");
  EXPECT_EQ(sp["line"], "e1");
  EXPECT_EQ(sp["side"], "nt");
  EXPECT_EQ(sp["dchannel_up"], true);
  EXPECT_EQ(sp["b_channels"]["idle"], 28);
  EXPECT_EQ(sp["b_channels"]["in_use"], 2);
  EXPECT_EQ(sp["calls"]["in"], 5);
  EXPECT_EQ(sp["calls"]["refused"], 1);
  EXPECT_FALSE(sp.contains("line_alarms")) << "a frames span has no line";
}

TEST(NodeStatusFormat, ALineSpanShowsItsAlarmsInTheTableAndTheJson) {
  interwork::NodeStatus s = with_span();
  s.spans[0].line = true;
  s.spans[0].dchannel_up = false;
  s.spans[0].alarms = pri::LineAlarms{true, true, false, false};
  s.spans[0].crc_errors = 3;
  s.spans[0].slips = 2;
  const std::string t = format_status_table(s);
  EXPECT_NE(t.find("pbx   e1    nt    euroisdn  red (LOS, LOF)  DOWN"), std::string::npos) << t;
  auto j = nlohmann::json::parse(format_status_json(s));
  const auto& sp = j["spans"][0];
  EXPECT_EQ(sp["line_alarms"]["los"], true);
  EXPECT_EQ(sp["line_alarms"]["ais"], false);
  EXPECT_EQ(sp["line_alarms"]["text"], "red (LOS, LOF)");
  EXPECT_EQ(sp["line_errors"]["crc"], 3);
  EXPECT_EQ(sp["line_errors"]["slips"], 2);
}

}  // namespace
}  // namespace sipnic::app
