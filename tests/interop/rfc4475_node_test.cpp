// RFC 4475 (and RFC 5118) messages sent to a running sipnic over UDP: every
// request gets the response the RFC calls for (or, for messages it calls
// valid, the response sipnic gives any such request: 100 Trying for an INVITE
// from a trunk, 200 for OPTIONS, 405 for REGISTER, 408 for a MESSAGE relayed
// to a trunk that never answers, 501 for unknown methods),
// and malformed responses get nothing.
#include <gtest/gtest.h>
#include <poll.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "core/ascii.h"
#include "support/loop_thread.h"
#include "support/process.h"

namespace {

using namespace std::chrono_literals;
using sipnic::core::SocketAddress;
using sipnic::test::ChildProcess;
using sipnic::test::PeerSocket;

constexpr const char* kNodeIp = "127.0.44.1";
constexpr const char* kPeerIp = "127.0.44.2";  // the torture messages' sender (a trunk)
// Response ports the messages' Via sent-by names (no rport: RFC 3261 §18.2.2).
constexpr std::uint16_t kPeerPorts[] = {5060, 5050, 5070, 19823, 6050};

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Case {
  const char* file;      // under testdata/sip/
  int status;            // expected first response; 0 = none
  const char* header;    // a header the response must carry ("" = none)
};

std::ostream& operator<<(std::ostream& os, const Case& c) { return os << c.file; }

// Expected outcomes (RFC 4475 §3; RFC 5118 §4).
const Case kCases[] = {
    // §3.1.1 valid messages: handled as any such request.
    // wsinv carries a To tag: a request inside a dialog sipnic does not have
    // (RFC 3261 §12.2.2).
    {"rfc4475/wsinv.dat", 481, ""},
    {"rfc4475/intmeth.dat", 501, "Allow"},
    {"rfc4475/esc01.dat", 100, ""},
    {"rfc4475/escnull.dat", 405, "Allow"},
    {"rfc4475/esc02.dat", 501, "Allow"},  // method names are not unescaped
    {"rfc4475/lwsdisp.dat", 200, ""},
    {"rfc4475/longreq.dat", 100, ""},
    {"rfc4475/dblreq.dat", 405, "Allow"},
    {"rfc4475/semiuri.dat", 200, ""},
    {"rfc4475/transports.dat", 200, ""},
    {"rfc4475/mpart01.dat", 408, ""},  // a MESSAGE from a trunk is relayed; the sink trunk never answers (64*T1)
    {"rfc4475/unreason.dat", 0, ""},  // responses matching no transaction
    {"rfc4475/noreason.dat", 0, ""},
    // §3.1.2 invalid messages: requests 400 (505 for the version), responses dropped.
    {"rfc4475/badinv01.dat", 400, ""},
    {"rfc4475/clerr.dat", 400, ""},
    {"rfc4475/ncl.dat", 400, ""},
    {"rfc4475/scalar02.dat", 400, ""},
    {"rfc4475/scalarlg.dat", 0, ""},
    {"rfc4475/quotbal.dat", 400, ""},
    {"rfc4475/ltgtruri.dat", 400, ""},
    {"rfc4475/lwsruri.dat", 400, ""},
    {"rfc4475/lwsstart.dat", 400, ""},
    {"rfc4475/trws.dat", 400, ""},
    {"rfc4475/escruri.dat", 400, ""},
    {"rfc4475/baddate.dat", 400, ""},
    {"rfc4475/regbadct.dat", 400, ""},
    {"rfc4475/badaspec.dat", 400, ""},
    {"rfc4475/baddn.dat", 400, ""},
    {"rfc4475/badvers.dat", 505, ""},
    {"rfc4475/mismatch01.dat", 400, ""},
    {"rfc4475/mismatch02.dat", 400, ""},
    {"rfc4475/bigcode.dat", 0, ""},
    // §3.2 transaction layer: a bare magic cookie is processed (as RFC 2543).
    {"rfc4475/badbranch.dat", 200, ""},
    // §3.3 application layer.
    {"rfc4475/insuf.dat", 400, ""},
    {"rfc4475/unkscm.dat", 416, ""},
    {"rfc4475/novelsc.dat", 416, ""},
    {"rfc4475/unksm2.dat", 416, ""},
    {"rfc4475/bext01.dat", 420, "Unsupported"},
    {"rfc4475/invut.dat", 415, "Accept"},
    {"rfc4475/regaut01.dat", 405, "Allow"},
    {"rfc4475/multi01.dat", 400, ""},
    {"rfc4475/mcl01.dat", 400, ""},
    {"rfc4475/bcast.dat", 0, ""},
    {"rfc4475/zeromf.dat", 483, ""},
    {"rfc4475/cparam01.dat", 405, "Allow"},
    {"rfc4475/cparam02.dat", 405, "Allow"},
    {"rfc4475/regescrt.dat", 405, "Allow"},
    {"rfc4475/sdp01.dat", 406, ""},
    // §3.4 backward compatibility: an RFC 2543 INVITE is served.
    {"rfc4475/inv2543.dat", 100, ""},
    // RFC 5118: IPv6 references. Valid ones are served, invalid ones refused.
    {"rfc5118/ipv4-mapped-ipv6", 100, ""},
    {"rfc5118/ipv6-bad", 400, ""},
    {"rfc5118/ipv6-bug-abnf-3-colons", 400, ""},
    {"rfc5118/ipv6-correct-abnf-2-colons", 200, ""},
    {"rfc5118/ipv6-good", 405, "Allow"},
    {"rfc5118/ipv6-in-sdp", 100, ""},
    {"rfc5118/mult-ip-in-header", 481, ""},  // a BYE for a dialog sipnic does not have
    {"rfc5118/mult-ip-in-sdp", 100, ""},
    {"rfc5118/port-ambiguous", 405, "Allow"},  // well-formed; only a registrar would misread it
    {"rfc5118/port-unambiguous", 405, "Allow"},
    {"rfc5118/via-received-param-no-delim", 200, ""},
    {"rfc5118/via-received-param-with-delim", 481, ""},
};

class Rfc4475Node : public ::testing::TestWithParam<Case> {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::filesystem::temp_directory_path() / ("sipnic-rfc4475-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    std::ofstream(dir_ / "node.conf") << "[node]\nworkers = 1\n"
                                      << "[timers]\nt1 = 20\nt2 = 80\nt4 = 100\n"
                                      << "[listen]\nudp = " << kNodeIp << ":5060\n"
                                      << "[trunk torture]\ntransport = udp\npeer = " << kPeerIp << ":5060\n"
                                      << "[trunk sink]\ntransport = udp\npeer = 127.0.44.3:5060\n"
                                      << "[route all]\nfrom-trunk = torture\nto-trunk = sink\n";
    node_ = new ChildProcess({SIPNIC_BINARY, "run", "-c", (dir_ / "node.conf").string(), "--log-level", "debug"},
                             {.stdout_path = (dir_ / "out.log").string(), .stderr_path = (dir_ / "err.log").string()});
    for (auto port : kPeerPorts) peers_.push_back(new PeerSocket(AF_INET, SOCK_DGRAM, kPeerIp, port));
    // Ready when it answers an OPTIONS.
    for (int i = 0; i < 100; ++i) {
      std::string ping =
          "OPTIONS sip:node@127.0.44.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.44.2:5060;branch=z9hG4bK-ping" +
          std::to_string(i) +
          "\r\nMax-Forwards: 70\r\nFrom: <sip:t@x>;tag=1\r\nTo: <sip:n@x>\r\nCall-ID: ping" + std::to_string(i) +
          "\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
      peers_[0]->send_to(*SocketAddress::from_ip(kNodeIp, 5060), ping);
      if (peers_[0]->receive(100ms)) {
        ready_ = true;
        break;
      }
    }
  }
  static void TearDownTestSuite() {
    for (auto* p : peers_) delete p;
    peers_.clear();
    delete node_;
    node_ = nullptr;
    std::string err = read_file(dir_ / "err.log");
    EXPECT_EQ(err.find("ERROR: AddressSanitizer"), std::string::npos) << err;
    EXPECT_EQ(err.find("runtime error:"), std::string::npos) << err;
    std::filesystem::remove_all(dir_);
  }
  // The first datagram any peer port gets within `timeout`.
  static std::optional<std::string> receive_any(std::chrono::milliseconds timeout) {
    std::vector<pollfd> fds;
    for (auto* p : peers_) fds.push_back({p->fd(), POLLIN, 0});
    if (::poll(fds.data(), fds.size(), static_cast<int>(timeout.count())) <= 0) return std::nullopt;
    for (std::size_t i = 0; i < fds.size(); ++i)
      if (fds[i].revents & POLLIN) return peers_[i]->receive(0ms);
    return std::nullopt;
  }
  // The first answer whose Call-ID is `call_id` (INVITE failures are
  // retransmitted for a while: other tests' answers are skipped).
  static std::optional<std::string> receive_for(std::string_view call_id, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left <= 0ms) return std::nullopt;
      auto m = receive_any(left);
      if (!m) return std::nullopt;
      if (call_id_of(*m) == call_id) return m;
    }
  }
  // Call-ID and CSeq of a message: what ties an answer to its request.
  static std::string call_id_of(std::string_view m) {
    return header_of(m, "call-id", "i") + "|" + header_of(m, "cseq", "");
  }
  static std::string header_of(std::string_view m, std::string_view name, std::string_view compact) {
    std::size_t pos = m.find("\r\n");
    while (pos != std::string_view::npos && pos + 2 < m.size()) {
      std::size_t start = pos + 2;
      std::size_t end = m.find("\r\n", start);
      std::string_view line = m.substr(start, end == std::string_view::npos ? m.npos : end - start);
      if (line.empty()) break;
      auto colon = line.find(':');
      if (colon != std::string_view::npos) {
        std::string n = sipnic::core::ascii::to_lower(line.substr(0, colon));
        while (!n.empty() && sipnic::core::ascii::is_blank(n.back())) n.pop_back();
        if (n == name || (!compact.empty() && n == compact)) {
          std::string_view v = line.substr(colon + 1);
          while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
          while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
          return std::string(v);
        }
      }
      pos = end;
    }
    return {};
  }

  static inline std::filesystem::path dir_;
  static inline ChildProcess* node_ = nullptr;
  static inline std::vector<PeerSocket*> peers_;
  static inline bool ready_ = false;
  static inline std::set<std::string> seen_;
};

