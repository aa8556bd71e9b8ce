// pri::SeqpacketPeer: the Unix SOCK_SEQPACKET socket of a span backend
// (docs/pri.md, "Span backends"), one peer at a time, one datagram a unit:
// a D-channel frame (FramesDChannel) or 1 ms of line (LinePort).
//
// Either end may listen on the path or connect to it (SpanConfig socket
// role). A listener takes one peer at a time (a second is refused while one
// is attached) and the next one after it goes; a connector that finds nobody
// there tries again after 1 s, doubling to 16 s. A peer attaching and going
// away is the span's layer 1 coming up and going down, which the backend
// using this decides how to report.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/event_loop.h"
#include "core/log.h"
#include "core/log_limiter.h"
#include "core/unique_fd.h"

namespace sipnic::pri {

struct SeqpacketPeerCounters {
  std::uint64_t attaches = 0;       // peers attached
  std::uint64_t refused_peers = 0;  // listener: peers refused while one was attached
  std::uint64_t long_datagrams = 0; // dropped: longer than the receive buffer
};

class SeqpacketPeer {
 public:
  struct Callbacks {
    // One datagram, valid during the call.
    std::function<void(std::span<const std::uint8_t> datagram)> datagram;
    std::function<void(bool attached)> peer;  // a peer attached (true) or went away
  };

  // `what` names the backend in log lines ("D-channel", "line"); datagrams
  // longer than `max_datagram` are dropped and counted. `loop` and `log`
  // (may be null) must outlive it. Nothing happens until start().
  SeqpacketPeer(core::EventLoop& loop, std::string path, core::SpanSocketRole role, std::size_t max_datagram,
                Callbacks callbacks, core::Log* log, std::string name, std::string what);
  ~SeqpacketPeer();
  SeqpacketPeer(const SeqpacketPeer&) = delete;
  SeqpacketPeer& operator=(const SeqpacketPeer&) = delete;

  // Listens, or begins connecting. Throws std::runtime_error naming the span
  // and the path when a listener cannot be made.
  void start();
  // Sends one datagram without blocking; false when no peer is attached or
  // the socket is full or failing (a failing peer's hang-up detaches it).
  bool send(std::span<const std::uint8_t> datagram);
  bool attached() const { return peer_.valid(); }
  const SeqpacketPeerCounters& counters() const { return counters_; }
  const std::string& path() const { return path_; }
  // A log line "span NAME: MESSAGE", rate-limited by `key` unless it is empty.
  void log_line(core::LogLevel level, std::string_view key, const std::string& message);

 private:
  void on_listener();
  void attach(core::UniqueFd peer);
  void on_peer(std::uint32_t events);
  void detach(const std::string& why);
  void try_connect();

  core::EventLoop& loop_;
  const std::string path_;
  const core::SpanSocketRole role_;
  const Callbacks cb_;
  core::Log* log_;
  const std::string name_;
  const std::string what_;
  core::LogLimiter limiter_;

  core::UniqueFd listener_;
  core::UniqueFd peer_;
  core::EventLoop::TimerId retry_timer_ = 0;
  core::Millis retry_delay_{1000};
  bool listener_made_ = false;  // the socket file is ours to remove
  std::vector<std::uint8_t> buffer_;
  SeqpacketPeerCounters counters_;
};

}  // namespace sipnic::pri
