// bench/q931: the Q.931 message path of one basic call, sipnic against
// libpri (Debian's libpri-dev, GPL-2; linked into this bench binary only) in
// the same run. One call is the eight messages SETUP, CALL PROCEEDING,
// ALERTING, CONNECT, CONNECT ACKNOWLEDGE, DISCONNECT, RELEASE, RELEASE
// COMPLETE: the user (TE) side calls the network side, which proceeds,
// alerts (progress 8, in-band information) and answers; the user hangs up.
//
//   1. sipnic codec: the eight messages built from typed values
//      (make_message, the IE encoders, add_setup_ies), encoded
//      (encode_message), decoded (decode_message with the receiver's options,
//      §5.8 checks included) and read back into typed values the way the
//      call control reads them (read_setup, read_channel, read_progress,
//      read_cause). EuroISDN on E1 and NI-2 on T1. The EuroISDN messages are
//      checked to be byte for byte the ones sipnic's own call control sends
//      in (2). libpri has no codec-only API, so this figure has no libpri
//      counterpart.
//   2. Full path, both systems, EuroISDN E1: two ends back to back in
//      memory, each a Q.931 call control over a Q.921 link (SABME/UA done
//      before timing), their frames handed to each other through in-memory
//      queues (no sockets, no threads); a call counts once both ends have
//      released it.
//       - sipnic: two pri::Q931CallControl over two pri::Q921Link on one
//         core::EventLoop with a core::ManualClock, moved 1 s between calls
//         (a call's frames cross at one instant): every timer of a call is
//         armed and cancelled as in a real call, none is ever due;
//       - libpri: two `struct pri` from pri_new_cb() (PRI_CPE and
//         PRI_NETWORK, PRI_SWITCH_EUROISDN_E1), driven through
//         pri_check_event() and answered with pri_setup, pri_proceeding,
//         pri_acknowledge, pri_answer and pri_hangup the way an application
//         such as chan_dahdi drives it;
//         its timers (pri_schedule_next / pri_schedule_run) are checked
//         after every call, as are sipnic's (EventLoop::next_timer_deadline).
//      Every call is checked on both systems: the eight message types on the
//      wire in order, and each end's events (sipnic: incoming-setup,
//      proceeding, alerting, connected, disconnecting, released; libpri:
//      RING, PROCEEDING, RINGING, ANSWER, CONNECT_ACK, HANGUP_REQ, HANGUP);
//      a call that is not complete without a timer fails the run.
//
// The systems alternate in rounds (the machine is shared and noisy: A B, B
// A, ...); each figure is the median over rounds, the ratio the median of
// the per-round ratios. Time is the bench thread's CPU time.
// BENCH q931.sipnic_messages_per_s, q931.sipnic_messages_per_s_ni2,
// q931.sipnic_calls_per_s, q931.libpri_calls_per_s, q931.ratio_vs_libpri
// (sipnic full-path calls/s / libpri full-path calls/s).
//
// Options: --seconds N (the whole measurement, default 3), --rounds N
// (default 7), --dump (print one call's messages of both systems in hex).
extern "C" {
#include <libpri.h>
}

#include <sys/time.h>
#include <time.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/config.h"
#include "core/event_loop.h"
#include "pri/b_channel_pool.h"
#include "pri/call_events.h"
#include "pri/q921_link.h"
#include "pri/q931_call_control.h"
#include "pri/q931_call_setup.h"
#include "pri/q931_ie.h"
#include "pri/q931_ie_bearer.h"
#include "pri/q931_ie_channel.h"
#include "pri/q931_ie_numbers.h"
#include "pri/q931_message.h"
#include "pri/switch_variant.h"

namespace {

namespace pri = sipnic::pri;
namespace q931 = sipnic::pri::q931;
namespace core = sipnic::core;
using q931::MessageType;
using Octets = std::vector<std::uint8_t>;

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "q931: %s\n", what.c_str());
  std::exit(1);
}

// CPU time of this thread: other load on the shared machine does not count.
double thread_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n == 0 ? 0 : (n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2);
}

std::string hex(std::span<const std::uint8_t> b) {
  std::string s;
  char two[4];
  for (std::size_t i = 0; i < b.size(); ++i) {
    std::snprintf(two, sizeof two, i ? " %02X" : "%02X", b[i]);
    s += two;
  }
  return s;
}

// The call, in the order its messages cross the wire.
constexpr std::array<MessageType, 8> kCallMessages{
    MessageType::kSetup,   MessageType::kCallProceeding,     MessageType::kAlerting,
    MessageType::kConnect, MessageType::kConnectAcknowledge, MessageType::kDisconnect,
    MessageType::kRelease, MessageType::kReleaseComplete};

bool from_user(MessageType t) {
  return t == MessageType::kSetup || t == MessageType::kConnectAcknowledge || t == MessageType::kDisconnect ||
         t == MessageType::kReleaseComplete;
}

std::string_view short_name(MessageType t) {
  switch (t) {
    case MessageType::kSetup: return "SETUP";
    case MessageType::kCallProceeding: return "CALL PROC";
    case MessageType::kAlerting: return "ALERTING";
    case MessageType::kConnect: return "CONNECT";
    case MessageType::kConnectAcknowledge: return "CONNECT ACK";
    case MessageType::kDisconnect: return "DISCONNECT";
    case MessageType::kRelease: return "RELEASE";
    case MessageType::kReleaseComplete: return "REL COMPLETE";
    default: return "?";
  }
}

