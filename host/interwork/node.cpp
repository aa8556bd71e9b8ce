#include "interwork/node.h"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <future>
#include <random>
#include <stdexcept>
#include <thread>

#include "core/event_loop.h"
#include "core/log_limiter.h"
#include "core/secret_file.h"
#include "pri/nfas_group.h"
#include "sip/resolver.h"
#include "sip/transaction.h"
#include "sip/transaction_stack.h"
#include "tls/tls_streams.h"

namespace sipnic::interwork {

std::uint32_t owner_of_call_id(std::string_view call_id, std::uint32_t workers) {
  // FNV-1a: cheap, stable across runs and threads.
  std::uint32_t h = 2166136261u;
  for (char c : call_id) {
    h ^= static_cast<unsigned char>(c);
    h *= 16777619u;
  }
  return workers ? h % workers : 0;
}

std::uint32_t effective_max_connections(std::uint32_t configured, std::uint64_t descriptor_limit) {
  if (configured != 0) return configured;
  if (descriptor_limit == 0) return 0;
  return static_cast<std::uint32_t>(std::clamp<std::uint64_t>(descriptor_limit / 4 * 3, 1, 1000000));
}

namespace {

// Random hex for values fixed before any worker runs (the rinstance of a
// registration trunk's Contact).
std::string random_hex(std::size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::random_device rd;
  std::string s(n, '0');
  for (auto& c : s) c = kHex[rd() & 15];
  return s;
}

std::uint64_t soft_descriptor_limit() {
  rlimit r{};
  if (::getrlimit(RLIMIT_NOFILE, &r) != 0 || r.rlim_cur == RLIM_INFINITY) return 0;
  return r.rlim_cur;
}

std::uint32_t workers_for(const core::Config& config) {
  return config.workers ? config.workers : std::max(1u, std::thread::hardware_concurrency());
}

}  // namespace

struct Node::Worker {
  std::uint32_t index = 0;
  core::EventLoop loop;
  std::unique_ptr<offload::SipParseEngine> parser;
  std::unique_ptr<offload::GcmEngine> gcm;          // TLS record crypto (when TLS is configured)
  std::unique_ptr<tls::TlsStreams> tls_streams;
  std::unique_ptr<sip::TransportLayer> transport;
  std::unique_ptr<sip::TransactionLayer> transactions;
  std::unique_ptr<sip::Resolver> resolver;
  std::unique_ptr<sip::TransactionStack> stack;  // what the B2BUA sees of the two above
  std::unique_ptr<B2bua> b2bua;
  std::vector<std::unique_ptr<Registration>> registrations;  // worker 0 only
  // The PRI spans this worker runs: every span of the span groups whose
  // index (in config order) modulo the workers is this worker's, so that a
  // group is hunted on one loop. Until spans are routed to trunks (the PRI
  // gateway, which places calls through `span_groups`), an incoming call on
  // one is refused with cause 3.
  // The TDM datapath of this worker's `line` spans, one TdmEngine of the
  // offload device for all of them (made with the first line span).
  std::unique_ptr<pri::TdmDatapath> tdm;
  std::vector<std::unique_ptr<pri::Span>> spans;
  std::vector<std::unique_ptr<pri::NfasGroup>> nfas_groups;  // their spans are theirs, not in `spans`
  std::vector<std::unique_ptr<pri::SpanGroup>> span_groups;
  core::LogLimiter span_log_limiter;  // the refusals above: one line per span per 10 s
  std::thread thread;
};

Node::Node(const core::Config& config, core::Log& log, const offload::Device& device, NodeOptions options)
    : config_(config),
      log_(log),
      device_(device),
      options_(std::move(options)),
      worker_count_(workers_for(config)),
      metrics_(worker_count_),
      created_(core::Clock::now()),
      handshake_limiter_(config.tls.handshake_rate),
      connection_limits_(effective_max_connections(config.max_connections, soft_descriptor_limit()),
                         config.max_connections_per_source),
      unknown_source_limiter_(config.unknown_source_rate) {
  for (const auto& t : config_.trunks) {
    trunks_.push_back(std::make_unique<TrunkState>(t));
    if (t.register_enabled) trunks_.back()->set_registration_instance(random_hex(16));
  }
  for (std::uint32_t i = 0; i < worker_count_; ++i) {
    auto w = std::make_unique<Worker>();
    w->index = i;
    workers_.push_back(std::move(w));
  }
  register_node_metrics();
}

void Node::register_node_metrics() {
  using core::MetricType;
  const core::MetricInfo up{std::string(metric::kTrunkUp),
                            "1 while the trunk is up (OPTIONS answered, or not pinged), 0 while down",
                            MetricType::kGauge};
  const core::MetricInfo active{std::string(metric::kTrunkCallsActive),
                                "calls in progress on the trunk now, either way (what max-calls holds)",
                                MetricType::kGauge};
  const core::MetricInfo started{std::string(metric::kTrunkCallsStarted), "calls started towards the trunk",
                                 MetricType::kCounter};
  const core::MetricInfo received{std::string(metric::kTrunkCallsReceived),
                                  "calls the trunk sent in, admitted by its own limits", MetricType::kCounter};
  const core::MetricInfo refused{std::string(metric::kTrunkCallsRefused),
                                 "calls refused (503) by the trunk's state or limits, by reason (down, max_calls, "
                                 "max_cps) and direction (out: towards the trunk, in: sent in by it)",
                                 MetricType::kCounter};
  const core::MetricInfo options{std::string(metric::kTrunkOptions),
                                 "OPTIONS pings to the trunk, by result: answered or unanswered", MetricType::kCounter};
  const core::MetricInfo max_calls{std::string(metric::kTrunkMaxCalls),
                                   "the trunk's max-calls limit (0: none)", MetricType::kGauge};
  const core::MetricInfo max_cps{std::string(metric::kTrunkMaxCps), "the trunk's max-cps limit (0: none)",
                                 MetricType::kGauge};
  const core::MetricInfo requests_refused{std::string(metric::kTrunkRequestsRefused),
                                          "out-of-dialog MESSAGE, PUBLISH and SUBSCRIBE refused (503) over the "
                                          "trunk's max-rps, by direction (out: towards the trunk, in: sent in by it)",
                                          MetricType::kCounter};
  const core::MetricInfo max_rps{std::string(metric::kTrunkMaxRps), "the trunk's max-rps limit (0: none)",
                                 MetricType::kGauge};
  for (const auto& t : trunks_) {
    const TrunkState* tp = t.get();
    const core::MetricLabels l{{"trunk", t->name()}};
    metrics_.callback(up, l, [tp] { return tp->up() ? 1.0 : 0.0; });
    metrics_.callback(active, l, [tp] { return static_cast<double>(tp->active_calls()); });
    metrics_.callback(started, l, [tp] { return static_cast<double>(tp->calls_started()); });
    metrics_.callback(received, l, [tp] { return static_cast<double>(tp->calls_received()); });
    for (auto dir : {TrunkState::Direction::kOut, TrunkState::Direction::kIn}) {
      for (std::size_t r = 0; r < TrunkState::kRefusalCount; ++r) {
        const auto why = static_cast<TrunkState::Refusal>(r);
        if (dir == TrunkState::Direction::kIn && why == TrunkState::Refusal::kDown) continue;  // never refuses in
        metrics_.callback(refused,
                          {{"trunk", t->name()},
                           {"reason", std::string(TrunkState::refusal_name(why))},
                           {"direction", std::string(TrunkState::direction_name(dir))}},
                          [tp, why, dir] { return static_cast<double>(tp->calls_refused(why, dir)); });
      }
    }
    metrics_.callback(options, {{"trunk", t->name()}, {"result", "answered"}},
                      [tp] { return static_cast<double>(tp->options_answered()); });
    metrics_.callback(options, {{"trunk", t->name()}, {"result", "unanswered"}},
                      [tp] { return static_cast<double>(tp->options_unanswered()); });
    metrics_.callback(max_calls, l, [tp] { return static_cast<double>(tp->config().max_calls); });
    metrics_.callback(max_cps, l, [tp] { return tp->config().max_cps; });
    metrics_.callback(max_rps, l, [tp] { return tp->config().max_rps; });
    for (auto dir : {TrunkState::Direction::kOut, TrunkState::Direction::kIn})
      metrics_.callback(requests_refused, {{"trunk", t->name()}, {"direction", std::string(TrunkState::direction_name(dir))}},
                        [tp, dir] { return static_cast<double>(tp->requests_refused(dir)); });
  }
  metrics_.callback({std::string(metric::kOffloadInfo), "the offload backend the node runs on (value 1)",
                     MetricType::kGauge},
                    {{"backend", std::string(device_.name())}}, [] { return 1.0; });
  metrics_.callback({std::string(metric::kWorkers), "worker threads", MetricType::kGauge}, {},
                    [n = worker_count_] { return static_cast<double>(n); });
  metrics_.callback({std::string(metric::kUptime), "seconds since the node started", MetricType::kGauge}, {},
                    [t0 = created_] { return std::chrono::duration<double>(core::Clock::now() - t0).count(); });
}

Node::~Node() { stop(); }

bool Node::uses_tls() const {
  if (config_.tls.configured()) return true;
  for (const auto& t : config_.trunks)
    if (t.transport == core::Transport::kTls) return true;
  return false;
}

void Node::start() {
  if (started_) return;
  if (uses_tls()) {
    // Every certificate, key, CA and CRL is loaded before any socket opens,
    // so a bad file stops the start with its name (TlsContextError).
    tls_ = std::make_unique<tls::TlsSetHolder>(tls::TrunkTlsSet::build(config_, options_.tls_keylog));
  }
  // The STIR/SHAKEN key and repository too (StirError names the file).
  if (config_.stir.can_sign() || config_.stir.can_verify())
    stir_ = std::make_unique<stir::StirServiceHolder>(std::make_shared<const stir::StirService>(config_.stir));
  started_ = true;
  {
    const std::uint32_t total = connection_limits_.max_total();
    const std::uint32_t per_source = connection_limits_.max_per_source();
    log_.info("node", "inbound TCP/TLS connections: at most " + (total ? std::to_string(total) : "unlimited") +
                          (config_.max_connections == 0 && total
                               ? " (max-connections auto: 3/4 of ulimit -n " + std::to_string(soft_descriptor_limit()) + ")"
                               : std::string()) +
                          ", " + (per_source ? std::to_string(per_source) : "unlimited") + " per source address");
  }
  // The transport layers must know each other before any traffic flows, so
  // every worker builds its objects first, then waits for the go signal.
  std::vector<std::promise<void>> ready(workers_.size());
  std::vector<std::future<void>> ready_f;
  for (auto& p : ready) ready_f.push_back(p.get_future());
  for (std::size_t i = 0; i < workers_.size(); ++i) {
    Worker& w = *workers_[i];
    w.thread = std::thread([this, &w, &p = ready[i]] { run_worker(w, p); });
  }
  std::string error;
  for (auto& f : ready_f) {
    try {
      f.get();
    } catch (const std::exception& e) {
      if (error.empty()) error = e.what();
    }
  }
  if (!error.empty()) {
    stop();
    throw std::runtime_error(error);
  }
  std::vector<sip::TransportLayer*> peers;
  for (auto& w : workers_) peers.push_back(w->transport.get());
  for (auto& w : workers_) {
    Worker* wp = w.get();
    w->loop.post([wp, peers] { wp->transport->set_peers(peers); });
  }
  // OPTIONS pings and registrations run on worker 0 (their results are
  // shared atomics; a registration's Call-ID is one worker 0 owns).
  Worker& w0 = *workers_[0];
  w0.loop.post([&w0] {
    for (auto& r : w0.registrations) r->start();
  });
  running_ = true;
  for (auto& t : trunks_) {
    if (t->config().options_interval_ms == 0) continue;
    TrunkState* tp = t.get();
    w0.loop.post([this, &w0, tp] { schedule_ping(w0, *tp); });
  }
}

void Node::schedule_ping(Worker& w, TrunkState& trunk) {
  w.b2bua->ping(trunk, [this, &w, &trunk](bool up) {
    if (up != trunk.up()) {
      log_.info("node", "trunk " + trunk.name() + " is " + (up ? "up" : "down") + " (OPTIONS)");
      trunk.set_up(up);
    }
    trunk.record_options(up);
    w.loop.add_timer(core::Millis(trunk.config().options_interval_ms), [this, &w, &trunk] {
      schedule_ping(w, trunk);
    });
  });
}

// Passwords are read here, at start: a bad secret file stops the start with
// the file's name (core::ConfigError), as a bad certificate does.
void Node::make_registrations(Worker& w) {
  std::uint32_t n = worker_count();
  for (const auto& t : config_.trunks) {
    if (!t.register_enabled) continue;
    std::string password = t.auth_password_file.empty() ? std::string() : core::read_secret_file(t.auth_password_file);
    Registration::Options o = Registration::options_for(t, std::move(password));
    for (const auto& ts : trunks_)
      if (ts->name() == t.name) o.instance = ts->registration_instance();
    do o.call_id = w.transactions->random_token(24);
    while (owner_of_call_id(o.call_id, n) != w.index);
    w.registrations.push_back(std::make_unique<Registration>(*w.stack, log_, std::move(o)));
    std::lock_guard lock(registrations_mutex_);
    registrations_[t.name] = w.registrations.back().get();
  }
}

void Node::drop_registrations(Worker& w) {
  {
    std::lock_guard lock(registrations_mutex_);
    for (const auto& r : w.registrations)
      for (auto it = registrations_.begin(); it != registrations_.end();)
        it = it->second == r.get() ? registrations_.erase(it) : std::next(it);
  }
  w.registrations.clear();
}

void Node::run_worker(Worker& w, std::promise<void>& ready) {
  try {
    offload::SipParseLimits limits;
    limits.max_message_bytes = config_.max_message_bytes;
    w.parser = device_.make_sip_parse_engine(limits);
    sip::TransportOptions topt;
    topt.max_message_bytes = config_.max_message_bytes;
    topt.partial_message_timeout_ms = config_.timers.partial_message_timeout_ms;
    topt.tcp_idle_timeout_ms = config_.timers.tcp_idle_timeout_ms;
    topt.tls_handshake_timeout_ms = config_.tls.handshake_timeout_ms;
    topt.tls_handshakes_per_second = config_.tls.handshake_rate;
    topt.keepalive_interval_ms = config_.timers.keepalive_interval_ms;
    topt.first_message_timeout_ms = config_.timers.first_message_timeout_ms;
    topt.max_output_buffer_bytes = config_.max_output_buffer_bytes;
    w.transport = std::make_unique<sip::TransportLayer>(w.index, w.loop, log_, metrics_, *w.parser, topt);
    w.transport->set_handshake_limiter(&handshake_limiter_);
    w.transport->set_connection_limits(&connection_limits_);
    if (tls_) {
      w.gcm = device_.make_gcm_engine(options_.gcm_key_slots);
      tls::TlsStreamsOptions sopt;
      sopt.record.tls13_key_update_after = config_.tls.key_update_records;
      w.tls_streams = std::make_unique<tls::TlsStreams>(*tls_, *w.gcm, log_, metrics_, w.index, sopt);
      w.transport->set_secure_streams(w.tls_streams.get());
    }
    for (const auto& l : config_.listen) w.transport->listen(l);
    for (const auto& t : config_.trunks)
      if (auto ip = core::SocketAddress::from_ip(t.local, 0)) w.transport->set_trunk_local(t.name, *ip);
    sip::TransactionTimers timers{core::Millis(config_.timers.t1_ms), core::Millis(config_.timers.t2_ms),
                                  core::Millis(config_.timers.t4_ms)};
    w.transactions = std::make_unique<sip::TransactionLayer>(w.loop, log_, metrics_, *w.transport, timers,
                                                             std::random_device{}() ^ (std::uint64_t{w.index} << 32));
    sip::ResolverOptions ropt;
    ropt.servers = options_.dns_servers;
    w.resolver = std::make_unique<sip::Resolver>(w.loop, log_, ropt);
    std::uint32_t n = worker_count();
    Worker* wp = &w;
    w.stack = std::make_unique<sip::TransactionStack>(*w.transactions, *w.resolver);
    w.b2bua = std::make_unique<B2bua>(
        config_, trunks_, *w.stack, log_, metrics_, w.index,
        [wp, n] {
          // A Call-ID this worker owns, so that the outbound leg's messages come here.
          for (;;) {
            std::string id = wp->transactions->random_token(24);
            if (owner_of_call_id(id, n) == wp->index) return id;
          }
        },
        B2buaOptions{.source_limiter = &unknown_source_limiter_, .stir = stir_.get()});
    B2bua* b = w.b2bua.get();
    w.transactions->set_user(sip::TransactionLayer::User{
        .on_request = [b](const sip::ServerTransactionPtr& tx) { b->on_request(tx); },
        .on_ack = [b](sip::Received&& rx) { b->on_ack(std::move(rx)); },
        .on_stray_response = [b](sip::Received&& rx) { b->on_stray_response(std::move(rx)); },
        .on_ack_timeout = [b](const sip::ServerTransactionPtr& tx) { b->on_ack_timeout(tx); },
    });
    if (w.index == 0) make_registrations(w);
    make_spans(w);
    w.transport->set_handler([this, wp](sip::Received&& rx) { dispatch(*wp, std::move(rx)); });
    // Outbound connections are per worker, and so are the transactions that
    // opened them: the failure goes to this worker's transaction layer.
    w.transport->set_failure_handler([wp](core::Transport t, const core::SocketAddress& peer) {
      wp->transactions->transport_failed(t, peer);
    });
  } catch (...) {
    drop_registrations(w);
    w.span_groups.clear();
    w.nfas_groups.clear();
    w.spans.clear();
    w.tdm.reset();
    w.b2bua.reset();
    w.stack.reset();
    w.resolver.reset();
    w.transactions.reset();
    w.transport.reset();
    w.tls_streams.reset();
    w.gcm.reset();
    ready.set_exception(std::current_exception());
    return;
  }
  ready.set_value();
  w.loop.run();
  // Tear down on the loop's own thread (the resolver requires it).
  drop_registrations(w);
  w.span_groups.clear();
  w.nfas_groups.clear();
  w.spans.clear();
  w.tdm.reset();
  w.b2bua.reset();
  w.stack.reset();
  w.resolver.reset();
  w.transactions.reset();
  w.transport.reset();  // its TLS connections end before their sessions' factory
  w.tls_streams.reset();
  w.gcm.reset();
}

void Node::make_spans(Worker& w) {
  const std::vector<std::string> groups = pri::span_group_names(config_.spans);
  for (std::size_t g = 0; g < groups.size(); ++g) {
    if (g % worker_count() != w.index) continue;
    const auto& first = *std::find_if(config_.spans.begin(), config_.spans.end(),
                                      [&](const core::SpanConfig& s) { return s.group == groups[g]; });
    w.span_groups.push_back(std::make_unique<pri::SpanGroup>(groups[g], first.hunting));
  }
  // Until spans are routed to trunks, an incoming call is refused (cause 3),
  // one log line per span (or NFAS group) per 10 s.
  auto refuse = [this, wp = &w](std::string name, std::function<pri::Q931CallControl&()> calls) {
    return [this, wp, name = std::move(name), calls = std::move(calls)](const pri::CallEvent& e) {
      if (e.type != pri::CallEventType::kIncomingSetup) return;
      wp->span_log_limiter.write(
          log_, core::LogLevel::kInfo, "span", "refused-" + name,
          name + ": incoming call for " +
              (e.setup && !e.setup->called.digits.empty() ? e.setup->called.digits : "(no number)") +
              " refused (cause 3): spans are not routed to trunks yet",
          wp->loop.now());
      calls().disconnect(e.call, pri::Cause::kNoRouteToDestination);
    };
  };
  // The worker's TDM datapath, made with its first `line` span.
  auto datapath_for = [&](const core::SpanConfig& s) {
    if (s.backend == core::SpanBackend::kLine && !w.tdm)
      w.tdm = std::make_unique<pri::TdmDatapath>(w.loop, device_.make_tdm_engine());
  };
  for (std::size_t i = 0; i < config_.spans.size(); ++i) {
    const core::SpanConfig& cfg = config_.spans[i];
    pri::SpanGroup* group = nullptr;
    for (auto& g : w.span_groups)
      if (g->name() == cfg.group) group = g.get();
    if (!group) continue;  // another worker's
    if (!cfg.nfas_group.empty()) {
      // The whole NFAS group at its first span (the config keeps its spans
      // in one span group, hence on this worker); hunted through its primary.
      bool made = false;
      for (const auto& n : w.nfas_groups) made = made || n->name() == cfg.nfas_group;
      if (made) continue;
      std::vector<core::SpanConfig> members;
      for (const auto& other : config_.spans) {
        if (other.nfas_group != cfg.nfas_group) continue;
        datapath_for(other);
        members.push_back(other);
      }
      pri::Span::Callbacks cb;
      const std::size_t at = w.nfas_groups.size();
      cb.on_event = refuse("NFAS group " + cfg.nfas_group,
                           [wp = &w, at]() -> pri::Q931CallControl& { return wp->nfas_groups[at]->calls(); });
      w.nfas_groups.push_back(std::make_unique<pri::NfasGroup>(w.loop, std::move(members), cb,
                                                               pri::NfasGroup::SpanCallbacks{}, &log_, &metrics_,
                                                               w.index, w.tdm.get()));
      w.nfas_groups.back()->start();
      group->add(w.nfas_groups.back()->primary());
      continue;
    }
    datapath_for(cfg);
    Worker* wp = &w;
    const std::size_t at = w.spans.size();
    pri::Span::Callbacks cb;
    cb.on_event = refuse("span " + cfg.name, [wp, at]() -> pri::Q931CallControl& { return wp->spans[at]->calls(); });
    w.spans.push_back(std::make_unique<pri::Span>(w.loop, cfg, cb, &log_, &metrics_, w.index, w.tdm.get()));
    w.spans.back()->start();
    group->add(*w.spans.back());
  }
}

void Node::dispatch(Worker& from, sip::Received&& rx) {
  std::uint32_t owner = owner_of_call_id(rx.message.header(offload::HeaderId::kCallId), worker_count());
  if (owner == from.index) {
    from.transactions->receive(std::move(rx));
    return;
  }
  Worker* w = workers_[owner].get();
  w->loop.post([w, rx = std::move(rx)]() mutable { w->transactions->receive(std::move(rx)); });
}

std::string Node::reload_tls() {
  if (!tls_) return "TLS is not configured";
  try {
    // The files are read anew from the paths in the config; connections that
    // are up keep the contexts they were made with.
    tls_->replace(tls::TrunkTlsSet::build(config_, options_.tls_keylog));
  } catch (const std::exception& e) {
    return e.what();
  }
  return {};
}

std::string Node::reload_stir() {
  if (!stir_) return "STIR/SHAKEN is not configured";
  try {
    stir_->replace(std::make_shared<const stir::StirService>(config_.stir));
  } catch (const std::exception& e) {
    return e.what();
  }
  return {};
}

// How long a stop waits for the registrars to answer the un-REGISTERs: a
// round trip, a challenge and a retransmission or two over UDP.
constexpr std::chrono::milliseconds kUnregisterWait{2000};

void Node::stop() {
  if (running_) {
    running_ = false;
    // Registration trunks remove their bindings first, on worker 0, so the
    // ITSP stops sending calls to a Contact that no longer answers.
    auto all_done = std::make_shared<std::promise<void>>();
    std::future<void> done = all_done->get_future();
    Worker& w0 = *workers_[0];
    w0.loop.post([&w0, all_done] {
      auto left = std::make_shared<std::size_t>(w0.registrations.size() + 1);
      auto one_done = [left, all_done] {
        if (--*left == 0) all_done->set_value();
      };
      for (auto& r : w0.registrations) r->unregister(one_done);
      one_done();
    });
    done.wait_for(kUnregisterWait);
  }
  for (auto& w : workers_) w->loop.stop();
  for (auto& w : workers_)
    if (w->thread.joinable()) w->thread.join();
}

NodeStatus Node::status() const {
  const core::MetricsSnapshot m = metrics_.snapshot();
  auto u = [&m](std::string_view name, const core::MetricLabels& match = {}) {
    return static_cast<std::uint64_t>(m.total(name, match));
  };
  auto nonzero = [&m](std::string_view name, std::string_view label) {
    std::vector<std::pair<std::string, std::uint64_t>> out;
    for (const auto& [value, n] : m.by_label(name, label))
      if (n > 0) out.emplace_back(value, static_cast<std::uint64_t>(n));
    return out;
  };
  auto batches = [&m](std::string_view name) {
    NodeStatus::Batches b;
    b.count = m.histogram_count(name);
    b.mean = b.count ? m.histogram_sum(name) / static_cast<double>(b.count) : 0;
    return b;
  };
  NodeStatus s;
  s.workers = worker_count();
  for (const auto& cfg : config_.spans) {
    SpanStatus sp;
    sp.name = cfg.name;
    sp.type = cfg.type;
    sp.side = cfg.side;
    sp.switch_variant = cfg.switch_variant;
    const core::MetricLabels of{{"span", cfg.name}};
    auto in_state = [&](pri::BChannelState st) {
      return u(pri::metric::kSpanBChannels, {{"span", cfg.name}, {"state", std::string(pri::b_channel_state_name(st))}});
    };
    auto dir = [&](std::string_view name, std::string_view d) {
      return u(name, {{"span", cfg.name}, {"direction", std::string(d)}});
    };
    sp.dchannel_up = u(pri::metric::kSpanDChannelUp, of) != 0;
    sp.nfas_group = cfg.nfas_group;
    sp.nfas_interface = cfg.nfas_interface;
    sp.d_channel = cfg.d_channel;
    sp.dchannel_active = u(pri::metric::kSpanDChannelActive, of) != 0;
    sp.idle = in_state(pri::BChannelState::kIdle);
    sp.in_use = in_state(pri::BChannelState::kInUse);
    sp.restarting = in_state(pri::BChannelState::kRestarting);
    sp.maintenance = in_state(pri::BChannelState::kLocalMaintenance) + in_state(pri::BChannelState::kRemoteMaintenance);
    sp.out_of_service = in_state(pri::BChannelState::kOutOfService);
    sp.calls_in = dir(pri::metric::kSpanCalls, "in");
    sp.calls_out = dir(pri::metric::kSpanCalls, "out");
    sp.calls_refused = u(pri::metric::kSpanCallsRefused, of);
    sp.calls_answered = u(pri::metric::kSpanCallsAnswered, of);
    sp.q931_errors = u(pri::metric::kSpanQ931Errors, of);
    sp.dchannel_losses = u(pri::metric::kSpanDChannelLosses, of);
    sp.bad_fcs = u(pri::metric::kSpanBadFcs, of);
    sp.line = cfg.backend == core::SpanBackend::kLine;
    if (sp.line) {
      auto alarm = [&](std::size_t i) {
        return u(pri::metric::kSpanLineAlarm, {{"span", cfg.name}, {"alarm", std::string(pri::metric::kLineAlarmNames[i])}}) != 0;
      };
      sp.alarms = pri::LineAlarms{alarm(0), alarm(1), alarm(2), alarm(3)};
      auto errors = [&](std::string_view kind) {
        return u(pri::metric::kSpanLineErrors, {{"span", cfg.name}, {"kind", std::string(kind)}});
      };
      sp.crc_errors = errors("crc");
      sp.slips = errors("slip");
    }
    s.spans.push_back(std::move(sp));
  }
  s.offload = std::string(device_.name());
  s.uptime_seconds = std::chrono::duration<double>(core::Clock::now() - created_).count();
  s.listeners = config_.listen;
  const auto now = core::Clock::now();
  for (const auto& t : trunks_) {
    TrunkStatus ts;
    ts.name = t->name();
    ts.transport = t->config().transport;
    const auto& peer = t->config().peer;
    ts.peer = (peer.host.find(':') != std::string::npos ? "[" + peer.host + "]" : peer.host) +
              (peer.port ? ":" + std::to_string(peer.port) : std::string());
    ts.up = t->up();
    ts.options_interval_ms = t->config().options_interval_ms;
    ts.options_answered = t->options_answered();
    ts.options_unanswered = t->options_unanswered();
    ts.calls_now = t->active_calls();
    ts.calls_last_second = t->calls_last_second(now);
    ts.calls_started = t->calls_started();
    ts.calls_received = t->calls_received();
    for (auto dir : {TrunkState::Direction::kOut, TrunkState::Direction::kIn})
      for (std::size_t r = 0; r < TrunkState::kRefusalCount; ++r)
        ts.calls_refused += t->calls_refused(static_cast<TrunkState::Refusal>(r), dir);
    ts.max_calls = t->config().max_calls;
    ts.max_cps = t->config().max_cps;
    {
      std::lock_guard lock(registrations_mutex_);
      if (auto it = registrations_.find(t->name()); it != registrations_.end()) ts.registration = it->second->status();
    }
    s.trunks.push_back(std::move(ts));
  }
  s.calls = {u(metric::kCallsStarted), u(metric::kCallsAnswered), u(metric::kCallsFailed),
             u(metric::kCallsRejected), u(metric::kCallsActive)};
  s.messages.received = u(sip::metric::kMessagesReceived);
  s.messages.sent = u(sip::metric::kMessagesSent);
  s.messages.send_errors = u(sip::metric::kSendErrors);
  s.messages.parse_errors = u(sip::metric::kParseErrors);
  s.messages.parse_errors_answered = u(sip::metric::kParseErrorsAnswered);
  s.messages.parse_errors_by_reason = nonzero(sip::metric::kParseErrors, "reason");
  s.connections.tcp_open = u(sip::metric::kConnectionsOpen, {{"transport", "tcp"}});
  s.connections.tls_open = u(sip::metric::kConnectionsOpen, {{"transport", "tls"}});
  s.connections.accepted = u(sip::metric::kConnectionsAccepted);
  s.connections.dropped = u(sip::metric::kConnectionsDropped);
  s.connections.dropped_by_reason = nonzero(sip::metric::kConnectionsDropped, "reason");
  s.connections.refused = u(sip::metric::kConnectionsRefused);
  s.connections.refused_by_reason = nonzero(sip::metric::kConnectionsRefused, "reason");
  s.connections.accept_failures = u(sip::metric::kAcceptFailures);
  s.connections.accept_pauses = u(sip::metric::kAcceptPauses);
  s.tls.handshakes = u(sip::metric::kTlsHandshakes);
  s.tls.failures = u(sip::metric::kTlsFailures);
  s.tls.failures_by_reason = nonzero(sip::metric::kTlsFailures, "reason");
  const std::uint64_t timed = m.histogram_count(sip::metric::kTlsHandshakeDuration);
  s.tls.handshake_seconds_mean =
      timed ? m.histogram_sum(sip::metric::kTlsHandshakeDuration) / static_cast<double>(timed) : 0;
  s.connections.keepalive_pings = u(sip::metric::kKeepalivePings);
  s.connections.keepalive_pongs = u(sip::metric::kKeepalivePongs);
  s.transactions.server = u(sip::metric::kTransactionsCreated, {{"kind", "server"}});
  s.transactions.client = u(sip::metric::kTransactionsCreated, {{"kind", "client"}});
  s.transactions.active = u(sip::metric::kTransactionsActive);
  s.transactions.retransmissions_sent = u(sip::metric::kRetransmissionsSent);
  s.transactions.retransmissions_absorbed = u(sip::metric::kRetransmissionsAbsorbed);
  s.transactions.timeouts = u(sip::metric::kClientTimeouts);
  s.transactions.rejected = u(sip::metric::kRequestsRejected);
  s.parse_batches = batches(sip::metric::kParseBatchSegments);
  s.tls_batches = batches(tls::metric::kRecordBatchConnections);
  return s;
}

}  // namespace sipnic::interwork
