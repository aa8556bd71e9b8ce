// RFC 3263 server location against a real DNS server: a dnsmasq started per
// test on 127.0.0.1 and a free port, serving NAPTR/SRV/A/AAAA records for
// names under .test. Every test runs its EventLoop inline with a deadline so a
// lost callback fails the test instead of hanging it; nothing asserts timing.
#include "sip/resolver.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/unique_fd.h"
#include "support/dnsmasq.h"
#include "support/process.h"

namespace sipnic::sip {

// gtest prints targets in failure messages through this (found by ADL).
inline void PrintTo(const ResolvedTarget& t, std::ostream* os) {
  static const char* const kNames[] = {"udp", "tcp", "tls"};
  *os << "{" << kNames[static_cast<int>(t.transport)] << " " << t.address << ":" << t.port
      << " " << t.srv_target << "}";
}

namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using core::Transport;
using namespace std::chrono_literals;
using test::dns_answers;
using test::dnsmasq_path;

// Generous bound for one test's DNS traffic; only reached when a callback is lost.
constexpr auto kDeadline = 20s;

// The zone every dnsmasq in this file serves. --local=/test/ makes dnsmasq
// authoritative for .test: unknown names there are NXDOMAIN, never forwarded.
std::vector<std::string> test_zone() {
  return {
      "--local=/test/",
      "--host-record=ready.test,127.0.0.1",  // the readiness probe's name
      // naptr.test: SCTP has the best order but is unsupported; TCP (order 10)
      // comes before UDP (order 20).
      "--naptr-record=naptr.test,5,10,S,SIP+D2S,,_sip._sctp.naptr.test",
      "--naptr-record=naptr.test,20,10,S,SIP+D2U,,_sip._udp.naptr.test",
      "--naptr-record=naptr.test,10,10,S,SIP+D2T,,_sip._tcp.naptr.test",
      "--srv-host=_sip._sctp.naptr.test,sctp.naptr.test,5090,10,10",
      "--srv-host=_sip._tcp.naptr.test,tcp.naptr.test,5070,10,10",
      "--srv-host=_sip._udp.naptr.test,udp.naptr.test,5080,10,10",
      "--host-record=tcp.naptr.test,127.0.1.1",
      "--host-record=udp.naptr.test,127.0.1.2",
      "--host-record=sctp.naptr.test,127.0.1.3",
      // pref.test: same order, preference 20 (TLS) before 50 (UDP).
      "--naptr-record=pref.test,10,50,S,SIP+D2U,,_sip._udp.pref.test",
      "--naptr-record=pref.test,10,20,S,SIPS+D2T,,_sips._tcp.pref.test",
      "--srv-host=_sip._udp.pref.test,udp.pref.test,5060,10,10",
      "--srv-host=_sips._tcp.pref.test,tls.pref.test,5061,10,10",
      "--host-record=udp.pref.test,127.0.2.1",
      "--host-record=tls.pref.test,127.0.2.2",
      // prio.test: three priorities, configured out of order.
      "--srv-host=_sip._udp.prio.test,second.prio.test,5062,20,10",
      "--srv-host=_sip._udp.prio.test,third.prio.test,5063,30,10",
      "--srv-host=_sip._udp.prio.test,first.prio.test,5061,10,10",
      "--host-record=first.prio.test,127.0.3.1",
      "--host-record=second.prio.test,127.0.3.2",
      "--host-record=third.prio.test,127.0.3.3",
      // weight.test: one priority, weights 0 / 90 / 10.
      "--srv-host=_sip._udp.weight.test,zero.weight.test,5060,10,0",
      "--srv-host=_sip._udp.weight.test,heavy.weight.test,5060,10,90",
      "--srv-host=_sip._udp.weight.test,light.weight.test,5060,10,10",
      "--host-record=zero.weight.test,127.0.4.1",
      "--host-record=heavy.weight.test,127.0.4.2",
      "--host-record=light.weight.test,127.0.4.3",
      // dual.test: the SRV target has an A and an AAAA record.
      "--srv-host=_sip._tcp.dual.test,both.dual.test,5070,10,10",
      "--host-record=both.dual.test,127.0.5.1,::1",
      // nonaptr.test: no NAPTR; SRV for TCP and TLS only.
      "--srv-host=_sip._tcp.nonaptr.test,tcp.nonaptr.test,5070,10,10",
      "--srv-host=_sips._tcp.nonaptr.test,tls.nonaptr.test,5071,10,10",
      "--host-record=tcp.nonaptr.test,127.0.6.1",
      "--host-record=tls.nonaptr.test,127.0.6.2",
      // plain.test: no NAPTR, no SRV, just an address.
      "--host-record=plain.test,127.0.7.1",
      // port.test: SRV exists, but an explicit port must bypass it.
      "--srv-host=_sip._udp.port.test,srv.port.test,5070,10,10",
      "--host-record=port.test,127.0.8.1",
      "--host-record=srv.port.test,127.0.8.2",
  };
}

// A dnsmasq in the foreground on 127.0.0.1:port(); killed when destroyed.
class Dnsmasq {
 public:
  // Empty error() means it is up and answering.
  Dnsmasq() {
    for (int attempt = 0; attempt < 5 && start_once(); ++attempt) {
    }
  }
  ~Dnsmasq() {
    process_.kill();
    if (!log_path_.empty()) std::filesystem::remove(log_path_);
  }

