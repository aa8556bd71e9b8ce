// TLS under the SIP stream transports: sipnic's implementation of the
// sip::SecureStreamFactory seam.
//
//  - TrunkTlsSet: the TLS contexts of a node, built from the config: one
//    server context (the node's certificate, trusting every TLS trunk's CAs)
//    and one client context per TLS trunk (the certificate sipnic presents to
//    that trunk, the trunk's CAs). Immutable; a reload builds a new set.
//  - TlsSetHolder: the current set, shared by all workers; replaced whole on
//    reload (connections keep the contexts they were made with).
//  - TlsStreams: one per worker. Makes a TlsSession per connection and runs
//    the record crypto of all its connections in one GcmEngine batch per
//    event-loop turn.
//
// Inbound trunk selection (RFC 5922): the peer's certificate identities pick
// the trunk whose tls-identity they match; the chain must then also verify
// against that trunk's own CA set (and CRL). A certificate that matches no
// trunk, or does not chain to the trunk's CAs, fails the handshake with a
// reason naming its subject.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/reloadable.h"
#include "offload/gcm_engine.h"
#include "sip/secure_stream.h"
#include "tls/peer_identity.h"
#include "tls/record_layer.h"
#include "tls/tls_context.h"

namespace sipnic::tls {

class TrunkTlsSet {
 public:
  struct Trunk {
    std::string name;
    std::vector<std::string> identities;
    std::shared_ptr<const TlsContext> client;  // what we present to it, what we trust
    std::shared_ptr<X509_STORE> store;         // its CAs (+ CRL) for inbound checks
    bool crl = false;
  };

  // Builds every context; throws TlsContextError naming the file at fault.
  // `nss_keylog` (opt-in, debugging) is written by every context.
  static std::shared_ptr<const TrunkTlsSet> build(const core::Config& config,
                                                  const std::filesystem::path& nss_keylog = {});

  const std::shared_ptr<const TlsContext>& server() const { return server_; }
  const Trunk* find(std::string_view name) const;
  // The trunk whose tls-identity one of `peer`'s identities matches.
  const Trunk* match(const PeerIdentities& peer) const;
  int min_version() const { return min_version_; }
  int max_version() const { return max_version_; }

 private:
  std::shared_ptr<const TlsContext> server_;  // null without [tls] certificate
  std::vector<Trunk> trunks_;
  int min_version_ = 0;
  int max_version_ = 0;
};

// The node's current TLS set; thread-safe. A handshake takes the set once.
using TlsSetHolder = core::Reloadable<TrunkTlsSet>;

struct TlsStreamsOptions {
  RecordLayerOptions record;
};

namespace metric {
inline constexpr std::string_view kRecordBatchConnections = "sipnic_tls_record_batch_connections";
}  // namespace metric

class TlsStream;

class TlsStreams final : public sip::SecureStreamFactory {
 public:
  // Registers its figures in `metrics` as writer `worker`.
  TlsStreams(const TlsSetHolder& holder, offload::GcmEngine& engine, core::Log& log, core::MetricsRegistry& metrics,
             std::uint32_t worker, TlsStreamsOptions options = {});
  ~TlsStreams() override;

  std::unique_ptr<sip::SecureStream> accept(const core::SocketAddress& local,
                                            const core::SocketAddress& peer) override;
  std::unique_ptr<sip::SecureStream> connect(const core::SocketAddress& peer, std::string_view trunk) override;
  void run_batch() override;

  std::size_t live_streams() const { return live_; }

 private:
  friend class TlsStream;
  void mark(TlsStream* s);
  void forget(TlsStream* s);

  const TlsSetHolder& holder_;
  offload::GcmEngine& engine_;
  core::Log& log_;
  TlsStreamsOptions options_;
  KeySlotPool slots_;
  GcmBatch scratch_;
  std::vector<TlsStream*> dirty_;
  std::size_t live_ = 0;
  core::Histogram batch_connections_;  // connections with record work per GcmEngine batch
};

}  // namespace sipnic::tls
