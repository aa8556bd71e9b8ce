#include "core/metrics.h"

#include <gtest/gtest.h>

#include <atomic>
#include <limits>
#include <stdexcept>
#include <thread>
#include <vector>

namespace sipnic::core {
namespace {

const MetricInfo kRequests{"sipnic_test_requests_total", "requests seen", MetricType::kCounter};
const MetricInfo kOpen{"sipnic_test_open", "things open now", MetricType::kGauge};
const MetricInfo kSizes{"sipnic_test_batch_size", "items per batch", MetricType::kHistogram, {1, 4, 16}};

TEST(MetricsRegistry, CounterCellsOfEveryWorkerAreSummedWhenRead) {
  MetricsRegistry r(3);
  Counter w0 = r.counter(kRequests, {}, 0);
  Counter w2 = r.counter(kRequests, {}, 2);
  ++w0;
  w0 += 4;
  ++w2;
  EXPECT_EQ(w0.value(), 5u);  // a handle reads its own cell
  auto snap = r.snapshot();
  EXPECT_EQ(snap.total(kRequests.name), 6);
  ASSERT_EQ(snap.find(kRequests.name)->samples.size(), 1u);  // one series: the slots summed
}

TEST(MetricsRegistry, SeriesAreKeptApartByTheirLabels) {
  MetricsRegistry r(1);
  Counter udp = r.counter(kRequests, {{"transport", "udp"}}, 0);
  Counter tcp = r.counter(kRequests, {{"transport", "tcp"}}, 0);
  udp += 2;
  ++tcp;
  auto snap = r.snapshot();
  EXPECT_EQ(snap.total(kRequests.name, {{"transport", "udp"}}), 2);
  EXPECT_EQ(snap.total(kRequests.name, {{"transport", "tcp"}}), 1);
  EXPECT_EQ(snap.total(kRequests.name), 3);
  auto by = snap.by_label(kRequests.name, "transport");
  ASSERT_EQ(by.size(), 2u);
  EXPECT_EQ(by[0], (std::pair<std::string, double>{"udp", 2}));
  EXPECT_EQ(by[1], (std::pair<std::string, double>{"tcp", 1}));
}

TEST(MetricsRegistry, RegisteringTheSameSeriesAgainGivesTheSameCell) {
  MetricsRegistry r(1);
  Counter a = r.counter(kRequests, {{"k", "v"}}, 0);
  Counter b = r.counter(kRequests, {{"k", "v"}}, 0);
  ++a;
  EXPECT_EQ(b.value(), 1u);
}

TEST(MetricsRegistry, PerWorkerFamilyShowsOneSeriesPerWorkerAndStillTotals) {
  MetricInfo info = kRequests;
  info.per_worker = true;
  MetricsRegistry r(2);
  Counter w0 = r.counter(info, {{"transport", "udp"}}, 0);
  Counter w1 = r.counter(info, {{"transport", "udp"}}, 1);
  w0 += 3;
  w1 += 4;
  auto snap = r.snapshot();
  EXPECT_EQ(snap.total(info.name), 7);
  EXPECT_EQ(snap.total(info.name, {{"worker", "1"}}), 4);
  const std::string text = to_prometheus_text(snap);
  EXPECT_NE(text.find("sipnic_test_requests_total{transport=\"udp\",worker=\"0\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("sipnic_test_requests_total{transport=\"udp\",worker=\"1\"} 4\n"), std::string::npos) << text;
}

TEST(MetricsRegistry, GaugeCellsGoUpAndDownAndAreSummed) {
  MetricsRegistry r(2);
  Gauge a = r.gauge(kOpen, {}, 0);
  Gauge b = r.gauge(kOpen, {}, 1);
  ++a;
  ++a;
  --a;
  b.set(5);
  EXPECT_EQ(r.snapshot().total(kOpen.name), 6);
}

TEST(MetricsRegistry, CallbackSeriesIsReadAtSnapshotTime) {
  MetricsRegistry r(1);
  std::atomic<int> up{1};
  r.callback(kOpen, {{"trunk", "pbx"}}, [&up] { return static_cast<double>(up.load()); });
  EXPECT_EQ(r.snapshot().total(kOpen.name), 1);
  up = 0;
  EXPECT_EQ(r.snapshot().total(kOpen.name), 0);
}

TEST(MetricsRegistry, RefreshRunsBeforeEveryRead) {
  MetricsRegistry r(1);
  Counter c = r.counter(kRequests, {}, 0);
  int runs = 0;
  r.add_refresh([&] {
    ++runs;
    ++c;  // a layer publishing what it kept elsewhere
  });
  EXPECT_EQ(r.snapshot().total(kRequests.name), 1);
  EXPECT_EQ(r.snapshot().total(kRequests.name), 2);
  EXPECT_EQ(runs, 2);
}

TEST(MetricsRegistry, HistogramCountsEachObservationInTheFirstBucketThatHoldsIt) {
  MetricsRegistry r(2);
  Histogram h0 = r.histogram(kSizes, {}, 0);
  Histogram h1 = r.histogram(kSizes, {}, 1);
  h0.observe(1);    // le 1 (a bound is inclusive)
  h0.observe(3);    // le 4
  h1.observe(16);   // le 16
  h1.observe(100);  // +Inf
  auto snap = r.snapshot();
  const auto& s = snap.find(kSizes.name)->samples.at(0);
  EXPECT_EQ(s.buckets, (std::vector<std::uint64_t>{1, 1, 1, 1}));
  EXPECT_EQ(s.count, 4u);
  EXPECT_EQ(s.sum, 120);
  EXPECT_EQ(snap.histogram_count(kSizes.name), 4u);
  EXPECT_EQ(snap.histogram_sum(kSizes.name), 120);
}

TEST(MetricsRegistry, MisregistrationsAreRefusedAtSetup) {
  MetricsRegistry r(2);
  r.counter(kRequests, {}, 0);
  MetricInfo other_help = kRequests;
  other_help.help = "something else";
  EXPECT_THROW(r.counter(other_help, {}, 0), std::logic_error);
  EXPECT_THROW(r.gauge(kRequests, {}, 0), std::logic_error);       // the type is the family's
  EXPECT_THROW(r.counter(kRequests, {}, 2), std::logic_error);     // no slot 2
  EXPECT_THROW(r.counter({"bad-name", "x", MetricType::kCounter}, {}, 0), std::logic_error);
  EXPECT_THROW(r.counter(kRequests, {{"le", "1"}}, 0), std::logic_error);  // reserved label
  EXPECT_THROW(r.histogram({"sipnic_test_h", "x", MetricType::kHistogram, {4, 2}}, {}, 0), std::logic_error);
  MetricInfo pw = kOpen;
  pw.name = "sipnic_test_pw";
  pw.per_worker = true;
  EXPECT_THROW(r.gauge(pw, {{"worker", "0"}}, 0), std::logic_error);  // added by the registry
}

TEST(MetricsRegistry, WorkersWriteTheirOwnCellsWhileAReaderSums) {
  // Single writer per cell, relaxed loads and stores: no update is lost, and
  // a reader running alongside never sees more than was written.
  constexpr int kWorkers = 2;
  constexpr int kIncrements = 100000;
  MetricsRegistry r(kWorkers);
  std::vector<Counter> cells;
  for (int w = 0; w < kWorkers; ++w) cells.push_back(r.counter(kRequests, {}, static_cast<std::uint32_t>(w)));
  std::atomic<bool> done{false};
  double seen_max = 0;
  std::thread reader([&] {
    while (!done) seen_max = std::max(seen_max, r.snapshot().total(kRequests.name));
  });
  std::vector<std::thread> writers;
  for (int w = 0; w < kWorkers; ++w)
    writers.emplace_back([&, w] {
      for (int i = 0; i < kIncrements; ++i) ++cells[static_cast<std::size_t>(w)];
    });
  for (auto& t : writers) t.join();
  done = true;
  reader.join();
  EXPECT_EQ(r.snapshot().total(kRequests.name), kWorkers * kIncrements);
  EXPECT_LE(seen_max, kWorkers * kIncrements);
}

// ---- the text exposition format ----------------------------------------------

TEST(PrometheusText, CounterAndGaugeFamiliesHaveHelpTypeAndOneLinePerSeries) {
  MetricsRegistry r(1);
  r.counter(kRequests, {{"transport", "udp"}}, 0) += 12;
  r.gauge(kOpen, {}, 0).set(-2);
  EXPECT_EQ(to_prometheus_text(r.snapshot()),
            "# HELP sipnic_test_requests_total requests seen\n"
            "# TYPE sipnic_test_requests_total counter\n"
            "sipnic_test_requests_total{transport=\"udp\"} 12\n"
            "# HELP sipnic_test_open things open now\n"
            "# TYPE sipnic_test_open gauge\n"
            "sipnic_test_open -2\n");
}

TEST(PrometheusText, HistogramHasCumulativeBucketsWithInfThenSumAndCount) {
  MetricsRegistry r(1);
  Histogram h = r.histogram(kSizes, {{"engine", "cpu"}}, 0);
  h.observe(1);
  h.observe(2);
  h.observe(2);
  h.observe(50);
  EXPECT_EQ(to_prometheus_text(r.snapshot()),
            "# HELP sipnic_test_batch_size items per batch\n"
            "# TYPE sipnic_test_batch_size histogram\n"
            "sipnic_test_batch_size_bucket{engine=\"cpu\",le=\"1\"} 1\n"
            "sipnic_test_batch_size_bucket{engine=\"cpu\",le=\"4\"} 3\n"
            "sipnic_test_batch_size_bucket{engine=\"cpu\",le=\"16\"} 3\n"
            "sipnic_test_batch_size_bucket{engine=\"cpu\",le=\"+Inf\"} 4\n"
            "sipnic_test_batch_size_sum{engine=\"cpu\"} 55\n"
            "sipnic_test_batch_size_count{engine=\"cpu\"} 4\n");
}

TEST(PrometheusText, LabelValuesAndHelpAreEscaped) {
  MetricsRegistry r(1);
  MetricInfo info{"sipnic_test_escaped_total", "a \\ backslash\nand a newline", MetricType::kCounter};
  ++r.counter(info, {{"trunk", "a\"b\\c\nd"}}, 0);
  EXPECT_EQ(to_prometheus_text(r.snapshot()),
            "# HELP sipnic_test_escaped_total a \\\\ backslash\\nand a newline\n"
            "# TYPE sipnic_test_escaped_total counter\n"
            "sipnic_test_escaped_total{trunk=\"a\\\"b\\\\c\\nd\"} 1\n");
}

TEST(PrometheusText, FractionalAndSpecialValuesUseTheFormatsSpelling) {
  MetricsRegistry r(1);
  MetricInfo info{"sipnic_test_ratio", "ratio", MetricType::kGauge};
  double v = 0.25;
  r.callback(info, {{"k", "a"}}, [&v] { return v; });
  r.callback(info, {{"k", "b"}}, [] { return std::numeric_limits<double>::infinity(); });
  r.callback(info, {{"k", "c"}}, [] { return std::numeric_limits<double>::quiet_NaN(); });
  const std::string text = to_prometheus_text(r.snapshot());
  EXPECT_NE(text.find("sipnic_test_ratio{k=\"a\"} 0.25\n"), std::string::npos) << text;
  EXPECT_NE(text.find("sipnic_test_ratio{k=\"b\"} +Inf\n"), std::string::npos) << text;
  EXPECT_NE(text.find("sipnic_test_ratio{k=\"c\"} NaN\n"), std::string::npos) << text;
}

}  // namespace
}  // namespace sipnic::core