  const std::string& error() const { return error_; }
  std::string server() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  // Returns true when worth another attempt (the port was taken meanwhile).
  bool start_once() {
    process_.kill();
    port_ = test::free_port(SOCK_DGRAM);
    log_path_ = (std::filesystem::temp_directory_path() /
                 ("sipnic-dnsmasq-" + std::to_string(::getpid()) + "-" + std::to_string(port_) +
                  ".log"))
                    .string();
    std::vector<std::string> argv = {dnsmasq_path(),
                                     "--keep-in-foreground",
                                     "--no-resolv",
                                     "--no-hosts",
                                     "--conf-file=/dev/null",
                                     "--pid-file=",
                                     "--listen-address=127.0.0.1",
                                     "--bind-interfaces",
                                     "--port=" + std::to_string(port_),
                                     "--log-facility=-"};
    for (auto& r : test_zone()) argv.push_back(r);
    try {
      process_ = test::ChildProcess(argv, {.stdout_path = log_path_, .stderr_path = log_path_});
    } catch (const std::exception& e) {
      error_ = e.what();
      return false;
    }
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
      if (!process_.running()) {
        // Most likely "Address already in use": someone took the port.
        error_ = "dnsmasq exited at start: " + process_.stderr_text();
        return true;
      }
      if (dns_answers(port_, 25ms)) {
        error_.clear();
        return false;
      }
    }
    error_ = "dnsmasq did not answer on " + server() + ": " + process_.stderr_text();
    return false;
  }

  test::ChildProcess process_;
  std::uint16_t port_ = 0;
  std::string log_path_;
  std::string error_ = "not started";
};

struct Outcome {
  int calls = 0;
  std::vector<ResolvedTarget> targets;
  std::string error;
};

// Runs `loop` until it is stopped or the deadline passes; false on the deadline.
bool run_with_deadline(core::EventLoop& loop) {
  bool expired = false;
  auto deadline = loop.add_timer(std::chrono::duration_cast<core::Millis>(kDeadline), [&] {
    expired = true;
    loop.stop();
  });
  loop.run();
  loop.cancel_timer(deadline);  // it refers to this frame's `expired`
  return !expired;
}

// One resolution on a fresh loop and Resolver.
Outcome resolve_once(ResolverOptions options, core::HostPort where,
                     std::optional<Transport> transport) {
  core::EventLoop loop;
  core::Log log(core::LogLevel::kDebug, [](core::LogLevel, std::string_view) {});
  Outcome out;
  Resolver resolver(loop, log, std::move(options));
  resolver.resolve(where, transport, [&](std::vector<ResolvedTarget> targets, std::string error) {
    ++out.calls;
    out.targets = std::move(targets);
    out.error = std::move(error);
    loop.stop();
  });
  EXPECT_TRUE(run_with_deadline(loop)) << "no callback for " << where.host;
  return out;
}

