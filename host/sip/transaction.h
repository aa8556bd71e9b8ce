// The transaction layer of one worker (RFC 3261 §17): INVITE and non-INVITE
// client and server transactions with timers A-K, retransmission absorption,
// ACK for non-2xx finals inside the transaction, and transport errors turned
// into 503 for the transaction user (§8.1.3.1).
//
// Runs on its worker's loop thread only. The transaction user (the B2BUA) gets
// new requests, stray ACKs (2xx ACKs, end to end) and stray responses (2xx
// retransmissions after the client transaction ended).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/config.h"
#include "core/event_loop.h"
#include "core/log.h"
#include "core/metrics.h"
#include "sip/outgoing_request.h"
#include "sip/transport.h"
#include "sip/validate.h"

namespace sipnic::sip {

// Where a message goes: transport, address and (streams) connection to reuse,
// and the leg it is on, which chooses the node's address it leaves from
// (TransportLayer::source_for).
struct Target {
  core::Transport transport = core::Transport::kUdp;
  core::SocketAddress address;
  ConnectionRef connection;
  // The trunk of the leg: its `local` address; TLS: whose identity applies,
  // whose connection may be reused.
  std::string trunk = {};
  // The node's address to send from, when set: the one a request arrived on
  // (its answers and the dialog it opens leave from there).
  core::SocketAddress local = {};
};

struct TransactionTimers {
  core::Millis t1{500};
  core::Millis t2{4000};
  core::Millis t4{5000};
};

namespace metric {
inline constexpr std::string_view kTransactionsCreated = "sipnic_sip_transactions_created_total";
inline constexpr std::string_view kTransactionsActive = "sipnic_sip_transactions_active";
inline constexpr std::string_view kRetransmissionsAbsorbed = "sipnic_sip_retransmissions_absorbed_total";
inline constexpr std::string_view kRetransmissionsSent = "sipnic_sip_retransmissions_sent_total";
inline constexpr std::string_view kClientTimeouts = "sipnic_sip_client_transaction_timeouts_total";
inline constexpr std::string_view kRequestsRejected = "sipnic_sip_requests_rejected_total";
}  // namespace metric

// The transaction layer's figures: one worker's cells in the node's registry.
struct TransactionStats {
  TransactionStats() = default;
  TransactionStats(core::MetricsRegistry& metrics, std::uint32_t worker);
  core::Counter server_created;
  core::Counter client_created;
  core::Gauge server_active;
  core::Gauge client_active;
  core::Counter retransmissions_absorbed;
  core::Counter retransmissions_sent;
  core::Counter client_timeouts;
  core::Counter rejected;  // requests refused by validation (4xx/5xx sent)
};

// Top-Via branch and sent-by, CSeq number and method: what matching needs.
struct TransactionKeyFields {
  std::string_view branch;       // "" if none (an RFC 2543 peer)
  std::string sent_by;           // host[:port] of the top Via, normalised
  std::uint16_t sent_by_port = 0;  // 0: none given
  bool rport = false;            // RFC 3581 rport present
  std::uint32_t cseq = 0;
  std::string_view cseq_method;
};
// False when the message lacks a usable top Via or CSeq.
bool extract_key_fields(const SipMessage& m, TransactionKeyFields& out);
// Where the responses to a received request go (RFC 3261 §18.2.2, RFC 3581).
Target response_target(const Received& rx);

class TransactionLayer;

// A received request as the transaction user sees it: the request, where it
// came from, and the means to answer it. ServerTransaction is one; a test
// of a transaction user (tests/unit/interwork/b2bua_test.cpp) makes its own.
class IncomingRequest {
 public:
  virtual ~IncomingRequest() = default;
  virtual const SipMessage& request() const = 0;
  // Where responses go (RFC 3261 §18.2.2), with the connection it came on.
  virtual const Target& reply_target() const = 0;
  virtual const core::SocketAddress& source() const = 0;
  // TLS: the trunk the peer's certificate identified ("" otherwise).
  const std::string& peer_trunk() const { return reply_target().trunk; }
  bool is_invite() const { return request().method() == "INVITE"; }
  // A final response was sent (or the request was discarded).
  virtual bool completed() const = 0;
  // Sends a response built for this request (sip/response_builder.h). A final
  // response moves the transaction on; responses after a final are ignored.
  virtual void respond(int status, std::string bytes) = 0;
  // Ends the transaction without a response and keeps nothing of it: for a
  // request answered statelessly or not at all (a source that is no peer).
  // A retransmission of it is a new request.
  virtual void discard() = 0;
};

using IncomingRequestPtr = std::shared_ptr<IncomingRequest>;

class ServerTransaction final : public IncomingRequest, public std::enable_shared_from_this<ServerTransaction> {
 public:
  const SipMessage& request() const override { return request_; }
  const Target& reply_target() const override { return reply_to_; }
  const core::SocketAddress& source() const override { return source_; }
  bool completed() const override { return state_ != State::kProceeding; }
  void respond(int status, std::string bytes) override;
  void discard() override { terminate(); }
  // The status of the final response sent, 0 if none yet.
  int final_status() const { return final_status_; }

 private:
  friend class TransactionLayer;
  enum class State { kProceeding, kCompleted, kConfirmed, kAccepted, kTerminated };
  ServerTransaction(TransactionLayer& layer, std::string key, Received&& rx);
  void on_retransmission();
  void on_ack();
  void terminate();

