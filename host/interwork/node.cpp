#include "interwork/node.h"

#include <future>
#include <random>
#include <stdexcept>
#include <thread>

#include "core/event_loop.h"
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
  std::thread thread;
  // Filled by the worker thread when it leaves its loop.
  NodeStats final_stats;
  std::atomic<bool> stopped{false};
};

Node::Node(const core::Config& config, core::Log& log, const offload::Device& device, NodeOptions options)
    : config_(config),
      log_(log),
      device_(device),
      options_(std::move(options)),
      handshake_limiter_(config.tls.handshake_rate),
      unknown_source_limiter_(config.unknown_source_rate) {
  for (const auto& t : config_.trunks) trunks_.push_back(std::make_unique<TrunkState>(t));
  std::uint32_t n = config_.workers ? config_.workers : std::max(1u, std::thread::hardware_concurrency());
  for (std::uint32_t i = 0; i < n; ++i) {
    auto w = std::make_unique<Worker>();
    w->index = i;
    workers_.push_back(std::move(w));
  }
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
  started_ = true;
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
  // OPTIONS pings run on worker 0 (their results are shared atomics).
  Worker& w0 = *workers_[0];
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
    w.loop.add_timer(core::Millis(trunk.config().options_interval_ms), [this, &w, &trunk] {
      schedule_ping(w, trunk);
    });
  });
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
    w.transport = std::make_unique<sip::TransportLayer>(w.index, w.loop, log_, *w.parser, topt);
    w.transport->set_handshake_limiter(&handshake_limiter_);
    if (tls_) {
      w.gcm = device_.make_gcm_engine(options_.gcm_key_slots);
      tls::TlsStreamsOptions sopt;
      sopt.record.tls13_key_update_after = config_.tls.key_update_records;
      w.tls_streams = std::make_unique<tls::TlsStreams>(*tls_, *w.gcm, log_, sopt);
      w.transport->set_secure_streams(w.tls_streams.get());
    }
    for (const auto& l : config_.listen) w.transport->listen(l);
    sip::TransactionTimers timers{core::Millis(config_.timers.t1_ms), core::Millis(config_.timers.t2_ms),
                                  core::Millis(config_.timers.t4_ms)};
    w.transactions = std::make_unique<sip::TransactionLayer>(w.loop, log_, *w.transport, timers,
                                                             std::random_device{}() ^ (std::uint64_t{w.index} << 32));
    sip::ResolverOptions ropt;
    ropt.servers = options_.dns_servers;
    w.resolver = std::make_unique<sip::Resolver>(w.loop, log_, ropt);
    std::uint32_t n = worker_count();
    Worker* wp = &w;
    w.stack = std::make_unique<sip::TransactionStack>(*w.transactions, *w.resolver);
    w.b2bua = std::make_unique<B2bua>(
        config_, trunks_, *w.stack, log_,
        [wp, n] {
          // A Call-ID this worker owns, so that the outbound leg's messages come here.
          for (;;) {
            std::string id = wp->transactions->random_token(24);
            if (owner_of_call_id(id, n) == wp->index) return id;
          }
        },
        &unknown_source_limiter_);
    B2bua* b = w.b2bua.get();
    w.transactions->set_user(sip::TransactionLayer::User{
        .on_request = [b](const sip::ServerTransactionPtr& tx) { b->on_request(tx); },
        .on_ack = [b](sip::Received&& rx) { b->on_ack(std::move(rx)); },
        .on_stray_response = [b](sip::Received&& rx) { b->on_stray_response(std::move(rx)); },
        .on_ack_timeout = [b](const sip::ServerTransactionPtr& tx) { b->on_ack_timeout(tx); },
    });
    w.transport->set_handler([this, wp](sip::Received&& rx) { dispatch(*wp, std::move(rx)); });
    // Outbound connections are per worker, and so are the transactions that
    // opened them: the failure goes to this worker's transaction layer.
    w.transport->set_failure_handler([wp](core::Transport t, const core::SocketAddress& peer) {
      wp->transactions->transport_failed(t, peer);
    });
  } catch (...) {
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
  w.final_stats.transport = w.transport->stats();
  w.final_stats.transactions = w.transactions->stats();
  w.final_stats.calls = w.b2bua->stats();
  w.b2bua.reset();
  w.stack.reset();
  w.resolver.reset();
  w.transactions.reset();
  w.transport.reset();  // its TLS connections end before their sessions' factory
  w.tls_streams.reset();
  w.gcm.reset();
  w.stopped = true;
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

void Node::stop() {
  for (auto& w : workers_) w->loop.stop();
  for (auto& w : workers_)
    if (w->thread.joinable()) w->thread.join();
}

NodeStats Node::stats() const {
  NodeStats s;
  for (const auto& w : workers_) {
    const NodeStats& f = w->final_stats;
    s.transport.rx_messages += f.transport.rx_messages;
    s.transport.rx_malformed += f.transport.rx_malformed;
    s.transport.rx_answered_error += f.transport.rx_answered_error;
    s.transport.tx_messages += f.transport.tx_messages;
    s.transport.tx_errors += f.transport.tx_errors;
    s.transport.tcp_accepted += f.transport.tcp_accepted;
    s.transport.tcp_closed_on_error += f.transport.tcp_closed_on_error;
    s.transport.tcp_closed_slow += f.transport.tcp_closed_slow;
    s.transactions.server_created += f.transactions.server_created;
    s.transactions.client_created += f.transactions.client_created;
    s.transactions.retransmissions_absorbed += f.transactions.retransmissions_absorbed;
    s.transactions.retransmissions_sent += f.transactions.retransmissions_sent;
    s.transactions.client_timeouts += f.transactions.client_timeouts;
    s.calls.calls_started += f.calls.calls_started;
    s.calls.calls_answered += f.calls.calls_answered;
    s.calls.calls_failed += f.calls.calls_failed;
    s.calls.calls_rejected += f.calls.calls_rejected;
    s.calls.calls_unacknowledged += f.calls.calls_unacknowledged;
    s.calls.unknown_source_requests += f.calls.unknown_source_requests;
    s.calls.rate_limited_requests += f.calls.rate_limited_requests;
  }
  return s;
}

}  // namespace sipnic::interwork
