// A two-sided node end to end: `sipnic run` with an inside address
// (127.0.0.1, trunk `pbx`, a sipp peer at 127.0.0.3) and an outside one
// (127.0.0.2, trunk `carrier`, a peer of the test's own at 127.0.0.4), calls
// both ways, over UDP and over TCP, and calls to a TLS carrier (through
// stunnel). The carrier peer keeps every byte it receives with where it came
// from, and the test holds that none of them names the inside address and
// that every datagram and connection came from the outside one
// (docs/sip-core.md, "Two-sided nodes").
//
// Run under the shared port lock (tests/interop binds fixed loopback
// addresses); times in here are upper bounds only.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/ascii.h"
#include "core/socket_address.h"
#include "core/unique_fd.h"
#include "interop/support/sipp_harness.h"
#include "interop/support/tls_harness.h"
#include "sip/response_builder.h"
#include "support/eventually.h"
#include "support/sip_message.h"

namespace sipnic::test {
namespace {

using namespace std::chrono_literals;
using offload::HeaderId;

constexpr const char* kInside = "127.0.0.1";
constexpr const char* kOutside = "127.0.0.2";
constexpr const char* kPbx = "127.0.0.3";
constexpr const char* kCarrier = "127.0.0.4";

core::SocketAddress at(const std::string& ip, std::uint16_t port) { return *core::SocketAddress::from_ip(ip, port); }

// The length of the first whole SIP message in a stream buffer (after any
// CR/LF keepalive bytes, which it counts too); 0 when it is not all there.
std::size_t first_message_length(const std::string& in) {
  std::size_t start = in.find_first_not_of("\r\n");
  if (start == std::string::npos) return 0;
  std::size_t end = in.find("\r\n\r\n", start);
  if (end == std::string::npos) return 0;
  std::string head = core::ascii::to_lower(std::string_view(in).substr(start, end - start));
  std::size_t body = 0;
  for (const char* name : {"\ncontent-length:", "\nl:"}) {
    if (auto p = head.find(name); p != std::string::npos) body = std::stoul(head.substr(p + std::strlen(name)));
  }
  std::size_t total = end + 4 + body;
  return in.size() >= total ? total : 0;
}

// What the carrier peer received: the bytes and where they came from.
struct Capture {
  core::SocketAddress source;
  std::string bytes;
};

// The carrier: a SIP peer on UDP or TCP at 127.0.0.4 that answers the node's
// INVITE 200, its BYE and OPTIONS 200, and places calls of its own to the
// node's outside address (INVITE, then ACK and BYE). It runs on a thread of
// its own while sipp and the node are child processes.
class CarrierPeer {
 public:
  // At `self`; `contact`: the Contact of its answers ("" = `self`).
  CarrierPeer(bool tcp, const core::SocketAddress& self, std::string contact = {})
      : tcp_(tcp), self_(self), contact_(std::move(contact)) {
    fd_.reset(::socket(AF_INET, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    int one = 1;
    ::setsockopt(fd_.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd_.get(), self_.sa(), self_.len()) != 0 || (tcp && ::listen(fd_.get(), 16) != 0))
      throw std::runtime_error("carrier peer: cannot bind " + self_.to_string());
    thread_ = std::thread([this] { run(); });
  }
  ~CarrierPeer() {
    stop_ = true;
    thread_.join();
  }
  CarrierPeer(const CarrierPeer&) = delete;
  CarrierPeer& operator=(const CarrierPeer&) = delete;

  // A call from the carrier to `node` (the node's outside address).
  void call(const core::SocketAddress& node) {
    std::lock_guard lock(mutex_);
    pending_calls_.push_back(node);
  }
  std::vector<Capture> captured() const {
    std::lock_guard lock(mutex_);
    return captured_;
  }
  std::vector<core::SocketAddress> connections_from() const {
    std::lock_guard lock(mutex_);
    return connections_from_;
  }
  int answered_byes() const { return answered_byes_; }
  int answered_options() const { return answered_options_; }
  int calls_done() const { return calls_done_; }
  std::string problems() const {
    std::lock_guard lock(mutex_);
    return problems_;
  }

 private:
  struct Stream {
    core::UniqueFd fd;
    core::SocketAddress peer;
    std::string in;
  };
  struct Place {  // where a message came from: a datagram's source or a stream
    core::SocketAddress source;
    Stream* stream = nullptr;
  };

  void run() {
    while (!stop_) {
      start_pending_calls();
      std::vector<pollfd> p{{fd_.get(), POLLIN, 0}};
      for (auto& s : streams_) p.push_back({s->fd.get(), POLLIN, 0});
      if (::poll(p.data(), p.size(), 20) <= 0) continue;
      if (p[0].revents & POLLIN) tcp_ ? accept_one() : read_datagrams();
      for (std::size_t i = 1; i < p.size(); ++i)
        if (p[i].revents & (POLLIN | POLLHUP | POLLERR)) read_stream(*streams_[i - 1]);
    }
  }

  void accept_one() {
    core::SocketAddress peer;
    socklen_t len = core::SocketAddress::capacity();
    core::UniqueFd fd(::accept4(fd_.get(), peer.sa(), &len, SOCK_CLOEXEC | SOCK_NONBLOCK));
    if (!fd) return;
    {
      std::lock_guard lock(mutex_);
      connections_from_.push_back(peer);
    }
    streams_.push_back(std::make_unique<Stream>(Stream{std::move(fd), peer, {}}));
  }

  void read_datagrams() {
    char buf[65536];
    for (;;) {
      core::SocketAddress from;
      socklen_t len = core::SocketAddress::capacity();
      ssize_t n = ::recvfrom(fd_.get(), buf, sizeof buf, 0, from.sa(), &len);
      if (n <= 0) return;
      std::string bytes(buf, static_cast<std::size_t>(n));
      keep(from, bytes);
      handle(Place{from, nullptr}, bytes);
    }
  }

  void read_stream(Stream& s) {
    char buf[65536];
    ssize_t n = ::recv(s.fd.get(), buf, sizeof buf, MSG_DONTWAIT);
    if (n <= 0) return;
    std::string bytes(buf, static_cast<std::size_t>(n));
    keep(s.peer, bytes);
    s.in += bytes;
    while (std::size_t len = first_message_length(s.in)) {
      std::string message = s.in.substr(0, len);
      s.in.erase(0, len);
      message.erase(0, message.find_first_not_of("\r\n"));
      handle(Place{s.peer, &s}, message);
    }
  }

  void keep(const core::SocketAddress& from, const std::string& bytes) {
    std::lock_guard lock(mutex_);
    captured_.push_back({from, bytes});
  }
  void problem(const std::string& what) {
    std::lock_guard lock(mutex_);
    problems_ += what + "\n";
  }

  void send(const Place& to, const std::string& bytes) {
    if (to.stream) {
      ::send(to.stream->fd.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
    } else {
      ::sendto(fd_.get(), bytes.data(), bytes.size(), 0, to.source.sa(), to.source.len());
    }
  }

  std::string via(const std::string& branch) const {
    return std::string("SIP/2.0/") + (tcp_ ? "TCP " : "UDP ") + self_.to_string() + ";branch=z9hG4bK" + branch +
           ";rport";
  }
  std::string contact() const {
    if (!contact_.empty()) return contact_;
    return "<sip:carrier@" + self_.to_string() + (tcp_ ? ";transport=tcp>" : ">");
  }

  void handle(const Place& from, const std::string& text) {
    sip::SipMessage m = parse_sip(text);
    if (m.is_request()) {
      std::string method(m.method());
      if (method == "ACK") return;
      std::string headers = method == "INVITE" ? "Contact: " + contact() + "\r\n" : "";
      const std::string sdp = "v=0\r\no=carrier 1 1 IN IP4 127.0.0.4\r\ns=-\r\nc=IN IP4 127.0.0.4\r\nt=0 0\r\n"
                              "m=audio 40000 RTP/AVP 0\r\n";
      sip::ResponseExtras x{.to_tag = "carriertag", .headers = headers,
                            .content_type = method == "INVITE" ? "application/sdp" : "",
                            .body = method == "INVITE" ? std::string_view(sdp) : std::string_view()};
      send(from, sip::build_response(m, 200, {}, x));
      if (method == "BYE") ++answered_byes_;
      if (method == "OPTIONS") ++answered_options_;
      return;
    }
    // Answers to the carrier's own calls: ACK the INVITE's 200, then hang up.
    std::string cseq(m.header(HeaderId::kCSeq));
    auto call = calls_.find(std::string(m.header(HeaderId::kCallId)));
    if (call == calls_.end() || m.status() < 200) return;
    if (m.status() != 200) {
      problem("carrier call got " + std::to_string(m.status()));
      return;
    }
    if (cseq == "2 BYE") {
      ++calls_done_;
      calls_.erase(call);
      return;
    }
    if (cseq != "1 INVITE") return;
    const std::string to(m.header(HeaderId::kTo));
    // The dialog's remote target must be the node's outside address.
    const std::string node_contact(m.header(HeaderId::kContact));
    if (node_contact.find(call->second.node.to_string()) == std::string::npos)
      problem("the node's Contact " + node_contact + " is not its outside address " + call->second.node.to_string());
    Place node{call->second.node, from.stream};
    send(node, in_dialog("ACK", 1, call->first, to, call->second.node));
    send(node, in_dialog("BYE", 2, call->first, to, call->second.node));
  }

  std::string in_dialog(const std::string& method, int cseq, const std::string& call_id, const std::string& to,
                        const core::SocketAddress& node) {
    return method + " sip:" + node.to_string() + " SIP/2.0\r\nVia: " + via(call_id + method) +
           "\r\nMax-Forwards: 70\r\nFrom: <sip:+442079460100@carrier.test>;tag=carrierfrom\r\nTo: " + to +
           "\r\nCall-ID: " + call_id + "\r\nCSeq: " + std::to_string(cseq) + " " + method +
           "\r\nContent-Length: 0\r\n\r\n";
  }

  void start_pending_calls() {
    std::vector<core::SocketAddress> pending;
    {
      std::lock_guard lock(mutex_);
      pending.swap(pending_calls_);
    }
    for (const auto& node : pending) {
      const std::string id = "carrier-call-" + std::to_string(++next_call_);
      Place to{node, nullptr};
      if (tcp_) {
        core::UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        core::SocketAddress from = at(kCarrier, 0);
        if (::bind(fd.get(), from.sa(), from.len()) != 0 || ::connect(fd.get(), node.sa(), node.len()) != 0) {
          problem("carrier cannot connect to " + node.to_string());
          continue;
        }
        streams_.push_back(std::make_unique<Stream>(Stream{std::move(fd), node, {}}));
        to.stream = streams_.back().get();
      }
      calls_[id] = Call{node};
      const std::string sdp = "v=0\r\no=carrier 2 2 IN IP4 127.0.0.4\r\ns=-\r\nc=IN IP4 127.0.0.4\r\nt=0 0\r\n"
                              "m=audio 40002 RTP/AVP 0\r\n";
      send(to, "INVITE sip:4000@" + node.to_string() + " SIP/2.0\r\nVia: " + via(id) +
                   "\r\nMax-Forwards: 70\r\nFrom: <sip:+442079460100@carrier.test>;tag=carrierfrom\r\n"
                   "To: <sip:4000@" + node.to_string() + ">\r\nCall-ID: " + id + "\r\nCSeq: 1 INVITE\r\n"
                   "Contact: " + contact() + "\r\nContent-Type: application/sdp\r\nContent-Length: " +
                   std::to_string(sdp.size()) + "\r\n\r\n" + sdp);
    }
  }

  struct Call {
    core::SocketAddress node;
  };

  const bool tcp_;
  const core::SocketAddress self_;
  const std::string contact_;
  core::UniqueFd fd_;
  std::vector<std::unique_ptr<Stream>> streams_;  // the peer thread's only
  std::map<std::string, Call> calls_;             // the peer thread's only
  int next_call_ = 0;
  mutable std::mutex mutex_;
  std::vector<core::SocketAddress> pending_calls_;
  std::vector<Capture> captured_;
  std::vector<core::SocketAddress> connections_from_;
  std::string problems_;
  std::atomic<int> answered_byes_{0}, answered_options_{0}, calls_done_{0};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

std::string two_sided_config(const std::string& transport, std::uint16_t inside, std::uint16_t outside,
                             std::uint16_t pbx, std::uint16_t carrier) {
  const std::string in = std::string(kInside) + ":" + std::to_string(inside);
  const std::string out = std::string(kOutside) + ":" + std::to_string(outside);
  return "[node]\nworkers = 2\n[listen]\nudp = " + in + "\ntcp = " + in + "\nudp = " + out + "\ntcp = " + out +
         "\n[trunk pbx]\ntransport = " + transport + "\npeer = " + kPbx + ":" + std::to_string(pbx) +
         "\nlocal = " + kInside + "\n[trunk carrier]\ntransport = " + transport + "\npeer = " + kCarrier + ":" +
         std::to_string(carrier) + "\nlocal = " + kOutside +
         "\noptions-interval = 1000\n"
         "[route pbx-out]\nfrom-trunk = pbx\nto-trunk = carrier\n"
         "[route carrier-in]\nfrom-trunk = carrier\nto-trunk = pbx\n";
}

// How much of a capture's source the test can know.
enum class Source { kSocket, kAddress, kRelayed };  // UDP: the socket; TCP: the IP; through a relay: nothing

// No captured byte names the inside address; some name `named` (Via,
// Contact, From: the outside address, not merely no address); and each came
// from `named` (kSocket), from its IP (kAddress), or is not checked (kRelayed).
void expect_no_inside_address(const std::vector<Capture>& captured, const core::SocketAddress& named, Source source) {
  ASSERT_FALSE(captured.empty());
  std::size_t outside_named = 0;
  for (const auto& c : captured) {
    EXPECT_EQ(c.bytes.find(kInside), std::string::npos) << "from " << c.source.to_string() << ":\n" << c.bytes;
    if (source == Source::kSocket) {
      EXPECT_EQ(c.source, named) << c.bytes;
    }
    if (source == Source::kAddress) {
      EXPECT_TRUE(c.source.same_ip(named)) << c.source.to_string() << ": " << c.bytes;
    }
    outside_named += c.bytes.find(named.to_string()) != std::string::npos;
  }
  EXPECT_GT(outside_named, 0u);
}

class TwoSidedNode : public ::testing::TestWithParam<std::string> {};

TEST_P(TwoSidedNode, NoByteToTheOutsidePeerNamesTheInsideAddressAndAllComeFromTheOutsideOne) {
  const bool tcp = GetParam() == "tcp";
  TempDir dir("two-sided-" + GetParam());
  const std::uint16_t inside = free_port_on(kInside), outside = free_port_on(kOutside);
  const std::uint16_t pbx = free_port_on(kPbx), carrier_port = free_port_on(kCarrier);
  CarrierPeer carrier(tcp, at(kCarrier, carrier_port));
  Sipnic node(dir, two_sided_config(GetParam(), inside, outside, pbx, carrier_port));
  ASSERT_EQ(node.wait_ready(), "");
  std::vector<std::string> t = tcp ? std::vector<std::string>{"-t", "t1"} : std::vector<std::string>{};
  auto sipp_args = [&](const std::string& scenario_path, std::vector<std::string> more) {
    std::vector<std::string> a = {"-sf", scenario_path, "-i", kPbx, "-p", std::to_string(pbx)};
    a.insert(a.end(), t.begin(), t.end());
    a.insert(a.end(), more.begin(), more.end());
    return a;
  };

  // PBX -> carrier: sipp calls the inside address.
  const int calls = 3;
  {
    Sipp uac(dir, "uac",
             sipp_args(scenario(dir, "uac_call.xml", {{"ON_200", ""}, {"PAUSE_MS", "100"}}),
                       {std::string(kInside) + ":" + std::to_string(inside), "-m", std::to_string(calls), "-r", "10",
                        "-recv_timeout", "10000"}),
             60s);
    SippResult r = uac.wait();
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_EQ(r.successful(), calls) << r.describe();
  }
  EXPECT_TRUE(eventually([&] { return carrier.answered_byes() == calls; }, 10s)) << carrier.answered_byes();

  // Carrier -> PBX: the carrier calls the outside address; sipp answers inside.
  {
    Sipp uas(dir, "uas",
             sipp_args(scenario(dir, "uas_call.xml", {{"ON_INVITE", ""}}),
                       {"-m", std::to_string(calls), "-recv_timeout", "10000"}),
             60s);
    // A UDP INVITE sent before sipp listens is retransmitted (Timer A); a
    // TCP one would fail on the refused connect: wait for sipp's listener.
    if (tcp) {
      ASSERT_TRUE(wait_listening(kPbx, pbx, 10s));
    }
    for (int i = 0; i < calls; ++i) carrier.call(at(kOutside, outside));
    EXPECT_TRUE(eventually([&] { return carrier.calls_done() == calls; }, 20s))
        << carrier.calls_done() << "\n" << carrier.problems();
    SippResult r = uas.wait();
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_EQ(r.successful(), calls) << r.describe();
  }
  // And at least one OPTIONS ping of the carrier trunk.
  EXPECT_TRUE(eventually([&] { return carrier.answered_options() >= 1; }, 10s));
  SipnicSummary sum = stop_and_check(node);
  EXPECT_EQ(sum.answered, 2 * calls) << sum.line;
  EXPECT_EQ(carrier.problems(), "");

  // The captures: nothing names the inside address, everything came from
  // the outside one (datagrams from its UDP socket, connections bound to it).
  expect_no_inside_address(carrier.captured(), at(kOutside, outside), tcp ? Source::kAddress : Source::kSocket);
  for (const auto& from : carrier.connections_from()) EXPECT_EQ(from.ip(), kOutside);
}

// Over TLS: trunk carrier is TLS, to stunnel in server mode at 127.0.0.4
// (carrier's certificate), which hands the plaintext to the carrier peer at
// 127.0.0.5; the peer sees every byte but not where the node connected from,
// so stunnel's log is read for that. Calls PBX -> carrier and OPTIONS pings.
TEST(TwoSidedNodeTls, NoByteToTheOutsideTlsPeerNamesTheInsideAddressAndItsConnectionsComeFromTheOutsideOne) {
  constexpr const char* kCarrierPlain = "127.0.0.5";
  TempDir dir("two-sided-tls");
  Pki pki = make_pki(dir, "pki");
  const std::uint16_t inside = free_port_on(kInside), outside_udp = free_port_on(kOutside),
                      outside_tls = free_port_on(kOutside), pbx = free_port_on(kPbx),
                      tunnel = free_port_on(kCarrier), plain = free_port_on(kCarrierPlain);
  const std::string tunnel_at = std::string(kCarrier) + ":" + std::to_string(tunnel);
  CarrierPeer carrier(true, at(kCarrierPlain, plain), "<sip:carrier@" + tunnel_at + ";transport=tls>");
  Stunnel st(dir, "stunnel-carrier",
             "[carrier]\naccept = " + tunnel_at + "\nconnect = " + kCarrierPlain + ":" + std::to_string(plain) +
                 "\ncert = " + pki.file("carrier.crt") + "\nkey = " + pki.file("carrier.key") +
                 "\nCAfile = " + pki.file("ca.crt") +
                 "\nverifyChain = yes\ncheckHost = node.sipnic.test\nsslVersionMin = TLSv1.2\n");
  ASSERT_TRUE(st.wait_ready(kCarrier, tunnel)) << st.log();
  const std::string in = std::string(kInside) + ":" + std::to_string(inside);
  const std::string out = std::string(kOutside) + ":";
  Sipnic node(dir, "[node]\nworkers = 2\n[listen]\nudp = " + in + "\nudp = " + out + std::to_string(outside_udp) +
                       "\ntls = " + out + std::to_string(outside_tls) + "\n[tls]\ncertificate = " +
                       pki.file("node.crt") + "\nprivate-key = " + pki.file("node.key") + "\nca = " +
                       pki.file("ca.crt") + "\nhandshake-rate = 0\n[trunk pbx]\npeer = " + kPbx + ":" +
                       std::to_string(pbx) + "\nlocal = " + kInside + "\n[trunk carrier]\ntransport = tls\npeer = " +
                       tunnel_at + "\nlocal = " + kOutside +
                       "\ntls-identity = carrier.sipnic.test\noptions-interval = 1000\n"
                       "[route pbx-out]\nfrom-trunk = pbx\nto-trunk = carrier\n");
  ASSERT_EQ(node.wait_ready(), "");
  const int calls = 3;
  Sipp uac(dir, "uac",
           {"-sf", scenario(dir, "uac_call.xml", {{"ON_200", ""}, {"PAUSE_MS", "100"}}), "-i", kPbx, "-p",
            std::to_string(pbx), in, "-m", std::to_string(calls), "-r", "10", "-recv_timeout", "10000"},
           60s);
  SippResult r = uac.wait();
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.successful(), calls) << r.describe();
  EXPECT_TRUE(eventually([&] { return carrier.answered_byes() == calls; }, 10s)) << carrier.answered_byes();
  EXPECT_TRUE(eventually([&] { return carrier.answered_options() >= 1; }, 10s));
  SipnicSummary sum = stop_and_check(node);
  EXPECT_EQ(sum.answered, calls) << sum.line;
  EXPECT_EQ(carrier.problems(), "");
  expect_no_inside_address(carrier.captured(), at(kOutside, outside_tls), Source::kRelayed);
  const std::string log = st.log();
  EXPECT_GE(count_of(log, "accepted connection from 127.0.0.2:"), 1u) << log;
  EXPECT_EQ(count_of(log, "accepted connection from 127.0.0.1:"), 0u) << log;
}

INSTANTIATE_TEST_SUITE_P(Transport, TwoSidedNode, ::testing::Values("udp", "tcp"),
                         [](const ::testing::TestParamInfo<std::string>& i) { return i.param; });

}  // namespace
}  // namespace sipnic::test
