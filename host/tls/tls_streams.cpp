#include "tls/tls_streams.h"

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <algorithm>

#include "core/ossl_ptr.h"
#include "tls/peer_identity.h"
#include "tls/tls_session.h"

namespace sipnic::tls {

namespace {

// A trunk's own trust store (its CAs and CRL), for the check after the peer's
// identity picked the trunk.
std::shared_ptr<X509_STORE> make_store(const std::string& ca, const std::string& crl) {
  std::shared_ptr<X509_STORE> store(X509_STORE_new(), core::OsslFree<&X509_STORE_free>{});
  if (!store) throw TlsContextError("cannot allocate a trust store");
  if (X509_STORE_load_file(store.get(), ca.c_str()) != 1) {
    throw TlsContextError("cannot load trust anchors from " + ca + ": " + drain_openssl_errors());
  }
  if (!crl.empty()) {
    X509_LOOKUP* lookup = X509_STORE_add_lookup(store.get(), X509_LOOKUP_file());
    if (lookup == nullptr || X509_load_crl_file(lookup, crl.c_str(), X509_FILETYPE_PEM) <= 0) {
      throw TlsContextError("cannot load CRL file " + crl + ": " + drain_openssl_errors());
    }
    X509_STORE_set_flags(store.get(), X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
  }
  return store;
}

}  // namespace

std::shared_ptr<const TrunkTlsSet> TrunkTlsSet::build(const core::Config& config,
                                                      const std::filesystem::path& nss_keylog) {
  auto set = std::make_shared<TrunkTlsSet>();
  const core::TlsConfig& tls = config.tls;
  set->min_version_ = tls.min_version == "1.3" ? TLS1_3_VERSION : TLS1_2_VERSION;
  set->max_version_ = tls.max_version == "1.2" ? TLS1_2_VERSION : TLS1_3_VERSION;
  std::vector<std::filesystem::path> trunk_cas;
  for (const auto& t : config.trunks) {
    if (t.transport != core::Transport::kTls) continue;
    Trunk trunk;
    trunk.name = t.name;
    trunk.identities = t.tls_identities;
    TlsContextConfig c;
    c.cert_chain_file = t.tls_certificate.empty() ? tls.certificate : t.tls_certificate;
    c.key_file = t.tls_private_key.empty() ? tls.private_key : t.tls_private_key;
    c.ca_file = t.tls_ca.empty() ? tls.ca : t.tls_ca;
    c.crl_file = t.tls_crl.empty() ? tls.crl : t.tls_crl;
    c.min_version = set->min_version_;
    c.max_version = set->max_version_;
    c.nss_keylog_file = nss_keylog;
    try {
      trunk.client = std::make_shared<const TlsContext>(c);
    } catch (const TlsContextError& e) {
      throw TlsContextError("trunk " + t.name + ": " + e.what());
    }
    trunk.store = make_store(c.ca_file.string(), c.crl_file.string());
    trunk.crl = !c.crl_file.empty();
    if (!t.tls_ca.empty() && t.tls_ca != tls.ca &&
        std::find(trunk_cas.begin(), trunk_cas.end(), t.tls_ca) == trunk_cas.end())
      trunk_cas.emplace_back(t.tls_ca);
    set->trunks_.push_back(std::move(trunk));
  }
  if (tls.configured()) {
    TlsContextConfig c;
    c.cert_chain_file = tls.certificate;
    c.key_file = tls.private_key;
    c.ca_file = tls.ca;
    c.extra_ca_files = trunk_cas;
    // Only the node-wide CRL here: a trunk's own CRL is checked with its own
    // store once the trunk is known (CRL_CHECK_ALL wants a CRL from every CA).
    c.crl_file = tls.crl;
    c.min_version = set->min_version_;
    c.max_version = set->max_version_;
    c.nss_keylog_file = nss_keylog;
    try {
      set->server_ = std::make_shared<const TlsContext>(c);
    } catch (const TlsContextError& e) {
      throw TlsContextError(std::string("[tls]: ") + e.what());
    }
  }
  return set;
}

const TrunkTlsSet::Trunk* TrunkTlsSet::find(std::string_view name) const {
  for (const auto& t : trunks_)
    if (t.name == name) return &t;
  return nullptr;
}

const TrunkTlsSet::Trunk* TrunkTlsSet::match(const PeerIdentities& peer) const {
  for (const auto& t : trunks_)
    if (match_identity(peer, t.identities)) return &t;
  return nullptr;
}

// ---- one connection ------------------------------------------------------------

class TlsStream final : public sip::SecureStream {
 public:
  // Server side: the trunk is found from the peer's certificate.
  TlsStream(TlsStreams& owner, std::shared_ptr<const TrunkTlsSet> set) : owner_(owner), set_(std::move(set)) {
    ++owner_.live_;
    if (!set_->server()) {
      fail_early("TLS is not configured ([tls] certificate)");
      return;
    }
    SessionOptions o;
    o.role = Role::kServer;
    o.record = owner_.options_.record;
    o.peer_policy = [this](const PeerIdentities& ids, X509_STORE_CTX* ctx) { return select_trunk(ids, ctx); };
    session_ = std::make_unique<TlsSession>(set_->server(), owner_.slots_, std::move(o));
  }