// The parties of every call, both systems.
char kCalled[] = "2125551234";
char kCalling[] = "5550100";
constexpr std::uint8_t kChannel = 1;

// ---- the wire ----------------------------------------------------------------------------

// Q.921 frames without flags (libpri's carry its two FCS placeholder octets).
constexpr std::size_t kMaxFrame = 300;

// Frames in flight towards one end. Reuses its storage: no allocation once warm.
class FrameQueue {
 public:
  bool empty() const { return head_ == count_; }
  void push(const void* octets, std::size_t size) {
    if (size > kMaxFrame) die("a frame longer than " + std::to_string(kMaxFrame) + " octets");
    if (empty()) head_ = count_ = 0;
    if (count_ == frames_.size()) frames_.emplace_back();
    Frame& f = frames_[count_++];
    f.size = static_cast<std::uint16_t>(size);
    std::memcpy(f.octets.data(), octets, size);
  }
  // The oldest frame into `out` (at least kMaxFrame octets); its size.
  std::size_t pop(std::uint8_t* out) {
    const Frame& f = frames_[head_++];
    std::memcpy(out, f.octets.data(), f.size);
    return f.size;
  }

 private:
  struct Frame {
    std::uint16_t size = 0;
    std::array<std::uint8_t, kMaxFrame> octets{};
  };
  std::vector<Frame> frames_;
  std::size_t head_ = 0;
  std::size_t count_ = 0;
};

// Looks at every frame either end sends (the same code for both systems):
// frames sent, and the message types of this call in the order they were
// sent.
struct WireTap {
  std::uint64_t frames = 0;
  std::array<std::uint8_t, 16> types{};
  std::size_t count = 0;
  std::vector<Octets>* capture = nullptr;  // set for one call: the Q.931 messages themselves

  void begin_call() { count = 0; }
  void on_frame(const std::uint8_t* frame, std::size_t size) {
    ++frames;
    // An I frame: two address octets, then a control octet with bit 1 clear, and a second one.
    if (size < 5 || (frame[2] & 0x01) != 0) return;
    const std::uint8_t* m = frame + 4;
    const std::size_t n = size - 4;
    if (n >= 3) {
      const std::size_t cr_length = m[1] & 0x0F;
      if (n > 2 + cr_length && count < types.size()) types[count++] = m[2 + cr_length];
    }
    if (capture) capture->emplace_back(m, m + n);
  }
  bool call_ok() const {
    if (count != kCallMessages.size()) return false;
    for (std::size_t i = 0; i < count; ++i)
      if (types[i] != static_cast<std::uint8_t>(kCallMessages[i])) return false;
    return true;
  }
  std::string seen() const {
    std::string s;
    for (std::size_t i = 0; i < count; ++i) {
      char b[8];
      std::snprintf(b, sizeof b, "%s0x%02X", i ? " " : "", types[i]);
      s += b;
    }
    return s.empty() ? "nothing" : s;
  }
};

// ---- sipnic codec only ---------------------------------------------------------------------

// The typed values of one call, for one variant and line.
struct CodecCall {
  const pri::VariantTraits* variant = nullptr;
  pri::LineType line = pri::LineType::kE1;
  std::uint16_t call_reference = 1;
  pri::CallSetup setup;
  q931::Location user_location = q931::Location::kUser;
  q931::Location network_location = q931::Location::kPrivateNetworkLocalUser;
};

CodecCall codec_call(pri::SwitchVariant v) {
  CodecCall k;
  k.variant = &pri::variant_traits(v);
  k.line = k.variant->usual_line;
  // Speech, G.711 A-law on E1 and mu-law on T1.
  k.setup.bearer = q931::speech_bearer(k.line == pri::LineType::kE1 ? q931::Layer1Protocol::kG711ALaw
                                                                    : q931::Layer1Protocol::kG711MuLaw);
  k.setup.called.type = q931::TypeOfNumber::kNational;
  k.setup.called.digits = kCalled;
  q931::PartyNumber calling;
  calling.type = q931::TypeOfNumber::kNational;
  calling.digits = kCalling;
  k.setup.calling = calling;
  return k;
}

q931::InformationElement channel_ie(const CodecCall& k) {
  q931::ChannelIdentification id;
  id.exclusive = true;
  id.selection = q931::ChannelSelection::kIndicated;
  id.channels = {kChannel};
  return q931::to_ie(id, k.line);
}

// One message of the call, from typed values.
q931::Message build(const CodecCall& k, MessageType t) {
  // The user allocated the call reference: its messages carry flag 0, the network's flag 1.
  q931::Message m = q931::make_message(t, q931::CallReference{2, k.call_reference, !from_user(t)}, *k.variant);
  switch (t) {
    case MessageType::kSetup:
      m.add(channel_ie(k));
      q931::add_setup_ies(m, k.setup, *k.variant, pri::Side::kUser);
      break;
    case MessageType::kCallProceeding: m.add(channel_ie(k)); break;
    case MessageType::kAlerting:
      m.add(q931::to_ie(q931::ProgressIndicatorIe{
          q931::CodingStandard::kItuT, k.network_location,
          static_cast<std::uint8_t>(q931::ProgressDescription::kInbandInformationAvailable)}));
      break;
    case MessageType::kDisconnect:
      m.add(q931::to_ie(q931::make_cause(pri::Cause::kNormalCallClearing, k.user_location)));
      break;
    case MessageType::kRelease:
      m.add(q931::to_ie(q931::make_cause(pri::Cause::kNormalCallClearing, k.network_location)));
      break;
    default: break;
  }
  return m;
}

