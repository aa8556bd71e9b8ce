#include "interwork/b2bua.h"

#include <algorithm>
#include <charconv>
#include <deque>

#include "interwork/header_rules.h"
#include "interwork/redirection.h"
#include "interwork/sip_parts.h"
#include "core/secret_file.h"
#include "sip/option_tags.h"
#include "sip/header_values.h"
#include "sip/response_builder.h"

namespace sipnic::interwork {

using core::LogLevel;
using core::Millis;
using core::Transport;
using offload::HeaderId;
using sip::ClientResult;
using sip::IncomingRequestPtr;
using sip::OutgoingRequest;
using sip::Received;
using sip::SipMessage;

namespace {

constexpr std::string_view kAllow =
    "INVITE, ACK, CANCEL, BYE, OPTIONS, PRACK, UPDATE, INFO, REFER, SUBSCRIBE, NOTIFY, MESSAGE, PUBLISH";

using sip::iequals;

// The headers sipnic writes itself on every leg's INVITEs, re-INVITEs,
// UPDATEs and their 1xx/2xx (header_rules.h: "generated").
std::string generated_headers() { return "Allow: " + std::string(kAllow) + "\r\n"; }

// The option tags sipnic implements on a trunk's leg, for the responses it
// sends there (header_rules.h: Supported is generated per leg).
std::string supported_line(const core::TrunkConfig& trunk) {
  std::string tags;
  if (trunk.prack != core::ExtensionPolicy::kOff) tags += "100rel, ";
  if (trunk.session_timer != core::ExtensionPolicy::kOff) tags += "timer, ";
  tags += "replaces";
  return "Supported: " + tags + "\r\n";
}

bool is_sdp(std::string_view content_type) {
  auto t = sip::parse_media_type(content_type);
  return t && t->is("application", "sdp");
}

// The Record-Route of a dialog-creating request, copied into the 1xx (with
// a tag) and 2xx responses to it (RFC 3261 §12.1.1), so that the proxies
// that record-routed stay on the caller's route set. It goes back only to
// the side it came from.
std::string record_route_lines(const SipMessage& request) {
  std::string out;
  for (const auto& h : request.view().all(HeaderId::kRecordRoute)) {
    out += "Record-Route: ";
    out += request.value(h);
    out += "\r\n";
  }
  return out;
}

// The value of the first header of that name (one the index does not know).
std::string_view header_named(const SipMessage& m, std::string_view name) {
  sip::MessageView view = m.view();
  for (const auto& h : m.headers)
    if (iequals(view.name(h), name)) return m.value(h);
  return {};
}

std::uint32_t cseq_number(const SipMessage& m) {
  auto c = sip::parse_cseq(m.header(HeaderId::kCSeq));
  return c ? c->number : 0;
}

}  // namespace

// A response of B's to relay to A, kept while RFC 3262 holds it back.
struct B2bua::RelayedResponse {
  int status = 0;
  std::string reason;
  std::string headers;  // crossing headers of B's response
  std::string content_type;
  std::string body;
};

// One side of a call: its dialog and where its requests go.
struct B2bua::Leg {
  std::optional<sip::Dialog> dialog;  // A: from its INVITE; B: from the first response with a To tag
  std::string call_id;                // the dialog's, known before B's dialog exists
  std::string local_tag;
  std::string contact;                // our Contact toward this side
  std::string own_host;               // our address on this side, as a URI host (header_rules.h)
  // Where this side's requests go (sip::DialogHop): its flow is, for A,
  // where its INVITE came from (transport, connection, trunk); for B, the
  // target the INVITE went to.
  sip::DialogHop hop;
  // Where the 2xx awaiting this side's ACK goes again (its request's Via).
  sip::Target pending_2xx_to;
  sip::Stack::TimerId pending_2xx_timer = 0;
  // An INVITE relayed to this side whose 2xx came back: the ACK from the
  // other side is relayed here with this CSeq.
  std::uint32_t ack_cseq = 0;
  std::string last_ack;  // resent on 2xx retransmissions
  // The credentials line of the INVITE sent to this side whose 2xx came
  // last ("" for none): its ACK carries them too (RFC 3261 §13.2.2.4).
  std::string ack_credentials;
  sip::Target last_ack_to;
  // RFC 4028 on this leg (sip/session_timer.h), and its one timer.
  std::optional<sip::SessionTimer> session;
  sip::Stack::TimerId session_timer = 0;
  // The session description sipnic last sent toward this side: what a
  // re-INVITE refresh of sipnic's carries.
  std::string sdp_sent;
  std::string sdp_type_sent;
  void remember_sdp(std::string_view content_type, std::string_view body) {
    if (!is_sdp(content_type)) return;
    sdp_sent = std::string(body);
    sdp_type_sent = std::string(content_type);
  }
};

struct B2bua::Call {
  std::uint64_t id = 0;
  TrunkState* from = nullptr;
  TrunkState* to = nullptr;
  bool counted = false;  // against both trunks' limits
  enum class State { kResolving, kCalling, kEarly, kConfirmed, kEnded } state = State::kResolving;
  IncomingRequestPtr a_invite;
  Leg a;
  Leg b;
  OutgoingRequest b_invite;
  std::string b_from_prefix;  // "Display <sip:user@": our host goes after it, per target
  std::string b_uri;          // leg B's Request-URI but for the RFC 4458 parameters, which name our host
  std::string a_uri_params;   // leg A's Request-URI parameters
  std::string b_replaces;     // "Replaces: ...\r\n" for leg B (RFC 3891), or ""
  std::optional<stir::Verstat> verstat;  // the caller's, on leg B (none: any from upstream removed)
  bool b_final = false;       // the INVITE to the current target got its final answer
  std::vector<sip::ResolvedTarget> targets;
  std::size_t next_target = 0;
  bool b_provisional = false;
  bool cancel_pending = false;   // CANCEL B as soon as it sends a provisional
  bool a_cancelled = false;      // A's INVITE answered 487
  bool reinvite_pending = false;  // a re-INVITE is being relayed (RFC 3261 §14: 491 to another)
  sip::Stack::TimerId timer_c = 0;
  sip::Stack::TimerId forget_timer = 0;
  // RFC 3262, hop by hop: reliable provisionals sipnic sends to A (and the
  // ones it holds while one is unacknowledged, and a 2xx it holds behind an
  // unacknowledged one with SDP); the PRACKs it sends to B.
  std::optional<sip::ReliableProvisionalsUas> a_prack;
  std::optional<sip::ReliableProvisionalsUac> b_prack;
  sip::Stack::TimerId a_1xx_timer = 0;
  std::deque<RelayedResponse> held_1xx;
  std::optional<RelayedResponse> held_2xx;
  // B's reliable provisional offered SDP: its PRACK waits for A's answer.
  std::optional<OutgoingRequest> b_prack_waiting;
  sip::SessionTimer::Answer a_session;  // what leg A's 2xx says of its session timer
  std::optional<sip::DigestAuthorization> b_auth;  // the credentials leg B's INVITE carries
};

B2buaStats::B2buaStats(core::MetricsRegistry& m, std::uint32_t w) {
  using core::MetricType;
  auto counter = [&](std::string_view name, const char* help) {
    return m.counter({std::string(name), help, MetricType::kCounter}, {}, w);
  };
  calls_started = counter(metric::kCallsStarted, "calls the B2BUA started: routed, and admitted by both trunks' limits");
  calls_answered = counter(metric::kCallsAnswered, "calls answered (2xx relayed to the caller)");
  calls_failed = counter(metric::kCallsFailed, "started calls that ended with a failure response to the caller");
  calls_rejected = counter(metric::kCallsRejected,
                           "calls refused before an outbound leg existed (a trunk down or at its limits: 503)");
  calls_active = m.gauge({std::string(metric::kCallsActive), "calls in progress now", MetricType::kGauge}, {}, w);
  calls_unacknowledged = counter(metric::kCallsUnacknowledged,
                                 "answered calls hung up because the 2xx got no ACK within 64*T1 (BYE both legs)");
  const core::MetricInfo unknown{std::string(metric::kUnknownSourceRequests),
                                 "requests from sources that are no trunk's, by what was done: rejected (a stateless "
                                 "403 or the usual answer), dropped ([node] unknown-source = drop), rate_limited "
                                 "(over [node] unknown-source-rate)",
                                 MetricType::kCounter};
  unknown_source_requests = m.counter(unknown, {{"action", "answered_or_dropped"}}, w);
  rate_limited_requests = m.counter(unknown, {{"action", "rate_limited"}}, w);
}

B2bua::B2bua(const core::Config& config, std::vector<std::unique_ptr<TrunkState>>& trunks, sip::Stack& stack,
             core::Log& log, core::MetricsRegistry& metrics, std::uint32_t worker,
             std::function<std::string()> new_call_id, B2buaOptions options)
    : config_(config),
      trunks_(trunks),
      stack_(stack),
      log_(log),
      stats_(metrics, worker),
      new_call_id_(std::move(new_call_id)),
      router_(config),
      relay_(trunks, router_, stack, new_call_id_,
             [this](LogLevel level, std::string_view key, const std::string& line) { note(level, key, line); },
             metrics, worker, &digest_clients_),
      subscriptions_(trunks, router_, stack, new_call_id_,
                     [this](LogLevel level, std::string_view key, const std::string& line) { note(level, key, line); },
                     metrics, worker, &digest_clients_),
      own_source_limiter_(config.unknown_source_rate),
      source_limiter_(options.source_limiter ? options.source_limiter : &own_source_limiter_),
      stir_(options.stir),
      wall_clock_(std::move(options.wall_clock)),
      stir_stats_(metrics, worker) {
  // Secrets are read here, once per worker, and kept in memory only; the
  // config checked the files (core/secret_file.h).
  for (const auto& t : config.trunks) {
    if (!t.auth_username.empty())
      digest_clients_.emplace(t.name, sip::DigestClient({t.auth_username, core::read_secret_file(t.auth_password_file),
                                                         t.auth_realm}));
    if (!t.inbound_auth_username.empty())
      digest_servers_.emplace(t.name, sip::DigestServer({.realm = t.inbound_auth_realm,
                                                         .username = t.inbound_auth_username,
                                                         .password = core::read_secret_file(t.inbound_auth_password_file)},
                                                        sip::DigestServer::random_key()));
  }
}

bool B2bua::authenticated(const IncomingRequestPtr& tx, TrunkState& from) {
  auto server = digest_servers_.find(from.name());
  if (server == digest_servers_.end()) return true;
  auto verdict = server->second.verify(tx->request(), stack_.now());
  if (verdict == sip::DigestServer::Verdict::kOk) return true;
  if (verdict == sip::DigestServer::Verdict::kRejected)
    note(LogLevel::kInfo, "auth-rejected|" + from.name(),
         std::string(tx->request().method()) + " from trunk " + from.name() + ": credentials refused: 401");
  std::string tag = stack_.random_token(12);
  tx->respond(401, server->second.challenge_response(tx->request(), stack_.now(),
                                                     verdict == sip::DigestServer::Verdict::kStale, tag));
  return false;
}

B2bua::~B2bua() {
  for (auto& [id, c] : calls_) {
    for (auto t : {c->timer_c, c->a.pending_2xx_timer, c->b.pending_2xx_timer, c->forget_timer, c->a_1xx_timer,
                   c->a.session_timer, c->b.session_timer})
      if (t) stack_.cancel_timer(t);
    if (c->counted) {
      c->to->end_call();
      c->from->end_call();
    }
  }
}

void B2bua::note(LogLevel level, std::string_view key, const std::string& message) {
  log_limiter_.write(log_, level, "b2bua", key, message, stack_.now());
}

B2bua::Call* B2bua::find_any(std::uint64_t id) {
  auto it = calls_.find(id);
  return it == calls_.end() ? nullptr : it->second.get();
}

B2bua::Call* B2bua::find(std::uint64_t id) {
  Call* c = find_any(id);
  return c && c->state != Call::State::kEnded ? c : nullptr;
}

B2bua::Call* B2bua::find_by_dialog(std::string_view call_id, std::string_view local_tag, bool* from_a,
                                   bool include_ended) {
  for (char side : {'A', 'B'}) {
    std::string key;
    key.reserve(call_id.size() + local_tag.size() + 3);
    key.append(1, side).append("|").append(call_id).append("|").append(local_tag);
    auto it = dialogs_.find(key);
    if (it != dialogs_.end()) {
      if (from_a) *from_a = side == 'A';
      return include_ended ? find_any(it->second) : find(it->second);
    }
  }
  return nullptr;
}

TrunkState* B2bua::trunk_for_request(const sip::IncomingRequest& tx) {
  if (tx.reply_target().transport == Transport::kTls) {
    // Over TLS the peer's verified certificate picked the trunk (RFC 5922),
    // not its address.
    for (auto& t : trunks_)
      if (t->name() == tx.peer_trunk()) return t.get();
    return nullptr;
  }
  for (auto& t : trunks_)
    if (t->config().transport != Transport::kTls && t->matches_source(tx.source())) return t.get();
  // A registration trunk's registrar may send from anywhere: its requests
  // come to the Contact sipnic registered (its random rinstance).
  for (auto& t : trunks_)
    if (t->config().transport != Transport::kTls && t->matches_registered_contact(tx.request().uri())) return t.get();
  return nullptr;
}

bool B2bua::admit_unknown_source(const IncomingRequestPtr& tx) {
  if (!source_limiter_->admit(tx->source(), stack_.now())) {
    ++stats_.rate_limited_requests;
    note(LogLevel::kInfo, "source-rate",
         "requests from " + tx->source().ip() + " (no trunk) over " + std::to_string(config_.unknown_source_rate) +
             "/s: dropped");
    tx->discard();
    return false;
  }
  if (config_.unknown_source == core::UnknownSource::kDrop) {
    ++stats_.unknown_source_requests;
    note(LogLevel::kInfo, "unknown-source",
         std::string(tx->request().method()) + " from " + tx->source().to_string() + " matches no trunk: dropped");
    tx->discard();
    return false;
  }
  return true;
}

void B2bua::reject(const IncomingRequestPtr& tx, int status, std::string_view reason, std::string_view extra_headers) {
  sip::ResponseExtras x;
  std::string tag = stack_.random_token(12);
  x.to_tag = tag;
  x.headers = extra_headers;
  x.source = &tx->source();
  tx->respond(status, sip::build_response(tx->request(), status, reason, x));
}

void B2bua::reject_statelessly(const IncomingRequestPtr& tx, int status, std::string_view reason) {
  // One response per request and nothing kept: a retransmission is answered
  // again, once, so a spoofed source cannot be sent more than it sent.
  std::string tag = stack_.random_token(12);
  sip::ResponseExtras x{.to_tag = tag, .source = &tx->source()};
  stack_.send_stateless(tx->reply_target(), sip::build_response(tx->request(), status, reason, x));
  tx->discard();
}

// ---- requests -----------------------------------------------------------------

void B2bua::on_request(const IncomingRequestPtr& tx) {
  const SipMessage& req = tx->request();
  std::string_view method = req.method();
  if (method == "CANCEL") {
    on_cancel(tx);
    return;
  }
  std::string_view to_tag = tag_of(req.header(HeaderId::kTo));
  if (!to_tag.empty()) {
    bool from_a = false;
    if (Call* call = find_by_dialog(req.header(HeaderId::kCallId), to_tag, &from_a)) {
      // Whoever knows the dialog's identifiers is in it, whatever its address.
      on_in_dialog_request(tx, *call, from_a);
      return;
    }
    if (subscriptions_.on_in_dialog_request(tx)) return;
    if (!trunk_for_request(*tx) && !admit_unknown_source(tx)) return;
    reject(tx, 481, {});
    return;
  }
  TrunkState* from = trunk_for_request(*tx);
  if (!from) {
    if (!admit_unknown_source(tx)) return;
    if (method == "INVITE" || method == "SUBSCRIBE" || OutOfDialogRelay::relays(method)) {
      ++stats_.unknown_source_requests;
      note(LogLevel::kInfo, "unknown-source",
           std::string(method) + " from " + tx->source().to_string() + " matches no trunk: 403 (stateless)");
      reject_statelessly(tx, 403, "Forbidden (unknown trunk)");
      return;
    }
  }
  if (from && (method == "INVITE" || method == "SUBSCRIBE" || OutOfDialogRelay::relays(method)) &&
      !authenticated(tx, *from))
    return;
  if (from && (method == "SUBSCRIBE" || OutOfDialogRelay::relays(method))) {
    // The trunk's max-rps holds its out-of-dialog requests before routing.
    std::string refused = from->try_admit_request(stack_.now(), TrunkState::Direction::kIn);
    if (!refused.empty()) {
      note(LogLevel::kInfo, "max-rps|" + from->name(),
           std::string(method) + " from trunk " + from->name() + " refused: " + refused + ": 503");
      reject(tx, 503, {}, kRetryAfter);
      return;
    }
  }
  if (method == "OPTIONS") {
    std::string headers = "Allow: " + std::string(kAllow) + "\r\nAccept: application/sdp\r\n";
    reject(tx, 200, {}, headers);
    return;
  }
  if (OutOfDialogRelay::relays(method)) {
    relay_.relay(tx, *from);
    return;
  }
  if (method == "SUBSCRIBE") {
    subscriptions_.subscribe(tx, *from);
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
  start_call(tx, *from);
}

void B2bua::start_call(const IncomingRequestPtr& tx, TrunkState& from) {
  const SipMessage& req = tx->request();
  int max_forwards = max_forwards_of(req);
  if (max_forwards <= 0) {
    reject(tx, 483, {});
    return;
  }
  // STIR/SHAKEN (RFC 8224 §6.2): the caller's Identity, checked where the
  // trunk says so; a trunk that requires a valid one has the call refused.
  std::optional<stir::Verstat> verstat;
  if (auto stir = stir_ ? stir_->current() : nullptr) {
    stir::InboundIdentity identity = stir->check_invite(req.view(), from.config().stir_verify, wall_clock_());
    if (identity.checked) stir_stats_.count(identity.result);
    if (identity.refuse) {
      note(LogLevel::kInfo, "stir-refused|" + from.name(),
           "INVITE from trunk " + from.name() + " refused (stir-verify = required): " + identity.result.detail + ": " +
               std::to_string(identity.status_code));
      reject(tx, identity.status_code, identity.reason_phrase);
      return;
    }
    verstat = identity.verstat;
  }
  // RFC 3262 and RFC 4028 on leg A, by the caller's trunk: each leg
  // negotiates its own (hop by hop).
  auto rseq_seed = static_cast<std::uint32_t>(std::stoul(stack_.random_token(8), nullptr, 16));
  sip::ReliableProvisionalsUas a_prack(from.config().prack, rseq_seed);
  if (auto v = a_prack.on_invite(req); v.reject) {
    reject(tx, v.reject, {}, v.headers);
    return;
  }
  sip::SessionTimer a_session(sip::SessionTimerPolicy::of(from.config()));
  sip::SessionTimer::Answer a_session_answer = a_session.answer(req);
  if (a_session_answer.reject) {
    reject(tx, a_session_answer.reject, {}, a_session_answer.headers);
    return;
  }
  std::string_view ruri_user = user_of(req.uri());
  std::string_view ruri_params = uri_params_of(req.uri());
  TrunkState* to = nullptr;
  std::string user;
  std::string replaces_line;
  if (std::string_view replaces = header_named(req, "Replaces"); !replaces.empty()) {
    // RFC 3891: the call replaces one leg of a call sipnic has (an attended
    // transfer's transferee, or a pickup): it goes to that leg's trunk, with
    // the dialog named as the peer there knows it. No route is asked.
    auto leg = find_replaced(replaces);
    if (!leg) {
      reject(tx, 481, "Call/Transaction Does Not Exist (Replaces names no dialog)");
      return;
    }
    Leg& replaced = leg->side_a ? leg->call->a : leg->call->b;
    to = leg->side_a ? leg->call->from : leg->call->to;
    user = std::string(ruri_user);
    replaces_line = "Replaces: " + replaced.dialog->call_id() + ";to-tag=" + replaced.dialog->remote_tag() +
                    ";from-tag=" + replaced.dialog->local_tag() + "\r\n";
  } else {
    auto decision =
        router_.route({.from_trunk = from.name(), .user = ruri_user, .method = "INVITE", .uri_params = ruri_params});
    if (!decision) {
      note(LogLevel::kInfo, "no-route|" + from.name(),
           "no route from trunk " + from.name() + " for '" + std::string(ruri_user) + "': 404");
      reject(tx, 404, "Not Found (no route)");
      return;
    }
    for (auto& t : trunks_)
      if (t->name() == decision->target->name) to = t.get();
    user = decision->user;
  }
  // The limits of both trunks: the target's (and whether it is up), then
  // the caller's own for the calls it sends in.
  auto now = stack_.now();
  std::string refused = to->try_start_call(now);
  if (refused.empty()) {
    refused = from.try_accept_call(now);
    if (!refused.empty()) to->end_call();
  }
  if (!refused.empty()) {
    note(LogLevel::kInfo, "refused|" + refused,
         "call from trunk " + from.name() + " to trunk " + to->name() + " refused: " + refused + ": 503");
    ++stats_.calls_rejected;
    reject(tx, 503, "Service Unavailable", kRetryAfter);
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
  sip::Target a_flow = tx->reply_target();
  a_flow.trunk = from.name();
  c.a.hop.set_flow(a_flow);
  c.a.call_id = std::string(req.header(HeaderId::kCallId));
  c.a.local_tag = stack_.random_token(12);
  auto a_local = stack_.local_address(a_flow);
  c.a.contact = "<sip:" + a_local.to_string() + std::string(transport_param(a_flow.transport)) + ">";
  c.a.own_host = a_local.host_for_uri();
  c.a.dialog = sip::Dialog::as_uas(req, c.a.local_tag, c.a.contact);
  // Leg B: sipnic is the UAC, with nothing of leg A's addressing.
  std::string peer_host = peer_hostport(to->config().peer);
  c.b.call_id = new_call_id_();
  c.b.local_tag = stack_.random_token(12);
  c.b_replaces = std::move(replaces_line);
  c.verstat = verstat;
  c.a_prack = a_prack;
  c.a.session = a_session;
  c.a_session = std::move(a_session_answer);
  c.b.session.emplace(sip::SessionTimerPolicy::of(to->config()));
  c.b_invite.method = "INVITE";
  c.b_uri = "sip:" + user + "@" + peer_host + std::string(transport_param(to->config().transport));
  c.a_uri_params = std::string(ruri_params);
  c.b_invite.to = "<sip:" + user + "@" + peer_host + ">";
  c.b_invite.call_id = c.b.call_id;
  c.b_invite.cseq = 1;
  c.b_invite.max_forwards = max_forwards - 1;
  c.b_invite.content_type = std::string(req.header(HeaderId::kContentType));
  c.b_invite.body = std::string(req.body());
  // From host and Contact are filled per target (they name our local address).
  c.b_from_prefix = from_prefix_of(req.header(HeaderId::kFrom));
  pending_invites_[tx.get()] = c.id;
  dialogs_["A|" + c.a.call_id + "|" + c.a.local_tag] = c.id;
  dialogs_["B|" + c.b.call_id + "|" + c.b.local_tag] = c.id;
  ++stats_.calls_started;
  ++stats_.calls_active;
  std::uint64_t id = c.id;
  calls_.emplace(id, std::move(call));
  log_.debug("b2bua", "call " + std::to_string(id) + ": " + from.name() + " -> " + to->name() + " user " + user);
  std::optional<Transport> transport = to->config().transport;
  stack_.resolve(to->config().peer, transport, [this, id](std::vector<sip::ResolvedTarget> targets, std::string error) {
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
    note(LogLevel::kWarn, "locate|" + c->to->name(), "trunk " + c->to->name() + ": cannot locate the peer: " + error);
    answer_a_failure(*c, 503, {}, kRetryAfter);
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
  sip::Target b_flow{t.transport, addr ? *addr : core::SocketAddress{}, {}, c.to->name()};
  c.b.hop.set_flow(b_flow);  // nothing located for the last target holds for this one
  auto local = stack_.local_address(b_flow);
  // The From of leg B names sipnic's own address: no leak of leg A's host.
  c.b_invite.from = c.b_from_prefix + local.host_for_uri() + ">;tag=" + c.b.local_tag;
  c.b.contact = "<sip:" + local.to_string() + std::string(transport_param(t.transport)) + ">";
  c.b_invite.contact = c.b.contact;
  c.b.own_host = local.host_for_uri();
  // RFC 4458: the Request-URI's `target` and `cause` say why the call was
  // retargeted here (voicemail, IVR); they cross with it.
  c.b_invite.uri = c.b_uri + retargeting_uri_params(c.a_uri_params, c.b.own_host);
  c.b_invite.headers = convert_redirection(crossing_headers(c.a_invite->request(), c.b.own_host),
                                          c.to->config().redirection, c.b_invite.uri) +
                      c.b_replaces + generated_headers() + c.b.session->request_headers();
  c.b_prack.emplace(c.to->config().prack, !c.b_invite.body.empty());
  c.b_invite.headers += c.b_prack->request_headers();
  if (c.b_auth) c.b_invite.headers += c.b_auth->line();
  c.b.remember_sdp(c.b_invite.content_type, c.b_invite.body);
  apply_stir(c);
  // A new branch for every target, set here so that a CANCEL matches it.
  c.b_invite.via = stack_.via_for(b_flow, stack_.new_branch());
  c.b_final = false;
  c.b_provisional = false;
  c.b.dialog.reset();  // an early dialog of the last target is no dialog of this one
  std::uint64_t id = c.id;
  stack_.send_request(c.b_invite, b_flow, [this, id](const ClientResult& r) { on_b_invite_result(id, r); });
}

void B2bua::arm_timer_c(Call& c) {
  if (c.timer_c) stack_.cancel_timer(c.timer_c);
  std::uint64_t id = c.id;
  c.timer_c = stack_.add_timer(Millis(config_.timers.timer_c_ms), [this, id]() {
    Call* call = find(id);
    if (!call) return;
    call->timer_c = 0;
    if (call->state != Call::State::kCalling && call->state != Call::State::kEarly) return;
    note(LogLevel::kInfo, "timer-c|" + call->to->name(),
         "call " + std::to_string(id) + ": no answer from trunk " + call->to->name() + " within timer C: 408");
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
    c.b_final = true;
    if (c.next_target < c.targets.size() && !c.a_cancelled) {
      note(LogLevel::kInfo, "target-failed|" + c.to->name(),
           "call " + std::to_string(id) + ": target " + c.b.hop.flow().address.to_string() + " of trunk " + c.to->name() +
               " failed (" + std::to_string(r.status) + "), trying the next one");
      send_invite_to_next_target(c);
      return;
    }
    if (c.a_cancelled) {
      end_call(c);
      return;
    }
    answer_a_failure(c, r.status, {}, r.status == 503 ? kRetryAfter : "");
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
    if (!c.b.dialog && !tag_of(resp.header(HeaderId::kTo)).empty())
      c.b.dialog = sip::Dialog::as_uac(c.b_invite, resp);  // the early dialog
    // RFC 3262 on leg B: a reliable provisional is PRACKed by sipnic (its
    // retransmissions and strays are dropped), whatever leg A does.
    auto reliable = c.b_prack->on_provisional(resp);
    if (reliable.action == sip::ReliableProvisionalsUac::Action::kIgnore) return;
    if (reliable.action == sip::ReliableProvisionalsUac::Action::kPrack && c.b.dialog) {
      if (auto prack = c.b.dialog->prack(resp)) {
        // An offer in it: the PRACK carries the answer, which leg A's PRACK
        // brings when A takes provisionals reliably.
        if (reliable.offer && c.a_prack->reliable()) c.b_prack_waiting = std::move(*prack);
        else send_in_dialog(c, false, std::move(*prack), [](const ClientResult&) {});
      }
    }
    relay_1xx_to_a(c, RelayedResponse{status, std::string(resp.reason()), crossing_headers(resp, c.a.own_host),
                                      std::string(resp.header(HeaderId::kContentType)), std::string(resp.body())});
    return;
  }
  c.b_final = true;
  if (c.timer_c) {
    stack_.cancel_timer(c.timer_c);
    c.timer_c = 0;
  }
  if (status < 300) {
    // §13.2.2.4: the 2xx confirms the dialog and sets its route set anew.
    if (c.b.dialog) c.b.dialog->confirm_by(resp);
    else c.b.dialog = sip::Dialog::as_uac(c.b_invite, resp);
    c.b.ack_cseq = c.b_invite.cseq;
    c.b.ack_credentials = c.b_auth ? c.b_auth->line() : std::string();
    if (c.a_cancelled) {
      // B answered after A cancelled: ACK and hang up leg B.
      send_ack(c, false, c.b.dialog->ack(c.b.ack_cseq));
      c.b.ack_cseq = 0;
      send_bye(c, false, {});
      end_call(c);
      return;
    }
    c.state = Call::State::kConfirmed;
    pending_invites_.erase(c.a_invite.get());
    ++stats_.calls_answered;
    start_session_timer(c, false, c.b.session->on_2xx(resp));
    relay_2xx_to_a(c, RelayedResponse{status, std::string(resp.reason()), crossing_headers(resp, c.a.own_host),
                                      std::string(resp.header(HeaderId::kContentType)), std::string(resp.body())});
    return;
  }
  // RFC 3261 §22: the trunk challenges; sipnic answers with its credentials
  // for that trunk, once per challenge (DigestClient says when to give up).
  if ((status == 401 || status == 407) && !c.a_cancelled) {
    auto client = digest_clients_.find(c.to->name());
    std::optional<sip::DigestAuthorization> auth;
    if (client != digest_clients_.end())
      auth = client->second.answer(resp, "INVITE", c.b_invite.uri, stack_.random_token(16), c.b_auth ? &*c.b_auth : nullptr);
    if (auth) {
      c.b_auth = std::move(auth);
      --c.next_target;
      ++c.b_invite.cseq;
      send_invite_to_next_target(c);
      return;
    }
    note(LogLevel::kInfo, "auth-failed|" + c.to->name(),
         "call " + std::to_string(id) + ": trunk " + c.to->name() + " answered " + std::to_string(status) +
             (client == digest_clients_.end() ? " and has no auth-username" : " to sipnic's credentials") + ": 403");
    answer_a_failure(c, 403, "Forbidden (authentication toward the trunk failed)", {});
    return;
  }
  // RFC 4028 §7.3: leg B's peer wants a longer session interval: the INVITE
  // again to the same target, with a new CSeq and that Min-SE.
  if (status == 422 && !c.a_cancelled && c.b.session->on_422(resp)) {
    --c.next_target;
    ++c.b_invite.cseq;
    send_invite_to_next_target(c);
    return;
  }
  // Failure: fail over on 503 (RFC 3263 §4.3), else relay (mapped).
  if (status == 503 && c.next_target < c.targets.size() && !c.a_cancelled) {
    note(LogLevel::kInfo, "failover|" + c.to->name(),
         "call " + std::to_string(id) + ": 503 from " + c.b.hop.flow().address.to_string() + " (trunk " + c.to->name() +
             "), trying the next target");
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
  std::string headers = crossing_headers(resp, c.a.own_host);
  std::string_view reason = mapped == status ? resp.reason() : std::string_view{};
  answer_a_failure(c, mapped, reason, headers);
}

void B2bua::answer_a_failure(Call& c, int status, std::string_view reason, std::string_view headers) {
  if (c.a_prack) c.a_prack->on_final_sent();
  c.held_1xx.clear();
  if (!c.a_invite->completed()) {
    sip::ResponseExtras x{.to_tag = c.a.local_tag, .headers = headers, .source = &c.a_invite->source()};
    c.a_invite->respond(status, sip::build_response(c.a_invite->request(), status, reason, x));
  }
  ++stats_.calls_failed;
  end_call(c);
}

// ---- B's 1xx and 2xx toward A (RFC 3262 on leg A) ----------------------------------

std::string B2bua::response_to_a(Call& c, const RelayedResponse& r, std::string_view leg_headers) {
  const SipMessage& a_req = c.a_invite->request();
  std::string headers = r.headers + generated_headers() + supported_line(c.from->config()) + std::string(leg_headers) +
                        "Contact: " + c.a.contact + "\r\n" + record_route_lines(a_req);
  sip::ResponseExtras x{.to_tag = c.a.local_tag,
                        .headers = headers,
                        .content_type = r.content_type,
                        .body = r.body,
                        .source = &c.a_invite->source()};
  c.a.remember_sdp(r.content_type, r.body);
  return sip::build_response(a_req, r.status, r.reason, x);
}

void B2bua::relay_1xx_to_a(Call& c, RelayedResponse r) {
  bool reliable = c.a_prack && c.a_prack->reliable();
  if (reliable && c.a_prack->must_hold()) {
    c.held_1xx.push_back(std::move(r));  // one unacknowledged at a time (RFC 3262 §3)
    return;
  }
  std::string bytes = response_to_a(c, r, reliable ? c.a_prack->next_headers() : std::string());
  c.a_invite->respond(r.status, bytes);
  if (!reliable) return;
  Millis delay = c.a_prack->sent(std::move(bytes), !r.body.empty(), stack_.timers().t1);
  if (c.a_1xx_timer) stack_.cancel_timer(c.a_1xx_timer);
  std::uint64_t id = c.id;
  c.a_1xx_timer = stack_.add_timer(delay, [this, id]() { on_a_1xx_timer(id); });
}

void B2bua::on_a_1xx_timer(std::uint64_t id) {
  Call* c = find(id);
  if (!c) return;
  c->a_1xx_timer = 0;
  auto tick = c->a_prack->on_timer();
  if (tick.give_up) {
    // RFC 3262 §3: 64*T1 without its PRACK: the INVITE is rejected with a 5xx.
    note(LogLevel::kInfo, "no-prack|" + c->from->name(),
         "call " + std::to_string(id) + ": no PRACK from trunk " + c->from->name() +
             " for a reliable provisional within 64*T1: 500");
    if (c->b.ack_cseq != 0 && c->b.dialog) {  // B already answered: ACK and hang it up
      send_ack(*c, false, c->b.dialog->ack(c->b.ack_cseq));
      c->b.ack_cseq = 0;
      send_bye(*c, false, {});
    } else {
      cancel_b(*c);
    }
    answer_a_failure(*c, 500, "Server Internal Error (no PRACK)", {});
    return;
  }
  if (tick.resend.empty()) return;
  int status = 0;
  std::from_chars(tick.resend.data() + std::min<std::size_t>(8, tick.resend.size()),
                  tick.resend.data() + std::min<std::size_t>(11, tick.resend.size()), status);
  c->a_invite->respond(status, std::string(tick.resend));
  c->a_1xx_timer = stack_.add_timer(tick.next, [this, id]() { on_a_1xx_timer(id); });
}

void B2bua::on_prack_from_a(const IncomingRequestPtr& tx, Call& c) {
  sip::ReliableProvisionalsUas::PrackAnswer answer;
  if (c.a_prack) answer = c.a_prack->on_prack(tx->request());
  tx->respond(answer.status, sip::build_response(tx->request(), answer.status, {}, {.source = &tx->source()}));
  if (!answer.released) return;
  if (c.a_1xx_timer) stack_.cancel_timer(c.a_1xx_timer);
  c.a_1xx_timer = 0;
  if (c.b_prack_waiting) {
    // The answer to B's offer came in A's PRACK: B's PRACK carries it.
    OutgoingRequest prack = std::move(*c.b_prack_waiting);
    c.b_prack_waiting.reset();
    prack.content_type = std::string(tx->request().header(HeaderId::kContentType));
    prack.body = std::string(tx->request().body());
    c.b.remember_sdp(prack.content_type, prack.body);
    send_in_dialog(c, false, std::move(prack), [](const ClientResult&) {});
  }
  if (!c.held_1xx.empty()) {
    RelayedResponse next = std::move(c.held_1xx.front());
    c.held_1xx.pop_front();
    relay_1xx_to_a(c, std::move(next));
  } else if (c.held_2xx) {
    RelayedResponse ok = std::move(*c.held_2xx);
    c.held_2xx.reset();
    relay_2xx_to_a(c, std::move(ok));
  }
}

void B2bua::relay_2xx_to_a(Call& c, RelayedResponse r) {
  c.held_1xx.clear();  // the answer supersedes provisionals not yet sent
  if (c.a_prack && !c.a_prack->can_send_2xx()) {
    c.held_2xx = std::move(r);  // RFC 3262 §3: not before the SDP's PRACK
    return;
  }
  const SipMessage& a_req = c.a_invite->request();
  std::string bytes = response_to_a(c, r, c.a_session.headers);
  c.a.dialog->confirm();
  if (c.a_prack) c.a_prack->on_final_sent();
  if (c.a_1xx_timer) stack_.cancel_timer(c.a_1xx_timer);
  c.a_1xx_timer = 0;
  c.a_invite->respond(r.status, bytes);
  start_2xx(c, true, std::move(bytes), c.a_invite->reply_target(), cseq_number(a_req));
  start_session_timer(c, true, c.a_session.interval);
}

// ---- session timers (RFC 4028, per leg) --------------------------------------------

void B2bua::start_session_timer(Call& c, bool to_a, sip::SessionInterval interval) {
  Leg& leg = to_a ? c.a : c.b;
  if (!leg.session) return;
  if (leg.session_timer) stack_.cancel_timer(leg.session_timer);
  leg.session_timer = 0;
  auto delay = leg.session->start(interval);
  if (!delay) return;
  std::uint64_t id = c.id;
  leg.session_timer = stack_.add_timer(*delay, [this, id, to_a]() { on_session_timer(id, to_a); });
}

void B2bua::on_session_timer(std::uint64_t id, bool to_a) {
  Call* c = find(id);
  if (!c) return;
  Leg& leg = to_a ? c->a : c->b;
  leg.session_timer = 0;
  auto fired = leg.session->on_timer();
  if (fired.next) leg.session_timer = stack_.add_timer(*fired.next, [this, id, to_a]() { on_session_timer(id, to_a); });
  if (fired.due == sip::SessionTimer::Due::kRefresh) {
    send_session_refresh(*c, to_a);
  } else if (fired.due == sip::SessionTimer::Due::kExpired) {
    TrunkState* trunk = to_a ? c->from : c->to;
    note(LogLevel::kInfo, "session-expired|" + trunk->name(),
         "call " + std::to_string(id) + ": the session timer toward trunk " + trunk->name() +
             " expired without a refresh; hanging up both legs");
    send_bye(*c, true, "SIP;cause=408;text=\"Session timer expired\"");
    send_bye(*c, false, "SIP;cause=408;text=\"Session timer expired\"");
    end_call(*c);
  }
}

void B2bua::send_session_refresh(Call& c, bool to_a) {
  Leg& leg = to_a ? c.a : c.b;
  if (!leg.dialog || c.state != Call::State::kConfirmed) return;
  std::string method(leg.session->refresh_method());
  // A re-INVITE is open already (a relayed one refreshes the leg anyway);
  // the expiry stays armed.
  if (method == "INVITE" && c.reinvite_pending) return;
  OutgoingRequest req = leg.dialog->request(method);
  req.headers = leg.session->request_headers() + generated_headers();
  if (method == "INVITE") {
    req.content_type = leg.sdp_type_sent;
    req.body = leg.sdp_sent;
    c.reinvite_pending = true;
  }
  std::uint64_t id = c.id;
  send_in_dialog(c, to_a, std::move(req), [this, id, to_a, method](const ClientResult& r) {
    if (r.response && r.status < 200) return;
    Call* call = find(id);
    if (!call) return;
    Leg& l = to_a ? call->a : call->b;
    if (method == "INVITE") call->reinvite_pending = false;
    if (r.response && r.status >= 200 && r.status < 300) {
      // The CSeq the 2xx answers: a challenge may have sent the INVITE again.
      if (method == "INVITE") send_ack(*call, to_a, l.dialog->ack(cseq_number(r.response->message)));
      l.dialog->apply_target_refresh(method, r.status, r.response->message);
      start_session_timer(*call, to_a, l.session->on_2xx(r.response->message));
      return;
    }
    if (r.response && r.status == 422 && l.session->on_422(r.response->message)) {
      send_session_refresh(*call, to_a);
      return;
    }
    if (!r.response || r.status == 408 || r.status == 481) {
      // RFC 4028 §10 (RFC 3261 §12.2.1.2): the dialog is gone.
      TrunkState* trunk = to_a ? call->from : call->to;
      note(LogLevel::kInfo, "refresh-failed|" + trunk->name(),
           "call " + std::to_string(id) + ": session refresh toward trunk " + trunk->name() + " got " +
               std::to_string(r.status) + "; hanging up both legs");
      send_bye(*call, !to_a, "SIP;cause=408;text=\"Session refresh failed\"");
      if (r.response) send_bye(*call, to_a, {});
      end_call(*call);
    }
    // Another failure: the session goes on until its expiry, already armed.
  });
}

// A 2xx to an INVITE received from one side (the call's INVITE from A, or a
// re-INVITE from either) is sent again until that side's ACK, on every
// transport, and the call is hung up without it (RFC 3261 §13.3.1.4;
// sip::Dialog keeps the schedule).
void B2bua::start_2xx(Call& c, bool to_a, std::string bytes, const sip::Target& to, std::uint32_t invite_cseq) {
  Leg& leg = to_a ? c.a : c.b;
  if (leg.pending_2xx_timer) stack_.cancel_timer(leg.pending_2xx_timer);
  leg.pending_2xx_to = to;
  Millis delay = leg.dialog->start_2xx(std::move(bytes), invite_cseq, stack_.timers().t1, stack_.timers().t2);
  std::uint64_t id = c.id;
  leg.pending_2xx_timer = stack_.add_timer(delay, [this, id, to_a]() { on_2xx_timer(id, to_a); });
}

void B2bua::on_2xx_timer(std::uint64_t id, bool to_a) {
  Call* c = find(id);
  if (!c) return;
  Leg& leg = to_a ? c->a : c->b;
  Leg& other = to_a ? c->b : c->a;
  leg.pending_2xx_timer = 0;
  sip::Dialog::TwoXxTimer t = leg.dialog->on_2xx_timer();
  if (t.give_up) {
    TrunkState* trunk = to_a ? c->from : c->to;
    note(LogLevel::kInfo, "no-ack|" + trunk->name(),
         "call " + std::to_string(id) + ": no ACK for the 2xx from trunk " + trunk->name() +
             " within 64*T1; hanging up both legs");
    ++stats_.calls_unacknowledged;
    // The other side's 2xx still gets its ACK before the BYE.
    if (other.ack_cseq != 0 && other.dialog) {
      send_ack(*c, !to_a, other.dialog->ack(other.ack_cseq));
      other.ack_cseq = 0;
    }
    send_bye(*c, true, {});
    send_bye(*c, false, {});
    end_call(*c);
    return;
  }
  if (t.resend.empty()) return;
  stack_.send_stateless(leg.pending_2xx_to, std::string(t.resend));
  leg.pending_2xx_timer = stack_.add_timer(t.next, [this, id, to_a]() { on_2xx_timer(id, to_a); });
}

void B2bua::on_ack(Received&& ack) {
  const SipMessage& m = ack.message;
  bool from_a = false;
  Call* c = find_by_dialog(m.header(HeaderId::kCallId), tag_of(m.header(HeaderId::kTo)), &from_a);
  if (!c) return;  // ACK for a call already gone: nothing to answer (RFC 3261 §17)
  Leg& self = from_a ? c->a : c->b;
  Leg& other = from_a ? c->b : c->a;
  if (!self.dialog || !self.dialog->on_ack(cseq_number(m))) return;  // retransmitted, or for no 2xx of ours
  if (self.pending_2xx_timer) stack_.cancel_timer(self.pending_2xx_timer);
  self.pending_2xx_timer = 0;
  if (other.ack_cseq == 0 || !other.dialog) return;
  // The 2xx ACK is end to end: relay it to the other side (with a late-offer
  // answer in its body, if any).
  OutgoingRequest out = other.dialog->ack(other.ack_cseq);
  out.content_type = std::string(m.header(HeaderId::kContentType));
  out.body = std::string(m.body());
  other.ack_cseq = 0;
  send_ack(*c, !from_a, std::move(out));
}

void B2bua::on_stray_response(Received&& rx) {
  // A 2xx retransmission after the INVITE client transaction ended: the ACK
  // was lost (or is still owed). Resend the ACK we sent, also for a call
  // that has just ended (a 2xx that crossed a CANCEL).
  const SipMessage& m = rx.message;
  if (m.status() < 200 || m.status() >= 300) return;
  bool from_a = false;
  Call* c = find_by_dialog(m.header(HeaderId::kCallId), tag_of(m.header(HeaderId::kFrom)), &from_a, true);
  if (!c) return;
  Leg& leg = from_a ? c->a : c->b;
  if (!leg.last_ack.empty()) stack_.send_stateless(leg.last_ack_to, leg.last_ack);
}

void B2bua::on_ack_timeout(const IncomingRequestPtr&) {
  // Our non-2xx final was never ACKed (Timer H): the call is already over.
}

void B2bua::on_cancel(const IncomingRequestPtr& tx) {
  IncomingRequestPtr invite = stack_.find_invite_for_cancel(tx->request());
  auto pending = invite ? pending_invites_.find(invite.get()) : pending_invites_.end();
  if (!invite || pending == pending_invites_.end()) {
    if (!trunk_for_request(*tx) && !admit_unknown_source(tx)) return;
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
    stack_.cancel_timer(c->timer_c);
    c->timer_c = 0;
  }
  if (c->state == Call::State::kResolving) return;  // on_targets ends it
  cancel_b(*c);
}

void B2bua::cancel_b(Call& c) {
  if (c.b_final || c.state == Call::State::kResolving) return;
  if (!c.b_provisional) {
    // RFC 3261 §9.1: no CANCEL before a provisional; send it when one comes
    // (Timer B ends the attempt otherwise).
    c.cancel_pending = true;
    return;
  }
  c.cancel_pending = false;
  // To the INVITE's own target, with its Via (branch) so that it matches.
  stack_.send_request(c.b_invite.cancel(), c.b.hop.flow(), [](const ClientResult&) {});
}

void B2bua::on_in_dialog_request(const IncomingRequestPtr& tx, Call& c, bool from_a) {
  const SipMessage& req = tx->request();
  Leg& self = from_a ? c.a : c.b;
  Leg& other = from_a ? c.b : c.a;
  std::string_view method = req.method();
  if (!self.dialog) {
    reject(tx, 481, {});
    return;
  }
  if (!self.dialog->accept_remote_cseq(req)) {
    // RFC 3261 §12.2.2: a lower CSeq than the last is out of order.
    reject(tx, 500, "Server Internal Error (CSeq out of order)");
    return;
  }
  bool bye = method == "BYE";
  bool invite = method == "INVITE";
  if (method == "PRACK") {
    // Hop by hop (RFC 3262): A's PRACKs acknowledge sipnic's reliable
    // provisionals; B gets sipnic's own. Not relayed.
    if (from_a) on_prack_from_a(tx, c);
    else reject(tx, 481, {});
    return;
  }
  if (c.state != Call::State::kConfirmed && bye && from_a) {
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
  if ((invite && (c.state != Call::State::kConfirmed || c.reinvite_pending)) ||
      (c.state != Call::State::kConfirmed && !bye && method != "UPDATE" && method != "INFO")) {
    reject(tx, 491, {});  // a re-INVITE while an INVITE is still open
    return;
  }
  if (!other.dialog) {
    reject(tx, 481, {});  // the other side has no dialog (yet) to carry it
    return;
  }
  if (method == "REFER") {
    TrunkState* trunk = from_a ? c.from : c.to;
    if (trunk->config().refuse_refer) {
      note(LogLevel::kInfo, "refer-refused|" + trunk->name(),
           "call " + std::to_string(c.id) + ": REFER from trunk " + trunk->name() + " refused (refer = refuse): 403");
      reject(tx, 403, "Forbidden (REFER refused by trunk policy)");
      return;
    }
    // RFC 3515 §2.4.1: exactly one Refer-To. The transferee reaches the
    // target through sipnic: its host is rewritten to ours on that leg.
    if (req.view().count(HeaderId::kReferTo) != 1 || rewrite_uri_hosts(req.header(HeaderId::kReferTo), "x").empty()) {
      reject(tx, 400, "Bad Request (REFER needs one Refer-To URI)");
      return;
    }
  }
  // A re-INVITE or UPDATE in the confirmed call is a session refresh on
  // this leg (RFC 4028): answered by this leg's timer (422 when too short),
  // relayed with sipnic's own refresh of the other leg.
  bool refresh = (invite || method == "UPDATE") && c.state == Call::State::kConfirmed && self.session && other.session;
  sip::SessionTimer::Answer refresh_answer;
  if (refresh) {
    refresh_answer = self.session->answer(req);
    if (refresh_answer.reject) {
      reject(tx, refresh_answer.reject, {}, refresh_answer.headers);
      return;
    }
  }
  if (invite) {
    // 100 Trying at once, as for the call's INVITE (RFC 3261 §17.2.1): the
    // other side may take its time, and the sender must not retransmit.
    tx->respond(100, sip::build_response(req, 100, {}, {.source = &tx->source()}));
    c.reinvite_pending = true;
  }
  OutgoingRequest out = other.dialog->request(method);
  out.headers = crossing_headers(req, other.own_host);
  if (method == "REFER") out.headers = refer_to_with_replaces(req, std::move(out.headers), c);
  if (invite || method == "UPDATE") out.headers += generated_headers();
  if (refresh) out.headers += other.session->request_headers();
  other.remember_sdp(req.header(HeaderId::kContentType), req.body());
  out.content_type = std::string(req.header(HeaderId::kContentType));
  out.body = std::string(req.body());
  std::uint64_t id = c.id;
  std::string relayed_method(method);
  send_in_dialog(c, !from_a, std::move(out),
                 [this, id, tx, from_a, bye, invite, relayed_method, refresh,
                  refresh_answer = std::move(refresh_answer)](const ClientResult& r) {
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
                     if (self_leg) headers = crossing_headers(resp, self_leg->own_host);
                     if (self_leg && (invite || relayed_method == "UPDATE") && status < 300)
                       headers += generated_headers();
                     if (refresh && call && status >= 200 && status < 300) {
                       headers += refresh_answer.headers;
                       start_session_timer(*call, !from_a, other_leg->session->on_2xx(resp));
                     }
                     if (self_leg && status < 300) self_leg->remember_sdp(content_type, body);
                     reason = resp.reason();
                     if (other_leg && other_leg->dialog)
                       other_leg->dialog->apply_target_refresh(relayed_method, status, resp);
                   } else if (bye) {
                     status = 200;  // the other side is gone; the call ends anyway
                   }
                   if (is_challenge(status)) {
                     // A challenge sipnic could not answer (send_challenged
                     // logged why) is hop by hop: the requester gets 403, or
                     // 200 to a BYE (its session ends whatever the answer,
                     // RFC 3261 §15.1.1, and so does the call here).
                     status = bye ? 200 : 403;
                     reason = bye ? std::string_view{} : "Forbidden (authentication toward the trunk failed)";
                     headers.clear();
                     body.clear();
                     content_type.clear();
                   }
                   if (self_leg && !bye) headers += "Contact: " + self_leg->contact + "\r\n";
                   std::string tag(tag_of(tx->request().header(HeaderId::kTo)));
                   sip::ResponseExtras x{.to_tag = tag,
                                         .headers = headers,
                                         .content_type = content_type,
                                         .body = body,
                                         .source = &tx->source()};
                   std::string bytes = sip::build_response(tx->request(), status, reason, x);
                   if (self_leg && self_leg->dialog)
                     self_leg->dialog->apply_target_refresh(relayed_method, status, tx->request());
                   tx->respond(status, bytes);
                   if (!call) return;
                   if (refresh && status >= 200 && status < 300) start_session_timer(*call, from_a, refresh_answer.interval);
                   if (invite) {
                     call->reinvite_pending = false;
                     if (status >= 200 && status < 300) {
                       // re-INVITE answered: the requester's ACK goes on to the other side.
                       // (the CSeq the 2xx answers: a challenge may have sent it again)
                       other_leg->ack_cseq = cseq_number(r.response->message);
                       start_2xx(*call, from_a, std::move(bytes), tx->reply_target(), cseq_number(tx->request()));
                     }
                   }
                   if (bye) end_call(*call);
                 });
}

void B2bua::send_bye(Call& c, bool to_a, std::string_view reason) {
  Leg& leg = to_a ? c.a : c.b;
  if (!leg.dialog || leg.dialog->remote_target().empty()) return;
  OutgoingRequest bye = leg.dialog->request("BYE");
  if (!reason.empty()) bye.headers = "Reason: " + std::string(reason) + "\r\n";
  send_in_dialog(c, to_a, std::move(bye), [](const ClientResult&) {});
}

// ---- STIR/SHAKEN ------------------------------------------------------------------

void B2bua::apply_stir(Call& c) {
  // P-Asserted-Identity as leg B gets it (each address), else the From.
  std::string& headers = c.b_invite.headers;
  std::string caller;
  bool has_pai = false;
  std::string out;
  std::string_view rest = headers;
  while (!rest.empty()) {
    std::size_t end = rest.find("\r\n");
    std::string_view line = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 2);
    if (line.starts_with("Identity: ") && c.to->config().stir_attest != core::StirAttest::kOff) continue;
    if (line.starts_with("P-Asserted-Identity: ")) {
      has_pai = true;
      std::string values;
      caller = std::string(line.substr(21));  // sign_invite takes the number among its addresses
      sip::CommaValues elements(line.substr(21));
      while (auto e = elements.next()) {
        if (auto v = stir::with_verstat(*e, c.verstat)) values += (values.empty() ? "" : ", ") + *v;
      }
      if (!values.empty()) out.append("P-Asserted-Identity: ").append(values).append("\r\n");
      continue;
    }
    out.append(line).append("\r\n");
  }
  if (!has_pai) {
    caller = c.b_invite.from;
    if (auto v = stir::with_verstat(c.b_invite.from, c.verstat)) c.b_invite.from = *v;
  }
  auto stir = stir_ ? stir_->current() : nullptr;
  if (c.to->config().stir_attest != core::StirAttest::kOff && stir) {
    auto identity = stir->sign_invite(caller, c.b_invite.to, c.to->config().stir_attest, wall_clock_());
    if (identity) {
      out += "Identity: " + *identity + "\r\n";
      stir_stats_.count_signed();
    } else {
      stir_stats_.count_sign_failure();
      note(LogLevel::kInfo, "stir-sign|" + c.to->name(),
           "call " + std::to_string(c.id) + " to trunk " + c.to->name() + " not signed: " + std::string(identity.error));
    }
  }
  headers = std::move(out);
}

// ---- Replaces (RFC 3891) ---------------------------------------------------------

std::optional<B2bua::ReplacedLeg> B2bua::find_replaced(std::string_view replaces) {
  auto r = sip::parse_replaces(replaces);
  if (!r) return std::nullopt;
  bool side_a = false;
  // to-tag is the tag of the dialog's receiver: sipnic's own.
  Call* c = find_by_dialog(r->call_id, r->to_tag, &side_a);
  if (!c) return std::nullopt;
  Leg& leg = side_a ? c->a : c->b;
  if (!leg.dialog || leg.dialog->remote_tag() != r->from_tag) return std::nullopt;
  return ReplacedLeg{c, side_a};
}

// An attended transfer: the Refer-To's Replaces names the referrer's dialog
// with the transfer target, one leg of another call through sipnic. The
// transferee sends its INVITE to sipnic, so the Replaces it gets names that
// call's other leg as sipnic holds it (find_replaced reads it back when the
// INVITE comes). A Replaces that names no dialog of sipnic's is left out:
// the transfer goes on blind.
std::string B2bua::refer_to_with_replaces(const SipMessage& refer, std::string headers, const Call& c) {
  auto na = sip::parse_name_addr(refer.header(HeaderId::kReferTo));
  auto uri = na ? sip::parse_uri(na->uri) : sip::Decoded<sip::Uri>{};
  if (!uri || !uri->has_headers) return headers;
  std::string replaces;
  std::string_view rest = uri->headers;
  while (!rest.empty()) {
    std::size_t amp = rest.find('&');
    std::string_view h = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
    std::size_t eq = h.find('=');
    if (eq != std::string_view::npos && iequals(h.substr(0, eq), "Replaces")) {
      auto decoded = sip::percent_decode(h.substr(eq + 1));
      if (decoded) replaces = *decoded;
    }
  }
  if (replaces.empty()) return headers;
  auto leg = find_replaced(replaces);
  if (!leg || leg->call == &c) {
    note(LogLevel::kInfo, "refer-replaces|" + c.from->name(),
         "call " + std::to_string(c.id) + ": REFER's Replaces names no other call through sipnic: relayed as a blind transfer");
    return headers;
  }
  const Leg& other = leg->side_a ? leg->call->b : leg->call->a;
  if (!other.dialog) return headers;
  std::string mapped = other.dialog->call_id() + ";to-tag=" + other.dialog->local_tag() +
                       ";from-tag=" + other.dialog->remote_tag();
  // The rewritten Refer-To line, with the mapped Replaces as a URI header.
  std::size_t start = headers.find("Refer-To: ");
  if (start == std::string::npos) return headers;
  std::size_t end = headers.find("\r\n", start);
  std::string line = headers.substr(start, end - start);
  std::size_t close = line.find('>');
  if (close == std::string::npos) return headers;
  std::string_view before = std::string_view(line).substr(0, close);
  line.insert(close, std::string(before.find('?') == std::string_view::npos ? "?" : "&") + "Replaces=" +
                         escape_uri_header_value(mapped));
  return headers.replace(start, end - start, line);
}

// ---- next hops of the dialogs ---------------------------------------------------

void B2bua::with_next_hop(Call& c, bool to_a, HopHandler then) {
  Leg& leg = to_a ? c.a : c.b;
  if (!leg.dialog) {
    then(nullptr);
    return;
  }
  TrunkState* trunk = to_a ? c.from : c.to;
  std::uint64_t id = c.id;
  leg.hop.locate(stack_, leg.dialog->next_hop_uri(),
                 [this, id, trunk, then = std::move(then)](const sip::Target* t, std::string_view error) {
                   if (!t) {
                     note(LogLevel::kWarn, "hop|" + trunk->name(),
                          "call " + std::to_string(id) + ": nothing sent toward trunk " + trunk->name() + ": " +
                              std::string(error));
                   }
                   then(t);
                 });
}

void B2bua::send_in_dialog(Call& c, bool to_a, OutgoingRequest req, sip::Stack::ClientHandler handler) {
  send_challenged(c, to_a, ChallengedRequest(std::move(req)), std::move(handler));
}

// A 401/407 to a request sipnic sent on a leg is answered with the leg's
// trunk's credentials (also after the call ended: a BYE is challenged
// then); the handler sees the answer to the last send.
void B2bua::send_challenged(Call& c, bool to_a, ChallengedRequest req, sip::Stack::ClientHandler handler) {
  std::uint64_t id = c.id;
  with_next_hop(c, to_a, [this, id, to_a, req = std::move(req), handler = std::move(handler)](const sip::Target* t) {
    if (!t) {
      if (handler) handler(ClientResult{nullptr, 503});
      return;
    }
    stack_.send_request(req.wire(), *t, [this, id, to_a, req, handler](const ClientResult& r) mutable {
      Call* call = find_any(id);
      Leg* leg = call ? (to_a ? &call->a : &call->b) : nullptr;
      if (leg && leg->dialog && r.response && is_challenge(r.status)) {
        TrunkState* trunk = to_a ? call->from : call->to;
        auto client = digest_clients_.find(trunk->name());
        if (client != digest_clients_.end() &&
            req.answer(r.response->message, client->second, *leg->dialog, stack_.random_token(16))) {
          send_challenged(*call, to_a, std::move(req), std::move(handler));
          return;
        }
        note(LogLevel::kInfo, "auth-failed|" + trunk->name(),
             "call " + std::to_string(id) + ": trunk " + trunk->name() + " answered " + std::to_string(r.status) +
                 " to " + req.method() + " in the call" +
                 (client == digest_clients_.end() ? " and has no auth-username" : " and refused sipnic's credentials"));
      }
      if (leg && r.response && r.status >= 200 && r.status < 300 && req.method() == "INVITE")
        leg->ack_credentials = req.credentials_line();
      if (handler) handler(r);
    });
  });
}

void B2bua::send_ack(Call& c, bool to_a, OutgoingRequest ack) {
  std::uint64_t id = c.id;
  with_next_hop(c, to_a, [this, id, to_a, ack = std::move(ack)](const sip::Target* t) mutable {
    Call* call = find_any(id);
    if (!t || !call) return;
    Leg& leg = to_a ? call->a : call->b;
    ack.via = stack_.via_for(*t, stack_.new_branch());
    ack.headers += leg.ack_credentials;  // the INVITE's (RFC 3261 §13.2.2.4)
    leg.last_ack = ack.serialize();
    leg.last_ack_to = *t;
    stack_.send_stateless(*t, leg.last_ack);
  });
}

// ---- the end of a call ------------------------------------------------------------

void B2bua::end_call(Call& c) {
  if (c.state == Call::State::kEnded) return;
  c.state = Call::State::kEnded;
  for (auto* t : {&c.timer_c, &c.a.pending_2xx_timer, &c.b.pending_2xx_timer, &c.a_1xx_timer, &c.a.session_timer,
                 &c.b.session_timer}) {
    if (*t) stack_.cancel_timer(*t);
    *t = 0;
  }
  if (c.counted) {
    c.to->end_call();
    c.from->end_call();
  }
  c.counted = false;
  pending_invites_.erase(c.a_invite.get());
  --stats_.calls_active;
  std::uint64_t id = c.id;
  // Keep the dialogs a little longer so that retransmitted BYEs and 2xx get
  // answers from the call rather than 481 (64*T1, as transactions do).
  c.forget_timer = stack_.add_timer(stack_.timers().t1 * 64, [this, id]() {
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
  stack_.resolve(trunk.config().peer, transport,
                 [this, t, done](std::vector<sip::ResolvedTarget> targets, std::string error) {
                   if (targets.empty()) {
                     note(LogLevel::kWarn, "ping|" + t->name(), "OPTIONS to trunk " + t->name() + ": " + error);
                     done(false);
                     return;
                   }
                   const auto& target = targets.front();
                   auto addr = core::SocketAddress::from_ip(target.address, target.port);
                   sip::Target dest{target.transport, addr ? *addr : core::SocketAddress{}, {}, t->name()};
                   auto local = stack_.local_address(dest);
                   OutgoingRequest req;
                   req.method = "OPTIONS";
                   req.uri = "sip:" + dest.address.to_string() + std::string(transport_param(target.transport));
                   req.from = "<sip:ping@" + local.host_for_uri() + ">;tag=" + stack_.random_token(12);
                   req.to = "<" + req.uri + ">";
                   req.call_id = new_call_id_();
                   req.headers = "Accept: application/sdp\r\n";
                   stack_.send_request(std::move(req), dest, [done](const ClientResult& r) {
                     if (r.response && r.status < 200) return;
                     done(r.response != nullptr);
                   });
                 });
}

}  // namespace sipnic::interwork
