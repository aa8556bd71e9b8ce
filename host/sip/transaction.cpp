#include "sip/transaction.h"

#include "sip/header_values.h"
#include "sip/response_builder.h"
#include "sip/validate.h"

#include <strings.h>

#include <algorithm>
#include <charconv>

namespace sipnic::sip {

using core::Millis;
using core::Transport;
using offload::HeaderId;

namespace {

constexpr std::string_view kMagicCookie = "z9hG4bK";

bool reliable(Transport t) { return t != Transport::kUdp; }

}  // namespace

bool extract_key_fields(const SipMessage& m, TransactionKeyFields& out) {
  // Top Via element (the first of the first Via header).
  CommaValues vias(m.header(HeaderId::kVia));
  auto top = vias.next();
  if (!top) return false;
  auto via = parse_via(*top);
  auto cseq = parse_cseq(m.header(HeaderId::kCSeq));
  if (!via || !cseq) return false;
  out.branch = via->branch();
  out.sent_by.assign(via->host);
  if (via->has_port) out.sent_by.append(":").append(std::to_string(via->port));
  out.sent_by_port = via->has_port ? via->port : 0;
  out.rport = via->has_rport();
  out.cseq = cseq->number;
  out.cseq_method = cseq->method;
  return true;
}

// ---- server transactions ----------------------------------------------------

Target response_target(const Received& rx) {
  Target t{rx.transport, rx.source, rx.connection, rx.trunk, rx.local};
  // RFC 3261 §18.2.2 / RFC 3581: over UDP without rport the response goes to
  // the source address at the sent-by port; with rport (or over streams) back
  // to the source port.
  if (rx.transport != Transport::kUdp) return t;
  TransactionKeyFields f;
  if (!extract_key_fields(rx.message, f) || f.rport) return t;
  t.address.set_port(f.sent_by_port ? f.sent_by_port : 5060);
  return t;
}

ServerTransaction::ServerTransaction(TransactionLayer& layer, std::string key, Received&& rx)
    : layer_(layer), key_(std::move(key)), reply_to_(response_target(rx)), source_(rx.source) {
  request_ = std::move(rx.message);
  invite_ = request_.method() == "INVITE";
}

void ServerTransaction::respond(int status, std::string bytes) {
  if (state_ != State::kProceeding) return;
  layer_.send_stateless(reply_to_, bytes);
  if (status < 200) {
    last_response_ = std::move(bytes);
    return;
  }
  final_status_ = status;
  std::weak_ptr<ServerTransaction> weak = weak_from_this();
  auto& loop = layer_.loop_;
  const auto& t = layer_.timers_;
  if (invite_ && status < 300) {
    // 2xx: RFC 6026 Accepted state. The UAS core retransmits the 2xx until the
    // ACK; the transaction only absorbs INVITE retransmissions (Timer L), so
    // that a late retransmission never looks like a new call.
    state_ = State::kAccepted;
    end_timer_ = loop.add_timer(t.t1 * 64, [weak]() {
      if (auto tx = weak.lock()) {
        tx->end_timer_ = 0;
        tx->terminate();
      }
    });
    return;
  }
  last_response_ = std::move(bytes);
  state_ = State::kCompleted;
  if (invite_) {
    if (!reliable(reply_to_.transport)) {
      retransmit_interval_ = t.t1;
      // Timer G: retransmit the final response, doubling up to T2.
      retransmit_timer_ = loop.add_timer(retransmit_interval_, [weak]() {
        if (auto tx = weak.lock()) tx->on_retransmission();
      });
    }
    // Timer H: give up waiting for the ACK.
    end_timer_ = loop.add_timer(t.t1 * 64, [weak]() {
      auto tx = weak.lock();
      if (!tx || tx->state_ != State::kCompleted) return;
      tx->end_timer_ = 0;
      if (tx->layer_.user_.on_ack_timeout) tx->layer_.user_.on_ack_timeout(tx);
      tx->terminate();
    });
  } else {
    // Timer J: absorb request retransmissions, then end.
    Millis j = reliable(reply_to_.transport) ? Millis(0) : t.t1 * 64;
    end_timer_ = loop.add_timer(j, [weak]() {
      if (auto tx = weak.lock()) {
        tx->end_timer_ = 0;
        tx->terminate();
      }
    });
  }
}

// Timer G fired (INVITE, unreliable transport, Completed): resend, double.
void ServerTransaction::on_retransmission() {
  retransmit_timer_ = 0;
  if (state_ != State::kCompleted) return;
  layer_.send_stateless(reply_to_, last_response_);
  ++layer_.stats_.retransmissions_sent;
  retransmit_interval_ = std::min(retransmit_interval_ * 2, layer_.timers_.t2);
  std::weak_ptr<ServerTransaction> weak = weak_from_this();
  retransmit_timer_ = layer_.loop_.add_timer(retransmit_interval_, [weak]() {
    if (auto tx = weak.lock()) tx->on_retransmission();
  });
}

void ServerTransaction::on_ack() {
  if (state_ != State::kCompleted) return;  // retransmitted ACKs absorbed
  state_ = State::kConfirmed;
  if (retransmit_timer_) layer_.loop_.cancel_timer(retransmit_timer_);
  if (end_timer_) layer_.loop_.cancel_timer(end_timer_);
  retransmit_timer_ = end_timer_ = 0;
  // Timer I: absorb ACK retransmissions.
  Millis i = reliable(reply_to_.transport) ? Millis(0) : layer_.timers_.t4;
  std::weak_ptr<ServerTransaction> weak = weak_from_this();
  end_timer_ = layer_.loop_.add_timer(i, [weak]() {
    if (auto tx = weak.lock()) {
      tx->end_timer_ = 0;
      tx->terminate();
    }
  });
}

void ServerTransaction::terminate() {
  if (state_ == State::kTerminated) return;
  state_ = State::kTerminated;
  if (retransmit_timer_) layer_.loop_.cancel_timer(retransmit_timer_);
  if (end_timer_) layer_.loop_.cancel_timer(end_timer_);
  retransmit_timer_ = end_timer_ = 0;
  TransactionLayer& layer = layer_;
  layer.servers_.erase(key_);  // may destroy *this: nothing after but `layer`
  layer.stats_.server_active.set(static_cast<std::int64_t>(layer.servers_.size()));
}

// ---- client transactions ----------------------------------------------------

ClientTransaction::ClientTransaction(TransactionLayer& layer, std::string key, OutgoingRequest req,
                                     Target target, Handler handler)
    : layer_(layer),
      key_(std::move(key)),
      request_(std::move(req)),
      target_(std::move(target)),
      handler_(std::move(handler)) {
  invite_ = request_.method == "INVITE";
  wire_ = request_.serialize();
}

void ClientTransaction::start() {
  std::weak_ptr<ClientTransaction> weak = weak_from_this();
  if (!layer_.send_stateless(target_, wire_)) {
    // Report asynchronously so the user never sees a callback inside send_request().
    layer_.loop_.post([weak]() {
      if (auto tx = weak.lock()) tx->on_timeout(503);
    });
    return;
  }
  const auto& t = layer_.timers_;
  if (!reliable(target_.transport)) {
    retransmit_interval_ = t.t1;
    schedule_retransmit();
  }
  // Timer B or F: no final response in 64*T1.
  timeout_timer_ = layer_.loop_.add_timer(t.t1 * 64, [weak]() {
    if (auto tx = weak.lock()) {
      tx->timeout_timer_ = 0;
      if (tx->state_ == State::kCalling || tx->state_ == State::kProceeding) {
        // An INVITE that got a provisional waits for Timer C in the user instead.
        if (tx->invite_ && tx->state_ == State::kProceeding) return;
        ++tx->layer_.stats_.client_timeouts;
        tx->on_timeout(408);
      }
    }
  });
}

// Timer A (INVITE, Calling: doubling) or E (non-INVITE: doubling up to T2,
// then T2 once Proceeding); unreliable transports only.
void ClientTransaction::schedule_retransmit() {
  std::weak_ptr<ClientTransaction> weak = weak_from_this();
  retransmit_timer_ = layer_.loop_.add_timer(retransmit_interval_, [weak]() {
    if (auto tx = weak.lock()) {
      tx->retransmit_timer_ = 0;
      tx->on_retransmit_timer();
    }
  });
}

void ClientTransaction::on_retransmit_timer() {
  if (state_ == State::kCompleted || state_ == State::kTerminated) return;
  if (invite_ && state_ != State::kCalling) return;
  layer_.send_stateless(target_, wire_);
  ++layer_.stats_.retransmissions_sent;
  const auto& t = layer_.timers_;
  if (invite_) {
    retransmit_interval_ *= 2;
  } else {
    retransmit_interval_ = state_ == State::kProceeding ? t.t2 : std::min(retransmit_interval_ * 2, t.t2);
  }
  schedule_retransmit();
}

void ClientTransaction::on_timeout(int status) {
  if (state_ == State::kCompleted || state_ == State::kTerminated) return;
  auto keep = shared_from_this();  // terminate() drops the layer's reference
  Handler h = handler_;
  terminate();
  if (h) h(ClientResult{nullptr, status});
}

void ClientTransaction::on_response(const Received& rx) {
  int status = rx.message.status();
  auto keep = shared_from_this();
  if (state_ == State::kCompleted) {
    // Retransmitted final: resend the ACK (INVITE) or absorb (non-INVITE).
    if (invite_ && status >= 300) {
      layer_.send_stateless(target_, ack_);
    }
    ++layer_.stats_.retransmissions_absorbed;
    return;
  }
  if (state_ == State::kTerminated) return;
  if (status < 200) {
    if (state_ == State::kCalling) state_ = State::kProceeding;
    got_provisional_ = true;
    if (handler_) handler_(ClientResult{&rx, status});
    return;
  }
  if (retransmit_timer_) layer_.loop_.cancel_timer(retransmit_timer_);
  if (timeout_timer_) layer_.loop_.cancel_timer(timeout_timer_);
  retransmit_timer_ = timeout_timer_ = 0;
  Handler h = handler_;
  if (invite_ && status < 300) {
    // 2xx: the transaction ends; the user ACKs end to end and later 2xx
    // retransmissions reach it as stray responses.
    terminate();
    if (h) h(ClientResult{&rx, status});
    return;
  }
  if (invite_) {
    ack_ = request_.ack_for_failure(rx.message.header(HeaderId::kTo));
    layer_.send_stateless(target_, ack_);
  }
  state_ = State::kCompleted;
  // Timer D (INVITE, 32 s over UDP) or K (non-INVITE, T4 over UDP).
  Millis wait = reliable(target_.transport) ? Millis(0)
                : invite_                   ? std::max(Millis(32000), layer_.timers_.t1 * 64)
                                            : layer_.timers_.t4;
  std::weak_ptr<ClientTransaction> weak = keep;
  end_timer_ = layer_.loop_.add_timer(wait, [weak]() {
    if (auto tx = weak.lock()) {
      tx->end_timer_ = 0;
      tx->terminate();
    }
  });
  if (h) h(ClientResult{&rx, status});
}

void ClientTransaction::terminate() {
  if (state_ == State::kTerminated) return;
  state_ = State::kTerminated;
  if (retransmit_timer_) layer_.loop_.cancel_timer(retransmit_timer_);
  if (timeout_timer_) layer_.loop_.cancel_timer(timeout_timer_);
  if (end_timer_) layer_.loop_.cancel_timer(end_timer_);
  retransmit_timer_ = timeout_timer_ = end_timer_ = 0;
  handler_ = nullptr;
  TransactionLayer& layer = layer_;
  layer.clients_.erase(key_);  // may destroy *this: nothing after but `layer`
  layer.stats_.client_active.set(static_cast<std::int64_t>(layer.clients_.size()));
}

// ---- the layer ----------------------------------------------------------------

TransactionStats::TransactionStats(core::MetricsRegistry& m, std::uint32_t w) {
  using core::MetricInfo;
  using core::MetricType;
  const MetricInfo created{std::string(metric::kTransactionsCreated),
                           "SIP transactions created (RFC 3261 section 17), by kind", MetricType::kCounter};
  const MetricInfo active{std::string(metric::kTransactionsActive), "SIP transactions alive now, by kind",
                          MetricType::kGauge};
  server_created = m.counter(created, {{"kind", "server"}}, w);
  client_created = m.counter(created, {{"kind", "client"}}, w);
  server_active = m.gauge(active, {{"kind", "server"}}, w);
  client_active = m.gauge(active, {{"kind", "client"}}, w);
  retransmissions_absorbed = m.counter({std::string(metric::kRetransmissionsAbsorbed),
                                        "retransmitted requests and responses absorbed by a transaction",
                                        MetricType::kCounter},
                                       {}, w);
  retransmissions_sent = m.counter({std::string(metric::kRetransmissionsSent),
                                    "retransmissions sent (timers A, E and G, and answers to retransmitted requests)",
                                    MetricType::kCounter},
                                   {}, w);
  client_timeouts = m.counter({std::string(metric::kClientTimeouts),
                               "client transactions that got no final response in time (timers B and F)",
                               MetricType::kCounter},
                              {}, w);
  rejected = m.counter({std::string(metric::kRequestsRejected),
                        "requests refused by validation with a 4xx or 5xx before any transaction user saw them",
                        MetricType::kCounter},
                       {}, w);
}

TransactionLayer::TransactionLayer(core::EventLoop& loop, core::Log& log, core::MetricsRegistry& metrics,
                                   TransportLayer& transport, TransactionTimers timers, std::uint64_t seed,
                                   ValidationPolicy policy)
    : loop_(loop),
      log_(log),
      transport_(transport),
      timers_(timers),
      policy_(std::move(policy)),
      rng_(seed),
      stats_(metrics, transport.worker()) {}

TransactionLayer::~TransactionLayer() {
  // Cancel every timer before the maps go: timers hold only weak references,
  // but the loop may outlive this layer.
  for (auto& [k, s] : servers_) {
    if (s->retransmit_timer_) loop_.cancel_timer(s->retransmit_timer_);
    if (s->end_timer_) loop_.cancel_timer(s->end_timer_);
  }
  for (auto& [k, c] : clients_) {
    if (c->retransmit_timer_) loop_.cancel_timer(c->retransmit_timer_);
    if (c->timeout_timer_) loop_.cancel_timer(c->timeout_timer_);
    if (c->end_timer_) loop_.cancel_timer(c->end_timer_);
  }
  // The transactions go with the layer (their cells stay in the registry).
  stats_.server_active.set(0);
  stats_.client_active.set(0);
}

std::string TransactionLayer::random_token(std::size_t hex_chars) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(hex_chars);
  std::uint64_t bits = 0;
  for (std::size_t i = 0; i < hex_chars; ++i) {
    if (i % 16 == 0) bits = rng_();
    out += kHex[bits & 0xf];
    bits >>= 4;
  }
  return out;
}