q931::DecodeOptions receiver(const CodecCall& k, MessageType t) {
  q931::DecodeOptions o;
  o.variant = k.variant;
  o.line = k.line;
  o.direction = from_user(t) ? q931::Direction::kUserToNetwork : q931::Direction::kNetworkToUser;
  o.first_response_to_setup = t == MessageType::kCallProceeding;
  o.first_clearing_message = t == MessageType::kDisconnect;
  return o;
}

// What the receiver reads of a decoded message into typed values; a small
// digest of them, so that the work cannot be optimised away and every pass
// can be compared with the first.
std::uint64_t read_typed(const CodecCall& k, const q931::Message& m) {
  std::uint64_t digest = static_cast<std::uint8_t>(m.type);
  if (const auto p = q931::read_progress(m)) digest += *p * 3u;
  switch (m.type) {
    case MessageType::kSetup: {
      const pri::CallSetup s = q931::read_setup(m, *k.variant);
      digest += s.called.digits.size() * 5u + (s.calling ? s.calling->digits.size() * 7u : 0) +
                (s.sending_complete ? 11u : 0);
      [[fallthrough]];
    }
    case MessageType::kCallProceeding: {
      const auto ch = q931::read_channel(m, *k.variant, k.line);
      digest += ch && !ch->channels.empty() ? ch->channels.front() * 13u : 0;
      break;
    }
    case MessageType::kDisconnect:
    case MessageType::kRelease:
    case MessageType::kReleaseComplete:
      if (const auto c = q931::read_cause(m)) digest += c->value * 17u;
      break;
    default: break;
  }
  return digest;
}

// Before timing: the typed values come back as they went in.
void check_codec(const CodecCall& k) {
  const std::string who = "sipnic codec (" + std::string(k.variant->name) + "): ";
  for (MessageType t : kCallMessages) {
    const Octets octets = q931::encode_message(build(k, t));
    if (octets.empty()) die(who + "could not encode " + std::string(short_name(t)));
    const q931::DecodedMessage d = q931::decode_message(octets, receiver(k, t));
    if (!d.ok() || d.message.type != t || d.warnings.any())
      die(who + std::string(short_name(t)) + " does not decode cleanly: " + std::string(q931::problem_name(d.problem)));
    const q931::Message& m = d.message;
    bool same = true;
    switch (t) {
      case MessageType::kSetup: {
        const pri::CallSetup s = q931::read_setup(m, *k.variant);
        // Sending complete goes only where the variant sends it en bloc (EuroISDN).
        same = s.called == k.setup.called && s.calling == k.setup.calling && s.bearer == k.setup.bearer &&
               s.sending_complete == k.variant->sending_complete_en_bloc;
        [[fallthrough]];
      }
      case MessageType::kCallProceeding: {
        const auto ch = q931::read_channel(m, *k.variant, k.line);
        same = same && ch && ch->exclusive && ch->channels == std::vector<std::uint8_t>{kChannel};
        break;
      }
      case MessageType::kAlerting:
        same =
            q931::read_progress(m) == static_cast<std::uint8_t>(q931::ProgressDescription::kInbandInformationAvailable);
        break;
      case MessageType::kDisconnect:
      case MessageType::kRelease: {
        const auto c = q931::read_cause(m);
        same = c && c->value == static_cast<std::uint8_t>(pri::Cause::kNormalCallClearing);
        break;
      }
      default: break;
    }
    if (!same) die(who + std::string(short_name(t)) + " decodes to other values than it was built from");
  }
}

// One call's eight messages built, encoded, decoded and read; the digest.
std::uint64_t codec_pass(const CodecCall& k, Octets& buffer) {
  std::uint64_t digest = 0;
  for (MessageType t : kCallMessages) {
    buffer.clear();
    if (!q931::encode_message(build(k, t), buffer)) die("sipnic codec: encode failed in the timed loop");
    const q931::DecodedMessage d = q931::decode_message(buffer, receiver(k, t));
    if (!d.ok() || d.message.type != t) die("sipnic codec: decode failed in the timed loop");
    digest += read_typed(k, d.message) + buffer.size();
  }
  return digest;
}

// Messages per second of CPU time over `seconds`.
double codec_rate(const CodecCall& k, double seconds) {
  Octets buffer;
  buffer.reserve(256);
  const std::uint64_t expected = codec_pass(k, buffer);
  for (int i = 0; i < 200; ++i) codec_pass(k, buffer);  // warm-up
  std::uint64_t passes = 0;
  const double t0 = thread_seconds();
  double elapsed = 0;
  do {
    for (int i = 0; i < 64; ++i)
      if (codec_pass(k, buffer) != expected) die("sipnic codec: a pass read other values than the first");
    passes += 64;
    elapsed = thread_seconds() - t0;
  } while (elapsed < seconds);
  return static_cast<double>(passes * kCallMessages.size()) / elapsed;
}

