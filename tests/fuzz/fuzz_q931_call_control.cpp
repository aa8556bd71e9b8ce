// libFuzzer target: a pri::Q931CallControl driven by the input as a script
// of messages from the far end, requests of the layer above, link changes
// and time, on a core::ManualClock. Checked after every step:
//   - nothing crashes, leaks or trips ASan/UBSan, whatever arrives;
//   - the calls and the B-channel pool agree: a call's channel is occupied
//     by that call, and every occupied channel's call exists;
//   - no event follows a call's kReleased;
//   - every message the call control sends decodes without error for the
//     far end;
// and at the end, with the link lost and an hour passed, no call is left and
// no channel is in use: nothing wedges a span.
//
// The script: byte 0 picks the side (bit 0), the switch variant (bits 1-3,
// modulo 7) and whether the layer above answers an incoming call inside the
// event (bit 4). Then each byte is an op:
//   0x00-0x7F  a message from the far end: the next byte picks its type
//              (modulo the table below), the one after its call reference
//              (bits 0-1: value 0-3, 0 the global one; bit 7: the flag), then
//              op & 0x3F octets follow as its IEs, raw;
//   0x80-0xBF  a raw message of (op - 0x80) following octets;
//   0xC0-0xC4  time forward: 1 ms, 100 ms, 4 s, 30 s, 200 s;
//   0xC5-0xD3  a request (setup, overlap setup, answer, proceeding,
//              alerting, setup acknowledge, disconnect, information, restart
//              of a channel (next byte), of the interface, SERVICE (next
//              byte), status enquiry, progress, notify, facility);
//   0xD4/0xD5  DL-RELEASE-INDICATION / DL-ESTABLISH-INDICATION.
#include <cstdint>
#include <cstdlib>
#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <span>
#include <vector>

#include "core/clock.h"
#include "core/event_loop.h"
#include "pri/b_channel_pool.h"
#include "pri/q931_call_control.h"
#include "pri/q931_message.h"

using namespace sipnic;
using namespace std::chrono_literals;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

constexpr pri::q931::MessageType kTypes[] = {
    pri::q931::MessageType::kSetup,          pri::q931::MessageType::kSetupAcknowledge,
    pri::q931::MessageType::kCallProceeding, pri::q931::MessageType::kAlerting,
    pri::q931::MessageType::kProgress,       pri::q931::MessageType::kConnect,
    pri::q931::MessageType::kConnectAcknowledge, pri::q931::MessageType::kDisconnect,
    pri::q931::MessageType::kRelease,        pri::q931::MessageType::kReleaseComplete,
    pri::q931::MessageType::kInformation,    pri::q931::MessageType::kNotify,
    pri::q931::MessageType::kFacility,       pri::q931::MessageType::kStatus,
    pri::q931::MessageType::kStatusEnquiry,  pri::q931::MessageType::kRestart,
    pri::q931::MessageType::kRestartAcknowledge, pri::q931::MessageType::kService,
    pri::q931::MessageType::kServiceAcknowledge,
};

struct Run {
  explicit Run(std::uint8_t setup_byte)
      : loop(clock),
        side((setup_byte & 1) ? pri::Side::kNetwork : pri::Side::kUser),
        variant(static_cast<pri::SwitchVariant>(((setup_byte >> 1) & 0x7) % 7)),
        traits(pri::variant_traits(variant)),
        line(traits.usual_line),
        answer_inside((setup_byte & 0x10) != 0),
        pool(line, channels_of(line), core::ChannelHunting::kAscending) {
    pri::Q931Config cfg;
    cfg.side = side;
    cfg.variant = variant;
    cfg.line = line;
    pri::Q931CallControl::Callbacks cb;
    cb.send = [this](std::span<const std::uint8_t> octets) {
      pri::q931::DecodeOptions o;
      o.variant = &traits;
      o.line = line;
      o.direction = side == pri::Side::kUser ? pri::q931::Direction::kUserToNetwork
                                             : pri::q931::Direction::kNetworkToUser;
      const auto d = pri::q931::decode_message(octets, o);
      check(d.header_decoded && d.ok());
      return link_up;
    };
    cb.on_event = [this](const pri::CallEvent& e) {
      check(!released.count(e.call));
      if (e.type == pri::CallEventType::kReleased) released.insert(e.call);
      if (e.type == pri::CallEventType::kIncomingSetup) {
        check(e.setup != nullptr);
        last_incoming = e.call;
        if (answer_inside) q931->answer(e.call);
      }
      last_call = e.call;
    };
    q931 = std::make_unique<pri::Q931CallControl>(loop, cfg, pool, cb);
    q931->dl_indication(pri::DlIndication{pri::DlPrimitive::kEstablishIndication});
  }

  static std::vector<std::uint8_t> channels_of(pri::LineType line) {
    std::vector<std::uint8_t> out;
    for (unsigned c = 1; c <= pri::max_channel_number(line); ++c)
      if (pri::is_b_channel(line, c)) out.push_back(static_cast<std::uint8_t>(c));
    return out;
  }

  void deliver(std::span<const std::uint8_t> octets) {
    q931->dl_indication(pri::DlIndication{pri::DlPrimitive::kDataIndication, octets});
  }

