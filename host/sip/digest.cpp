#include "sip/digest.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <charconv>
#include <cstdio>
#include <stdexcept>

#include "sip/header_values.h"
#include "sip/response_builder.h"

namespace sipnic::sip {

namespace {

// One scheme of an auth header value with its auth-params, values unquoted.
struct AuthItem {
  std::string scheme;
  std::vector<std::pair<std::string, std::string>> params;
  bool bad = false;  // a param did not parse: the item is skipped
  const std::string* get(std::string_view name) const {
    for (const auto& [n, v] : params)
      if (iequals(n, name)) return &v;
    return nullptr;
  }
};

bool is_lws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

class AuthTokenizer {
 public:
  explicit AuthTokenizer(std::string_view s) : s_(s) {}

  // RFC 7235 §4.1 challenge / credentials lists: scheme 1*SP auth-param
  // *("," auth-param), and several of those separated by commas. A token not
  // followed by "=" starts the next scheme.
  std::vector<AuthItem> items() {
    std::vector<AuthItem> out;
    for (;;) {
      skip_separators();
      if (p_ >= s_.size()) break;
      std::string_view scheme = token();
      if (scheme.empty()) {  // garbage where a scheme should start: skip an element
        skip_to_comma();
        continue;
      }
      AuthItem item{std::string(scheme), {}, false};
      for (;;) {
        skip_separators();
        std::size_t mark = p_;
        std::string_view name = token();
        if (name.empty()) {
          if (p_ >= s_.size()) break;
          item.bad = true;
          skip_to_comma();
          continue;
        }
        skip_lws();
        if (p_ >= s_.size() || s_[p_] != '=') {  // the next scheme
          p_ = mark;
          break;
        }
        ++p_;
        skip_lws();
        std::optional<std::string> value = param_value();
        if (!value) {
          item.bad = true;
          skip_to_comma();
          continue;
        }
        item.params.emplace_back(std::string(name), std::move(*value));
        skip_lws();
        if (p_ < s_.size() && s_[p_] != ',') {  // e.g. token68 ("Basic abc==="): not ours
          item.bad = true;
          skip_to_comma();
        }
      }
      out.push_back(std::move(item));
    }
    return out;
  }

 private:
  void skip_lws() {
    while (p_ < s_.size() && is_lws(s_[p_])) ++p_;
  }
  void skip_separators() {
    while (p_ < s_.size() && (is_lws(s_[p_]) || s_[p_] == ',')) ++p_;
  }
  void skip_to_comma() {
    bool quoted = false;
    for (; p_ < s_.size(); ++p_) {
      char c = s_[p_];
      if (quoted && c == '\\') ++p_;
      else if (c == '"') quoted = !quoted;
      else if (!quoted && c == ',') return;
    }
  }
  std::string_view token() {
    std::size_t b = p_;
    while (p_ < s_.size() && is_token_char(s_[p_])) ++p_;
    return s_.substr(b, p_ - b);
  }
  std::optional<std::string> param_value() {
    if (p_ < s_.size() && s_[p_] == '"') {
      std::size_t b = p_++;
      for (; p_ < s_.size(); ++p_) {
        if (s_[p_] == '\\') {
          ++p_;
        } else if (s_[p_] == '"') {
          ++p_;
          Decoded<std::string> u = unquote(s_.substr(b, p_ - b));
          if (!u) return std::nullopt;
          return std::move(u.value);
        }
      }
      return std::nullopt;  // unterminated
    }
    std::string_view t = token();
    if (t.empty()) return std::nullopt;
    return std::string(t);
  }