// ---- sipnic full path ----------------------------------------------------------------------

// What each end must have seen of one call.
enum Seen : unsigned {
  kSeenSetup = 1u << 0,       // sipnic incoming-setup / libpri RING (network)
  kSeenProceeding = 1u << 1,  // user
  kSeenAlerting = 1u << 2,    // user
  kSeenConnected = 1u << 3,   // both: sipnic connected / libpri ANSWER (user), CONNECT_ACK (network)
  kSeenDisconnect = 1u << 4,  // network: sipnic disconnecting / libpri HANGUP_REQ
  kSeenReleased = 1u << 5,    // both: sipnic released / libpri HANGUP or HANGUP_ACK
  kSeenWrong = 1u << 6,       // anything else (an unexpected event, a request refused, wrong parties)
};
constexpr unsigned kUserSees = kSeenProceeding | kSeenAlerting | kSeenConnected | kSeenReleased;
constexpr unsigned kNetworkSees = kSeenSetup | kSeenConnected | kSeenDisconnect | kSeenReleased;

// Simulated time between two calls of the sipnic pair.
constexpr auto kCallSpacing = std::chrono::seconds(1);

class SipnicPair {
 public:
  explicit SipnicPair(WireTap& tap)
      : tap_(tap), loop_(clock_), user_(*this, pri::Side::kUser), network_(*this, pri::Side::kNetwork) {
    user_.peer = &network_;
    network_.peer = &user_;
    call_.setup = codec_call(pri::SwitchVariant::kEuroIsdnE1).setup;
    call_.channel = kChannel;
    call_.exclusive = true;
    user_.link->establish_request();
    network_.link->establish_request();
    pump();
    if (!user_.q931->link_up() || !network_.q931->link_up()) die("sipnic: the Q.921 links did not come up");
  }

  std::uint64_t timer_runs() const { return timer_runs_; }

  // One call; dies with what went wrong if it did not complete.
  void call(std::uint64_t n) {
    user_.seen = network_.seen = 0;
    tap_.begin_call();
    const std::uint64_t user_in = user_.q931->counters().messages_in;
    const std::uint64_t network_in = network_.q931->counters().messages_in;
    if (user_.q931->setup(call_).call == pri::kNoCall) die("sipnic: call " + std::to_string(n) + ": SETUP refused");
    pump();
    // The next call comes a second later: cancelled timers leave the loop's
    // heap as their deadlines pass, as on a real span (with time standing
    // still they would pile up for the whole run). Nothing is due then: every
    // call timer was stopped, T200 too, and T203 (10 s) was re-armed by the
    // call's frames.
    clock_.advance(kCallSpacing);
    if (const auto next = loop_.next_timer_deadline(); next && *next <= loop_.now()) {
      ++timer_runs_;
      loop_.run_once();
      pump();
    }
    // Each end received its four messages (the network's CONNECT ACKNOWLEDGE among them).
    const std::uint64_t user_got = user_.q931->counters().messages_in - user_in;
    const std::uint64_t network_got = network_.q931->counters().messages_in - network_in;
    if (user_.seen != kUserSees || network_.seen != kNetworkSees || !tap_.call_ok() || user_got != 4 ||
        network_got != 4 || !user_.q931->calls().empty() || !network_.q931->calls().empty())
      die("sipnic: call " + std::to_string(n) + " did not complete: wire " + tap_.seen() + ", user events 0x" +
          to_hex(user_.seen) + ", network events 0x" + to_hex(network_.seen) + ", messages received: user " +
          std::to_string(user_got) + ", network " + std::to_string(network_got) + " (4 each wanted), calls left: " +
          std::to_string(user_.q931->calls().size() + network_.q931->calls().size()));
  }

 private:
  struct End {
    End(SipnicPair& pair, pri::Side side)
        : pool(pri::LineType::kE1, core::b_channel_numbers(pri::LineType::kE1, core::DChannelRole::kPrimary),
               core::default_channel_hunting(side)) {
      pri::Q931Config cfg;
      cfg.side = side;
      cfg.variant = pri::SwitchVariant::kEuroIsdnE1;
      cfg.line = pri::LineType::kE1;
      pri::Q931CallControl::Callbacks l3;
      l3.send = [this](std::span<const std::uint8_t> m) { return link->data_request(m); };
      l3.on_event = [this, &pair](const pri::CallEvent& e) { pair.on_event(*this, e); };
      q931 = std::make_unique<pri::Q931CallControl>(pair.loop_, cfg, pool, l3);
      pri::Q921Config l2;
      l2.side = side;
      pri::Q921Link::Callbacks cb;
      cb.send_frame = [this, &pair](std::span<const std::uint8_t> f) {
        pair.tap_.on_frame(f.data(), f.size());
        peer->inbox.push(f.data(), f.size());
      };
      cb.to_layer3 = [this](const pri::DlIndication& ind) { q931->dl_indication(ind); };
      link = std::make_unique<pri::Q921Link>(pair.loop_, l2, cb);
    }
    pri::BChannelPool pool;
    std::unique_ptr<pri::Q921Link> link;
    std::unique_ptr<pri::Q931CallControl> q931;  // destroyed first: it sends through `link`
    FrameQueue inbox;
    End* peer = nullptr;
    unsigned seen = 0;
  };

