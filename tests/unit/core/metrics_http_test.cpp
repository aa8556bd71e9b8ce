#include "core/metrics_http.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <stdexcept>

namespace sipnic::core {
namespace {

const MetricInfo kRequests{"sipnic_test_requests_total", "requests seen", MetricType::kCounter};

class MetricsHttpFixture : public ::testing::Test {
 protected:
  MetricsHttpFixture() : registry_(1) { counter_ = registry_.counter(kRequests, {}, 0); }
  Log log_{LogLevel::kError};
  MetricsRegistry registry_;
  Counter counter_;
};

TEST_F(MetricsHttpFixture, GetMetricsServesTheRegistryAsPrometheusText) {
  MetricsHttpServer server(registry_, *SocketAddress::from_ip("127.0.0.1", 0), log_);
  ASSERT_NE(server.port(), 0);
  counter_ += 7;
  httplib::Client client("127.0.0.1", server.port());
  auto res = client.Get("/metrics");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), kPrometheusContentType);
  EXPECT_EQ(res->body, to_prometheus_text(registry_.snapshot()));
  EXPECT_NE(res->body.find("sipnic_test_requests_total 7\n"), std::string::npos) << res->body;
  // Each scrape reads the registry anew.
  ++counter_;
  auto again = client.Get("/metrics");
  ASSERT_TRUE(again);
  EXPECT_NE(again->body.find("sipnic_test_requests_total 8\n"), std::string::npos) << again->body;
}

TEST_F(MetricsHttpFixture, EveryOtherPathAndMethodIs404) {
  MetricsHttpServer server(registry_, *SocketAddress::from_ip("127.0.0.1", 0), log_);
  httplib::Client client("127.0.0.1", server.port());
  auto root = client.Get("/");
  ASSERT_TRUE(root);
  EXPECT_EQ(root->status, 404);
  auto other = client.Get("/metrics/extra");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 404);
  auto post = client.Post("/metrics", "x", "text/plain");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 404);
}

TEST_F(MetricsHttpFixture, ServesOnIpv6Loopback) {
  MetricsHttpServer server(registry_, *SocketAddress::from_ip("::1", 0), log_);
  httplib::Client client("::1", server.port());
  auto res = client.Get("/metrics");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200);
}

TEST_F(MetricsHttpFixture, AnAddressInUseIsAnErrorNamingIt) {
  MetricsHttpServer first(registry_, *SocketAddress::from_ip("127.0.0.1", 0), log_);
  auto addr = *SocketAddress::from_ip("127.0.0.1", first.port());
  try {
    MetricsHttpServer second(registry_, addr, log_);
    FAIL() << "a second server bound " << addr.to_string();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(addr.to_string()), std::string::npos) << e.what();
  }
}

TEST_F(MetricsHttpFixture, StopsCleanlyRightAfterStarting) {
  // The destructor must not wait for a serving loop that has not begun.
  for (int i = 0; i < 20; ++i) MetricsHttpServer server(registry_, *SocketAddress::from_ip("127.0.0.1", 0), log_);
}

}  // namespace
}  // namespace sipnic::core
