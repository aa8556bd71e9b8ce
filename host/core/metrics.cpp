#include "core/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

namespace sipnic::core {

std::string_view metric_type_name(MetricType t) {
  switch (t) {
    case MetricType::kCounter: return "counter";
    case MetricType::kGauge: return "gauge";
    case MetricType::kHistogram: return "histogram";
  }
  return "untyped";
}

void Histogram::observe(double v) {
  const std::vector<double>& b = *bounds_;
  std::size_t i = 0;
  while (i < b.size() && v > b[i]) ++i;  // Prometheus: a bucket counts v <= le
  auto& c = cell_->counts[i];
  c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  cell_->sum.store(cell_->sum.load(std::memory_order_relaxed) + v, std::memory_order_relaxed);
}

// ---- registry ---------------------------------------------------------------

struct MetricsRegistry::Series {
  MetricLabels labels;
  std::unique_ptr<metrics_detail::CounterCell[]> counters;  // kCounter
  std::unique_ptr<metrics_detail::GaugeCell[]> gauges;      // kGauge
  std::unique_ptr<metrics_detail::HistogramCell[]> histograms;
  std::function<double()> read;  // callback series: no cells
};

struct MetricsRegistry::Family {
  MetricInfo info;
  std::vector<std::unique_ptr<Series>> series;
};

namespace {

bool valid_name(std::string_view n, bool colon_ok) {
  if (n.empty()) return false;
  for (std::size_t i = 0; i < n.size(); ++i) {
    const char c = n[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon_ok && c == ':');
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

void check_info(const MetricInfo& info, const MetricLabels& labels) {
  if (!valid_name(info.name, true)) throw std::logic_error("metric name '" + info.name + "' is not valid");
  for (const auto& [k, v] : labels) {
    if (!valid_name(k, false) || k.starts_with("__") || k == "le")
      throw std::logic_error("metric " + info.name + ": label name '" + k + "' is not valid");
    if (info.per_worker && k == "worker")
      throw std::logic_error("metric " + info.name + ": 'worker' is added per slot, not given");
  }
  if (info.type == MetricType::kHistogram) {
    if (info.buckets.empty() || info.buckets.size() > kMaxHistogramBuckets)
      throw std::logic_error("metric " + info.name + ": 1 to " + std::to_string(kMaxHistogramBuckets) +
                             " buckets");
    for (std::size_t i = 1; i < info.buckets.size(); ++i)
      if (!(info.buckets[i - 1] < info.buckets[i]))
        throw std::logic_error("metric " + info.name + ": buckets must ascend");
  }
}

}  // namespace

MetricsRegistry::MetricsRegistry(std::uint32_t slots) : slots_(std::max<std::uint32_t>(1, slots)) {}

MetricsRegistry::~MetricsRegistry() = default;

MetricsRegistry::Series& MetricsRegistry::series(const MetricInfo& info, const MetricLabels& labels) {
  check_info(info, labels);
  auto fam = std::find_if(families_.begin(), families_.end(), [&](const auto& f) { return f->info.name == info.name; });
  if (fam == families_.end()) {
    families_.push_back(std::make_unique<Family>(Family{info, {}}));
    fam = families_.end() - 1;
  } else {
    const MetricInfo& had = (*fam)->info;
    if (had.help != info.help || had.type != info.type || had.buckets != info.buckets ||
        had.per_worker != info.per_worker)
      throw std::logic_error("metric " + info.name + " registered twice with different help, type or buckets");
  }
  Family& f = **fam;
  for (auto& s : f.series)
    if (s->labels == labels) return *s;
  auto s = std::make_unique<Series>();
  s->labels = labels;
  f.series.push_back(std::move(s));
  return *f.series.back();
}

namespace {

// A handle asked for: the family's type and a writer slot that exists.
void check_cell(const MetricInfo& info, MetricType want, std::uint32_t slot, std::uint32_t slots) {
  if (info.type != want)
    throw std::logic_error("metric " + info.name + " is not a " + std::string(metric_type_name(want)));
  if (slot >= slots) throw std::logic_error("metric " + info.name + ": slot " + std::to_string(slot) + " out of range");
}

}  // namespace

Counter MetricsRegistry::counter(const MetricInfo& info, const MetricLabels& labels, std::uint32_t slot) {
  check_cell(info, MetricType::kCounter, slot, slots_);
  std::lock_guard lock(mutex_);
  Series& s = series(info, labels);
  if (s.read) throw std::logic_error("metric " + info.name + ": series is a callback");
  if (!s.counters) s.counters = std::make_unique<metrics_detail::CounterCell[]>(slots_);
  return Counter(&s.counters[slot]);
}

Gauge MetricsRegistry::gauge(const MetricInfo& info, const MetricLabels& labels, std::uint32_t slot) {
  check_cell(info, MetricType::kGauge, slot, slots_);
  std::lock_guard lock(mutex_);
  Series& s = series(info, labels);
  if (s.read) throw std::logic_error("metric " + info.name + ": series is a callback");
  if (!s.gauges) s.gauges = std::make_unique<metrics_detail::GaugeCell[]>(slots_);
  return Gauge(&s.gauges[slot]);
}

Histogram MetricsRegistry::histogram(const MetricInfo& info, const MetricLabels& labels, std::uint32_t slot) {
  check_cell(info, MetricType::kHistogram, slot, slots_);
  std::lock_guard lock(mutex_);
  Series& s = series(info, labels);
  if (!s.histograms) s.histograms = std::make_unique<metrics_detail::HistogramCell[]>(slots_);
  const Family& f = **std::find_if(families_.begin(), families_.end(),
                                   [&](const auto& fam) { return fam->info.name == info.name; });
  return Histogram(&f.info.buckets, &s.histograms[slot]);
}

void MetricsRegistry::callback(const MetricInfo& info, const MetricLabels& labels, std::function<double()> read) {
  if (info.type == MetricType::kHistogram) throw std::logic_error("metric " + info.name + ": no callback histograms");
  if (info.per_worker) throw std::logic_error("metric " + info.name + ": a callback has no worker slots");
  std::lock_guard lock(mutex_);
  Series& s = series(info, labels);
  if (s.counters || s.gauges || s.read) throw std::logic_error("metric " + info.name + ": series registered twice");
  s.read = std::move(read);
}

void MetricsRegistry::add_refresh(std::function<void()> refresh) {
  std::lock_guard lock(mutex_);
  refresh_.push_back(std::move(refresh));
}

MetricsSnapshot MetricsRegistry::snapshot() const {
  std::vector<std::function<void()>> refresh;
  {
    std::lock_guard lock(mutex_);
    refresh = refresh_;
  }
  for (const auto& r : refresh) r();

  MetricsSnapshot out;
  std::lock_guard lock(mutex_);
  out.families.reserve(families_.size());
  for (const auto& f : families_) {
    MetricFamilySample fs;
    fs.info = f->info;
    const std::size_t nb = f->info.buckets.size() + 1;
    for (const auto& s : f->series) {
      // Per-worker families: one sample per slot; else one, the slots summed.
      const std::uint32_t groups = f->info.per_worker && !s->read ? slots_ : 1;
      for (std::uint32_t g = 0; g < groups; ++g) {
        MetricSample m;
        m.labels = s->labels;
        if (groups > 1 || f->info.per_worker) m.labels.emplace_back("worker", std::to_string(g));
        const std::uint32_t first = groups > 1 ? g : 0;
        const std::uint32_t last = groups > 1 ? g + 1 : slots_;
        if (s->read) {
          m.value = s->read();
        } else if (s->counters) {
          std::uint64_t v = 0;
          for (std::uint32_t i = first; i < last; ++i) v += s->counters[i].value.load(std::memory_order_relaxed);
          m.value = static_cast<double>(v);
        } else if (s->gauges) {
          std::int64_t v = 0;
          for (std::uint32_t i = first; i < last; ++i) v += s->gauges[i].value.load(std::memory_order_relaxed);
          m.value = static_cast<double>(v);
        } else if (s->histograms) {
          m.buckets.assign(nb, 0);
          for (std::uint32_t i = first; i < last; ++i) {
            const auto& cell = s->histograms[i];
            for (std::size_t b = 0; b < nb; ++b) m.buckets[b] += cell.counts[b].load(std::memory_order_relaxed);
            m.sum += cell.sum.load(std::memory_order_relaxed);
          }
          for (auto c : m.buckets) m.count += c;
        }
        fs.samples.push_back(std::move(m));
      }
    }
    out.families.push_back(std::move(fs));
  }
  return out;
}

// ---- reading a snapshot ------------------------------------------------------

namespace {

bool labels_include(const MetricLabels& have, const MetricLabels& want) {
  for (const auto& w : want)
    if (std::find(have.begin(), have.end(), w) == have.end()) return false;
  return true;
}

}  // namespace

const MetricFamilySample* MetricsSnapshot::find(std::string_view name) const {
  for (const auto& f : families)
    if (f.info.name == name) return &f;
  return nullptr;
}

double MetricsSnapshot::total(std::string_view name, const MetricLabels& match) const {
  const MetricFamilySample* f = find(name);
  if (!f) return 0;
  double sum = 0;
  for (const auto& s : f->samples) {
    if (!labels_include(s.labels, match)) continue;
    sum += f->info.type == MetricType::kHistogram ? static_cast<double>(s.count) : s.value;
  }
  return sum;
}

std::vector<std::pair<std::string, double>> MetricsSnapshot::by_label(std::string_view name,
                                                                       std::string_view label) const {
  std::vector<std::pair<std::string, double>> out;
  const MetricFamilySample* f = find(name);
  if (!f) return out;
  for (const auto& s : f->samples) {
    auto l = std::find_if(s.labels.begin(), s.labels.end(), [&](const auto& kv) { return kv.first == label; });
    if (l == s.labels.end()) continue;
    const double v = f->info.type == MetricType::kHistogram ? static_cast<double>(s.count) : s.value;
    auto o = std::find_if(out.begin(), out.end(), [&](const auto& kv) { return kv.first == l->second; });
    if (o == out.end()) {
      out.emplace_back(l->second, v);
    } else {
      o->second += v;
    }
  }
  return out;
}

std::uint64_t MetricsSnapshot::histogram_count(std::string_view name) const {
  const MetricFamilySample* f = find(name);
  std::uint64_t n = 0;
  if (f)
    for (const auto& s : f->samples) n += s.count;
  return n;
}

double MetricsSnapshot::histogram_sum(std::string_view name) const {
  const MetricFamilySample* f = find(name);
  double n = 0;
  if (f)
    for (const auto& s : f->samples) n += s.sum;
  return n;
}

// ---- text exposition ---------------------------------------------------------

namespace {

// Shortest text that reads back to the same double; Prometheus spellings
// for the special values.
std::string format_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

// HELP text: backslash and newline escaped.
std::string escape_help(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

// Label values: backslash, double quote and newline escaped.
std::string escape_label(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string format_labels(const MetricLabels& labels, std::string_view le = {}) {
  if (labels.empty() && le.empty()) return {};
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) out += ',';
    first = false;
    out += k + "=\"" + escape_label(v) + "\"";
  }
  if (!le.empty()) {
    if (!first) out += ',';
    out += "le=\"" + std::string(le) + "\"";
  }
  return out + "}";
}

}  // namespace

std::string to_prometheus_text(const MetricsSnapshot& snapshot) {
  std::string out;
  for (const auto& f : snapshot.families) {
    const std::string& name = f.info.name;
    out += "# HELP " + name + " " + escape_help(f.info.help) + "\n";
    out += "# TYPE " + name + " " + std::string(metric_type_name(f.info.type)) + "\n";
    for (const auto& s : f.samples) {
      if (f.info.type != MetricType::kHistogram) {
        out += name + format_labels(s.labels) + " " + format_value(s.value) + "\n";
        continue;
      }
      std::uint64_t cumulative = 0;
      for (std::size_t b = 0; b < s.buckets.size(); ++b) {
        cumulative += s.buckets[b];
        const std::string le = b < f.info.buckets.size() ? format_value(f.info.buckets[b]) : "+Inf";
        out += name + "_bucket" + format_labels(s.labels, le) + " " + std::to_string(cumulative) + "\n";
      }
      out += name + "_sum" + format_labels(s.labels) + " " + format_value(s.sum) + "\n";
      out += name + "_count" + format_labels(s.labels) + " " + std::to_string(s.count) + "\n";
    }
  }
  return out;
}

}  // namespace sipnic::core