  static std::string to_hex(unsigned v) {
    char b[16];
    std::snprintf(b, sizeof b, "%02X", v);
    return b;
  }

  void on_event(End& end, const pri::CallEvent& e) {
    using T = pri::CallEventType;
    const bool user = &end == &user_;
    switch (e.type) {
      case T::kIncomingSetup:
        if (user || !e.setup || e.setup->called.digits != kCalled) {
          end.seen |= kSeenWrong;
          return;
        }
        end.seen |= kSeenSetup;
        if (!end.q931->proceeding(e.call) ||
            !end.q931->alerting(e.call, q931::ProgressDescription::kInbandInformationAvailable) ||
            !end.q931->answer(e.call))
          end.seen |= kSeenWrong;
        return;
      case T::kProceeding: end.seen |= user ? kSeenProceeding : kSeenWrong; return;
      case T::kAlerting: end.seen |= user && e.inband ? kSeenAlerting : kSeenWrong; return;
      case T::kConnected:
        end.seen |= kSeenConnected;
        if (user && !end.q931->disconnect(e.call, pri::Cause::kNormalCallClearing)) end.seen |= kSeenWrong;
        return;
      case T::kDisconnecting: end.seen |= user ? kSeenWrong : kSeenDisconnect; return;
      case T::kReleased: end.seen |= e.cause == pri::Cause::kNormalCallClearing ? kSeenReleased : kSeenWrong; return;
      default: end.seen |= kSeenWrong; return;
    }
  }

  // Delivers frames, one each way in turn, until none is in flight.
  void pump() {
    std::array<std::uint8_t, kMaxFrame> frame;
    for (bool moved = true; moved;) {
      moved = false;
      for (End* e : {&network_, &user_}) {
        if (e->inbox.empty()) continue;
        const std::size_t n = e->inbox.pop(frame.data());
        e->link->receive({frame.data(), n});
        moved = true;
      }
    }
  }

  WireTap& tap_;
  std::uint64_t timer_runs_ = 0;
  core::ManualClock clock_;
  core::EventLoop loop_;
  End user_;
  End network_;
  pri::OutgoingCall call_;
};

// ---- libpri full path ----------------------------------------------------------------------

// libpri's log lines: silenced, but errors counted (and the first kept) for the table.
int g_libpri_errors = 0;
std::string g_libpri_first_error;
void libpri_quiet(struct pri*, char*) {}
void libpri_error(struct pri*, char* text) {
  if (g_libpri_errors++ == 0 && text) g_libpri_first_error = text;
}

// pri_sr has a free function: owned.
struct SrFree {
  void operator()(pri_sr* sr) const { pri_sr_free(sr); }
};
using SrPtr = std::unique_ptr<pri_sr, SrFree>;

// Two libpri D-channel controllers back to back. libpri 1.6 has no public
// function to free a `struct pri` (pri_ctrl_destroy is static in pri.c), so
// the pair is made once per run and lives in static storage until exit, as
// tests/peers/libpri_peer.c keeps its controller; its call records are
// freed by libpri itself (pri_hangup in the Null state, or libpri on
// RELEASE COMPLETE before HANGUP_ACK).
class LibpriPair {
 public:
  static LibpriPair& instance(WireTap& tap) {
    static LibpriPair pair(tap);
    return pair;
  }
  LibpriPair(const LibpriPair&) = delete;
  LibpriPair& operator=(const LibpriPair&) = delete;

  std::uint64_t timer_runs() const { return timer_runs_; }

  void call(std::uint64_t n) {
    cpe_.seen = net_.seen = 0;
    tap_.begin_call();
    q931_call* c = pri_new_call(cpe_.ctrl);
    if (!c) die("libpri: call " + std::to_string(n) + ": pri_new_call failed");
    if (pri_setup(cpe_.ctrl, c, sr_.get()) != 0) {
      pri_destroycall(cpe_.ctrl, c);
      die("libpri: call " + std::to_string(n) + ": pri_setup failed");
    }
    pump();
    if (run_due_timers()) ++timer_runs_;
    if (cpe_.seen != kUserSees || net_.seen != kNetworkSees || !tap_.call_ok())
      die("libpri: call " + std::to_string(n) + " did not complete: wire " + tap_.seen() + ", CPE events 0x" +
          to_hex(cpe_.seen) + ", network events 0x" + to_hex(net_.seen) + last_events());
  }

 private:
  struct End {
    struct pri* ctrl = nullptr;
    FrameQueue inbox;
    End* peer = nullptr;
    LibpriPair* pair = nullptr;
    bool user = false;
    bool up = false;
    unsigned seen = 0;
    std::array<int, 8> events{};  // the last events, for a failure's message
    std::size_t event_count = 0;
  };

