// Node: the running sipnic. One worker thread per core (or as configured),
// each with its own event loop, parse engine, transports, transaction layer,
// resolver and B2BUA. Every message is handled by the worker that owns its
// Call-ID (a hash of it); a worker that receives a message it does not own
// posts it to the owner's loop, so a call's state is only ever touched by one
// thread and the message path takes no global lock.
#pragma once

#include <atomic>
#include <filesystem>
#include <future>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/log.h"
#include "interwork/b2bua.h"
#include "interwork/trunk_state.h"
#include "offload/device.h"
#include "sip/transport.h"
#include "tls/tls_streams.h"

namespace sipnic::interwork {

struct NodeOptions {
  std::vector<std::string> dns_servers;  // "IP:port"; empty = system resolver
  // Opt-in NSS key log file for debugging TLS with Wireshark ("" = off).
  std::filesystem::path tls_keylog;
  // GcmEngine key-table slots per worker (two per TLS connection).
  std::uint32_t gcm_key_slots = 65536;
};

struct NodeStats {
  sip::TransportStats transport;
  sip::TransactionStats transactions;
  B2buaStats calls;
};

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
  // Stops the workers and joins them. Idempotent.
  void stop();
  // Reloads TLS certificates, keys, CA sets and CRLs from their files. New
  // handshakes use them; established connections keep theirs. Returns "" on
  // success, else why (and the old set stays in use). Thread-safe.
  std::string reload_tls();

  std::uint32_t worker_count() const { return static_cast<std::uint32_t>(workers_.size()); }
  // Sums the workers' counters as they were when the workers stopped: call after stop().
  NodeStats stats() const;
  const std::vector<std::unique_ptr<TrunkState>>& trunks() const { return trunks_; }

 private:
  struct Worker;
  void run_worker(Worker& w, std::promise<void>& ready);
  void dispatch(Worker& from, sip::Received&& rx);
  void schedule_ping(Worker& w, TrunkState& trunk);
  bool uses_tls() const;

  const core::Config& config_;
  core::Log& log_;
  const offload::Device& device_;
  NodeOptions options_;
  std::vector<std::unique_ptr<TrunkState>> trunks_;
  std::unique_ptr<tls::TlsSetHolder> tls_;  // null without TLS
  sip::HandshakeLimiter handshake_limiter_;  // node-wide, shared by the workers
  // Requests per second from each source that is no trunk ([node]
  // unknown-source-rate): the same per-IP token bucket, node-wide.
  sip::HandshakeLimiter unknown_source_limiter_;
  std::vector<std::unique_ptr<Worker>> workers_;
  bool started_ = false;
};

}  // namespace sipnic::interwork
