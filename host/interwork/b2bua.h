// The trunk-to-trunk B2BUA of one worker: call policy only. Each call pairs
// two dialogs (sip::Dialog), an inbound leg A (sipnic is UAS) and an
// outbound leg B (sipnic is UAC), with topology hiding (new Call-ID, Via,
// Contact and From tag on B; nothing of one side's addressing reaches the
// other), SDP passed through, in-dialog requests relayed both ways, CANCEL,
// failure mapping, RFC 3263 failover, trunk limits in both directions and
// the handling of sources that are no trunk.
//
// It depends on sip::Stack (sip/stack.h), not on the transaction layer and
// the resolver themselves, so that tests drive it without sockets.
//
// Runs on its worker's loop thread; every message of a call reaches the worker
// that owns the call's Call-IDs (see Node).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/config.h"
#include "core/log.h"
#include "core/log_limiter.h"
#include "core/metrics.h"
#include "interwork/challenged_request.h"
#include "interwork/out_of_dialog_relay.h"
#include "interwork/router.h"
#include "interwork/subscription_relay.h"
#include "interwork/trunk_state.h"
#include "sip/dialog.h"
#include "sip/dialog_hop.h"
#include "sip/digest.h"
#include "sip/reliable_provisionals.h"
#include "sip/session_timer.h"
#include "sip/stack.h"
#include "sip/transport.h"
#include "stir/stir_service.h"
#include "stir/stir_stats.h"
#include "stir/verstat.h"

namespace sipnic::interwork {

// Names of the B2BUA's figures in the node's registry (every metric:
// docs/operations.md).
namespace metric {
inline constexpr std::string_view kCallsStarted = "sipnic_calls_started_total";
inline constexpr std::string_view kCallsAnswered = "sipnic_calls_answered_total";
inline constexpr std::string_view kCallsFailed = "sipnic_calls_failed_total";
inline constexpr std::string_view kCallsRejected = "sipnic_calls_rejected_total";
inline constexpr std::string_view kCallsActive = "sipnic_calls_active";
inline constexpr std::string_view kCallsUnacknowledged = "sipnic_calls_unacknowledged_total";
inline constexpr std::string_view kUnknownSourceRequests = "sipnic_unknown_source_requests_total";
}  // namespace metric

// The B2BUA's figures: one worker's cells in the node's registry, written by
// that worker only (core/metrics.h).
struct B2buaStats {
  B2buaStats(core::MetricsRegistry& metrics, std::uint32_t worker);
  core::Counter calls_started;
  core::Counter calls_answered;
  core::Counter calls_failed;
  core::Counter calls_rejected;  // refused before an outbound leg existed
  core::Gauge calls_active;
  core::Counter calls_unacknowledged;    // hung up: a 2xx got no ACK within 64*T1
  core::Counter unknown_source_requests;  // from no trunk: 403 sent statelessly, or dropped
  core::Counter rate_limited_requests;    // from no trunk, over [node] unknown-source-rate: dropped
};

// What a B2BUA may be given besides its stack and config.
struct B2buaOptions {
  // Counts requests from sources that are no trunk's for the whole node
  // ([node] unknown-source-rate); null: the B2BUA keeps its own.
  sip::HandshakeLimiter* source_limiter = nullptr;
  // STIR/SHAKEN (docs/stir-shaken.md): signs INVITEs to trunks with
  // stir-attest, checks those from trunks with stir-verify; null when
  // [stir] is not configured (no trunk then signs or verifies). Read once
  // per call: a reload replaces the service for calls after it.
  const stir::StirServiceHolder* stir = nullptr;
  // The wall clock PASSporTs are dated by (iat is Unix time).
  std::function<std::chrono::system_clock::time_point()> wall_clock = [] { return std::chrono::system_clock::now(); };
};

class B2bua {
 public:
  // `new_call_id` makes a Call-ID that the node dispatches to this worker.
  // Its figures go to `metrics` as worker `worker`'s cells.
  B2bua(const core::Config& config, std::vector<std::unique_ptr<TrunkState>>& trunks, sip::Stack& stack,
        core::Log& log, core::MetricsRegistry& metrics, std::uint32_t worker,
        std::function<std::string()> new_call_id, B2buaOptions options = {});
  ~B2bua();
  B2bua(const B2bua&) = delete;
  B2bua& operator=(const B2bua&) = delete;

  // The transaction user's entries (sip::TransactionLayer::User).
  void on_request(const sip::IncomingRequestPtr& tx);
  void on_ack(sip::Received&& ack);
  void on_stray_response(sip::Received&& response);
  void on_ack_timeout(const sip::IncomingRequestPtr& tx);

  // Sends an OPTIONS ping to a trunk; `done(true)` on any response.
  void ping(TrunkState& trunk, std::function<void(bool up)> done);

  // This worker's cells (the node's registry sums the workers').
  const B2buaStats& stats() const { return stats_; }

 private:
  struct Call;
  struct Leg;
  struct RelayedResponse;
  using HopHandler = std::function<void(const sip::Target*)>;

