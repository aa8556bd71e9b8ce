// Subscriptions across trunks (RFC 6665): an out-of-dialog SUBSCRIBE from a
// trunk becomes a pair of subscription dialogs, like a call's two legs —
// leg A toward the subscriber (sipnic the notifier's side, UAS) and leg B
// toward the notifier (sipnic the subscriber's side, UAC), with the same
// topology hiding as calls (new Call-ID, tags, Via and Contact on B; headers
// by the rules of header_rules.h). Then, within the pair:
//
// - SUBSCRIBE refreshes (and Expires: 0 to unsubscribe) go from A to B, their
//   answers back; the subscription lives until the Expires the notifier last
//   granted, plus 64*T1 for the final NOTIFY, unless refreshed;
// - NOTIFYs go from B to A with Event, Subscription-State and their body
//   (PIDF, RPID, dialog-info, ...) as they are; a NOTIFY may come before the
//   2xx to the SUBSCRIBE (RFC 6665 §4.1.2.4) and then creates leg B's dialog;
//   one with Subscription-State: terminated ends the pair once answered.
//
// Runs on its worker's loop thread, like the B2BUA that owns it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/log.h"
#include "core/metrics.h"
#include "interwork/challenged_request.h"
#include "interwork/out_of_dialog_relay.h"
#include "interwork/router.h"
#include "interwork/trunk_state.h"
#include "sip/dialog.h"
#include "sip/dialog_hop.h"
#include "sip/stack.h"

namespace sipnic::interwork {

namespace metric {
inline constexpr std::string_view kSubscriptionsActive = "sipnic_subscriptions_active";
}  // namespace metric

class SubscriptionRelay {
 public:
  using Note = std::function<void(core::LogLevel, std::string_view key, const std::string& line)>;
  // Its figures go to `metrics` as worker `worker`'s cells: SUBSCRIBEs in
  // sipnic_requests_relayed_total, pairs in sipnic_subscriptions_active.
  SubscriptionRelay(std::vector<std::unique_ptr<TrunkState>>& trunks, const Router& router, sip::Stack& stack,
                    std::function<std::string()> new_call_id, Note note, core::MetricsRegistry& metrics,
                    std::uint32_t worker, DigestClients* digest_clients = nullptr);
  ~SubscriptionRelay();
  SubscriptionRelay(const SubscriptionRelay&) = delete;
  SubscriptionRelay& operator=(const SubscriptionRelay&) = delete;

  // An out-of-dialog SUBSCRIBE from trunk `from`.
  void subscribe(const sip::IncomingRequestPtr& tx, TrunkState& from);
  // A request with a To tag: true when it is in one of the pairs here (then
  // it has been answered or relayed), false when it is not.
  bool on_in_dialog_request(const sip::IncomingRequestPtr& tx);

  std::size_t active() const;  // pairs not yet ended

 private:
  struct Leg;
  struct Subscription;
  void send_to_next_target(Subscription& s);
  void on_b_subscribe_result(std::uint64_t id, const sip::ClientResult& r);
  void relay_in_dialog(const sip::IncomingRequestPtr& tx, Subscription& s, bool from_a);
  void send_in_dialog(Subscription& s, bool to_a, sip::OutgoingRequest req, sip::Stack::ClientHandler handler);
  void send_challenged(Subscription& s, bool to_a, ChallengedRequest req, sip::Stack::ClientHandler handler);
  // The subscription lives `expires` seconds more (plus 64*T1), unless refreshed.
  void arm_expiry(Subscription& s, std::uint32_t expires);
  void answer(const sip::IncomingRequestPtr& tx, std::string_view to_tag, int status, std::string_view reason,
              std::string_view headers, const sip::SipMessage* relayed = nullptr);
  void end(Subscription& s);  // forgets it: `s` is gone afterwards
  Subscription* find(std::uint64_t id);
  Subscription* find_by_dialog(std::string_view call_id, std::string_view local_tag, bool* from_a);

  std::vector<std::unique_ptr<TrunkState>>& trunks_;
  const Router& router_;
  sip::Stack& stack_;
  std::function<std::string()> new_call_id_;
  Note note_;
  DigestClients* digest_clients_;
  RelayedRequestStats subscribe_stats_;
  core::Gauge active_;
  std::uint64_t next_id_ = 1;
  std::unordered_map<std::uint64_t, std::unique_ptr<Subscription>> subscriptions_;
  // "A|" + Call-ID + "|" + our tag toward A, and the same for B.
  std::unordered_map<std::string, std::uint64_t> dialogs_;
};

}  // namespace sipnic::interwork
