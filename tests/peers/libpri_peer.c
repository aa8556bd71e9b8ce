/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * libpri_peer: libpri (GPL-2, Debian libpri-dev) as an independent PRI peer
 * for sipnic's interop tests, driven by commands on stdin and reporting
 * events on stdout, one line each. This program links libpri and libc only,
 * and nothing of sipnic links it: that is the licence boundary (sipnic is
 * Apache-2.0, which GPL-2 code must not be linked into). tests/peers/README.md
 * says more.
 *
 * The span: a `frames` D-channel, a Unix SOCK_SEQPACKET socket carrying one
 * Q.921 frame per datagram followed by its two FCS bytes, the framing DAHDI
 * gives libpri. libpri writes frame + 2 bytes and leaves the FCS to the HDLC
 * controller, and strips 2 bytes from what it reads; this program is that
 * controller: it puts the real FCS-16 (RFC 1662) into those bytes on send and
 * drops received frames whose FCS is wrong (as an HDLC receiver does), so the
 * datagrams are what a line carries less the flags and the bit stuffing.
 *
 * Usage:
 *   libpri_peer --side te|nt [--switch S] [--span e1|t1]
 *               (--listen PATH | --connect PATH)
 *               [--backup-listen PATH | --backup-connect PATH] [--nfas]
 *               [--timer NAME=VALUE]... [--manual-release] [--overlap]
 *               [--service-messages on|off] [--legacy-hangup] [--no-facility] [--no-display]
 *               [--debug]
 *   S: euroisdn_e1 euroisdn_t1 ni2 dms100 4ess 5ess qsig (default: e1 ->
 *   euroisdn_e1, t1 -> ni2). NAME: a libpri timer or counter (T200, N200, K,
 *   T203, T303, T305, T308, T309, T310, T313, T316, N316, ...), VALUE in ms
 *   or a count. The first SABME goes out with libpri's own T200 (libpri
 *   starts Q.921 as the controller is made); every timer after that is as set.
 *
 * NFAS (one D-channel signalling for several spans, each with an interface
 * identifier 0-127): --backup-listen / --backup-connect PATH is a backup
 * D-channel on a socket of its own (the same framing), with its own libpri
 * controller (same side, switch, timers and settings) enslaved to the
 * primary's with pri_enslave (one call pool); both run in the one poll loop.
 * --nfas (implied by a backup): every channel this peer names carries its
 * interface explicitly (octet 3.1 even for interface 0; PRI_EXPLICIT), and
 * every event with channel= has interface=. New calls, RESTART and SERVICE
 * go on the active D-channel, as chan_dahdi's: the primary while libpri has
 * it up, else the backup while that is up, else the primary. Messages of an
 * existing call go where libpri has the call: on the D-channel its last
 * message came in on, or its SETUP went out on (libpri picks that itself,
 * whatever controller it is given). Without a backup, D-channel events keep
 * their form (no which=, no dchan=).
 *
 * Grammar of the lines on stdout (one per line, flushed at once):
 *   line   = kind SP name *(SP field)
 *   kind   = "event" | "ok" | "error"
 *   field  = key "=" value | flag
 * A value is %XX-escaped where it has a space, a '%' or a byte outside
 * '!'..'~'. "ok"/"error" answer the commands, one each, in order; "error"
 * carries reason=TEXT. Events (field order is not part of the grammar):
 *   event listening path=P [which=W]    event connected [which=W]
 *   event peer_closed [which=W]
 *   event bad_fcs len=N [which=W]      event short_frame len=N [which=W] (frame dropped)
 *   event dchan up|down [which=W]  (layer 2; libpri also gives it for a SERVICE
 *         in or out of a whole interface, and the peer takes it the same)
 *   event ring call=ID channel=C [interface=I] exclusive=yes|no cref=R
 *         called=DIGITS called_ton=T called_npi=P complete=yes|no
 *         [calling=DIGITS ton=T npi=P pres=PR screen=SC] [name=TEXT name_pres=PR]
 *         bearer=B layer1=L
 *   event proceeding|progress|setup_ack|ringing|answer|connect_ack call=ID channel=C [interface=I] ...
 *   event hangup_req|hangup|hangup_ack call=ID channel=C [interface=I] cause=N
 *   event restart|restart_ack channel=C|all [interface=I]
 *   event service|service_ack channel=C|all [interface=I] status=in|out|N
 *   event info call=ID digits=D complete=yes|no    event keypad call=ID digits=D
 *   event notify call=ID info=N     event facility call=ID
 *   event dropped call=ID reason=restart   event ring_refused reason=TEXT
 *   event config_err text=TEXT      event other type=N name=TEXT
 *   With a backup D-channel, W (which=) names the D-channel an event of a
 *   D-channel's own is about, primary or backup, and every other event
 *   (ring ... other) has dchan=W too: the D-channel whose controller gave it
 *   (the one its message came in on, or whose timer ran). `ok call` then has
 *   dchan=W as well: the D-channel the SETUP went out on.
 *   ID: this peer's call number (from 1, never reused); 0 for a call that is
 *   not (or no longer) in its table. C: the B-channel (E1 timeslot 1-15,
 *   17-31; T1 channel 1-23, with --nfas also 24) or "any". I: the interface
 *   libpri gives with the channel, whenever it is not 0 or came explicitly,
 *   or the peer is NFAS (0 then also for a channel that came without an
 *   interface identifier, on the D-channel's own span); none where libpri
 *   gives no channel at all. T (type of number): unknown
 *   international national network subscriber abbreviated; P (numbering
 *   plan): unknown e164 x121 f69 national private; PR: allowed restricted
 *   unavailable reserved; SC: unscreened passed failed network; B: speech
 *   audio digital restricted_digital video; L: ulaw alaw none; else numbers.
 *
 * Commands on stdin, one per line (EOF on stdin is "quit"):
 *   call <channel|any> <called> [calling=N] [pres=PR] [screen=SC] [ton=T]
 *        [npi=P] [called_ton=T] [called_npi=P] [name=TEXT] [bearer=B]
 *        [layer1=L] [complete=yes|no] [exclusive] [interface=I]
 *        -> ok call call=ID [dchan=W]       (I: 0-127, default 0)
 *   proceed|alert|progress|answer <id> [channel=C [interface=I]] [inband]
 *        (CALL PROCEEDING, ALERTING, PROGRESS, CONNECT; inband: progress
 *        indicator 8, in-band information available)
 *   setup_ack <id> [channel=C [interface=I]]  (overlap receiving: SETUP ACKNOWLEDGE)
 *   hangup <id> <cause>             (pri_hangup: the message is libpri's choice)
 *   reject <id> <cause>             (an incoming call not answered)
 *        Both answer ok ... via=release_complete|release|disconnect where the
 *        peer knows the message (see command_hangup).
 *   info <id> <digits>              (one INFORMATION per digit)
 *   restart <channel>|all [interface=I]  (all: each B-channel 1-23 / 1-31 of
 *        that interface in turn, the next once the last is acknowledged:
 *        libpri 1.6 sends no RESTART of a whole interface, restart indicator
 *        7, though it answers one)
 *   service <channel>|all in|out [interface=I]  (SERVICE, NI-2 / 4ESS / 5ESS;
 *        libpri sends the interface identifier only when I is not 0)
 *   dchan close primary|backup      -> ok dchan
 *        (that D-channel's socket closes, as a link that fails: the far end
 *        sees it go; libpri has no word for a lost line and reads nothing
 *        into a read error, so layer 2 at both ends goes down by its own
 *        timers: T203, then T200 N200 times in timer recovery, then T200
 *        N200 times for SABME, then event dchan down, and SABME every T200
 *        after that into nothing)
 *   quit
 * When the far end clears a call (event hangup_req) the peer answers it at
 * once with the same cause, as chan_dahdi does, unless --manual-release: then
 * `hangup <id> <cause>` does it. Calls on a channel that either end restarts
 * (the same channel number on the same interface) are gone (event dropped
 * call=ID reason=restart). A --listen D-channel takes a new connection when
 * the far end goes (event peer_closed, then event connected) and Q.921 brings
 * the link back; a --connect one stays without one. Commands other than quit
 * and dchan are refused ("no ... D-channel yet") until every D-channel is
 * connected; the backup's controller is made after the primary's.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <libpri.h>

enum { kMaxCalls = 512, kMaxTimers = 32, kMaxFrame = 1024, kMaxLine = 4096 };

/* Q.931 SERVICE change status values (libpri's pri_q931.h, not installed). */
enum { kServiceInService = 0, kServiceOutOfService = 2 };

/* The channel encoding of libpri's API (the PRI_CHANNEL / PRI_SPAN /
 * PRI_EXPLICIT of Asterisk's sig_pri.h; libpri.h has no names for it):
 * channel | interface << 8 | explicit << 16, as q931.c reads and makes it. */
enum { kChannelAny = 0xff, kExplicit = 1 << 16 };
static int channel_of(int encoded) { return encoded & 0xff; }
static int interface_of(int encoded) { return (encoded >> 8) & 0xff; }

enum { kPrimary = 0, kBackup = 1 };

struct peer;

/* One D-channel: its socket and its libpri controller. */
struct dchan {
  struct peer* peer;
  const char* which; /* "primary" or "backup" */
  const char* path;
  int listen_mode;
  int listen_fd, conn_fd;
  int conn_hup;    /* the socket reported a hang-up with this read */
  int conn_closed; /* set by the I/O callbacks: the far end went away */
  int up;          /* libpri's last word on it: PRI_EVENT_DCHAN_UP (1) or _DOWN (0) */
  struct pri* pri;
};

struct call {
  int id;           /* 0: free slot */
  q931_call* call;  /* libpri's call */
  int channel;      /* as libpri encodes it: (interface << 8) | channel */
  struct dchan* dchan; /* the D-channel libpri has the call on (its call->pri) */
  int incoming;
  int responded; /* an incoming call: a first response has gone out */
  int answered;  /* an incoming call: CONNECT has gone out */
  int clearing;  /* the far end's DISCONNECT has come (--manual-release) */
};

struct timer_setting {
  int index;
  int value;
};

struct peer {
  int side;        /* PRI_CPE or PRI_NETWORK */
  int switchtype;  /* PRI_SWITCH_* */
  int e1;          /* 1: E1, 0: T1 */
  int nfas;        /* channel arguments carry the interface explicitly */
  int manual_release, overlap, service_messages, legacy_hangup, facility, display, debug;
  struct timer_setting timers[kMaxTimers];
  int ntimers;

  struct dchan dchans[2]; /* [kPrimary], and [kBackup] when ndchans is 2 */
  int ndchans;

  struct call calls[kMaxCalls];
  int next_call_id;
  int restart_all_next; /* next B-channel of `restart all`, 0: none running */
  int restart_all_waiting;
  int restart_all_interface; /* interface << 8 | explicit of that `restart all` */

  char in[kMaxLine];
  size_t in_len;
  int quit;
};

/* ---- output lines ------------------------------------------------------------------ */

struct line {
  char buf[kMaxLine];
  size_t len;
};

static void line_put(struct line* l, const char* s, size_t n) {
  if (l->len + n >= sizeof l->buf) n = sizeof l->buf - 1 - l->len;
  memcpy(l->buf + l->len, s, n);
  l->len += n;
}

static void line_begin(struct line* l, const char* kind, const char* name) {
  l->len = 0;
  line_put(l, kind, strlen(kind));
  line_put(l, " ", 1);
  line_put(l, name, strlen(name));
}

static void line_flag(struct line* l, const char* flag) {
  line_put(l, " ", 1);
  line_put(l, flag, strlen(flag));
}

static void line_str(struct line* l, const char* key, const char* value) {
  static const char hex[] = "0123456789ABCDEF";
  line_put(l, " ", 1);
  line_put(l, key, strlen(key));
  line_put(l, "=", 1);
  for (const unsigned char* p = (const unsigned char*)value; *p; ++p) {
    if (*p <= ' ' || *p > '~' || *p == '%') {
      char esc[3] = {'%', hex[*p >> 4], hex[*p & 15]};
      line_put(l, esc, 3);
    } else {
      line_put(l, (const char*)p, 1);
    }
  }
}

static void line_int(struct line* l, const char* key, long value) {
  char s[32];
  snprintf(s, sizeof s, "%ld", value);
  line_str(l, key, s);
}

/* key=primary|backup naming a D-channel, when the peer has a backup one. */
static void line_dchan(struct line* l, const char* key, const struct dchan* d) {
  if (d && d->peer->ndchans > 1) line_str(l, key, d->which);
}

static void line_end(struct line* l) {
  line_put(l, "\n", 1);
  fwrite(l->buf, 1, l->len, stdout);
  fflush(stdout);
}

static void say_ok(const char* command) {
  struct line l;
  line_begin(&l, "ok", command);
  line_end(&l);
}

static void say_error(const char* command, const char* fmt, ...) {
  char reason[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(reason, sizeof reason, fmt, ap);
  va_end(ap);
  struct line l;
  line_begin(&l, "error", command);
  line_str(&l, "reason", reason);
  line_end(&l);
}

/* ---- names --------------------------------------------------------------------------- */

struct name {
  int value;
  const char* text;
};

static const struct name kTons[] = {
    {PRI_TON_UNKNOWN, "unknown"},         {PRI_TON_INTERNATIONAL, "international"},
    {PRI_TON_NATIONAL, "national"},       {PRI_TON_NET_SPECIFIC, "network"},
    {PRI_TON_SUBSCRIBER, "subscriber"},   {PRI_TON_ABBREVIATED, "abbreviated"},
    {-1, NULL}};
static const struct name kNpis[] = {
    {PRI_NPI_UNKNOWN, "unknown"}, {PRI_NPI_E163_E164, "e164"},     {PRI_NPI_X121, "x121"},
    {PRI_NPI_F69, "f69"},         {PRI_NPI_NATIONAL, "national"},  {PRI_NPI_PRIVATE, "private"},
    {-1, NULL}};
static const struct name kPresentations[] = {
    {PRI_PRES_ALLOWED, "allowed"},         {PRI_PRES_RESTRICTED, "restricted"},
    {PRI_PRES_UNAVAILABLE, "unavailable"}, {PRI_PRES_RESERVED, "reserved"},
    {-1, NULL}};
static const struct name kScreenings[] = {
    {PRI_PRES_USER_NUMBER_UNSCREENED, "unscreened"},
    {PRI_PRES_USER_NUMBER_PASSED_SCREEN, "passed"},
    {PRI_PRES_USER_NUMBER_FAILED_SCREEN, "failed"},
    {PRI_PRES_NETWORK_NUMBER, "network"},
    {-1, NULL}};
static const struct name kBearers[] = {
    {PRI_TRANS_CAP_SPEECH, "speech"},   {PRI_TRANS_CAP_3_1K_AUDIO, "audio"},
    {PRI_TRANS_CAP_DIGITAL, "digital"}, {PRI_TRANS_CAP_RESTRICTED_DIGITAL, "restricted_digital"},
    {PRI_TRANS_CAP_VIDEO, "video"},     {-1, NULL}};
static const struct name kLayer1s[] = {
    {PRI_LAYER_1_ULAW, "ulaw"}, {PRI_LAYER_1_ALAW, "alaw"}, {0, "none"}, {-1, NULL}};
static const struct name kSwitches[] = {
    {PRI_SWITCH_EUROISDN_E1, "euroisdn_e1"}, {PRI_SWITCH_EUROISDN_T1, "euroisdn_t1"},
    {PRI_SWITCH_NI2, "ni2"},                 {PRI_SWITCH_DMS100, "dms100"},
    {PRI_SWITCH_ATT4ESS, "4ess"},            {PRI_SWITCH_LUCENT5E, "5ess"},
    {PRI_SWITCH_QSIG, "qsig"},               {-1, NULL}};
static const struct name kServiceStatus[] = {
    {kServiceInService, "in"}, {kServiceOutOfService, "out"}, {-1, NULL}};

/* The name of `value`, or its number. */
static const char* name_of(const struct name* table, int value, char* scratch, size_t size) {
  for (; table->text; ++table)
    if (table->value == value) return table->text;
  snprintf(scratch, size, "%d", value);
  return scratch;
}

/* The value named `text`; -1 when none is. */
static int value_named(const struct name* table, const char* text) {
  for (; table->text; ++table)
    if (!strcmp(table->text, text)) return table->value;
  return -1;
}

/* The value named `text`, or a number; -1 when neither. */
static int value_of(const struct name* table, const char* text) {
  int named = value_named(table, text);
  if (named >= 0) return named;
  char* end = NULL;
  long v = strtol(text, &end, 0);
  if (*text && !*end && v >= 0 && v <= INT_MAX) return (int)v;
  return -1;
}

static void line_name(struct line* l, const char* key, const struct name* table, int value) {
  char scratch[16];
  line_str(l, key, name_of(table, value, scratch, sizeof scratch));
}

/* ---- channels ------------------------------------------------------------------------ */

static int is_b_channel(const struct peer* p, int channel) {
  if (p->e1) return channel >= 1 && channel <= 31 && channel != 16;
  return channel >= 1 && channel <= 23;
}

static int next_b_channel(const struct peer* p, int after) {
  for (int c = after + 1; c <= 31; ++c)
    if (is_b_channel(p, c)) return c;
  return 0;
}

/* interface=I of a channel as libpri encodes it, where it has one (an
 * interface identifier came, or a non-zero interface) or the peer is NFAS.
 * -1 is libpri's "no channel at all": it has no interface either. */
static void line_interface(struct line* l, const struct peer* p, int encoded) {
  if (encoded != -1 && (interface_of(encoded) || (encoded & kExplicit) || p->nfas))
    line_int(l, "interface", interface_of(encoded));
}

/* channel=C [interface=I] of a channel as libpri encodes it in its events. */
static void line_channel(struct line* l, const struct peer* p, int encoded) {
  if (encoded == -1 || channel_of(encoded) == kChannelAny)
    line_str(l, "channel", "any");
  else
    line_int(l, "channel", channel_of(encoded));
  line_interface(l, p, encoded);
}

/* The same for restart and service events, where -1 is the whole interface. */
static void line_channel_or_all(struct line* l, const struct peer* p, int encoded) {
  if (encoded == -1 || channel_of(encoded) == kChannelAny) {
    line_str(l, "channel", "all");
    line_interface(l, p, encoded);
  } else {
    line_channel(l, p, encoded);
  }
}

/* ---- the call table ------------------------------------------------------------------ */

static struct call* call_by_id(struct peer* p, int id) {
  if (id <= 0) return NULL;
  for (int i = 0; i < kMaxCalls; ++i)
    if (p->calls[i].id == id) return &p->calls[i];
  return NULL;
}

static struct call* call_by_libpri(struct peer* p, const q931_call* c) {
  if (!c) return NULL;
  for (int i = 0; i < kMaxCalls; ++i)
    if (p->calls[i].id && p->calls[i].call == c) return &p->calls[i];
  return NULL;
}

static struct call* call_add(struct peer* p, q931_call* c, int channel, int incoming, struct dchan* d) {
  /* libpri frees some calls without an event (a RELEASE COMPLETE answered
   * inside libpri): an entry for the same address is a call gone before. */
  for (int i = 0; i < kMaxCalls; ++i)
    if (p->calls[i].id && p->calls[i].call == c) p->calls[i].id = 0;
  for (int i = 0; i < kMaxCalls; ++i) {
    if (!p->calls[i].id) {
      p->calls[i] = (struct call){
          .id = p->next_call_id++, .call = c, .channel = channel, .dchan = d, .incoming = incoming};
      return &p->calls[i];
    }
  }
  return NULL;
}

static int id_of(struct peer* p, const q931_call* c) {
  const struct call* k = call_by_libpri(p, c);
  return k ? k->id : 0;
}

/* ---- FCS-16 (RFC 1662 §C.2: CRC-16/X-25) --------------------------------------------- */

static uint16_t fcs16(const unsigned char* data, size_t len) {
  uint16_t fcs = 0xffff;
  while (len--) {
    fcs ^= *data++;
    for (int bit = 0; bit < 8; ++bit) fcs = (fcs & 1) ? (uint16_t)((fcs >> 1) ^ 0x8408) : (uint16_t)(fcs >> 1);
  }
  return fcs;
}

/* What fcs16 leaves over a frame and its own (complemented) FCS: RFC 1662's "good FCS". */
enum { kGoodFcsResidue = 0xf0b8 };

/* ---- libpri's I/O ---------------------------------------------------------------------- */

/* libpri hands over frame + 2 bytes (its q921_transmit): those 2 become the
 * FCS, complemented and low byte first, as HDLC sends it. */
static int frame_write(struct pri* pri, void* buf, int buflen) {
  struct dchan* d = pri_get_userdata(pri);
  if (buflen < 2 || buflen > kMaxFrame + 2) return 0;
  if (d->conn_fd < 0) return buflen; /* a line with nobody on it: the frame is lost */
  unsigned char out[kMaxFrame + 2];
  size_t len = (size_t)buflen - 2;
  memcpy(out, buf, len);
  uint16_t fcs = (uint16_t)~fcs16(out, len);
  out[len] = (unsigned char)(fcs & 0xff);
  out[len + 1] = (unsigned char)(fcs >> 8);
  for (;;) {
    ssize_t n = send(d->conn_fd, out, len + 2, MSG_NOSIGNAL);
    if (n >= 0) break;
    if (errno == EINTR) continue;
    d->conn_closed = 1; /* EPIPE, ECONNRESET: the far end went away */
    break;
  }
  return buflen;
}

/* One datagram: frame + FCS, handed to libpri (which strips the 2 FCS bytes)
 * only when the FCS checks. 0 tells libpri there is nothing. */
static int frame_read(struct pri* pri, void* buf, int buflen) {
  struct dchan* d = pri_get_userdata(pri);
  if (d->conn_fd < 0) return 0;
  ssize_t n;
  do {
    n = recv(d->conn_fd, buf, (size_t)buflen, MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno != EAGAIN && errno != EWOULDBLOCK) d->conn_closed = 1;
    return 0;
  }
  struct line l;
  if (n == 0 && d->conn_hup) {
    d->conn_closed = 1;
    return 0;
  }
  if (n < 2) {
    line_begin(&l, "event", "short_frame");
    line_int(&l, "len", (long)n);
    line_dchan(&l, "which", d);
    line_end(&l);
    return 0;
  }
  if (fcs16(buf, (size_t)n) != kGoodFcsResidue) {
    line_begin(&l, "event", "bad_fcs");
    line_int(&l, "len", (long)n);
    line_dchan(&l, "which", d);
    line_end(&l);
    return 0;
  }
  return (int)n;
}

static void libpri_message(struct pri* pri, char* text) {
  (void)pri;
  fputs(text, stderr);
}

static void libpri_error(struct pri* pri, char* text) {
  (void)pri;
  fputs("libpri error: ", stderr);
  fputs(text, stderr);
}

/* ---- events ---------------------------------------------------------------------------- */

static void restart_all_step(struct peer* p);

/* Forgets a call that libpri has finished with. */
static void call_forget(struct peer* p, const q931_call* c) {
  struct call* k = call_by_libpri(p, c);
  if (k) k->id = 0;
}

/* The call an event is about; NULL for the others. */
static q931_call* event_call(const pri_event* e) {
  switch (e->e) {
    case PRI_EVENT_RING:
    case PRI_EVENT_INFO_RECEIVED:
      return e->ring.call;
    case PRI_EVENT_PROCEEDING:
    case PRI_EVENT_PROGRESS:
      return e->proceeding.call;
    case PRI_EVENT_SETUP_ACK:
      return e->setup_ack.call;
    case PRI_EVENT_RINGING:
      return e->ringing.call;
    case PRI_EVENT_ANSWER:
      return e->answer.call;
    case PRI_EVENT_CONNECT_ACK:
      return e->connect_ack.call;
    case PRI_EVENT_HANGUP_REQ:
    case PRI_EVENT_HANGUP:
    case PRI_EVENT_HANGUP_ACK:
      return e->hangup.call;
    case PRI_EVENT_KEYPAD_DIGIT:
      return e->digit.call;
    case PRI_EVENT_NOTIFY:
      return e->notify.call;
    case PRI_EVENT_FACILITY:
      return e->facility.call;
    default:
      return NULL;
  }
}

static void on_ring(struct dchan* d, pri_event* e) {
  struct peer* p = d->peer;
  const pri_event_ring* r = &e->ring;
  struct call* k = call_add(p, r->call, r->channel, 1, d);
  struct line l;
  if (!k) {
    /* The table is full: refuse the call as a switch out of resources does. */
    pri_hangup(d->pri, r->call, PRI_CAUSE_NORMAL_TEMPORARY_FAILURE);
    line_begin(&l, "event", "ring_refused");
    line_str(&l, "reason", "call table full");
    line_dchan(&l, "dchan", d);
    line_end(&l);
    return;
  }
  line_begin(&l, "event", "ring");
  line_int(&l, "call", k->id);
  line_channel(&l, p, r->channel);
  line_str(&l, "exclusive", r->flexible ? "no" : "yes");
  line_int(&l, "cref", r->cref);
  line_str(&l, "called", r->callednum);
  line_name(&l, "called_ton", kTons, (r->calledplan >> 4) & 0x7);
  line_name(&l, "called_npi", kNpis, r->calledplan & 0xf);
  line_str(&l, "complete", r->complete ? "yes" : "no");
  const struct pri_party_number* n = &r->calling.number;
  if (n->valid) {
    line_str(&l, "calling", n->str);
    line_name(&l, "ton", kTons, (n->plan >> 4) & 0x7);
    line_name(&l, "npi", kNpis, n->plan & 0xf);
    line_name(&l, "pres", kPresentations, n->presentation & PRI_PRES_RESTRICTION);
    line_name(&l, "screen", kScreenings, n->presentation & PRI_PRES_NUMBER_TYPE);
  }
  if (r->calling.name.valid) {
    line_str(&l, "name", r->calling.name.str);
    line_name(&l, "name_pres", kPresentations, r->calling.name.presentation & PRI_PRES_RESTRICTION);
  }
  line_name(&l, "bearer", kBearers, r->ctype);
  line_name(&l, "layer1", kLayer1s, r->layer1);
  line_dchan(&l, "dchan", d);
  line_end(&l);
}

/* Restart of `encoded`, by the far end or by this peer: the calls on it are
 * gone (Q.931 §5.5; chan_dahdi destroys them the same way). A channel is
 * its number on its interface (0 where none was named). */
static void drop_restarted_calls(struct peer* p, int encoded) {
  int all = encoded == -1 || channel_of(encoded) == kChannelAny;
  for (int i = 0; i < kMaxCalls; ++i) {
    struct call* k = &p->calls[i];
    if (!k->id) continue;
    if (encoded != -1 && interface_of(k->channel) != interface_of(encoded)) continue;
    if (!all && channel_of(k->channel) != channel_of(encoded)) continue;
    struct line l;
    line_begin(&l, "event", "dropped");
    line_int(&l, "call", k->id);
    line_str(&l, "reason", "restart");
    line_end(&l);
    pri_destroycall(k->dchan->pri, k->call);
    k->id = 0;
  }
}

static void call_event(struct dchan* d, const char* name, const q931_call* c, int channel) {
  struct line l;
  line_begin(&l, "event", name);
  line_int(&l, "call", id_of(d->peer, c));
  line_channel(&l, d->peer, channel);
  line_dchan(&l, "dchan", d);
  line_end(&l);
}

/* An event of D-channel `d`'s controller. */
static void on_event(struct dchan* d, pri_event* e) {
  struct peer* p = d->peer;
  struct line l;
  /* libpri moves a call to the D-channel a message for it comes on (its
   * q931_find_call): so does the table, and commands for it use that one. */
  struct call* seen = call_by_libpri(p, event_call(e));
  if (seen) seen->dchan = d;
  switch (e->e) {
    case PRI_EVENT_DCHAN_UP:
    case PRI_EVENT_DCHAN_DOWN:
      d->up = e->e == PRI_EVENT_DCHAN_UP;
      line_begin(&l, "event", "dchan");
      line_flag(&l, d->up ? "up" : "down");
      line_dchan(&l, "which", d);
      line_end(&l);
      break;
    case PRI_EVENT_RESTART:
      line_begin(&l, "event", "restart");
      line_channel_or_all(&l, p, e->restart.channel);
      line_dchan(&l, "dchan", d);
      line_end(&l);
      drop_restarted_calls(p, e->restart.channel);
      break;
    case PRI_EVENT_RESTART_ACK:
      line_begin(&l, "event", "restart_ack");
      line_channel_or_all(&l, p, e->restartack.channel);
      line_dchan(&l, "dchan", d);
      line_end(&l);
      if (p->restart_all_next && channel_of(e->restartack.channel) == p->restart_all_waiting)
        restart_all_step(p);
      break;
    case PRI_EVENT_CONFIG_ERR:
      line_begin(&l, "event", "config_err");
      line_str(&l, "text", e->err.err);
      line_dchan(&l, "dchan", d);
      line_end(&l);
      break;
    case PRI_EVENT_RING:
      on_ring(d, e);
      break;
    case PRI_EVENT_PROCEEDING:
    case PRI_EVENT_PROGRESS:
      line_begin(&l, "event", e->e == PRI_EVENT_PROCEEDING ? "proceeding" : "progress");
      line_int(&l, "call", id_of(p, e->proceeding.call));
      line_channel(&l, p, e->proceeding.channel);
      line_int(&l, "progress_mask", e->proceeding.progressmask);
      if (e->e == PRI_EVENT_PROGRESS && e->proceeding.cause > 0) line_int(&l, "cause", e->proceeding.cause);
      line_dchan(&l, "dchan", d);
      line_end(&l);
      break;
    case PRI_EVENT_SETUP_ACK:
      call_event(d, "setup_ack", e->setup_ack.call, e->setup_ack.channel);
      break;
    case PRI_EVENT_RINGING:
      call_event(d, "ringing", e->ringing.call, e->ringing.channel);
      break;
    case PRI_EVENT_ANSWER:
      call_event(d, "answer", e->answer.call, e->answer.channel);
      break;
    case PRI_EVENT_CONNECT_ACK:
      call_event(d, "connect_ack", e->connect_ack.call, e->connect_ack.channel);
      break;
    case PRI_EVENT_HANGUP_REQ:
    case PRI_EVENT_HANGUP:
    case PRI_EVENT_HANGUP_ACK: {
      const pri_event_hangup* h = &e->hangup;
      const char* name = e->e == PRI_EVENT_HANGUP_REQ ? "hangup_req" : e->e == PRI_EVENT_HANGUP ? "hangup" : "hangup_ack";
      line_begin(&l, "event", name);
      line_int(&l, "call", id_of(p, h->call));
      line_channel(&l, p, h->channel);
      line_int(&l, "cause", h->cause);
      line_dchan(&l, "dchan", d);
      line_end(&l);
      if (e->e == PRI_EVENT_HANGUP_REQ) {
        /* DISCONNECT from the far end: RELEASE it now, unless the test does. */
        if (seen) seen->clearing = 1;
        if (!p->manual_release) pri_hangup(d->pri, h->call, h->cause);
      } else if (e->e == PRI_EVENT_HANGUP) {
        /* RELEASE or RELEASE COMPLETE: libpri finishes the call (answers a
         * RELEASE, frees the call) when told to hang it up. */
        q931_call* c = h->call;
        call_forget(p, c);
        pri_hangup(d->pri, c, h->cause);
      } else {
        call_forget(p, h->call); /* libpri has already freed it */
      }
      break;
    }
    case PRI_EVENT_INFO_RECEIVED:
      line_begin(&l, "event", "info");
      line_int(&l, "call", id_of(p, e->ring.call));
      line_str(&l, "digits", e->ring.callednum);
      line_str(&l, "complete", e->ring.complete ? "yes" : "no");
      line_dchan(&l, "dchan", d);
      line_end(&l);
      break;
    case PRI_EVENT_KEYPAD_DIGIT:
      line_begin(&l, "event", "keypad");
      line_int(&l, "call", id_of(p, e->digit.call));
      line_str(&l, "digits", e->digit.digits);
      line_dchan(&l, "dchan", d);
      line_end(&l);
      break;
    case PRI_EVENT_NOTIFY:
      line_begin(&l, "event", "notify");
      line_int(&l, "call", id_of(p, e->notify.call));
      line_int(&l, "info", e->notify.info);
      line_dchan(&l, "dchan", d);
      line_end(&l);
      break;
    case PRI_EVENT_FACILITY:
      line_begin(&l, "event", "facility");
      line_int(&l, "call", id_of(p, e->facility.call));
      line_dchan(&l, "dchan", d);
      line_end(&l);
      break;
    case PRI_EVENT_SERVICE:
    case PRI_EVENT_SERVICE_ACK:
      line_begin(&l, "event", e->e == PRI_EVENT_SERVICE ? "service" : "service_ack");
      line_channel_or_all(&l, p, e->service.channel);
      line_name(&l, "status", kServiceStatus, e->service.changestatus);
      line_dchan(&l, "dchan", d);
      line_end(&l);
      break;
    default:
      line_begin(&l, "event", "other");
      line_int(&l, "type", e->e);
      line_str(&l, "name", pri_event2str(e->e));
      line_dchan(&l, "dchan", d);
      line_end(&l);
      break;
  }
}

/* ---- commands -------------------------------------------------------------------------- */

enum { kMaxWords = 32 };

struct words {
  char* w[kMaxWords];
  int n;
};

/* The value of `key=` among the words from `from` on, NULL when absent. */
static const char* option(const struct words* w, int from, const char* key) {
  size_t k = strlen(key);
  for (int i = from; i < w->n; ++i)
    if (!strncmp(w->w[i], key, k) && w->w[i][k] == '=') return w->w[i] + k + 1;
  return NULL;
}

static int has_flag(const struct words* w, int from, const char* flag) {
  for (int i = from; i < w->n; ++i)
    if (!strcmp(w->w[i], flag)) return 1;
  return 0;
}

/* Every word from `from` on is a known key=value or flag; else says which is not. */
static int check_options(const struct words* w, int from, const char* const* keys, const char* const* flags) {
  for (int i = from; i < w->n; ++i) {
    int known = 0;
    const char* eq = strchr(w->w[i], '=');
    if (eq) {
      for (const char* const* k = keys; *k && !known; ++k)
        known = strlen(*k) == (size_t)(eq - w->w[i]) && !strncmp(*k, w->w[i], (size_t)(eq - w->w[i]));
    } else {
      for (const char* const* f = flags; *f && !known; ++f) known = !strcmp(*f, w->w[i]);
    }
    if (!known) {
      say_error(w->w[0], "unknown option %s", w->w[i]);
      return 0;
    }
  }
  return 1;
}

static int parse_int(const char* text, int low, int high, int* out) {
  char* end = NULL;
  if (!text || !*text) return 0;
  long v = strtol(text, &end, 10);
  if (*end || v < low || v > high) return 0;
  *out = (int)v;
  return 1;
}

/* A named value of `table` from option `key` (default `fallback`); 0 on a bad name. */
static int named_option(const struct words* w, const char* key, const struct name* table, int fallback, int* out) {
  const char* text = option(w, 2, key);
  if (!text) {
    *out = fallback;
    return 1;
  }
  int v = value_of(table, text);
  if (v < 0) {
    say_error(w->w[0], "bad %s %s", key, text);
    return 0;
  }
  *out = v;
  return 1;
}

/* A B-channel number or "any". With --nfas on T1 also 24: the 24th channel
 * is a B-channel on a span of the group that has no D-channel (the peer does
 * not know which spans have one). */
static int parse_channel(const struct peer* p, const char* text, int* out) {
  int c;
  if (!strcmp(text, "any")) {
    *out = kChannelAny; /* libpri: any channel */
    return 1;
  }
  if (!parse_int(text, 1, 31, &c) || !(is_b_channel(p, c) || (p->nfas && !p->e1 && c == 24))) return 0;
  *out = c;
  return 1;
}

/* interface=I (0-127, default 0) among the words from `from` on, as libpri
 * encodes it beside a channel: I << 8, and the explicit flag when the peer
 * is NFAS (chan_dahdi's PVT_TO_CHANNEL does the same). libpri sends the
 * interface identifier when the flag is set or I is not 0 (not on QSIG). */
static int interface_option(const struct peer* p, const struct words* w, int from, int* out) {
  const char* text = option(w, from, "interface");
  int interface = 0;
  if (text && !parse_int(text, 0, 127, &interface)) {
    say_error(w->w[0], "bad interface %s (0-127)", text);
    return 0;
  }
  *out = interface << 8 | (p->nfas ? kExplicit : 0);
  return 1;
}

/* The D-channel a new call or a channel's message goes on: the primary while
 * it is up, else the backup while that is (chan_dahdi's choice), else the
 * primary (libpri then queues it until its layer 2 comes back). */
static struct dchan* active_dchan(struct peer* p) {
  if (p->ndchans > 1 && !p->dchans[kPrimary].up && p->dchans[kBackup].up) return &p->dchans[kBackup];
  return &p->dchans[kPrimary];
}

/* The call named by word 1; says why not when there is none. */
static struct call* command_call(struct peer* p, const struct words* w) {
  int id = 0;
  struct call* k = NULL;
  if (w->n < 2 || !parse_int(w->w[1], 1, INT_MAX, &id) || !(k = call_by_id(p, id)))
    say_error(w->w[0], "no call %s", w->n < 2 ? "(missing id)" : w->w[1]);
  return k;
}

static void command_call_setup(struct peer* p, const struct words* w) {
  static const char* const keys[] = {"calling", "pres", "screen", "ton", "npi", "called_ton", "called_npi",
                                     "name", "bearer", "layer1", "complete", "interface", NULL};
  static const char* const flags[] = {"exclusive", NULL};
  int channel, interface;
  if (w->n < 3) {
    say_error("call", "usage: call <channel|any> <called> [options]");
    return;
  }
  if (!parse_channel(p, w->w[1], &channel)) {
    say_error("call", "bad channel %s", w->w[1]);
    return;
  }
  if (!check_options(w, 3, keys, flags) || !interface_option(p, w, 3, &interface)) return;
  channel |= interface;
  int pres, screen, ton, npi, called_ton, called_npi, bearer, layer1;
  if (!named_option(w, "pres", kPresentations, PRI_PRES_ALLOWED, &pres) ||
      !named_option(w, "screen", kScreenings, PRI_PRES_USER_NUMBER_UNSCREENED, &screen) ||
      !named_option(w, "ton", kTons, PRI_TON_UNKNOWN, &ton) || !named_option(w, "npi", kNpis, PRI_NPI_E163_E164, &npi) ||
      !named_option(w, "called_ton", kTons, PRI_TON_UNKNOWN, &called_ton) ||
      !named_option(w, "called_npi", kNpis, PRI_NPI_E163_E164, &called_npi) ||
      !named_option(w, "bearer", kBearers, PRI_TRANS_CAP_SPEECH, &bearer) ||
      !named_option(w, "layer1", kLayer1s, p->e1 ? PRI_LAYER_1_ALAW : PRI_LAYER_1_ULAW, &layer1))
    return;
  const char* complete = option(w, 3, "complete");
  if (complete && strcmp(complete, "yes") && strcmp(complete, "no")) {
    say_error("call", "bad complete %s", complete);
    return;
  }
  struct dchan* d = active_dchan(p); /* the call stays on it until a message comes on the other */
  q931_call* c = pri_new_call(d->pri);
  if (!c) {
    say_error("call", "libpri has no call to give");
    return;
  }
  struct pri_sr* sr = pri_sr_new();
  pri_sr_set_channel(sr, channel, has_flag(w, 3, "exclusive"), 0);
  pri_sr_set_bearer(sr, bearer, layer1);
  pri_sr_set_called(sr, w->w[2], (called_ton << 4) | called_npi, !complete || !strcmp(complete, "yes"));
  const char* calling = option(w, 3, "calling");
  const char* name = option(w, 3, "name");
  if (calling || name) {
    struct pri_party_id caller;
    memset(&caller, 0, sizeof caller);
    if (calling) {
      caller.number.valid = 1;
      caller.number.presentation = pres | screen;
      caller.number.plan = (ton << 4) | npi;
      snprintf(caller.number.str, sizeof caller.number.str, "%s", calling);
    }
    if (name) {
      caller.name.valid = 1;
      caller.name.presentation = pres;
      caller.name.char_set = 1; /* ISO 8859-1 */
      snprintf(caller.name.str, sizeof caller.name.str, "%s", name);
    }
    pri_sr_set_caller_party(sr, &caller);
  }
  struct call* k = call_add(p, c, channel, 0, d);
  if (!k) {
    pri_sr_free(sr);
    pri_destroycall(d->pri, c);
    say_error("call", "call table full");
    return;
  }
  int rc = pri_setup(d->pri, c, sr);
  pri_sr_free(sr);
  if (rc) {
    k->id = 0;
    pri_destroycall(d->pri, c);
    say_error("call", "libpri refused the SETUP");
    return;
  }
  struct line l;
  line_begin(&l, "ok", "call");
  line_int(&l, "call", k->id);
  line_dchan(&l, "dchan", d);
  line_end(&l);
}

/* proceed, alert, progress, answer, setup_ack: one response to an incoming call. */
static void command_respond(struct peer* p, const struct words* w) {
  static const char* const keys[] = {"channel", "interface", NULL};
  static const char* const flags[] = {"inband", NULL};
  struct call* k = command_call(p, w);
  int interface;
  if (!k || !check_options(w, 2, keys, flags) || !interface_option(p, w, 2, &interface)) return;
  int channel = 0; /* 0: libpri keeps the call's channel */
  const char* text = option(w, 2, "channel");
  if (text && !parse_channel(p, text, &channel)) {
    say_error(w->w[0], "bad channel %s", text);
    return;
  }
  if (!text && option(w, 2, "interface")) {
    say_error(w->w[0], "interface= goes with channel=");
    return;
  }
  if (channel) k->channel = channel |= interface;
  int inband = has_flag(w, 2, "inband");
  const char* what = w->w[0];
  struct pri* pri = k->dchan->pri; /* libpri sends it on the call's D-channel whatever it is given */
  int rc;
  if (!strcmp(what, "proceed"))
    rc = pri_proceeding(pri, k->call, channel, inband);
  else if (!strcmp(what, "alert"))
    rc = pri_acknowledge(pri, k->call, channel, inband);
  else if (!strcmp(what, "progress"))
    rc = pri_progress(pri, k->call, channel, 1);
  else if (!strcmp(what, "answer"))
    rc = pri_answer(pri, k->call, channel, 0);
  else
    rc = pri_need_more_info(pri, k->call, channel, 0);
  if (rc) {
    say_error(what, "libpri refused");
    return;
  }
  k->responded = 1;
  if (!strcmp(what, "answer")) k->answered = 1;
  say_ok(what);
}

/* The message that carries `cause` when libpri's pri_hangup clears an
 * incoming call not answered yet (states 6, 7, 9, 25), hangup fix on unless
 * --legacy-hangup (Q.931 §5.3.2 a: RELEASE COMPLETE while nothing else has
 * been sent). NULL where it sends nothing at all: libpri 1.6 sends DISCONNECT
 * and RELEASE only for a call it has answered something on. */
static const char* unanswered_clearing(const struct peer* p, int responded, int cause) {
  switch (cause) {
    case PRI_CAUSE_INVALID_CALL_REFERENCE:
      return "release_complete";
    case PRI_CAUSE_UNALLOCATED:
    case PRI_CAUSE_NORMAL_CIRCUIT_CONGESTION:
    case PRI_CAUSE_REQUESTED_CHAN_UNAVAIL:
    case PRI_CAUSE_IDENTIFIED_CHANNEL_NOTEXIST:
      if (p->legacy_hangup) return "release_complete";
      /* fall through */
    case PRI_CAUSE_INCOMPATIBLE_DESTINATION:
      return responded ? "disconnect" : "release_complete";
    case PRI_CAUSE_CHANNEL_UNACCEPTABLE:
    case PRI_CAUSE_CALL_AWARDED_DELIVERED:
    case PRI_CAUSE_NONSELECTED_USER_CLEARING:
      return responded ? "release" : NULL;
    default:
      return responded ? "disconnect" : NULL;
  }
}

/* hangup <id> <cause>: libpri's pri_hangup, which picks the message by state
 * and cause. reject <id> <cause>: the same for an incoming call not answered;
 * where libpri would send nothing (no response has gone out yet and the
 * cause is not one for RELEASE COMPLETE) it first sends CALL PROCEEDING, as
 * a switch rejecting a call with in-band tones does. For an incoming call not
 * answered, or one the far end began to clear, the answer names the message
 * that carried the cause: ok ... via=release_complete|release|disconnect. */
static void command_hangup(struct peer* p, const struct words* w) {
  struct call* k = command_call(p, w);
  int cause;
  if (!k) return;
  const char* what = w->w[0];
  if (w->n != 3 || !parse_int(w->w[2], 1, 127, &cause)) {
    say_error(what, "usage: %s <call> <cause 1-127>", what);
    return;
  }
  int reject = !strcmp(what, "reject");
  if (reject && (!k->incoming || k->answered || k->clearing)) {
    say_error(what, "call %d is not an incoming call that is still unanswered", k->id);
    return;
  }
  const char* via = NULL;
  if (k->clearing) {
    via = "release"; /* DISCONNECT received: RELEASE it */
  } else if (k->incoming && !k->answered) {
    via = unanswered_clearing(p, k->responded, cause);
    if (!via && !reject) {
      say_error(what, "libpri sends nothing for cause %d before a first response: use reject", cause);
      return;
    }
    if (!via) {
      if (pri_proceeding(k->dchan->pri, k->call, 0, 0)) {
        say_error(what, "libpri refused CALL PROCEEDING");
        return;
      }
      k->responded = 1;
      via = unanswered_clearing(p, 1, cause);
    }
  }
  if (pri_hangup(k->dchan->pri, k->call, cause)) {
    say_error(what, "libpri refused");
    return;
  }
  if (via && !strcmp(via, "release_complete")) k->id = 0; /* libpri has freed the call */
  struct line l;
  line_begin(&l, "ok", what);
  if (via) line_str(&l, "via", via);
  line_end(&l);
}

static void command_info(struct peer* p, const struct words* w) {
  struct call* k = command_call(p, w);
  if (!k) return;
  if (w->n != 3) {
    say_error("info", "usage: info <call> <digits>");
    return;
  }
  for (const char* d = w->w[2]; *d; ++d) {
    if (pri_information(k->dchan->pri, k->call, *d)) {
      say_error("info", "libpri refused digit %c", *d);
      return;
    }
  }
  say_ok("info");
}

/* Restarts the next B-channel of a `restart all`, or ends it. */
static void restart_all_step(struct peer* p) {
  int channel = p->restart_all_next;
  if (!channel) return;
  p->restart_all_next = next_b_channel(p, channel);
  p->restart_all_waiting = channel;
  drop_restarted_calls(p, channel | p->restart_all_interface);
  if (pri_reset(active_dchan(p)->pri, channel | p->restart_all_interface)) {
    p->restart_all_next = 0;
    fprintf(stderr, "libpri_peer: libpri refused RESTART of channel %d\n", channel);
  }
}

static void command_restart(struct peer* p, const struct words* w) {
  static const char* const keys[] = {"interface", NULL};
  static const char* const flags[] = {NULL};
  int channel, interface;
  if (w->n < 2) {
    say_error("restart", "usage: restart <channel>|all [interface=I]");
    return;
  }
  if (!check_options(w, 2, keys, flags) || !interface_option(p, w, 2, &interface)) return;
  if (!strcmp(w->w[1], "all")) {
    p->restart_all_interface = interface;
    p->restart_all_next = next_b_channel(p, 0);
    restart_all_step(p);
    say_ok("restart");
    return;
  }
  if (!parse_channel(p, w->w[1], &channel) || channel == kChannelAny) {
    say_error("restart", "bad channel %s", w->w[1]);
    return;
  }
  drop_restarted_calls(p, channel | interface);
  if (pri_reset(active_dchan(p)->pri, channel | interface))
    say_error("restart", "libpri refused");
  else
    say_ok("restart");
}

static void command_service(struct peer* p, const struct words* w) {
  static const char* const keys[] = {"interface", NULL};
  static const char* const flags[] = {NULL};
  int channel = -1, status, interface = 0;
  if (w->n < 3 || !check_options(w, 3, keys, flags)) {
    if (w->n < 3) say_error("service", "usage: service <channel>|all in|out [interface=I]");
    return;
  }
  if (strcmp(w->w[1], "all") && (!parse_channel(p, w->w[1], &channel) || channel == kChannelAny)) {
    say_error("service", "bad channel %s", w->w[1]);
    return;
  }
  status = value_named(kServiceStatus, w->w[2]);
  const char* text = option(w, 3, "interface");
  if (status < 0 || (text && !parse_int(text, 0, 127, &interface))) {
    say_error("service", "bad status or interface");
    return;
  }
  /* libpri puts the interface identifier in only when it is not 0: it has
   * no explicit flag here (maintenance_service clears ds1explicit). */
  if (pri_maintenance_service(active_dchan(p)->pri, interface, channel, status))
    say_error("service", "libpri refused");
  else
    say_ok("service");
}

/* dchan close primary|backup: that D-channel's socket closes, as a link that
 * fails: the far end sees its socket go, and Q.921 at both ends finds the
 * link gone (libpri has no word for a lost layer 1: T203, then T200 N200
 * times, bring PRI_EVENT_DCHAN_DOWN). A --listen D-channel takes a new
 * connection afterwards as after peer_closed. */
static void command_dchan(struct peer* p, const struct words* w) {
  int index = -1;
  if (w->n == 3 && !strcmp(w->w[1], "close")) {
    if (!strcmp(w->w[2], "primary")) index = kPrimary;
    else if (!strcmp(w->w[2], "backup")) index = kBackup;
  }
  if (index < 0) {
    say_error("dchan", "usage: dchan close primary|backup");
    return;
  }
  if (index >= p->ndchans) {
    say_error("dchan", "no backup D-channel (--backup-listen or --backup-connect)");
    return;
  }
  struct dchan* d = &p->dchans[index];
  if (d->conn_fd < 0) {
    say_error("dchan", "the %s D-channel is not connected", d->which);
    return;
  }
  close(d->conn_fd);
  d->conn_fd = -1;
  d->conn_closed = 0;
  say_ok("dchan");
}

static int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

/* Undoes %XX escapes in place (a '%' without two hex digits stays). */
static void unescape(char* s) {
  char* out = s;
  for (; *s; ++s) {
    if (s[0] == '%' && hex_digit(s[1]) >= 0 && hex_digit(s[2]) >= 0) {
      *out++ = (char)(hex_digit(s[1]) * 16 + hex_digit(s[2]));
      s += 2;
    } else {
      *out++ = *s;
    }
  }
  *out = '\0';
}

static void command(struct peer* p, char* text) {
  struct words w = {.n = 0};
  for (char* save = NULL, *t = strtok_r(text, " \t\r", &save); t; t = strtok_r(NULL, " \t\r", &save)) {
    if (w.n == kMaxWords) {
      say_error("line", "too many words");
      return;
    }
    w.w[w.n++] = t;
  }
  if (!w.n) return;
  for (int i = 1; i < w.n; ++i) unescape(w.w[i]); /* values are escaped as on stdout */
  const char* what = w.w[0];
  if (!strcmp(what, "quit")) {
    say_ok("quit");
    p->quit = 1;
    return;
  }
  if (!strcmp(what, "dchan")) {
    command_dchan(p, &w);
    return;
  }
  for (int i = 0; i < p->ndchans; ++i) {
    if (!p->dchans[i].pri) {
      say_error(what, "no %sD-channel yet (not connected)", p->ndchans == 1 ? "" : i ? "backup " : "primary ");
      return;
    }
  }
  if (!strcmp(what, "call"))
    command_call_setup(p, &w);
  else if (!strcmp(what, "proceed") || !strcmp(what, "alert") || !strcmp(what, "progress") ||
           !strcmp(what, "answer") || !strcmp(what, "setup_ack"))
    command_respond(p, &w);
  else if (!strcmp(what, "hangup") || !strcmp(what, "reject"))
    command_hangup(p, &w);
  else if (!strcmp(what, "info"))
    command_info(p, &w);
  else if (!strcmp(what, "restart"))
    command_restart(p, &w);
  else if (!strcmp(what, "service"))
    command_service(p, &w);
  else
    say_error(what, "unknown command");
}

/* Reads what stdin has and runs each complete line. */
static void read_commands(struct peer* p) {
  ssize_t n = read(STDIN_FILENO, p->in + p->in_len, sizeof p->in - 1 - p->in_len);
  if (n < 0 && errno == EINTR) return;
  if (n <= 0) {
    p->quit = 1; /* EOF: the test has gone */
    return;
  }
  p->in_len += (size_t)n;
  char* start = p->in;
  char* nl;
  while (!p->quit && (nl = memchr(start, '\n', p->in_len - (size_t)(start - p->in)))) {
    *nl = '\0';
    command(p, start);
    start = nl + 1;
  }
  p->in_len -= (size_t)(start - p->in);
  memmove(p->in, start, p->in_len);
  if (p->in_len == sizeof p->in - 1) {
    say_error("line", "line too long");
    p->in_len = 0;
  }
}

/* ---- the span socket ------------------------------------------------------------------- */

static int unix_address(const char* path, struct sockaddr_un* a) {
  memset(a, 0, sizeof *a);
  a->sun_family = AF_UNIX;
  if (strlen(path) >= sizeof a->sun_path) {
    fprintf(stderr, "libpri_peer: socket path too long: %s\n", path);
    return 0;
  }
  strcpy(a->sun_path, path);
  return 1;
}

static int open_listener(const char* path) {
  struct sockaddr_un a;
  if (!unix_address(path, &a)) return -1;
  int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (fd < 0 || bind(fd, (struct sockaddr*)&a, sizeof a) < 0 || listen(fd, 1) < 0) {
    fprintf(stderr, "libpri_peer: cannot listen on %s: %s\n", path, strerror(errno));
    if (fd >= 0) close(fd);
    return -1;
  }
  return fd;
}

static int open_connection(const char* path) {
  struct sockaddr_un a;
  if (!unix_address(path, &a)) return -1;
  int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (fd < 0 || connect(fd, (struct sockaddr*)&a, sizeof a) < 0) {
    fprintf(stderr, "libpri_peer: cannot connect to %s: %s\n", path, strerror(errno));
    if (fd >= 0) close(fd);
    return -1;
  }
  return fd;
}

/* The controller of D-channel `d`, with the peer's settings. */
static int make_controller(struct dchan* d) {
  struct peer* p = d->peer;
  d->pri = pri_new_cb(d->conn_fd, p->side, p->switchtype, frame_read, frame_write, d);
  if (!d->pri) {
    fprintf(stderr, "libpri_peer: pri_new_cb failed\n");
    return 0;
  }
  for (int i = 0; i < p->ntimers; ++i) pri_set_timer(d->pri, p->timers[i].index, p->timers[i].value);
  pri_set_overlapdial(d->pri, p->overlap);
  pri_set_service_message_support(d->pri, p->service_messages);
  pri_hangup_fix_enable(d->pri, !p->legacy_hangup);
  if (p->facility) pri_facility_enable(d->pri); /* e.g. the calling name of QSIG and NI-2 */
  /* --no-display: no Display IE goes out (names then only in Facility, where the variant has them). */
  if (!p->display) pri_display_options_send(d->pri, PRI_DISPLAY_OPTION_BLOCK);
  if (p->debug)
    pri_set_debug(d->pri, PRI_DEBUG_Q921_STATE | PRI_DEBUG_Q931_DUMP | PRI_DEBUG_Q931_STATE | PRI_DEBUG_Q931_ANOMALY);
  return 1;
}

/* The D-channel controllers, each made once its span is attached (libpri
 * sends its first SABME as it is made); later attachments reuse it: Q.921
 * then recovers the link as it would after a line fault. The backup's is
 * made after the primary's and enslaved to it (pri_enslave: one call pool,
 * the primary's): until then its socket waits unread. */
static int make_controllers(struct peer* p) {
  struct dchan* primary = &p->dchans[kPrimary];
  if (!primary->pri && primary->conn_fd >= 0 && !make_controller(primary)) return 0;
  if (p->ndchans > 1) {
    struct dchan* backup = &p->dchans[kBackup];
    if (!backup->pri && backup->conn_fd >= 0 && primary->pri) {
      if (!make_controller(backup)) return 0;
      pri_enslave(primary->pri, backup->pri);
    }
  }
  return 1;
}

static int attach(struct dchan* d, int fd) {
  d->conn_fd = fd;
  d->conn_closed = 0;
  struct line l;
  line_begin(&l, "event", "connected");
  line_dchan(&l, "which", d);
  line_end(&l);
  return make_controllers(d->peer);
}

static void detach(struct dchan* d) {
  close(d->conn_fd);
  d->conn_fd = -1;
  struct line l;
  line_begin(&l, "event", "peer_closed");
  line_dchan(&l, "which", d);
  line_end(&l);
}

/* Milliseconds until libpri's next timer on any D-channel, rounded up; -1 when none. */
static int timer_wait_ms(struct peer* p) {
  long long wait_us = -1;
  struct timeval now;
  gettimeofday(&now, NULL);
  for (int i = 0; i < p->ndchans; ++i) {
    struct timeval* next = p->dchans[i].pri ? pri_schedule_next(p->dchans[i].pri) : NULL;
    if (!next) continue;
    long long us = (long long)(next->tv_sec - now.tv_sec) * 1000000 + (next->tv_usec - now.tv_usec);
    if (us < 0) us = 0;
    if (wait_us < 0 || us < wait_us) wait_us = us;
  }
  if (wait_us < 0) return -1;
  long long ms = (wait_us + 999) / 1000;
  return ms > INT_MAX ? INT_MAX : (int)ms;
}

/* ---- main ------------------------------------------------------------------------------ */

static void usage(void) {
  fputs(
      "usage: libpri_peer --side te|nt [--switch euroisdn_e1|euroisdn_t1|ni2|dms100|4ess|5ess|qsig]\n"
      "                   [--span e1|t1] (--listen PATH | --connect PATH)\n"
      "                   [--backup-listen PATH | --backup-connect PATH] [--nfas] [--timer NAME=VALUE]...\n"
      "                   [--manual-release] [--overlap] [--service-messages on|off] [--legacy-hangup]\n"
      "                   [--no-facility] [--no-display] [--debug]\n"
      "Commands on stdin and events on stdout: see the top of tests/peers/libpri_peer.c.\n",
      stderr);
}

static int parse_arguments(struct peer* p, int argc, char** argv) {
  const char* side = NULL;
  const char* sw = NULL;
  const char* span = "e1";
  const char* service = NULL;
  struct dchan* primary = &p->dchans[kPrimary];
  struct dchan* backup = &p->dchans[kBackup];
  for (int i = 1; i < argc; ++i) {
    const char* a = argv[i];
    const char* v = i + 1 < argc ? argv[i + 1] : NULL;
    int takes_value = 1;
    if (!strcmp(a, "--side")) side = v;
    else if (!strcmp(a, "--switch")) sw = v;
    else if (!strcmp(a, "--span")) span = v;
    else if (!strcmp(a, "--listen")) primary->path = v, primary->listen_mode = 1;
    else if (!strcmp(a, "--connect")) primary->path = v, primary->listen_mode = 0;
    else if (!strcmp(a, "--backup-listen")) backup->path = v, backup->listen_mode = 1;
    else if (!strcmp(a, "--backup-connect")) backup->path = v, backup->listen_mode = 0;
    else if (!strcmp(a, "--service-messages")) service = v;
    else if (!strcmp(a, "--timer")) {
      char name[32];
      const char* eq = v ? strchr(v, '=') : NULL;
      int value, index = -1;
      if (eq && (size_t)(eq - v) < sizeof name) {
        memcpy(name, v, (size_t)(eq - v));
        name[eq - v] = '\0';
        index = pri_timer2idx(name);
      }
      if (index < 0 || !parse_int(eq + 1, 0, INT_MAX, &value) || p->ntimers == kMaxTimers) {
        fprintf(stderr, "libpri_peer: bad --timer %s (NAME=VALUE, NAME a libpri timer such as T303)\n", v ? v : "");
        return 0;
      }
      p->timers[p->ntimers++] = (struct timer_setting){index, value};
    } else {
      takes_value = 0;
      if (!strcmp(a, "--manual-release")) p->manual_release = 1;
      else if (!strcmp(a, "--overlap")) p->overlap = 1;
      else if (!strcmp(a, "--legacy-hangup")) p->legacy_hangup = 1;
      else if (!strcmp(a, "--no-facility")) p->facility = 0;
      else if (!strcmp(a, "--no-display")) p->display = 0;
      else if (!strcmp(a, "--debug")) p->debug = 1;
      else if (!strcmp(a, "--nfas")) p->nfas = 1;
      else {
        fprintf(stderr, "libpri_peer: unknown argument %s\n", a);
        return 0;
      }
    }
    if (takes_value) {
      if (!v) {
        fprintf(stderr, "libpri_peer: %s needs a value\n", a);
        return 0;
      }
      ++i;
    }
  }
  if (!side || (strcmp(side, "te") && strcmp(side, "nt"))) {
    fputs("libpri_peer: --side te|nt is required\n", stderr);
    return 0;
  }
  p->side = !strcmp(side, "te") ? PRI_CPE : PRI_NETWORK;
  if (strcmp(span, "e1") && strcmp(span, "t1")) {
    fprintf(stderr, "libpri_peer: bad --span %s (e1 or t1)\n", span);
    return 0;
  }
  p->e1 = !strcmp(span, "e1");
  p->switchtype = sw ? value_named(kSwitches, sw) : p->e1 ? PRI_SWITCH_EUROISDN_E1 : PRI_SWITCH_NI2;
  if (p->switchtype < 0) {
    fprintf(stderr, "libpri_peer: bad --switch %s\n", sw);
    return 0;
  }
  if (!primary->path) {
    fputs("libpri_peer: --listen PATH or --connect PATH is required\n", stderr);
    return 0;
  }
  /* A backup D-channel: an NFAS group. */
  p->ndchans = backup->path ? 2 : 1;
  if (backup->path) p->nfas = 1;
  /* SERVICE messages are the B-channel maintenance of NI-2, 4ESS and 5ESS. */
  p->service_messages = p->switchtype == PRI_SWITCH_NI2 || p->switchtype == PRI_SWITCH_ATT4ESS ||
                        p->switchtype == PRI_SWITCH_LUCENT5E;
  if (service) {
    if (strcmp(service, "on") && strcmp(service, "off")) {
      fprintf(stderr, "libpri_peer: bad --service-messages %s (on or off)\n", service);
      return 0;
    }
    p->service_messages = !strcmp(service, "on");
  }
  return 1;
}

int main(int argc, char** argv) {
  /* Static: libpri 1.6 has no call to free a controller, so the ones made
   * stay reachable from here until exit (no leak report under LSan). */
  static struct peer peer;
  struct peer* p = &peer;
  static const char* const names[] = {"primary", "backup"};
  for (int i = 0; i < 2; ++i)
    p->dchans[i] = (struct dchan){.peer = p, .which = names[i], .listen_fd = -1, .conn_fd = -1};
  p->next_call_id = 1;
  p->facility = 1;
  p->display = 1;
  if (!parse_arguments(p, argc, argv)) {
    usage();
    return 2;
  }
  pri_set_message(libpri_message);
  pri_set_error(libpri_error);

  for (int i = 0; i < p->ndchans; ++i) {
    struct dchan* d = &p->dchans[i];
    if (d->listen_mode) {
      if ((d->listen_fd = open_listener(d->path)) < 0) return 1;
      struct line l;
      line_begin(&l, "event", "listening");
      line_str(&l, "path", d->path);
      line_dchan(&l, "which", d);
      line_end(&l);
    } else {
      int fd = open_connection(d->path);
      if (fd < 0 || !attach(d, fd)) return 1;
    }
  }

  while (!p->quit) {
    struct pollfd fds[1 + 2 * 2];
    int n = 0, in_at, listen_at[2] = {-1, -1}, conn_at[2] = {-1, -1};
    fds[in_at = n++] = (struct pollfd){.fd = STDIN_FILENO, .events = POLLIN};
    for (int i = 0; i < p->ndchans; ++i) {
      struct dchan* d = &p->dchans[i];
      if (d->listen_fd >= 0 && d->conn_fd < 0)
        fds[listen_at[i] = n++] = (struct pollfd){.fd = d->listen_fd, .events = POLLIN};
      /* A socket without its controller yet (the backup's, before the primary's) waits. */
      if (d->conn_fd >= 0 && d->pri)
        fds[conn_at[i] = n++] = (struct pollfd){.fd = d->conn_fd, .events = POLLIN | POLLRDHUP};
    }
    int rc = poll(fds, (nfds_t)n, timer_wait_ms(p));
    if (rc < 0 && errno != EINTR) {
      fprintf(stderr, "libpri_peer: poll: %s\n", strerror(errno));
      return 1;
    }
    if (rc > 0 && fds[in_at].revents) {
      read_commands(p);
      if (p->quit) break;
    }
    for (int i = 0; rc > 0 && i < p->ndchans; ++i) {
      struct dchan* d = &p->dchans[i];
      /* (A command may have closed it since the poll: dchan close.) */
      if (conn_at[i] < 0 || !fds[conn_at[i]].revents || d->conn_fd != fds[conn_at[i]].fd) continue;
      d->conn_hup = (fds[conn_at[i]].revents & (POLLHUP | POLLRDHUP | POLLERR)) != 0;
      pri_event* e = pri_check_event(d->pri);
      if (e) on_event(d, e);
    }
    for (int i = 0; rc > 0 && i < p->ndchans; ++i) {
      struct dchan* d = &p->dchans[i];
      if (listen_at[i] < 0 || !(fds[listen_at[i]].revents & POLLIN) || d->conn_fd >= 0) continue;
      int fd = accept4(d->listen_fd, NULL, NULL, SOCK_CLOEXEC);
      if (fd >= 0 && !attach(d, fd)) return 1;
    }
    for (int i = 0; i < p->ndchans; ++i)
      if (p->dchans[i].conn_fd >= 0 && p->dchans[i].conn_closed) detach(&p->dchans[i]);
    /* Each D-channel's timers run on its own controller and give their events there. */
    for (int i = 0; i < p->ndchans; ++i) {
      struct dchan* d = &p->dchans[i];
      pri_event* e;
      while (d->pri && (e = pri_schedule_run(d->pri))) on_event(d, e);
    }
    for (int i = 0; i < p->ndchans; ++i)
      if (p->dchans[i].conn_fd >= 0 && p->dchans[i].conn_closed) detach(&p->dchans[i]);
  }
  for (int i = 0; i < p->ndchans; ++i) {
    struct dchan* d = &p->dchans[i];
    if (d->conn_fd >= 0) close(d->conn_fd);
    if (d->listen_fd >= 0) {
      close(d->listen_fd);
      unlink(d->path);
    }
  }
  return 0;
}