ResolvedTarget target(Transport t, std::string address, std::uint16_t port, std::string name) {
  return ResolvedTarget{t, std::move(address), port, std::move(name)};
}

// Options that make any DNS query fail: the server is a closed loopback port.
ResolverOptions no_dns_options() {
  ResolverOptions o;
  o.servers = {"127.0.0.1:" + std::to_string(test::free_port(SOCK_DGRAM))};
  o.timeout = 300ms;
  o.tries = 1;
  return o;
}

class ResolverDnsmasqTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::access(dnsmasq_path().c_str(), X_OK) != 0) {
      FAIL() << "dnsmasq not found at " << dnsmasq_path()
             << ": these tests need a real DNS server. Install it with scripts/install-deps "
                "(Debian package dnsmasq-base) or point SIPNIC_DNSMASQ at it.";
    }
    dns_ = std::make_unique<Dnsmasq>();
    ASSERT_EQ(dns_->error(), "") << "cannot start dnsmasq";
  }

  ResolverOptions options() const {
    ResolverOptions o;
    o.servers = {dns_->server()};
    o.timeout = 1000ms;
    o.tries = 2;
    o.random_seed = 1;
    return o;
  }

  Outcome resolve(const std::string& host, std::optional<Transport> transport = std::nullopt,
                  std::uint16_t port = 0) {
    return resolve_once(options(), core::HostPort{host, port}, transport);
  }

  std::unique_ptr<Dnsmasq> dns_;
};

TEST_F(ResolverDnsmasqTest, NaptrOrderChoosesTcpOverUdpAndSkipsUnsupportedSctp) {
  Outcome r = resolve("naptr.test");
  EXPECT_EQ(r.calls, 1);
  EXPECT_EQ(r.error, "");
  EXPECT_THAT(r.targets, ElementsAre(target(Transport::kTcp, "127.0.1.1", 5070, "tcp.naptr.test"),
                                     target(Transport::kUdp, "127.0.1.2", 5080, "udp.naptr.test")));
}

TEST_F(ResolverDnsmasqTest, NaptrPreferenceBreaksOrderTieTlsBeforeUdp) {
  Outcome r = resolve("pref.test");
  EXPECT_EQ(r.error, "");
  EXPECT_THAT(r.targets, ElementsAre(target(Transport::kTls, "127.0.2.2", 5061, "tls.pref.test"),
                                     target(Transport::kUdp, "127.0.2.1", 5060, "udp.pref.test")));
}

TEST_F(ResolverDnsmasqTest, SrvPriorityOrdersTargetsLowestFirst) {
  Outcome r = resolve("prio.test", Transport::kUdp);
  EXPECT_EQ(r.error, "");
  EXPECT_THAT(r.targets,
              ElementsAre(target(Transport::kUdp, "127.0.3.1", 5061, "first.prio.test"),
                          target(Transport::kUdp, "127.0.3.2", 5062, "second.prio.test"),
                          target(Transport::kUdp, "127.0.3.3", 5063, "third.prio.test")));
}

TEST_F(ResolverDnsmasqTest, SrvWeightsPickHeavyMostOftenAndWeightZeroAlmostNeverFirst) {
  core::EventLoop loop;
  core::Log log(core::LogLevel::kWarn, [](core::LogLevel, std::string_view) {});
  ResolverOptions o = options();
  o.random_seed = 20240601;
  Resolver resolver(loop, log, o);

  constexpr int kRuns = 1000;
  std::map<std::string, int> first, last;
  int done = 0;
  std::string failure;
  std::function<void()> next = [&] {
    resolver.resolve({"weight.test", 0}, Transport::kUdp,
                     [&](std::vector<ResolvedTarget> targets, std::string error) {
                       if (!error.empty() || targets.size() != 3) {
                         failure = error.empty() ? "wrong target count" : error;
                         loop.stop();
                         return;
                       }
                       ++first[targets.front().srv_target];
                       ++last[targets.back().srv_target];
                       if (++done == kRuns) {
                         loop.stop();
                       } else {
                         next();
                       }
                     });
  };
  next();
  ASSERT_TRUE(run_with_deadline(loop)) << "resolved " << done << " of " << kRuns;
  ASSERT_EQ(failure, "");
  // RFC 2782 with weights 0/90/10: first pick is heavy with p = 90/101,
  // light 10/101, zero 1/101 (only when the draw is exactly 0). Bounds are
  // many standard deviations wide; the seed makes the run repeatable anyway.
  EXPECT_GT(first["heavy.weight.test"], 820);
  EXPECT_LT(first["heavy.weight.test"], 960);
  EXPECT_GT(first["light.weight.test"], 50);
  EXPECT_LT(first["light.weight.test"], 170);
  EXPECT_LT(first["zero.weight.test"], 40);
  // Weight 0 ends up last about 91% of the time.
  EXPECT_GT(last["zero.weight.test"], 850);
}

