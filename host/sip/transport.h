// Transports of one worker: UDP sockets and TCP listeners bound with
// SO_REUSEPORT (every worker binds the same addresses; the kernel spreads
// datagrams and connections), TCP connections with stream framing, and the
// parse batch that turns received bytes into indexed messages: everything read
// in one event-loop turn is parsed in one SipParseEngine call at the turn's
// end (a stream connection's bytes only once they can complete something:
// sip/stream_framing.h).
//
// Thread model: a TransportLayer lives on one worker's EventLoop and is used from
// that thread only. A send on a connection owned by another worker is posted to
// that worker's loop.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/config.h"
#include "core/event_loop.h"
#include "core/log.h"
#include "core/log_limiter.h"
#include "core/metrics.h"
#include "core/socket_address.h"
#include "core/unique_fd.h"
#include "offload/sip_parse_engine.h"
#include "sip/connection_limits.h"
#include "sip/message.h"
#include "sip/secure_stream.h"

namespace sipnic::sip {

// Names a stream connection across workers. id 0: none (datagram).
struct ConnectionRef {
  std::uint32_t worker = 0;
  std::uint64_t id = 0;
  bool valid() const { return id != 0; }
};

struct Received {
  SipMessage message;
  core::Transport transport = core::Transport::kUdp;
  core::SocketAddress source;
  core::SocketAddress local;
  ConnectionRef connection;  // stream transports: the connection it came on
  std::string trunk;         // TLS: the trunk the peer's certificate identifies
};

// Names of the transport's figures in the node's registry (every metric:
// docs/operations.md).
namespace metric {
inline constexpr std::string_view kMessagesReceived = "sipnic_sip_messages_received_total";
inline constexpr std::string_view kMessagesSent = "sipnic_sip_messages_sent_total";
inline constexpr std::string_view kSendErrors = "sipnic_sip_send_errors_total";
inline constexpr std::string_view kParseErrors = "sipnic_sip_parse_errors_total";
inline constexpr std::string_view kParseErrorsAnswered = "sipnic_sip_parse_errors_answered_total";
inline constexpr std::string_view kConnectionsAccepted = "sipnic_stream_connections_accepted_total";
inline constexpr std::string_view kConnectionsOpen = "sipnic_stream_connections_open";
inline constexpr std::string_view kConnectionsDropped = "sipnic_stream_connections_dropped_total";
inline constexpr std::string_view kTlsHandshakes = "sipnic_tls_handshakes_total";
inline constexpr std::string_view kTlsHandshakeDuration = "sipnic_tls_handshake_duration_seconds";
inline constexpr std::string_view kTlsFailures = "sipnic_tls_failures_total";
inline constexpr std::string_view kKeepalivePings = "sipnic_sip_keepalive_pings_sent_total";
inline constexpr std::string_view kKeepalivePongs = "sipnic_sip_keepalive_pongs_sent_total";
inline constexpr std::string_view kParseBatchSegments = "sipnic_parse_batch_segments";
inline constexpr std::string_view kStreamBytesReceived = "sipnic_stream_bytes_received_total";
inline constexpr std::string_view kConnectionsRefused = "sipnic_stream_connections_refused_total";
inline constexpr std::string_view kAcceptFailures = "sipnic_stream_accept_failures_total";
inline constexpr std::string_view kAcceptPauses = "sipnic_stream_accept_pauses_total";
}  // namespace metric

// The transport's figures: one worker's cells in the node's registry,
// written by that worker only (core/metrics.h).
struct TransportStats {
  TransportStats() = default;
  TransportStats(core::MetricsRegistry& metrics, std::uint32_t worker);

