#include "interwork/subscription_relay.h"

#include <charconv>

#include "interwork/header_rules.h"
#include "interwork/sip_parts.h"
#include "sip/header_values.h"
#include "sip/response_builder.h"

namespace sipnic::interwork {

using core::LogLevel;
using core::Millis;
using offload::HeaderId;
using sip::ClientResult;
using sip::IncomingRequestPtr;
using sip::OutgoingRequest;
using sip::SipMessage;

namespace {

constexpr std::uint32_t kDefaultExpires = 3600;  // when neither side says (RFC 6665 §4.1.2.1: the package's)

std::optional<std::uint32_t> expires_of(const SipMessage& m) {
  if (!m.has(HeaderId::kExpires)) return std::nullopt;
  auto e = sip::parse_delta_seconds(sip::trim_lws(m.header(HeaderId::kExpires)));
  return e ? std::optional<std::uint32_t>(*e) : std::nullopt;
}

// Subscription-State: the state token, and its expires parameter if any.
struct SubscriptionState {
  std::string_view state;
  std::optional<std::uint32_t> expires;
};
SubscriptionState subscription_state_of(const SipMessage& m) {
  std::string_view v = sip::trim_lws(m.header(HeaderId::kSubscriptionState));
  std::size_t semi = v.find(';');
  SubscriptionState out{sip::trim_lws(v.substr(0, semi)), std::nullopt};
  if (semi != std::string_view::npos) {
    sip::ParamList params(v.substr(semi));
    if (auto e = sip::parse_delta_seconds(params.get("expires"))) out.expires = *e;
  }
  return out;
}

}  // namespace

struct SubscriptionRelay::Leg {
  std::optional<sip::Dialog> dialog;
  std::string call_id;
  std::string local_tag;
  std::string contact;   // our Contact toward this side
  std::string own_host;  // our address on this side, as a URI host
  sip::DialogHop hop;
  TrunkState* trunk = nullptr;
};

struct SubscriptionRelay::Subscription {
  std::uint64_t id = 0;
  IncomingRequestPtr a_subscribe;  // until it is answered
  Leg a;
  Leg b;
  OutgoingRequest b_subscribe;
  std::string b_from_prefix;  // "Display <sip:user@": our host goes after it, per target
  std::string b_uri;
  std::vector<sip::ResolvedTarget> targets;
  std::size_t next_target = 0;
  sip::Stack::TimerId expiry_timer = 0;
  std::optional<sip::DigestAuthorization> auth;  // the credentials leg B's SUBSCRIBE carries
};

SubscriptionRelay::SubscriptionRelay(std::vector<std::unique_ptr<TrunkState>>& trunks, const Router& router,
                                     sip::Stack& stack, std::function<std::string()> new_call_id, Note note,
                                     core::MetricsRegistry& metrics, std::uint32_t worker,
                                     DigestClients* digest_clients)
    : trunks_(trunks),
      router_(router),
      stack_(stack),
      new_call_id_(std::move(new_call_id)),
      note_(std::move(note)),
      digest_clients_(digest_clients),
      subscribe_stats_(metrics, worker, "SUBSCRIBE"),
      active_(metrics.gauge({std::string(metric::kSubscriptionsActive),
                             "subscription pairs (RFC 6665) across trunks in place now", core::MetricType::kGauge},
                            {}, worker)) {}

SubscriptionRelay::~SubscriptionRelay() {
  for (auto& [id, s] : subscriptions_)
    if (s->expiry_timer) stack_.cancel_timer(s->expiry_timer);
}

std::size_t SubscriptionRelay::active() const { return subscriptions_.size(); }

SubscriptionRelay::Subscription* SubscriptionRelay::find(std::uint64_t id) {
  auto it = subscriptions_.find(id);
  return it == subscriptions_.end() ? nullptr : it->second.get();
}

SubscriptionRelay::Subscription* SubscriptionRelay::find_by_dialog(std::string_view call_id, std::string_view tag,
                                                                   bool* from_a) {
  for (char side : {'A', 'B'}) {
    std::string key;
    key.append(1, side).append("|").append(call_id).append("|").append(tag);
    if (auto it = dialogs_.find(key); it != dialogs_.end()) {
      *from_a = side == 'A';
      return find(it->second);
    }
  }
  return nullptr;
}

void SubscriptionRelay::answer(const IncomingRequestPtr& tx, std::string_view to_tag, int status,
                               std::string_view reason, std::string_view headers, const SipMessage* relayed) {
  std::string tag = to_tag.empty() ? stack_.random_token(12) : std::string(to_tag);
  sip::ResponseExtras x{.to_tag = tag,
                        .headers = headers,
                        .content_type = relayed ? relayed->header(HeaderId::kContentType) : std::string_view{},
                        .body = relayed ? relayed->body() : std::string_view{},
                        .source = &tx->source()};
  tx->respond(status, sip::build_response(tx->request(), status, reason, x));
}

void SubscriptionRelay::subscribe(const IncomingRequestPtr& tx, TrunkState& from) {
  const SipMessage& req = tx->request();
  int max_forwards = max_forwards_of(req);
  if (max_forwards <= 0) {
    ++subscribe_stats_.refused;
    answer(tx, {}, 483, {}, {});
    return;
  }
  if (sip::trim_lws(req.header(HeaderId::kEvent)).empty()) {
    ++subscribe_stats_.refused;
    answer(tx, {}, 400, "Bad Request (SUBSCRIBE needs an Event)", {});  // RFC 6665 §8.2.1: Event is mandatory
    return;
  }
  std::string_view user = user_of(req.uri());
  auto decision = router_.route(
      {.from_trunk = from.name(), .user = user, .method = "SUBSCRIBE", .uri_params = uri_params_of(req.uri())});
  if (!decision) {
    note_(LogLevel::kInfo, "no-route|" + from.name(),
          "no route from trunk " + from.name() + " for SUBSCRIBE to '" + std::string(user) + "': 404");
    ++subscribe_stats_.refused;
    answer(tx, {}, 404, "Not Found (no route)", {});
    return;
  }
  TrunkState* to = nullptr;
  for (auto& t : trunks_)
    if (t->name() == decision->target->name) to = t.get();
  if (!to->up()) {
    note_(LogLevel::kInfo, "down|" + to->name(),
          "SUBSCRIBE from trunk " + from.name() + " to trunk " + to->name() + " refused: down: 503");
    ++subscribe_stats_.refused;
    answer(tx, {}, 503, {}, kRetryAfter);
    return;
  }
  if (std::string refused = to->try_admit_request(stack_.now(), TrunkState::Direction::kOut); !refused.empty()) {
    note_(LogLevel::kInfo, "max-rps|" + to->name(),
          "SUBSCRIBE from trunk " + from.name() + " to trunk " + to->name() + " refused: " + refused + ": 503");
    ++subscribe_stats_.refused;
    answer(tx, {}, 503, {}, kRetryAfter);
    return;
  }
  auto sub = std::make_unique<Subscription>();
  Subscription& s = *sub;
  s.id = next_id_++;
  s.a_subscribe = tx;
  sip::Target a_flow = tx->reply_target();
  a_flow.trunk = from.name();
  s.a.hop.set_flow(a_flow);
  s.a.trunk = &from;
  s.a.call_id = std::string(req.header(HeaderId::kCallId));
  s.a.local_tag = stack_.random_token(12);
  auto a_local = stack_.local_address(a_flow);
  s.a.own_host = a_local.host_for_uri();
  s.a.contact = "<sip:" + a_local.to_string() + std::string(transport_param(a_flow.transport)) + ">";
  s.a.dialog = sip::Dialog::as_uas(req, s.a.local_tag, s.a.contact);
  s.b.trunk = to;
  s.b.call_id = new_call_id_();
  s.b.local_tag = stack_.random_token(12);
  std::string peer = peer_hostport(to->config().peer);
  s.b_from_prefix = from_prefix_of(req.header(HeaderId::kFrom));
  s.b_uri = "sip:" + decision->user + "@" + peer + std::string(transport_param(to->config().transport));
  s.b_subscribe.method = "SUBSCRIBE";
  s.b_subscribe.to = "<sip:" + decision->user + "@" + peer + ">";
  s.b_subscribe.call_id = s.b.call_id;
  s.b_subscribe.cseq = 1;
  s.b_subscribe.max_forwards = max_forwards - 1;
  s.b_subscribe.content_type = std::string(req.header(HeaderId::kContentType));
  s.b_subscribe.body = std::string(req.body());
  dialogs_["A|" + s.a.call_id + "|" + s.a.local_tag] = s.id;
  dialogs_["B|" + s.b.call_id + "|" + s.b.local_tag] = s.id;
  std::uint64_t id = s.id;
  subscriptions_.emplace(id, std::move(sub));
  ++active_;
  std::optional<core::Transport> transport = to->config().transport;
  stack_.resolve(to->config().peer, transport, [this, id](std::vector<sip::ResolvedTarget> targets, std::string error) {
    Subscription* s = find(id);
    if (!s) return;
    if (targets.empty()) {
      note_(LogLevel::kWarn, "locate|" + s->b.trunk->name(),
            "trunk " + s->b.trunk->name() + ": cannot locate the peer: " + error);
      ++subscribe_stats_.refused;
      answer(s->a_subscribe, s->a.local_tag, 503, {}, kRetryAfter);
      end(*s);
      return;
    }
    s->targets = std::move(targets);
    send_to_next_target(*s);
  });
}

void SubscriptionRelay::send_to_next_target(Subscription& s) {
  const auto& t = s.targets[s.next_target++];
  auto address = core::SocketAddress::from_ip(t.address, t.port);
  sip::Target b_flow{t.transport, address ? *address : core::SocketAddress{}, {}, s.b.trunk->name()};
  s.b.hop.set_flow(b_flow);
  auto local = stack_.local_address(b_flow);
  s.b.own_host = local.host_for_uri();
  s.b.contact = "<sip:" + local.to_string() + std::string(transport_param(t.transport)) + ">";
  const SipMessage& req = s.a_subscribe->request();
  s.b_subscribe.uri = s.b_uri + retargeting_uri_params(uri_params_of(req.uri()), s.b.own_host);
  s.b_subscribe.from = s.b_from_prefix + s.b.own_host + ">;tag=" + s.b.local_tag;
  s.b_subscribe.contact = s.b.contact;
  s.b_subscribe.headers = crossing_headers(req, s.b.own_host);
  if (s.auth) s.b_subscribe.headers += s.auth->line();
  s.b_subscribe.via.clear();  // a new branch per target
  std::uint64_t id = s.id;
  stack_.send_request(s.b_subscribe, b_flow, [this, id](const ClientResult& r) { on_b_subscribe_result(id, r); });
}

void SubscriptionRelay::on_b_subscribe_result(std::uint64_t id, const ClientResult& r) {
  Subscription* sp = find(id);
  if (!sp || (r.response && r.status < 200)) return;
  Subscription& s = *sp;
  bool try_next = !r.response || r.status == 503;
  if (try_next && s.next_target < s.targets.size() && !s.b.dialog) {
    note_(LogLevel::kInfo, "target-failed|" + s.b.trunk->name(),
          "SUBSCRIBE to trunk " + s.b.trunk->name() + ": target failed (" + std::to_string(r.status) +
              "), trying the next one");
    send_to_next_target(s);
    return;
  }
  if (r.response && (r.status == 401 || r.status == 407) && digest_clients_ && !s.b.dialog) {
    // RFC 3261 §22: the SUBSCRIBE again with the trunk's credentials.
    if (auto client = digest_clients_->find(s.b.trunk->name()); client != digest_clients_->end()) {
      if (auto auth = client->second.answer(r.response->message, "SUBSCRIBE", s.b_subscribe.uri, stack_.random_token(16),
                                            s.auth ? &*s.auth : nullptr)) {
        s.auth = std::move(auth);
        ++s.b_subscribe.cseq;
        --s.next_target;
        send_to_next_target(s);
        return;
      }
    }
  }
  if (!r.response || r.status >= 300) {
    int status = r.status;
    std::string headers;
    std::string_view reason;
    if (r.response) {
      headers = crossing_headers(r.response->message, s.a.own_host);
      auto mapped = s.b.trunk->config().response_map.find(status);
      if (mapped != s.b.trunk->config().response_map.end()) status = mapped->second;
      if (status == r.status) reason = r.response->message.reason();
    } else if (status == 503) {
      headers = kRetryAfter;
    }
    ++(r.response ? subscribe_stats_.answered : subscribe_stats_.unanswered);
    answer(s.a_subscribe, s.a.local_tag, status, reason, headers);
    s.a_subscribe.reset();
    end(s);
    return;
  }
  const SipMessage& resp = r.response->message;
  if (!s.b.dialog) s.b.dialog = sip::Dialog::as_uac(s.b_subscribe, resp);
  s.a.dialog->confirm();
  ++subscribe_stats_.answered;
  answer(s.a_subscribe, s.a.local_tag, r.status, resp.reason(),
         crossing_headers(resp, s.a.own_host) + "Contact: " + s.a.contact + "\r\n");
  s.a_subscribe.reset();
  arm_expiry(s, expires_of(resp).value_or(kDefaultExpires));
}

bool SubscriptionRelay::on_in_dialog_request(const IncomingRequestPtr& tx) {
  const SipMessage& req = tx->request();
  bool from_a = false;
  Subscription* s = find_by_dialog(req.header(HeaderId::kCallId), tag_of(req.header(HeaderId::kTo)), &from_a);
  if (!s) return false;
  std::string_view method = req.method();
  std::string_view our_tag = from_a ? s->a.local_tag : s->b.local_tag;
  // The subscriber (A) refreshes; the notifier (B) notifies.
  if (!(from_a ? method == "SUBSCRIBE" : method == "NOTIFY")) {
    answer(tx, our_tag, 403, "Forbidden (not in this direction of the subscription)", {});
    return true;
  }
  Leg& self = from_a ? s->a : s->b;
  if (!from_a && !self.dialog) self.dialog = sip::Dialog::as_subscriber(s->b_subscribe, req);  // before the 2xx
  if (!self.dialog->accept_remote_cseq(req)) {
    answer(tx, our_tag, 500, "Server Internal Error (CSeq out of order)", {});
    return true;
  }
  relay_in_dialog(tx, *s, from_a);
  return true;
}

void SubscriptionRelay::relay_in_dialog(const IncomingRequestPtr& tx, Subscription& s, bool from_a) {
  const SipMessage& req = tx->request();
  Leg& self = from_a ? s.a : s.b;
  Leg& other = from_a ? s.b : s.a;
  if (!other.dialog) {
    answer(tx, self.local_tag, 481, {}, {});
    return;
  }
  std::string method(req.method());
  OutgoingRequest out = other.dialog->request(method);
  out.headers = crossing_headers(req, other.own_host);
  out.content_type = std::string(req.header(HeaderId::kContentType));
  out.body = std::string(req.body());
  bool terminated = method == "NOTIFY" && sip::iequals(subscription_state_of(req).state, "terminated");
  std::uint64_t id = s.id;
  std::string our_tag = self.local_tag;
  send_in_dialog(s, !from_a, std::move(out), [this, id, tx, from_a, method, terminated, our_tag](const ClientResult& r) {
    if (r.response && r.status < 200) return;
    Subscription* sub = find(id);
    Leg* self_leg = sub ? (from_a ? &sub->a : &sub->b) : nullptr;
    Leg* other_leg = sub ? (from_a ? &sub->b : &sub->a) : nullptr;
    int status = r.status;
    std::string headers;
    std::string_view reason;
    if (r.response) {
      const SipMessage& resp = r.response->message;
      if (self_leg) headers = crossing_headers(resp, self_leg->own_host);
      reason = resp.reason();
      if (other_leg) other_leg->dialog->apply_target_refresh(method, status, resp);
      if (sub && method == "SUBSCRIBE" && status < 300) arm_expiry(*sub, expires_of(resp).value_or(kDefaultExpires));
    }
    if (is_challenge(status)) {
      // A challenge sipnic could not answer (logged) is hop by hop: 403.
      status = 403;
      reason = "Forbidden (authentication toward the trunk failed)";
      headers.clear();
    }
    if (self_leg && status < 300) {
      headers += "Contact: " + self_leg->contact + "\r\n";
      self_leg->dialog->apply_target_refresh(method, status, tx->request());
    }
    answer(tx, our_tag, status, reason, headers, r.response && status == r.status ? &r.response->message : nullptr);
    // A terminated subscription, or a notifier that says the subscriber is
    // gone (481): the pair ends.
    if (sub && (terminated || status == 481)) end(*sub);
  });
  if (!terminated && method == "NOTIFY") {
    if (auto e = subscription_state_of(req).expires) arm_expiry(s, *e);
  }
}

void SubscriptionRelay::send_in_dialog(Subscription& s, bool to_a, OutgoingRequest req,
                                       sip::Stack::ClientHandler handler) {
  send_challenged(s, to_a, ChallengedRequest(std::move(req)), std::move(handler));
}

// A 401/407 to a refresh or NOTIFY sipnic sent on a leg is answered with the
// leg's trunk's credentials; the handler sees the answer to the last send.
void SubscriptionRelay::send_challenged(Subscription& s, bool to_a, ChallengedRequest req,
                                        sip::Stack::ClientHandler handler) {
  Leg& leg = to_a ? s.a : s.b;
  std::string trunk = leg.trunk->name();
  std::uint64_t id = s.id;
  leg.hop.locate(stack_, leg.dialog->next_hop_uri(),
                 [this, id, to_a, trunk, req = std::move(req), handler = std::move(handler)](
                     const sip::Target* t, std::string_view error) {
                   if (!t) {
                     note_(LogLevel::kWarn, "hop|" + trunk,
                           "subscription " + std::to_string(id) + ": nothing sent toward trunk " + trunk + ": " +
                               std::string(error));
                     handler(ClientResult{nullptr, 503});
                     return;
                   }
                   stack_.send_request(req.wire(), *t, [this, id, to_a, trunk, req, handler](const ClientResult& r) mutable {
                     Subscription* sub = find(id);
                     if (sub && r.response && is_challenge(r.status) && digest_clients_) {
                       Leg& l = to_a ? sub->a : sub->b;
                       auto client = digest_clients_->find(trunk);
                       if (client != digest_clients_->end() &&
                           req.answer(r.response->message, client->second, *l.dialog, stack_.random_token(16))) {
                         send_challenged(*sub, to_a, std::move(req), std::move(handler));
                         return;
                       }
                       note_(LogLevel::kInfo, "auth-failed|" + trunk,
                             "subscription " + std::to_string(id) + ": trunk " + trunk + " answered " +
                                 std::to_string(r.status) + " to " + req.method() + " in the subscription" +
                                 (client == digest_clients_->end() ? " and has no auth-username"
                                                                   : " and refused sipnic's credentials"));
                     }
                     handler(r);
                   });
                 });
}

void SubscriptionRelay::arm_expiry(Subscription& s, std::uint32_t expires) {
  if (s.expiry_timer) stack_.cancel_timer(s.expiry_timer);
  s.expiry_timer = 0;
  if (expires == 0) return;  // an unsubscribe: the final NOTIFY ends the pair
  std::uint64_t id = s.id;
  // The notifier's final NOTIFY may take up to 64*T1 after the expiry.
  Millis life = Millis(std::uint64_t{expires} * 1000) + stack_.timers().t1 * 64;
  s.expiry_timer = stack_.add_timer(life, [this, id]() {
    Subscription* sub = find(id);
    if (!sub) return;
    sub->expiry_timer = 0;
    note_(LogLevel::kInfo, "subscription-expired|" + sub->b.trunk->name(),
          "subscription " + std::to_string(id) + " to trunk " + sub->b.trunk->name() + " expired unrefreshed");
    end(*sub);
  });
}

void SubscriptionRelay::end(Subscription& s) {
  if (s.expiry_timer) stack_.cancel_timer(s.expiry_timer);
  s.expiry_timer = 0;
  dialogs_.erase("A|" + s.a.call_id + "|" + s.a.local_tag);
  dialogs_.erase("B|" + s.b.call_id + "|" + s.b.local_tag);
  subscriptions_.erase(s.id);  // `s` is gone; answers still under way find nothing
  --active_;
}

}  // namespace sipnic::interwork