TEST_F(ResolverDnsmasqTest, SameSeedGivesSameWeightedOrder) {
  auto orders = [&](std::uint64_t seed) {
    core::EventLoop loop;
    core::Log log(core::LogLevel::kWarn, [](core::LogLevel, std::string_view) {});
    ResolverOptions o = options();
    o.random_seed = seed;
    Resolver resolver(loop, log, o);
    std::vector<std::vector<std::string>> seen;
    std::function<void()> next = [&] {
      resolver.resolve({"weight.test", 0}, Transport::kUdp,
                       [&](std::vector<ResolvedTarget> targets, std::string) {
                         std::vector<std::string> names;
                         for (auto& t : targets) names.push_back(t.srv_target);
                         seen.push_back(names);
                         if (seen.size() == 30) {
                           loop.stop();
                         } else {
                           next();
                         }
                       });
    };
    next();
    EXPECT_TRUE(run_with_deadline(loop));
    return seen;
  };
  auto a = orders(7);
  auto b = orders(7);
  ASSERT_EQ(a.size(), 30u);
  EXPECT_EQ(a, b);
}

TEST_F(ResolverDnsmasqTest, SrvTargetExpandsToARecordThenAaaaRecord) {
  Outcome r = resolve("dual.test", Transport::kTcp);
  EXPECT_EQ(r.error, "");
  EXPECT_THAT(r.targets, ElementsAre(target(Transport::kTcp, "127.0.5.1", 5070, "both.dual.test"),
                                     target(Transport::kTcp, "::1", 5070, "both.dual.test")));
}

TEST_F(ResolverDnsmasqTest, PreferIpv6PutsAaaaBeforeA) {
  ResolverOptions o = options();
  o.prefer_ipv6 = true;
  Outcome r = resolve_once(o, {"dual.test", 0}, Transport::kTcp);
  EXPECT_EQ(r.error, "");
  EXPECT_THAT(r.targets, ElementsAre(target(Transport::kTcp, "::1", 5070, "both.dual.test"),
                                     target(Transport::kTcp, "127.0.5.1", 5070, "both.dual.test")));
}

TEST_F(ResolverDnsmasqTest, NoNaptrFallsBackToSrvPerTransportInUdpTcpTlsOrder) {
  Outcome r = resolve("nonaptr.test");
  EXPECT_EQ(r.error, "");
  EXPECT_THAT(r.targets,
              ElementsAre(target(Transport::kTcp, "127.0.6.1", 5070, "tcp.nonaptr.test"),
                          target(Transport::kTls, "127.0.6.2", 5071, "tls.nonaptr.test")));
}

TEST_F(ResolverDnsmasqTest, GivenTransportQueriesOnlyItsSrvName) {
  Outcome r = resolve("nonaptr.test", Transport::kTls);
  EXPECT_EQ(r.error, "");
  EXPECT_THAT(r.targets,
              ElementsAre(target(Transport::kTls, "127.0.6.2", 5071, "tls.nonaptr.test")));
}

TEST_F(ResolverDnsmasqTest, NoSrvFallsBackToAddressWithUdpPort5060) {
  Outcome r = resolve("plain.test");
  EXPECT_EQ(r.error, "");
  EXPECT_THAT(r.targets, ElementsAre(target(Transport::kUdp, "127.0.7.1", 5060, "plain.test")));
}