  std::array<core::Counter, 3> rx_messages;  // by core::Transport
  std::array<core::Counter, 3> tx_messages;  // handed to the kernel (TLS: sealed on an open connection)
  std::array<core::Counter, 3> tx_errors;    // messages that could not be sent
  // Parse errors (dropped or answered), by offload::ParseError.
  std::array<core::Counter, static_cast<std::size_t>(offload::ParseError::kCount)> rx_malformed;
  core::Counter rx_answered_error;  // malformed but answered with 4xx/5xx
  // Stream connections, by core::Transport (kTcp and kTls only).
  std::array<core::Counter, 3> tcp_accepted;
  std::array<core::Gauge, 3> connections_open;
  core::Counter tcp_closed_on_error;  // framing error
  core::Counter tcp_closed_slow;      // partial message held too long
  // TLS: failures by SecureFailure (kNone unused), plus two reasons of the
  // transport's own in the same family.
  std::array<core::Counter, kSecureFailureCount> tls_failures;
  core::Counter tls_handshake_timeouts;
  core::Counter tls_rate_limited;  // TLS connections refused by the handshake rate limit
  core::Counter tls_handshakes;    // completed
  core::Histogram tls_handshake_seconds;
  core::Counter keepalive_pings;  // CRLFCRLF sent on outbound streams
  core::Counter keepalive_pongs;  // CRLF answers sent to pings received
  core::Histogram parse_batch_segments;  // segments per parse-engine call
  core::Counter rx_stream_bytes;  // bytes read from TCP/TLS sockets (TLS: records)
  // Inbound connections closed at accept: over max-connections, over
  // max-connections-per-source, or taken on the reserve descriptor while the
  // process had none left.
  core::Counter tcp_refused_node_limit;
  core::Counter tcp_refused_source_limit;
  core::Counter tcp_refused_no_fd;
  // accept() calls that failed for want of descriptors or memory, and the
  // times the listeners were taken out of the loop for a back-off because of it.
  core::Counter accept_failures;
  core::Counter accept_pauses;
  core::Counter tcp_closed_no_first_message;  // no complete message within first-message-timeout
  core::Counter tcp_closed_output_full;       // peer did not read: over max-output-buffer
};

// New TLS connections per second per source IP, counted for the whole node
// (every worker accepts on the same address with SO_REUSEPORT, so a per-worker
// count would let N workers admit N times the rate). Thread-safe: taken on
// the accept path only, never on the message path.
class HandshakeLimiter {
 public:
  // `per_second` 0 = no limit; bursts of twice the rate.
  explicit HandshakeLimiter(std::uint32_t per_second) : rate_(per_second) {}
  // True if a new connection from `peer` may start its handshake now.
  bool admit(const core::SocketAddress& peer, core::Clock::time_point now);
  // True once per 10 s per address while it is refused (for the log).
  bool should_warn(const core::SocketAddress& peer, core::Clock::time_point now);
  std::uint32_t rate() const { return rate_; }

 private:
  struct Bucket {
    double tokens = 0;
    core::Clock::time_point last;
    core::Clock::time_point warned_at{};
  };
  std::uint32_t rate_;
  std::mutex mutex_;
  std::unordered_map<core::SocketAddress, Bucket, core::SocketAddressHash> buckets_;
};

struct TransportOptions {
  std::uint32_t max_message_bytes = 64 * 1024;
  std::uint32_t partial_message_timeout_ms = 10000;
  std::uint32_t tcp_idle_timeout_ms = 600000;
  std::uint32_t tls_handshake_timeout_ms = 10000;  // 0 = none
  // New TLS connections accepted per second from one IP (burst: twice
  // that); 0 = no limit.
  std::uint32_t tls_handshakes_per_second = 50;
  // RFC 5626 CRLFCRLF keepalive on outbound stream connections; 0 = off.
  std::uint32_t keepalive_interval_ms = 90000;
  // An inbound connection without a complete SIP message this long after
  // its accept is closed (TLS: handshake included); 0 = none.
  std::uint32_t first_message_timeout_ms = 10000;
  // Bytes waiting to be written on one connection (TLS: plaintext not yet
  // sealed plus records not yet written); past it the connection is closed.
  std::uint32_t max_output_buffer_bytes = 1024 * 1024;
  // Inbound connections at once, and from one IP, when no node-wide
  // ConnectionLimits is set (this layer alone); 0 = no limit.
  std::uint32_t max_connections = 0;
  std::uint32_t max_connections_per_source = 0;
  // How long the listeners stay out of the loop after accept() ran out of
  // descriptors or memory (sooner if a connection closes meanwhile).
  std::uint32_t accept_pause_ms = 500;
};

// Whether a sendto(2) error on a UDP socket (errno) is a datagram lost for
// want of room now (EAGAIN, ENOBUFS, ENOMEM: the sender retransmits) rather
// than a transport error the transaction layer must be told of (RFC 3261
// §8.1.3.1: EHOSTUNREACH, EACCES, EINVAL...).
bool udp_send_error_is_loss(int error);

class TransportLayer {
 public:
  using Handler = std::function<void(Received&&)>;

