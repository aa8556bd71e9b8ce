// sip::Stack: what a transaction user (the B2BUA; the PRI gateway later)
// needs from the SIP stack under it, and nothing more: client transactions
// to a located target, stateless sends, the INVITE a CANCEL refers to,
// RFC 3263 location of a host, timers on the worker's clock, random tokens
// and the local addresses for Via and Contact. Requests reach the user as
// IncomingRequest (sip/transaction.h), which it answers itself.
//
// The node's implementation is sip::TransactionStack (the transaction layer
// and the resolver of a worker); tests/unit/interwork/b2bua_test.cpp has one
// in-process that records what is sent and runs on a core::ManualClock.
// Everything is called on the worker's loop thread.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/config.h"
#include "core/event_loop.h"
#include "core/socket_address.h"
#include "sip/outgoing_request.h"
#include "sip/resolver.h"
#include "sip/transaction.h"

namespace sipnic::sip {

class Stack {
 public:
  using ClientHandler = std::function<void(const ClientResult&)>;
  using TimerId = core::EventLoop::TimerId;

  virtual ~Stack() = default;

  // Starts a client transaction (RFC 3261 §17.1): the handler gets every
  // response, or a 408 (timeout) or 503 (transport error) result. The top
  // Via is filled unless req.via is set (an INVITE whose CANCEL must match).
  virtual void send_request(OutgoingRequest req, const Target& target, ClientHandler handler) = 0;
  // Outside any transaction: ACK for a 2xx, 2xx retransmissions, stateless
  // responses. False when the bytes could not be handed to the transport.
  virtual bool send_stateless(const Target& target, std::string bytes) = 0;
  // The INVITE server transaction a CANCEL refers to (RFC 3261 §9.2), if any.
  virtual IncomingRequestPtr find_invite_for_cancel(const SipMessage& cancel) = 0;
  // RFC 3263 §4: the ordered targets of a host (an IP literal needs no DNS).
  // `cb` runs later on the loop thread, never inside resolve().
  virtual void resolve(const core::HostPort& where, std::optional<core::Transport> transport,
                       ResolveCallback cb) = 0;

  virtual TimerId add_timer(core::Millis delay, std::function<void()> task) = 0;
  virtual void cancel_timer(TimerId id) = 0;
  virtual core::Clock::time_point now() const = 0;
  virtual const TransactionTimers& timers() const = 0;

  // Random hex for tags and Call-IDs; a new RFC 3261 branch (z9hG4bK...).
  virtual std::string random_token(std::size_t hex_chars) = 0;
  virtual std::string new_branch() = 0;
  // Our address on the leg of `target` (Via, Contact, From): the one a
  // message to it leaves from (its `local`, else its trunk's `local`, else
  // the route's; TransportLayer::source_for). Invalid if none.
  virtual core::SocketAddress local_address(const Target& target) const = 0;
  // A top Via value naming that address, with `branch`, and rport.
  virtual std::string via_for(const Target& target, std::string_view branch) const = 0;
};

}  // namespace sipnic::sip
