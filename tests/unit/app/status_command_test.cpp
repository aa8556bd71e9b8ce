// Tests for `sipnic status` (host/app/status_command.cpp) against a running
// node (host/app/run_command.cpp starts its control socket): the table, the
// JSON a script reads, and the errors when no node answers (docs/cli.md).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <cstring>
#include <string>
#include <vector>

#include "support/eventually.h"
#include "support/loop_thread.h"
#include "support/sipnic_node.h"

namespace sipnic::test {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;

RunResult run_sipnic(const std::vector<std::string>& args) { return run_program(SIPNIC_BINARY, args); }

bool contains(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }

// Every header line of `name` in a message, in order.
std::vector<std::string> header_lines(const std::string& m, std::string_view name) {
  std::vector<std::string> out;
  for (std::size_t p = m.find("\r\n"); p != std::string::npos && p + 2 < m.size(); p = m.find("\r\n", p + 2)) {
    std::size_t e = m.find("\r\n", p + 2);
    std::string line = m.substr(p + 2, e - p - 2);
    if (line.empty()) break;
    if (line.rfind(std::string(name) + ":", 0) == 0) out.push_back(line);
  }
  return out;
}

class StatusFixture : public ::testing::Test {
 protected:
  StatusFixture()
      : sip_port_(free_port(SOCK_DGRAM)),
        carrier_port_(free_port(SOCK_DGRAM)),
        node_(SipnicNode::udp_config(sip_port_, carrier_port_)) {}
  core::SocketAddress node_address() const { return *core::SocketAddress::from_ip("127.0.0.1", sip_port_); }
  json status_json() {
    auto r = run_sipnic({"status", "--control", node_.control().string(), "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return json::parse(r.out);
  }
  std::uint16_t sip_port_;
  std::uint16_t carrier_port_;
  SipnicNode node_;
};

TEST_F(StatusFixture, TableShowsTheNodeItsTrunksAndItsFigures) {
  auto r = run_sipnic({"status", "--control", node_.control().string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "1 worker, offload cpu")) << r.out;
  EXPECT_TRUE(contains(r.out, "udp 127.0.0.1:" + std::to_string(sip_port_))) << r.out;
  EXPECT_TRUE(contains(r.out, "TRUNK")) << r.out;
  EXPECT_TRUE(contains(r.out, "carrier  udp        127.0.0.3:" + std::to_string(carrier_port_))) << r.out;
  for (const char* row : {"calls ", "messages ", "connections ", "tls ", "transactions ", "offload "})
    EXPECT_TRUE(contains(r.out, std::string("\n") + row)) << row << " missing:\n" << r.out;
}

TEST_F(StatusFixture, JsonCountsExactlyTheMessagesThePeerSent) {
  json before = status_json();
  PeerSocket peer(AF_INET, SOCK_DGRAM);
  constexpr int kSent = 4;
  for (int i = 0; i < kSent; ++i) {
    peer.send_to(node_address(), options_request(peer.local(), "st", i));
    auto reply = peer.receive(3000ms);
    ASSERT_TRUE(reply);
    ASSERT_EQ(reply->substr(0, 12), "SIP/2.0 200 ");
  }
  // The last answer is counted just after its send: wait for it, then check
  // every figure exactly.
  json after;
  EXPECT_TRUE(eventually([&] {
    after = status_json();
    return after["messages"]["sent"].get<int>() - before["messages"]["sent"].get<int>() >= kSent;
  }));
  EXPECT_EQ(after["messages"]["received"].get<int>() - before["messages"]["received"].get<int>(), kSent);
  EXPECT_EQ(after["messages"]["sent"].get<int>() - before["messages"]["sent"].get<int>(), kSent);
  EXPECT_EQ(after["transactions"]["server"].get<int>() - before["transactions"]["server"].get<int>(), kSent);
  EXPECT_EQ(after["workers"], 1);
  EXPECT_EQ(after["offload"]["backend"], "cpu");
  EXPECT_GE(after["offload"]["parse_batches"]["count"].get<int>(), 1);
  ASSERT_EQ(after["trunks"].size(), 2u);
  EXPECT_EQ(after["trunks"][1]["name"], "carrier");
  EXPECT_EQ(after["trunks"][1]["max_calls"], 20);
  EXPECT_EQ(after["trunks"][1]["up"], true);
}

TEST_F(StatusFixture, ACallThatFailsShowsInTheCallFiguresWhileTheNodeRuns) {
  PeerSocket pbx(AF_INET, SOCK_DGRAM);
  PeerSocket carrier(AF_INET, SOCK_DGRAM, "127.0.0.3", carrier_port_);
  const std::string invite =
      "INVITE sip:1000@127.0.0.1 SIP/2.0\r\n"
      "Via: SIP/2.0/UDP " + pbx.local().to_string() + ";branch=z9hG4bK-call1;rport\r\n"
      "Max-Forwards: 70\r\n"
      "From: <sip:alice@127.0.0.1>;tag=a1\r\n"
      "To: <sip:1000@127.0.0.1>\r\n"
      "Call-ID: status-call-1\r\n"
      "CSeq: 1 INVITE\r\n"
      "Contact: <sip:alice@" + pbx.local().to_string() + ">\r\n"
      "Content-Length: 0\r\n\r\n";
  pbx.send_to(node_address(), invite);
  auto relayed = carrier.receive(3000ms);
  ASSERT_TRUE(relayed);
  ASSERT_EQ(relayed->rfind("INVITE ", 0), 0u) << *relayed;
  // The carrier is busy.
  std::string busy = "SIP/2.0 486 Busy Here\r\n";
  for (const auto& h : header_lines(*relayed, "Via")) busy += h + "\r\n";
  busy += header_lines(*relayed, "From").at(0) + "\r\n" + header_lines(*relayed, "To").at(0) + ";tag=c1\r\n" +
          header_lines(*relayed, "Call-ID").at(0) + "\r\n" + header_lines(*relayed, "CSeq").at(0) +
          "\r\nContent-Length: 0\r\n\r\n";
  carrier.send_to(node_address(), busy);
  // The caller gets 100 Trying, then the 486.
  std::optional<std::string> answer;
  do {
    answer = pbx.receive(3000ms);
  } while (answer && answer->rfind("SIP/2.0 100 ", 0) == 0);
  ASSERT_TRUE(answer);
  ASSERT_EQ(answer->substr(0, 12), "SIP/2.0 486 ");
  json s = status_json();
  EXPECT_EQ(s["calls"]["started"], 1);
  EXPECT_EQ(s["calls"]["failed"], 1);
  EXPECT_EQ(s["calls"]["answered"], 0);
  EXPECT_EQ(s["calls"]["active"], 0);
  EXPECT_EQ(s["trunks"][1]["calls_started"], 1);
  EXPECT_EQ(s["trunks"][1]["calls_now"], 0);
}

TEST_F(StatusFixture, PidFileNamesTheControlSocketAndItIsOwnerOnly) {
  auto r = run_sipnic({"status", "--pid-file", node_.pid_file().string(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)["trunks"][0]["name"], "pbx");
  struct stat st{};
  ASSERT_EQ(::stat(node_.control().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(node_.stop(), 0);
  EXPECT_FALSE(std::filesystem::exists(node_.control())) << "the node removes its socket at exit";
  auto gone = run_sipnic({"status", "--pid-file", node_.pid_file().string()});
  EXPECT_EQ(gone.exit_code, 1);
  EXPECT_EQ(gone.err, "sipnic status: no sipnic node answers on " + node_.control().string() +
                          ": no such file or directory\n");
}

TEST(StatusCommand, NeedsExactlyOneOfPidFileAndControl) {
  auto none = run_sipnic({"status"});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_TRUE(contains(none.err, "give --pid-file FILE or --control PATH")) << none.err;
  auto both = run_sipnic({"status", "--pid-file", "a", "--control", "b"});
  EXPECT_EQ(both.exit_code, 2);
}

TEST(StatusCommand, ASocketNobodyAnswersOnIsNamedWithTheReason) {
  TempDir dir("sipnic-status");
  int stale = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  const std::string path = (dir.path() / "dead.ctl").string();
  std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
  ASSERT_EQ(::bind(stale, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ::close(stale);
  auto r = run_sipnic({"status", "--control", path});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "sipnic status: no sipnic node answers on " + path + ": connection refused\n");
}

}  // namespace
}  // namespace sipnic::test
