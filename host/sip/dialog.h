// sip::Dialog: one dialog of RFC 3261 §12 as one side of it holds it: the
// Call-ID and tags, local and remote URI, the remote target, the route set,
// the local and remote CSeq, and the 2xx retransmission a UAS owes until its
// ACK (§13.3.1.4). It builds the requests sent within the dialog (ACK, BYE,
// re-INVITE, UPDATE, INFO, PRACK) with the Request-URI and Route of
// §12.2.1.1, and names the URI they go to next; the sender locates that URI
// (RFC 3263, sip::Resolver).
//
// A value type with no I/O and no clock: it knows nothing of trunks, of the
// B2BUA or of the transaction layer. Whoever holds it sends what it builds
// and arms the one timer its 2xx schedule asks for.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/config.h"
#include "sip/message.h"
#include "sip/outgoing_request.h"
#include "sip/retransmission.h"

namespace sipnic::sip {

// Where a request to a SIP or SIPS URI goes, as RFC 3263 §4 reads the URI:
// its host and port, and the transport it names (;transport=, or TLS for a
// sips: URI). The host is an IP literal or a name for the resolver.
struct NextHop {
  core::HostPort host;                       // without brackets; port 0: the transport's default
  std::optional<core::Transport> transport;  // unset: the URI names none
  bool host_is_ip = false;                   // an IP literal: no DNS needed
};
// `uri` is an addr-spec or a name-addr ("<sip:p1.example.com;lr>"). nullopt
// for a URI that is not sip/sips or does not decode.
std::optional<NextHop> next_hop_of(std::string_view uri);

class Dialog {
 public:
  // The UAS side, from the dialog-creating request (an INVITE) it answers:
  // the route set is the request's Record-Route in order, the remote target
  // its Contact, the remote CSeq its CSeq (§12.1.1). The dialog is early
  // until confirm(), called when the 2xx goes out.
  static Dialog as_uas(const SipMessage& request, std::string_view local_tag, std::string local_contact);
  // The UAC side, from the request it sent and a response to it with a To
  // tag (1xx: early, 2xx: confirmed): the route set is the response's
  // Record-Route reversed, the remote target its Contact (§12.1.2).
  static Dialog as_uac(const OutgoingRequest& request, const SipMessage& response);
  // The subscriber's side of a subscription whose first NOTIFY came before
  // the 2xx to the SUBSCRIBE (RFC 6665 §4.1.2.4): remote tag, target and
  // route set (Record-Route in order, as a UAS reads a request) from the
  // NOTIFY, which the subscriber answers; confirmed at once.
  static Dialog as_subscriber(const OutgoingRequest& subscribe, const SipMessage& notify);
  // UAC: the 2xx to the INVITE of an early dialog confirms it (§13.2.2.4):
  // the remote tag, remote target and route set come from the 2xx; the
  // local CSeq stays (requests sent in the early dialog used it).
  void confirm_by(const SipMessage& response_2xx);

  bool is_uas() const { return uas_; }
  bool confirmed() const { return confirmed_; }
  void confirm() { confirmed_ = true; }

  const std::string& call_id() const { return call_id_; }
  const std::string& local_tag() const { return local_tag_; }
  const std::string& remote_tag() const { return remote_tag_; }
  // The From (UAC) or To (UAS) value of this side, with its tag.
  const std::string& local() const { return local_; }
  // The other side's value, with its tag.
  const std::string& remote() const { return remote_; }
  const std::string& remote_target() const { return remote_target_; }
  // Route values (name-addrs with their parameters), in the order the
  // Route header of a request lists them.
  const std::vector<std::string>& route_set() const { return route_set_; }
  std::uint32_t local_cseq() const { return local_cseq_; }
  std::optional<std::uint32_t> remote_cseq() const { return remote_cseq_; }
  // The Contact value this side puts in target refresh requests and in
  // responses ("" = none).
  const std::string& local_contact() const { return local_contact_; }

