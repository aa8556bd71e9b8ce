#include "sip/response_builder.h"

#include <strings.h>

#include <vector>

#include "sip/header_values.h"

namespace sipnic::sip {

using offload::HeaderId;

std::string_view default_reason(int status) {
  switch (status) {
    case 100: return "Trying";
    case 180: return "Ringing";
    case 181: return "Call Is Being Forwarded";
    case 182: return "Queued";
    case 183: return "Session Progress";
    case 200: return "OK";
    case 202: return "Accepted";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 410: return "Gone";
    case 413: return "Request Entity Too Large";
    case 415: return "Unsupported Media Type";
    case 416: return "Unsupported URI Scheme";
    case 420: return "Bad Extension";
    case 480: return "Temporarily Unavailable";
    case 481: return "Call/Transaction Does Not Exist";
    case 482: return "Loop Detected";
    case 483: return "Too Many Hops";
    case 484: return "Address Incomplete";
    case 486: return "Busy Here";
    case 487: return "Request Terminated";
    case 488: return "Not Acceptable Here";
    case 491: return "Request Pending";
    case 500: return "Server Internal Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Server Time-out";
    case 505: return "Version Not Supported";
    case 513: return "Message Too Large";
    case 600: return "Busy Everywhere";
    case 603: return "Decline";
    case 604: return "Does Not Exist Anywhere";
    case 606: return "Not Acceptable";
    default: break;
  }
  if (status < 200) return "Progress";
  if (status < 300) return "OK";
  if (status < 400) return "Redirect";
  if (status < 500) return "Client Error";
  if (status < 600) return "Server Error";
  return "Global Failure";
}

namespace {

// Where the first comma-separated element of a header value ends (the rest,
// from the comma on, is kept verbatim).
std::size_t first_element_end(std::string_view v) {
  CommaValues values(v);
  auto first = values.next();
  if (!first || first->empty()) return v.size();
  return static_cast<std::size_t>(first->data() + first->size() - v.data());
}

bool has_param(std::string_view params, std::string_view name) {
  std::size_t pos = 0;
  while ((pos = params.find(';', pos)) != std::string_view::npos) {
    ++pos;
    while (pos < params.size() && (params[pos] == ' ' || params[pos] == '\t')) ++pos;
    auto end = params.find_first_of(";= \t", pos);
    if (iequals(params.substr(pos, end == std::string_view::npos ? params.npos : end - pos), name))
      return true;
  }
  return false;
}

void append_to_with_tag(std::string& out, std::string_view to, std::string_view tag) {
  out += "To: ";
  out += to;
  if (!tag.empty()) {
    // The tag belongs after the name-addr's '>' (or after the addr-spec).
    auto gt = to.rfind('>');
    std::string_view params = gt == std::string_view::npos ? to : to.substr(gt);
    if (!has_param(params, "tag")) {
      out += ";tag=";
      out += tag;
    }
  }
  out += "\r\n";
}

void append_tail(std::string& out, const ResponseExtras& x) {
  out += x.headers;
  if (!x.body.empty()) {
    out += "Content-Type: ";
    out += x.content_type;
    out += "\r\n";
  }
  out += "Content-Length: ";
  out += std::to_string(x.body.size());
  out += "\r\n\r\n";
  out += x.body;
}

}  // namespace

std::string via_with_received(std::string_view via, const core::SocketAddress& source) {
  auto end = first_element_end(via);
  std::string_view top = via.substr(0, end);
  std::string_view rest = via.substr(end);
  // sent-by: after "SIP/2.0/UDP", up to ';' or end.
  std::string out;
  out.reserve(via.size() + 48);
  auto slash = top.rfind('/', top.find(';'));
  std::size_t host_start = slash == std::string_view::npos ? 0 : slash + 1;
  while (host_start < top.size() && top[host_start] != ' ' && top[host_start] != '\t') ++host_start;
  while (host_start < top.size() && (top[host_start] == ' ' || top[host_start] == '\t')) ++host_start;
  auto semi = top.find(';', host_start);
  std::string_view sent_by = top.substr(host_start, semi == std::string_view::npos ? top.npos : semi - host_start);
  // Host of sent-by without port.
  std::string_view host = sent_by;
  if (!host.empty() && host.front() == '[') {
    auto rb = host.find(']');
    host = host.substr(1, rb == std::string_view::npos ? host.npos : rb - 1);
  } else if (auto colon = host.rfind(':'); colon != std::string_view::npos) {
    host = host.substr(0, colon);
  }
  while (!host.empty() && (host.back() == ' ' || host.back() == '\t')) host.remove_suffix(1);
  std::string params(semi == std::string_view::npos ? std::string_view{} : top.substr(semi));
  std::string ip = source.ip();
  // Fill rport (empty) with the source port.
  std::size_t pos = 0;
  while ((pos = params.find(';', pos)) != std::string::npos) {
    std::size_t name_start = pos + 1;
    std::size_t name_end = params.find_first_of(";=", name_start);
    std::string_view name = std::string_view(params).substr(
        name_start, (name_end == std::string::npos ? params.size() : name_end) - name_start);
    if (iequals(name, "rport") && (name_end == std::string::npos || params[name_end] == ';')) {
      params.insert(name_start + 5, "=" + std::to_string(source.port()));
      break;
    }
    pos = name_start;
  }
  out.append(top.substr(0, semi == std::string_view::npos ? top.size() : semi));
  if (!iequals(host, ip) && !has_param(params, "received")) {
    out += ";received=";
    out += ip;
  }
  out += params;
  out += rest;
  return out;
}

std::string build_response(const SipMessage& req, int status, std::string_view reason,
                           const ResponseExtras& x) {
  std::string out;
  out.reserve(512 + x.body.size());
  out += "SIP/2.0 ";
  out += std::to_string(status);
  out += ' ';
  out += reason.empty() ? default_reason(status) : reason;
  out += "\r\n";
  bool first_via = true;
  for (const auto& h : req.headers) {
    if (h.id != static_cast<std::uint8_t>(HeaderId::kVia)) continue;
    out += "Via: ";
    if (first_via && x.source) out += via_with_received(req.value(h), *x.source);
    else out += req.value(h);
    out += "\r\n";
    first_via = false;
  }
  out += "From: ";
  out += req.header(HeaderId::kFrom);
  out += "\r\n";
  append_to_with_tag(out, req.header(HeaderId::kTo), status == 100 ? std::string_view{} : x.to_tag);
  out += "Call-ID: ";
  out += req.header(HeaderId::kCallId);
  out += "\r\nCSeq: ";
  out += req.header(HeaderId::kCSeq);
  out += "\r\n";
  append_tail(out, x);
  return out;
}

std::optional<std::string> build_response_from_raw(std::string_view raw, int status,
                                                   std::string_view reason,
                                                   const core::SocketAddress* source) {
  // Request line: "METHOD SP ..." and not "SIP/2.0 ...".
  auto eol = raw.find('\n');
  if (eol == std::string_view::npos) return std::nullopt;
  std::string_view start = raw.substr(0, eol);
  if (start.size() >= 4 && iequals(start.substr(0, 4), "SIP/")) return std::nullopt;
  std::vector<std::string_view> vias;
  std::string_view from, to, call_id, cseq;
  std::size_t pos = eol + 1;
  while (pos < raw.size()) {
    auto next = raw.find('\n', pos);
    std::string_view line = raw.substr(pos, next == std::string_view::npos ? raw.npos : next - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) break;
    auto colon = line.find(':');
    if (colon != std::string_view::npos && line[0] != ' ' && line[0] != '\t') {
      std::string_view name = line.substr(0, colon);
      while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.remove_suffix(1);
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
      if (iequals(name, "via") || iequals(name, "v")) vias.push_back(value);
      else if (iequals(name, "from") || iequals(name, "f")) from = value;
      else if (iequals(name, "to") || iequals(name, "t")) to = value;
      else if (iequals(name, "call-id") || iequals(name, "i")) call_id = value;
      else if (iequals(name, "cseq")) cseq = value;
    }
    if (next == std::string_view::npos) break;
    pos = next + 1;
  }
  if (vias.empty() || from.empty() || to.empty() || call_id.empty() || cseq.empty()) return std::nullopt;
  // A response is never sent to an ACK (RFC 3261 §17.2.1).
  if (start.size() >= 4 && start.substr(0, 4) == "ACK ") return std::nullopt;
  std::string out = "SIP/2.0 " + std::to_string(status) + " ";
  out += reason.empty() ? default_reason(status) : reason;
  out += "\r\n";
  for (std::size_t i = 0; i < vias.size(); ++i) {
    out += "Via: ";
    if (i == 0 && source) out += via_with_received(vias[i], *source);
    else out += vias[i];
    out += "\r\n";
  }
  out += "From: ";
  out += from;
  out += "\r\nTo: ";
  out += to;
  out += "\r\nCall-ID: ";
  out += call_id;
  out += "\r\nCSeq: ";
  out += cseq;
  out += "\r\nContent-Length: 0\r\n\r\n";
  return out;
}

}  // namespace sipnic::sip
