// bench/stream_reassembly: what a stream connection's receive path costs per
// byte when one large message arrives in many pieces, against the same
// message arriving in one piece, measured in the same run.
//
// One 64 KiB INVITE (a multipart/mixed body: SDP and a resource list) goes
// over a loopback TCP connection into a sip::TransportLayer on the cpu parse
// engine, the node's own receive path: each piece is one send(2) by the
// client and one turn of the layer's event loop (epoll, read, the turn-end
// parse), driven from this thread, so that every piece is read on its own.
// Pieces of 1 byte, of 1,400 bytes (a TCP segment of a typical path MTU) and
// the whole message. A second peer, the same pieces read by a bare handler
// on the same kind of event loop (no SIP at all), is the floor that the
// socket and the loop cost by themselves; "path" figures are above it.
//
// Also counted, without timing: the bytes the transport handed to the parse
// engine per byte of message (1.0 = every byte parsed once), and, for 1-byte
// pieces, the cost per byte of a 64 KiB message against a 16 KiB one (1.0 =
// linear in the message size; 4 = quadratic).
//
// Time is this thread's CPU time (user + system: the client's send(2), the
// loopback delivery it runs, the loop's epoll and read(2), the parse), so
// that other work on a shared machine does not count. Rounds:
// STREAM_REASSEMBLY_ROUNDS (default 5); in each, sipnic and the bare reader
// take turns every 256 pieces; figures are medians over the rounds, the
// path figures the median of the per-round differences.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/event_loop.h"
#include "core/metrics.h"
#include "core/log.h"
#include "offload/counting_sip_parse_engine.h"
#include "offload/cpu_sip_parse_engine.h"
#include "sip/transport.h"

namespace {

using namespace sipnic;

// CPU time of the calling thread, in seconds.
double thread_cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "stream_reassembly: %s\n", what.c_str());
  std::exit(1);
}

// A real INVITE of exactly `size` bytes: SDP offer plus a resource list
// (RFC 4662 / RFC 5366 style) that fills the rest.
std::string big_invite(std::size_t size) {
  const std::string boundary = "boundary-7f3a";
  const std::string sdp =
      "v=0\r\no=pbx 2890844526 2890844526 IN IP4 127.0.0.2\r\ns=-\r\nc=IN IP4 127.0.0.2\r\nt=0 0\r\n"
      "m=audio 49170 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"
      "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=ptime:20\r\na=sendrecv\r\n";
  std::string list_head =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"
      "<resource-lists xmlns=\"urn:ietf:params:xml:ns:resource-lists\">\r\n<list>\r\n";
  const std::string list_tail = "</list>\r\n</resource-lists>\r\n";
  auto assemble = [&](const std::string& entries) {
    std::string body = "--" + boundary + "\r\nContent-Type: application/sdp\r\n\r\n" + sdp + "--" + boundary +
                       "\r\nContent-Type: application/resource-lists+xml\r\nContent-Disposition: recipient-list\r\n\r\n" +
                       list_head + entries + list_tail + "--" + boundary + "--\r\n";
    return "INVITE sip:conference@127.0.0.1 SIP/2.0\r\n"
           "Via: SIP/2.0/TCP 127.0.0.2:5060;branch=z9hG4bK-reassembly-1\r\n"
           "Max-Forwards: 70\r\n"
           "From: \"PBX\" <sip:pbx@127.0.0.2>;tag=9fxced76sl\r\n"
           "To: <sip:conference@127.0.0.1>\r\n"
           "Call-ID: 3848276298220188511@127.0.0.2\r\n"
           "CSeq: 1 INVITE\r\n"
           "Contact: <sip:pbx@127.0.0.2:5060;transport=tcp>\r\n"
           "Require: recipient-list-invite\r\n"
           "Content-Type: multipart/mixed;boundary=" + boundary + "\r\n"
           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  };
  std::string entries;
  for (int i = 0; assemble(entries).size() < size; ++i) {
    entries += "<entry uri=\"sip:member" + std::to_string(i) + "@example.com\"/>\r\n";
  }
  // Trim back to the size with a comment of the right length (the
  // Content-Length digits may change by one around a power of ten).
  while (!entries.empty() && assemble(entries).size() > size - 16) entries.erase(entries.rfind("<entry"));
  std::string pad;
  for (int k = 0; k < 64 && assemble(entries + pad).size() != size; ++k) {
    const std::size_t now = assemble(entries + pad).size();
    const std::size_t want = pad.size() + (size - now);
    pad = "<!--" + std::string(want > 9 ? want - 9 : 0, '-') + "-->\r\n";
  }
  std::string m = assemble(entries + pad);
  if (m.size() != size) die("cannot build a message of " + std::to_string(size) + " bytes");
  return m;
}

