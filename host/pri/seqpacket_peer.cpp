#include "pri/seqpacket_peer.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <stdexcept>

#include "core/unix_socket.h"

namespace sipnic::pri {

namespace {

constexpr core::Millis kRetryMin{1000};
constexpr core::Millis kRetryMax{16000};
// Datagrams read per loop turn, so that a peer flooding its socket does not
// starve the other spans of the loop.
constexpr int kDatagramsPerTurn = 64;

}  // namespace

SeqpacketPeer::SeqpacketPeer(core::EventLoop& loop, std::string path, core::SpanSocketRole role,
                             std::size_t max_datagram, Callbacks callbacks, core::Log* log, std::string name,
                             std::string what)
    : loop_(loop),
      path_(std::move(path)),
      role_(role),
      cb_(std::move(callbacks)),
      log_(log),
      name_(std::move(name)),
      what_(std::move(what)),
      buffer_(max_datagram + 1) {}

SeqpacketPeer::~SeqpacketPeer() {
  if (retry_timer_) loop_.cancel_timer(retry_timer_);
  if (peer_) loop_.remove_fd(peer_.get());
  if (listener_) {
    loop_.remove_fd(listener_.get());
    if (listener_made_) ::unlink(path_.c_str());
  }
}

void SeqpacketPeer::start() {
  if (role_ == core::SpanSocketRole::kListen) {
    std::string why;
    listener_ = core::listen_unix(path_, SOCK_SEQPACKET, why, 4);
    if (!listener_) throw std::runtime_error("span " + name_ + ": cannot listen on " + path_ + ": " + why);
    listener_made_ = true;
    loop_.add_fd(listener_.get(), EPOLLIN, [this](std::uint32_t) { on_listener(); });
    log_line(core::LogLevel::kInfo, "", what_ + " listening on " + path_);
  } else {
    try_connect();
  }
}

void SeqpacketPeer::on_listener() {
  for (;;) {
    core::UniqueFd fd(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
    if (!fd) return;  // EAGAIN, or a peer that went before we took it
    if (peer_) {
      ++counters_.refused_peers;
      log_line(core::LogLevel::kWarn, "refused", "a second peer on " + path_ + " refused: one is attached");
      continue;  // closed as `fd` goes
    }
    attach(std::move(fd));
  }
}

void SeqpacketPeer::try_connect() {
  retry_timer_ = 0;
  std::string why;
  core::UniqueFd fd = core::connect_unix(path_, SOCK_SEQPACKET, why);
  if (!fd) {
    log_line(core::LogLevel::kInfo, "connect", "no peer on " + path_ + " (" + why + "): trying again");
    retry_timer_ = loop_.add_timer(retry_delay_, [this] { try_connect(); });
    retry_delay_ = std::min(retry_delay_ * 2, kRetryMax);
    return;
  }
  retry_delay_ = kRetryMin;
  attach(std::move(fd));
}

void SeqpacketPeer::attach(core::UniqueFd peer) {
  peer_ = std::move(peer);
  ++counters_.attaches;
  loop_.add_fd(peer_.get(), EPOLLIN, [this](std::uint32_t events) { on_peer(events); });
  log_line(core::LogLevel::kInfo, "", what_ + " peer attached on " + path_);
  if (cb_.peer) cb_.peer(true);
}

void SeqpacketPeer::detach(const std::string& why) {
  if (!peer_) return;
  loop_.remove_fd(peer_.get());
  peer_.reset();
  log_line(core::LogLevel::kWarn, "", what_ + " peer on " + path_ + " gone (" + why + ")");
  if (cb_.peer) cb_.peer(false);
  if (role_ == core::SpanSocketRole::kConnect && !retry_timer_)
    retry_timer_ = loop_.add_timer(retry_delay_, [this] { try_connect(); });
}

void SeqpacketPeer::on_peer(std::uint32_t events) {
  for (int i = 0; i < kDatagramsPerTurn && peer_; ++i) {
    const ssize_t n = ::recv(peer_.get(), buffer_.data(), buffer_.size(), MSG_TRUNC);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      detach(core::errno_text(errno));
      return;
    }
    if (n == 0) {
      detach("closed");
      return;
    }
    const auto len = static_cast<std::size_t>(n);
    if (len >= buffer_.size()) {
      ++counters_.long_datagrams;
      log_line(core::LogLevel::kDebug, "long", "dropped a datagram of " + std::to_string(len) + " octets: too long");
      continue;
    }
    if (cb_.datagram) cb_.datagram({buffer_.data(), len});
  }
  if (peer_ && (events & (EPOLLHUP | EPOLLERR)) && !(events & EPOLLIN)) detach("hung up");
}

bool SeqpacketPeer::send(std::span<const std::uint8_t> datagram) {
  if (!peer_) return false;
  // Full (the backend above recovers or counts it) or failing (the peer
  // went: its hang-up reaches on_peer, which detaches).
  return ::send(peer_.get(), datagram.data(), datagram.size(), MSG_DONTWAIT | MSG_NOSIGNAL) >= 0;
}

void SeqpacketPeer::log_line(core::LogLevel level, std::string_view key, const std::string& message) {
  if (!log_ || !log_->enabled(level)) return;
  const std::string line = "span " + name_ + ": " + message;
  if (key.empty()) {
    log_->write(level, "span", line);
  } else {
    limiter_.write(*log_, level, "span", key, line, loop_.now());
  }
}

}  // namespace sipnic::pri
