// Node: the running sipnic. One worker thread per core (or as configured),
// each with its own event loop, parse engine, transports, transaction layer,
// resolver and B2BUA. Every message is handled by the worker that owns its
// Call-ID (a hash of it); a worker that receives a message it does not own
// posts it to the owner's loop, so a call's state is only ever touched by one
// thread and the message path takes no global lock.
//
// The node owns the metrics registry: every layer of every worker registers
// its figures there (one writer slot per worker), the node adds the trunks'
// and its own, and status() reads them for the control socket and the
// summary line (docs/operations.md).
#pragma once

#include <atomic>
#include <filesystem>
#include <future>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"
#include "core/metrics.h"
#include "interwork/b2bua.h"
#include "interwork/registration.h"
#include "interwork/trunk_state.h"
#include "offload/device.h"
#include "pri/span.h"
#include "pri/span_group.h"
#include "sip/transport.h"
#include "stir/stir_service.h"
#include "tls/tls_streams.h"

namespace sipnic::interwork {

struct NodeOptions {
  std::vector<std::string> dns_servers;  // "IP:port"; empty = system resolver
  // Opt-in NSS key log file for debugging TLS with Wireshark ("" = off).
  std::filesystem::path tls_keylog;
  // GcmEngine key-table slots per worker (two per TLS connection).
  std::uint32_t gcm_key_slots = 65536;
};

namespace metric {
inline constexpr std::string_view kTrunkUp = "sipnic_trunk_up";
inline constexpr std::string_view kTrunkCallsActive = "sipnic_trunk_calls_active";
inline constexpr std::string_view kTrunkCallsStarted = "sipnic_trunk_calls_started_total";
inline constexpr std::string_view kTrunkCallsReceived = "sipnic_trunk_calls_received_total";
inline constexpr std::string_view kTrunkCallsRefused = "sipnic_trunk_calls_refused_total";
inline constexpr std::string_view kTrunkOptions = "sipnic_trunk_options_pings_total";
inline constexpr std::string_view kTrunkMaxCalls = "sipnic_trunk_max_calls";
inline constexpr std::string_view kTrunkMaxCps = "sipnic_trunk_max_cps";
inline constexpr std::string_view kTrunkRequestsRefused = "sipnic_trunk_requests_refused_total";
inline constexpr std::string_view kTrunkMaxRps = "sipnic_trunk_max_rps";
inline constexpr std::string_view kOffloadInfo = "sipnic_offload_info";
inline constexpr std::string_view kWorkers = "sipnic_node_workers";
inline constexpr std::string_view kUptime = "sipnic_node_uptime_seconds";
}  // namespace metric

// What `sipnic status` shows: the node's shape and its figures, summed over
// the workers, read from the registry at one moment.
// A PRI span: its config and its figures (pri/span_metrics.h).
struct SpanStatus {
  std::string name;
  core::SpanType type = core::SpanType::kE1;
  core::SpanSide side = core::SpanSide::kUser;
  core::SwitchVariant switch_variant = core::SwitchVariant::kEuroIsdn;
  bool dchannel_up = false;
  // NFAS: the group ("" outside one), this span's interface identifier, its
  // D-channel's role and whether that D-channel is the one in use.
  std::string nfas_group;
  std::uint32_t nfas_interface = 0;
  core::DChannelRole d_channel = core::DChannelRole::kPrimary;
  bool dchannel_active = false;
  std::uint64_t idle = 0, in_use = 0, restarting = 0, maintenance = 0, out_of_service = 0;  // B-channels now
  std::uint64_t calls_in = 0, calls_out = 0, calls_refused = 0, calls_answered = 0;
  std::uint64_t q931_errors = 0;  // every kind of Q.931 5.8 answer or drop
  std::uint64_t dchannel_losses = 0, bad_fcs = 0;
  // Line backend only: the alarms now, as pri::line_alarms_text gives them
  // ("ok", "red (LOS, LOF)", ...), and the line's CRC errors and slips.
  bool line = false;
  pri::LineAlarms alarms;
  std::uint64_t crc_errors = 0, slips = 0;
};

struct TrunkStatus {
  std::string name;
  core::Transport transport = core::Transport::kUdp;
  std::string peer;                     // as configured
  bool up = true;
  std::uint32_t options_interval_ms = 0;  // 0: no OPTIONS pings
  std::uint64_t options_answered = 0;
  std::uint64_t options_unanswered = 0;
  std::uint32_t calls_now = 0;
  std::uint32_t calls_last_second = 0;  // calls admitted either way in the sliding second
  std::uint64_t calls_started = 0;      // towards this trunk
  std::uint64_t calls_received = 0;     // sent in by this trunk
  std::uint64_t calls_refused = 0;      // by its limits (either way) or while down
  std::uint32_t max_calls = 0;          // 0: no limit
  double max_cps = 0;                   // 0: no limit
  std::optional<RegistrationStatus> registration;  // register = on only
};

struct NodeStatus {
  std::uint32_t workers = 0;
  std::string offload;  // backend name
  double uptime_seconds = 0;
  std::vector<core::ListenConfig> listeners;
  std::vector<TrunkStatus> trunks;
  std::vector<SpanStatus> spans;
  struct Calls {
    std::uint64_t started = 0, answered = 0, failed = 0, rejected = 0, active = 0;
  } calls;
  struct Messages {
    std::uint64_t received = 0, sent = 0, send_errors = 0, parse_errors = 0, parse_errors_answered = 0;
    std::vector<std::pair<std::string, std::uint64_t>> parse_errors_by_reason;  // non-zero only
  } messages;
  struct Connections {
    std::uint64_t tcp_open = 0, tls_open = 0, accepted = 0, dropped = 0, refused = 0;
    std::vector<std::pair<std::string, std::uint64_t>> dropped_by_reason;  // non-zero only
    std::vector<std::pair<std::string, std::uint64_t>> refused_by_reason;  // non-zero only
    std::uint64_t accept_failures = 0, accept_pauses = 0;  // out of descriptors or memory
    std::uint64_t keepalive_pings = 0, keepalive_pongs = 0;  // sent
  } connections;
  struct Tls {
    std::uint64_t handshakes = 0, failures = 0;
    std::vector<std::pair<std::string, std::uint64_t>> failures_by_reason;  // non-zero only
    double handshake_seconds_mean = 0;
  } tls;
  struct Transactions {
    std::uint64_t server = 0, client = 0, active = 0, retransmissions_sent = 0, retransmissions_absorbed = 0,
                  timeouts = 0, rejected = 0;
  } transactions;
  struct Batches {
    std::uint64_t count = 0;
    double mean = 0;  // items per batch
  };
  Batches parse_batches;  // segments per SipParseEngine call
  Batches tls_batches;    // connections per GcmEngine batch
};

// The node-wide cap on inbound connections: `configured`, or for 0 (auto)
// three quarters of the soft RLIMIT_NOFILE `descriptor_limit` (0 = none
// known), leaving the rest for listeners, outbound connections, DNS and files.
std::uint32_t effective_max_connections(std::uint32_t configured, std::uint64_t descriptor_limit);

// Which worker owns a Call-ID.
std::uint32_t owner_of_call_id(std::string_view call_id, std::uint32_t workers);

class Node {
 public:
  Node(const core::Config& config, core::Log& log, const offload::Device& device, NodeOptions options = {});
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // Starts the workers and binds every listener; throws std::runtime_error
  // (naming the address) if a listener cannot be bound.
  void start();
  // Removes the registration trunks' bindings (waiting up to 2 s for the
  // registrars), then stops the workers and joins them. Idempotent.
  void stop();
  // Reloads TLS certificates, keys, CA sets and CRLs from their files. New
  // handshakes use them; established connections keep theirs. Returns "" on
  // success, else why (and the old set stays in use). Thread-safe.
  std::string reload_tls();
  // Reloads the STIR/SHAKEN signing key, the certificate repository and its
  // trust anchors ([stir]) from their files. Calls after it sign and verify
  // with them; calls in progress keep theirs. "" on success, else why (the
  // file at fault; the old service stays in use). Thread-safe.
  std::string reload_stir();
  bool has_tls() const { return tls_ != nullptr; }
  bool has_stir() const { return stir_ != nullptr; }

