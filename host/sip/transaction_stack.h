// sip::TransactionStack: sip::Stack over one worker's TransactionLayer and
// Resolver (the node wires one per worker). A thin forwarding layer: the
// behaviour is the transaction layer's and the resolver's.
#pragma once

#include "sip/resolver.h"
#include "sip/stack.h"
#include "sip/transaction.h"

namespace sipnic::sip {

class TransactionStack final : public Stack {
 public:
  // Neither is owned; both must outlive this.
  TransactionStack(TransactionLayer& transactions, Resolver& resolver)
      : tx_(transactions), resolver_(resolver) {}

  void send_request(OutgoingRequest req, const Target& target, ClientHandler handler) override;
  bool send_stateless(const Target& target, std::string bytes) override;
  IncomingRequestPtr find_invite_for_cancel(const SipMessage& cancel) override;
  void resolve(const core::HostPort& where, std::optional<core::Transport> transport,
               ResolveCallback cb) override;
  TimerId add_timer(core::Millis delay, std::function<void()> task) override;
  void cancel_timer(TimerId id) override;
  core::Clock::time_point now() const override;
  const TransactionTimers& timers() const override { return tx_.timers(); }
  std::string random_token(std::size_t hex_chars) override { return tx_.random_token(hex_chars); }
  std::string new_branch() override { return tx_.new_branch(); }
  core::SocketAddress local_address(const Target& target) const override { return tx_.local_address(target); }
  std::string via_for(const Target& target, std::string_view branch) const override {
    return tx_.via_for(target, branch);
  }

 private:
  TransactionLayer& tx_;
  Resolver& resolver_;
};

}  // namespace sipnic::sip