  TrunkState* trunk_for_request(const sip::IncomingRequest& tx);
  // A trunk with inbound-auth-username: the request's credentials are
  // checked (true: go on); without valid ones it is answered 401.
  bool authenticated(const sip::IncomingRequestPtr& tx, TrunkState& from);
  // A request from a source that is no trunk: false when it was dropped
  // (over the per-source rate, or [node] unknown-source = drop).
  bool admit_unknown_source(const sip::IncomingRequestPtr& tx);
  void reject(const sip::IncomingRequestPtr& tx, int status, std::string_view reason,
              std::string_view extra_headers = {});
  void reject_statelessly(const sip::IncomingRequestPtr& tx, int status, std::string_view reason);
  void start_call(const sip::IncomingRequestPtr& tx, TrunkState& from);
  void on_targets(std::uint64_t call_id, std::vector<sip::ResolvedTarget> targets, std::string error);
  void send_invite_to_next_target(Call& call);
  void on_b_invite_result(std::uint64_t call_id, const sip::ClientResult& r);
  void answer_a_failure(Call& call, int status, std::string_view reason, std::string_view headers);
  // B's 1xx or 2xx as A gets it: its crossing headers, sipnic's generated
  // ones and `leg_headers` (RSeq/Require, Session-Expires), A's Contact and
  // Record-Route; its SDP remembered as leg A's.
  std::string response_to_a(Call& call, const RelayedResponse& r, std::string_view leg_headers);
  // B's 1xx and 2xx to A, reliably where leg A does 100rel (RFC 3262).
  void relay_1xx_to_a(Call& call, RelayedResponse r);
  void relay_2xx_to_a(Call& call, RelayedResponse r);
  void on_a_1xx_timer(std::uint64_t call_id);
  void on_prack_from_a(const sip::IncomingRequestPtr& tx, Call& call);
  // RFC 4028: (re)arms a leg's session timer for `interval`.
  void start_session_timer(Call& call, bool to_a, sip::SessionInterval interval);
  void on_session_timer(std::uint64_t call_id, bool to_a);
  // sipnic's own session refresh on a leg (UPDATE, or re-INVITE with the SDP
  // last sent there).
  void send_session_refresh(Call& call, bool to_a);
  void on_cancel(const sip::IncomingRequestPtr& tx);
  void on_in_dialog_request(const sip::IncomingRequestPtr& tx, Call& call, bool from_a);
  void start_2xx(Call& call, bool to_a, std::string bytes, const sip::Target& to, std::uint32_t invite_cseq);
  void on_2xx_timer(std::uint64_t call_id, bool to_a);
  void cancel_b(Call& call);
  void send_bye(Call& call, bool to_a, std::string_view reason);
  // Requests within a leg's dialog go to its next hop (sip::Dialog), as the
  // leg's sip::DialogHop locates it.
  void with_next_hop(Call& call, bool to_a, HopHandler then);
  void send_in_dialog(Call& call, bool to_a, sip::OutgoingRequest req, sip::Stack::ClientHandler handler);
  void send_challenged(Call& call, bool to_a, ChallengedRequest req, sip::Stack::ClientHandler handler);
  void send_ack(Call& call, bool to_a, sip::OutgoingRequest ack);
  void end_call(Call& call);
  // RFC 3891: the live call leg whose dialog a Replaces value names (its
  // to-tag sipnic's own tag, its from-tag the peer's), if any.
  struct ReplacedLeg {
    Call* call;
    bool side_a;
  };
  std::optional<ReplacedLeg> find_replaced(std::string_view replaces);
  // STIR/SHAKEN on leg B's INVITE headers and From (docs/stir-shaken.md):
  // the caller's verstat set (or a forged one removed), and sipnic's own
  // Identity in place of any relayed one when the target trunk signs.
  void apply_stir(Call& call);
  // A REFER's crossing headers with its Refer-To's Replaces mapped to the
  // other leg of the call it names.
  std::string refer_to_with_replaces(const sip::SipMessage& refer, std::string headers, const Call& call);
  void arm_timer_c(Call& call);
  // A line that may repeat once per request or call: at most one per key per
  // interval (core::LogLimiter).
  void note(core::LogLevel level, std::string_view key, const std::string& message);

  Call* find(std::uint64_t id);      // live calls only
  Call* find_any(std::uint64_t id);  // ended ones too, until they are forgotten
  Call* find_by_dialog(std::string_view call_id, std::string_view local_tag, bool* from_a, bool include_ended = false);

  const core::Config& config_;
  std::vector<std::unique_ptr<TrunkState>>& trunks_;
  sip::Stack& stack_;
  core::Log& log_;
  B2buaStats stats_;
  std::function<std::string()> new_call_id_;
  Router router_;
  OutOfDialogRelay relay_;  // MESSAGE, PUBLISH
  SubscriptionRelay subscriptions_;
  core::LogLimiter log_limiter_;
  sip::HandshakeLimiter own_source_limiter_;
  sip::HandshakeLimiter* source_limiter_;
  const stir::StirServiceHolder* stir_;
  std::function<std::chrono::system_clock::time_point()> wall_clock_;
  stir::StirStats stir_stats_;
  // Digest (RFC 3261 §22), per trunk name: the credentials sipnic answers a
  // trunk's 401/407 with (auth-username), and the challenge of trunks
  // identified by address only that must authenticate (inbound-auth-username).
  DigestClients digest_clients_;
  std::unordered_map<std::string, sip::DigestServer> digest_servers_;
  std::uint64_t next_call_ = 1;
  std::unordered_map<std::uint64_t, std::unique_ptr<Call>> calls_;
  // Dialog lookup: "A|" + Call-ID + "|" + our tag towards A, and the same for B.
  std::unordered_map<std::string, std::uint64_t> dialogs_;
  // The inbound INVITE transaction of each call not yet answered (for CANCEL).
  std::unordered_map<const sip::IncomingRequest*, std::uint64_t> pending_invites_;
};

}  // namespace sipnic::interwork
