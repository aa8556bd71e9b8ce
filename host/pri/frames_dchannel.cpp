#include "pri/frames_dchannel.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <stdexcept>

#include "core/unix_socket.h"
#include "hdlc/hdlc.h"

namespace sipnic::pri {

namespace {

constexpr core::Millis kRetryMin{1000};
constexpr core::Millis kRetryMax{16000};
constexpr std::size_t kMinFrame = 3;  // address (2) and control (1)

}  // namespace

std::array<std::uint8_t, 2> frame_check_sequence(std::span<const std::uint8_t> frame) {
  std::uint16_t fcs = hdlc::kFcsInitial;
  for (std::uint8_t b : frame) fcs = hdlc::fcs_update(fcs, b);
  fcs = static_cast<std::uint16_t>(fcs ^ 0xFFFF);  // sent complemented
  return {static_cast<std::uint8_t>(fcs & 0xFF), static_cast<std::uint8_t>(fcs >> 8)};
}

bool frame_check_sequence_good(std::span<const std::uint8_t> octets) {
  std::uint16_t fcs = hdlc::kFcsInitial;
  for (std::uint8_t b : octets) fcs = hdlc::fcs_update(fcs, b);
  return fcs == hdlc::kFcsGoodResidue;
}

FramesDChannel::FramesDChannel(core::EventLoop& loop, std::string path, core::SpanSocketRole role,
                               Callbacks callbacks, core::Log* log, std::string name)
    : loop_(loop),
      path_(std::move(path)),
      role_(role),
      cb_(std::move(callbacks)),
      log_(log),
      name_(std::move(name)),
      buffer_(kMaxFrame + 2 + 1) {}

FramesDChannel::~FramesDChannel() {
  if (retry_timer_) loop_.cancel_timer(retry_timer_);
  if (peer_) loop_.remove_fd(peer_.get());
  if (listener_) {
    loop_.remove_fd(listener_.get());
    if (listener_made_) ::unlink(path_.c_str());
  }
}

void FramesDChannel::start() {
  if (role_ == core::SpanSocketRole::kListen) {
    std::string why;
    listener_ = core::listen_unix(path_, SOCK_SEQPACKET, why, 4);
    if (!listener_) throw std::runtime_error("span " + name_ + ": cannot listen on " + path_ + ": " + why);
    listener_made_ = true;
    loop_.add_fd(listener_.get(), EPOLLIN, [this](std::uint32_t) { on_listener(); });
    log_line(core::LogLevel::kInfo, "", "D-channel listening on " + path_);
  } else {
    try_connect();
  }
}

void FramesDChannel::on_listener() {
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

void FramesDChannel::try_connect() {
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

void FramesDChannel::attach(core::UniqueFd peer) {
  peer_ = std::move(peer);
  ++counters_.attaches;
  loop_.add_fd(peer_.get(), EPOLLIN, [this](std::uint32_t events) { on_peer(events); });
  log_line(core::LogLevel::kInfo, "", "D-channel peer attached on " + path_ + ": layer 1 up");
  if (cb_.layer1) cb_.layer1(true);
}

void FramesDChannel::detach(const std::string& why) {
  if (!peer_) return;
  loop_.remove_fd(peer_.get());
  peer_.reset();
  log_line(core::LogLevel::kWarn, "", "D-channel peer on " + path_ + " gone (" + why + "): layer 1 down");
  if (cb_.layer1) cb_.layer1(false);
  if (role_ == core::SpanSocketRole::kConnect && !retry_timer_)
    retry_timer_ = loop_.add_timer(retry_delay_, [this] { try_connect(); });
}

void FramesDChannel::on_peer(std::uint32_t events) {
  // A bounded number of datagrams per turn, so that a peer flooding the
  // D-channel does not starve the other spans of the loop.
  for (int i = 0; i < 64 && peer_; ++i) {
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
    if (len > buffer_.size()) {
      ++counters_.long_frames;
      log_line(core::LogLevel::kDebug, "long", "dropped a datagram of " + std::to_string(len) + " octets: too long");
      continue;
    }
    if (len < kMinFrame + 2) {
      ++counters_.short_frames;
      log_line(core::LogLevel::kDebug, "short", "dropped a datagram of " + std::to_string(len) + " octets: too short");
      continue;
    }
    const std::span<const std::uint8_t> octets(buffer_.data(), len);
    if (!frame_check_sequence_good(octets)) {
      ++counters_.bad_fcs;
      log_line(core::LogLevel::kDebug, "fcs", "dropped a frame of " + std::to_string(len - 2) + " octets: bad FCS");
      continue;
    }
    ++counters_.frames_in;
    if (cb_.frame) cb_.frame(octets.first(len - 2));
  }
  if (peer_ && (events & (EPOLLHUP | EPOLLERR)) && !(events & EPOLLIN)) detach("hung up");
}

bool FramesDChannel::send(std::span<const std::uint8_t> frame) {
  if (!peer_ || frame.size() > kMaxFrame) {
    ++counters_.send_drops;
    return false;
  }
  std::array<std::uint8_t, kMaxFrame + 2> out;
  std::copy(frame.begin(), frame.end(), out.begin());
  const auto fcs = frame_check_sequence(frame);
  out[frame.size()] = fcs[0];
  out[frame.size() + 1] = fcs[1];
  const ssize_t n = ::send(peer_.get(), out.data(), frame.size() + 2, MSG_DONTWAIT | MSG_NOSIGNAL);
  if (n < 0) {
    // Full (Q.921 retransmits) or failing (the peer went: its hang-up
    // reaches on_peer, which detaches).
    ++counters_.send_drops;
    return false;
  }
  ++counters_.frames_out;
  return true;
}

void FramesDChannel::log_line(core::LogLevel level, std::string_view key, const std::string& message) {
  if (!log_ || !log_->enabled(level)) return;
  const std::string line = "span " + name_ + ": " + message;
  if (key.empty()) {
    log_->write(level, "span", line);
  } else {
    limiter_.write(*log_, level, "span", key, line, loop_.now());
  }
}

}  // namespace sipnic::pri
