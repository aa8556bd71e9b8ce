// Out-of-dialog requests the B2BUA relays from trunk to trunk without a
// call: MESSAGE (RFC 3428) and PUBLISH (RFC 3903). Each is one transaction
// on each side: the request is routed like a call (interwork/router.h, by
// method and Request-URI), sent to the target trunk as a new request of
// sipnic's own (new Call-ID, From tag, Via; From host sipnic's address on
// that leg), its headers crossing by the rules of header_rules.h (Event,
// Expires, SIP-If-Match on the request; SIP-ETag, Expires, Min-Expires on
// the response), and the target's final response relayed back. RFC 3263
// failover as for calls: a 503 or a timeout tries the next target; a
// 401/407 is answered with the target trunk's credentials, once per
// challenge (the B2BUA's DigestClients).
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
#include "interwork/router.h"
#include "interwork/trunk_state.h"
#include "sip/digest.h"
#include "sip/stack.h"

namespace sipnic::interwork {

namespace metric {
inline constexpr std::string_view kRequestsRelayed = "sipnic_requests_relayed_total";
}  // namespace metric

// The digest clients of the trunks with auth-username, by trunk name (the
// B2BUA's, shared with its relays; one worker's).
using DigestClients = std::unordered_map<std::string, sip::DigestClient>;

// The figures of one method relayed out of dialog: one worker's cells of
// sipnic_requests_relayed_total{method, result} (docs/operations.md).
struct RelayedRequestStats {
  RelayedRequestStats(core::MetricsRegistry& metrics, std::uint32_t worker, std::string_view method);
  core::Counter answered;    // a final response from the target trunk, relayed back
  core::Counter unanswered;  // no answer from any target (timeout, transport error): 408/503
  core::Counter refused;     // answered by sipnic itself: no route, trunk down, 483, 400
};

class OutOfDialogRelay {
 public:
  // `note(level, key, line)` writes a line that may repeat per request
  // (the B2BUA's rate-limited log); `new_call_id` makes a Call-ID.
  using Note = std::function<void(core::LogLevel, std::string_view key, const std::string& line)>;
  // Its figures go to `metrics` as worker `worker`'s cells.
  OutOfDialogRelay(std::vector<std::unique_ptr<TrunkState>>& trunks, const Router& router, sip::Stack& stack,
                   std::function<std::string()> new_call_id, Note note, core::MetricsRegistry& metrics,
                   std::uint32_t worker, DigestClients* digest_clients = nullptr);
  ~OutOfDialogRelay();
  OutOfDialogRelay(const OutOfDialogRelay&) = delete;
  OutOfDialogRelay& operator=(const OutOfDialogRelay&) = delete;

  // The methods relayed here.
  static bool relays(std::string_view method);

  // A request from trunk `from` (a request from no trunk never gets here).
  void relay(const sip::IncomingRequestPtr& tx, TrunkState& from);

  std::size_t pending() const { return pending_.size(); }

 private:
  struct Pending;
  void send_to_next_target(std::uint64_t id);
  void on_result(std::uint64_t id, const sip::ClientResult& r);
  // The final answer to the sender (with the body of `relayed`, the
  // target's response, if any); `p` is gone afterwards.
  void answer(Pending& p, int status, std::string_view reason, std::string_view headers,
              const sip::SipMessage* relayed = nullptr);
  RelayedRequestStats& stats_for(std::string_view method);

  std::vector<std::unique_ptr<TrunkState>>& trunks_;
  const Router& router_;
  sip::Stack& stack_;
  std::function<std::string()> new_call_id_;
  Note note_;
  DigestClients* digest_clients_;
  RelayedRequestStats message_stats_;
  RelayedRequestStats publish_stats_;
  std::uint64_t next_id_ = 1;
  std::unordered_map<std::uint64_t, std::unique_ptr<Pending>> pending_;
};

}  // namespace sipnic::interwork