std::uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) < 0)
    die(std::string("cannot find a free port: ") + std::strerror(errno));
  ::close(fd);
  return ntohs(a.sin_port);
}

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  return a;
}

// The client end: a connected TCP socket with Nagle off, so that every
// send(2) is one segment.
int connect_client(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const sockaddr_in a = loopback(port);
  if (fd < 0 || ::connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) < 0)
    die(std::string("connect: ") + std::strerror(errno));
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

void send_all(int fd, const char* p, std::size_t n) {
  while (n > 0) {
    const ssize_t k = ::send(fd, p, n, MSG_NOSIGNAL);
    if (k <= 0) die(std::string("send: ") + std::strerror(errno));
    p += k;
    n -= static_cast<std::size_t>(k);
  }
}

// The receive path under test: a TransportLayer listening on loopback.
// Each piece is one send(2) and one loop turn.
class SipnicReceiver {
 public:
  explicit SipnicReceiver(std::uint32_t max_message_bytes) : cpu_({max_message_bytes}), engine_(cpu_) {
    sip::TransportOptions options;
    options.max_message_bytes = max_message_bytes;
    layer_ = std::make_unique<sip::TransportLayer>(0, loop_, log_, metrics_, engine_, options);
    port_ = free_port();
    layer_->listen({core::Transport::kTcp, {"127.0.0.1", port_}});
    layer_->set_handler([this](sip::Received&& rx) {
      ++delivered_;
      intact_ = intact_ && rx.message.bytes == *expected_;
    });
  }
  void open(const std::string& msg) {
    expected_ = &msg;
    delivered_ = 0;
    intact_ = true;
    fd_ = connect_client(port_);
    loop_.run_once(core::Millis(100));  // accept
  }
  void piece(const char* p, std::size_t n) {
    send_all(fd_, p, n);
    loop_.run_once(core::Millis(100));
  }
  // After the last piece of message number `m` (from 0).
  void message_sent(int m) {
    for (int spin = 0; delivered_ < m + 1 && spin < 1000; ++spin) loop_.run_once(core::Millis(10));
  }
  void close(int count, std::size_t piece) {
    if (delivered_ != count || !intact_) {
      die("sipnic delivered " + std::to_string(delivered_) + " of " + std::to_string(count) +
          (intact_ ? "" : " (not intact)") + " messages in pieces of " + std::to_string(piece));
    }
    ::close(fd_);
    for (int i = 0; i < 5; ++i) loop_.run_once(core::Millis(1));  // the close
  }
  std::uint64_t engine_bytes() const { return engine_.bytes(); }

 private:
  core::EventLoop loop_;
  core::Log log_{core::LogLevel::kError};
  core::MetricsRegistry metrics_{1};
  offload::CpuSipParseEngine cpu_;
  offload::CountingSipParseEngine engine_;
  std::unique_ptr<sip::TransportLayer> layer_;
  std::uint16_t port_ = 0;
  int fd_ = -1;
  const std::string* expected_ = nullptr;
  int delivered_ = 0;
  bool intact_ = true;
};

