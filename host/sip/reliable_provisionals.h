// RFC 3262 reliable provisional responses (100rel, PRACK) on one leg of a
// call, hop by hop: the B2BUA keeps one ReliableProvisionalsUas on the leg
// where sipnic answers the INVITE (it sends the reliable 1xx and answers the
// PRACKs) and one ReliableProvisionalsUac on the leg where sipnic sent it
// (it PRACKs the reliable 1xx it gets). Each leg negotiates by its trunk's
// 100rel policy, whatever the other leg did.
//
// Value types with no I/O and no clock, like sip::Dialog's 2xx schedule:
// they say what header lines to send, whether to send now or hold, and the
// delay to the next retransmission; the holder sends and arms the timer.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/config.h"
#include "sip/message.h"
#include "sip/retransmission.h"

namespace sipnic::sip {

// ---------------------------------------------------------------- UAS side

class ReliableProvisionalsUas {
 public:
  // `random` picks the first RSeq (RFC 3262 §3: uniform in 1..2**31-1, so
  // that +1 per provisional stays far from 2**32); e.g. 32 bits of
  // Stack::random_token.
  ReliableProvisionalsUas(core::ExtensionPolicy policy, std::uint32_t random);

  // The INVITE of this leg. reject 0: go on; else the final response to send
  // instead, with `headers`:
  //   420 Bad Extension, Unsupported: 100rel (policy off, Require: 100rel);
  //   421 Extension Required, Require: 100rel (policy required, the caller
  //       neither supports nor requires 100rel).
  // A caller's Require: 100rel is accepted unless the policy is off.
  struct Verdict {
    int reject = 0;
    std::string headers;
  };
  Verdict on_invite(const SipMessage& invite);
  // Provisionals (101-199) to this caller go reliably: its Supported or
  // Require lists 100rel and the policy is not off. (100 Trying never does.)
  bool reliable() const { return reliable_; }

  // Whether the next reliable provisional must be held (sent later, in
  // order): one reliable provisional is outstanding at a time. RFC 3262 §3
  // forbids a second before the first is PRACKed, and a body before the
  // earlier body's PRACK (offer/answer); sipnic keeps it to one in flight
  // always, which meets both. When on_prack() releases, send the next.
  bool must_hold() const { return outstanding_.active(); }
  // Lines for the next reliable provisional: "Require: 100rel" and its RSeq
  // (each call takes the next number, so call it once per provisional sent).
  std::string next_headers();
  // The provisional built with those lines was sent: it is sent again at T1,
  // doubling (no ceiling), until its PRACK; returns the delay to on_timer().
  // `has_body`: it carried SDP, which holds a 2xx (can_send_2xx()).
  core::Millis sent(std::string bytes, bool has_body, core::Millis t1);
  // The retransmission timer fired: resend `resend` and re-arm after
  // `next`, or give_up: 64*T1 without a PRACK — reject the INVITE with a 5xx
  // (RFC 3262 §3; sipnic sends 500) and drop what was held.
  Retransmission::Tick on_timer() { return outstanding_.on_timer(); }

  // A PRACK on this leg (RFC 3262 §3): 200 when its RAck names the
  // outstanding provisional (its RSeq, the INVITE's CSeq number, INVITE),
  // which stops its retransmission and releases the next; else 481.
  struct PrackAnswer {
    int status = 481;
    bool released = false;  // a provisional was acknowledged: send held ones, or the 2xx
  };
  PrackAnswer on_prack(const SipMessage& prack);

  // RFC 3262 §3: no 2xx while an unacknowledged reliable provisional carried
  // a session description; hold the 2xx until on_prack() releases. Other
  // final responses may go at once.
  bool can_send_2xx() const { return !(outstanding_.active() && outstanding_has_body_); }
  // A final response went out: retransmissions stop; a later PRACK gets 481.
  void on_final_sent() { outstanding_.stop(); }

  std::uint32_t last_rseq() const { return rseq_; }

 private:
  core::ExtensionPolicy policy_;
  bool reliable_ = false;
  std::uint32_t invite_cseq_ = 0;
  std::uint32_t rseq_;  // the RSeq of the last reliable provisional (one below the first before any)
  std::uint32_t outstanding_rseq_ = 0;
  bool outstanding_has_body_ = false;
  Retransmission outstanding_;
};

// ---------------------------------------------------------------- UAC side

class ReliableProvisionalsUac {
 public:
  // `invite_has_offer`: the INVITE sipnic sent carried SDP (then SDP in a
  // provisional is the answer; else the first is an offer).
  ReliableProvisionalsUac(core::ExtensionPolicy policy, bool invite_has_offer)
      : policy_(policy), invite_has_offer_(invite_has_offer) {}

  // Lines for the INVITE: Supported: 100rel (supported), and Require: 100rel
  // too (required); "" when off.
  std::string request_headers() const;

  enum class Action {
    kUnreliable,  // not a reliable provisional (or 100rel off): relay as usual
    kPrack,       // PRACK it (Dialog::prack builds the RAck), then relay it
    kIgnore,      // a retransmission, out of order, or a bad RSeq: drop it (§4)
  };
  struct Provisional {
    Action action = Action::kUnreliable;
    // kPrack: its SDP is an offer (the INVITE had none, and it is the first
    // in its early dialog), so the PRACK must carry the answer.
    bool offer = false;
  };
  // A 101-199 response to sipnic's INVITE (RFC 3262 §4): Require: 100rel
  // and an RSeq make it reliable. Per early dialog (To tag) the first RSeq
  // sets the sequence and each next must be one higher; the rest are ignored.
  Provisional on_provisional(const SipMessage& response);

 private:
  struct EarlyDialog {
    std::string to_tag;
    std::uint32_t rseq = 0;
    bool offer_seen = false;
  };
  core::ExtensionPolicy policy_;
  bool invite_has_offer_;
  std::vector<EarlyDialog> dialogs_;  // one per To tag (forking)
};

}  // namespace sipnic::sip
