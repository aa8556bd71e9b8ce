// Test doubles for sip::Stack users (the B2BUA, the registration client):
// FakeIncoming is a received request whose answers are recorded; FakeStack
// is sip::Stack in-process, which records every request and stateless send,
// lets the test answer as the far end, resolves IP literals (and names in
// `dns`) later on the loop, as the resolver does, and runs its timers on the
// loop's clock (a core::ManualClock in tests). sipnic is 127.0.0.1 (::1),
// ports 5060 and 5061 (TLS); T1 = 500 ms, T2 = 4 s, T4 = 5 s.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/event_loop.h"
#include "sip/stack.h"
#include "sip/header_values.h"
#include "sip/resolver.h"
#include "sip/response_builder.h"
#include "sip/transaction.h"
#include "support/sip_message.h"

namespace sipnic::test {

using namespace std::chrono_literals;

inline core::SocketAddress loopback(const std::string& ip, std::uint16_t port) {
  return *core::SocketAddress::from_ip(ip, port);
}

// A received request as the B2BUA sees it: answers are recorded.
class FakeIncoming final : public sip::IncomingRequest {
 public:
  FakeIncoming(sip::SipMessage request, sip::Target reply, core::SocketAddress source)
      : request_(std::move(request)), reply_(std::move(reply)), source_(source) {}
  const sip::SipMessage& request() const override { return request_; }
  const sip::Target& reply_target() const override { return reply_; }
  const core::SocketAddress& source() const override { return source_; }
  bool completed() const override { return final_ != 0 || discarded; }
  void respond(int status, std::string bytes) override {
    if (completed()) return;
    responses.emplace_back(status, std::move(bytes));
    if (status >= 200) final_ = status;
  }
  void discard() override { discarded = true; }

  std::vector<int> statuses() const {
    std::vector<int> s;
    for (const auto& r : responses) s.push_back(r.first);
    return s;
  }
  sip::SipMessage last() const { return parse_sip(responses.back().second); }

  std::vector<std::pair<int, std::string>> responses;
  bool discarded = false;

 private:
  sip::SipMessage request_;
  sip::Target reply_;
  core::SocketAddress source_;
  int final_ = 0;
};

// sip::Stack in-process.
class FakeStack final : public sip::Stack {
 public:
  explicit FakeStack(core::EventLoop& loop) : loop_(loop) {}

  struct Sent {
    sip::OutgoingRequest request;
    sip::Target target;
    ClientHandler handler;
    std::string wire;
    sip::SipMessage message() const { return parse_sip(wire); }
  };
  struct Stateless {
    sip::Target target;
    std::string bytes;
    sip::SipMessage message() const { return parse_sip(bytes); }
  };