  std::uint32_t worker_count() const { return static_cast<std::uint32_t>(workers_.size()); }
  const std::vector<std::unique_ptr<TrunkState>>& trunks() const { return trunks_; }

  // The node's figures. Thread-safe; read while the node runs (the control
  // socket, the metrics endpoint) and after stop() (the summary line). Not
  // from a worker's thread: a read waits for each running worker to publish
  // its call figures on its own loop.
  const core::MetricsRegistry& metrics() const { return metrics_; }
  NodeStatus status() const;

 private:
  struct Worker;
  void run_worker(Worker& w, std::promise<void>& ready);
  void dispatch(Worker& from, sip::Received&& rx);
  void schedule_ping(Worker& w, TrunkState& trunk);
  void make_registrations(Worker& w);
  void make_spans(Worker& w);
  void drop_registrations(Worker& w);
  bool uses_tls() const;
  void register_node_metrics();

  const core::Config& config_;
  core::Log& log_;
  const offload::Device& device_;
  NodeOptions options_;
  std::uint32_t worker_count_;
  core::MetricsRegistry metrics_;  // outlives the workers, so figures stay readable after stop()
  core::Clock::time_point created_;
  std::vector<std::unique_ptr<TrunkState>> trunks_;
  std::unique_ptr<tls::TlsSetHolder> tls_;  // null without TLS
  std::unique_ptr<stir::StirServiceHolder> stir_;  // null without [stir]; read by every worker
  sip::HandshakeLimiter handshake_limiter_;  // node-wide, shared by the workers
  sip::ConnectionLimits connection_limits_;  // node-wide, shared by the workers
  // Requests per second from each source that is no trunk ([node]
  // unknown-source-rate): the same per-IP token bucket, node-wide.
  sip::HandshakeLimiter unknown_source_limiter_;
  std::vector<std::unique_ptr<Worker>> workers_;
  // Worker 0's registration clients (register = on trunks), by trunk name;
  // the mutex lets status() read them while worker 0 tears them down.
  mutable std::mutex registrations_mutex_;
  std::map<std::string, Registration*> registrations_;
  bool started_ = false;
  bool running_ = false;  // every worker's loop runs: stop() un-REGISTERs first
};

}  // namespace sipnic::interwork