// The floor: the same pieces on the same kind of loop, read and dropped.
class BareReceiver {
 public:
  BareReceiver() {
    port_ = free_port();
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const sockaddr_in a = loopback(port_);
    int one = 1;
    ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(listener_, reinterpret_cast<const sockaddr*>(&a), sizeof a) < 0 || ::listen(listener_, 4) < 0)
      die(std::string("bare listener: ") + std::strerror(errno));
  }
  ~BareReceiver() { ::close(listener_); }

  void open(const std::string& msg) {
    size_ = msg.size();
    got_ = 0;
    fd_ = connect_client(port_);
    conn_ = ::accept4(listener_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (conn_ < 0) die(std::string("accept: ") + std::strerror(errno));
    loop_.add_fd(conn_, EPOLLIN, [this](std::uint32_t) {
      char buf[65536];
      for (;;) {
        const ssize_t n = ::read(conn_, buf, sizeof buf);
        if (n <= 0) return;
        got_ += static_cast<std::uint64_t>(n);
        if (static_cast<std::size_t>(n) < sizeof buf) return;
      }
    });
  }
  void piece(const char* p, std::size_t n) {
    send_all(fd_, p, n);
    loop_.run_once(core::Millis(100));
  }
  void message_sent(int m) {
    const std::uint64_t want = static_cast<std::uint64_t>(m + 1) * size_;
    for (int spin = 0; got_ < want && spin < 1000; ++spin) loop_.run_once(core::Millis(10));
  }
  void close(int count, std::size_t) {
    loop_.remove_fd(conn_);
    ::close(conn_);
    ::close(fd_);
    if (got_ != static_cast<std::uint64_t>(count) * size_) die("bare reader lost bytes");
  }

 private:
  core::EventLoop loop_;
  int listener_ = -1;
  std::uint16_t port_ = 0;
  int fd_ = -1;
  int conn_ = -1;
  std::size_t size_ = 0;
  std::uint64_t got_ = 0;
};

// One round: `count` copies of the message, each in pieces of `piece`
// bytes, to both receivers on fresh connections, interleaved in blocks of
// pieces so that both are measured under the same conditions.
struct Round {
  double sipnic_seconds = 0, bare_seconds = 0;
  std::uint64_t bytes = 0, engine_bytes = 0;
};

Round run_round(SipnicReceiver& sipnic, BareReceiver& bare, const std::string& msg, std::size_t piece, int count) {
  constexpr std::size_t kBlock = 256;  // pieces per timed block
  Round r;
  sipnic.open(msg);
  bare.open(msg);
  const std::uint64_t engine_before = sipnic.engine_bytes();
  auto timed = [](double& total, auto&& work) {
    const double t0 = thread_cpu_seconds();
    work();
    total += thread_cpu_seconds() - t0;
  };
  for (int m = 0; m < count; ++m) {
    for (std::size_t off = 0; off < msg.size(); off += kBlock * piece) {
      const std::size_t end = std::min(msg.size(), off + kBlock * piece);
      auto block = [&](auto& receiver) {
        for (std::size_t p = off; p < end; p += piece) receiver.piece(msg.data() + p, std::min(piece, end - p));
        if (end == msg.size()) receiver.message_sent(m);
      };
      timed(r.sipnic_seconds, [&] { block(sipnic); });
      timed(r.bare_seconds, [&] { block(bare); });
    }
  }
  r.bytes = static_cast<std::uint64_t>(count) * msg.size();
  r.engine_bytes = sipnic.engine_bytes() - engine_before;
  sipnic.close(count, piece);
  bare.close(count, piece);
  return r;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

struct Case {
  const char* name;     // BENCH name suffix
  std::size_t size;     // message bytes
  std::size_t piece;    // bytes per send
  int count;            // messages per round
  double sipnic_ns = 0, bare_ns = 0, path = 0, engine_per_byte = 0;
  double path_ns() const { return std::max(path, 0.0); }
  double pieces_per_message() const { return static_cast<double>((size + piece - 1) / piece); }
};

}  // namespace

