// Tests for what `sipnic run` (host/app/run_command.cpp) serves besides SIP:
// the Prometheus endpoint of `[node] metrics`, scraped over HTTP and checked
// with Prometheus's own promtool, and the summary line it logs at SIGTERM,
// which must agree with the registry the endpoint and `sipnic status` read.
#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/wait.h>

#include <nlohmann/json.hpp>

#include <regex>
#include <sstream>
#include <string>

#include "core/metrics_http.h"
#include "support/eventually.h"
#include "support/loop_thread.h"
#include "support/sipnic_node.h"

namespace sipnic::test {
namespace {

using namespace std::chrono_literals;

// The value of the series `series` (name and labels exactly as exposed) in
// a scrape; NaN when it is not there.
double sample(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  return std::nan("");
}

class MetricsEndpointFixture : public ::testing::Test {
 protected:
  MetricsEndpointFixture()
      : sip_port_(free_port(SOCK_DGRAM)),
        metrics_port_(free_port(SOCK_STREAM)),
        node_(SipnicNode::udp_config(sip_port_, free_port(SOCK_DGRAM),
                                     "metrics = 127.0.0.1:" + std::to_string(metrics_port_) + "\n")) {}
  std::string scrape() {
    httplib::Client client("127.0.0.1", metrics_port_);
    auto res = client.Get("/metrics");
    EXPECT_TRUE(res) << httplib::to_string(res.error());
    if (!res) return {};
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(res->get_header_value("Content-Type"), core::kPrometheusContentType);
    return res->body;
  }
  // Sends `n` OPTIONS and one datagram of garbage, and waits for every answer.
  void drive(int n) {
    PeerSocket peer(AF_INET, SOCK_DGRAM);
    const auto node = *core::SocketAddress::from_ip("127.0.0.1", sip_port_);
    for (int i = 0; i < n; ++i) {
      peer.send_to(node, options_request(peer.local(), "run", i));
      auto reply = peer.receive(3000ms);
      ASSERT_TRUE(reply);
      ASSERT_EQ(reply->substr(0, 12), "SIP/2.0 200 ");
    }
    // Garbage is dropped without an answer; the OPTIONS after it (same
    // socket, so the same worker, in order) shows that it was read.
    peer.send_to(node, std::string("\x01\x02 garbage\r\n\r\n"));
    peer.send_to(node, options_request(peer.local(), "run", n));
    auto reply = peer.receive(3000ms);
    ASSERT_TRUE(reply);
  }
  std::uint16_t sip_port_;
  std::uint16_t metrics_port_;
  SipnicNode node_;
};

const std::string kReceivedUdp = "sipnic_sip_messages_received_total{transport=\"udp\",worker=\"0\"}";
const std::string kSentUdp = "sipnic_sip_messages_sent_total{transport=\"udp\"}";
const std::string kBadBytes = "sipnic_sip_parse_errors_total{reason=\"bad_bytes\"}";

TEST_F(MetricsEndpointFixture, ScrapeCountsExactlyWhatThePeerSent) {
  const std::string before = scrape();
  ASSERT_FALSE(std::isnan(sample(before, kReceivedUdp))) << before;
  constexpr int kOptions = 5;
  drive(kOptions);
  // The last answer is counted just after its send: wait for it, then check
  // every figure exactly.
  std::string after;
  EXPECT_TRUE(eventually([&] {
    after = scrape();
    return sample(after, kSentUdp) - sample(before, kSentUdp) >= kOptions + 1;
  }));
  EXPECT_EQ(sample(after, kReceivedUdp) - sample(before, kReceivedUdp), kOptions + 1);
  EXPECT_EQ(sample(after, kSentUdp) - sample(before, kSentUdp), kOptions + 1);
  EXPECT_EQ(sample(after, kBadBytes) - sample(before, kBadBytes), 1);
  EXPECT_EQ(sample(after, "sipnic_offload_info{backend=\"cpu\"}"), 1);
  EXPECT_EQ(sample(after, "sipnic_trunk_up{trunk=\"carrier\"}"), 1);
  EXPECT_EQ(sample(after, "sipnic_trunk_max_calls{trunk=\"carrier\"}"), 20);
  EXPECT_GE(sample(after, "sipnic_parse_batch_segments_count"), 1);
}

TEST_F(MetricsEndpointFixture, ScrapePassesPromtoolCheckMetrics) {
  drive(2);
  const std::string text = scrape();
  ASSERT_FALSE(text.empty());
  const auto file = node_.dir().file("scrape.txt", text);
  // promtool reads the exposition from stdin (Debian's prometheus package).
  auto r = run_program("sh", {"-c", "command -v promtool >/dev/null || { echo 'promtool not found: "
                                    "scripts/install-deps installs Debian package prometheus' >&2; exit 127; }; "
                                    "promtool check metrics < '" + file.string() + "'"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.err, "") << "promtool lint findings:\n" << r.err;
}

TEST_F(MetricsEndpointFixture, OnlyGetMetricsIsServed) {
  httplib::Client client("127.0.0.1", metrics_port_);
  auto res = client.Get("/");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
}

TEST_F(MetricsEndpointFixture, SummaryLineAtSigtermAgreesWithTheRegistry) {
  drive(3);
  // Every OPTIONS is answered; the last answer is counted just after its send.
  std::string text;
  EXPECT_TRUE(eventually([&] {
    text = scrape();
    return sample(text, kSentUdp) >= sample(text, kReceivedUdp);
  }));
  ASSERT_EQ(node_.stop(), 0) << node_.log();
  std::smatch m;
  const std::string log = node_.log();
  ASSERT_TRUE(std::regex_search(log, m, std::regex(R"(run: calls started (\d+), answered (\d+), failed (\d+), )"
                                                   R"(refused (\d+); messages in (\d+), out (\d+), malformed (\d+);)")))
      << log;
  EXPECT_EQ(std::stod(m[5]), sample(text, kReceivedUdp));
  EXPECT_EQ(std::stod(m[6]), sample(text, kSentUdp));
  EXPECT_EQ(std::stod(m[7]), sample(text, kBadBytes));
  EXPECT_EQ(m[1], "0");
}

TEST(RunCommand, AMetricsAddressInUseStopsTheStartNamingIt) {
  PeerSocket taken(AF_INET, SOCK_STREAM);  // bound to a port of its own
  ASSERT_EQ(::listen(taken.fd(), 1), 0);
  TempDir dir("sipnic-run-metrics");
  const auto conf = dir.file("node.conf", SipnicNode::udp_config(free_port(SOCK_DGRAM), free_port(SOCK_DGRAM),
                                                                "metrics = " + taken.local().to_string() + "\n"));
  ChildProcess node({SIPNIC_BINARY, "run", "-c", conf.string()},
                    {.stdout_path = (dir.path() / "out").string(), .stderr_path = (dir.path() / "log").string()});
  auto status = node.wait_for(10s);
  ASSERT_TRUE(status) << "the node ran with its metrics address in use";
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 1);
  const std::string log = slurp(dir.path() / "log");
  EXPECT_NE(log.find("cannot start: metrics: cannot bind " + taken.local().to_string()), std::string::npos) << log;
}

}  // namespace
}  // namespace sipnic::test
