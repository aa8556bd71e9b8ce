// Transports of one worker: UDP sockets and TCP listeners bound with
// SO_REUSEPORT (every worker binds the same addresses; the kernel spreads
// datagrams and connections), TCP connections with stream framing, and the
// parse batch that turns received bytes into indexed messages: everything read
// in one event-loop turn is parsed in one SipParseEngine call at the turn's end.
//
// Thread model: a TransportLayer lives on one worker's EventLoop and is used from
// that thread only. A send on a connection owned by another worker is posted to
// that worker's loop.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/config.h"
#include "core/event_loop.h"
#include "core/log.h"
#include "core/socket_address.h"
#include "core/unique_fd.h"
#include "offload/sip_parse_engine.h"
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

struct TransportStats {
  std::uint64_t rx_messages = 0;
  std::uint64_t rx_malformed = 0;      // parse errors (dropped or answered)
  std::uint64_t rx_answered_error = 0; // malformed but answered with 4xx/5xx
  std::uint64_t tx_messages = 0;
  std::uint64_t tx_errors = 0;
  std::uint64_t tcp_accepted = 0;
  std::uint64_t tcp_closed_on_error = 0;
  std::uint64_t tcp_closed_slow = 0;   // partial message held too long
  std::uint64_t tls_failures = 0;      // handshake or record failures
  std::uint64_t tls_handshake_timeouts = 0;
  std::uint64_t tls_rate_limited = 0;  // TLS connections refused by the handshake rate limit
  std::uint64_t keepalive_pings = 0;   // CRLFCRLF sent on outbound streams
  std::uint64_t keepalive_pongs = 0;   // CRLF answers to pings received
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
};

class TransportLayer {
 public:
  using Handler = std::function<void(Received&&)>;

  TransportLayer(std::uint32_t worker, core::EventLoop& loop, core::Log& log,
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
  // `trunk` names the trunk the message is for (TLS: which identity to
  // present and expect, and which open connection may be reused, RFC 5923).
  bool send(core::Transport transport, const core::SocketAddress& dest, ConnectionRef via,
            std::string bytes, std::string_view trunk = {});

  // The address this worker listens on for a transport and family, for Via,
  // Contact and Record-Route. Invalid if none.
  core::SocketAddress local_address(core::Transport transport, int family) const;

  std::uint32_t worker() const { return worker_; }
  core::EventLoop& loop() { return loop_; }
  const TransportStats& stats() const { return stats_; }

 private:
  struct UdpSocket;
  struct TcpListener;
  struct Connection;

  void on_udp_readable(UdpSocket& s);
  void on_accept(TcpListener& l);
  void on_connection_event(std::uint64_t id, std::uint32_t events);
  void read_connection(Connection& c);
  // One turn's receive batch: what was read, waiting for the turn's end.
  struct PendingSegment {
    std::uint64_t connection = 0;  // stream: its connection; 0: a datagram
    core::SocketAddress source;    // datagram source
    core::SocketAddress udp_local;
    std::uint64_t offset = 0;      // in batch_bytes_
    std::uint32_t length = 0;
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
  void flush_connection(Connection& c);
  void close_connection(std::uint64_t id, const char* why);
  Connection* connection_to(core::Transport transport, const core::SocketAddress& dest,
                            std::string_view trunk);
  Connection& add_connection(core::UniqueFd fd, const core::SocketAddress& peer, bool connecting,
                             core::Transport transport);
  void arm_partial_timer(Connection& c);
  void arm_keepalive(Connection& c);
  bool admit_handshake(const core::SocketAddress& peer);
  void report_failure(const Connection& c);
  struct KeepaliveScan {
    std::size_t pings = 0;
    std::size_t done = 0;
  };
  KeepaliveScan scan_keepalives(std::string_view text, const offload::SipParseOutput& out, std::size_t index);

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
  HandshakeLimiter own_limiter_;         // when no node-wide one is set
  HandshakeLimiter* limiter_ = nullptr;
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