  // Client side: the trunk is known; its peer must prove one of its names.
  TlsStream(TlsStreams& owner, std::shared_ptr<const TrunkTlsSet> set, std::string_view trunk)
      : owner_(owner), set_(std::move(set)) {
    ++owner_.live_;
    const TrunkTlsSet::Trunk* t = trunk.empty() ? nullptr : set_->find(trunk);
    if (!t) {
      fail_early(trunk.empty() ? "a TLS connection needs a TLS trunk" : "no TLS trunk named '" + std::string(trunk) + "'");
      return;
    }
    trunk_ = t->name;
    SessionOptions o;
    o.role = Role::kClient;
    o.record = owner_.options_.record;
    o.expected_peer_identities = t->identities;
    o.server_name = t->identities.front();
    session_ = std::make_unique<TlsSession>(t->client, owner_.slots_, std::move(o));
    owner_.mark(this);  // the ClientHello waits to be written
  }

  ~TlsStream() override {
    owner_.forget(this);
    --owner_.live_;
  }

  void on_received(std::string_view raw) override {
    if (!session_) return;
    session_->feed({reinterpret_cast<const std::uint8_t*>(raw.data()), raw.size()});
    owner_.mark(this);
  }

  std::span<char> receive_space(std::size_t n) override {
    if (!session_) {
      discard_.resize(n);  // a failed stream drops what still arrives
      return discard_;
    }
    const auto space = session_->input_space(n);
    return {reinterpret_cast<char*>(space.data()), space.size()};
  }

  void commit_received(std::size_t k) override {
    if (!session_) {
      std::vector<char>().swap(discard_);
      return;
    }
    session_->commit_input(k);
    if (k > 0) owner_.mark(this);
  }

  void send(std::string_view plain) override {
    if (!session_) return;
    queued_.append(plain);
    owner_.mark(this);
  }

  std::size_t pending_bytes() const override {
    if (!session_) return 0;
    const RecordLayer* r = session_->records();
    return queued_.size() + (r ? r->unsent_bytes() : 0);
  }

  void take_plaintext(std::string& out) override {
    out += plain_;
    plain_.clear();
  }

  void take_output(std::string& out) override {
    if (!session_) return;
    auto bytes = session_->take();
    out.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  }

  State state() const override {
    if (!session_) return State::kFailed;
    switch (session_->state()) {
      case SessionState::kHandshaking: return State::kHandshaking;
      case SessionState::kFailed: return State::kFailed;
      case SessionState::kEstablished: break;
    }
    const RecordLayer* r = session_->records();
    if (r->state() != RecordState::kClosed) return State::kOpen;
    const auto& info = r->close_info();
    return info && !info->graceful && (info->alert_sent || info->alert_received) &&
                   info->alert != alert::kCloseNotify
               ? State::kFailed
               : State::kClosing;
  }

  std::string reason() const override {
    if (!early_failure_.empty()) return early_failure_;
    if (!session_) return {};
    if (session_->state() == SessionState::kFailed) return session_->failure_reason();
    if (const RecordLayer* r = session_->records(); r && r->close_info()) return r->close_info()->reason;
    return {};
  }

  sip::SecureFailure failure() const override {
    if (state() != State::kFailed) return sip::SecureFailure::kNone;
    if (!session_) return sip::SecureFailure::kLocal;  // failed before a session existed
    if (session_->state() == SessionState::kFailed) return session_->failure();
    return sip::SecureFailure::kRecord;  // a fatal alert after the handshake
  }

  std::string trunk() const override { return state() == State::kOpen ? trunk_ : std::string(); }

  void close() override {
    if (session_ && session_->records()) {
      session_->records()->close();
      owner_.mark(this);
    }
  }