TEST_F(ResolverDnsmasqTest, NoSrvWithTlsFallsBackToPort5061) {
  Outcome r = resolve("plain.test", Transport::kTls);
  EXPECT_EQ(r.error, "");
  EXPECT_THAT(r.targets, ElementsAre(target(Transport::kTls, "127.0.7.1", 5061, "plain.test")));
}

TEST_F(ResolverDnsmasqTest, ExplicitPortBypassesNaptrAndSrv) {
  Outcome r = resolve("port.test", std::nullopt, 7000);
  EXPECT_EQ(r.error, "");
  EXPECT_THAT(r.targets, ElementsAre(target(Transport::kUdp, "127.0.8.1", 7000, "port.test")));
  Outcome t = resolve("port.test", Transport::kTcp, 7001);
  EXPECT_THAT(t.targets, ElementsAre(target(Transport::kTcp, "127.0.8.1", 7001, "port.test")));
}

TEST_F(ResolverDnsmasqTest, NxdomainGivesErrorNamingTheDomainAndRecordType) {
  Outcome r = resolve("nx.test");
  EXPECT_EQ(r.calls, 1);
  EXPECT_TRUE(r.targets.empty());
  EXPECT_THAT(r.error, HasSubstr("nx.test"));
  EXPECT_THAT(r.error, HasSubstr("A/AAAA"));
  EXPECT_THAT(r.error, HasSubstr("NXDOMAIN"));
}

TEST_F(ResolverDnsmasqTest, ManyConcurrentResolvesEachCallBackExactlyOnce) {
  core::EventLoop loop;
  core::Log log(core::LogLevel::kDebug, [](core::LogLevel, std::string_view) {});
  Resolver resolver(loop, log, options());
  const std::vector<std::string> hosts = {"naptr.test", "prio.test",  "dual.test", "nx.test",
                                          "plain.test", "127.0.0.1", "nonaptr.test"};
  constexpr int kEach = 10;
  std::vector<int> calls(hosts.size() * kEach, 0);
  std::size_t outstanding = calls.size();
  for (std::size_t i = 0; i < calls.size(); ++i) {
    resolver.resolve({hosts[i % hosts.size()], 0}, std::nullopt,
                     [&, i](std::vector<ResolvedTarget> targets, std::string error) {
                       ++calls[i];
                       EXPECT_NE(targets.empty(), error.empty()) << hosts[i % hosts.size()];
                       // Keep running a little after the last one: a second
                       // call of any callback would show up in `calls`.
                       if (--outstanding == 0) loop.add_timer(50ms, [&] { loop.stop(); });
                     });
  }
  EXPECT_EQ(resolver.pending(), calls.size() - kEach);  // IP literals are done at once
  ASSERT_TRUE(run_with_deadline(loop));
  EXPECT_EQ(resolver.pending(), 0u);
  for (std::size_t i = 0; i < calls.size(); ++i) EXPECT_EQ(calls[i], 1) << "request " << i;
}

TEST_F(ResolverDnsmasqTest, DestroyingResolverInsideItsCallbackDropsTheOthers) {
  core::EventLoop loop;
  core::Log log(core::LogLevel::kWarn, [](core::LogLevel, std::string_view) {});
  auto resolver = std::make_unique<Resolver>(loop, log, options());
  int first_calls = 0, second_calls = 0;
  resolver->resolve({"127.0.0.1", 0}, std::nullopt, [&](auto, auto) {
    ++first_calls;
    resolver.reset();  // with naptr.test still in flight
    loop.add_timer(200ms, [&] { loop.stop(); });
  });
  resolver->resolve({"naptr.test", 0}, std::nullopt, [&](auto, auto) { ++second_calls; });
  ASSERT_TRUE(run_with_deadline(loop));
  EXPECT_EQ(first_calls, 1);
  EXPECT_EQ(second_calls, 0);
}

// Tests without dnsmasq: no DNS needed, or DNS that fails on purpose.