  explicit LibpriPair(WireTap& tap) : tap_(tap), sr_(pri_sr_new()) {
    if (!sr_) die("libpri: pri_sr_new failed");
    pri_set_message(libpri_quiet);
    pri_set_error(libpri_error);
    cpe_.peer = &net_;
    net_.peer = &cpe_;
    cpe_.pair = net_.pair = this;
    cpe_.user = true;
    // pri_new_cb starts Q.921 at once (a SABME through io_write): the ends are wired first.
    cpe_.ctrl = pri_new_cb(-1, PRI_CPE, PRI_SWITCH_EUROISDN_E1, io_read, io_write, &cpe_);
    net_.ctrl = pri_new_cb(-1, PRI_NETWORK, PRI_SWITCH_EUROISDN_E1, io_read, io_write, &net_);
    if (!cpe_.ctrl || !net_.ctrl) die("libpri: pri_new_cb failed");
    // Report CONNECT ACKNOWLEDGE to the network end (PRI_EVENT_CONNECT_ACK),
    // so that its arrival is checked as sipnic's is.
    pri_connect_ack_enable(net_.ctrl, 1);
    pri_sr_set_channel(sr_.get(), kChannel, 1, 0);
    pri_sr_set_bearer(sr_.get(), PRI_TRANS_CAP_SPEECH, PRI_LAYER_1_ALAW);
    pri_sr_set_called(sr_.get(), kCalled, PRI_NATIONAL_ISDN, 1);
    pri_sr_set_caller(sr_.get(), kCalling, nullptr, PRI_NATIONAL_ISDN, PRES_ALLOWED_USER_NUMBER_NOT_SCREENED);
    // SABME / UA both ways; T200 (1 s) would resend a lost one.
    const double give_up = wall_seconds() + 5;
    while (!(cpe_.up && net_.up) && wall_seconds() < give_up) {
      pump();
      run_due_timers();
    }
    if (!(cpe_.up && net_.up)) die("libpri: the D-channels did not come up (PRI_EVENT_DCHAN_UP)");
  }

  static double wall_seconds() {
    timeval now{};
    gettimeofday(&now, nullptr);
    return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_usec) * 1e-6;
  }

  static std::string to_hex(unsigned v) {
    char b[16];
    std::snprintf(b, sizeof b, "%02X", v);
    return b;
  }
  std::string last_events() const {
    std::string s;
    for (const End* e : {&cpe_, &net_}) {
      s += e->user ? "; CPE's last events:" : "; network's last events:";
      const std::size_t n = std::min(e->event_count, e->events.size());
      for (std::size_t i = e->event_count - n; i < e->event_count; ++i)
        s += " " + std::string(pri_event2str(e->events[i % e->events.size()]));
    }
    return s;
  }

  // libpri's I/O: io_write gets the frame and two octets for the FCS, io_read
  // returns one frame the same way (libpri drops the last two octets); 0: none.
  static int io_write(struct pri* ctrl, void* buf, int size) {
    End* e = static_cast<End*>(pri_get_userdata(ctrl));
    if (size < 2) return size;
    e->pair->tap_.on_frame(static_cast<const std::uint8_t*>(buf), static_cast<std::size_t>(size) - 2);
    e->peer->inbox.push(buf, static_cast<std::size_t>(size));
    return size;
  }
  static int io_read(struct pri* ctrl, void* buf, int size) {
    End* e = static_cast<End*>(pri_get_userdata(ctrl));
    if (e->inbox.empty() || size < static_cast<int>(kMaxFrame)) return 0;
    return static_cast<int>(e->inbox.pop(static_cast<std::uint8_t*>(buf)));
  }

  void on_event(End& end, pri_event* ev) {
    end.events[end.event_count++ % end.events.size()] = ev->e;
    struct pri* p = end.ctrl;
    switch (ev->e) {
      case PRI_EVENT_DCHAN_UP: end.up = true; return;
      case PRI_EVENT_RING: {
        q931_call* c = ev->ring.call;
        const int channel = ev->ring.channel;
        if (end.user || std::strcmp(ev->ring.callednum, kCalled) != 0) {
          end.seen |= kSeenWrong;
          return;
        }
        end.seen |= kSeenSetup;
        // CALL PROCEEDING, ALERTING with progress 8 (in-band), CONNECT.
        if (pri_proceeding(p, c, channel, 0) != 0 || pri_acknowledge(p, c, channel, 1) != 0 ||
            pri_answer(p, c, channel, 0) != 0)
          end.seen |= kSeenWrong;
        return;
      }
      case PRI_EVENT_PROCEEDING: end.seen |= end.user ? kSeenProceeding : kSeenWrong; return;
      case PRI_EVENT_RINGING:
        end.seen |= end.user && (ev->ringing.progressmask & PRI_PROG_INBAND_AVAILABLE) ? kSeenAlerting : kSeenWrong;
        return;
      case PRI_EVENT_ANSWER:  // CONNECT (libpri has sent CONNECT ACKNOWLEDGE)
        end.seen |= end.user ? kSeenConnected : kSeenWrong;
        if (pri_hangup(p, ev->answer.call, PRI_CAUSE_NORMAL_CLEARING) != 0) end.seen |= kSeenWrong;
        return;
      case PRI_EVENT_CONNECT_ACK: end.seen |= end.user ? kSeenWrong : kSeenConnected; return;
      case PRI_EVENT_HANGUP_REQ:  // DISCONNECT: answer with RELEASE
        end.seen |= end.user ? kSeenWrong : kSeenDisconnect;
        if (pri_hangup(p, ev->hangup.call, ev->hangup.cause) != 0) end.seen |= kSeenWrong;
        return;
      case PRI_EVENT_HANGUP:  // RELEASE (the CPE answers RELEASE COMPLETE) or RELEASE COMPLETE: free the call
        end.seen |= ev->hangup.cause == PRI_CAUSE_NORMAL_CLEARING ? kSeenReleased : kSeenWrong;
        pri_hangup(p, ev->hangup.call, ev->hangup.cause);
        return;
      case PRI_EVENT_HANGUP_ACK:  // RELEASE COMPLETE; libpri has freed the call
        end.seen |= kSeenReleased;
        return;
      default: end.seen |= kSeenWrong; return;
    }
  }

  void pump() {
    for (bool moved = true; moved;) {
      moved = false;
      for (End* e : {&net_, &cpe_}) {
        if (e->inbox.empty()) continue;
        moved = true;
        if (pri_event* ev = pri_check_event(e->ctrl)) on_event(*e, ev);
      }
    }
  }

  // Runs libpri's due timers, as an event loop around it would; whether one was due.
  bool run_due_timers() {
    bool ran = false;
    for (End* e : {&cpe_, &net_}) {
      const timeval* next = pri_schedule_next(e->ctrl);
      if (!next) continue;
      timeval now{};
      gettimeofday(&now, nullptr);
      if (next->tv_sec > now.tv_sec || (next->tv_sec == now.tv_sec && next->tv_usec > now.tv_usec)) continue;
      ran = true;
      while (pri_event* ev = pri_schedule_run(e->ctrl)) on_event(*e, ev);
      pump();
    }
    return ran;
  }

  WireTap& tap_;
  std::uint64_t timer_runs_ = 0;
  SrPtr sr_;
  End cpe_;
  End net_;
};