  // Registers its figures in `metrics` as writer `worker`.
  TransportLayer(std::uint32_t worker, core::EventLoop& loop, core::Log& log, core::MetricsRegistry& metrics,
                 offload::SipParseEngine& parser, TransportOptions options);
  ~TransportLayer();
  TransportLayer(const TransportLayer&) = delete;
  TransportLayer& operator=(const TransportLayer&) = delete;

  // Binds a listener (throws std::runtime_error naming the address on failure).
  void listen(const core::ListenConfig& where);
  void set_handler(Handler h) { handler_ = std::move(h); }
  // The transport layers of all workers, indexed by worker (for posting sends
  // on connections other workers own).
  void set_peers(std::vector<TransportLayer*> peers) { peers_ = std::move(peers); }
  // The TLS sessions under kTls connections (tls/ implements the factory).
  // Must be set before listen() on a TLS address. Not owned.
  void set_secure_streams(SecureStreamFactory* factory) { secure_ = factory; }
  // The node's TLS handshake limiter (shared by the workers). Not owned; null
  // = options.tls_handshakes_per_second applies to this layer alone.
  void set_handshake_limiter(HandshakeLimiter* limiter) { limiter_ = limiter; }
  // The node's inbound connection limits (shared by the workers). Not owned;
  // null = options.max_connections[_per_source] apply to this layer alone.
  void set_connection_limits(ConnectionLimits* limits) { limits_ = limits; }
  // Called when an outbound stream connection fails before or while carrying
  // requests (connect refused, TLS handshake failed or timed out), so that
  // the transactions waiting on it fail at once (RFC 3261 §8.1.3.1) instead
  // of at their timeout.
  void set_failure_handler(std::function<void(core::Transport, const core::SocketAddress&)> h) {
    failure_handler_ = std::move(h);
  }

  // Sends a message. For streams, `via` names an existing connection to use
  // (RFC 3261 §18.2.2: responses go back on the connection of the request);
  // otherwise one to `dest` is reused or opened. Returns false when the message
  // could not be handed to the kernel now (no socket of that family, connect
  // refused at once); asynchronous stream failures are logged and counted.
  // A datagram lost for want of room (udp_send_error_is_loss) is counted as
  // a send error but reported sent: the transaction's retransmissions
  // (Timer A/E/G) recover it, where a false would end it with 503 at once.
  // `trunk` names the trunk the message is for (TLS: which identity to
  // present and expect, and which open connection may be reused, RFC 5923).
  // `local` and `trunk` choose the node's address the message leaves from
  // (source_for): UDP goes out of the socket bound to it, a new TCP/TLS
  // connection binds to it before connect(), and an open connection is reused
  // only if its local address is that one.
  bool send(core::Transport transport, const core::SocketAddress& dest, ConnectionRef via,
            std::string bytes, std::string_view trunk = {}, const core::SocketAddress& local = {});

  // Two-sided nodes: the trunk's `local` IP (a listen address). Its leg's
  // sends leave from it and its Via/Contact/From name it.
  void set_trunk_local(std::string trunk, const core::SocketAddress& ip);

