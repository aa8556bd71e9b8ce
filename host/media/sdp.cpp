#include "media/sdp.h"

#include <charconv>

namespace sipnic::media {

namespace {

constexpr std::string_view kDirections[] = {"sendrecv", "sendonly", "recvonly", "inactive"};

// RFC 4566 §5's order of the lines of a session (and, from i=, of a media).
int rank(char type) {
  constexpr std::string_view kOrder = "vosiuepcbtrzkam";
  const auto at = kOrder.find(type);
  return at == std::string_view::npos ? static_cast<int>(kOrder.size()) : static_cast<int>(at);
}

template <typename T>
bool number(std::string_view s, T& out, T most) {
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty() || v > most) return false;
  out = static_cast<T>(v);
  return true;
}

std::vector<std::string_view> fields(std::string_view s) {
  std::vector<std::string_view> out;
  while (!s.empty()) {
    const auto start = s.find_first_not_of(' ');
    if (start == std::string_view::npos) break;
    s.remove_prefix(start);
    const auto end = s.find(' ');
    out.push_back(s.substr(0, end));
    if (end == std::string_view::npos) break;
    s.remove_prefix(end);
  }
  return out;
}

std::optional<Direction> direction_named(std::string_view s) {
  for (std::size_t i = 0; i < std::size(kDirections); ++i)
    if (s == kDirections[i]) return static_cast<Direction>(i);
  return std::nullopt;
}

// "IN IP4 192.0.2.1" (a c= line, or the last three fields of o=).
std::optional<Connection> connection_of(std::string_view net, std::string_view type, std::string_view address) {
  if (net != "IN" || (type != "IP4" && type != "IP6") || address.empty()) return std::nullopt;
  return Connection{std::string(type), std::string(address)};
}

// RFC 3551 Table 4: the static audio payload types.
struct StaticType {
  std::uint8_t pt;
  std::string_view encoding;
  std::uint32_t rate;
};
constexpr StaticType kStaticTypes[] = {{0, "PCMU", 8000}, {3, "GSM", 8000},  {4, "G723", 8000},
                                       {5, "DVI4", 8000}, {6, "DVI4", 16000}, {7, "LPC", 8000},
                                       {8, "PCMA", 8000}, {9, "G722", 8000},  {10, "L16", 44100},
                                       {12, "QCELP", 8000}, {13, "CN", 8000}, {15, "G728", 8000},
                                       {18, "G729", 8000}};

}  // namespace

std::string_view direction_name(Direction d) { return kDirections[static_cast<std::size_t>(d)]; }

Direction answer_direction(Direction offered) {
  switch (offered) {
    case Direction::kSendOnly: return Direction::kRecvOnly;
    case Direction::kRecvOnly: return Direction::kSendOnly;
    default: return offered;
  }
}

std::optional<RtpMap> MediaDescription::rtpmap(std::uint8_t pt) const {
  for (const RtpMap& m : rtpmaps)
    if (m.payload_type == pt) return m;
  for (const StaticType& s : kStaticTypes)
    if (s.pt == pt) return RtpMap{pt, std::string(s.encoding), s.rate, 1};
  return std::nullopt;
}

