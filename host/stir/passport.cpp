#include "stir/passport.h"

#include <nlohmann/json.hpp>

#include "stir/base64url.h"
#include "stir/es256.h"

namespace sipnic::stir {

using nlohmann::json;

std::string_view attestation_name(Attestation a) {
  switch (a) {
    case Attestation::kA: return "A";
    case Attestation::kB: return "B";
    case Attestation::kC: return "C";
  }
  return "C";
}

std::optional<Attestation> parse_attestation(std::string_view s) {
  if (s == "A") return Attestation::kA;
  if (s == "B") return Attestation::kB;
  if (s == "C") return Attestation::kC;
  return std::nullopt;
}

// nlohmann::json keeps object members in a std::map, so dump() without an
// indent is RFC 8225 §9's form: members sorted by name, no whitespace.
std::string passport_header_json(const Passport& p) {
  return json{{"alg", kPassportAlg}, {"ppt", kShakenPpt}, {"typ", kPassportType}, {"x5u", p.x5u}}.dump();
}

std::string passport_payload_json(const Passport& p) {
  return json{{"attest", attestation_name(p.attest)},
              {"dest", {{"tn", p.dest_tns}}},
              {"iat", p.iat},
              {"orig", {{"tn", p.orig_tn}}},
              {"origid", p.origid}}
      .dump();
}

std::optional<std::string> sign_passport(const Passport& p, EVP_PKEY* key) {
  std::string input = base64url_encode(passport_header_json(p)) + "." + base64url_encode(passport_payload_json(p));
  auto signature = es256_sign(key, input);
  if (!signature) return std::nullopt;
  return input + "." + base64url_encode(*signature);
}

namespace {

std::optional<json> decode_json_object(std::string_view part) {
  auto text = base64url_decode(part);
  if (!text) return std::nullopt;
  json j = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return std::nullopt;
  return j;
}

// The string member `name` of `obj`: "" when absent, nullopt when not a string.
std::optional<std::string> optional_string(const json& obj, const char* name) {
  auto it = obj.find(name);
  if (it == obj.end()) return std::string();
  if (!it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

const json* member(const json& obj, const char* name) {
  auto it = obj.find(name);
  return it == obj.end() ? nullptr : &*it;
}

}  // namespace

sip::Decoded<DecodedPassport> decode_passport(std::string_view token) {
  sip::Decoded<DecodedPassport> out;
  if (token.size() > kMaxPassportBytes) {
    out.error = "PASSporT longer than 4096 bytes";
    return out;
  }
  const std::size_t dot1 = token.find('.');
  const std::size_t dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    out.error = "PASSporT is not three dot-separated parts";
    return out;
  }
  if (dot2 == dot1 + 1) {
    out.error = "PASSporT in compact form (no payload) is not supported";
    return out;
  }
  auto header = decode_json_object(token.substr(0, dot1));
  if (!header) {
    out.error = "PASSporT header is not base64url of a JSON object";
    return out;
  }
  auto payload = decode_json_object(token.substr(dot1 + 1, dot2 - dot1 - 1));
  if (!payload) {
    out.error = "PASSporT payload is not base64url of a JSON object";
    return out;
  }
  auto signature = base64url_decode(token.substr(dot2 + 1));
  if (!signature) {
    out.error = "PASSporT signature is not base64url";
    return out;
  }
  DecodedPassport& d = out.value;
  auto alg = optional_string(*header, "alg");
  auto typ = optional_string(*header, "typ");
  auto ppt = optional_string(*header, "ppt");
  auto x5u = optional_string(*header, "x5u");
  if (!alg || !typ || !ppt || !x5u) {
    out.error = "PASSporT header member alg, typ, ppt or x5u is not a string";
    return out;
  }
  d.alg = *alg;
  d.typ = *typ;
  d.ppt = *ppt;
  d.passport.x5u = *x5u;

  const json* attest = member(*payload, "attest");
  const auto level = attest && attest->is_string() ? parse_attestation(attest->get<std::string>()) : std::nullopt;
  if (!level) {
    out.error = "PASSporT claim attest is not A, B or C";
    return out;
  }
  d.passport.attest = *level;
  const json* orig = member(*payload, "orig");
  const json* orig_tn = orig && orig->is_object() ? member(*orig, "tn") : nullptr;
  if (!orig_tn || !orig_tn->is_string()) {
    out.error = "PASSporT claim orig.tn is missing or not a string";
    return out;
  }
  d.passport.orig_tn = orig_tn->get<std::string>();
  const json* dest = member(*payload, "dest");
  const json* dest_tn = dest && dest->is_object() ? member(*dest, "tn") : nullptr;
  if (!dest_tn || !dest_tn->is_array() || dest_tn->empty()) {
    out.error = "PASSporT claim dest.tn is missing or not a non-empty array";
    return out;
  }
  for (const json& tn : *dest_tn) {
    if (!tn.is_string()) {
      out.error = "PASSporT claim dest.tn holds a value that is not a string";
      return out;
    }
    d.passport.dest_tns.push_back(tn.get<std::string>());
  }
  const json* iat = member(*payload, "iat");
  if (!iat || !iat->is_number_integer()) {
    out.error = "PASSporT claim iat is missing or not an integer";
    return out;
  }
  d.passport.iat = iat->get<std::int64_t>();
  const json* origid = member(*payload, "origid");
  if (!origid || !origid->is_string()) {
    out.error = "PASSporT claim origid is missing or not a string";
    return out;
  }
  d.passport.origid = origid->get<std::string>();
  d.signing_input = std::string(token.substr(0, dot2));
  d.signature = std::move(*signature);
  return out;
}

}  // namespace sipnic::stir