  // The node's address (IP and the listen port of `transport` there) that a
  // message to `dest` on `trunk`'s leg leaves from and names in Via, Contact
  // and From: `local` if valid (the address a request arrived on: its
  // answers leave from there), else the trunk's `local`, else the one listen
  // IP of that transport and family, else the source IP the kernel's route
  // to `dest` picks. Falls back to local_address(transport, family) when no
  // listener has the chosen IP. Invalid if the node has no address of the family.
  core::SocketAddress source_for(core::Transport transport, const core::SocketAddress& dest,
                                 std::string_view trunk, const core::SocketAddress& local = {}) const;

  // The address this worker listens on for a transport and family, for Via,
  // Contact and Record-Route. Invalid if none.
  core::SocketAddress local_address(core::Transport transport, int family) const;

  std::uint32_t worker() const { return worker_; }
  core::EventLoop& loop() { return loop_; }
  // Stream connections open on this worker (inbound and outbound).
  std::size_t connection_count() const { return connections_.size(); }
  // True while the listeners are out of the loop after accept() failed for
  // want of descriptors or memory.
  bool accepting_paused() const { return accept_paused_; }

 private:
  struct UdpSocket;
  struct TcpListener;
  struct Connection;

  // The listen address of `transport` at `ip` (a wildcard listener lends
  // its port); invalid if none.
  core::SocketAddress listen_address_at(core::Transport transport, const core::SocketAddress& ip) const;
  // The source IP the kernel's routing picks for `dest` (cached per IP).
  core::SocketAddress route_source(const core::SocketAddress& dest) const;
  // Whether the listeners of `transport` and `family` bind more than one IP.
  bool several_ips(core::Transport transport, int family) const;
  void on_udp_readable(UdpSocket& s);
  void on_accept(TcpListener& l);
  void watch_listener(TcpListener& l);
  void accept_failed(TcpListener& l, int error);
  void shed_pending(TcpListener& l);
  void pause_accepting();
  void resume_accepting();
  bool admit_connection(const TcpListener& l, const core::SocketAddress& peer);
  void arm_first_message_timer(Connection& c);
  void on_connection_event(std::uint64_t id, std::uint32_t events);
  void read_connection(Connection& c);
  // One turn's receive batch: what was read, waiting for the turn's end.
  struct PendingSegment {
    std::uint64_t connection = 0;  // stream: its connection; 0: a datagram
    core::SocketAddress source;    // datagram source
    core::SocketAddress udp_local;
    std::uint64_t offset = 0;      // in batch_bytes_
    std::uint32_t length = 0;
    bool parsed = false;           // went to the engine (a stream may wait for more bytes)
    std::uint32_t result = 0;      // then: its index in the engine's output
  };
  void parse_turn_batch();
  void parse_pending();
  void process_secure_streams();
  void mark_secure_dirty(Connection& c);
  void start_secure(Connection& c, std::unique_ptr<SecureStream> stream);
  void finish_datagram(const PendingSegment& seg, std::string_view text, const offload::SipParseOutput& out,
                       std::size_t index);
  void finish_stream_segment(std::uint64_t id, std::string_view text, const offload::SipParseOutput& out,
                             std::size_t index);
  void finish_stream_unparsed(std::uint64_t id);
  void settle_stream(Connection& c, std::size_t done, std::size_t pings, std::uint32_t messages);
  void flush_connection(Connection& c);
  void close_after_answer(Connection& c, const char* why);
  std::size_t output_bytes(const Connection& c) const;
  // Closes `c` (counted) if more than max-output-buffer waits on it. True if closed.
  bool close_if_output_full(Connection& c);
  // Closes the socket now; the Connection object itself lives until the
  // turn's end, so that a caller up the stack that still holds it (a send
  // from a handler, a flush in the middle of a segment) reads valid memory.
  void close_connection(std::uint64_t id, const char* why);
  void cancel_timers(Connection& c);
  ConnectionLimits& limits() { return limits_ ? *limits_ : own_limits_; }
  // A line that a flood could repeat: at most one per `key` per interval,
  // with the count of those held back (core::LogLimiter).
  template <typename MakeMessage>
  void log_limited(core::LogLevel level, const std::string& key, MakeMessage&& message);
  Connection* connection_to(core::Transport transport, const core::SocketAddress& dest,
                            std::string_view trunk, const core::SocketAddress& local);
  Connection& add_connection(core::UniqueFd fd, const core::SocketAddress& peer, bool connecting,
                             core::Transport transport);
  void arm_partial_timer(Connection& c);
  // Arms a timer of `c` (its id in c.*slot; 0 ms = none) that, if the
  // connection is still open when it fires, clears the slot and runs `fire`.
  template <typename Fire>
  void arm_timer(Connection& c, core::EventLoop::TimerId Connection::*slot, std::uint32_t ms, Fire fire);
  void arm_keepalive(Connection& c);
  bool admit_handshake(const core::SocketAddress& peer);
  void report_failure(const Connection& c);
  void count_sent(Connection& c);
  void count_unsent_as_sent(Connection& c);
  struct KeepaliveScan {
    std::size_t pings = 0;
    std::size_t done = 0;
  };
  KeepaliveScan scan_keepalives(std::string_view text, const offload::SipParseOutput& out, std::size_t index);
  static KeepaliveScan scan_crlf_run(std::string_view text, std::size_t pos);