int main() {
  const char* env = std::getenv("STREAM_REASSEMBLY_ROUNDS");
  const int rounds = std::max(1, env != nullptr ? std::atoi(env) : 5);
  constexpr std::size_t k64 = 64 * 1024;
  constexpr std::size_t k16 = 16 * 1024;
  const std::string msg64 = big_invite(k64);
  const std::string msg16 = big_invite(k16);

  std::vector<Case> cases = {
      {"whole", k64, k64, 256},
      {"1400", k64, 1400, 32},
      {"1", k64, 1, 1},
      {"1_16k", k16, 1, 4},
  };
  SipnicReceiver sipnic(k64);
  BareReceiver bare;
  for (auto& c : cases) {
    const std::string& msg = c.size == k64 ? msg64 : msg16;
    std::vector<double> s, b, d, e;
    run_round(sipnic, bare, msg, c.piece, 1);  // warm-up
    for (int r = 0; r < rounds; ++r) {
      const Round x = run_round(sipnic, bare, msg, c.piece, c.count);
      const double bytes = static_cast<double>(x.bytes);
      s.push_back(x.sipnic_seconds * 1e9 / bytes);
      b.push_back(x.bare_seconds * 1e9 / bytes);
      d.push_back((x.sipnic_seconds - x.bare_seconds) * 1e9 / bytes);
      e.push_back(static_cast<double>(x.engine_bytes) / bytes);
    }
    c.sipnic_ns = median(s);
    c.bare_ns = median(b);
    c.path = median(d);
    c.engine_per_byte = median(e);
  }

  const Case& whole = cases[0];
  std::printf("one %zu-byte INVITE (multipart SDP + resource list) over loopback TCP, %d rounds (median)\n", k64,
              rounds);
  std::printf("%-18s %12s %13s %13s %14s %15s %9s %10s\n", "pieces", "ns/byte", "bare ns/byte", "path ns/byte",
              "path ns/read", "engine bytes/B", "vs whole", "path vs");
  for (const auto& c : cases) {
    std::printf("%-18s %12.3f %13.3f %13.3f %14.1f %15.3f %8.2fx %9.2fx\n",
                (std::to_string(c.piece) + " B of " + std::to_string(c.size / 1024) + " KiB").c_str(), c.sipnic_ns,
                c.bare_ns, c.path_ns(), c.path_ns() * static_cast<double>(c.size) / c.pieces_per_message(),
                c.engine_per_byte, c.sipnic_ns / whole.sipnic_ns, c.path_ns() / std::max(whole.path_ns(), 1e-3));
  }
  std::printf("(path = sipnic - bare reader, per round; a read of a 1-byte piece costs what it costs per byte)\n");
  for (const auto& c : cases) {
    std::printf("BENCH stream_reassembly.ns_per_byte_%s %.3f ns\n", c.name, c.sipnic_ns);
    std::printf("BENCH stream_reassembly.path_ns_per_byte_%s %.3f ns\n", c.name, c.path_ns());
    std::printf("BENCH stream_reassembly.engine_bytes_per_byte_%s %.3f x\n", c.name, c.engine_per_byte);
    std::printf("BENCH stream_reassembly.path_ns_per_read_%s %.1f ns\n", c.name,
                c.path_ns() * static_cast<double>(c.size) / c.pieces_per_message());
  }
  for (std::size_t i = 1; i < 3; ++i) {
    std::printf("BENCH stream_reassembly.ratio_%s_vs_whole %.2f x\n", cases[i].name,
                cases[i].sipnic_ns / whole.sipnic_ns);
    std::printf("BENCH stream_reassembly.path_ratio_%s_vs_whole %.2f x\n", cases[i].name,
                cases[i].path_ns() / std::max(whole.path_ns(), 1e-3));
  }
  std::printf("BENCH stream_reassembly.ratio_1_64k_vs_16k %.2f x\n", cases[2].sipnic_ns / cases[3].sipnic_ns);
  std::printf("BENCH stream_reassembly.path_ratio_1_64k_vs_16k %.2f x\n",
              cases[2].path_ns() / std::max(cases[3].path_ns(), 1e-3));
  return 0;
}