core::SocketAddress TransactionLayer::local_address(const Target& target) const {
  return transport_.source_for(target.transport, target.address, target.trunk, target.local);
}

std::string TransactionLayer::via_for(const Target& target, std::string_view branch) const {
  auto local = local_address(target);
  std::string via = "SIP/2.0/";
  via += target.transport == Transport::kUdp ? "UDP " : target.transport == Transport::kTcp ? "TCP " : "TLS ";
  via += local.to_string();
  via += ";branch=";
  via += branch;
  via += ";rport";
  return via;
}

std::string TransactionLayer::server_key(const SipMessage& m, const TransactionKeyFields& f,
                                         bool ack_as_invite) {
  std::string_view method = m.method();
  if (ack_as_invite && method == "ACK") method = "INVITE";
  std::string key;
  if (f.branch.size() > kMagicCookie.size() && f.branch.substr(0, kMagicCookie.size()) == kMagicCookie) {
    // RFC 3261 §17.2.3: branch, sent-by and method.
    key.reserve(f.branch.size() + f.sent_by.size() + method.size() + 2);
    key.append(f.branch).append("|").append(f.sent_by).append("|").append(method);
  } else {
    // RFC 2543 peers: Call-ID, CSeq number, top Via sent-by and method
    // (the To tag is left out so the ACK matches the INVITE).
    key.append("2543|").append(m.header(HeaderId::kCallId)).append("|")
        .append(std::to_string(f.cseq)).append("|").append(f.sent_by).append("|").append(method);
  }
  return key;
}

