// The trunk-to-trunk B2BUA of one worker: each call is two dialogs, an inbound
// leg A (sipnic is UAS) and an outbound leg B (sipnic is UAC), with topology
// hiding (new Call-ID, Via, Contact and From tag on B; nothing of one side's
// addressing reaches the other), SDP passed through, in-dialog requests relayed
// both ways, CANCEL, failure mapping, RFC 3263 failover and trunk limits.
//
// Runs on its worker's loop thread; every message of a call reaches the worker
// that owns the call's Call-IDs (see Node).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/config.h"
#include "core/event_loop.h"
#include "core/log.h"
#include "interwork/router.h"
#include "interwork/trunk_state.h"
#include "sip/resolver.h"
#include "sip/transaction.h"

namespace sipnic::interwork {

struct B2buaStats {
  std::uint64_t calls_started = 0;
  std::uint64_t calls_answered = 0;
  std::uint64_t calls_failed = 0;
  std::uint64_t calls_rejected = 0;  // refused before an outbound leg existed
  std::uint64_t calls_active = 0;
};

class B2bua {
 public:
  // `call_id_for_worker` makes a Call-ID that the node dispatches to this worker.
  B2bua(const core::Config& config, std::vector<std::unique_ptr<TrunkState>>& trunks,
        sip::TransactionLayer& transactions, sip::Resolver& resolver, core::Log& log,
        std::function<std::string()> new_call_id);
  ~B2bua();

  void on_request(const sip::ServerTransactionPtr& tx);
  void on_ack(sip::Received&& ack);
  void on_stray_response(sip::Received&& response);
  void on_ack_timeout(const sip::ServerTransactionPtr& tx);

  // Sends an OPTIONS ping to a trunk; `done(true)` on any response.
  void ping(TrunkState& trunk, std::function<void(bool up)> done);

  const B2buaStats& stats() const { return stats_; }

 private:
  struct Call;
  struct Leg;

  TrunkState* trunk_for_request(const sip::ServerTransactionPtr& tx);
  void reject(const sip::ServerTransactionPtr& tx, int status, std::string_view reason,
              std::string_view extra_headers = {});
  void start_call(const sip::ServerTransactionPtr& tx, TrunkState& from);
  void on_targets(std::uint64_t call_id, std::vector<sip::ResolvedTarget> targets, std::string error);
  void send_invite_to_next_target(Call& call);
  void on_b_invite_result(std::uint64_t call_id, const sip::ClientResult& r);
  void answer_a_failure(Call& call, int status, std::string_view reason, std::string_view headers);
  void on_cancel(const sip::ServerTransactionPtr& tx);
  void on_in_dialog_request(const sip::ServerTransactionPtr& tx, Call& call, bool from_a);
  void send_2xx(Call& call, bool to_a, std::string bytes);
  void retransmit_2xx(std::uint64_t call_id, bool to_a);
  void cancel_b(Call& call);
  void send_bye(Call& call, bool to_a, std::string_view reason);
  void end_call(Call& call);
  void arm_timer_c(Call& call);

  Call* find(std::uint64_t id);
  Call* find_by_dialog(std::string_view call_id, std::string_view local_tag, bool* from_a);

  const core::Config& config_;
  std::vector<std::unique_ptr<TrunkState>>& trunks_;
  sip::TransactionLayer& tx_;
  sip::Resolver& resolver_;
  core::Log& log_;
  std::function<std::string()> new_call_id_;
  Router router_;
  std::uint64_t next_call_ = 1;
  std::unordered_map<std::uint64_t, std::unique_ptr<Call>> calls_;
  // Dialog lookup: "A|" + Call-ID + "|" + our tag towards A, and the same for B.
  std::unordered_map<std::string, std::uint64_t> dialogs_;
  // The inbound INVITE transaction of each call not yet answered (for CANCEL).
  std::unordered_map<const sip::ServerTransaction*, std::uint64_t> pending_invites_;
  B2buaStats stats_;
};

}  // namespace sipnic::interwork