  std::string_view s_;
  std::size_t p_ = 0;
};

const EVP_MD* md_of(DigestAlgorithm a) {
  return a == DigestAlgorithm::kSha256 || a == DigestAlgorithm::kSha256Sess ? EVP_sha256() : EVP_md5();
}
bool is_sess(DigestAlgorithm a) { return a == DigestAlgorithm::kMd5Sess || a == DigestAlgorithm::kSha256Sess; }

std::string to_hex(const unsigned char* p, std::size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = kHex[p[i] >> 4];
    out[2 * i + 1] = kHex[p[i] & 15];
  }
  return out;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool offers_auth(std::string_view qop_list) {
  CommaValues values(qop_list);
  while (auto v = values.next())
    if (iequals(*v, "auth")) return true;
  return false;
}

}  // namespace

std::string_view digest_algorithm_name(DigestAlgorithm a) {
  switch (a) {
    case DigestAlgorithm::kMd5: return "MD5";
    case DigestAlgorithm::kMd5Sess: return "MD5-sess";
    case DigestAlgorithm::kSha256: return "SHA-256";
    case DigestAlgorithm::kSha256Sess: return "SHA-256-sess";
  }
  return "MD5";
}

std::optional<DigestAlgorithm> parse_digest_algorithm(std::string_view s) {
  for (auto a : {DigestAlgorithm::kMd5, DigestAlgorithm::kMd5Sess, DigestAlgorithm::kSha256,
                 DigestAlgorithm::kSha256Sess})
    if (iequals(s, digest_algorithm_name(a))) return a;
  return std::nullopt;
}

std::vector<DigestChallenge> parse_digest_challenges(std::string_view value) {
  std::vector<DigestChallenge> out;
  for (const AuthItem& item : AuthTokenizer(value).items()) {
    if (item.bad || !iequals(item.scheme, "Digest")) continue;
    const std::string* realm = item.get("realm");
    const std::string* nonce = item.get("nonce");
    if (!realm || !nonce || nonce->empty()) continue;
    DigestChallenge c;
    c.realm = *realm;
    c.nonce = *nonce;
    if (const std::string* a = item.get("algorithm")) {
      auto alg = parse_digest_algorithm(*a);
      if (!alg) continue;
      c.algorithm = *alg;
    }
    if (const std::string* q = item.get("qop")) {
      c.qop_auth = offers_auth(*q);
      if (!c.qop_auth) continue;  // only auth-int (or unknown) offered
    }
    if (const std::string* o = item.get("opaque")) {
      c.opaque = *o;
      c.has_opaque = true;
    }
    if (const std::string* st = item.get("stale")) c.stale = iequals(*st, "true");
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<DigestChallenge> digest_challenges_of(const SipMessage& response) {
  MessageView v = response.view();
  offload::HeaderId id =
      response.status() == 407 ? offload::HeaderId::kProxyAuthenticate : offload::HeaderId::kWwwAuthenticate;
  std::vector<DigestChallenge> out;
  for (const auto& h : v.all(id)) {
    auto more = parse_digest_challenges(v.value(h));
    out.insert(out.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
  }
  return out;
}

const DigestChallenge* pick_digest_challenge(std::span<const DigestChallenge> challenges, std::string_view realm) {
  const DigestChallenge* md5 = nullptr;
  for (const auto& c : challenges) {
    if (!realm.empty() && c.realm != realm) continue;
    if (c.algorithm == DigestAlgorithm::kSha256 || c.algorithm == DigestAlgorithm::kSha256Sess) return &c;
    if (!md5) md5 = &c;
  }
  return md5;
}

std::string digest_hash_hex(DigestAlgorithm a, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out, &len, md_of(a), nullptr) != 1) return {};
  return to_hex(out, len);
}

std::string digest_nc(std::uint32_t nc) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", nc);
  return buf;
}

std::string digest_ha1(const DigestInputs& in) {
  std::string a1;
  a1.reserve(in.username.size() + in.realm.size() + in.password.size() + 2);
  a1.append(in.username).append(":").append(in.realm).append(":").append(in.password);
  std::string ha1 = digest_hash_hex(in.algorithm, a1);
  // Wipe the copy of the password (RFC 7616 §3.4.2 A1 holds it).
  OPENSSL_cleanse(a1.data(), a1.size());
  if (is_sess(in.algorithm))
    ha1 = digest_hash_hex(in.algorithm, ha1 + ":" + std::string(in.nonce) + ":" + std::string(in.cnonce));
  return ha1;
}

std::string digest_response(const DigestInputs& in) {
  std::string ha2 = digest_hash_hex(in.algorithm, std::string(in.method) + ":" + std::string(in.uri));
  std::string kd = digest_ha1(in) + ":" + std::string(in.nonce) + ":";
  if (in.qop_auth) kd += digest_nc(in.nc) + ":" + std::string(in.cnonce) + ":auth:";
  kd += ha2;
  std::string r = digest_hash_hex(in.algorithm, kd);
  OPENSSL_cleanse(kd.data(), kd.size());
  return r;
}

// ------------------------------------------------------------------ client

DigestAuthorization DigestClient::build(RealmState& st, std::string_view method, std::string_view uri,
                                        std::string_view cnonce) {
  const DigestChallenge& c = st.challenge;
  ++st.nc;
  DigestInputs in{c.algorithm, creds_.username, c.realm, creds_.password, method, uri, c.nonce,
                  cnonce,      st.nc,           c.qop_auth};
  std::string v = "Digest username=" + quoted(creds_.username) + ", realm=" + quoted(c.realm) +
                  ", nonce=" + quoted(c.nonce) + ", uri=" + quoted(uri) + ", response=\"" +
                  digest_response(in) + "\", algorithm=" + std::string(digest_algorithm_name(c.algorithm));
  if (c.qop_auth || is_sess(c.algorithm)) v += ", cnonce=" + quoted(cnonce);
  if (c.has_opaque) v += ", opaque=" + quoted(c.opaque);
  if (c.qop_auth) v += ", qop=auth, nc=" + digest_nc(st.nc);
  return {st.header, std::move(v), c.realm, c.nonce};
}

std::optional<DigestAuthorization> DigestClient::answer(const SipMessage& response, std::string_view method,
                                                        std::string_view uri, std::string_view cnonce,
                                                        const DigestAuthorization* sent) {
  int status = response.status();
  if (status != 401 && status != 407) return std::nullopt;
  std::vector<DigestChallenge> all = digest_challenges_of(response);
  const DigestChallenge* c = pick_digest_challenge(all, creds_.realm);
  if (!c) return std::nullopt;
  if (sent && sent->realm == c->realm) {
    if (sent->nonce == c->nonce) return std::nullopt;  // our answer to this very nonce was refused
    if (!c->stale && !sent->preemptive) return std::nullopt;  // refused: a new nonce, not stale
  }
  RealmState& st = realms_[c->realm];
  st.challenge = *c;
  st.header = status == 407 ? "Proxy-Authorization" : "Authorization";
  st.nc = 0;
  last_realm_ = c->realm;
  return build(st, method, uri, cnonce);
}

std::optional<DigestAuthorization> DigestClient::authorize(std::string_view method, std::string_view uri,
                                                           std::string_view cnonce) {
  auto it = realms_.find(last_realm_);
  if (it == realms_.end()) return std::nullopt;
  DigestAuthorization a = build(it->second, method, uri, cnonce);
  a.preemptive = true;
  return a;
}

// ------------------------------------------------------------------ server

DigestServer::DigestServer(Options options, std::array<std::uint8_t, 32> key)
    : opt_(std::move(options)), key_(key) {}

std::string DigestServer::make_nonce(std::uint64_t ticks) const {
  char t[17];
  std::snprintf(t, sizeof t, "%016llx", static_cast<unsigned long long>(ticks));
  std::string data = std::string(t) + ":" + opt_.realm;
  unsigned char mac[32];
  std::size_t len = 0;
  if (!EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key_.data(), key_.size(),
                 reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, sizeof mac, &len))
    return {};
  return std::string(t) + "." + to_hex(mac, len);
}

