// MetricsRegistry: the node's figures (counters, gauges, histograms), each
// registered once by name, help text and label set, read by the control
// socket (`sipnic status`) and the Prometheus endpoint.
//
// Writers and readers never share a lock. The registry has one writer slot
// per worker: registration (at setup, off the hot path, under the registry's
// mutex) gives a worker a handle to its own cell of a series, and only that
// worker writes it, with a relaxed load and store (no read-modify-write, no
// lock). Readers take the mutex (which writers never do), load every cell
// relaxed and sum the slots. Cells are padded to a cache line each, so two
// workers' cells never share one.
//
// Node-level figures that live elsewhere as atomics (a trunk's up/down and
// active calls) are registered as callbacks and read at snapshot time.
// Figures a layer keeps in plain fields are published into its cells on the
// writer's own thread by a refresh hook (see add_refresh).
//
// No global registry: the Node owns one and hands its workers their handles.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sipnic::core {

enum class MetricType : std::uint8_t { kCounter, kGauge, kHistogram };
std::string_view metric_type_name(MetricType t);  // "counter", "gauge", "histogram"

// Label names and values of one series, in registration order.
using MetricLabels = std::vector<std::pair<std::string, std::string>>;

// A metric family: what every series of one name shares.
struct MetricInfo {
  std::string name;  // Prometheus style: sipnic_..._total for counters, base units (_seconds, _bytes)
  std::string help;
  MetricType type = MetricType::kCounter;
  std::vector<double> buckets{};  // histograms: upper bounds, strictly ascending; +Inf is implied
  // Exposed with a "worker" label per writer slot (where the per-worker
  // split helps an operator, e.g. how SO_REUSEPORT spreads the load);
  // otherwise the slots are summed. Totals (snapshot().total) sum either way.
  bool per_worker = false;
};

inline constexpr std::size_t kMaxHistogramBuckets = 24;
// Buckets for batch sizes (items per offload-engine call): powers of two.
inline const std::vector<double> kBatchSizeBuckets{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};

namespace metrics_detail {
struct alignas(64) CounterCell {
  std::atomic<std::uint64_t> value{0};
};
struct alignas(64) GaugeCell {
  std::atomic<std::int64_t> value{0};
};
struct alignas(64) HistogramCell {
  std::array<std::atomic<std::uint64_t>, kMaxHistogramBuckets + 1> counts{};  // per bucket, +Inf last
  std::atomic<double> sum{0};
};
}  // namespace metrics_detail

// A worker's cell of a counter. Only its worker writes it. A default-
// constructed handle is unbound (registration gives bound ones).
class Counter {
 public:
  Counter() = default;
  void add(std::uint64_t n) {
    cell_->value.store(cell_->value.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  Counter& operator++() {
    add(1);
    return *this;
  }
  Counter& operator+=(std::uint64_t n) {
    add(n);
    return *this;
  }
  // This cell's count (not the sum over workers).
  std::uint64_t value() const { return cell_->value.load(std::memory_order_relaxed); }

 private:
  friend class MetricsRegistry;
  explicit Counter(metrics_detail::CounterCell* cell) : cell_(cell) {}
  metrics_detail::CounterCell* cell_ = nullptr;
};

// A worker's cell of a gauge; the workers' values are summed when read.
class Gauge {
 public:
  Gauge() = default;
  void set(std::int64_t v) { cell_->value.store(v, std::memory_order_relaxed); }
  void add(std::int64_t d) { set(value() + d); }
  Gauge& operator++() {
    add(1);
    return *this;
  }
  Gauge& operator--() {
    add(-1);
    return *this;
  }
  std::int64_t value() const { return cell_->value.load(std::memory_order_relaxed); }

 private:
  friend class MetricsRegistry;
  explicit Gauge(metrics_detail::GaugeCell* cell) : cell_(cell) {}
  metrics_detail::GaugeCell* cell_ = nullptr;
};

// A worker's cell of a histogram with the family's fixed buckets.
class Histogram {
 public:
  Histogram() = default;
  void observe(double v);

 private:
  friend class MetricsRegistry;
  Histogram(const std::vector<double>* bounds, metrics_detail::HistogramCell* cell) : bounds_(bounds), cell_(cell) {}
  const std::vector<double>* bounds_ = nullptr;
  metrics_detail::HistogramCell* cell_ = nullptr;
};

// One series as read: slots summed (or one slot, with its "worker" label).
struct MetricSample {
  MetricLabels labels;
  double value = 0;                     // counter, gauge
  std::vector<std::uint64_t> buckets;   // histogram: count per bucket (not cumulative), +Inf last
  std::uint64_t count = 0;              // histogram: observations
  double sum = 0;                       // histogram: sum of observations
};

struct MetricFamilySample {
  MetricInfo info;
  std::vector<MetricSample> samples;
};

// Everything the registry held at one moment, in registration order.
struct MetricsSnapshot {
  std::vector<MetricFamilySample> families;

  const MetricFamilySample* find(std::string_view name) const;
  // The sum of every series of `name` whose labels include each pair of
  // `match` (histograms: the observation count). 0 for an unknown name.
  double total(std::string_view name, const MetricLabels& match = {}) const;
  // The same, summed per value of label `label`: {value, sum} in first-seen order.
  std::vector<std::pair<std::string, double>> by_label(std::string_view name, std::string_view label) const;
  // Histograms: count and sum over every series of `name`.
  std::uint64_t histogram_count(std::string_view name) const;
  double histogram_sum(std::string_view name) const;
};

// Prometheus text exposition format 0.0.4: # HELP and # TYPE per family,
// one line per series; histograms as _bucket (cumulative, le), _sum, _count.
std::string to_prometheus_text(const MetricsSnapshot& snapshot);

class MetricsRegistry {
 public:
  // `slots`: the writers (one per worker), at least 1.
  explicit MetricsRegistry(std::uint32_t slots);
  ~MetricsRegistry();
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  std::uint32_t slots() const { return slots_; }

  // Registers (or finds) the series `labels` of family `info` and returns
  // slot `slot`'s cell. A name registered again must come with the same
  // help, type, buckets and per_worker; names and label names must be
  // Prometheus-valid. Throws std::logic_error otherwise (a programming
  // error, found at start).
  Counter counter(const MetricInfo& info, const MetricLabels& labels, std::uint32_t slot);
  Gauge gauge(const MetricInfo& info, const MetricLabels& labels, std::uint32_t slot);
  Histogram histogram(const MetricInfo& info, const MetricLabels& labels, std::uint32_t slot);
  // A series read through `read` at snapshot time, on the reader's thread
  // (so `read` must be thread-safe: atomics). Counter or gauge families.
  void callback(const MetricInfo& info, const MetricLabels& labels, std::function<double()> read);

  // Runs at the start of every snapshot(), on the reader's thread, before
  // any cell is read and outside the registry's lock (it may wait for a
  // worker to publish). Must be thread-safe; may run concurrently with itself.
  void add_refresh(std::function<void()> refresh);

  MetricsSnapshot snapshot() const;

 private:
  struct Series;
  struct Family;
  Series& series(const MetricInfo& info, const MetricLabels& labels);

  std::uint32_t slots_;
  mutable std::mutex mutex_;  // registration and reading; writers never take it
  std::vector<std::unique_ptr<Family>> families_;
  std::vector<std::function<void()>> refresh_;
};

}  // namespace sipnic::core
