#include "sip/dialog_hop.h"

#include "sip/dialog.h"

namespace sipnic::sip {

using core::Transport;

DialogHop::DialogHop(Target flow) : state_(std::make_shared<State>()) { state_->flow = std::move(flow); }

void DialogHop::set_flow(Target flow) {
  // Lookups under way belong to the old flow: a fresh state drops them.
  state_ = std::make_shared<State>();
  state_->flow = std::move(flow);
}

Target DialogHop::target_for(const State& s, Transport transport, const core::SocketAddress& address) {
  // The dialog's messages leave from the node's address of its flow.
  Target t{transport, address, {}, s.flow.trunk, s.flow.local};
  if (transport != Transport::kUdp && s.flow.transport == transport && s.flow.connection.valid() &&
      s.flow.address.same_ip(address))
    t.connection = s.flow.connection;
  return t;
}

void DialogHop::locate(Stack& stack, const std::string& uri, Then then) {
  State& s = *state_;
  if (s.located && s.uri == uri) {
    then(&*s.located, {});
    return;
  }
  if (!s.waiting.empty()) {
    s.waiting.push_back(std::move(then));  // in order, behind the lookup under way
    return;
  }
  auto hop = next_hop_of(uri);
  if (!hop) {
    then(nullptr, "'" + uri + "' is no SIP URI to send to");
    return;
  }
  Transport transport = s.flow.transport;
  if (transport != Transport::kTls && hop->transport) {
    if (*hop->transport == Transport::kTls) {
      then(nullptr, uri + " asks for TLS on a dialog that does not run over TLS");
      return;
    }
    transport = *hop->transport;
  }
  s.uri = uri;
  s.located.reset();
  if (hop->host_is_ip) {
    auto address = core::SocketAddress::from_ip(hop->host.host, hop->host.port ? hop->host.port : default_port(transport));
    if (!address) {
      then(nullptr, "'" + hop->host.host + "' is not an IP address");
      return;
    }
    s.located = target_for(s, transport, *address);
    then(&*s.located, {});
    return;
  }
  s.waiting.push_back(std::move(then));
  std::weak_ptr<State> weak = state_;
  stack.resolve(hop->host, transport, [weak](std::vector<ResolvedTarget> targets, std::string error) {
    on_resolved(weak, std::move(targets), error);
  });
}

void DialogHop::on_resolved(const std::weak_ptr<State>& weak, std::vector<ResolvedTarget> targets,
                            const std::string& error) {
  auto state = weak.lock();
  if (!state) return;
  std::vector<Then> waiting = std::move(state->waiting);
  state->waiting.clear();
  std::optional<core::SocketAddress> address;
  if (!targets.empty()) address = core::SocketAddress::from_ip(targets.front().address, targets.front().port);
  if (!address) {
    std::string why = "cannot locate " + state->uri + ": " + error;
    for (auto& w : waiting) w(nullptr, why);
    return;
  }
  state->located = target_for(*state, targets.front().transport, *address);
  // A copy: a callback may locate again (and so touch the state).
  Target t = *state->located;
  for (auto& w : waiting) w(&t, {});
}

}  // namespace sipnic::sip