ParsedSdp parse_sdp(std::string_view text) {
  ParsedSdp out;
  SessionDescription& sdp = out.sdp;
  int line_no = 0;
  bool have_version = false, have_origin = false, have_name = false;
  auto fail = [&](std::string why) {
    out.error = std::move(why);
    out.line = line_no;
    return out;
  };
  while (!text.empty()) {
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) {
      if (text.empty()) break;  // a trailing blank line
      return fail("an empty line");
    }
    if (line.size() < 2 || line[1] != '=' || line[0] < 'a' || line[0] > 'z') return fail("not a type=value line");
    const char type = line[0];
    const std::string_view value = line.substr(2);
    if (!have_version) {
      if (type != 'v' || value != "0") return fail("an SDP body starts with v=0");
      have_version = true;
      continue;
    }
    MediaDescription* m = sdp.media.empty() ? nullptr : &sdp.media.back();
    if ((type == 'v' || type == 'o' || type == 's') && (m || (type == 'o' && have_origin) || (type == 's' && have_name) || type == 'v'))
      return fail(std::string(1, type) + "= is a session line, once, before the first m=");
    if (type == 'o') {
      const auto f = fields(value);
      if (f.size() != 6 || !number(f[1], sdp.session_id, ~std::uint64_t{0}) ||
          !number(f[2], sdp.session_version, ~std::uint64_t{0}))
        return fail("o= needs username, session id, version, IN, IP4|IP6 and an address");
      const auto origin = connection_of(f[3], f[4], f[5]);
      if (!origin) return fail("o= needs username, session id, version, IN, IP4|IP6 and an address");
      sdp.origin_user = std::string(f[0]);
      sdp.origin = *origin;
      have_origin = true;
    } else if (type == 's') {
      sdp.session_name = std::string(value);
      have_name = true;
    } else if (type == 'c') {
      const auto f = fields(value);
      const auto c = f.size() == 3 ? connection_of(f[0], f[1], f[2]) : std::nullopt;
      if (!c) return fail("c= needs IN, IP4 or IP6, and an address");
      (m ? m->connection : sdp.connection) = *c;
    } else if (type == 'm') {
      const auto f = fields(value);
      if (f.size() < 3) return fail("m= needs media, port, protocol and formats");
      MediaDescription md;
      md.media = std::string(f[0]);
      const std::string_view port = f[1].substr(0, f[1].find('/'));
      if (!number(port, md.port, std::uint16_t{65535})) return fail("m= port is not 0..65535");
      if (f[1].find('/') != std::string_view::npos &&
          (!number(f[1].substr(f[1].find('/') + 1), md.port_count, std::uint16_t{65535}) || md.port_count == 0))
        return fail("m= port count is not 1..65535");
      md.protocol = std::string(f[2]);
      for (std::size_t i = 3; i < f.size(); ++i) {
        std::uint8_t pt = 0;
        if (md.is_rtp() && !number(f[i], pt, std::uint8_t{127})) return fail("an RTP format is not a payload type 0..127");
        // RTP formats in their one decimal form ("08" is 8).
        md.formats.push_back(md.is_rtp() ? std::to_string(pt) : std::string(f[i]));
      }
      if (md.is_rtp() && md.formats.empty()) return fail("m= lists no format");
      sdp.media.push_back(std::move(md));
    } else if (type == 'a') {
      const auto colon = value.find(':');
      const std::string_view name = value.substr(0, colon);
      const std::string_view arg = colon == std::string_view::npos ? std::string_view{} : value.substr(colon + 1);
      if (const auto d = colon == std::string_view::npos ? direction_named(name) : std::nullopt) {
        (m ? m->direction : sdp.direction) = *d;
      } else if (m && name == "rtpmap") {
        // rtpmap:PT encoding/rate[/channels]
        const auto space = arg.find(' ');
        RtpMap r;
        const std::string_view desc = space == std::string_view::npos ? std::string_view{} : arg.substr(space + 1);
        const auto slash = desc.find('/');
        const auto slash2 = slash == std::string_view::npos ? slash : desc.find('/', slash + 1);
        if (space == std::string_view::npos || !number(arg.substr(0, space), r.payload_type, std::uint8_t{127}) ||
            slash == std::string_view::npos || slash == 0 ||
            !number(desc.substr(slash + 1, slash2 == std::string_view::npos ? std::string_view::npos : slash2 - slash - 1),
                    r.clock_rate, std::uint32_t{0xFFFFFFFF}) ||
            (slash2 != std::string_view::npos && !number(desc.substr(slash2 + 1), r.channels, std::uint8_t{255})))
          return fail("a=rtpmap needs PT encoding/rate[/channels]");
        r.encoding = std::string(desc.substr(0, slash));
        m->rtpmaps.push_back(std::move(r));
      } else if (m && name == "fmtp") {
        const auto space = arg.find(' ');
        std::uint8_t pt = 0;
        if (!number(arg.substr(0, space), pt, std::uint8_t{127})) {
          m->other.emplace_back(line);  // a non-RTP format's fmtp
        } else {
          m->fmtps.emplace_back(pt, space == std::string_view::npos ? std::string() : std::string(arg.substr(space + 1)));
        }
      } else if (m && (name == "ptime" || name == "maxptime")) {
        std::uint32_t ms = 0;
        if (!number(arg, ms, std::uint32_t{60000}) || ms == 0) return fail("a=" + std::string(name) + " is not 1..60000 ms");
        (name == "ptime" ? m->ptime : m->maxptime) = ms;
      } else if (m && name == "crypto") {
        m->crypto.emplace_back(arg);
      } else {
        (m ? m->other : sdp.other).emplace_back(line);
      }
    } else {
      (m ? m->other : sdp.other).emplace_back(line);
    }
  }
  if (!have_version) return fail("an empty body");
  if (!have_origin) return fail("no o= line");
  if (!have_name) return fail("no s= line");
  // RFC 4566 requires a t= line; a body without one (phones send them) is
  // taken as "t=0 0", a session without start or end, as it is written.
  bool timing = false;
  for (const std::string& l : sdp.other) timing = timing || l[0] == 't';
  if (!timing) sdp.other.emplace_back("t=0 0");
  for (const MediaDescription& md : sdp.media)
    if (md.port != 0 && !sdp.connection_of(md)) return fail("a media description without a c= address");
  return out;
}

