// SIP domain identities of a TLS peer (RFC 5922 §7.1) and matching them
// against the identities a trunk expects (RFC 5922 §7.2).
//
// Extraction (§7.1): subjectAltName URI entries with scheme "sip" and no
// userpart give their host; only if there are none, the dNSName entries do;
// only if the certificate has no subjectAltName extension at all, the
// subject CN does (a backward-compatibility allowance). "sips:" URIs are not
// identities: §7.1 accepts the "sip" scheme only.
// Matching (§7.2): whole DNS names, case-insensitive (RFC 4343), no suffix
// match and no wildcards ("*.example.com" matches only itself).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/x509.h>

namespace sipnic::tls {

struct PeerIdentities {
  enum class Source { kNone, kSipUri, kDnsName, kCommonName };
  Source source = Source::kNone;
  std::vector<std::string> domains;  // the SIP domain identities, as in the certificate
};

// The SIP domain identities of `cert` per RFC 5922 §7.1 (empty if none).
PeerIdentities extract_peer_identities(const X509& cert);

// The host part of a subjectAltName URI if it is a SIP domain identity
// ("sip:example.com;transport=tls" -> "example.com"), else nullopt
// ("sips:...", "sip:alice@example.com", other schemes, empty host).
std::optional<std::string> sip_uri_domain(std::string_view uri);

// RFC 5922 §7.2 comparison of two SIP domain identities.
bool identity_equals(std::string_view a, std::string_view b);

// The first of the peer's identities that equals one of `expected`, or
// nullopt (also when either side is empty: no identity, no authentication).
std::optional<std::string> match_identity(const PeerIdentities& peer, std::span<const std::string> expected);

// "a.example, b.example" for messages.
std::string join_identities(std::span<const std::string> names);

}  // namespace sipnic::tls
