#include "interwork/b2bua.h"

#include <strings.h>

#include <algorithm>
#include <charconv>

#include "sip/header_values.h"
#include "sip/response_builder.h"

namespace sipnic::interwork {

using core::Millis;
using core::Transport;
using offload::HeaderId;
using sip::ClientResult;
using sip::OutgoingRequest;
using sip::Received;
using sip::ServerTransactionPtr;
using sip::SipMessage;

namespace {

constexpr std::string_view kAllow = "INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE, INFO";

// Headers that cross the B2BUA end to end (identity, capabilities, media
// description). Everything else (Via, Route, Record-Route, Contact, Call-ID,
// tags, User-Agent, ...) is hop-by-hop or would leak the other side's topology.
constexpr HeaderId kPassThrough[] = {
    HeaderId::kPAssertedIdentity, HeaderId::kPrivacy,     HeaderId::kAllow,
    HeaderId::kSupported,         HeaderId::kAccept,      HeaderId::kReason,
    HeaderId::kDiversion,         HeaderId::kHistoryInfo, HeaderId::kSubject,
    HeaderId::kContentDisposition, HeaderId::kRetryAfter, HeaderId::kUnsupported,
    HeaderId::kContentEncoding,   HeaderId::kEvent,       HeaderId::kMimeVersion,
};

using sip::iequals;

std::string_view trim(std::string_view s) { return sip::trim_lws(s); }

// The first element of a multi-valued header (Contact, Record-Route, ...).
std::string_view first_value(std::string_view v) {
  sip::CommaValues values(v);
  auto first = values.next();
  return first ? *first : std::string_view{};
}

// Parts of a name-addr or addr-spec (From, To, Contact), decoded with the
// shared decoders; "" when it does not decode (validation has already refused
// requests whose From, To or Contact do not).
std::string_view uri_of(std::string_view v) {
  auto na = sip::parse_name_addr(first_value(v));
  return na ? na->uri : std::string_view{};
}

std::string_view display_of(std::string_view v) {
  auto na = sip::parse_name_addr(v);
  return na ? na->display_name : std::string_view{};
}

std::string_view tag_of(std::string_view v) {
  auto na = sip::parse_name_addr(v);
  return na ? na->tag() : std::string_view{};
}

// The user part of a sip:, sips: or tel: URI (still %-escaped).
std::string_view user_of(std::string_view uri) {
  auto u = sip::parse_uri(uri);
  if (!u) return {};
  if (u->is_sip) return u->user;
  if (iequals(u->scheme, "tel")) return u->opaque.substr(0, u->opaque.find(';'));
  return {};
}

std::vector<std::string_view> split_values(std::string_view v) {
  std::vector<std::string_view> out;
  sip::CommaValues values(v);
  while (auto e = values.next()) out.push_back(*e);
  return out;
}

std::vector<std::string> record_routes(const SipMessage& m) {
  std::vector<std::string> out;
  for (const auto& h : m.headers)
    if (h.id == static_cast<std::uint8_t>(HeaderId::kRecordRoute))
      for (auto v : split_values(m.value(h))) out.emplace_back(v);
  return out;
}

std::string pass_through_headers(const SipMessage& m) {
  std::string out;
  for (const auto& h : m.headers) {
    for (HeaderId id : kPassThrough) {
      if (h.id == static_cast<std::uint8_t>(id)) {
        out += offload::header_name(id);
        out += ": ";
        out += m.value(h);
        out += "\r\n";
        break;
      }
    }
  }
  return out;
}

std::uint32_t cseq_number(const SipMessage& m) {
  std::string_view v = trim(m.header(HeaderId::kCSeq));
  std::uint32_t n = 0;
  std::from_chars(v.data(), v.data() + v.size(), n);
  return n;
}

std::string_view transport_param(Transport t) {
  return t == Transport::kTcp ? ";transport=tcp" : t == Transport::kTls ? ";transport=tls" : "";
}

}  // namespace

// One side of a call, as a dialog (RFC 3261 §12).
struct B2bua::Leg {
  sip::Target target;            // where requests to this side are sent
  std::string call_id;
  std::string local;             // our From/To value toward this side, with our tag
  std::string local_tag;
  std::string remote;            // their From/To value, with their tag once known
  std::string remote_target;     // their Contact URI
  std::vector<std::string> route_set;
  std::uint32_t local_cseq = 0;
  std::string contact;           // our Contact value toward this side
  // The last 2xx to an INVITE we sent toward this side, retransmitted over
  // UDP until that side ACKs (RFC 3261 §13.3.1.4).
  std::string pending_2xx;
  std::uint32_t pending_2xx_cseq = 0;
  Millis pending_2xx_interval{0};
  core::EventLoop::TimerId pending_2xx_timer = 0;
  core::Clock::time_point pending_2xx_deadline;
  // An INVITE relayed to this side whose 2xx came back: the ACK from the
  // other side is relayed here with this CSeq.
  std::uint32_t ack_cseq = 0;
  std::string last_ack;          // resent on 2xx retransmissions
};

struct B2bua::Call {
  std::uint64_t id = 0;
  TrunkState* from = nullptr;
  TrunkState* to = nullptr;
  bool counted = false;
  enum class State { kResolving, kCalling, kEarly, kConfirmed, kEnded } state = State::kResolving;
  ServerTransactionPtr a_invite;
  Leg a;
  Leg b;
  OutgoingRequest b_invite;
  sip::ClientTransactionPtr b_tx;
  std::vector<sip::ResolvedTarget> targets;
  std::size_t next_target = 0;
  bool b_provisional = false;
  bool cancel_pending = false;   // CANCEL B as soon as it sends a provisional
  bool a_cancelled = false;      // A's INVITE answered 487
  core::EventLoop::TimerId timer_c = 0;
};

B2bua::B2bua(const core::Config& config, std::vector<std::unique_ptr<TrunkState>>& trunks,
             sip::TransactionLayer& transactions, sip::Resolver& resolver, core::Log& log,
             std::function<std::string()> new_call_id)
    : config_(config),
      trunks_(trunks),
      tx_(transactions),
      resolver_(resolver),
      log_(log),
      new_call_id_(std::move(new_call_id)),
      router_(config) {}

B2bua::~B2bua() {
  for (auto& [id, c] : calls_) {
    if (c->timer_c) tx_.loop().cancel_timer(c->timer_c);
    if (c->a.pending_2xx_timer) tx_.loop().cancel_timer(c->a.pending_2xx_timer);
    if (c->b.pending_2xx_timer) tx_.loop().cancel_timer(c->b.pending_2xx_timer);
    if (c->counted) c->to->end_call();
  }
}

B2bua::Call* B2bua::find(std::uint64_t id) {
  auto it = calls_.find(id);
  return it == calls_.end() || it->second->state == Call::State::kEnded ? nullptr : it->second.get();
}

B2bua::Call* B2bua::find_by_dialog(std::string_view call_id, std::string_view local_tag, bool* from_a) {
  for (char side : {'A', 'B'}) {
    std::string key;
    key.reserve(call_id.size() + local_tag.size() + 3);
    key.append(1, side).append("|").append(call_id).append("|").append(local_tag);
    auto it = dialogs_.find(key);
    if (it != dialogs_.end()) {
      if (from_a) *from_a = side == 'A';
      return find(it->second);
    }
  }
  return nullptr;
}

TrunkState* B2bua::trunk_for_request(const ServerTransactionPtr& tx) {
  if (tx->reply_target().transport == Transport::kTls) {
    // Over TLS the peer's verified certificate picked the trunk (RFC 5922),
    // not its address.
    for (auto& t : trunks_)
      if (t->name() == tx->peer_trunk()) return t.get();
    return nullptr;
  }
  for (auto& t : trunks_)
    if (t->config().transport != Transport::kTls && t->matches_source(tx->source())) return t.get();
  return nullptr;
}

void B2bua::reject(const ServerTransactionPtr& tx, int status, std::string_view reason,
                   std::string_view extra_headers) {
  sip::ResponseExtras x;
  std::string tag = tx_.random_token(12);
  x.to_tag = tag;
  x.headers = extra_headers;
  x.source = &tx->source();
  tx->respond(status, sip::build_response(tx->request(), status, reason, x));
}

// ---- requests -----------------------------------------------------------------

void B2bua::on_request(const ServerTransactionPtr& tx) {
  const SipMessage& req = tx->request();
  std::string_view method = req.method();
  std::string_view to_tag = tag_of(req.header(HeaderId::kTo));
  if (method == "CANCEL") {
    on_cancel(tx);
    return;
  }
  if (!to_tag.empty()) {
    bool from_a = false;
    Call* call = find_by_dialog(req.header(HeaderId::kCallId), to_tag, &from_a);
    if (!call) {
      reject(tx, 481, {});
      return;
    }
    on_in_dialog_request(tx, *call, from_a);
    return;
  }
  if (method == "OPTIONS") {
    std::string headers = "Allow: " + std::string(kAllow) + "\r\nAccept: application/sdp\r\n";
    reject(tx, 200, {}, headers);
    return;
  }
  if (method != "INVITE") {
    static constexpr std::string_view kKnown[] = {"REGISTER", "SUBSCRIBE", "NOTIFY", "MESSAGE",
                                                  "PUBLISH",  "REFER",     "PRACK",  "UPDATE",
                                                  "INFO",     "BYE"};
    bool known = std::find(std::begin(kKnown), std::end(kKnown), method) != std::end(kKnown);
    if (method == "BYE" || method == "UPDATE" || method == "INFO" || method == "PRACK") {
      reject(tx, 481, {});  // in-dialog methods outside any dialog
    } else if (known) {
      reject(tx, 405, {}, "Allow: " + std::string(kAllow) + "\r\n");
    } else {
      reject(tx, 501, {}, "Allow: " + std::string(kAllow) + "\r\n");
    }
    return;
  }
  TrunkState* from = trunk_for_request(tx);
  if (!from) {
    log_.info("b2bua", "INVITE from " + tx->source().to_string() + " matches no trunk: 403");
    reject(tx, 403, "Forbidden (unknown trunk)");
    return;
  }
  start_call(tx, *from);
}

void B2bua::start_call(const ServerTransactionPtr& tx, TrunkState& from) {
  const SipMessage& req = tx->request();
  // Max-Forwards 0: the request may go no further (RFC 3261 §16.3).
  std::string_view mf = trim(req.header(HeaderId::kMaxForwards));
  int max_forwards = 70;
  if (!mf.empty()) {
    std::from_chars(mf.data(), mf.data() + mf.size(), max_forwards);
    if (max_forwards <= 0) {
      reject(tx, 483, {});
      return;
    }
  }
  std::string_view ruri_user = user_of(req.uri());
  auto decision = router_.route(from.name(), ruri_user);
  if (!decision) {
    log_.info("b2bua", "no route from trunk " + from.name() + " for '" + std::string(ruri_user) + "': 404");
    reject(tx, 404, "Not Found (no route)");
    return;
  }
  TrunkState* to = nullptr;
  for (auto& t : trunks_)
    if (t->name() == decision->target->name) to = t.get();
  std::string refused = to->try_start_call(tx_.loop().now());
  if (!refused.empty()) {
    log_.info("b2bua", "call from trunk " + from.name() + " refused: " + refused + ": 503");
    ++stats_.calls_rejected;
    reject(tx, 503, "Service Unavailable", "Retry-After: 5\r\n");
    return;
  }
  // 100 Trying at once: the far side stops retransmitting (RFC 3261 §17.2.1).
  tx->respond(100, sip::build_response(req, 100, {}, {.source = &tx->source()}));

  auto call = std::make_unique<Call>();
  Call& c = *call;
  c.id = next_call_++;
  c.from = &from;
  c.to = to;
  c.counted = true;
  c.a_invite = tx;
  // Leg A: sipnic is the UAS.
  c.a.target = tx->reply_target();
  c.a.call_id = std::string(req.header(HeaderId::kCallId));
  c.a.local_tag = tx_.random_token(12);
  c.a.local = std::string(req.header(HeaderId::kTo)) + ";tag=" + c.a.local_tag;
  c.a.remote = std::string(req.header(HeaderId::kFrom));
  c.a.remote_target = std::string(uri_of(req.header(HeaderId::kContact)));
  c.a.route_set = record_routes(req);
  c.a.local_cseq = 1;
  auto a_local = tx_.transport().local_address(c.a.target.transport, c.a.target.address.family());
  c.a.contact = "<sip:" + a_local.to_string() + std::string(transport_param(c.a.target.transport)) + ">";
  // Leg B: sipnic is the UAC, with nothing of leg A's addressing.
  const auto& peer = to->config().peer;
  std::string peer_host = peer.host.find(':') != std::string::npos ? "[" + peer.host + "]" : peer.host;
  if (peer.port) peer_host += ":" + std::to_string(peer.port);
  c.b.call_id = new_call_id_();
  c.b.local_tag = tx_.random_token(12);
  c.b.local_cseq = 1;
  std::string user = decision->user;
  std::string_view from_value = req.header(HeaderId::kFrom);
  std::string from_user(user_of(uri_of(from_value)));
  std::string display(display_of(from_value));
  c.b_invite.method = "INVITE";
  c.b_invite.uri = "sip:" + user + "@" + peer_host + std::string(transport_param(to->config().transport));
  c.b.remote = "<sip:" + user + "@" + peer_host + ">";
  c.b_invite.to = c.b.remote;
  c.b_invite.call_id = c.b.call_id;
  c.b_invite.cseq = c.b.local_cseq;
  c.b_invite.max_forwards = max_forwards - 1;
  c.b_invite.headers = pass_through_headers(req);
  c.b_invite.content_type = std::string(req.header(HeaderId::kContentType));
  c.b_invite.body = std::string(req.body());
  // From host and Contact are filled per target (they name our local address).
  c.b.local = (display.empty() ? "" : display + " ") + "<sip:" + (from_user.empty() ? "anonymous" : from_user) +
              "@";  // completed in send_invite_to_next_target
  pending_invites_[tx.get()] = c.id;
  dialogs_["A|" + c.a.call_id + "|" + c.a.local_tag] = c.id;
  dialogs_["B|" + c.b.call_id + "|" + c.b.local_tag] = c.id;
  ++stats_.calls_started;
  ++stats_.calls_active;
  std::uint64_t id = c.id;
  calls_.emplace(id, std::move(call));
  log_.debug("b2bua", "call " + std::to_string(id) + ": " + from.name() + " -> " + to->name() + " user " + user);
  std::optional<Transport> transport = to->config().transport;
  resolver_.resolve(to->config().peer, transport,
                    [this, id](std::vector<sip::ResolvedTarget> targets, std::string error) {
                      on_targets(id, std::move(targets), std::move(error));
                    });
}

void B2bua::on_targets(std::uint64_t id, std::vector<sip::ResolvedTarget> targets, std::string error) {
  Call* c = find(id);
  if (!c) return;
  if (c->a_cancelled) {
    end_call(*c);
    return;
  }
  if (targets.empty()) {
    log_.warn("b2bua", "trunk " + c->to->name() + ": cannot locate the peer: " + error);
    answer_a_failure(*c, 503, {}, "Retry-After: 5\r\n");
    return;
  }
  c->targets = std::move(targets);
  c->next_target = 0;
  c->state = Call::State::kCalling;
  send_invite_to_next_target(*c);
}

void B2bua::send_invite_to_next_target(Call& c) {
  const auto& t = c.targets[c.next_target++];
  auto addr = core::SocketAddress::from_ip(t.address, t.port);
  c.b.target.transport = t.transport;
  c.b.target.address = addr ? *addr : core::SocketAddress{};
  c.b.target.connection = {};
  c.b.target.trunk = c.to->name();
  auto local = tx_.transport().local_address(t.transport, c.b.target.address.family());
  // The From of leg B names sipnic's own address: no leak of leg A's host.
  std::string from_prefix = c.b.local.substr(0, c.b.local.rfind('@') + 1);
  c.b.local = from_prefix + local.host_for_uri() + ">;tag=" + c.b.local_tag;
  c.b.contact = "<sip:" + local.to_string() + std::string(transport_param(t.transport)) + ">";
  c.b_invite.from = c.b.local;
  c.b_invite.contact = c.b.contact;
  c.b_invite.via.clear();  // a new branch for every target
  std::uint64_t id = c.id;
  c.b_tx = tx_.send_request(c.b_invite, c.b.target,
                            [this, id](const ClientResult& r) { on_b_invite_result(id, r); });
}

void B2bua::arm_timer_c(Call& c) {
  if (c.timer_c) tx_.loop().cancel_timer(c.timer_c);
  std::uint64_t id = c.id;
  c.timer_c = tx_.loop().add_timer(Millis(config_.timers.timer_c_ms), [this, id]() {
    Call* call = find(id);
    if (!call) return;
    call->timer_c = 0;
    if (call->state != Call::State::kCalling && call->state != Call::State::kEarly) return;
    log_.info("b2bua", "call " + std::to_string(id) + ": no answer from trunk " + call->to->name() +
                           " within timer C: 408");
    cancel_b(*call);
    answer_a_failure(*call, 408, {}, {});
  });
}

void B2bua::on_b_invite_result(std::uint64_t id, const ClientResult& r) {
  Call* cp = find(id);
  if (!cp) {
    // The call ended while B was still answering: a late 2xx still needs its
    // ACK and a BYE (handled in on_stray_response for retransmissions).
    return;
  }
  Call& c = *cp;
  if (!r.response) {
    // Timer B (408) or transport failure (503): the next target, if any.
    if (c.next_target < c.targets.size() && !c.a_cancelled) {
      log_.info("b2bua", "call " + std::to_string(id) + ": target " + c.b.target.address.to_string() +
                             " failed (" + std::to_string(r.status) + "), trying the next one");
      send_invite_to_next_target(c);
      return;
    }
    if (c.a_cancelled) {
      end_call(c);
      return;
    }
    answer_a_failure(c, r.status, {}, r.status == 503 ? "Retry-After: 5\r\n" : "");
    return;
  }
  const SipMessage& resp = r.response->message;
  int status = r.status;
  if (status == 100) {
    if (c.timer_c == 0) arm_timer_c(c);
    return;
  }
  if (status < 200) {
    c.b_provisional = true;
    arm_timer_c(c);  // Timer C restarts on every provisional (RFC 3261 §16.7)
    if (c.cancel_pending) {
      cancel_b(c);
      return;
    }
    if (c.a_cancelled) return;
    c.state = Call::State::kEarly;
    std::string_view tag = tag_of(resp.header(HeaderId::kTo));
    if (!tag.empty()) c.b.remote = std::string(resp.header(HeaderId::kTo));
    if (resp.has(HeaderId::kContact)) c.b.remote_target = std::string(uri_of(resp.header(HeaderId::kContact)));
    std::string headers = pass_through_headers(resp) + "Contact: " + c.a.contact + "\r\n";
    sip::ResponseExtras x{.to_tag = c.a.local_tag,
                          .headers = headers,
                          .content_type = resp.header(HeaderId::kContentType),
                          .body = resp.body(),
                          .source = &c.a_invite->source()};
    c.a_invite->respond(status, sip::build_response(c.a_invite->request(), status, resp.reason(), x));
    return;
  }
  if (c.timer_c) {
    tx_.loop().cancel_timer(c.timer_c);
    c.timer_c = 0;
  }
  if (status < 300) {
    c.b.remote = std::string(resp.header(HeaderId::kTo));
    c.b.remote_target = std::string(uri_of(resp.header(HeaderId::kContact)));
    if (c.b.remote_target.empty()) c.b.remote_target = c.b_invite.uri;
    auto rr = record_routes(resp);
    c.b.route_set.assign(rr.rbegin(), rr.rend());
    c.b.ack_cseq = c.b_invite.cseq;
    if (c.a_cancelled) {
      // B answered after A cancelled: ACK and hang up leg B.
      OutgoingRequest ack;
      ack.method = "ACK";
      ack.uri = c.b.remote_target;
      ack.via = tx_.via_for(c.b.target.transport, c.b.target.address.family(), tx_.new_branch());
      ack.from = c.b.local;
      ack.to = c.b.remote;
      ack.call_id = c.b.call_id;
      ack.cseq = c.b.ack_cseq;
      ack.routes = c.b.route_set;
      tx_.send_stateless(c.b.target, ack.serialize());
      send_bye(c, false, {});
      end_call(c);
      return;
    }
    c.state = Call::State::kConfirmed;
    pending_invites_.erase(c.a_invite.get());
    ++stats_.calls_answered;
    std::string headers = pass_through_headers(resp) + "Contact: " + c.a.contact + "\r\n";
    sip::ResponseExtras x{.to_tag = c.a.local_tag,
                          .headers = headers,
                          .content_type = resp.header(HeaderId::kContentType),
                          .body = resp.body(),
                          .source = &c.a_invite->source()};
    std::string bytes = sip::build_response(c.a_invite->request(), status, resp.reason(), x);
    c.a.pending_2xx_cseq = cseq_number(c.a_invite->request());
    c.a_invite->respond(status, bytes);
    send_2xx(c, true, std::move(bytes));
    return;
  }
  // Failure: fail over on 503 (RFC 3263 §4.3), else relay (mapped).
  if (status == 503 && c.next_target < c.targets.size() && !c.a_cancelled) {
    log_.info("b2bua", "call " + std::to_string(id) + ": 503 from " + c.b.target.address.to_string() +
                           ", trying the next target");
    send_invite_to_next_target(c);
    return;
  }
  if (c.a_cancelled) {
    end_call(c);
    return;
  }
  int mapped = status;
  auto m = c.to->config().response_map.find(status);
  if (m != c.to->config().response_map.end()) mapped = m->second;
  std::string headers = pass_through_headers(resp);
  std::string_view reason = mapped == status ? resp.reason() : std::string_view{};
  answer_a_failure(c, mapped, reason, headers);
}

void B2bua::answer_a_failure(Call& c, int status, std::string_view reason, std::string_view headers) {
  if (!c.a_invite->completed()) {
    sip::ResponseExtras x{.to_tag = c.a.local_tag, .headers = headers, .source = &c.a_invite->source()};
    c.a_invite->respond(status, sip::build_response(c.a_invite->request(), status, reason, x));
  }
  ++stats_.calls_failed;
  end_call(c);
}

// A 2xx to an INVITE sent toward one leg is retransmitted over UDP until that
// leg ACKs (RFC 3261 §13.3.1.4): the initial INVITE's 200 toward A, and a
// re-INVITE's 200 toward whichever side sent the re-INVITE.
void B2bua::send_2xx(Call& c, bool to_a, std::string bytes) {
  Leg& leg = to_a ? c.a : c.b;
  if (leg.target.transport != Transport::kUdp) return;  // reliable: sent once
  if (leg.pending_2xx_timer) tx_.loop().cancel_timer(leg.pending_2xx_timer);
  leg.pending_2xx = std::move(bytes);
  leg.pending_2xx_interval = tx_.timers().t1;
  leg.pending_2xx_deadline = tx_.loop().now() + tx_.timers().t1 * 64;
  std::uint64_t id = c.id;
  leg.pending_2xx_timer =
      tx_.loop().add_timer(leg.pending_2xx_interval, [this, id, to_a]() { retransmit_2xx(id, to_a); });
}

void B2bua::retransmit_2xx(std::uint64_t id, bool to_a) {
  Call* c = find(id);
  if (!c) return;
  Leg& leg = to_a ? c->a : c->b;
  leg.pending_2xx_timer = 0;
  if (leg.pending_2xx.empty()) return;
  if (tx_.loop().now() >= leg.pending_2xx_deadline) {
    log_.info("b2bua", "call " + std::to_string(id) + ": no ACK for the 2xx from trunk " +
                           (to_a ? c->from : c->to)->name() + "; hanging up both legs");
    leg.pending_2xx.clear();
    send_bye(*c, true, {});
    send_bye(*c, false, {});
    end_call(*c);
    return;
  }
  tx_.send_stateless(leg.target, leg.pending_2xx);
  leg.pending_2xx_interval = std::min(leg.pending_2xx_interval * 2, tx_.timers().t2);
  leg.pending_2xx_timer =
      tx_.loop().add_timer(leg.pending_2xx_interval, [this, id, to_a]() { retransmit_2xx(id, to_a); });
}

void B2bua::on_ack(Received&& ack) {
  const SipMessage& m = ack.message;
  bool from_a = false;
  Call* c = find_by_dialog(m.header(HeaderId::kCallId), tag_of(m.header(HeaderId::kTo)), &from_a);
  if (!c) return;  // ACK for a call already gone: nothing to answer (RFC 3261 §17)
  Leg& self = from_a ? c->a : c->b;
  Leg& other = from_a ? c->b : c->a;
  if (!self.pending_2xx.empty()) {
    self.pending_2xx.clear();
    if (self.pending_2xx_timer) tx_.loop().cancel_timer(self.pending_2xx_timer);
    self.pending_2xx_timer = 0;
  }
  if (other.ack_cseq == 0) return;  // retransmitted ACK: already relayed
  // The 2xx ACK is end to end: relay it to the other side (with a late-offer
  // answer in its body, if any).
  OutgoingRequest out;
  out.method = "ACK";
  out.uri = other.remote_target;
  out.via = tx_.via_for(other.target.transport, other.target.address.family(), tx_.new_branch());
  out.from = other.local;
  out.to = other.remote;
  out.call_id = other.call_id;
  out.cseq = other.ack_cseq;
  out.routes = other.route_set;
  out.content_type = std::string(m.header(HeaderId::kContentType));
  out.body = std::string(m.body());
  other.last_ack = out.serialize();
  other.ack_cseq = 0;
  tx_.send_stateless(other.target, other.last_ack);
}

void B2bua::on_stray_response(Received&& rx) {
  // A 2xx retransmission after the INVITE client transaction ended: the ACK
  // was lost (or is still owed). Resend the ACK we sent.
  const SipMessage& m = rx.message;
  if (m.status() < 200 || m.status() >= 300) return;
  bool from_a = false;
  Call* c = find_by_dialog(m.header(HeaderId::kCallId), tag_of(m.header(HeaderId::kFrom)), &from_a);
  if (!c) return;
  Leg& leg = from_a ? c->a : c->b;
  if (!leg.last_ack.empty()) tx_.send_stateless(leg.target, leg.last_ack);
}

void B2bua::on_ack_timeout(const ServerTransactionPtr&) {
  // Our non-2xx final was never ACKed (Timer H): the call is already over.
}

void B2bua::on_cancel(const ServerTransactionPtr& tx) {
  ServerTransactionPtr invite = tx_.find_invite_for_cancel(tx->request());
  auto pending = invite ? pending_invites_.find(invite.get()) : pending_invites_.end();
  if (!invite || pending == pending_invites_.end()) {
    reject(tx, 481, {});
    return;
  }
  // The 200 carries the To tag that the INVITE's responses carry (RFC 3261
  // §9.2: they SHOULD be the same): the call's tag toward A.
  Call* c = find(pending->second);
  std::string_view invite_tag =
      c ? std::string_view(c->a.local_tag) : tag_of(invite->request().header(HeaderId::kTo));
  tx->respond(200, sip::build_response(tx->request(), 200, {}, {.to_tag = invite_tag, .source = &tx->source()}));
  if (!c) return;
  // 487 to the INVITE (RFC 3261 §9.2), then CANCEL leg B.
  c->a_cancelled = true;
  pending_invites_.erase(pending);
  sip::ResponseExtras x{.to_tag = c->a.local_tag, .source = &invite->source()};
  invite->respond(487, sip::build_response(invite->request(), 487, {}, x));
  if (c->timer_c) {
    tx_.loop().cancel_timer(c->timer_c);
    c->timer_c = 0;
  }
  if (c->state == Call::State::kResolving) return;  // on_targets ends it
  cancel_b(*c);
}

void B2bua::cancel_b(Call& c) {
  if (!c.b_tx || c.b_tx->finished()) return;
  if (!c.b_provisional) {
    // RFC 3261 §9.1: no CANCEL before a provisional; send it when one comes
    // (Timer B ends the attempt otherwise).
    c.cancel_pending = true;
    return;
  }
  c.cancel_pending = false;
  OutgoingRequest cancel = c.b_tx->request().cancel();
  tx_.send_request(std::move(cancel), c.b.target, [](const ClientResult&) {});
}

void B2bua::on_in_dialog_request(const ServerTransactionPtr& tx, Call& c, bool from_a) {
  const SipMessage& req = tx->request();
  Leg& other = from_a ? c.b : c.a;
  std::string_view method = req.method();
  if (c.state != Call::State::kConfirmed && method != "BYE" && method != "UPDATE" && method != "INFO") {
    reject(tx, 491, {});  // a re-INVITE while the first is still open
    return;
  }
  if (c.state != Call::State::kConfirmed && method == "BYE" && from_a) {
    // BYE from A before B answered (RFC 3261 §15: A may not, but be safe).
    tx->respond(200, sip::build_response(req, 200, {}, {.source = &tx->source()}));
    c.a_cancelled = true;
    pending_invites_.erase(c.a_invite.get());
    if (!c.a_invite->completed()) {
      sip::ResponseExtras x{.to_tag = c.a.local_tag, .source = &c.a_invite->source()};
      c.a_invite->respond(487, sip::build_response(c.a_invite->request(), 487, {}, x));
    }
    cancel_b(c);
    return;
  }
  OutgoingRequest out;
  out.method = std::string(method);
  out.uri = other.remote_target;
  out.from = other.local;
  out.to = other.remote;
  out.call_id = other.call_id;
  out.cseq = ++other.local_cseq;
  out.routes = other.route_set;
  out.contact = method == "INVITE" || method == "UPDATE" ? other.contact : "";
  out.headers = pass_through_headers(req);
  out.content_type = std::string(req.header(HeaderId::kContentType));
  out.body = std::string(req.body());
  bool bye = method == "BYE";
  std::uint32_t relayed_cseq = out.cseq;
  std::uint64_t id = c.id;
  tx_.send_request(std::move(out), other.target,
                   [this, id, tx, from_a, bye, relayed_cseq](const ClientResult& r) {
                     if (r.status < 200 && r.response) return;  // provisional: nothing to relay
                     Call* call = find(id);
                     Leg* self_leg = call ? (from_a ? &call->a : &call->b) : nullptr;
                     Leg* other_leg = call ? (from_a ? &call->b : &call->a) : nullptr;
                     int status = r.status;
                     std::string body, content_type, headers;
                     std::string_view reason;
                     if (r.response) {
                       const SipMessage& resp = r.response->message;
                       body = std::string(resp.body());
                       content_type = std::string(resp.header(HeaderId::kContentType));
                       headers = pass_through_headers(resp);
                       reason = resp.reason();
                     } else if (bye) {
                       status = 200;  // the other side is gone; the call ends anyway
                     }
                     if (self_leg && !bye) headers += "Contact: " + self_leg->contact + "\r\n";
                     std::string tag(tag_of(tx->request().header(HeaderId::kTo)));
                     sip::ResponseExtras x{.to_tag = tag,
                                           .headers = headers,
                                           .content_type = content_type,
                                           .body = body,
                                           .source = &tx->source()};
                     std::string bytes = sip::build_response(tx->request(), status, reason, x);
                     tx->respond(status, bytes);
                     if (!call) return;
                     if (tx->is_invite() && status >= 200 && status < 300) {
                       // re-INVITE answered: the requester's ACK goes on to the other side.
                       other_leg->ack_cseq = relayed_cseq;
                       send_2xx(*call, from_a, std::move(bytes));
                     }
                     if (bye) end_call(*call);
                   });
}

void B2bua::send_bye(Call& c, bool to_a, std::string_view reason) {
  Leg& leg = to_a ? c.a : c.b;
  if (leg.remote_target.empty()) return;
  OutgoingRequest bye;
  bye.method = "BYE";
  bye.uri = leg.remote_target;
  bye.from = leg.local;
  bye.to = leg.remote;
  bye.call_id = leg.call_id;
  bye.cseq = ++leg.local_cseq;
  bye.routes = leg.route_set;
  if (!reason.empty()) bye.headers = "Reason: " + std::string(reason) + "\r\n";
  tx_.send_request(std::move(bye), leg.target, [](const ClientResult&) {});
}

void B2bua::end_call(Call& c) {
  if (c.state == Call::State::kEnded) return;
  c.state = Call::State::kEnded;
  if (c.timer_c) tx_.loop().cancel_timer(c.timer_c);
  if (c.a.pending_2xx_timer) tx_.loop().cancel_timer(c.a.pending_2xx_timer);
  if (c.b.pending_2xx_timer) tx_.loop().cancel_timer(c.b.pending_2xx_timer);
  c.timer_c = c.a.pending_2xx_timer = c.b.pending_2xx_timer = 0;
  if (c.counted) c.to->end_call();
  c.counted = false;
  pending_invites_.erase(c.a_invite.get());
  --stats_.calls_active;
  std::uint64_t id = c.id;
  // Keep the dialogs a little longer so that retransmitted BYEs and 2xx get
  // answers from the call rather than 481 (64*T1, as transactions do).
  tx_.loop().add_timer(tx_.timers().t1 * 64, [this, id]() {
    auto it = calls_.find(id);
    if (it == calls_.end()) return;
    dialogs_.erase("A|" + it->second->a.call_id + "|" + it->second->a.local_tag);
    dialogs_.erase("B|" + it->second->b.call_id + "|" + it->second->b.local_tag);
    calls_.erase(it);
  });
}

void B2bua::ping(TrunkState& trunk, std::function<void(bool up)> done) {
  std::optional<Transport> transport = trunk.config().transport;
  TrunkState* t = &trunk;
  resolver_.resolve(trunk.config().peer, transport,
                    [this, t, done](std::vector<sip::ResolvedTarget> targets, std::string error) {
                      if (targets.empty()) {
                        log_.warn("b2bua", "OPTIONS to trunk " + t->name() + ": " + error);
                        done(false);
                        return;
                      }
                      const auto& target = targets.front();
                      auto addr = core::SocketAddress::from_ip(target.address, target.port);
                      sip::Target dest{target.transport, addr ? *addr : core::SocketAddress{}, {}, t->name()};
                      auto local = tx_.transport().local_address(target.transport, dest.address.family());
                      OutgoingRequest req;
                      req.method = "OPTIONS";
                      req.uri = "sip:" + dest.address.to_string() + std::string(transport_param(target.transport));
                      req.from = "<sip:ping@" + local.host_for_uri() + ">;tag=" + tx_.random_token(12);
                      req.to = "<" + req.uri + ">";
                      req.call_id = new_call_id_();
                      req.headers = "Accept: application/sdp\r\n";
                      tx_.send_request(std::move(req), dest, [done](const ClientResult& r) {
                        if (r.response && r.status < 200) return;
                        done(r.response != nullptr);
                      });
                    });
}

}  // namespace sipnic::interwork
