#include "sip/transport.h"

#include <fcntl.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <utility>

#include "sip/response_builder.h"
#include "sip/stream_framing.h"

namespace sipnic::sip {

using core::SocketAddress;
using core::Transport;
using offload::ParseError;

namespace {

constexpr std::size_t kUdpBatch = 32;  // datagrams per recvmmsg, one parse batch

// CRLFCRLF keepalive pings (RFC 5626 §3.5.1) in a run of CR/LF bytes.
std::size_t count_pings(std::string_view gap) {
  std::size_t n = 0;
  for (std::size_t p = gap.find("\r\n\r\n"); p != std::string_view::npos; p = gap.find("\r\n\r\n", p + 4)) ++n;
  return n;
}

std::size_t idx(Transport t) { return static_cast<std::size_t>(t); }

constexpr Transport kTransports[] = {Transport::kUdp, Transport::kTcp, Transport::kTls};
constexpr Transport kStreamTransports[] = {Transport::kTcp, Transport::kTls};

std::runtime_error sys_error(const std::string& what) {
  return std::runtime_error(what + ": " + std::strerror(errno));
}

// The reserve descriptor: any cheap file will do.
core::UniqueFd open_reserve() { return core::UniqueFd(::open("/dev/null", O_RDONLY | O_CLOEXEC)); }

std::string descriptor_limit() {
  rlimit r{};
  if (::getrlimit(RLIMIT_NOFILE, &r) != 0 || r.rlim_cur == RLIM_INFINITY) return {};
  return " (ulimit -n " + std::to_string(r.rlim_cur) + ")";
}

int open_socket(int family, int type) {
  int fd = ::socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw sys_error("socket");
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  if (family == AF_INET6) ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  return fd;
}

// A socket bound to 0.0.0.0 or :: (it sends from whatever the route picks).
bool is_wildcard(const SocketAddress& a) { return a.ip() == "0.0.0.0" || a.ip() == "::"; }

constexpr std::size_t kMaxRouteSources = 4096;  // cached destinations; the cache restarts past it

}  // namespace

bool udp_send_error_is_loss(int error) {
  return error == EAGAIN || error == EWOULDBLOCK || error == ENOBUFS || error == ENOMEM;
}

TransportStats::TransportStats(core::MetricsRegistry& m, std::uint32_t w) {
  using core::MetricInfo;
  using core::MetricType;
  const MetricInfo received{std::string(metric::kMessagesReceived),
                            "SIP messages received (parsed and handed on), by transport and worker",
                            MetricType::kCounter, {}, true};
  const MetricInfo sent{std::string(metric::kMessagesSent),
                        "SIP messages sent: handed to the kernel, or sealed on an open TLS connection",
                        MetricType::kCounter};
  const MetricInfo errors{std::string(metric::kSendErrors),
                          "SIP messages that could not be sent (no socket, connect or handshake failed, send failed)",
                          MetricType::kCounter};
  for (Transport t : kTransports) {
    const core::MetricLabels l{{"transport", std::string(core::transport_name(t))}};
    rx_messages[idx(t)] = m.counter(received, l, w);
    tx_messages[idx(t)] = m.counter(sent, l, w);
    tx_errors[idx(t)] = m.counter(errors, l, w);
  }
  const MetricInfo parse_errors{std::string(metric::kParseErrors),
                                "received bytes that did not parse as SIP, by reason (dropped or answered)",
                                MetricType::kCounter};
  for (std::size_t e = 1; e < rx_malformed.size(); ++e)
    rx_malformed[e] =
        m.counter(parse_errors, {{"reason", std::string(offload::parse_error_name(static_cast<ParseError>(e)))}}, w);
  rx_answered_error = m.counter({std::string(metric::kParseErrorsAnswered),
                                 "parse errors answered with 400 or 513 (the rest are dropped)", MetricType::kCounter},
                                {}, w);
  const MetricInfo accepted{std::string(metric::kConnectionsAccepted), "inbound stream connections accepted",
                            MetricType::kCounter};
  const MetricInfo open{std::string(metric::kConnectionsOpen), "stream connections open now, inbound and outbound",
                        MetricType::kGauge};
  for (Transport t : kStreamTransports) {
    const core::MetricLabels l{{"transport", std::string(core::transport_name(t))}};
    tcp_accepted[idx(t)] = m.counter(accepted, l, w);
    connections_open[idx(t)] = m.gauge(open, l, w);
  }
  const MetricInfo dropped{std::string(metric::kConnectionsDropped),
                           "stream connections sipnic closed because of the peer's bytes, by reason",
                           MetricType::kCounter};
  tcp_closed_on_error = m.counter(dropped, {{"reason", "framing_error"}}, w);
  tcp_closed_slow = m.counter(dropped, {{"reason", "partial_message_timeout"}}, w);
  tcp_closed_no_first_message = m.counter(dropped, {{"reason", "no_first_message"}}, w);
  tcp_closed_output_full = m.counter(dropped, {{"reason", "output_full"}}, w);
  const MetricInfo refused{std::string(metric::kConnectionsRefused),
                           "inbound stream connections closed at accept, by reason (max-connections, "
                           "max-connections-per-source, no descriptor left)",
                           MetricType::kCounter};
  tcp_refused_node_limit = m.counter(refused, {{"reason", "node_limit"}}, w);
  tcp_refused_source_limit = m.counter(refused, {{"reason", "source_limit"}}, w);
  tcp_refused_no_fd = m.counter(refused, {{"reason", "no_descriptor"}}, w);
  accept_failures = m.counter({std::string(metric::kAcceptFailures),
                               "accept() calls that failed for want of descriptors or memory", MetricType::kCounter},
                              {}, w);
  accept_pauses = m.counter({std::string(metric::kAcceptPauses),
                             "times the listeners left the event loop for a back-off after accept() failed",
                             MetricType::kCounter},
                            {}, w);
  rx_stream_bytes = m.counter({std::string(metric::kStreamBytesReceived),
                               "bytes read from stream connections (TLS: record bytes)", MetricType::kCounter},
                              {}, w);
  const MetricInfo failures{std::string(metric::kTlsFailures),
                            "TLS connections that failed (handshake or records) or were refused, by reason",
                            MetricType::kCounter};
  for (std::size_t f = 1; f < tls_failures.size(); ++f)
    tls_failures[f] =
        m.counter(failures, {{"reason", std::string(secure_failure_name(static_cast<SecureFailure>(f)))}}, w);
  tls_handshake_timeouts = m.counter(failures, {{"reason", "timeout"}}, w);
  tls_rate_limited = m.counter(failures, {{"reason", "rate_limited"}}, w);
  tls_handshakes = m.counter({std::string(metric::kTlsHandshakes), "TLS handshakes completed (peer verified)",
                              MetricType::kCounter},
                             {}, w);
  tls_handshake_seconds = m.histogram({std::string(metric::kTlsHandshakeDuration),
                                       "time from a TLS connection's start to its completed handshake",
                                       MetricType::kHistogram,
                                       {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}},
                                      {}, w);
  keepalive_pings = m.counter({std::string(metric::kKeepalivePings),
                               "RFC 5626 CRLFCRLF keepalive pings sent on outbound streams", MetricType::kCounter},
                              {}, w);
  keepalive_pongs = m.counter({std::string(metric::kKeepalivePongs),
                               "RFC 5626 CRLF pongs sent in answer to pings received", MetricType::kCounter},
                              {}, w);
  parse_batch_segments = m.histogram({std::string(metric::kParseBatchSegments),
                                      "segments (datagrams, stream reads) per SIP parse-engine call",
                                      MetricType::kHistogram,
                                      core::kBatchSizeBuckets},
                                     {}, w);
}

struct TransportLayer::UdpSocket {
  core::UniqueFd fd;
  SocketAddress local;
};

struct TransportLayer::TcpListener {
  core::UniqueFd fd;
  SocketAddress local;
  Transport transport = Transport::kTcp;  // kTcp or kTls
};

struct TransportLayer::Connection {
  std::uint64_t id = 0;
  Transport transport = Transport::kTcp;  // kTcp or kTls
  std::unique_ptr<SecureStream> secure;   // kTls: the TLS session under the stream
  std::string trunk;                      // kTls: the trunk named by the trunk hint
  bool secure_dirty = false;              // kTls: has work for the turn's end
  core::EventLoop::TimerId handshake_timer = 0;
  core::Clock::time_point handshake_started{};  // kTls: for the handshake duration
  core::EventLoop::TimerId keepalive_timer = 0;
  core::UniqueFd fd;
  SocketAddress peer;
  SocketAddress local;
  bool connecting = false;
  bool outbound = false;
  bool want_write = false;
  bool closing = false;  // framing error answered: close once `out` drains
  bool queued = false;   // in this turn's parse batch
  bool peer_closed = false;  // EOF seen: close after the last bytes are parsed
  // Messages queued before the connection could carry them (connecting, TLS
  // handshaking): counted as sent once it can, as send errors if it fails.
  std::uint32_t unsent = 0;
  bool counted = false;      // inbound: holds a place in the ConnectionLimits
  std::string in;
  StreamFraming framing;  // where the partial message at the front of `in` stands
  std::string out;
  core::EventLoop::TimerId partial_timer = 0;
  core::EventLoop::TimerId idle_timer = 0;
  core::EventLoop::TimerId first_message_timer = 0;
};

TransportLayer::TransportLayer(std::uint32_t worker, core::EventLoop& loop, core::Log& log,
                               core::MetricsRegistry& metrics, offload::SipParseEngine& parser,
                               TransportOptions options)
    : worker_(worker),
      loop_(loop),
      log_(log),
      parser_(parser),
      options_(options),
      own_limiter_(options.tls_handshakes_per_second),
      own_limits_(options.max_connections, options.max_connections_per_source),
      stats_(metrics, worker) {
  // One extra byte per slot tells a datagram that was cut by the buffer size.
  rx_buffer_.resize(kUdpBatch * (options_.max_message_bytes + 1));
  reserve_fd_ = open_reserve();
  loop_.set_turn_end_hook([this] {
    parse_turn_batch();
    closed_.clear();
  });
}

TransportLayer::~TransportLayer() {
  loop_.set_turn_end_hook(nullptr);
  // An orderly end for TLS connections: close_notify, written best effort
  // (the node is stopping; nothing waits for the peer's answer).
  if (secure_) {
    for (auto& [id, c] : connections_)
      if (c->secure && c->secure->state() == SecureStream::State::kOpen) c->secure->close();
    secure_->run_batch();
    for (auto& [id, c] : connections_) {
      if (!c->secure || c->connecting) continue;
      c->secure->take_output(c->out);
      if (!c->out.empty()) ::send(c->fd.get(), c->out.data(), c->out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    }
  }
  for (auto& s : udp_) loop_.remove_fd(s->fd.get());
  for (auto& l : tcp_listeners_) loop_.remove_fd(l->fd.get());
  if (accept_resume_timer_) loop_.cancel_timer(accept_resume_timer_);
  for (auto& [id, c] : connections_) {
    loop_.remove_fd(c->fd.get());
    --stats_.connections_open[idx(c->transport)];
    cancel_timers(*c);
    if (c->counted) limits().release(c->peer);
  }
}

void TransportLayer::cancel_timers(Connection& c) {
  for (core::EventLoop::TimerId* t :
       {&c.partial_timer, &c.idle_timer, &c.handshake_timer, &c.keepalive_timer, &c.first_message_timer}) {
    if (*t) loop_.cancel_timer(*t);
    *t = 0;
  }
}

template <typename Fire>
void TransportLayer::arm_timer(Connection& c, core::EventLoop::TimerId Connection::*slot, std::uint32_t ms,
                               Fire fire) {
  if (ms == 0) return;
  const std::uint64_t id = c.id;
  c.*slot = loop_.add_timer(core::Millis(ms), [this, id, slot, fire = std::move(fire)] {
    auto it = connections_.find(id);
    if (it == connections_.end()) return;
    Connection& conn = *it->second;
    conn.*slot = 0;
    fire(conn);
  });
}

template <typename MakeMessage>
void TransportLayer::log_limited(core::LogLevel level, const std::string& key, MakeMessage&& message) {
  if (!log_.enabled(level)) return;
  log_limiter_.write(log_, level, "transport", key, message(), loop_.now());
}

void TransportLayer::listen(const core::ListenConfig& where) {
  auto addr = SocketAddress::from_ip(where.address.host, where.address.port);
  if (!addr) throw std::runtime_error("listen address is not an IP literal: " + where.address.host);
  std::string name = std::string(core::transport_name(where.transport)) + ":" + addr->to_string();
  if (where.transport == Transport::kUdp) {
    auto s = std::make_unique<UdpSocket>();
    s->fd.reset(open_socket(addr->family(), SOCK_DGRAM));
    if (::bind(s->fd.get(), addr->sa(), addr->len()) < 0) throw sys_error("bind " + name);
    int rcvbuf = 4 << 20;
    ::setsockopt(s->fd.get(), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    s->local = *addr;
    UdpSocket* raw = s.get();
    loop_.add_fd(s->fd.get(), EPOLLIN, [this, raw](std::uint32_t) { on_udp_readable(*raw); });
    udp_.push_back(std::move(s));
  } else {
    if (where.transport == Transport::kTls && !secure_)
      throw std::runtime_error("listen " + name + ": TLS is not configured (no [tls] certificate)");
    auto l = std::make_unique<TcpListener>();
    l->transport = where.transport;
    l->fd.reset(open_socket(addr->family(), SOCK_STREAM));
    if (::bind(l->fd.get(), addr->sa(), addr->len()) < 0) throw sys_error("bind " + name);
    if (::listen(l->fd.get(), 1024) < 0) throw sys_error("listen " + name);
    l->local = *addr;
    if (!accept_paused_) watch_listener(*l);
    tcp_listeners_.push_back(std::move(l));
  }
}

SocketAddress TransportLayer::local_address(Transport transport, int family) const {
  if (transport == Transport::kUdp) {
    for (const auto& s : udp_)
      if (s->local.family() == family) return s->local;
  } else {
    for (const auto& l : tcp_listeners_)
      if (l->local.family() == family && l->transport == transport) return l->local;
    // A node that only connects out over TLS still needs an address for Via
    // and Contact: its TCP, then UDP address (replies come back on the
    // connection anyway, RFC 3261 §18.2.2).
    if (transport == Transport::kTls) {
      if (auto a = local_address(Transport::kTcp, family); a.valid()) return a;
      return local_address(Transport::kUdp, family);
    }
  }
  return {};
}

void TransportLayer::set_trunk_local(std::string trunk, const SocketAddress& ip) {
  SocketAddress a = ip;
  a.set_port(0);
  trunk_local_[std::move(trunk)] = a;
}

SocketAddress TransportLayer::listen_address_at(Transport transport, const SocketAddress& ip) const {
  auto at = [&](const SocketAddress& bound) -> SocketAddress {
    if (bound.family() != ip.family()) return {};
    if (bound.same_ip(ip)) return bound;
    if (is_wildcard(bound) && !is_wildcard(ip)) {
      SocketAddress a = ip;
      a.set_port(bound.port());
      return a;
    }
    return {};
  };
  if (transport == Transport::kUdp) {
    for (const auto& s : udp_)
      if (auto a = at(s->local); a.valid()) return a;
    return {};
  }
  for (const auto& l : tcp_listeners_)
    if (l->transport == transport)
      if (auto a = at(l->local); a.valid()) return a;
  // As local_address: a TLS leg without a TLS listener names TCP, then UDP.
  if (transport == Transport::kTls) {
    if (auto a = listen_address_at(Transport::kTcp, ip); a.valid()) return a;
    return listen_address_at(Transport::kUdp, ip);
  }
  return {};
}

bool TransportLayer::several_ips(Transport transport, int family) const {
  SocketAddress first;
  auto differs = [&](const SocketAddress& a) {
    if (a.family() != family) return false;
    if (!first.valid()) first = a;
    return is_wildcard(a) || !a.same_ip(first);
  };
  if (transport == Transport::kUdp) {
    for (const auto& s : udp_)
      if (differs(s->local)) return true;
    return false;
  }
  for (const auto& l : tcp_listeners_)
    if (differs(l->local)) return true;
  return false;
}

SocketAddress TransportLayer::route_source(const SocketAddress& dest) const {
  SocketAddress key = dest;
  key.set_port(0);
  if (auto it = route_sources_.find(key); it != route_sources_.end()) return it->second;
  // A connected UDP socket sends nothing: connect() only runs the route
  // lookup, and getsockname() tells the source address it chose.
  SocketAddress source;
  core::UniqueFd fd(::socket(dest.family(), SOCK_DGRAM | SOCK_CLOEXEC, 0));
  SocketAddress probe = dest;
  if (probe.port() == 0) probe.set_port(5060);
  socklen_t len = SocketAddress::capacity();
  if (fd && ::connect(fd.get(), probe.sa(), probe.len()) == 0 && ::getsockname(fd.get(), source.sa(), &len) == 0) {
    source.set_port(0);
  } else {
    source = {};
  }
  if (route_sources_.size() >= kMaxRouteSources) route_sources_.clear();
  route_sources_.emplace(key, source);
  return source;
}

SocketAddress TransportLayer::source_for(Transport transport, const SocketAddress& dest, std::string_view trunk,
                                         const SocketAddress& local) const {
  SocketAddress ip;
  if (local.valid() && !is_wildcard(local)) {
    ip = local;
  } else if (auto it = trunk.empty() ? trunk_local_.end() : trunk_local_.find(trunk); it != trunk_local_.end()) {
    ip = it->second;
  } else if (dest.valid() && several_ips(transport, dest.family())) {
    ip = route_source(dest);
  }
  if (ip.valid() && (!dest.valid() || ip.family() == dest.family())) {
    if (auto a = listen_address_at(transport, ip); a.valid()) return a;
    // A leg on a transport its address has no listener of (an in-dialog next
    // hop with its own ;transport=): still that address, with the port of
    // another transport's listener there, never the other side's address.
    for (Transport other : kTransports)
      if (auto a = listen_address_at(other, ip); a.valid()) return a;
  }
  return local_address(transport, dest.valid() ? dest.family() : ip.family());
}

// ---- receive path ---------------------------------------------------------

void TransportLayer::on_udp_readable(UdpSocket& s) {
  const std::size_t slot = options_.max_message_bytes + 1;
  mmsghdr msgs[kUdpBatch];
  iovec iov[kUdpBatch];
  sockaddr_storage from[kUdpBatch];
  std::memset(msgs, 0, sizeof msgs);
  for (std::size_t i = 0; i < kUdpBatch; ++i) {
    iov[i].iov_base = rx_buffer_.data() + i * slot;
    iov[i].iov_len = slot;
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
    msgs[i].msg_hdr.msg_name = &from[i];
    msgs[i].msg_hdr.msg_namelen = sizeof from[i];
  }
  // Bounded: a flood on one socket must not starve the loop's other work.
  for (int round = 0; round < 8; ++round) {
    int n = ::recvmmsg(s.fd.get(), msgs, kUdpBatch, MSG_DONTWAIT, nullptr);
    if (n <= 0) return;
    for (int i = 0; i < n; ++i) {
      PendingSegment seg;
      seg.udp_local = s.local;
      seg.source = SocketAddress(reinterpret_cast<sockaddr*>(&from[i]), msgs[i].msg_hdr.msg_namelen);
      seg.offset = batch_bytes_.size();
      seg.length = msgs[i].msg_len;
      const std::uint8_t* p = rx_buffer_.data() + i * slot;
      batch_bytes_.insert(batch_bytes_.end(), p, p + msgs[i].msg_len);
      pending_.push_back(std::move(seg));
      msgs[i].msg_hdr.msg_namelen = sizeof from[i];
    }
    if (static_cast<std::size_t>(n) < kUdpBatch) return;
  }
}

// End of a loop turn: everything read during the turn, datagrams and stream
// bytes of every connection, goes to the parse engine as one batch (the
// offload contract: batch in, batch out; the latency bound is one turn).
void TransportLayer::parse_turn_batch() {
  process_secure_streams();
  parse_pending();
  // What the delivery sent on TLS connections is sealed in one more batch.
  process_secure_streams();
}

void TransportLayer::mark_secure_dirty(Connection& c) {
  if (c.secure_dirty) return;
  c.secure_dirty = true;
  secure_dirty_.push_back(c.id);
}

void TransportLayer::start_secure(Connection& c, std::unique_ptr<SecureStream> stream) {
  c.secure = std::move(stream);
  c.handshake_started = loop_.now();
  mark_secure_dirty(c);  // a client's ClientHello is waiting to be written
  arm_timer(c, &Connection::handshake_timer, options_.tls_handshake_timeout_ms, [this](Connection& conn) {
    if (conn.secure->state() != SecureStream::State::kHandshaking) return;
    ++stats_.tls_handshake_timeouts;
    log_limited(core::LogLevel::kInfo, "tls-handshake-timeout|" + conn.peer.ip(), [&] {
      return "tls " + conn.peer.to_string() + ": no complete handshake within " +
             std::to_string(options_.tls_handshake_timeout_ms) + " ms; closing";
    });
    report_failure(conn);
    close_connection(conn.id, "tls handshake timeout");
  });
}

// Runs the turn's record crypto for every TLS connection that had bytes in
// or out, then moves plaintext to the SIP stream buffers (queued for the
// parse batch) and records to the sockets.
void TransportLayer::process_secure_streams() {
  if (secure_dirty_.empty()) return;
  if (secure_) secure_->run_batch();
  std::vector<std::uint64_t> dirty;
  dirty.swap(secure_dirty_);
  for (std::uint64_t id : dirty) {
    auto it = connections_.find(id);
    if (it == connections_.end()) continue;
    Connection& c = *it->second;
    c.secure_dirty = false;
    std::size_t before = c.in.size();
    c.secure->take_plaintext(c.in);
    c.secure->take_output(c.out);
    auto state = c.secure->state();
    if (state != SecureStream::State::kHandshaking && c.handshake_timer) {
      loop_.cancel_timer(c.handshake_timer);
      c.handshake_timer = 0;
    }
    if (state == SecureStream::State::kOpen && c.handshake_started != core::Clock::time_point{}) {
      ++stats_.tls_handshakes;
      stats_.tls_handshake_seconds.observe(std::chrono::duration<double>(loop_.now() - c.handshake_started).count());
      c.handshake_started = {};
      count_unsent_as_sent(c);
    }
    if (!c.out.empty() && !c.connecting) {
      flush_connection(c);
      if (connections_.find(id) == connections_.end()) continue;
    }
    if (close_if_output_full(c)) continue;
    if (c.closing) {
      // After a framing error or a TLS close: nothing more is parsed, and the
      // connection goes once what was sealed for it is written.
      c.in.clear();
      c.framing.reset();
      if (c.out.empty()) close_connection(id, "closed after its last answer");
      continue;
    }
    if (state == SecureStream::State::kFailed || state == SecureStream::State::kClosing) {
      if (state == SecureStream::State::kFailed) {
        SecureFailure why = c.secure->failure();
        ++stats_.tls_failures[static_cast<std::size_t>(why == SecureFailure::kNone ? SecureFailure::kLocal : why)];
        report_failure(c);
        log_limited(core::LogLevel::kInfo, "tls-failed|" + c.peer.ip(),
                    [&] { return "tls " + c.peer.to_string() + ": " + c.secure->reason() + "; closing"; });
      }
      c.in.clear();
      c.framing.reset();
      if (c.out.empty() || c.connecting) {
        close_connection(id, "tls closed");
      } else {
        c.closing = true;  // closes once the alert is written
      }
      continue;
    }
    if (c.in.size() > before && !c.queued) {
      c.queued = true;
      PendingSegment seg;
      seg.connection = id;
      pending_.push_back(std::move(seg));
    } else if (c.peer_closed && !c.queued) {
      close_connection(id, "closed by peer");
    }
  }
}

void TransportLayer::parse_pending() {
  if (pending_.empty()) return;
  // Stream segments take their connection's unconsumed bytes now, if the
  // engine can find something new in them; the others wait for more bytes,
  // and nothing of them is copied or parsed again (sip/stream_framing.h).
  rx_segments_.clear();
  for (auto& seg : pending_) {
    if (seg.connection) {
      auto it = connections_.find(seg.connection);
      if (it == connections_.end()) continue;
      Connection& c = *it->second;
      if (!c.framing.ready(c.in, options_.max_message_bytes)) continue;
      seg.offset = batch_bytes_.size();
      seg.length = static_cast<std::uint32_t>(c.in.size());
      batch_bytes_.insert(batch_bytes_.end(), c.in.begin(), c.in.end());
    }
    seg.parsed = true;
    seg.result = static_cast<std::uint32_t>(rx_segments_.size());
    rx_segments_.push_back({seg.offset, seg.length, seg.connection ? offload::kSegmentStream : 0u});
  }
  rx_out_.clear();
  if (!rx_segments_.empty()) {
    stats_.parse_batch_segments.observe(static_cast<double>(rx_segments_.size()));
    parser_.parse(batch_bytes_, rx_segments_, rx_out_);
  }
  // Swap out the turn's state first: delivering may send, and a send never
  // reads, but a handler could run a nested turn in tests.
  std::vector<PendingSegment> segs;
  segs.swap(pending_);
  std::vector<std::uint8_t> bytes;
  bytes.swap(batch_bytes_);
  offload::SipParseOutput out;
  std::swap(out, rx_out_);
  for (const PendingSegment& seg : segs) {
    if (!seg.parsed) {
      finish_stream_unparsed(seg.connection);
      continue;
    }
    std::string_view text(reinterpret_cast<const char*>(bytes.data()) + seg.offset, seg.length);
    if (seg.connection) {
      finish_stream_segment(seg.connection, text, out, seg.result);
    } else {
      finish_datagram(seg, text, out, seg.result);
    }
  }
  // Keep the buffers' capacity for the next turn.
  segs.clear();
  if (pending_.empty()) pending_.swap(segs);
  bytes.clear();
  batch_bytes_.swap(bytes);
  out.clear();
  std::swap(out, rx_out_);
}

void TransportLayer::finish_datagram(const PendingSegment& seg, std::string_view text,
                                     const offload::SipParseOutput& out, std::size_t index) {
  const auto& r = out.segments[index];
  if (r.error != static_cast<std::uint8_t>(ParseError::kNone)) {
    auto err = static_cast<ParseError>(r.error);
    ++stats_.rx_malformed[std::min<std::size_t>(r.error, stats_.rx_malformed.size() - 1)];
    bool answered = answer_malformed(text, err, Transport::kUdp, seg.source, {});
    log_limited(core::LogLevel::kDebug, "udp-malformed|" + seg.source.ip(), [&] {
      return "udp from " + seg.source.to_string() + ": malformed message (" +
             std::string(offload::parse_error_reason(err)) + " at offset " + std::to_string(r.error_offset) + ")" +
             (answered ? ", answered" : ", dropped");
    });
    return;
  }
  // A datagram of only CRLF keepalive bytes yields no message and no error.
  deliver(text, out, index, Transport::kUdp, seg.source, seg.udp_local, {});
}

void TransportLayer::deliver(std::string_view segment, const offload::SipParseOutput& out,
                             std::size_t seg_index, Transport transport, const SocketAddress& source,
                             const SocketAddress& local, ConnectionRef conn, const std::string& trunk) {
  const auto& r = out.segments[seg_index];
  for (std::uint32_t m = 0; m < r.message_count; ++m) {
    const auto& rec = out.messages[r.first_message + m];
    Received rx;
    rx.message = SipMessage::from_batch(segment, rec, out.headers);
    rx.transport = transport;
    rx.source = source;
    rx.local = local;
    rx.connection = conn;
    rx.trunk = trunk;
    ++stats_.rx_messages[idx(transport)];
    if (handler_) handler_(std::move(rx));
  }
}

bool TransportLayer::answer_malformed(std::string_view raw, ParseError error, Transport transport,
                                      const SocketAddress& source, ConnectionRef conn) {
  int status = 400;
  std::string reason;
  switch (error) {
    case ParseError::kMessageTooLarge:
    case ParseError::kHeaderTooLong:
      status = 513;
      break;
    case ParseError::kBadStartLine:
    case ParseError::kBareLf:
    case ParseError::kBadBytes:
      return false;  // not safely answerable: the start line or framing is unreliable
    default:
      reason = "Bad Request (" + std::string(offload::parse_error_reason(error)) + ")";
      break;
  }
  auto response = build_response_from_raw(raw, status, reason, &source);
  if (!response) return false;
  ++stats_.rx_answered_error;
  send(transport, source, conn, std::move(*response));
  return true;
}

bool HandshakeLimiter::admit(const SocketAddress& peer, core::Clock::time_point now) {
  if (rate_ == 0) return true;
  const double rate = rate_;
  const double burst = rate * 2;
  SocketAddress key = peer;
  key.set_port(0);
  std::lock_guard lock(mutex_);
  if (buckets_.size() > 65536) {
    // Forget addresses idle long enough to have refilled (bounded memory).
    for (auto it = buckets_.begin(); it != buckets_.end();) {
      double idle = std::chrono::duration<double>(now - it->second.last).count();
      it = idle * rate >= burst ? buckets_.erase(it) : std::next(it);
    }
  }
  auto [it, fresh] = buckets_.try_emplace(key, Bucket{burst, now});
  Bucket& b = it->second;
  if (!fresh) {
    double elapsed = std::chrono::duration<double>(now - b.last).count();
    b.tokens = std::min(burst, b.tokens + elapsed * rate);
    b.last = now;
  }
  if (b.tokens < 1.0) return false;
  b.tokens -= 1.0;
  return true;
}

bool HandshakeLimiter::should_warn(const SocketAddress& peer, core::Clock::time_point now) {
  SocketAddress key = peer;
  key.set_port(0);
  std::lock_guard lock(mutex_);
  Bucket& b = buckets_[key];
  if (b.warned_at != core::Clock::time_point{} && b.warned_at + std::chrono::seconds(10) > now) return false;
  b.warned_at = now;
  return true;
}

bool TransportLayer::admit_handshake(const SocketAddress& peer) {
  HandshakeLimiter& limiter = limiter_ ? *limiter_ : own_limiter_;
  auto now = loop_.now();
  if (limiter.admit(peer, now)) return true;
  if (limiter.should_warn(peer, now)) {
    log_.warn("transport", "tls handshakes from " + peer.ip() + " over " + std::to_string(limiter.rate()) +
                               "/s: refusing connections (logged once per 10 s)");
  }
  return false;
}

void TransportLayer::watch_listener(TcpListener& l) {
  TcpListener* raw = &l;
  loop_.add_fd(l.fd.get(), EPOLLIN, [this, raw](std::uint32_t) { on_accept(*raw); });
}

void TransportLayer::on_accept(TcpListener& l) {
  for (int i = 0; i < 64; ++i) {
    SocketAddress peer;
    socklen_t len = SocketAddress::capacity();
    core::UniqueFd fd(::accept4(l.fd.get(), peer.sa(), &len, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!fd) {
      const int error = errno;
      if (error == EAGAIN || error == EWOULDBLOCK) return;
      // That connection is gone (aborted, or a network error accept(2) passes
      // on): the next one may be fine.
      if (error == EINTR || error == ECONNABORTED || error == EPROTO || error == EPERM || error == ENETDOWN ||
          error == ENOPROTOOPT || error == EHOSTDOWN || error == ENONET || error == EHOSTUNREACH ||
          error == EOPNOTSUPP || error == ENETUNREACH)
        continue;
      // Out of descriptors or memory (or anything else): the listener stays
      // readable, so returning alone would spin the loop.
      accept_failed(l, error);
      return;
    }
    ++stats_.tcp_accepted[idx(l.transport)];
    if (std::uint64_t refused = 0; limits().end_descriptor_shortage(refused)) {
      log_limited(core::LogLevel::kInfo, "accept-recovered", [&] {
        return "accepting connections again (" + std::to_string(refused) + " refused while out of descriptors)";
      });
    }
    if (!admit_connection(l, peer)) continue;  // fd closes here
    auto& c = add_connection(std::move(fd), peer, false, l.transport);
    c.counted = true;
    c.local = l.local;
    arm_first_message_timer(c);
    if (l.transport == Transport::kTls) start_secure(c, secure_->accept(l.local, peer));
  }
}

// The node's limits, then (TLS) the handshake rate: a refused connection is
// closed before it costs anything else.
bool TransportLayer::admit_connection(const TcpListener& l, const SocketAddress& peer) {
  ConnectionLimits& limits = this->limits();
  switch (limits.admit(peer)) {
    case ConnectionLimits::Verdict::kAdmitted:
      break;
    case ConnectionLimits::Verdict::kNodeFull:
      ++stats_.tcp_refused_node_limit;
      log_limited(core::LogLevel::kWarn, "node-full", [&] {
        return std::string(core::transport_name(l.transport)) + " from " + peer.to_string() + " refused: " +
               std::to_string(limits.max_total()) + " connections open (max-connections)";
      });
      return false;
    case ConnectionLimits::Verdict::kSourceFull:
      ++stats_.tcp_refused_source_limit;
      log_limited(core::LogLevel::kWarn, "source-full|" + peer.ip(), [&] {
        return std::string(core::transport_name(l.transport)) + " from " + peer.to_string() + " refused: " +
               std::to_string(limits.max_per_source()) + " connections open from " + peer.ip() +
               " (max-connections-per-source)";
      });
      return false;
  }
  if (l.transport == Transport::kTls && !admit_handshake(peer)) {
    // A flood of handshakes from one address costs sipnic CPU (key
    // exchange, signatures): refused before any TLS work.
    ++stats_.tls_rate_limited;
    limits.release(peer);
    return false;
  }
  return true;
}

void TransportLayer::accept_failed(TcpListener& l, int error) {
  ++stats_.accept_failures;
  if (limits().start_descriptor_shortage(loop_.now())) {
    // One line per spell for the whole node (at most one per interval and
    // worker if spells flap).
    log_limited(core::LogLevel::kWarn, "accept-failed", [&] {
      std::string limit = error == EMFILE ? descriptor_limit() : std::string();
      return std::string(core::transport_name(l.transport)) + ":" + l.local.to_string() +
             ": cannot accept connections: " + std::strerror(error) + limit +
             "; refusing new connections until descriptors free up";
    });
  }
  if (error == EMFILE || error == ENFILE) shed_pending(l);
  pause_accepting();
}

// Out of descriptors, waiting connections would sit in the backlog until they
// time out: each is accepted on the reserve descriptor and closed at once, so
// that its peer learns now (and a SIP client tries its next target).
void TransportLayer::shed_pending(TcpListener& l) {
  for (int i = 0; i < 64 && reserve_fd_; ++i) {
    reserve_fd_.reset();
    const core::UniqueFd fd(::accept4(l.fd.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (fd) {
      ++stats_.tcp_refused_no_fd;
      limits().count_refused_while_short();
    }
    // Another thread may take the freed slot first: then the reserve is
    // reopened when accepting resumes.
    reserve_fd_ = open_reserve();
    if (!fd) return;  // the backlog is empty (or the slot went elsewhere)
  }
}

void TransportLayer::pause_accepting() {
  if (accept_paused_) return;
  accept_paused_ = true;
  ++stats_.accept_pauses;
  for (auto& l : tcp_listeners_) loop_.remove_fd(l->fd.get());
  accept_resume_timer_ = loop_.add_timer(core::Millis(options_.accept_pause_ms), [this] {
    accept_resume_timer_ = 0;
    resume_accepting();
  });
}

void TransportLayer::resume_accepting() {
  if (!accept_paused_) return;
  accept_paused_ = false;
  if (accept_resume_timer_) loop_.cancel_timer(std::exchange(accept_resume_timer_, 0));
  if (!reserve_fd_) reserve_fd_ = open_reserve();
  // Level-triggered: a connection that waited in the backlog is accepted on
  // the next turn.
  for (auto& l : tcp_listeners_) watch_listener(*l);
}

// A connection that never sends a complete SIP message holds a descriptor
// and a place in the limits for nothing: a short timer from the accept,
// cancelled by the first message (keepalive pings do not count).
void TransportLayer::arm_first_message_timer(Connection& c) {
  arm_timer(c, &Connection::first_message_timer, options_.first_message_timeout_ms, [this](Connection& conn) {
    ++stats_.tcp_closed_no_first_message;
    log_limited(core::LogLevel::kInfo, "no-first-message|" + conn.peer.ip(), [&] {
      return std::string(core::transport_name(conn.transport)) + " from " + conn.peer.to_string() +
             ": no complete SIP message within " + std::to_string(options_.first_message_timeout_ms) +
             " ms of the accept; closing";
    });
    close_connection(conn.id, "no first message");
  });
}

TransportLayer::Connection& TransportLayer::add_connection(core::UniqueFd fd, const SocketAddress& peer,
                                                           bool connecting, Transport transport) {
  int one = 1;
  ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  auto c = std::make_unique<Connection>();
  c->id = (static_cast<std::uint64_t>(worker_) << 48) | next_connection_++;
  c->fd = std::move(fd);
  c->peer = peer;
  c->connecting = connecting;
  c->outbound = connecting;
  c->transport = transport;
  std::uint64_t id = c->id;
  Connection& ref = *c;
  connections_.emplace(id, std::move(c));
  ++stats_.connections_open[idx(transport)];
  loop_.add_fd(ref.fd.get(), EPOLLIN | EPOLLRDHUP | (connecting ? EPOLLOUT : 0u),
               [this, id](std::uint32_t ev) { on_connection_event(id, ev); });
  ref.want_write = connecting;
  if (options_.tcp_idle_timeout_ms) {
    ref.idle_timer = loop_.add_timer(core::Millis(options_.tcp_idle_timeout_ms), [this, id] {
      auto it = connections_.find(id);
      if (it != connections_.end()) {
        it->second->idle_timer = 0;
        close_connection(id, "idle timeout");
      }
    });
  }
  return ref;
}

void TransportLayer::on_connection_event(std::uint64_t id, std::uint32_t events) {
  auto it = connections_.find(id);
  if (it == connections_.end()) return;
  Connection& c = *it->second;
  if (c.connecting && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(c.fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      log_limited(core::LogLevel::kWarn, "connect|" + c.peer.to_string(), [&] {
        return std::string(core::transport_name(c.transport)) + " connect to " + c.peer.to_string() +
               " failed: " + std::strerror(err);
      });
      report_failure(c);  // the queued messages count as send errors at the close
      close_connection(id, "connect failed");
      return;
    }
    c.connecting = false;
    if (!c.secure) count_unsent_as_sent(c);
    SocketAddress local;
    socklen_t llen = SocketAddress::capacity();
    ::getsockname(c.fd.get(), local.sa(), &llen);
    c.local = local;
  }
  if (events & EPOLLOUT) {
    flush_connection(c);
    if (connections_.find(id) == connections_.end()) return;
  }
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) read_connection(c);
}

void TransportLayer::read_connection(Connection& c) {
  std::uint64_t id = c.id;
  char buf[65536];
  bool closed = false;
  for (int round = 0; round < 16; ++round) {
    if (c.secure) {
      // Raw TLS bytes, read straight into the stream's input buffer; the
      // session decrypts them at the turn's end (batched).
      const std::span<char> space = c.secure->receive_space(sizeof buf);
      const ssize_t n = ::read(c.fd.get(), space.data(), space.size());
      const int read_errno = errno;  // commit_received may run OpenSSL, which may touch errno
      c.secure->commit_received(n > 0 ? static_cast<std::size_t>(n) : 0);
      if (n > 0) {
        stats_.rx_stream_bytes += static_cast<std::uint64_t>(n);
        mark_secure_dirty(c);
        if (static_cast<std::size_t>(n) < space.size()) break;
        continue;
      }
      if (n == 0) closed = true;
      else if (read_errno != EAGAIN && read_errno != EWOULDBLOCK && read_errno != EINTR) closed = true;
      break;
    }
    ssize_t n = ::read(c.fd.get(), buf, sizeof buf);
    if (n > 0) {
      stats_.rx_stream_bytes += static_cast<std::uint64_t>(n);
      c.in.append(buf, static_cast<std::size_t>(n));
      if (static_cast<std::size_t>(n) < sizeof buf) break;
      continue;
    }
    if (n == 0) closed = true;
    else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) closed = true;
    break;
  }
  if (options_.tcp_idle_timeout_ms && c.idle_timer) {
    loop_.cancel_timer(c.idle_timer);
    c.idle_timer = loop_.add_timer(core::Millis(options_.tcp_idle_timeout_ms), [this, id] {
      auto it = connections_.find(id);
      if (it != connections_.end()) {
        it->second->idle_timer = 0;
        close_connection(id, "idle timeout");
      }
    });
  }
  c.peer_closed = c.peer_closed || closed;
  if (c.secure) {
    // Plaintext, if any, reaches c.in in process_secure_streams() at the turn's end.
    if (c.peer_closed && !c.secure_dirty) close_connection(id, "closed by peer");
    return;
  }
  if (!c.in.empty()) {
    // Parsed at the end of this turn, with everything else read in it.
    if (!c.queued) {
      c.queued = true;
      PendingSegment seg;
      seg.connection = id;
      pending_.push_back(std::move(seg));
    }
    return;
  }
  if (c.peer_closed) close_connection(id, "closed by peer");
}

// CRLFCRLF keepalive pings (RFC 5626 §3.5.1) between the messages of a stream
// segment and in the CR/LF run after the last one. Complete pings only: the
// bytes of an unfinished one stay in the connection's buffer, so that the
// next read completes it. Returns the pings and how many leading bytes of the
// segment are done with (messages and whole pings).
TransportLayer::KeepaliveScan TransportLayer::scan_keepalives(std::string_view text,
                                                              const offload::SipParseOutput& out,
                                                              std::size_t index) {
  const auto& r = out.segments[index];
  std::size_t pings = 0;
  std::size_t pos = 0;
  for (std::uint32_t m = 0; m < r.message_count; ++m) {
    const auto& rec = out.messages[r.first_message + m];
    if (rec.start > pos) pings += count_pings(text.substr(pos, rec.start - pos));
    pos = rec.start + rec.total_len;
  }
  KeepaliveScan tail = scan_crlf_run(text, pos);
  tail.pings += pings;
  return tail;
}

// The whole pings in the run of CR/LF bytes at `pos`.
TransportLayer::KeepaliveScan TransportLayer::scan_crlf_run(std::string_view text, std::size_t pos) {
  pos = std::min(pos, text.size());
  const std::string_view tail = text.substr(pos);
  std::size_t crlf = tail.find_first_not_of("\r\n");
  if (crlf == std::string_view::npos) crlf = tail.size();
  const std::size_t whole = crlf - crlf % 4;
  return {count_pings(tail.substr(0, whole)), pos + whole};
}

void TransportLayer::finish_stream_segment(std::uint64_t id, std::string_view text,
                                          const offload::SipParseOutput& out, std::size_t index) {
  auto found = connections_.find(id);
  if (found == connections_.end()) return;  // closed during the turn
  Connection& c = *found->second;
  c.queued = false;
  const auto& r = out.segments[index];
  ConnectionRef ref{worker_, id};
  // Deliver before acting on an error: complete messages ahead of it are good.
  // `text` is the batch's copy of c.in as it was at the end of the turn.
  std::string_view in = text;
  KeepaliveScan keepalive = scan_keepalives(in, out, index);
  deliver(in, out, index, c.transport, c.peer, c.local, ref, c.secure ? c.secure->trunk() : std::string());
  auto it = connections_.find(id);
  if (it == connections_.end()) return;
  Connection& conn = *it->second;
  if (r.message_count > 0 && conn.first_message_timer) {
    loop_.cancel_timer(std::exchange(conn.first_message_timer, 0));
  }
  if (r.error != static_cast<std::uint8_t>(ParseError::kNone)) {
    auto err = static_cast<ParseError>(r.error);
    ++stats_.rx_malformed[std::min<std::size_t>(r.error, stats_.rx_malformed.size() - 1)];
    std::string_view rest = std::string_view(in).substr(r.consumed);
    answer_malformed(rest, err, conn.transport, conn.peer, ref);
    log_limited(core::LogLevel::kInfo, "framing|" + conn.peer.ip(), [&] {
      return std::string(core::transport_name(conn.transport)) + " from " + conn.peer.to_string() + ": " +
             std::string(offload::parse_error_reason(err)) + " at offset " + std::to_string(r.error_offset) +
             "; closing the connection";
    });
    ++stats_.tcp_closed_on_error;
    close_after_answer(conn, "framing error");
    return;
  }
  // The engine has seen every byte of `in`; a partial message at its end
  // waits for more, at the resume point the engine gave for it.
  conn.framing.after_parse(in.size(), r.consumed, r.pending_total_len);
  settle_stream(conn, keepalive.done, keepalive.pings, r.message_count);
}

// New bytes that cannot complete anything yet (the engine was not asked):
// the keepalives before the pending message are answered as after a parse.
void TransportLayer::finish_stream_unparsed(std::uint64_t id) {
  auto it = connections_.find(id);
  if (it == connections_.end()) return;  // closed during the turn
  Connection& c = *it->second;
  c.queued = false;
  const KeepaliveScan keepalive = scan_crlf_run(c.in, 0);
  settle_stream(c, keepalive.done, keepalive.pings, 0);
}

// After a look at a stream connection's new bytes: messages and whole pings
// (`done` leading bytes) leave the buffer; a partial message (and a ping cut
// short by the read, "\r\n\r") waits for the next read, held against the
// size limit and the partial-message timer.
void TransportLayer::settle_stream(Connection& conn, std::size_t done, std::size_t pings,
                                   std::uint32_t messages) {
  const std::uint64_t id = conn.id;
  const ConnectionRef ref{worker_, id};
  conn.in.erase(0, done);
  conn.framing.drop_front(done);
  // RFC 5626 §4.4.1: each CRLFCRLF ping is answered with a CRLF pong.
  for (std::size_t i = 0; i < pings; ++i) {
    ++stats_.keepalive_pongs;
    send(conn.transport, conn.peer, ref, "\r\n");
  }
  if (connections_.find(id) == connections_.end()) return;
  if (conn.in.size() > options_.max_message_bytes) {
    answer_malformed(conn.in, ParseError::kMessageTooLarge, conn.transport, conn.peer, ref);
    ++stats_.tcp_closed_on_error;
    close_after_answer(conn, "message too large");
    return;
  }
  // The timer times the partial message now at the front: one that was
  // running for a message that has completed since stops, so a busy
  // connection whose reads end inside messages is not taken for a slow one.
  if ((conn.in.empty() || messages > 0) && conn.partial_timer) {
    loop_.cancel_timer(conn.partial_timer);
    conn.partial_timer = 0;
  }
  if (!conn.in.empty()) arm_partial_timer(conn);
  if (conn.peer_closed) close_connection(id, "closed by peer");
}

// A stream after a framing error (answered or not): nothing more of it is
// parsed; it closes once the answer is out (TLS: sealed at the turn's end,
// process_secure_streams), reading nothing more meanwhile.
void TransportLayer::close_after_answer(Connection& c, const char* why) {
  c.in.clear();
  c.framing.reset();
  if (c.out.empty() && !c.secure_dirty) {
    close_connection(c.id, why);
    return;
  }
  c.closing = true;
  ::shutdown(c.fd.get(), SHUT_RD);
}

// RFC 5626 §4.4.1: an outbound stream to a trunk sends a CRLFCRLF ping every
// keepalive interval, which keeps NATs and the peer's idle timers open.
void TransportLayer::arm_keepalive(Connection& c) {
  arm_timer(c, &Connection::keepalive_timer, options_.keepalive_interval_ms, [this](Connection& conn) {
    if (conn.closing) return;
    const std::uint64_t id = conn.id;
    ++stats_.keepalive_pings;
    send(conn.transport, conn.peer, ConnectionRef{worker_, id}, "\r\n\r\n");
    if (connections_.count(id)) arm_keepalive(*connections_[id]);
  });
}

void TransportLayer::arm_partial_timer(Connection& c) {
  if (c.partial_timer) return;
  arm_timer(c, &Connection::partial_timer, options_.partial_message_timeout_ms, [this](Connection& conn) {
    if (conn.in.empty()) return;
    ++stats_.tcp_closed_slow;
    log_limited(core::LogLevel::kInfo, "partial|" + conn.peer.ip(), [&] {
      return std::string(core::transport_name(conn.transport)) + " from " + conn.peer.to_string() +
             ": partial message held too long; closing the connection";
    });
    close_connection(conn.id, "partial message timeout");
  });
}


// ---- send path ------------------------------------------------------------

bool TransportLayer::send(Transport transport, const SocketAddress& dest, ConnectionRef via,
                          std::string bytes, std::string_view trunk, const SocketAddress& local) {
  if (transport == Transport::kUdp) {
    const SocketAddress from = source_for(transport, dest, trunk, local);
    // The socket bound to the leg's address (a wildcard one serves any).
    UdpSocket* socket = nullptr;
    for (auto& s : udp_) {
      if (s->local.family() != dest.family()) continue;
      if (s->local == from || (is_wildcard(s->local) && s->local.port() == from.port())) {
        socket = s.get();
        break;
      }
      if (!socket) socket = s.get();
    }
    if (UdpSocket* s = socket) {
      ssize_t n = ::sendto(s->fd.get(), bytes.data(), bytes.size(), MSG_DONTWAIT, dest.sa(), dest.len());
      if (n < 0) {
        const int error = errno;
        ++stats_.tx_errors[idx(transport)];
        log_limited(core::LogLevel::kDebug, "udp-send|" + dest.ip(),
                    [&] { return "udp send to " + dest.to_string() + " failed: " + std::strerror(error); });
        return udp_send_error_is_loss(error);
      }
      ++stats_.tx_messages[idx(transport)];
      return true;
    }
    ++stats_.tx_errors[idx(transport)];
    log_limited(core::LogLevel::kWarn, "udp-family|" + std::to_string(dest.family()),
                [&] { return "no udp socket of the family of " + dest.to_string(); });
    return false;
  }
  if (via.valid() && via.worker != worker_) {
    if (via.worker >= peers_.size()) return false;
    TransportLayer* owner = peers_[via.worker];
    owner->loop().post([owner, transport, dest, via, b = std::move(bytes), t = std::string(trunk), local]() mutable {
      owner->send(transport, dest, via, std::move(b), t, local);
    });
    return true;
  }
  Connection* c = nullptr;
  if (via.valid()) {
    auto it = connections_.find(via.id);
    if (it != connections_.end()) c = it->second.get();
  }
  const SocketAddress from = c ? SocketAddress{} : source_for(transport, dest, trunk, local);
  if (!c) c = connection_to(transport, dest, trunk, from);
  if (!c) {
    if (transport == Transport::kTls && !secure_) {
      ++stats_.tx_errors[idx(transport)];
      log_limited(core::LogLevel::kWarn, "tls-unconfigured|" + dest.to_string(),
                  [&] { return "tls to " + dest.to_string() + ": TLS is not configured"; });
      return false;
    }
    // One line per peer per interval, however many requests fail on it (a
    // dead trunk is tried for every call).
    auto connect_failed = [&](const char* step, int error) {
      ++stats_.tx_errors[idx(transport)];
      log_limited(core::LogLevel::kWarn, "connect|" + dest.to_string(), [&] {
        return std::string(core::transport_name(transport)) + " connect to " + dest.to_string() + " failed" + step +
               ": " + std::strerror(error);
      });
    };
    core::UniqueFd fd(::socket(dest.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd) {
      connect_failed(" (no socket)", errno);
      return false;
    }
    // The leg's own address, any port (the kernel picks it at connect time,
    // not now, so that ports are not used up by bind alone).
    SocketAddress bind_to = from;
    const bool bind_leg = bind_to.valid() && !is_wildcard(bind_to);
    if (bind_leg) {
      int one = 1;
      bind_to.set_port(0);
      ::setsockopt(fd.get(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
      if (::bind(fd.get(), bind_to.sa(), bind_to.len()) < 0) {
        connect_failed(" (bind to the leg's address)", errno);
        return false;
      }
    }
    if (::connect(fd.get(), dest.sa(), dest.len()) < 0 && errno != EINPROGRESS) {
      connect_failed("", errno);
      return false;
    }
    c = &add_connection(std::move(fd), dest, true, transport);
    if (bind_leg) c->local = bind_to;
    c->trunk = std::string(trunk);
    arm_keepalive(*c);
    outbound_by_peer_[dest] = c->id;
    if (transport == Transport::kTls) start_secure(*c, secure_->connect(dest, trunk));
  }
  count_sent(*c);
  const std::uint64_t id = c->id;
  if (c->secure) {
    // Sealed at the turn's end, with every other connection's records.
    c->secure->send(bytes);
    mark_secure_dirty(*c);
  } else {
    c->out += bytes;
    if (!c->connecting) flush_connection(*c);
    if (!connections_.count(id)) return false;  // the write failed: closed
  }
  return !close_if_output_full(*c);
}

std::size_t TransportLayer::output_bytes(const Connection& c) const {
  return c.out.size() + (c.secure ? c.secure->pending_bytes() : 0);
}

// A peer that does not read (or reads slower than it makes sipnic answer)
// would have sipnic buffer without limit.
bool TransportLayer::close_if_output_full(Connection& c) {
  const std::size_t waiting = output_bytes(c);
  if (options_.max_output_buffer_bytes == 0 || waiting <= options_.max_output_buffer_bytes) return false;
  ++stats_.tcp_closed_output_full;
  log_limited(core::LogLevel::kWarn, "output-full|" + c.peer.ip(), [&] {
    return std::string(core::transport_name(c.transport)) + " " + c.peer.to_string() + ": " +
           std::to_string(waiting) + " bytes waiting to be written, over max-output-buffer (" +
           std::to_string(options_.max_output_buffer_bytes) + "): the peer is not reading; closing";
  });
  report_failure(c);
  close_connection(c.id, "output buffer full");
  return true;
}

TransportLayer::Connection* TransportLayer::connection_to(Transport transport, const SocketAddress& dest,
                                                          std::string_view trunk, const SocketAddress& local) {
  // A connection from another of the node's addresses is no connection of
  // this leg (it would show the peer the other side's address).
  auto other_side = [&](const Connection& c) {
    return local.valid() && !is_wildcard(local) && c.local.valid() && !is_wildcard(c.local) &&
           !c.local.same_ip(local);
  };
  auto it = outbound_by_peer_.find(dest);
  if (it != outbound_by_peer_.end()) {
    auto c = connections_.find(it->second);
    if (c != connections_.end() && c->second->transport == transport && !other_side(*c->second))
      return c->second.get();
    if (c == connections_.end()) outbound_by_peer_.erase(it);
  }
  for (auto& [id, c] : connections_) {
    if (c->transport != transport || c->closing || other_side(*c)) continue;
    // RFC 3261 §18.1.1: an inbound connection from that peer address serves too.
    if (c->peer == dest) return c.get();
    // RFC 5923: a TLS connection whose peer proved to be this trunk serves
    // requests in the other direction, whatever port it came from.
    if (transport == Transport::kTls && !trunk.empty() && c->secure &&
        c->secure->state() == SecureStream::State::kOpen && c->secure->trunk() == trunk)
      return c.get();
  }
  return nullptr;
}

void TransportLayer::flush_connection(Connection& c) {
  std::uint64_t id = c.id;
  while (!c.out.empty()) {
    ssize_t n = ::send(c.fd.get(), c.out.data(), c.out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      c.out.erase(0, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    ++stats_.tx_errors[idx(c.transport)];
    report_failure(c);
    close_connection(id, "send failed");
    return;
  }
  bool want = !c.out.empty();
  if (want != c.want_write) {
    c.want_write = want;
    loop_.modify_fd(c.fd.get(), EPOLLIN | EPOLLRDHUP | (want ? EPOLLOUT : 0u));
  }
  // A connection closing after a framing error goes once its answer is out.
  if (!want && c.closing) close_connection(id, "framing error");
}

// A message on a stream counts as sent once the connection can carry it: a
// request queued behind a connect or a TLS handshake that then fails was
// never sent, and counts as a send error instead (close_connection).
void TransportLayer::count_sent(Connection& c) {
  const bool waiting = c.connecting || (c.secure && c.secure->state() == SecureStream::State::kHandshaking);
  if (waiting) {
    ++c.unsent;
  } else {
    ++stats_.tx_messages[idx(c.transport)];
  }
}

void TransportLayer::count_unsent_as_sent(Connection& c) {
  stats_.tx_messages[idx(c.transport)] += c.unsent;
  c.unsent = 0;
}

void TransportLayer::report_failure(const Connection& c) {
  if (!c.outbound || !failure_handler_) return;
  // Posted: the handler may send again (the next target), which must not
  // happen while this connection is still being torn down.
  loop_.post([this, transport = c.transport, peer = c.peer] { failure_handler_(transport, peer); });
}

void TransportLayer::close_connection(std::uint64_t id, const char* why) {
  auto it = connections_.find(id);
  if (it == connections_.end()) return;
  Connection& c = *it->second;
  log_.debug("transport", std::string(core::transport_name(c.transport)) + " " + c.peer.to_string() +
                              " closed: " + why);
  loop_.remove_fd(c.fd.get());
  stats_.tx_errors[idx(c.transport)] += c.unsent;
  --stats_.connections_open[idx(c.transport)];
  cancel_timers(c);
  auto ob = outbound_by_peer_.find(c.peer);
  if (ob != outbound_by_peer_.end() && ob->second == id) outbound_by_peer_.erase(ob);
  if (c.counted) {
    limits().release(c.peer);
    c.counted = false;
  }
  // The descriptor and the buffers go now; the object at the turn's end.
  c.fd.reset();
  std::string().swap(c.in);
  std::string().swap(c.out);
  closed_.push_back(std::move(it->second));
  connections_.erase(it);
  // A descriptor came free: if accept() had run out, try again now.
  if (accept_paused_) resume_accepting();
}

}  // namespace sipnic::sip
