#include "sip/resolver.h"

#include <arpa/inet.h>
#include <ares.h>
#include <arpa/nameser.h>
#include <sys/epoll.h>
#include <sys/time.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include "core/ascii.h"

namespace sipnic::sip {

static_assert(std::is_same_v<ares_socket_t, int>,
              "Resolver::on_sock_state takes the socket as int (POSIX c-ares)");
static_assert(std::is_same_v<ares_channel, ares_channeldata*>,
              "resolver.h forward-declares the c-ares channel as ares_channeldata*");

namespace {

constexpr std::uint16_t kSipPort = 5060;
constexpr std::uint16_t kSipsPort = 5061;

// Local name table rather than core::transport_name so that log lines and
// the service labels below stay next to each other.
std::string_view transport_label(core::Transport t) {
  switch (t) {
    case core::Transport::kUdp: return "udp";
    case core::Transport::kTcp: return "tcp";
    case core::Transport::kTls: return "tls";
  }
  return "?";
}

// RFC 3263 §4.1 SRV owner name prefix of each supported transport.
std::string_view srv_prefix(core::Transport t) {
  switch (t) {
    case core::Transport::kUdp: return "_sip._udp.";
    case core::Transport::kTcp: return "_sip._tcp.";
    case core::Transport::kTls: return "_sips._tcp.";
  }
  return "_sip._udp.";
}

using core::ascii::iequals;

// NAPTR services of RFC 3263 §4.1 that sipnic supports (no SCTP, no WebSocket).
std::optional<core::Transport> naptr_service_transport(std::string_view service) {
  if (iequals(service, "SIP+D2U")) return core::Transport::kUdp;
  if (iequals(service, "SIP+D2T")) return core::Transport::kTcp;
  if (iequals(service, "SIPS+D2T")) return core::Transport::kTls;
  return std::nullopt;
}

// The IP literal in `host` normalised (brackets dropped), or nullopt for a name.
std::optional<std::string> ip_literal(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  std::string s(host);
  char text[INET6_ADDRSTRLEN];
  in_addr v4{};
  if (::inet_pton(AF_INET, s.c_str(), &v4) == 1) {
    return std::string(::inet_ntop(AF_INET, &v4, text, sizeof text));
  }
  in6_addr v6{};
  if (::inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
    return std::string(::inet_ntop(AF_INET6, &v6, text, sizeof text));
  }
  return std::nullopt;
}

// "The name is not there" answers: the next RFC 3263 step applies. Anything
// else (timeout, refused, SERVFAIL, a malformed answer) is a failure of DNS
// itself and must not be mistaken for absence.
bool is_absence(int status) { return status == ARES_ENOTFOUND || status == ARES_ENODATA; }

std::string describe_status(int status) {
  switch (status) {
    case ARES_ENOTFOUND: return "domain name not found (NXDOMAIN)";
    case ARES_ENODATA: return "no records of this type (NODATA)";
    case ARES_ETIMEOUT: return "timed out: no answer from the DNS server";
    case ARES_ECONNREFUSED: return "DNS server unreachable (connection refused)";
    case ARES_EREFUSED: return "DNS server refused the query (REFUSED)";
    case ARES_ESERVFAIL: return "DNS server failure (SERVFAIL)";
    case ARES_EFORMERR: return "DNS server rejected the query (FORMERR)";
    case ARES_EBADRESP: return "malformed DNS answer";
    case ARES_EBADNAME: return "not a valid DNS name";
    default: return ares_strerror(status);
  }
}

std::string_view kind_label(int kind_index) {
  static constexpr std::array<std::string_view, 4> kLabels{"NAPTR", "SRV", "A", "AAAA"};
  return kLabels[static_cast<std::size_t>(kind_index)];
}

// ares_library_init must run once per process before any channel exists, and
// is not thread-safe itself; with one Resolver per worker loop, several may be
// constructed at the same time. This once-flag (and its result) is the one
// piece of process-wide state in sipnic; it is never cleaned up because
// channels may be alive until exit.
int library_init_status() {
  static std::once_flag once;
  static int status = ARES_SUCCESS;
  std::call_once(once, [] { status = ares_library_init(ARES_LIB_INIT_ALL); });
  return status;
}

}  // namespace

std::uint16_t default_port(core::Transport t) {
  return t == core::Transport::kTls ? kSipsPort : kSipPort;
}

struct Resolver::SrvCandidate {
  core::Transport transport;
  std::string target;
  std::uint16_t port;
  std::uint16_t priority;
  std::uint16_t weight;
};

struct Resolver::QueryContext {
  Resolver* self;
  std::uint64_t request_id;
  QueryKind kind;
  std::size_t slot;
  std::string name;
};

struct Resolver::Request {
  std::uint64_t id;
  std::string host;
  std::uint16_t port;                      // 0: not given
  std::optional<core::Transport> transport;  // given by the caller
  ResolveCallback cb;
  std::size_t pending = 0;  // queries of the current stage not answered yet