TEST_P(Rfc4475Node, GetsTheResponseTheRfcCallsFor) {
  ASSERT_TRUE(ready_) << "sipnic did not answer OPTIONS on " << kNodeIp;
  const Case& c = GetParam();
  std::string msg = read_file(std::filesystem::path(SIPNIC_TESTDATA) / "sip" / c.file);
  ASSERT_FALSE(msg.empty()) << c.file;
  // Several RFC 4475 messages share a top Via (branch and sent-by) and
  // method: to sipnic they are one transaction (RFC 3261 §17.2.3), the later
  // ones retransmissions. Wait out the earlier one (64*T1, T1 = 20 ms here).
  std::string cseq = header_of(msg, "cseq", "");
  std::string key = header_of(msg, "via", "v") + "|" + cseq.substr(cseq.find_last_of(" \t") + 1);
  if (!seen_.insert(key).second) std::this_thread::sleep_for(1500ms);
  peers_[0]->send_to(*SocketAddress::from_ip(kNodeIp, 5060), msg);
  std::string call_id = call_id_of(msg);
  auto reply = receive_for(call_id, c.status ? 3000ms : 500ms);
  if (c.status == 0) {
    EXPECT_FALSE(reply) << "unexpected answer: " << reply->substr(0, reply->find("\r\n"));
    return;
  }
  ASSERT_TRUE(reply) << "no answer to " << c.file;
  std::string line = reply->substr(0, reply->find("\r\n"));
  EXPECT_EQ(line.substr(0, 12), "SIP/2.0 " + std::to_string(c.status) + " ") << line;
  if (*c.header) {
    EXPECT_NE(reply->find(std::string("\r\n") + c.header + ": "), std::string::npos) << *reply;
  }
  EXPECT_TRUE(node_->running()) << "sipnic died on " << c.file;
}

INSTANTIATE_TEST_SUITE_P(Torture, Rfc4475Node, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           std::string n = std::filesystem::path(info.param.file).stem().string();
                           for (auto& ch : n)
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return n;
                         });

}  // namespace
