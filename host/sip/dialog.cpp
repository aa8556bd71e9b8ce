#include "sip/dialog.h"

#include <algorithm>

#include "sip/header_values.h"

namespace sipnic::sip {

using offload::HeaderId;

namespace {

// The URI of a name-addr or addr-spec ("" when it does not decode).
std::string_view uri_in(std::string_view value) {
  auto na = parse_name_addr(trim_lws(value));
  return na ? na->uri : std::string_view{};
}

// The first Contact's URI ("" without one).
std::string_view contact_uri(const SipMessage& m) {
  CommaValues values(m.header(HeaderId::kContact));
  auto first = values.next();
  return first ? uri_in(*first) : std::string_view{};
}

std::string_view tag_in(std::string_view value) {
  auto na = parse_name_addr(value);
  return na ? na->tag() : std::string_view{};
}

// Every Record-Route value of a message, in message order.
std::vector<std::string> record_route_values(const SipMessage& m) {
  std::vector<std::string> out;
  for (const auto& h : m.view().all(HeaderId::kRecordRoute)) {
    CommaValues values(m.value(h));
    while (auto v = values.next()) {
      if (!v->empty()) out.emplace_back(*v);
    }
  }
  return out;
}

bool is_loose_route(std::string_view route) {
  auto u = parse_uri(uri_in(route));
  return u && u->params.has("lr");
}

// A route's URI as a Request-URI: the URI headers ("?...") are not allowed
// there (RFC 3261 §19.1.1, Table 1).
std::string request_uri_of(std::string_view route) {
  std::string_view uri = uri_in(route);
  return std::string(uri.substr(0, uri.find('?')));
}

// RFC 3261 §12.2 (re-INVITE), RFC 3311 (UPDATE), RFC 6665 §4.1.2.1 and
// §4.2.2 (SUBSCRIBE and NOTIFY in a subscription's dialog).
bool is_target_refresh(std::string_view method) {
  return method == "INVITE" || method == "UPDATE" || method == "SUBSCRIBE" || method == "NOTIFY";
}

}  // namespace

std::optional<NextHop> next_hop_of(std::string_view uri) {
  std::string_view text = trim_lws(uri);
  if (!text.empty() && text.front() == '<') text = uri_in(text);  // a name-addr
  auto u = parse_uri(text);
  if (!u || !u->is_sip || u->host.empty()) return std::nullopt;
  NextHop hop;
  hop.host.host = std::string(u->host);
  hop.host.port = u->has_port ? u->port : 0;
  hop.host_is_ip = u->host_is_ipv6 || is_ipv4_address(u->host);
  std::string_view transport = u->params.get("transport");
  if (u->is_sips || iequals(transport, "tls")) {
    hop.transport = core::Transport::kTls;
  } else if (iequals(transport, "tcp")) {
    hop.transport = core::Transport::kTcp;
  } else if (iequals(transport, "udp")) {
    hop.transport = core::Transport::kUdp;
  }
  return hop;
}

Dialog Dialog::as_uas(const SipMessage& request, std::string_view local_tag, std::string local_contact) {
  Dialog d;
  d.uas_ = true;
  d.call_id_ = std::string(request.header(HeaderId::kCallId));
  d.local_tag_ = std::string(local_tag);
  std::string_view to = request.header(HeaderId::kTo);
  d.local_ = tag_in(to).empty() ? std::string(to) + ";tag=" + d.local_tag_ : std::string(to);
  d.remote_ = std::string(request.header(HeaderId::kFrom));
  d.remote_tag_ = std::string(tag_in(d.remote_));
  d.remote_target_ = std::string(contact_uri(request));
  d.route_set_ = record_route_values(request);
  if (auto cseq = parse_cseq(request.header(HeaderId::kCSeq))) d.remote_cseq_ = cseq->number;
  d.local_contact_ = std::move(local_contact);
  return d;
}

Dialog Dialog::as_uac(const OutgoingRequest& request, const SipMessage& response) {
  Dialog d;
  d.uas_ = false;
  d.confirmed_ = response.status() >= 200 && response.status() < 300;
  d.call_id_ = request.call_id;
  d.local_ = request.from;
  d.local_tag_ = std::string(tag_in(d.local_));
  d.remote_ = std::string(response.header(HeaderId::kTo));
  d.remote_tag_ = std::string(tag_in(d.remote_));
  d.remote_target_ = std::string(contact_uri(response));
  // A 2xx must carry a Contact (§13.3.1.4); without one the request's
  // Request-URI is the best guess of where the other side is.
  if (d.remote_target_.empty()) d.remote_target_ = request.uri;
  auto rr = record_route_values(response);
  d.route_set_.assign(rr.rbegin(), rr.rend());
  d.local_cseq_ = request.cseq;
  d.local_contact_ = request.contact;
  return d;
}

Dialog Dialog::as_subscriber(const OutgoingRequest& subscribe, const SipMessage& notify) {
  Dialog d;
  d.uas_ = false;
  d.confirmed_ = true;
  d.call_id_ = subscribe.call_id;
  d.local_ = subscribe.from;
  d.local_tag_ = std::string(tag_in(d.local_));
  d.remote_ = std::string(notify.header(HeaderId::kFrom));
  d.remote_tag_ = std::string(tag_in(d.remote_));
  d.remote_target_ = std::string(contact_uri(notify));
  d.route_set_ = record_route_values(notify);  // a request's, in order (§12.1.1)
  if (auto cseq = parse_cseq(notify.header(HeaderId::kCSeq))) d.remote_cseq_ = cseq->number;
  d.local_cseq_ = subscribe.cseq;
  d.local_contact_ = subscribe.contact;
  return d;
}

void Dialog::confirm_by(const SipMessage& response_2xx) {
  confirmed_ = true;
  remote_ = std::string(response_2xx.header(HeaderId::kTo));
  remote_tag_ = std::string(tag_in(remote_));
  std::string_view contact = contact_uri(response_2xx);
  if (!contact.empty()) remote_target_ = std::string(contact);
  auto rr = record_route_values(response_2xx);
  route_set_.assign(rr.rbegin(), rr.rend());
}

void Dialog::route(OutgoingRequest& r) const {
  r.routes.clear();
  if (route_set_.empty()) {
    r.uri = remote_target_;
    return;
  }
  if (is_loose_route(route_set_.front())) {
    r.uri = remote_target_;
    r.routes = route_set_;
    return;
  }
  // Strict routing (RFC 2543 proxies): the first route becomes the
  // Request-URI and the remote target goes last in the Route header.
  r.uri = request_uri_of(route_set_.front());
  r.routes.assign(route_set_.begin() + 1, route_set_.end());
  r.routes.push_back("<" + remote_target_ + ">");
}

OutgoingRequest Dialog::request(std::string_view method) {
  OutgoingRequest r;
  r.method = std::string(method);
  r.from = local_;
  r.to = remote_;
  r.call_id = call_id_;
  r.cseq = ++local_cseq_;
  if (is_target_refresh(method)) r.contact = local_contact_;
  route(r);
  return r;
}

OutgoingRequest Dialog::ack(std::uint32_t invite_cseq) const {
  OutgoingRequest r;
  r.method = "ACK";
  r.from = local_;
  r.to = remote_;
  r.call_id = call_id_;
  r.cseq = invite_cseq;
  route(r);
  return r;
}

std::optional<OutgoingRequest> Dialog::prack(const SipMessage& reliable_provisional) {
  auto rseq = parse_rseq(reliable_provisional.header(HeaderId::kRSeq));
  auto cseq = parse_cseq(reliable_provisional.header(HeaderId::kCSeq));
  if (!rseq || !cseq) return std::nullopt;
  OutgoingRequest r = request("PRACK");
  r.headers = "RAck: " + format_rack(*rseq, cseq->number, cseq->method) + "\r\n";
  return r;
}

std::string Dialog::next_hop_uri() const {
  if (!route_set_.empty()) return request_uri_of(route_set_.front());
  return remote_target_;
}

bool Dialog::accept_remote_cseq(const SipMessage& request) {
  std::string_view method = request.method();
  if (method == "ACK" || method == "CANCEL") return true;
  auto cseq = parse_cseq(request.header(HeaderId::kCSeq));
  if (!cseq) return false;
  if (remote_cseq_ && cseq->number < *remote_cseq_) return false;
  remote_cseq_ = cseq->number;
  return true;
}

void Dialog::apply_target_refresh(std::string_view method, int status, const SipMessage& message) {
  if (!is_target_refresh(method) || status < 200 || status >= 300) return;
  std::string_view contact = contact_uri(message);
  if (!contact.empty()) remote_target_ = std::string(contact);
}

core::Millis Dialog::start_2xx(std::string bytes, std::uint32_t invite_cseq, core::Millis t1, core::Millis t2) {
  pending_2xx_cseq_ = invite_cseq;
  return pending_2xx_.start(std::move(bytes), t1, t2);
}

Dialog::TwoXxTimer Dialog::on_2xx_timer() {
  Retransmission::Tick tick = pending_2xx_.on_timer();
  return {tick.give_up, tick.resend, tick.next};
}

bool Dialog::on_ack(std::uint32_t cseq) {
  if (!pending_2xx_.active() || cseq != pending_2xx_cseq_) return false;
  pending_2xx_.stop();
  return true;
}

}  // namespace sipnic::sip