// ---- timing of the full paths ----------------------------------------------------------------

struct PathRate {
  double calls_per_s = 0;
  double frames_per_call = 0;
};

template <class Pair>
PathRate path_rate(Pair& pair, WireTap& tap, double seconds, std::uint64_t& calls_done) {
  for (int i = 0; i < 50; ++i) pair.call(calls_done++);  // warm-up
  const std::uint64_t frames0 = tap.frames;
  std::uint64_t calls = 0;
  const double t0 = thread_seconds();
  double elapsed = 0;
  do {
    for (int i = 0; i < 32; ++i) pair.call(calls_done++);
    calls += 32;
    elapsed = thread_seconds() - t0;
  } while (elapsed < seconds);
  PathRate r;
  r.calls_per_s = static_cast<double>(calls) / elapsed;
  r.frames_per_call = static_cast<double>(tap.frames - frames0) / static_cast<double>(calls);
  return r;
}

// One call of each system with its messages captured.
std::vector<Octets> capture_call(const std::function<void()>& call, WireTap& tap) {
  std::vector<Octets> messages;
  tap.capture = &messages;
  call();
  tap.capture = nullptr;
  return messages;
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 3;
  int rounds = 7;
  bool dump = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--seconds" && i + 1 < argc) {
      seconds = std::atof(argv[++i]);
    } else if (a == "--rounds" && i + 1 < argc) {
      rounds = std::atoi(argv[++i]);
    } else if (a == "--dump") {
      dump = true;
    } else {
      std::fprintf(stderr, "usage: q931 [--seconds N] [--rounds N] [--dump]\n");
      return 2;
    }
  }
  if (!(seconds > 0) || rounds < 1) {
    std::fprintf(stderr, "q931: --seconds must be > 0 and --rounds >= 1\n");
    return 2;
  }
  // Per round: each codec case one share, each full path two.
  const double share = seconds / (rounds * 6.0);

  // ---- checks before timing
  CodecCall euro = codec_call(pri::SwitchVariant::kEuroIsdnE1);
  const CodecCall ni2 = codec_call(pri::SwitchVariant::kNi2);
  check_codec(euro);
  check_codec(ni2);

  WireTap sipnic_tap;
  WireTap libpri_tap;
  std::uint64_t sipnic_calls = 0;
  std::uint64_t libpri_calls = 0;
  LibpriPair& libpri = LibpriPair::instance(libpri_tap);
  SipnicPair sipnic(sipnic_tap);
  const std::vector<Octets> sipnic_messages = capture_call([&] { sipnic.call(sipnic_calls++); }, sipnic_tap);
  const std::vector<Octets> libpri_messages = capture_call([&] { libpri.call(libpri_calls++); }, libpri_tap);
  // The codec figure is about the messages the call control really sends:
  // the same octets, call reference included.
  euro.call_reference =
      q931::decode_message(sipnic_messages.at(0), receiver(euro, MessageType::kSetup)).message.call_reference.value;
  for (std::size_t i = 0; i < kCallMessages.size(); ++i) {
    const Octets built = q931::encode_message(build(euro, kCallMessages[i]));
    if (built != sipnic_messages.at(i))
      die("the codec's " + std::string(short_name(kCallMessages[i])) +
          " differs from the call control's:\n  codec        " + hex(built) + "\n  call control " +
          hex(sipnic_messages.at(i)));
  }
  if (dump) {
    std::printf("one call's Q.931 messages (EuroISDN E1)\n");
    for (std::size_t i = 0; i < kCallMessages.size(); ++i) {
      std::printf("  %-12s sipnic %s\n", std::string(short_name(kCallMessages[i])).c_str(),
                  hex(sipnic_messages[i]).c_str());
      std::printf("  %-12s libpri %s\n", "", hex(libpri_messages.at(i)).c_str());
    }
  }

  // ---- rounds, the systems alternating
  std::vector<double> codec_euro, codec_ni2, sipnic_cps, libpri_cps, ratios;
  PathRate sipnic_last, libpri_last;
  for (int r = 0; r < rounds; ++r) {
    auto run_sipnic = [&] {
      sipnic_last = path_rate(sipnic, sipnic_tap, 2 * share, sipnic_calls);
      sipnic_cps.push_back(sipnic_last.calls_per_s);
    };
    auto run_libpri = [&] {
      libpri_last = path_rate(libpri, libpri_tap, 2 * share, libpri_calls);
      libpri_cps.push_back(libpri_last.calls_per_s);
    };
    if (r % 2 == 0) {
      run_sipnic();
      run_libpri();
    } else {
      run_libpri();
      run_sipnic();
    }
    ratios.push_back(sipnic_cps.back() / libpri_cps.back());
    codec_euro.push_back(codec_rate(euro, share));
    codec_ni2.push_back(codec_rate(ni2, share));
  }

  struct Figure {
    double median, low, high;
  };
  auto figure = [](const std::vector<double>& v) {
    const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
    return Figure{median(v), *lo, *hi};
  };
  const Figure euro_mps = figure(codec_euro);
  const Figure ni2_mps = figure(codec_ni2);
  const Figure s_cps = figure(sipnic_cps);
  const Figure l_cps = figure(libpri_cps);
  const Figure ratio = figure(ratios);

  std::size_t sipnic_octets = 0;
  std::size_t libpri_octets = 0;
  for (const auto& m : sipnic_messages) sipnic_octets += m.size();
  for (const auto& m : libpri_messages) libpri_octets += m.size();

  std::printf(
      "q931: one basic call = 8 Q.931 messages (SETUP .. RELEASE COMPLETE), EuroISDN E1 unless said;\n"
      "%d rounds, the systems alternating; medians (and the rounds' range) of the bench thread's CPU time.\n"
      "%llu sipnic and %llu libpri calls made, each checked complete on both ends.\n",
      rounds, static_cast<unsigned long long>(sipnic_calls), static_cast<unsigned long long>(libpri_calls));
  std::printf("%-58s %12s  %s\n", "figure", "median", "unit (range over rounds; per item)");
  auto row = [](const char* what, const Figure& f, const char* unit, double per_item_scale, const char* per_item) {
    std::printf("%-58s %12.0f  %s (%.0f-%.0f; %.*f %s)\n", what, f.median, unit, f.low, f.high,
                per_item_scale > 1e6 ? 0 : 2, per_item_scale / f.median, per_item);
  };
  row("sipnic codec only (build+encode+decode+typed read)", euro_mps, "messages/s", 1e9, "ns/message");
  row("sipnic codec only, NI-2 T1", ni2_mps, "messages/s", 1e9, "ns/message");
  row("A sipnic full path: Q931CallControl+Q921Link, 2 ends", s_cps, "calls/s", 1e6, "us/call");
  row("B libpri full path: Q.931+Q.921 of 2 struct pri", l_cps, "calls/s", 1e6, "us/call");
  std::printf("%-58s %12.2f  x (%.2f-%.2f; median of the rounds' A/B)\n", "ratio_vs_libpri = A / B (full-path calls/s)",
              ratio.median, ratio.low, ratio.high);
  std::printf("%-58s %12.1f  Q.921 frames, %zu octets of Q.931 messages\n", "one call on the wire, sipnic",
              sipnic_last.frames_per_call, sipnic_octets);
  std::printf("%-58s %12.1f  Q.921 frames, %zu octets of Q.931 messages\n", "one call on the wire, libpri",
              libpri_last.frames_per_call, libpri_octets);
  std::printf("%-58s %12llu  sipnic, %llu libpri\n", "timer runs needed (due timers after a call)",
              static_cast<unsigned long long>(sipnic.timer_runs()),
              static_cast<unsigned long long>(libpri.timer_runs()));
  std::printf("%-58s %12d\n", "libpri errors reported (pri_set_error)", g_libpri_errors);
  if (g_libpri_errors) {
    while (!g_libpri_first_error.empty() && g_libpri_first_error.back() == '\n') g_libpri_first_error.pop_back();
    std::printf("  the first: %s\n", g_libpri_first_error.c_str());
  }
  std::printf("BENCH q931.sipnic_messages_per_s %.0f messages/s\n", euro_mps.median);
  std::printf("BENCH q931.sipnic_messages_per_s_ni2 %.0f messages/s\n", ni2_mps.median);
  std::printf("BENCH q931.sipnic_calls_per_s %.0f calls/s\n", s_cps.median);
  std::printf("BENCH q931.libpri_calls_per_s %.0f calls/s\n", l_cps.median);
  std::printf("BENCH q931.ratio_vs_libpri %.2f ratio\n", ratio.median);
  return 0;
}