bool TransactionLayer::passes_validation(const Received& rx) {
  Verdict v = validate(rx.message.view(), policy_);
  if (v.ok()) return true;
  log_.debug("transaction", std::string(rx.message.is_request() ? "request" : "response") + " from " +
                                rx.source.to_string() + " refused (" + std::string(rule_name(v.rule)) +
                                "): " + v.detail);
  // A response is never sent to an ACK, nor without a Via to send it along.
  if (v.action != Action::kReject || !rx.message.is_request() || rx.message.method() == "ACK" ||
      !rx.message.has(HeaderId::kVia)) {
    return false;
  }
  std::string headers;
  if (!v.unsupported.empty()) headers += "Unsupported: " + v.unsupported + "\r\n";
  if (!v.accept.empty()) headers += "Accept: " + v.accept + "\r\n";
  std::string tag = random_token(12);
  ResponseExtras x{.to_tag = tag, .headers = headers, .source = &rx.source};
  Target t = response_target(rx);
  send_stateless(t, build_response(rx.message, v.status, v.reason_phrase, x));
  ++stats_.rejected;
  return false;
}

void TransactionLayer::receive(Received&& rx) {
  if (!passes_validation(rx)) return;
  TransactionKeyFields f;
  if (!extract_key_fields(rx.message, f)) {
    log_.debug("transaction", "message without a usable Via or CSeq from " + rx.source.to_string() + " dropped");
    return;
  }
  if (!rx.message.is_request()) {
    std::string key;
    key.append(f.branch).append("|").append(f.cseq_method);
    auto it = clients_.find(key);
    if (it == clients_.end()) {
      if (user_.on_stray_response) user_.on_stray_response(std::move(rx));
      return;
    }
    auto tx = it->second;
    tx->on_response(rx);
    return;
  }
  bool is_ack = rx.message.method() == "ACK";
  std::string key = server_key(rx.message, f, is_ack);
  auto it = servers_.find(key);
  if (it != servers_.end()) {
    auto tx = it->second;
    if (is_ack) {
      if (tx->invite_ && tx->state_ == ServerTransaction::State::kCompleted) {
        tx->on_ack();
        return;
      }
      if (tx->invite_ && tx->state_ == ServerTransaction::State::kConfirmed) {
        ++stats_.retransmissions_absorbed;
        return;
      }
      // An ACK for a 2xx from an RFC 2543 peer shares the INVITE's key: it is
      // end to end, for the user.
    } else if (tx->state_ == ServerTransaction::State::kAccepted) {
      ++stats_.retransmissions_absorbed;
      return;
    } else {
      // Request retransmission: resend the last response, if any.
      ++stats_.retransmissions_absorbed;
      if (!tx->last_response_.empty()) {
        send_stateless(tx->reply_to_, tx->last_response_);
      }
      return;
    }
  }
  if (is_ack) {
    if (user_.on_ack) user_.on_ack(std::move(rx));
    return;
  }
  auto tx = std::shared_ptr<ServerTransaction>(new ServerTransaction(*this, key, std::move(rx)));
  servers_.emplace(key, tx);
  ++stats_.server_created;
  stats_.server_active.set(static_cast<std::int64_t>(servers_.size()));
  if (user_.on_request) user_.on_request(tx);
}

