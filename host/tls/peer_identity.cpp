// RFC 5922 identity extraction on OpenSSL's GENERAL_NAME view of the
// certificate. Names are taken only from certificates OpenSSL has already
// verified; this file never decides trust, only which domain a trusted
// certificate speaks for.
#include "tls/peer_identity.h"

#include <openssl/asn1.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <memory>

#include "core/ascii.h"
#include "core/ossl_ptr.h"

namespace sipnic::tls {
namespace {


// An IA5String/UTF8String as text, or nullopt if it has an embedded NUL
// (a classic certificate-name spoof: "good.example\0.evil.example").
std::optional<std::string> asn1_text(const ASN1_STRING* s) {
  if (s == nullptr) return std::nullopt;
  const auto* data = reinterpret_cast<const char*>(ASN1_STRING_get0_data(s));
  const auto length = static_cast<std::size_t>(ASN1_STRING_length(s));
  std::string text(data, length);
  if (text.empty() || text.find('\0') != std::string::npos) return std::nullopt;
  return text;
}

// A plausible DNS name for the CN fallback ("a valid DNS name", §7.1 step 2):
// letters, digits, '-', '.', and at least one dot; no spaces, no wildcards.
bool looks_like_dns_name(std::string_view s) {
  if (s.empty() || s.size() > 253 || s.find('.') == std::string_view::npos) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
  });
}

}  // namespace

std::optional<std::string> sip_uri_domain(std::string_view uri) {
  const auto colon = uri.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  if (!core::ascii::iequals(uri.substr(0, colon), "sip")) return std::nullopt;  // schemes are case-insensitive
  std::string_view rest = uri.substr(colon + 1);
  // A userpart identifies a user, not a domain (§7.1).
  if (rest.find('@') != std::string_view::npos) return std::nullopt;
  // hostport, then ;params or ?headers.
  rest = rest.substr(0, rest.find_first_of(";?"));
  std::string_view host;
  if (!rest.empty() && rest.front() == '[') {
    const auto close = rest.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = rest.substr(0, close + 1);
  } else {
    host = rest.substr(0, rest.find(':'));
  }
  if (host.empty()) return std::nullopt;
  return std::string(host);
}

bool identity_equals(std::string_view a, std::string_view b) {
  // Whole-name, case-insensitive; '*' and leading '.' are ordinary
  // characters here, so wildcards only ever match themselves (§7.2).
  return core::ascii::iequals(a, b);
}

PeerIdentities extract_peer_identities(const X509& cert) {
  PeerIdentities ids;
  int critical = 0;
  core::GeneralNamesPtr names(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(&cert, NID_subject_alt_name, &critical, nullptr)));
  // critical == -1: no subjectAltName extension at all (the only case in
  // which the CN may be used); -2: the extension appears twice (malformed:
  // no identities).
  if (critical == -2) return ids;
  if (names) {
    std::vector<std::string> uris, dns;
    for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
      const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
      if (name->type == GEN_URI) {
        if (auto text = asn1_text(name->d.uniformResourceIdentifier)) {
          if (auto domain = sip_uri_domain(*text)) uris.push_back(std::move(*domain));
        }
      } else if (name->type == GEN_DNS) {
        if (auto text = asn1_text(name->d.dNSName)) dns.push_back(std::move(*text));
      }
      // Other types are not SIP domain identities and are ignored (§7.1).
    }
    // dNSName counts "if and only if no other identity is found that matches
    // the sip URI type" (§7.1).
    if (!uris.empty()) {
      ids.source = PeerIdentities::Source::kSipUri;
      ids.domains = std::move(uris);
    } else if (!dns.empty()) {
      ids.source = PeerIdentities::Source::kDnsName;
      ids.domains = std::move(dns);
    }
    return ids;
  }
  if (critical != -1) return ids;  // present but undecodable
  const X509_NAME* subject = X509_get_subject_name(&cert);
  for (int i = -1; (i = X509_NAME_get_index_by_NID(subject, NID_commonName, i)) >= 0;) {
    auto text = asn1_text(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, i)));
    if (text && looks_like_dns_name(*text)) {
      ids.source = PeerIdentities::Source::kCommonName;
      ids.domains.push_back(std::move(*text));
    }
  }
  return ids;
}

std::optional<std::string> match_identity(const PeerIdentities& peer, std::span<const std::string> expected) {
  for (const std::string& domain : peer.domains) {
    for (const std::string& want : expected) {
      if (identity_equals(domain, want)) return domain;
    }
  }
  return std::nullopt;
}

std::string join_identities(std::span<const std::string> names) {
  std::string out;
  for (const std::string& n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out.empty() ? "(none)" : out;
}

}  // namespace sipnic::tls