std::string format_sdp(const SessionDescription& sdp) {
  std::string o;
  auto put = [&o](std::string_view line) { o.append(line).append("\r\n"); };
  auto put_connection = [&](const Connection& c) { put("c=IN " + c.address_type + " " + c.address); };
  // Lines kept as written, those RFC 4566 puts before c= first.
  auto put_other = [&](const std::vector<std::string>& lines, bool before_c) {
    for (const std::string& l : lines)
      if ((rank(l[0]) < rank('c')) == before_c) put(l);
  };
  put("v=0");
  put("o=" + sdp.origin_user + " " + std::to_string(sdp.session_id) + " " + std::to_string(sdp.session_version) +
      " IN " + sdp.origin.address_type + " " + sdp.origin.address);
  put("s=" + sdp.session_name);
  put_other(sdp.other, true);
  if (sdp.connection) put_connection(*sdp.connection);
  bool timing = false;
  for (const std::string& l : sdp.other) timing = timing || l[0] == 't';
  if (!timing) put("t=0 0");
  put_other(sdp.other, false);
  if (sdp.direction) put("a=" + std::string(direction_name(*sdp.direction)));
  for (const MediaDescription& m : sdp.media) {
    std::string line = "m=" + m.media + " " + std::to_string(m.port);
    if (m.port_count != 1) line += "/" + std::to_string(m.port_count);
    line += " " + m.protocol;
    for (const std::string& f : m.formats) line += " " + f;
    put(line);
    put_other(m.other, true);
    if (m.connection) put_connection(*m.connection);
    // b=, k= and the like before the attributes.
    for (const std::string& l : m.other)
      if (rank(l[0]) > rank('c') && l[0] != 'a') put(l);
    for (const RtpMap& r : m.rtpmaps)
      put("a=rtpmap:" + std::to_string(r.payload_type) + " " + r.encoding + "/" + std::to_string(r.clock_rate) +
          (r.channels != 1 ? "/" + std::to_string(r.channels) : std::string()));
    for (const auto& [pt, params] : m.fmtps) put("a=fmtp:" + std::to_string(pt) + " " + params);
    if (m.ptime) put("a=ptime:" + std::to_string(*m.ptime));
    if (m.maxptime) put("a=maxptime:" + std::to_string(*m.maxptime));
    for (const std::string& c : m.crypto) put("a=crypto:" + c);
    for (const std::string& l : m.other)
      if (l[0] == 'a') put(l);
    if (m.direction) put("a=" + std::string(direction_name(*m.direction)));
  }
  return o;
}

}  // namespace sipnic::media