  void deliver(std::string_view segment, const offload::SipParseOutput& out, std::size_t seg_index,
               core::Transport transport, const core::SocketAddress& source,
               const core::SocketAddress& local, ConnectionRef conn, const std::string& trunk = {});
  // Malformed input: answers with 400/513 where the raw bytes allow building a
  // response, else drops. Returns true if answered.
  bool answer_malformed(std::string_view raw, offload::ParseError error, core::Transport transport,
                        const core::SocketAddress& source, ConnectionRef conn);

  std::uint32_t worker_;
  core::EventLoop& loop_;
  core::Log& log_;
  offload::SipParseEngine& parser_;
  TransportOptions options_;
  Handler handler_;
  std::vector<TransportLayer*> peers_;
  std::vector<std::unique_ptr<UdpSocket>> udp_;
  std::vector<std::unique_ptr<TcpListener>> tcp_listeners_;
  std::unordered_map<std::uint64_t, std::unique_ptr<Connection>> connections_;
  std::unordered_map<core::SocketAddress, std::uint64_t, core::SocketAddressHash> outbound_by_peer_;
  // trunk -> its `local` IP; std::less<> finds by string_view (no allocation per send).
  std::map<std::string, core::SocketAddress, std::less<>> trunk_local_;
  // Destination IP (port 0) -> the source IP the kernel routes it from.
  mutable std::unordered_map<core::SocketAddress, core::SocketAddress, core::SocketAddressHash> route_sources_;
  HandshakeLimiter own_limiter_;         // when no node-wide one is set
  HandshakeLimiter* limiter_ = nullptr;
  ConnectionLimits own_limits_;          // when no node-wide ones are set
  ConnectionLimits* limits_ = nullptr;
  core::LogLimiter log_limiter_;
  // Opened at start and given up for an instant when accept() runs out of
  // descriptors, so that a pending connection can be accepted and closed
  // instead of waiting (or keeping the listener readable forever).
  core::UniqueFd reserve_fd_;  // /dev/null, given up to accept-and-close while out of descriptors
  bool accept_paused_ = false;
  core::EventLoop::TimerId accept_resume_timer_ = 0;
  std::vector<std::unique_ptr<Connection>> closed_;  // freed at the turn's end
  std::function<void(core::Transport, const core::SocketAddress&)> failure_handler_;
  std::uint64_t next_connection_ = 1;
  // Reused across turns so the receive path does not allocate per turn.
  std::vector<std::uint8_t> rx_buffer_;  // recvmmsg landing slots
  std::vector<std::uint8_t> batch_bytes_;  // the turn's segments, back to back
  std::vector<PendingSegment> pending_;
  SecureStreamFactory* secure_ = nullptr;
  std::vector<std::uint64_t> secure_dirty_;  // TLS connections with work this turn
  std::vector<offload::SegmentDescriptor> rx_segments_;
  offload::SipParseOutput rx_out_;
  TransportStats stats_;
};

}  // namespace sipnic::sip