std::optional<std::uint64_t> DigestServer::nonce_time(std::string_view nonce) const {
  if (nonce.size() < 17 || nonce[16] != '.') return std::nullopt;
  std::uint64_t ticks = 0;
  auto [end, ec] = std::from_chars(nonce.data(), nonce.data() + 16, ticks, 16);
  if (ec != std::errc() || end != nonce.data() + 16) return std::nullopt;
  std::string expect = make_nonce(ticks);
  if (expect.empty() || !constant_time_equal(expect, nonce)) return std::nullopt;
  return ticks;
}

std::string DigestServer::challenge_headers(core::Clock::time_point now, bool stale) const {
  auto ticks = static_cast<std::uint64_t>(std::chrono::duration_cast<core::Millis>(now.time_since_epoch()).count());
  std::string nonce = make_nonce(ticks);
  std::string out;
  for (auto a : {DigestAlgorithm::kSha256, DigestAlgorithm::kMd5}) {
    out += "WWW-Authenticate: Digest realm=" + quoted(opt_.realm) + ", nonce=\"" + nonce +
           "\", algorithm=" + std::string(digest_algorithm_name(a)) + ", qop=\"auth\"";
    if (stale) out += ", stale=true";
    out += "\r\n";
  }
  return out;
}

std::string DigestServer::challenge_response(const SipMessage& request, core::Clock::time_point now, bool stale,
                                             std::string_view to_tag) const {
  std::string headers = challenge_headers(now, stale);
  return build_response(request, 401, {}, ResponseExtras{.to_tag = to_tag, .headers = headers});
}