  // A new request within the dialog (BYE, INVITE, UPDATE, INFO, ...): the
  // next local CSeq, From/To/Call-ID of the dialog, Contact on the target
  // refresh requests (INVITE, UPDATE, SUBSCRIBE, NOTIFY), and Request-URI and Route per §12.2.1.1 — loose routing when the
  // first route has ;lr (Request-URI = remote target, Route = route set),
  // strict routing otherwise (Request-URI = the first route, Route = the
  // rest with the remote target last). The Via is the sender's.
  OutgoingRequest request(std::string_view method);
  // The ACK for a 2xx to the INVITE of CSeq `invite_cseq` (§13.2.2.4): that
  // CSeq number, the same routing; it takes no local CSeq.
  OutgoingRequest ack(std::uint32_t invite_cseq) const;
  // PRACK for a reliable provisional response (RFC 3262 §7.2), with its
  // RAck; nullopt when the response has no valid RSeq or CSeq.
  std::optional<OutgoingRequest> prack(const SipMessage& reliable_provisional);
  // Where the next request goes (§12.2.1.1, §8.1.2): the first route's URI,
  // else the remote target.
  std::string next_hop_uri() const;
  std::optional<NextHop> next_hop() const { return next_hop_of(next_hop_uri()); }

  // §12.2.2: a request from the other side whose CSeq is lower than the
  // remote CSeq is out of order (the UAS answers 500); otherwise the remote
  // CSeq becomes its CSeq. ACK and CANCEL are not checked (they reuse their
  // INVITE's number).
  bool accept_remote_cseq(const SipMessage& request);
  // Target refresh (§12.2.1.2, §12.2.2): a 2xx to a re-INVITE, UPDATE,
  // SUBSCRIBE or NOTIFY (RFC 6665 §4.1.2.1, §4.2.2), or
  // such a request answered 2xx, carries the other side's new Contact, which
  // replaces the remote target. `message` is that response (this side sent
  // the request) or that request (this side answered it).
  void apply_target_refresh(std::string_view method, int status, const SipMessage& message);

  // ---- the UAS's 2xx until the ACK (§13.3.1.4) --------------------------------
  // Retransmitted at T1, doubling to T2, on every transport (over TCP and TLS
  // the RFC still has the UAS core retransmit, and the give-up below must
  // hold there too); after 64*T1 without the ACK the session is to be ended
  // with BYE. start_2xx() returns the delay to the first timer; each
  // on_2xx_timer() says what to do when it fires and the delay to the next.
  core::Millis start_2xx(std::string bytes, std::uint32_t invite_cseq, core::Millis t1, core::Millis t2);
  struct TwoXxTimer {
    bool give_up = false;         // 64*T1 passed: no ACK will come; hang up
    std::string_view resend;      // else: the 2xx to send again
    core::Millis next{0};         // and when to call on_2xx_timer() again
  };
  TwoXxTimer on_2xx_timer();
  // The ACK of CSeq `cseq` came: the retransmission stops. True if it
  // acknowledged the 2xx awaiting it (false for a retransmitted ACK).
  bool on_ack(std::uint32_t cseq);
  bool awaiting_ack() const { return pending_2xx_.active(); }
  std::uint32_t awaiting_ack_cseq() const { return pending_2xx_cseq_; }

 private:
  Dialog() = default;
  // Request-URI and Route of a request within the dialog (§12.2.1.1).
  void route(OutgoingRequest& r) const;

  bool uas_ = false;
  bool confirmed_ = false;
  std::string call_id_;
  std::string local_tag_;
  std::string remote_tag_;
  std::string local_;
  std::string remote_;
  std::string remote_target_;
  std::vector<std::string> route_set_;
  std::uint32_t local_cseq_ = 0;
  std::optional<std::uint32_t> remote_cseq_;
  std::string local_contact_;

  Retransmission pending_2xx_;
  std::uint32_t pending_2xx_cseq_ = 0;
};

}  // namespace sipnic::sip
