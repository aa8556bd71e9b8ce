// Spans on the `line` backend between sipnic processes: the E1/T1 line
// signal itself on a Unix socket, framed and deframed on each side by the
// TDM kernels (their C simulation), Q.921 and Q.931 on top. Two `sipnic
// span-peer`s back to back (each its own sipnic, network side and user side)
// align, bring the D-channel up and fill every channel with calls placed from
// both ends at once; one side stops sending and the other reports the alarm
// and recovers. A `sipnic run` node's line span shows its alarms in
// `sipnic status`. Then NFAS on the line: two span peers, each an NFAS group
// of three T1 lines (the primary D-channel, the backup, and a span without
// a D-channel whose channel 24 is a B-channel), and a node's NFAS group
// against a span peer's.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "interop/support/line_peer.h"
#include "interop/support/sipp_harness.h"
#include "support/eventually.h"

namespace sipnic::test {
namespace {

using namespace std::chrono_literals;

struct LineCase {
  const char* name;
  const char* line;
  const char* crc4;
  int channels;
};
const LineCase kLines[] = {{"e1_crc4", "e1", "on", 30}, {"e1", "e1", "off", 30}, {"t1_esf", "t1", "on", 23}};

// A span peer on the line backend, its commands from stdin.
LinePeer span_peer(const TempDir& dir, const std::string& name, const std::string& side, const LineCase& line,
                   const std::string& role, const std::string& sock) {
  return LinePeer({sipnic_binary(), "span-peer", "--side", side, "--line", line.line, "--backend", "line", "--crc4",
                   line.crc4, "--" + role, sock, "--answer", "answer", "--log-level", "info"},
                  dir.file(name + ".out"), dir.file(name + ".err"));
}

std::string describe(LinePeer& a, LinePeer& b) {
  return "\n--- nt ---\n" + a.output() + a.log() + "\n--- te ---\n" + b.output() + b.log();
}

// Both peers told to quit exit 0, with nothing from the sanitizers.
void expect_both_quit_cleanly(LinePeer& nt, LinePeer& te) {
  EXPECT_TRUE(te.send("quit"));
  EXPECT_TRUE(nt.send("quit"));
  const auto te_status = te.wait_exit(20s);
  const auto nt_status = nt.wait_exit(20s);
  EXPECT_TRUE(te_status && WIFEXITED(*te_status) && WEXITSTATUS(*te_status) == 0) << describe(nt, te);
  EXPECT_TRUE(nt_status && WIFEXITED(*nt_status) && WEXITSTATUS(*nt_status) == 0) << describe(nt, te);
  EXPECT_EQ(sanitizer_findings(te.log() + nt.log()), "");
}

class LineBetweenSpanPeers : public ::testing::TestWithParam<LineCase> {};

TEST_P(LineBetweenSpanPeers, CallsOnEveryChannelFromBothEndsThenAnAlarmWhenOneSideStopsSendingAndRecovery) {
  const LineCase line = GetParam();
  TempDir dir("line-span");
  const std::string sock = dir.file("line.sock");
  LinePeer nt = span_peer(dir, "nt", "nt", line, "listen", sock);
  ASSERT_TRUE(eventually([&] { return std::filesystem::exists(sock); }, 10s, 20ms)) << nt.log();
  LinePeer te = span_peer(dir, "te", "te", line, "connect", sock);
  ASSERT_TRUE(te.take(std::regex("^event line ok$"), 20s)) << describe(nt, te);
  ASSERT_TRUE(nt.take(std::regex("^event line ok$"), 20s)) << describe(nt, te);
  ASSERT_TRUE(te.take(std::regex("^event link up$"), 20s)) << describe(nt, te);
  ASSERT_TRUE(nt.take(std::regex("^event link up$"), 20s)) << describe(nt, te);

  // Half the channels from each end, all at once: the user side hunts from
  // the bottom, the network side from the top, so they do not meet.
  const int from_te = line.channels / 2, from_nt = line.channels - from_te;
  for (int i = 0; i < from_te; ++i) ASSERT_TRUE(te.send("call " + std::to_string(2000 + i)));
  for (int i = 0; i < from_nt; ++i) ASSERT_TRUE(nt.send("call " + std::to_string(3000 + i)));
  for (int i = 0; i < from_te; ++i)
    ASSERT_TRUE(te.take(std::regex("^ok call call="), 20s)) << "call " << i << describe(nt, te);
  for (int i = 0; i < from_nt; ++i)
    ASSERT_TRUE(nt.take(std::regex("^ok call call="), 20s)) << "call " << i << describe(nt, te);
  // Every call is answered by the far end; each side sees every call connected.
  for (int i = 0; i < line.channels; ++i) {
    ASSERT_TRUE(te.take(std::regex("^event connected call="), 30s)) << "te, call " << i << describe(nt, te);
    ASSERT_TRUE(nt.take(std::regex("^event connected call="), 30s)) << "nt, call " << i << describe(nt, te);
  }
  // The span is full: one more is refused with cause 34 at once.
  ASSERT_TRUE(te.send("call 9999"));
  EXPECT_TRUE(te.take(std::regex("^error call reason=cause-34$"), 10s)) << describe(nt, te);
  // Every channel carried one call: the connected lines name each once.
  std::vector<int> channels;
  for (const auto& l : te.lines()) {
    std::smatch m;
    if (std::regex_search(l, m, std::regex("^event connected call=\\d+ channel=(\\d+)"))) channels.push_back(std::stoi(m[1]));
  }
  std::sort(channels.begin(), channels.end());
  EXPECT_EQ(std::adjacent_find(channels.begin(), channels.end()), channels.end()) << describe(nt, te);
  EXPECT_EQ(static_cast<int>(channels.size()), line.channels);

  ASSERT_TRUE(te.send("hangup all 16"));
  for (int i = 0; i < line.channels; ++i) {
    ASSERT_TRUE(te.take(std::regex("^event released call="), 30s)) << "te, call " << i << describe(nt, te);
    ASSERT_TRUE(nt.take(std::regex("^event released call="), 30s)) << "nt, call " << i << describe(nt, te);
  }

  // The network side's transmitter stops: the user side has no signal (red),
  // its D-channel goes down, and it sends RAI, which the network side sees
  // (yellow). Then the line comes back and so does everything on it.
  ASSERT_TRUE(nt.send("line silent"));
  EXPECT_TRUE(te.take(std::regex("^event line red \\(LOS, LOF\\)$"), 10s)) << describe(nt, te);
  EXPECT_TRUE(te.take(std::regex("^event link down$"), 10s)) << describe(nt, te);
  EXPECT_TRUE(nt.take(std::regex("^event line yellow \\(RAI\\)$"), 10s)) << describe(nt, te);
  ASSERT_TRUE(nt.send("line normal"));
  EXPECT_TRUE(te.take(std::regex("^event line ok$"), 10s)) << describe(nt, te);
  EXPECT_TRUE(te.take(std::regex("^event link up$"), 20s)) << describe(nt, te);
  EXPECT_TRUE(nt.take(std::regex("^event line ok$"), 10s)) << describe(nt, te);
  ASSERT_TRUE(te.send("call 4000"));
  EXPECT_TRUE(te.take(std::regex("^event connected call="), 20s)) << describe(nt, te);

  expect_both_quit_cleanly(nt, te);
}

INSTANTIATE_TEST_SUITE_P(Lines, LineBetweenSpanPeers, ::testing::ValuesIn(kLines),
                         [](const ::testing::TestParamInfo<LineCase>& info) { return std::string(info.param.name); });

// ---- NFAS on the line ------------------------------------------------------------------------------

// An NFAS span peer of three T1 lines: interface 0 (this side's socket, the
// primary D-channel), 1 (the backup) and 2 (no D-channel). Short Q.921
// timers: a D-channel that went silent is found out in T203 + N200 x T200
// = 1.6 s.
LinePeer nfas_span_peer(const TempDir& dir, const std::string& name, const std::string& side, const std::string& role,
                        const std::string& prefix) {
  return LinePeer({sipnic_binary(), "span-peer", "--side", side, "--line", "t1", "--backend", "line", "--" + role,
                   prefix + "0.sock", "--nfas-span",
                   "interface=1,d-channel=backup," + role + "=" + prefix + "1.sock", "--nfas-span",
                   "interface=2," + role + "=" + prefix + "2.sock", "--answer", "answer", "--t200", "200", "--t203",
                   "1000", "--log-level", "info"},
                  dir.file(name + ".out"), dir.file(name + ".err"));
}

// Every channel of the group (23 + 23 + 24) carries a call at once, placed
// from both ends; then the primary's line goes silent: signalling moves to
// the backup at both ends, the calls on the other lines go on and new ones
// are made, and the primary takes over again when its line is back.
TEST(NfasOnTheLineBetweenSpanPeers, EveryChannelOfThreeLinesCarriesACallAndTheBackupSignalsWhileThePrimarysLineIsDown) {
  TempDir dir("nfas-line");
  const std::string prefix = dir.file("t1-");
  LinePeer nt = nfas_span_peer(dir, "nt", "nt", "listen", prefix);
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(eventually([&] { return std::filesystem::exists(prefix + std::to_string(i) + ".sock"); }, 10s, 20ms))
        << nt.log();
  LinePeer te = nfas_span_peer(dir, "te", "te", "connect", prefix);
  for (LinePeer* p : {&te, &nt}) {
    for (int i = 0; i < 3; ++i)
      ASSERT_TRUE(p->take(std::regex("^event line ok interface=" + std::to_string(i) + "$"), 20s)) << describe(nt, te);
    ASSERT_TRUE(p->take(std::regex("^event dchannel primary interface=0$"), 20s)) << describe(nt, te);
    ASSERT_TRUE(p->take(std::regex("^event link up$"), 20s)) << describe(nt, te);
    // A group whose backup link came up first signalled on it until the
    // primary's did: that is not the switchover looked for below.
    while (p->take(std::regex("^event dchannel backup"), 0ms)) {
    }
  }

  // Each interface: the user side from the bottom, the network side from the top.
  const int per_interface[] = {23, 23, 24};
  int total = 0;
  for (int i = 0; i < 3; ++i) {
    const int from_te = per_interface[i] / 2, from_nt = per_interface[i] - from_te;
    for (int k = 0; k < from_te; ++k) ASSERT_TRUE(te.send("call " + std::to_string(2000 + k) + " interface=" + std::to_string(i)));
    for (int k = 0; k < from_nt; ++k) ASSERT_TRUE(nt.send("call " + std::to_string(3000 + k) + " interface=" + std::to_string(i)));
    total += per_interface[i];
  }
  for (int k = 0; k < total; ++k) {
    ASSERT_TRUE(te.take(std::regex("^event connected call="), 30s)) << "te, call " << k << describe(nt, te);
    ASSERT_TRUE(nt.take(std::regex("^event connected call="), 30s)) << "nt, call " << k << describe(nt, te);
  }
  // Every channel of every interface once, channel 24 of interface 2 among them.
  std::set<std::pair<int, int>> used;
  for (const auto& l : te.lines()) {
    std::smatch m;
    if (std::regex_search(l, m, std::regex("^event connected call=\\d+ channel=(\\d+) interface=(\\d+)")))
      used.insert({std::stoi(m[2]), std::stoi(m[1])});
  }
  EXPECT_EQ(static_cast<int>(used.size()), total) << describe(nt, te);
  EXPECT_TRUE(used.count({2, 24})) << describe(nt, te);
  EXPECT_FALSE(used.count({0, 24})) << "channel 24 of the primary's line is its D-channel";
  ASSERT_TRUE(te.send("call 9999"));
  EXPECT_TRUE(te.take(std::regex("^error call reason=cause-34$"), 10s)) << describe(nt, te);
  ASSERT_TRUE(te.send("hangup all 16"));
  for (int k = 0; k < total; ++k)
    ASSERT_TRUE(nt.take(std::regex("^event released call="), 30s)) << "nt, call " << k << describe(nt, te);

  // The primary's line goes silent (NT's transmitter on it stops).
  ASSERT_TRUE(nt.send("line silent interface=0"));
  EXPECT_TRUE(te.take(std::regex("^event line red \\(LOS, LOF\\) interface=0$"), 10s)) << describe(nt, te);
  EXPECT_TRUE(te.take(std::regex("^event dchannel backup interface=1$"), 10s)) << describe(nt, te);
  EXPECT_TRUE(nt.take(std::regex("^event dchannel backup interface=1$"), 20s)) << describe(nt, te);
  EXPECT_EQ(te.count([](std::string_view l) { return l == "event link down"; }), 0u) << "signalling never went down";
  // Calls go on over the backup, both ways, on the lines that are up; the
  // user side hunts nothing on the line without signal.
  ASSERT_TRUE(te.send("call 4000 interface=2 channel=24"));
  EXPECT_TRUE(te.take(std::regex("^event connected call=\\d+ channel=24 interface=2$"), 20s)) << describe(nt, te);
  ASSERT_TRUE(nt.send("call 4001 interface=1"));
  EXPECT_TRUE(nt.take(std::regex("^event connected call=\\d+ channel=\\d+ interface=1$"), 20s)) << describe(nt, te);
  ASSERT_TRUE(te.send("call 4002 interface=0"));
  EXPECT_TRUE(te.take(std::regex("^error call reason=cause-34$"), 10s)) << describe(nt, te);
  EXPECT_NE(te.log().find("interface 0: line down"), std::string::npos) << te.log();

  ASSERT_TRUE(nt.send("line normal interface=0"));
  EXPECT_TRUE(te.take(std::regex("^event dchannel primary interface=0$"), 20s)) << describe(nt, te);
  EXPECT_TRUE(nt.take(std::regex("^event dchannel primary interface=0$"), 20s)) << describe(nt, te);
  ASSERT_TRUE(te.send("call 4003 interface=0"));
  EXPECT_TRUE(te.take(std::regex("^event connected call=\\d+ channel=\\d+ interface=0$"), 20s)) << describe(nt, te);
  ASSERT_TRUE(te.send("hangup all 16"));
  for (int k = 0; k < 3; ++k)
    EXPECT_TRUE(nt.take(std::regex("^event released call="), 20s)) << "call " << k << describe(nt, te);

  expect_both_quit_cleanly(nt, te);
}

// A node's NFAS group on three line spans against a span peer's: every
// line in frame and the primary signalling in `sipnic status`; a call on
// channel 24 of the span without a D-channel reaches the node's Q.931 (and
// is refused there: spans are not routed yet).
TEST(NfasOnTheLineInTheNode, StatusShowsEveryLineInFrameAndACallOnChannel24ReachesTheNode) {
  TempDir dir("nfas-line-node");
  const std::string prefix = dir.file("t1-");
  const std::string group = "type = t1\nside = nt\nbackend = line\nnfas-group = carrier\n";
  const std::string conf = "[node]\nworkers = 1\n[listen]\nudp = 127.0.0.1:" +
                           std::to_string(free_port_on("127.0.0.1")) + "\n[span t1a]\n" + group +
                           "nfas-interface = 0\nd-channel = primary\nlisten = " + prefix + "0.sock\n[span t1b]\n" +
                           group + "nfas-interface = 1\nd-channel = backup\nlisten = " + prefix + "1.sock\n[span t1c]\n" +
                           group + "nfas-interface = 2\nlisten = " + prefix + "2.sock\n";
  Sipnic node(dir, conf, {}, "node");
  ASSERT_EQ(node.wait_ready(), "");
  LinePeer te = nfas_span_peer(dir, "te", "te", "connect", prefix);
  ASSERT_TRUE(te.take(std::regex("^event link up$"), 20s)) << te.output() << te.log() << node.log();
  ASSERT_TRUE(te.send("call 5551234 interface=2 channel=24"));
  EXPECT_TRUE(te.take(std::regex("^event released call=\\d+ channel=24 interface=2 cause=3 "), 20s))
      << te.output() << node.log();
  nlohmann::json spans;
  eventually(
      [&] {
        spans = nlohmann::json::parse(node.status_json())["spans"];
        if (spans.size() != 3) return false;
        for (const auto& s : spans)
          if (!s.contains("line_alarms") || s["line_alarms"]["text"] != "ok") return false;
        return spans[0]["nfas"]["active"] == true && spans[0]["calls"]["in"] == 1;
      },
      20s, 50ms);
  ASSERT_EQ(spans.size(), 3u) << spans.dump();
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(spans[i]["line_alarms"]["text"], "ok") << spans.dump();
    EXPECT_EQ(spans[i]["nfas"]["interface"], i) << spans.dump();
  }
  EXPECT_EQ(spans[0]["nfas"]["active"], true) << spans.dump();
  EXPECT_EQ(spans[2]["nfas"]["d_channel"], "none") << spans.dump();
  EXPECT_EQ(spans[2]["b_channels"]["idle"], 24) << spans.dump();
  EXPECT_EQ(spans[0]["calls"]["in"], 1) << spans.dump();
  EXPECT_NE(node.log().find("NFAS group carrier: incoming call for 5551234 refused (cause 3)"), std::string::npos)
      << node.log();
  ASSERT_TRUE(te.send("quit"));
  te.wait_exit(10s);
  node.stop();
  EXPECT_TRUE(node.exited_cleanly()) << node.log();
}

// A node's line span: in frame and its D-channel up in `sipnic status`,
// AIS from the far end shown there as a blue alarm, then cleared.
TEST(LineSpanInTheNode, StatusShowsTheLineInFrameThenTheFarEndsAisThenRecovery) {
  TempDir dir("line-node");
  const std::string sock = dir.file("line.sock");
  const std::string conf = "[node]\nworkers = 1\n[listen]\nudp = 127.0.0.1:" +
                           std::to_string(free_port_on("127.0.0.1")) +
                           "\n[span pri1]\ntype = e1\nside = nt\nbackend = line\ncrc4 = on\nlisten = " + sock + "\n";
  Sipnic node(dir, conf, {}, "node");
  ASSERT_EQ(node.wait_ready(), "");
  LinePeer te = span_peer(dir, "te", "te", kLines[0], "connect", sock);
  ASSERT_TRUE(te.take(std::regex("^event link up$"), 20s)) << te.output() << te.log() << node.log();
  auto span_status = [&] {
    const auto j = nlohmann::json::parse(node.status_json());
    return j.contains("spans") && !j["spans"].empty() ? j["spans"][0] : nlohmann::json();
  };
  nlohmann::json span;
  // Waits until the status shows the line's alarms as `text` and the
  // D-channel up or down (the figures are published each second and at changes).
  auto span_reaches = [&](const std::string& text, bool dchannel_up) {
    return eventually(
        [&] {
          span = span_status();
          return span.contains("line_alarms") && span["line_alarms"]["text"] == text &&
                 span["dchannel_up"] == dchannel_up;
        },
        20s, 50ms);
  };
  EXPECT_TRUE(span_reaches("ok", true)) << span.dump() << node.log();
  // A call from the peer reaches the node's Q.931 over the line (and is
  // refused there: spans are not routed yet).
  ASSERT_TRUE(te.send("call 5551234"));
  EXPECT_TRUE(te.take(std::regex("^event released call=1 .*cause=3"), 20s)) << te.output() << node.log();

  ASSERT_TRUE(te.send("line ais"));
  EXPECT_TRUE(span_reaches("blue (AIS)", false)) << span.dump() << node.log();
  EXPECT_TRUE(te.take(std::regex("^event line yellow \\(RAI\\)$"), 10s)) << te.output();
  EXPECT_NE(node.log().find("span pri1: line blue (AIS): out of frame, layer 1 down"), std::string::npos)
      << node.log();
  ASSERT_TRUE(te.send("line normal"));
  EXPECT_TRUE(span_reaches("ok", true)) << span.dump() << node.log();
  EXPECT_EQ(span["line_errors"]["crc"], 0) << span.dump();
  ASSERT_TRUE(te.send("quit"));
  te.wait_exit(10s);
  node.stop();
  EXPECT_TRUE(node.exited_cleanly()) << node.log();
}

}  // namespace
}  // namespace sipnic::test