  void invariants() const {
    std::set<pri::CallId> live;
    for (const auto& c : q931->calls()) {
      live.insert(c.id);
      if (c.channel != 0) check(pool.occupant(c.channel) == c.id);
    }
    for (std::uint8_t ch : pool.channels()) {
      const pri::CallId o = pool.occupant(ch);
      if (o != pri::kNoCall) check(live.count(o) == 1);
    }
  }

  core::ManualClock clock;
  core::EventLoop loop;
  pri::Side side;
  pri::SwitchVariant variant;
  const pri::VariantTraits& traits;
  pri::LineType line;
  bool answer_inside;
  pri::BChannelPool pool;
  std::unique_ptr<pri::Q931CallControl> q931;
  bool link_up = true;
  std::set<pri::CallId> released;
  pri::CallId last_incoming = pri::kNoCall;
  pri::CallId last_call = pri::kNoCall;
};

void request(Run& r, std::uint8_t op, std::uint8_t arg) {
  pri::Q931CallControl& q = *r.q931;
  const auto calls = q.calls();
  const pri::CallId any = calls.empty() ? pri::kNoCall : calls[arg % calls.size()].id;
  switch (op) {
    case 0xC5:
    case 0xC6: {
      pri::OutgoingCall c;
      c.setup.called.digits = "5551234";
      c.setup.sending_complete = op == 0xC5;
      c.setup.calling_name = "Fuzz";
      if (arg & 1) c.channel = static_cast<std::uint8_t>(arg >> 1);
      c.exclusive = (arg & 0x80) != 0;
      q.setup(c);
      break;
    }
    case 0xC7: q.answer(r.last_incoming); break;
    case 0xC8: q.proceeding(r.last_incoming); break;
    case 0xC9: q.alerting(r.last_incoming); break;
    case 0xCA: q.setup_acknowledge(r.last_incoming); break;
    case 0xCB: q.disconnect(any, static_cast<pri::Cause>(arg & 0x7F), (arg & 0x80) != 0); break;
    case 0xCC: q.information(any, "12", (arg & 1) != 0); break;
    case 0xCD: q.restart(static_cast<std::uint8_t>(arg % 40)); break;
    case 0xCE: q.restart(std::nullopt); break;
    case 0xCF: q.service(static_cast<std::uint8_t>(arg % 40), (arg & 0x80) != 0); break;
    case 0xD0: q.status_enquiry(any); break;
    case 0xD1: q.progress(r.last_incoming, pri::q931::ProgressDescription::kInbandInformationAvailable); break;
    case 0xD2: q.notify(any, static_cast<std::uint8_t>(arg & 0x7F)); break;
    case 0xD3: q.facility(any, {pri::q931::InformationElement{0, pri::q931::ie::kFacility, {0x91, arg}}}); break;
    default: break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::span<const std::uint8_t> in(data, size);
  Run r(in[0]);
  std::size_t i = 1;
  auto next = [&]() -> std::uint8_t { return i < in.size() ? in[i++] : 0; };
  while (i < in.size()) {
    const std::uint8_t op = next();
    if (op < 0x80) {
      const auto type = kTypes[next() % std::size(kTypes)];
      const std::uint8_t ref = next();
      pri::q931::Message m =
          pri::q931::make_message(type, {2, static_cast<std::uint16_t>(ref & 0x3), (ref & 0x80) != 0}, r.traits);
      std::vector<std::uint8_t> octets = pri::q931::encode_message(m);
      if (octets.empty()) octets = {0x08, 0x02, 0x00, static_cast<std::uint8_t>(ref & 0x3),
                                    static_cast<std::uint8_t>(type)};
      const std::size_t n = std::min<std::size_t>(op & 0x3F, in.size() - i);
      octets.insert(octets.end(), in.begin() + static_cast<std::ptrdiff_t>(i),
                    in.begin() + static_cast<std::ptrdiff_t>(i + n));
      i += n;
      r.deliver(octets);
    } else if (op < 0xC0) {
      const std::size_t n = std::min<std::size_t>(op - 0x80, in.size() - i);
      r.deliver(in.subspan(i, n));
      i += n;
    } else if (op <= 0xC4) {
      static constexpr core::Clock::duration kSteps[] = {1ms, 100ms, 4s, 30s, 200s};
      r.loop.advance(r.clock, kSteps[op - 0xC0]);
    } else if (op <= 0xD3) {
      request(r, op, next());
    } else if (op == 0xD4) {
      r.link_up = false;
      r.q931->dl_indication(pri::DlIndication{pri::DlPrimitive::kReleaseIndication});
    } else if (op == 0xD5) {
      r.link_up = true;
      r.q931->dl_indication(pri::DlIndication{pri::DlPrimitive::kEstablishIndication});
    }
    r.invariants();
  }
  // Nothing wedges: with the link gone and an hour passed, every call is gone.
  r.link_up = false;
  r.q931->dl_indication(pri::DlIndication{pri::DlPrimitive::kReleaseIndication});
  r.loop.advance(r.clock, std::chrono::hours(1));
  r.invariants();
  check(r.q931->calls().empty());
  check(r.pool.count(pri::BChannelState::kInUse) == 0);
  return 0;
}
