#include "sip/transaction_stack.h"

namespace sipnic::sip {

void TransactionStack::send_request(OutgoingRequest req, const Target& target, ClientHandler handler) {
  tx_.send_request(std::move(req), target, std::move(handler));
}

bool TransactionStack::send_stateless(const Target& target, std::string bytes) {
  return tx_.send_stateless(target, std::move(bytes));
}

IncomingRequestPtr TransactionStack::find_invite_for_cancel(const SipMessage& cancel) {
  return tx_.find_invite_for_cancel(cancel);
}

void TransactionStack::resolve(const core::HostPort& where, std::optional<core::Transport> transport,
                               ResolveCallback cb) {
  resolver_.resolve(where, transport, std::move(cb));
}

Stack::TimerId TransactionStack::add_timer(core::Millis delay, std::function<void()> task) {
  return tx_.loop().add_timer(delay, std::move(task));
}

void TransactionStack::cancel_timer(TimerId id) { tx_.loop().cancel_timer(id); }

core::Clock::time_point TransactionStack::now() const { return tx_.loop().now(); }

}  // namespace sipnic::sip