  // Called by the owner before the batch: plaintext queued during the
  // handshake goes to the record layer. Returns the member to batch, if any.
  std::optional<BatchMember> prepare() {
    if (!session_ || session_->state() != SessionState::kEstablished) return std::nullopt;
    RecordLayer* r = session_->records();
    if (!queued_.empty()) {
      r->send(queued_);
      queued_.clear();
    }
    if (!r->wants_open() && !r->wants_seal()) return std::nullopt;
    return BatchMember{r, &plain_};
  }

  bool marked = false;

 private:
  void fail_early(std::string why) { early_failure_ = std::move(why); }

  // Server: the peer's identities pick the trunk; its chain must also verify
  // against that trunk's own CAs (and CRL).
  std::optional<PeerRefusal> select_trunk(const PeerIdentities& ids, X509_STORE_CTX* ctx) {
    const TrunkTlsSet::Trunk* t = set_->match(ids);
    if (!t)
      return PeerRefusal{sip::SecureFailure::kNoTrunk,
                         "it matches no TLS trunk (no trunk lists one of its names as tls-identity)"};
    X509* leaf = X509_STORE_CTX_get_current_cert(ctx);
    // What the peer sent, untrusted: the trunk's own store supplies the anchors.
    STACK_OF(X509)* chain = X509_STORE_CTX_get0_untrusted(ctx);
    core::X509StoreCtxPtr check(X509_STORE_CTX_new());
    if (!check || X509_STORE_CTX_init(check.get(), t->store.get(), leaf, chain) != 1)
      return PeerRefusal{sip::SecureFailure::kLocal, "cannot check it against trunk '" + t->name + "': out of memory"};
    if (X509_verify_cert(check.get()) != 1) {
      int err = X509_STORE_CTX_get_error(check.get());
      ERR_clear_error();
      return PeerRefusal{failure_of_verify_error(err), "it does not verify against the CAs" +
                                                           std::string(t->crl ? " and CRL" : "") + " of trunk '" +
                                                           t->name + "': " + X509_verify_cert_error_string(err)};
    }
    trunk_ = t->name;
    return std::nullopt;
  }

  TlsStreams& owner_;
  std::shared_ptr<const TrunkTlsSet> set_;  // keeps the contexts alive
  std::unique_ptr<TlsSession> session_;
  std::string trunk_;
  std::string queued_;  // SIP bytes sent before the handshake finished
  std::string plain_;   // SIP bytes opened, for take_plaintext
  std::vector<char> discard_;  // receive_space of a stream without a session
  std::string early_failure_;
};

// ---- the per-worker factory -----------------------------------------------------------

TlsStreams::TlsStreams(const TlsSetHolder& holder, offload::GcmEngine& engine, core::Log& log,
                       core::MetricsRegistry& metrics, std::uint32_t worker, TlsStreamsOptions options)
    : holder_(holder),
      engine_(engine),
      log_(log),
      options_(options),
      slots_(engine),
      batch_connections_(metrics.histogram({std::string(metric::kRecordBatchConnections),
                                            "TLS connections whose records went through one GcmEngine batch",
                                            core::MetricType::kHistogram,
                                            core::kBatchSizeBuckets},
                                           {}, worker)) {}

TlsStreams::~TlsStreams() { scratch_.wipe(); }

std::unique_ptr<sip::SecureStream> TlsStreams::accept(const core::SocketAddress&, const core::SocketAddress&) {
  return std::make_unique<TlsStream>(*this, holder_.current());
}

std::unique_ptr<sip::SecureStream> TlsStreams::connect(const core::SocketAddress&, std::string_view trunk) {
  return std::make_unique<TlsStream>(*this, holder_.current(), trunk);
}

void TlsStreams::mark(TlsStream* s) {
  if (s->marked) return;
  s->marked = true;
  dirty_.push_back(s);
}

void TlsStreams::forget(TlsStream* s) {
  if (!s->marked) return;
  dirty_.erase(std::remove(dirty_.begin(), dirty_.end(), s), dirty_.end());
}

void TlsStreams::run_batch() {
  if (dirty_.empty()) return;
  std::vector<BatchMember> members;
  members.reserve(dirty_.size());
  for (TlsStream* s : dirty_) {
    s->marked = false;
    if (auto m = s->prepare()) members.push_back(*m);
  }
  dirty_.clear();
  // run_batched wipes what held plaintext (opened records) before it returns.
  if (members.empty()) return;
  batch_connections_.observe(static_cast<double>(members.size()));
  run_batched(engine_, members, scratch_);
}

}  // namespace sipnic::tls
