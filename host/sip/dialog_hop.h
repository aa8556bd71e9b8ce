// sip::DialogHop: where the requests of one side of a dialog go. The dialog
// names a URI (sip::Dialog::next_hop_uri: the first route, else the remote
// target); this locates it by RFC 3263 — an IP literal at once, a host name
// through sip::Stack::resolve — and keeps the answer for that URI, so that
// the requests of a dialog (an ACK and the BYE behind it) go out in the
// order they were made, one lookup for them all.
//
// The side's flow (the transport, connection and trunk the dialog runs on)
// decides what the URI leaves open: a next hop without ;transport= takes
// the flow's transport; a TLS flow is only ever continued over TLS (and a
// non-TLS one never asked to go TLS); a TCP or TLS next hop at the IP the
// flow's connection is with reuses that connection (RFC 3261 §18.1.1 prefers
// an open one, and a peer behind a connection it opened need not listen at
// its Contact's port).
//
// Loop thread only. Move-only; destroying it drops the requests still
// waiting for a lookup (their callbacks are never called).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sip/stack.h"
#include "sip/transaction.h"

namespace sipnic::sip {

class DialogHop {
 public:
  // `target`: where to send, or null when `uri` cannot be located (`error` says why).
  using Then = std::function<void(const Target* target, std::string_view error)>;

  explicit DialogHop(Target flow = {});
  DialogHop(DialogHop&&) = default;
  DialogHop& operator=(DialogHop&&) = default;
  DialogHop(const DialogHop&) = delete;
  DialogHop& operator=(const DialogHop&) = delete;

  const Target& flow() const { return state_->flow; }
  // A new flow (the next target of a failover): what was located is forgotten.
  void set_flow(Target flow);

  // Calls `then` with the located target of `uri`: at once for the URI last
  // located or an IP literal, else when the lookup answers — after the
  // requests already waiting for one.
  void locate(Stack& stack, const std::string& uri, Then then);

 private:
  struct State {
    Target flow;
    std::string uri;                 // what `located` (or the lookup under way) is for
    std::optional<Target> located;
    std::vector<Then> waiting;
  };
  static void on_resolved(const std::weak_ptr<State>& weak, std::vector<ResolvedTarget> targets,
                          const std::string& error);
  static Target target_for(const State& s, core::Transport transport, const core::SocketAddress& address);

  std::shared_ptr<State> state_;  // lookups hold it weakly
};

}  // namespace sipnic::sip
