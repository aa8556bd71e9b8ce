// RFC 3263 failover through the B2BUA, end to end: a dnsmasq on a free
// loopback port serves SRV records for the carrier trunk's domain with two
// targets (priority 10 and 20), sipnic runs with --dns-server pointing at it
// and a trunk whose peer is that domain without a port, and sipp plays caller
// and the two carrier servers. The first target refuses (503) or is silent;
// calls must still complete, through the second.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "interop/support/sipp_harness.h"
#include "support/dnsmasq.h"

namespace sipnic::test {
namespace {

using namespace std::chrono_literals;

// dnsmasq in the foreground on 127.0.0.1:port, authoritative for .test,
// serving `records` (dnsmasq options). Stopped when destroyed.
class Dnsmasq {
 public:
  Dnsmasq(const TempDir& dir, std::vector<std::string> records) {
    for (int attempt = 0; attempt < 5; ++attempt) {
      port_ = free_port(SOCK_DGRAM);
      std::vector<std::string> argv = {dnsmasq_path(),    "--keep-in-foreground", "--no-resolv",
                                       "--no-hosts",      "--conf-file=/dev/null", "--pid-file=",
                                       "--listen-address=127.0.0.1", "--bind-interfaces",
                                       "--port=" + std::to_string(port_), "--log-facility=-",
                                       "--log-queries", "--local=/test/",
                                       "--host-record=ready.test,127.0.0.1"};
      argv.insert(argv.end(), records.begin(), records.end());
      std::string log = dir.file("dnsmasq.log");
      process_ = ChildProcess(argv, {.stdout_path = log + ".stdout", .stderr_path = log});
      auto deadline = std::chrono::steady_clock::now() + 10s;
      while (std::chrono::steady_clock::now() < deadline && process_.running()) {
        if (dns_answers(port_, 25ms)) {
          error_.clear();
          return;
        }
      }
      error_ = "dnsmasq not answering on port " + std::to_string(port_) + ": " + read_text_file(log);
      if (process_.running()) return;  // up but mute: retrying will not help
      // Exited: most likely the port was taken meanwhile. Try another.
    }
  }
  const std::string& error() const { return error_; }
  std::string server() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  ChildProcess process_;
  std::uint16_t port_ = 0;
  std::string error_ = "not started";
};

// carrier.test: SRV for UDP with the first target at priority 10 and the
// second at priority 20 (listed out of order on purpose).
std::vector<std::string> carrier_zone(const std::string& first_ip, const std::string& second_ip) {
  return {
      "--srv-host=_sip._udp.carrier.test,second.carrier.test,5060,20,10",
      "--srv-host=_sip._udp.carrier.test,first.carrier.test,5060,10,10",
      "--host-record=first.carrier.test," + first_ip,
      "--host-record=second.carrier.test," + second_ip,
  };
}

struct Addresses {
  std::string node, caller, first, second;
  std::uint16_t port = 0;
  std::string hostport() const { return node + ":" + std::to_string(port); }
};

Addresses addresses(int n) {
  std::string p = "127.0." + std::to_string(n) + ".";
  Addresses a{p + "1", p + "2", p + "3", p + "4"};
  a.port = free_port_on(a.node);
  return a;
}

std::string config_for(const Addresses& a, const std::string& timers = "") {
  std::string c = "[node]\nworkers = 2\n";
  c += "[listen]\nudp = " + a.hostport() + "\n";
  if (!timers.empty()) c += "[timers]\n" + timers;
  c += "[trunk pbx]\npeer = " + a.caller + ":5060\n";
  // A domain without a port: RFC 3263 (SRV) decides where calls go.
  c += "[trunk carrier]\ntransport = udp\npeer = carrier.test\n";
  c += "[route out]\nfrom-trunk = pbx\nto-trunk = carrier\n";
  return c;
}

SipnicSummary finish(Sipnic& node) { return stop_and_check(node); }

TEST(Rfc3263Failover, FirstSrvTargetRefusing503FailsOverToTheSecond) {
  Addresses a = addresses(30);
  TempDir dir("rfc3263-503");
  Dnsmasq dns(dir, carrier_zone(a.first, a.second));
  ASSERT_EQ(dns.error(), "");
  Sipnic node(dir, config_for(a), {"--dns-server", dns.server()});
  ASSERT_EQ(node.wait_ready(), "");
  const int calls = 10;
  std::string m = std::to_string(calls);
  Sipp first(dir, "first",
             {"-sf", scenario(dir, "uas_final.xml", {{"STATUS", "503"}, {"REASON", "Service Unavailable"}}), "-i",
              a.first, "-p", "5060", "-m", m, "-recv_timeout", "20000"},
             60s);
  Sipp second(dir, "second",
              {"-sf", scenario(dir, "uas_call.xml", {{"ON_INVITE", ""}}), "-i", a.second, "-p", "5060", "-m", m,
               "-recv_timeout", "20000"},
              60s);
  Sipp uac(dir, "uac",
           {"-sf", scenario(dir, "uac_call.xml", {{"ON_200", ""}, {"PAUSE_MS", "0"}}), "-i", a.caller, "-p", "5060",
            a.hostport(), "-m", m, "-r", "10", "-recv_timeout", "20000"},
           60s);
  SippResult c = uac.wait();
  SippResult s2 = second.wait();
  SippResult s1 = first.wait();
  EXPECT_EQ(c.exit_code, 0) << "UAC: " << c.describe();
  EXPECT_EQ(c.successful(), calls) << "UAC: " << c.describe();
  // The first (priority 10) target saw every INVITE, answered 503, got its ACK.
  EXPECT_EQ(s1.exit_code, 0) << "first target: " << s1.describe();
  EXPECT_EQ(s1.successful(), calls) << "first target: " << s1.describe();
  // The second (priority 20) target took every call.
  EXPECT_EQ(s2.exit_code, 0) << "second target: " << s2.describe();
  EXPECT_EQ(s2.successful(), calls) << "second target: " << s2.describe();
  SipnicSummary sum = finish(node);
  EXPECT_EQ(sum.answered, calls) << sum.line;
  EXPECT_EQ(sum.failed, 0) << sum.line;
}

TEST(Rfc3263Failover, SilentFirstSrvTargetFailsOverAfterTransactionTimeout) {
  // Nobody at the first target: each INVITE to it ends on Timer B (64*T1,
  // T1 = 100 ms), then the call goes to the second target.
  Addresses a = addresses(31);
  TempDir dir("rfc3263-silent");
  Dnsmasq dns(dir, carrier_zone(a.first, a.second));
  ASSERT_EQ(dns.error(), "");
  Sipnic node(dir, config_for(a, "t1 = 100\n"), {"--dns-server", dns.server()});
  ASSERT_EQ(node.wait_ready(), "");
  const int calls = 3;
  std::string m = std::to_string(calls);
  Sipp second(dir, "second",
              {"-sf", scenario(dir, "uas_call.xml", {{"ON_INVITE", ""}}), "-i", a.second, "-p", "5060", "-m", m,
               "-recv_timeout", "30000"},
              60s);
  Sipp uac(dir, "uac",
           {"-sf", scenario(dir, "uac_call.xml", {{"ON_200", ""}, {"PAUSE_MS", "0"}}), "-i", a.caller, "-p", "5060",
            a.hostport(), "-m", m, "-r", "10", "-recv_timeout", "30000"},
           60s);
  SippResult c = uac.wait();
  SippResult s2 = second.wait();
  EXPECT_EQ(c.exit_code, 0) << "UAC: " << c.describe();
  EXPECT_EQ(c.successful(), calls) << "UAC: " << c.describe();
  EXPECT_EQ(s2.exit_code, 0) << "second target: " << s2.describe();
  EXPECT_EQ(s2.successful(), calls) << "second target: " << s2.describe();
  SipnicSummary sum = finish(node);
  EXPECT_EQ(sum.answered, calls) << sum.line;
  // The failover was for the reason given, not a lucky first pick.
  EXPECT_NE(node.log().find("failed (408), trying the next one"), std::string::npos) << node.log();
}

}  // namespace
}  // namespace sipnic::test