std::array<std::uint8_t, 32> DigestServer::random_key() {
  std::array<std::uint8_t, 32> key{};
  if (RAND_bytes(key.data(), static_cast<int>(key.size())) != 1) throw std::runtime_error("RAND_bytes failed");
  return key;
}

DigestServer::Verdict DigestServer::verify(const SipMessage& request, core::Clock::time_point now) {
  MessageView v = request.view();
  const AuthItem* mine = nullptr;
  std::vector<AuthItem> items;
  for (const auto& h : v.all(offload::HeaderId::kAuthorization)) {
    auto more = AuthTokenizer(v.value(h)).items();
    items.insert(items.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
  }
  for (const auto& item : items) {
    const std::string* realm = item.get("realm");
    if (!item.bad && iequals(item.scheme, "Digest") && realm && *realm == opt_.realm) {
      mine = &item;
      break;
    }
  }
  if (!mine) return Verdict::kMissing;

  auto field = [&](std::string_view name) -> std::string_view {
    const std::string* s = mine->get(name);
    return s ? std::string_view(*s) : std::string_view();
  };
  DigestAlgorithm alg = DigestAlgorithm::kMd5;
  if (mine->get("algorithm")) {
    auto a = parse_digest_algorithm(field("algorithm"));
    if (!a || (*a != DigestAlgorithm::kMd5 && *a != DigestAlgorithm::kSha256)) return Verdict::kRejected;
    alg = *a;
  }
  std::string_view nc_text = field("nc");
  std::uint32_t nc = 0;
  auto [end, ec] = std::from_chars(nc_text.data(), nc_text.data() + nc_text.size(), nc, 16);
  if (!iequals(field("qop"), "auth") || nc_text.size() != 8 || ec != std::errc() ||
      end != nc_text.data() + nc_text.size() || nc == 0 || field("cnonce").empty())
    return Verdict::kRejected;
  if (field("username") != opt_.username || field("uri") != request.uri()) return Verdict::kRejected;

  std::string_view nonce = field("nonce");
  DigestInputs in{alg, opt_.username, opt_.realm, opt_.password, request.method(), field("uri"), nonce,
                  field("cnonce"), nc, true};
  if (!constant_time_equal(digest_response(in), field("response"))) return Verdict::kRejected;

  // The password was right: a nonce we cannot vouch for is only stale
  // (RFC 7616 §3.3), e.g. one issued before this node restarted.
  std::optional<std::uint64_t> issued = nonce_time(nonce);
  auto now_ticks = static_cast<std::uint64_t>(std::chrono::duration_cast<core::Millis>(now.time_since_epoch()).count());
  if (!issued || *issued > now_ticks ||
      now_ticks - *issued > static_cast<std::uint64_t>(opt_.nonce_lifetime.count()))
    return Verdict::kStale;

  auto it = seen_.find(std::string(nonce));
  if (it != seen_.end()) {
    if (nc <= it->second.first) return Verdict::kRejected;  // replayed or reordered nc
    it->second.first = nc;
    return Verdict::kOk;
  }
  for (auto e = seen_.begin(); e != seen_.end();) e = e->second.second <= now ? seen_.erase(e) : std::next(e);
  if (seen_.size() >= opt_.max_tracked_nonces) return Verdict::kStale;  // cannot track it: a new nonce
  auto expiry = core::Clock::time_point(core::Millis(*issued)) + opt_.nonce_lifetime;
  seen_.emplace(std::string(nonce), std::pair{std::uint64_t{nc}, expiry});
  return Verdict::kOk;
}

}  // namespace sipnic::sip
