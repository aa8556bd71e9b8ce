// Resolver: RFC 3263 §4 server location (NAPTR -> SRV -> A/AAAA) for trunk
// peers, on c-ares driven by a core::EventLoop.
//
// One Resolver per event loop. It is not thread-safe: construct it, call
// resolve() and destroy it on the loop's thread only. It must be destroyed
// before its EventLoop (it unregisters its sockets and timer from the loop).
//
// The answer of a resolve() is the ordered failover list the B2BUA walks on a
// 503 or a timeout: NAPTR order/preference first, then SRV priority with
// RFC 2782 weighted random order inside a priority, and each SRV target
// expanded to all its addresses (A then AAAA, unless prefer_ipv6).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/config.h"
#include "core/event_loop.h"
#include "core/log.h"

// c-ares' channel type, declared here so that this header does not pull in
// <ares.h> (ares_channel is a pointer to this struct).
struct ares_channeldata;

namespace sipnic::sip {

struct ResolvedTarget {
  core::Transport transport = core::Transport::kUdp;
  std::string address;  // IP literal (no brackets)
  std::uint16_t port = 0;
  // For logs: the SRV target name the address came from; the host name itself
  // when no SRV was used (explicit port, A/AAAA fallback); empty for an IP literal.
  std::string srv_target;
  bool operator==(const ResolvedTarget&) const = default;
};

// The port of a SIP URI without one (RFC 3261 §19.1.2): 5061 for TLS, else 5060.
std::uint16_t default_port(core::Transport t);

// `error` is empty on success (then `targets` is non-empty); otherwise
// `targets` is empty and `error` names the DNS name and record type that failed.
using ResolveCallback =
    std::function<void(std::vector<ResolvedTarget> targets, std::string error)>;

struct ResolverOptions {
  // DNS servers as "IP:port" ("127.0.0.1:5353", "[::1]:53"); empty = the
  // system's (/etc/resolv.conf). Tests point this at a local dnsmasq.
  std::vector<std::string> servers;
  // Per-try timeout of one DNS query and how many tries (each over all
  // servers) before the query fails with a timeout.
  std::chrono::milliseconds timeout{2000};
  int tries = 3;
  // Order each SRV target's addresses AAAA before A (default: A before AAAA).
  bool prefer_ipv6 = false;
  // Seed of the per-Resolver generator for RFC 2782 weighted selection. Unset:
  // seeded from std::random_device. Tests fix it to be deterministic.
  std::optional<std::uint64_t> random_seed;
};

class Resolver {
 public:
  // Throws std::runtime_error if c-ares cannot be set up (bad server list, no
  // memory). `loop` and `log` must outlive the Resolver.
  Resolver(core::EventLoop& loop, core::Log& log, ResolverOptions options = {});
  ~Resolver();
  Resolver(const Resolver&) = delete;
  Resolver& operator=(const Resolver&) = delete;

  // Locates `where` per RFC 3263 §4. `transport` is the trunk's configured
  // transport, if any; unset lets NAPTR/SRV choose. `cb` is called exactly once,
  // on the loop thread, never from inside resolve() itself, and never after the
  // Resolver is destroyed (pending resolutions are then dropped silently).
  void resolve(const core::HostPort& where, std::optional<core::Transport> transport,
               ResolveCallback cb);

  // Number of resolutions still in flight (for tests and metrics).
  std::size_t pending() const { return requests_.size(); }

 private:
  struct Request;
  struct QueryContext;
  struct SrvCandidate;
  enum class QueryKind : std::uint8_t { kNaptr, kSrv, kA, kAaaa };

  static void on_sock_state(void* data, int fd, int readable, int writable);
  static void on_query_done(void* arg, int status, int timeouts, unsigned char* abuf, int alen);

  void handle_answer(QueryContext& q, int status, const unsigned char* abuf, int alen);
  void on_naptr(Request& r, int status, const unsigned char* abuf, int alen);
  void on_srv(Request& r, std::size_t slot, int status, const unsigned char* abuf, int alen);
  void on_address(Request& r, std::size_t slot, bool ipv6, int status, const unsigned char* abuf,
                  int alen);

  void start_srv_stage(Request& r);
  void start_address_stage(Request& r);
  void finish_addresses(Request& r);
  // Issues the queries of one stage. Must be the last thing a caller does with
  // its Request: c-ares may complete a query (and so the Request) synchronously.
  struct PlannedQuery {
    std::string name;
    QueryKind kind;
    std::size_t slot;
  };
  void issue(std::uint64_t request_id, std::vector<PlannedQuery> queries);
  void complete(std::uint64_t request_id, std::vector<ResolvedTarget> targets, std::string error);

  std::vector<SrvCandidate> order_srv(std::vector<SrvCandidate> records);
  void reschedule_timer();
  void on_fd_event(int fd, std::uint32_t events);

  core::EventLoop& loop_;
  core::Log& log_;
  ResolverOptions options_;
  std::mt19937_64 rng_;
  struct ares_channeldata* channel_ = nullptr;
  // True from the start of the destructor: c-ares then calls every pending
  // query back with ARES_ECANCELLED/ARES_EDESTRUCTION, and those calls must not
  // touch requests or start new queries.
  bool destroying_ = false;
  std::unordered_map<int, std::uint32_t> watched_fds_;  // fd -> epoll events
  core::EventLoop::TimerId timer_ = 0;  // 0: no c-ares timeout timer armed
  core::Clock::time_point timer_when_{};
  std::uint64_t next_request_id_ = 1;
  std::unordered_map<std::uint64_t, std::unique_ptr<Request>> requests_;
  // Posted callbacks hold a weak_ptr to this: once it has expired (Resolver
  // destroyed) they drop the user callback instead of calling it.
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace sipnic::sip