  void send_request(sip::OutgoingRequest req, const sip::Target& target, ClientHandler handler) override {
    if (req.via.empty()) req.via = via_for(target, new_branch());
    std::string wire = req.serialize();
    requests.push_back({std::move(req), target, std::move(handler), std::move(wire)});
  }
  bool send_stateless(const sip::Target& target, std::string bytes) override {
    stateless.push_back({target, std::move(bytes)});
    return true;
  }
  sip::IncomingRequestPtr find_invite_for_cancel(const sip::SipMessage& cancel) override {
    sip::TransactionKeyFields c;
    if (!sip::extract_key_fields(cancel, c)) return nullptr;
    for (auto& weak : invites) {
      auto tx = weak.lock();
      sip::TransactionKeyFields i;
      if (tx && sip::extract_key_fields(tx->request(), i) && i.branch == c.branch && i.sent_by == c.sent_by) return tx;
    }
    return nullptr;
  }
  void resolve(const core::HostPort& where, std::optional<core::Transport> transport, sip::ResolveCallback cb) override {
    ++resolutions[where.host];
    std::vector<sip::ResolvedTarget> targets;
    std::string error;
    core::Transport t = transport.value_or(core::Transport::kUdp);
    if (sip::is_ipv4_address(where.host) || sip::is_ipv6_address(where.host)) {
      targets.push_back({t, where.host, where.port ? where.port : sip::default_port(t), ""});
    } else if (auto it = dns.find(where.host); it != dns.end()) {
      targets = it->second;
    } else {
      error = where.host + ": no such name";
    }
    // Later, on the loop, as the resolver does.
    loop_.post([cb = std::move(cb), targets, error]() { cb(targets, error); });
  }
  TimerId add_timer(core::Millis delay, std::function<void()> task) override {
    return loop_.add_timer(delay, std::move(task));
  }
  void cancel_timer(TimerId id) override { loop_.cancel_timer(id); }
  core::Clock::time_point now() const override { return loop_.now(); }
  const sip::TransactionTimers& timers() const override { return timers_; }
  std::string random_token(std::size_t hex_chars) override {
    std::string t = std::to_string(++tokens_);
    return std::string(hex_chars > t.size() ? hex_chars - t.size() : 0, 'a') + t;
  }
  std::string new_branch() override { return "z9hG4bKsipnic" + random_token(8); }
  // As the transport's choice (TransportLayer::source_for): the target's
  // own local address, else its trunk's (trunk_locals), else 127.0.0.1 / ::1;
  // port 5061 for TLS, else 5060.
  core::SocketAddress local_address(const sip::Target& target) const override {
    std::uint16_t port = target.transport == core::Transport::kTls ? 5061 : 5060;
    core::SocketAddress ip = target.local;
    if (auto it = trunk_locals.find(target.trunk); !ip.valid() && it != trunk_locals.end()) ip = it->second;
    if (ip.valid()) {
      ip.set_port(port);
      return ip;
    }
    return target.address.family() == AF_INET6 ? loopback("::1", port) : loopback("127.0.0.1", port);
  }
  std::string via_for(const sip::Target& target, std::string_view branch) const override {
    const auto t = target.transport;
    std::string name = t == core::Transport::kUdp ? "UDP" : t == core::Transport::kTcp ? "TCP" : "TLS";
    return "SIP/2.0/" + name + " " + local_address(target).to_string() + ";branch=" + std::string(branch) +
           ";rport";
  }

  // Trunk name -> the IP its leg's messages name (a trunk's `local`).
  std::map<std::string, core::SocketAddress> trunk_locals;

  // The requests sent with `method`, in order.
  std::vector<const Sent*> sent(std::string_view method) const {
    std::vector<const Sent*> out;
    for (const auto& s : requests)
      if (s.request.method == method) out.push_back(&s);
    return out;
  }
  std::vector<const Stateless*> stateless_of(std::string_view first_word) const {
    std::vector<const Stateless*> out;
    for (const auto& s : stateless)
      if (s.bytes.starts_with(first_word)) out.push_back(&s);
    return out;
  }

  std::deque<Sent> requests;  // deque: entries stay put while handlers add more
  std::deque<Stateless> stateless;
  std::vector<std::weak_ptr<FakeIncoming>> invites;
  std::map<std::string, std::vector<sip::ResolvedTarget>> dns;
  std::map<std::string, int> resolutions;

 private:
  core::EventLoop& loop_;
  sip::TransactionTimers timers_{500ms, 4000ms, 5000ms};
  std::uint64_t tokens_ = 0;
};

// The far end answers a request the stack sent: a response built from it
// with `to_tag` in To, handed to the request's handler from the target's
// address, as the transaction layer would.
inline void answer_sent(const FakeStack::Sent& s, int status, const std::string& headers, const std::string& to_tag,
                        const std::string& content_type = {}, const std::string& body = {}) {
  sip::ResponseExtras x{.to_tag = to_tag, .headers = headers, .content_type = content_type, .body = body};
  sip::Received rx{parse_sip(sip::build_response(s.message(), status, {}, x)), s.target.transport, s.target.address,
                   loopback("127.0.0.1", 5060), {}, {}};
  auto handler = s.handler;  // the handler may send more (and so add to the deque)
  handler(sip::ClientResult{&rx, status});
}

}  // namespace sipnic::test
