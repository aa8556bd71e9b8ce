#include "interwork/out_of_dialog_relay.h"

#include <charconv>

#include "interwork/header_rules.h"
#include "interwork/sip_parts.h"
#include "sip/header_values.h"
#include "sip/response_builder.h"

namespace sipnic::interwork {

using core::LogLevel;
using offload::HeaderId;
using sip::ClientResult;
using sip::IncomingRequestPtr;
using sip::SipMessage;

struct OutOfDialogRelay::Pending {
  std::uint64_t id = 0;
  IncomingRequestPtr tx;
  TrunkState* to = nullptr;
  sip::OutgoingRequest request;  // Via, From host and Request-URI host filled per target
  std::string from_prefix;       // "Display <sip:user@": our host goes after it
  std::string uri_base;          // the Request-URI but for the RFC 4458 parameters
  std::string a_own_host;        // our address toward the sender, as a URI host
  std::vector<sip::ResolvedTarget> targets;
  std::size_t next_target = 0;
  std::string from_tag;                     // kept when the request is sent again
  std::optional<sip::DigestAuthorization> auth;  // the credentials the last send carried
};

RelayedRequestStats::RelayedRequestStats(core::MetricsRegistry& m, std::uint32_t w, std::string_view method) {
  const core::MetricInfo info{std::string(metric::kRequestsRelayed),
                              "out-of-dialog requests relayed from trunk to trunk (MESSAGE, PUBLISH, SUBSCRIBE), by "
                              "result: answered (a final response from the target trunk), unanswered (none from any "
                              "target: 408 or 503), refused (answered by sipnic: no route, trunk down, 483, 400)",
                              core::MetricType::kCounter};
  answered = m.counter(info, {{"method", std::string(method)}, {"result", "answered"}}, w);
  unanswered = m.counter(info, {{"method", std::string(method)}, {"result", "unanswered"}}, w);
  refused = m.counter(info, {{"method", std::string(method)}, {"result", "refused"}}, w);
}

OutOfDialogRelay::OutOfDialogRelay(std::vector<std::unique_ptr<TrunkState>>& trunks, const Router& router,
                                   sip::Stack& stack, std::function<std::string()> new_call_id, Note note,
                                   core::MetricsRegistry& metrics, std::uint32_t worker,
                                   DigestClients* digest_clients)
    : trunks_(trunks),
      router_(router),
      stack_(stack),
      new_call_id_(std::move(new_call_id)),
      note_(std::move(note)),
      digest_clients_(digest_clients),
      message_stats_(metrics, worker, "MESSAGE"),
      publish_stats_(metrics, worker, "PUBLISH") {}

RelayedRequestStats& OutOfDialogRelay::stats_for(std::string_view method) {
  return method == "PUBLISH" ? publish_stats_ : message_stats_;
}

OutOfDialogRelay::~OutOfDialogRelay() = default;

bool OutOfDialogRelay::relays(std::string_view method) { return method == "MESSAGE" || method == "PUBLISH"; }

void OutOfDialogRelay::relay(const IncomingRequestPtr& tx, TrunkState& from) {
  const SipMessage& req = tx->request();
  auto pending = std::make_unique<Pending>();
  Pending& p = *pending;
  p.tx = tx;
  auto a_local = stack_.local_address(tx->reply_target());
  p.a_own_host = a_local.host_for_uri();

  int max_forwards = max_forwards_of(req);
  if (max_forwards <= 0) {
    answer(p, 483, {}, {});
    return;
  }
  std::string_view method = req.method();
  std::string_view user = user_of(req.uri());
  std::string_view params = uri_params_of(req.uri());
  auto decision = router_.route({.from_trunk = from.name(), .user = user, .method = method, .uri_params = params});
  if (!decision) {
    note_(LogLevel::kInfo, "no-route|" + from.name(),
          "no route from trunk " + from.name() + " for " + std::string(method) + " to '" + std::string(user) + "': 404");
    answer(p, 404, "Not Found (no route)", {});
    return;
  }
  for (auto& t : trunks_)
    if (t->name() == decision->target->name) p.to = t.get();
  if (!p.to->up()) {
    note_(LogLevel::kInfo, "down|" + p.to->name(),
          std::string(method) + " from trunk " + from.name() + " to trunk " + p.to->name() + " refused: down: 503");
    answer(p, 503, {}, kRetryAfter);
    return;
  }
  if (std::string refused = p.to->try_admit_request(stack_.now(), TrunkState::Direction::kOut); !refused.empty()) {
    note_(LogLevel::kInfo, "max-rps|" + p.to->name(),
          std::string(method) + " from trunk " + from.name() + " to trunk " + p.to->name() + " refused: " + refused +
              ": 503");
    answer(p, 503, {}, kRetryAfter);
    return;
  }
  std::string peer = peer_hostport(p.to->config().peer);
  p.from_prefix = from_prefix_of(req.header(HeaderId::kFrom));
  p.uri_base = "sip:" + decision->user + "@" + peer + std::string(transport_param(p.to->config().transport));
  p.request.method = std::string(method);
  p.request.to = "<sip:" + decision->user + "@" + peer + ">";
  p.request.call_id = new_call_id_();
  p.request.cseq = 1;
  p.request.max_forwards = max_forwards - 1;
  p.request.content_type = std::string(req.header(HeaderId::kContentType));
  p.request.body = std::string(req.body());
  p.id = next_id_++;
  std::uint64_t id = p.id;
  pending_.emplace(id, std::move(pending));
  std::optional<core::Transport> transport = p.to->config().transport;
  stack_.resolve(p.to->config().peer, transport, [this, id](std::vector<sip::ResolvedTarget> targets, std::string error) {
    auto it = pending_.find(id);
    if (it == pending_.end()) return;
    Pending& q = *it->second;
    if (targets.empty()) {
      note_(LogLevel::kWarn, "locate|" + q.to->name(), "trunk " + q.to->name() + ": cannot locate the peer: " + error);
      answer(q, 503, {}, kRetryAfter);
      return;
    }
    q.targets = std::move(targets);
    send_to_next_target(id);
  });
}

void OutOfDialogRelay::send_to_next_target(std::uint64_t id) {
  Pending& p = *pending_.at(id);
  const auto& t = p.targets[p.next_target++];
  auto address = core::SocketAddress::from_ip(t.address, t.port);
  sip::Target target{t.transport, address ? *address : core::SocketAddress{}, {}, p.to->name()};
  std::string own_host = stack_.local_address(target).host_for_uri();
  const SipMessage& req = p.tx->request();
  p.request.uri = p.uri_base + retargeting_uri_params(uri_params_of(req.uri()), own_host);
  if (p.from_tag.empty()) p.from_tag = stack_.random_token(12);
  p.request.from = p.from_prefix + own_host + ">;tag=" + p.from_tag;
  p.request.headers = crossing_headers(req, own_host);
  if (p.auth) p.request.headers += p.auth->line();
  p.request.via.clear();  // a new branch per target
  stack_.send_request(p.request, target, [this, id](const ClientResult& r) { on_result(id, r); });
}

void OutOfDialogRelay::on_result(std::uint64_t id, const ClientResult& r) {
  auto it = pending_.find(id);
  if (it == pending_.end()) return;
  Pending& p = *it->second;
  if (r.response && r.status < 200) return;  // provisional: the sender's transaction needs none of ours
  bool try_next = !r.response || r.status == 503;  // RFC 3263 §4.3
  if (try_next && p.next_target < p.targets.size()) {
    note_(LogLevel::kInfo, "target-failed|" + p.to->name(),
          p.request.method + " to trunk " + p.to->name() + ": target failed (" + std::to_string(r.status) +
              "), trying the next one");
    send_to_next_target(id);
    return;
  }
  if (!r.response) {
    answer(p, r.status, {}, r.status == 503 ? kRetryAfter : "");
    return;
  }
  const SipMessage& resp = r.response->message;
  int status = r.status;
  if ((status == 401 || status == 407) && digest_clients_) {
    // RFC 3261 §22: the same request again (same Call-ID and From tag, next
    // CSeq) with the trunk's credentials, to the same target.
    if (auto client = digest_clients_->find(p.to->name()); client != digest_clients_->end()) {
      if (auto auth = client->second.answer(resp, p.request.method, p.request.uri, stack_.random_token(16),
                                            p.auth ? &*p.auth : nullptr)) {
        p.auth = std::move(auth);
        ++p.request.cseq;
        --p.next_target;
        send_to_next_target(id);
        return;
      }
    }
    note_(LogLevel::kInfo, "auth-failed|" + p.to->name(),
          p.request.method + " to trunk " + p.to->name() + ": " + std::to_string(status) +
              " not answered (no auth-username, or credentials refused): 403");
    answer(p, 403, "Forbidden (authentication toward the trunk failed)", {});
    return;
  }
  auto mapped = p.to->config().response_map.find(status);
  if (status >= 300 && mapped != p.to->config().response_map.end()) status = mapped->second;
  answer(p, status, status == r.status ? resp.reason() : std::string_view{}, crossing_headers(resp, p.a_own_host),
         &resp);
}

void OutOfDialogRelay::answer(Pending& p, int status, std::string_view reason, std::string_view headers,
                              const SipMessage* relayed) {
  RelayedRequestStats& stats = stats_for(p.tx->request().method());
  if (relayed) ++stats.answered;
  else if (p.next_target > 0) ++stats.unanswered;  // sent, and no target answered
  else ++stats.refused;
  std::string tag = stack_.random_token(12);
  sip::ResponseExtras x{.to_tag = tag,
                        .headers = headers,
                        .content_type = relayed ? relayed->header(HeaderId::kContentType) : std::string_view{},
                        .body = relayed ? relayed->body() : std::string_view{},
                        .source = &p.tx->source()};
  p.tx->respond(status, sip::build_response(p.tx->request(), status, reason, x));
  if (p.id) pending_.erase(p.id);
}

}  // namespace sipnic::interwork