void TransactionLayer::transport_failed(core::Transport transport, const core::SocketAddress& peer) {
  std::vector<ClientTransactionPtr> failed;
  for (auto& [key, tx] : clients_) {
    if (tx->target_.transport == transport && tx->target_.address == peer && !tx->finished()) failed.push_back(tx);
  }
  for (auto& tx : failed) tx->on_timeout(503);
}

ServerTransactionPtr TransactionLayer::find_invite_for_cancel(const SipMessage& cancel) {
  TransactionKeyFields f;
  if (!extract_key_fields(cancel, f)) return nullptr;
  std::string key = server_key(cancel, f, false);
  // Same key with INVITE in place of CANCEL.
  auto bar = key.rfind('|');
  key.replace(bar + 1, std::string::npos, "INVITE");
  auto it = servers_.find(key);
  return it == servers_.end() ? nullptr : it->second;
}

ClientTransactionPtr TransactionLayer::send_request(OutgoingRequest req, const Target& target,
                                                    ClientTransaction::Handler handler) {
  std::string branch;
  if (req.via.empty()) {
    branch = new_branch();
    req.via = via_for(target, branch);
  } else {
    auto b = req.via.find("branch=");
    branch = req.via.substr(b == std::string::npos ? 0 : b + 7);
    branch = branch.substr(0, branch.find(';'));
  }
  std::string key = branch + "|" + req.method;
  auto tx = std::shared_ptr<ClientTransaction>(
      new ClientTransaction(*this, key, std::move(req), target, std::move(handler)));
  clients_[key] = tx;
  ++stats_.client_created;
  stats_.client_active.set(static_cast<std::int64_t>(clients_.size()));
  tx->start();
  return tx;
}

bool TransactionLayer::send_stateless(const Target& target, std::string bytes) {
  return transport_.send(target.transport, target.address, target.connection, std::move(bytes), target.trunk,
                         target.local);
}

}  // namespace sipnic::sip