TEST(ResolverTest, IpLiteralBypassesDnsWithDefaultPorts) {
  Outcome udp = resolve_once(no_dns_options(), {"127.0.0.9", 0}, std::nullopt);
  EXPECT_EQ(udp.error, "");
  EXPECT_THAT(udp.targets, ElementsAre(target(Transport::kUdp, "127.0.0.9", 5060, "")));
  Outcome tls = resolve_once(no_dns_options(), {"127.0.0.9", 0}, Transport::kTls);
  EXPECT_THAT(tls.targets, ElementsAre(target(Transport::kTls, "127.0.0.9", 5061, "")));
}

TEST(ResolverTest, Ipv6LiteralWithPortIsUsedAsIs) {
  Outcome r = resolve_once(no_dns_options(), {"::1", 5090}, Transport::kTcp);
  EXPECT_EQ(r.error, "");
  EXPECT_THAT(r.targets, ElementsAre(target(Transport::kTcp, "::1", 5090, "")));
  Outcome bracketed = resolve_once(no_dns_options(), {"[0:0::1]", 5091}, std::nullopt);
  EXPECT_THAT(bracketed.targets, ElementsAre(target(Transport::kUdp, "::1", 5091, "")));
}

TEST(ResolverTest, CallbackIsNeverCalledInsideResolve) {
  core::EventLoop loop;
  core::Log log(core::LogLevel::kWarn, [](core::LogLevel, std::string_view) {});
  Resolver resolver(loop, log, no_dns_options());
  int calls = 0;
  resolver.resolve({"127.0.0.1", 0}, std::nullopt, [&](auto, auto) {
    ++calls;
    loop.stop();
  });
  EXPECT_EQ(calls, 0);
  resolver.resolve({"", 0}, std::nullopt, [&](auto, std::string error) {
    EXPECT_THAT(error, HasSubstr("empty"));
  });
  EXPECT_EQ(calls, 0);
  ASSERT_TRUE(run_with_deadline(loop));
  EXPECT_EQ(calls, 1);
}

TEST(ResolverTest, ClosedDnsPortGivesErrorNamingNameAndType) {
  Outcome r = resolve_once(no_dns_options(), {"trunk.test", 0}, std::nullopt);
  EXPECT_EQ(r.calls, 1);
  EXPECT_TRUE(r.targets.empty());
  EXPECT_THAT(r.error, HasSubstr("trunk.test NAPTR"));
}

TEST(ResolverTest, SilentDnsServerTimesOutWithErrorNamingSrvName) {
  // A bound socket that never answers: the query can only time out.
  core::UniqueFd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  ASSERT_TRUE(fd);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len), 0);
  ResolverOptions o;
  o.servers = {"127.0.0.1:" + std::to_string(ntohs(addr.sin_port))};
  o.timeout = 300ms;
  o.tries = 1;
  Outcome r = resolve_once(o, {"trunk.test", 0}, Transport::kTcp);
  fd.reset();
  EXPECT_EQ(r.calls, 1);
  EXPECT_TRUE(r.targets.empty());
  EXPECT_THAT(r.error, HasSubstr("_sip._tcp.trunk.test SRV"));
  EXPECT_THAT(r.error, HasSubstr("timed out"));
}

TEST(ResolverTest, DestroyedResolverNeverCallsBack) {
  core::EventLoop loop;
  core::Log log(core::LogLevel::kWarn, [](core::LogLevel, std::string_view) {});
  int calls = 0;
  {
    // One answer already posted, one query in flight to a silent port.
    Resolver resolver(loop, log, no_dns_options());
    resolver.resolve({"127.0.0.1", 0}, std::nullopt, [&](auto, auto) { ++calls; });
    resolver.resolve({"trunk.test", 0}, std::nullopt, [&](auto, auto) { ++calls; });
  }
  loop.add_timer(100ms, [&] { loop.stop(); });
  ASSERT_TRUE(run_with_deadline(loop));
  EXPECT_EQ(calls, 0);
}

TEST(ResolverTest, BadServerListIsRejectedAtConstruction) {
  core::EventLoop loop;
  core::Log log(core::LogLevel::kWarn, [](core::LogLevel, std::string_view) {});
  ResolverOptions o;
  o.servers = {"not an address"};
  EXPECT_THROW(Resolver(loop, log, o), std::runtime_error);
}

}  // namespace
}  // namespace sipnic::sip