  // SRV stage: one slot per (transport, SRV owner name).
  std::vector<std::pair<core::Transport, std::string>> srv_queries;
  std::vector<std::vector<SrvCandidate>> srv_answers;

  // Address stage: one slot per target (SRV target, or the host itself).
  std::vector<SrvCandidate> targets;
  bool targets_from_srv = false;
  std::vector<std::vector<std::string>> v4, v6;
  std::vector<int> v4_status, v6_status;

  // First DNS failure (not absence) seen, as "NAME TYPE: reason".
  std::string failure;
};

Resolver::Resolver(core::EventLoop& loop, core::Log& log, ResolverOptions options)
    : loop_(loop), log_(log), options_(std::move(options)) {
  if (options_.random_seed) {
    rng_.seed(*options_.random_seed);
  } else {
    std::random_device rd;
    rng_.seed((std::uint64_t{rd()} << 32) ^ rd());
  }
  if (int st = library_init_status(); st != ARES_SUCCESS) {
    throw std::runtime_error(std::string("c-ares library init: ") + ares_strerror(st));
  }

  ares_options opts{};
  int mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES;
  opts.sock_state_cb = &Resolver::on_sock_state;
  opts.sock_state_cb_data = this;
  opts.timeout = static_cast<int>(std::max<std::int64_t>(1, options_.timeout.count()));
  opts.tries = std::max(1, options_.tries);
  ares_channel channel = nullptr;
  if (int st = ares_init_options(&channel, &opts, mask); st != ARES_SUCCESS) {
    throw std::runtime_error(std::string("c-ares channel init: ") + ares_strerror(st));
  }
  channel_ = channel;

  if (!options_.servers.empty()) {
    std::string csv;
    for (const auto& s : options_.servers) {
      if (!csv.empty()) csv += ',';
      csv += s;
    }
    if (int st = ares_set_servers_ports_csv(channel_, csv.c_str()); st != ARES_SUCCESS) {
      ares_destroy(channel_);  // the destructor does not run for a throwing constructor
      channel_ = nullptr;
      throw std::runtime_error("DNS servers \"" + csv + "\": " + ares_strerror(st));
    }
  }
}

Resolver::~Resolver() {
  destroying_ = true;
  alive_.reset();  // posted callbacks not yet run are now dropped
  if (timer_ != 0) loop_.cancel_timer(timer_);
  timer_ = 0;
  // Both call every pending query back (ECANCELLED, EDESTRUCTION); with
  // destroying_ set those calls only free their QueryContext. ares_destroy
  // also closes the sockets, reporting each through on_sock_state(0, 0).
  ares_cancel(channel_);
  ares_destroy(channel_);
  channel_ = nullptr;
  for (const auto& [fd, events] : watched_fds_) loop_.remove_fd(fd);
  watched_fds_.clear();
  requests_.clear();
}

void Resolver::resolve(const core::HostPort& where, std::optional<core::Transport> transport,
                       ResolveCallback cb) {
  const std::uint64_t id = next_request_id_++;
  auto req = std::make_unique<Request>();
  req->id = id;
  req->host = where.host;
  req->port = where.port;
  req->transport = transport;
  req->cb = std::move(cb);
  Request& r = *req;
  requests_.emplace(id, std::move(req));

  if (r.host.empty()) {
    complete(id, {}, "cannot resolve an empty host name");
    return;
  }

  // RFC 3263 §4.1/§4.2: a numeric host needs no DNS; the transport defaults
  // to UDP and the port to the transport's default.
  if (auto ip = ip_literal(r.host)) {
    core::Transport t = transport.value_or(core::Transport::kUdp);
    std::uint16_t port = r.port != 0 ? r.port : default_port(t);
    complete(id, {ResolvedTarget{t, *ip, port, ""}}, "");
    return;
  }

  // §4.2: an explicit port means no NAPTR and no SRV, only A/AAAA.
  if (r.port != 0) {
    core::Transport t = transport.value_or(core::Transport::kUdp);
    r.targets.push_back(SrvCandidate{t, r.host, r.port, 0, 0});
    start_address_stage(r);
    return;
  }

  // §4.1: a given transport skips NAPTR and goes straight to its SRV name.
  if (transport) {
    r.srv_queries.emplace_back(*transport, std::string(srv_prefix(*transport)) + r.host);
    start_srv_stage(r);
    return;
  }

  issue(id, {PlannedQuery{r.host, QueryKind::kNaptr, 0}});
}

void Resolver::issue(std::uint64_t request_id, std::vector<PlannedQuery> queries) {
  auto it = requests_.find(request_id);
  if (it == requests_.end()) return;
  // Set before issuing anything: a query that c-ares answers synchronously
  // must not see the count reach zero while others are still to be sent.
  it->second->pending = queries.size();
  for (auto& q : queries) {
    int type = 0;
    switch (q.kind) {
      case QueryKind::kNaptr: type = ns_t_naptr; break;
      case QueryKind::kSrv: type = ns_t_srv; break;
      case QueryKind::kA: type = ns_t_a; break;
      case QueryKind::kAaaa: type = ns_t_aaaa; break;
    }
    auto* ctx = new QueryContext{this, request_id, q.kind, q.slot, q.name};
    // ares_query (not ares_search): RFC 3263 names are absolute; resolv.conf
    // search domains must not be appended. The callback frees ctx.
    ares_query(channel_, q.name.c_str(), ns_c_in, type, &Resolver::on_query_done, ctx);
  }
  reschedule_timer();
}

void Resolver::on_query_done(void* arg, int status, int /*timeouts*/, unsigned char* abuf,
                             int alen) {
  std::unique_ptr<QueryContext> q(static_cast<QueryContext*>(arg));
  if (q->self->destroying_) return;  // ECANCELLED/EDESTRUCTION from the destructor
  q->self->handle_answer(*q, status, abuf, alen);
}

void Resolver::handle_answer(QueryContext& q, int status, const unsigned char* abuf, int alen) {
  auto it = requests_.find(q.request_id);
  if (it == requests_.end()) return;
  Request& r = *it->second;
  if (status != ARES_SUCCESS && !is_absence(status) && r.failure.empty()) {
    r.failure = q.name + " " + std::string(kind_label(static_cast<int>(q.kind))) + ": " +
                describe_status(status);
  }
  switch (q.kind) {
    case QueryKind::kNaptr: on_naptr(r, status, abuf, alen); break;
    case QueryKind::kSrv: on_srv(r, q.slot, status, abuf, alen); break;
    case QueryKind::kA: on_address(r, q.slot, false, status, abuf, alen); break;
    case QueryKind::kAaaa: on_address(r, q.slot, true, status, abuf, alen); break;
  }
}

void Resolver::on_naptr(Request& r, int status, const unsigned char* abuf, int alen) {
  if (status != ARES_SUCCESS && !is_absence(status)) {
    // Falling back to SRV here would pick a transport the domain may not
    // want; a broken DNS is reported as such.
    complete(r.id, {}, "cannot resolve " + r.host + ": " + r.failure);
    return;
  }
  struct Choice {
    unsigned order, preference;
    core::Transport transport;
    std::string replacement;
  };
  std::vector<Choice> choices;
  if (status == ARES_SUCCESS) {
    ares_naptr_reply* head = nullptr;
    int st = ares_parse_naptr_reply(abuf, alen, &head);
    if (st == ARES_SUCCESS) {
      for (auto* n = head; n != nullptr; n = n->next) {
        auto t = naptr_service_transport(reinterpret_cast<const char*>(n->service));
        std::string_view flags = reinterpret_cast<const char*>(n->flags);
        std::string replacement = n->replacement ? n->replacement : "";
        // RFC 3263 §4.1: SIP NAPTRs are terminal "S" records pointing at an
        // SRV name; anything else (regexp rewriting, other flags) is ignored.
        if (!t || !iequals(flags, "s") || replacement.empty() || replacement == ".") continue;
        choices.push_back(Choice{n->order, n->preference, *t, std::move(replacement)});
      }
      ares_free_data(head);
    } else if (!is_absence(st)) {
      complete(r.id, {}, "cannot resolve " + r.host + ": " + r.host + " NAPTR: " +
                             describe_status(st));
      return;
    }
  }
  std::stable_sort(choices.begin(), choices.end(), [](const Choice& a, const Choice& b) {
    return std::tie(a.order, a.preference) < std::tie(b.order, b.preference);
  });
  if (!choices.empty()) {
    // Every supported NAPTR contributes, in NAPTR order: the first is the
    // RFC 3263 choice, the rest widen the B2BUA's failover list.
    for (auto& c : choices) r.srv_queries.emplace_back(c.transport, std::move(c.replacement));
  } else {
    // §4.1: no (usable) NAPTR: try the SRV name of every supported transport;
    // those that exist are supported by the server, preferred in this order.
    for (auto t : {core::Transport::kUdp, core::Transport::kTcp, core::Transport::kTls}) {
      r.srv_queries.emplace_back(t, std::string(srv_prefix(t)) + r.host);
    }
  }
  start_srv_stage(r);
}

void Resolver::start_srv_stage(Request& r) {
  r.srv_answers.assign(r.srv_queries.size(), {});
  std::vector<PlannedQuery> planned;
  for (std::size_t i = 0; i < r.srv_queries.size(); ++i) {
    planned.push_back(PlannedQuery{r.srv_queries[i].second, QueryKind::kSrv, i});
  }
  issue(r.id, std::move(planned));  // last use of r
}

void Resolver::on_srv(Request& r, std::size_t slot, int status, const unsigned char* abuf,
                      int alen) {
  if (status == ARES_SUCCESS) {
    ares_srv_reply* head = nullptr;
    int st = ares_parse_srv_reply(abuf, alen, &head);
    if (st == ARES_SUCCESS) {
      for (auto* s = head; s != nullptr; s = s->next) {
        std::string target = s->host ? s->host : "";
        // RFC 2782: a target of "." means the service is decidedly not
        // available at this domain.
        if (target.empty() || target == ".") continue;
        r.srv_answers[slot].push_back(
            SrvCandidate{r.srv_queries[slot].first, std::move(target), s->port, s->priority,
                         s->weight});
      }
      ares_free_data(head);
    } else if (!is_absence(st) && r.failure.empty()) {
      r.failure = r.srv_queries[slot].second + " SRV: " + describe_status(st);
    }
  }
  if (--r.pending != 0) return;

  std::set<std::tuple<core::Transport, std::string, std::uint16_t>> seen;
  for (auto& answer : r.srv_answers) {
    for (auto& c : order_srv(std::move(answer))) {
      if (seen.emplace(c.transport, c.target, c.port).second) r.targets.push_back(std::move(c));
    }
  }
  r.srv_answers.clear();
  if (!r.targets.empty()) {
    r.targets_from_srv = true;
  } else if (!r.failure.empty()) {
    complete(r.id, {}, "cannot resolve " + r.host + ": " + r.failure);
    return;
  } else {
    // §4.2: no SRV: the host's own addresses, the transport's default port;
    // UDP for a sip: target when nothing chose a transport.
    core::Transport t = r.transport.value_or(core::Transport::kUdp);
    r.targets.push_back(SrvCandidate{t, r.host, default_port(t), 0, 0});
  }
  start_address_stage(r);
}

std::vector<Resolver::SrvCandidate> Resolver::order_srv(std::vector<SrvCandidate> records) {
  std::stable_sort(records.begin(), records.end(),
                   [](const SrvCandidate& a, const SrvCandidate& b) {
                     return a.priority < b.priority;
                   });
  std::vector<SrvCandidate> out;
  out.reserve(records.size());
  auto begin = records.begin();
  while (begin != records.end()) {
    auto end = std::find_if(begin, records.end(), [&](const SrvCandidate& c) {
      return c.priority != begin->priority;
    });
    // RFC 2782 selection within one priority: weight-0 entries first in the
    // list, then repeatedly draw r in [0, sum of weights] and take the first
    // entry whose running sum is >= r. A weight-0 entry thus wins only when
    // r == 0 (rarely, if others have weight), and all-zero keeps DNS order.
    std::vector<SrvCandidate> group(std::make_move_iterator(begin), std::make_move_iterator(end));
    std::stable_partition(group.begin(), group.end(),
                          [](const SrvCandidate& c) { return c.weight == 0; });
    while (!group.empty()) {
      std::uint64_t total = 0;
      for (const auto& c : group) total += c.weight;
      std::uniform_int_distribution<std::uint64_t> dist(0, total);
      const std::uint64_t pick = dist(rng_);
      std::uint64_t running = 0;
      auto chosen = group.begin();
      for (auto g = group.begin(); g != group.end(); ++g) {
        running += g->weight;
        if (running >= pick) {
          chosen = g;
          break;
        }
      }
      out.push_back(std::move(*chosen));
      group.erase(chosen);
    }
    begin = end;
  }
  return out;
}

void Resolver::start_address_stage(Request& r) {
  const std::size_t n = r.targets.size();
  r.v4.assign(n, {});
  r.v6.assign(n, {});
  r.v4_status.assign(n, ARES_SUCCESS);
  r.v6_status.assign(n, ARES_SUCCESS);
  std::vector<PlannedQuery> planned;
  for (std::size_t i = 0; i < n; ++i) {
    planned.push_back(PlannedQuery{r.targets[i].target, QueryKind::kA, i});
    planned.push_back(PlannedQuery{r.targets[i].target, QueryKind::kAaaa, i});
  }
  issue(r.id, std::move(planned));  // last use of r
}

void Resolver::on_address(Request& r, std::size_t slot, bool ipv6, int status,
                          const unsigned char* abuf, int alen) {
  auto& out = ipv6 ? r.v6[slot] : r.v4[slot];
  auto& out_status = ipv6 ? r.v6_status[slot] : r.v4_status[slot];
  if (status == ARES_SUCCESS) {
    char text[INET6_ADDRSTRLEN];
    int st;
    if (ipv6) {
      std::array<ares_addr6ttl, 64> addrs{};
      int count = static_cast<int>(addrs.size());
      st = ares_parse_aaaa_reply(abuf, alen, nullptr, addrs.data(), &count);
      for (int i = 0; st == ARES_SUCCESS && i < count; ++i) {
        if (::inet_ntop(AF_INET6, &addrs[i].ip6addr, text, sizeof text)) out.emplace_back(text);
      }
    } else {
      std::array<ares_addrttl, 64> addrs{};
      int count = static_cast<int>(addrs.size());
      st = ares_parse_a_reply(abuf, alen, nullptr, addrs.data(), &count);
      for (int i = 0; st == ARES_SUCCESS && i < count; ++i) {
        if (::inet_ntop(AF_INET, &addrs[i].ipaddr, text, sizeof text)) out.emplace_back(text);
      }
    }
    out_status = st;
    if (st != ARES_SUCCESS && !is_absence(st) && r.failure.empty()) {
      r.failure = r.targets[slot].target + (ipv6 ? " AAAA: " : " A: ") + describe_status(st);
    }
  } else {
    out_status = status;
  }
  if (--r.pending == 0) finish_addresses(r);
}

void Resolver::finish_addresses(Request& r) {
  std::vector<ResolvedTarget> result;
  std::set<std::tuple<core::Transport, std::string, std::uint16_t>> seen;
  std::string missing;  // absence errors of targets without any address
  for (std::size_t i = 0; i < r.targets.size(); ++i) {
    const auto& t = r.targets[i];
    auto add = [&](const std::vector<std::string>& addrs) {
      for (const auto& a : addrs) {
        if (seen.emplace(t.transport, a, t.port).second) {
          result.push_back(ResolvedTarget{t.transport, a, t.port, t.target});
        }
      }
    };
    if (options_.prefer_ipv6) {
      add(r.v6[i]);
      add(r.v4[i]);
    } else {
      add(r.v4[i]);
      add(r.v6[i]);
    }
    if (r.v4[i].empty() && r.v6[i].empty() && missing.size() < 400) {
      if (!missing.empty()) missing += "; ";
      int s4 = r.v4_status[i] == ARES_SUCCESS ? ARES_ENODATA : r.v4_status[i];
      int s6 = r.v6_status[i] == ARES_SUCCESS ? ARES_ENODATA : r.v6_status[i];
      if (s4 == s6) {
        missing += t.target + " A/AAAA: " + describe_status(s4);
      } else {
        missing += t.target + " A: " + describe_status(s4) + ", AAAA: " + describe_status(s6);
      }
    }
  }
  if (!result.empty()) {
    if (!missing.empty()) log_.debug("sip.resolver", r.host + ": skipped targets: " + missing);
    complete(r.id, std::move(result), "");
    return;
  }
  // A DNS failure explains an empty answer better than the absences it caused.
  std::string why = !r.failure.empty() ? r.failure : missing;
  complete(r.id, {}, "cannot resolve " + r.host + ": " + why);
}

void Resolver::complete(std::uint64_t request_id, std::vector<ResolvedTarget> targets,
                        std::string error) {
  auto node = requests_.extract(request_id);
  if (node.empty()) return;
  Request& r = *node.mapped();
  if (log_.enabled(core::LogLevel::kDebug)) {
    std::string line = r.host + " -> ";
    if (!error.empty()) line += error;
    for (std::size_t i = 0; i < targets.size(); ++i) {
      const auto& t = targets[i];
      if (i) line += ", ";
      line += std::string(transport_label(t.transport)) + " " + t.address + ":" +
              std::to_string(t.port);
      if (!t.srv_target.empty()) line += " (" + t.srv_target + ")";
    }
    log_.debug("sip.resolver", line);
  }
  // Posted, never called here: callers may resolve() while holding state that
  // the callback touches, and the callback may destroy this Resolver.
  loop_.post([alive = std::weak_ptr<int>(alive_), cb = std::move(r.cb),
              targets = std::move(targets), error = std::move(error)]() mutable {
    if (alive.expired()) return;
    cb(std::move(targets), std::move(error));
  });
}

void Resolver::on_sock_state(void* data, int fd, int readable, int writable) {
  auto* self = static_cast<Resolver*>(data);
  std::uint32_t events = (readable ? EPOLLIN : 0u) | (writable ? EPOLLOUT : 0u);
  auto it = self->watched_fds_.find(fd);
  // This runs inside c-ares (C code): nothing may be thrown through it.
  try {
    if (events == 0) {
      if (it != self->watched_fds_.end()) {
        self->loop_.remove_fd(fd);
        self->watched_fds_.erase(it);
      }
    } else if (it == self->watched_fds_.end()) {
      self->loop_.add_fd(fd, events, [self, fd](std::uint32_t ev) { self->on_fd_event(fd, ev); });
      self->watched_fds_.emplace(fd, events);
    } else if (it->second != events) {
      self->loop_.modify_fd(fd, events);
      it->second = events;
    }
  } catch (const std::exception& e) {
    // The query on this socket then ends by its timeout.
    self->log_.error("sip.resolver", std::string("watching DNS socket: ") + e.what());
  }
}

void Resolver::on_fd_event(int fd, std::uint32_t events) {
  // Errors and hang-ups are handed to c-ares as readable: its read fails and
  // it moves the query to the next server or try.
  ares_socket_t rfd = (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) ? fd : ARES_SOCKET_BAD;
  ares_socket_t wfd = (events & EPOLLOUT) ? fd : ARES_SOCKET_BAD;
  ares_process_fd(channel_, rfd, wfd);
  reschedule_timer();
}

void Resolver::reschedule_timer() {
  if (destroying_ || channel_ == nullptr) return;
  timeval tv{};
  if (ares_timeout(channel_, nullptr, &tv) == nullptr) {
    // Nothing outstanding. A timer still armed just fires once, harmlessly.
    return;
  }
  auto ms = static_cast<std::int64_t>(tv.tv_sec) * 1000 + (tv.tv_usec + 999) / 1000;
  auto when = loop_.now() + core::Millis(ms);
  // Keep an armed timer that fires no later than needed: early firing only
  // makes c-ares check for expiry and us re-arm; this avoids a cancel and a
  // new heap entry on every socket event.
  if (timer_ != 0 && timer_when_ <= when) return;
  if (timer_ != 0) loop_.cancel_timer(timer_);
  timer_when_ = when;
  timer_ = loop_.add_timer(core::Millis(ms), [this] {
    timer_ = 0;
    ares_process_fd(channel_, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
    reschedule_timer();
  });
}

}  // namespace sipnic::sip