  TransactionLayer& layer_;
  std::string key_;
  SipMessage request_;
  Target reply_to_;
  core::SocketAddress source_;
  bool invite_ = false;
  State state_ = State::kProceeding;
  std::string last_response_;
  int final_status_ = 0;
  core::Millis retransmit_interval_{0};
  core::EventLoop::TimerId retransmit_timer_ = 0;  // G
  core::EventLoop::TimerId end_timer_ = 0;         // H, I or J
};

using ServerTransactionPtr = std::shared_ptr<ServerTransaction>;

// Outcome of a client transaction delivered to the transaction user: a
// response, or (response == nullptr) a timeout (status 408) or transport error
// (status 503).
struct ClientResult {
  const Received* response = nullptr;
  int status = 0;
};

class ClientTransaction : public std::enable_shared_from_this<ClientTransaction> {
 public:
  using Handler = std::function<void(const ClientResult&)>;
  const OutgoingRequest& request() const { return request_; }
  const Target& target() const { return target_; }
  bool got_provisional() const { return got_provisional_; }
  bool finished() const { return state_ == State::kCompleted || state_ == State::kTerminated; }

 private:
  friend class TransactionLayer;
  enum class State { kCalling, kProceeding, kCompleted, kTerminated };
  ClientTransaction(TransactionLayer& layer, std::string key, OutgoingRequest req, Target target,
                    Handler handler);
  void start();
  void schedule_retransmit();
  void on_retransmit_timer();
  void on_response(const Received& rx);
  void on_timeout(int status);
  void terminate();

  TransactionLayer& layer_;
  std::string key_;
  OutgoingRequest request_;
  std::string wire_;
  Target target_;
  Handler handler_;
  bool invite_ = false;
  bool got_provisional_ = false;
  State state_ = State::kCalling;
  std::string ack_;  // ACK for a non-2xx final, resent on its retransmissions
  core::Millis retransmit_interval_{0};
  core::EventLoop::TimerId retransmit_timer_ = 0;  // A or E
  core::EventLoop::TimerId timeout_timer_ = 0;     // B or F
  core::EventLoop::TimerId end_timer_ = 0;         // D or K
};

using ClientTransactionPtr = std::shared_ptr<ClientTransaction>;

class TransactionLayer {
 public:
  struct User {
    std::function<void(const ServerTransactionPtr&)> on_request;
    std::function<void(Received&&)> on_ack;       // ACK matching no server transaction
    std::function<void(Received&&)> on_stray_response;
    // An INVITE server transaction got no ACK for its final response (Timer H).
    std::function<void(const ServerTransactionPtr&)> on_ack_timeout;
  };

  // Registers its figures in `metrics` as writer transport.worker().
  TransactionLayer(core::EventLoop& loop, core::Log& log, core::MetricsRegistry& metrics, TransportLayer& transport,
                   TransactionTimers timers, std::uint64_t seed, ValidationPolicy policy = {});
  ~TransactionLayer();

  void set_user(User user) { user_ = std::move(user); }
  // Entry for every message this worker owns.
  void receive(Received&& rx);

  // Starts a client transaction. Fills the top Via (transport, local address,
  // new branch, rport) unless req.via is set already (CANCEL keeps its INVITE's).
  ClientTransactionPtr send_request(OutgoingRequest req, const Target& target,
                                    ClientTransaction::Handler handler);
  // Sends outside any transaction (2xx ACK, 2xx retransmissions).
  bool send_stateless(const Target& target, std::string bytes);
  // An outbound stream connection to `peer` failed: every client transaction
  // still waiting for a final response from it ends with 503 now
  // (RFC 3261 §8.1.3.1), so that the user fails over at once.
  void transport_failed(core::Transport transport, const core::SocketAddress& peer);
  // Finds the INVITE server transaction a CANCEL refers to.
  ServerTransactionPtr find_invite_for_cancel(const SipMessage& cancel);

  // Random token for tags, branches and Call-IDs (hex).
  std::string random_token(std::size_t hex_chars = 16);
  std::string new_branch() { return "z9hG4bK" + random_token(20); }
  // A top Via for a message to `target`, naming the address it leaves from.
  std::string via_for(const Target& target, std::string_view branch) const;
  // The node's address a message to `target` leaves from (Via, Contact, From).
  core::SocketAddress local_address(const Target& target) const;

  const TransactionTimers& timers() const { return timers_; }
  core::EventLoop& loop() { return loop_; }
  TransportLayer& transport() { return transport_; }
  core::Log& log() { return log_; }
  std::size_t live_transactions() const { return servers_.size() + clients_.size(); }

 private:
  friend class ServerTransaction;
  friend class ClientTransaction;
  static std::string server_key(const SipMessage& m, const TransactionKeyFields& f, bool ack_as_invite);
  // Validates a received message (sip/validate.h); refuses a bad request with
  // the response the verdict names. False: the message goes no further.
  bool passes_validation(const Received& rx);

  core::EventLoop& loop_;
  core::Log& log_;
  TransportLayer& transport_;
  TransactionTimers timers_;
  ValidationPolicy policy_;
  User user_;
  std::mt19937_64 rng_;
  std::unordered_map<std::string, ServerTransactionPtr> servers_;
  std::unordered_map<std::string, ClientTransactionPtr> clients_;
  TransactionStats stats_;
};

}  // namespace sipnic::sip
