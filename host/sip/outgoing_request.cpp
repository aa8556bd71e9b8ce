#include "sip/outgoing_request.h"

namespace sipnic::sip {

namespace {
void append_header(std::string& out, std::string_view name, std::string_view value) {
  out += name;
  out += ": ";
  out += value;
  out += "\r\n";
}
}  // namespace

std::string OutgoingRequest::serialize() const {
  std::string out;
  out.reserve(400 + headers.size() + body.size());
  out += method;
  out += ' ';
  out += uri;
  out += " SIP/2.0\r\n";
  append_header(out, "Via", via);
  append_header(out, "Max-Forwards", std::to_string(max_forwards));
  for (const auto& r : routes) append_header(out, "Route", r);
  append_header(out, "From", from);
  append_header(out, "To", to);
  append_header(out, "Call-ID", call_id);
  append_header(out, "CSeq", std::to_string(cseq) + " " + method);
  if (!contact.empty()) append_header(out, "Contact", contact);
  out += headers;
  if (!body.empty()) append_header(out, "Content-Type", content_type);
  append_header(out, "Content-Length", std::to_string(body.size()));
  out += "\r\n";
  out += body;
  return out;
}

std::string OutgoingRequest::ack_for_failure(std::string_view response_to) const {
  OutgoingRequest ack;
  ack.method = "ACK";
  ack.uri = uri;
  ack.via = via;
  ack.from = from;
  ack.to = std::string(response_to);
  ack.call_id = call_id;
  ack.cseq = cseq;
  ack.routes = routes;
  ack.max_forwards = max_forwards;
  return ack.serialize();
}

OutgoingRequest OutgoingRequest::cancel() const {
  OutgoingRequest c;
  c.method = "CANCEL";
  c.uri = uri;
  c.via = via;
  c.from = from;
  c.to = to;
  c.call_id = call_id;
  c.cseq = cseq;
  c.routes = routes;
  c.max_forwards = max_forwards;
  return c;
}

}  // namespace sipnic::sip
