#!/usr/bin/env bash
# bench/cps.sh BUILD_DIR: calls per second through sipnic (B2BUA) and through
# Kamailio 5.6 (transaction-stateful record-routing proxy) in the same run, on
# the same sipp set-up, in three series:
#   udp  sipp UACs -> SUT -> sipp UASes, both legs UDP;
#   tcp  the same over TCP (sipp -t t1: a connection per sipp process);
#   tls  sipp UACs -> stunnel (client: TLS 1.3, pbx's client certificate) ->
#        SUT's TLS listener (client certificate required and verified) ->
#        SUT's outbound TLS leg (the SUT's certificate, verified by stunnel) ->
#        stunnel (server) -> sipp UASes.
# Several sipp UAC processes (CPS_UACS) share each step's rate, and the calls
# are spread over several UAS processes (CPS_UASES), so that no single sipp
# process is the limit.
#
# For each (series, SUT) the rate is stepped up; each step is a fresh set of
# UACs placing rate x CPS_STEP_SECONDS calls. Per step: achieved calls/s,
# failures, retransmissions, the CPU of the SUT and of the load generators
# (sipp and stunnel processes) from /proc/PID/task/TID/stat over the step, the
# machine's busy CPU from /proc/stat, and which side was saturated (rule in
# bench/README.md). A series stops when the SUT saturates or a step fails
# (more than 0.1% of its calls failed, calls left unfinished, or less than 90%
# of the rate reached; a failed step is tried once more: the machine may be
# shared). Prints a line per step, a table and BENCH lines.
#
# Knobs (environment): CPS_SERIES ("udp tcp tls"), CPS_SUTS ("sipnic
# kamailio"), CPS_STEPS ("500 1000 ..."), CPS_STEP_SECONDS (2), CPS_CALL_MS
# (call length, ACK to BYE; 100), CPS_WORKERS (sipnic workers = Kamailio
# children; default nproc), CPS_UACS (4), CPS_UASES (2), CPS_REF_RATE (rate at
# which CPU per call is compared; 500), CPS_SATURATED_PCT (90),
# CPS_TLS_SUITE (TLS_AES_128_GCM_SHA256), CPS_KEEP (keep the work directory:
# configs, logs, sipp stat and error files), KAMAILIO, SIPP, STUNNEL, OPENSSL.
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: bench/cps.sh BUILD_DIR" >&2
  exit 2
fi
build=$1
root=$(cd "$(dirname "$0")/.." && pwd)
sipnic=$build/sipnic
sipp=${SIPP:-$(command -v sipp || echo /usr/bin/sipp)}
kamailio=${KAMAILIO:-/usr/sbin/kamailio}
stunnel=${STUNNEL:-/usr/bin/stunnel}
openssl=${OPENSSL:-/usr/bin/openssl}
series_list=(${CPS_SERIES:-udp tcp tls})
suts=(${CPS_SUTS:-sipnic kamailio})
steps=(${CPS_STEPS:-500 1000 2000 3000 4000 5000 6000 8000 10000 12000})
step_seconds=${CPS_STEP_SECONDS:-2}
call_ms=${CPS_CALL_MS:-100}
workers=${CPS_WORKERS:-$(nproc)}
uacs=${CPS_UACS:-4}
uases=${CPS_UASES:-2}
ref_rate=${CPS_REF_RATE:-500}
sat_pct=${CPS_SATURATED_PCT:-90}
tls_suite=${CPS_TLS_SUITE:-TLS_AES_128_GCM_SHA256}
cores=$(nproc)
clk_tck=$(getconf CLK_TCK)

die() { echo "cps: $*" >&2; exit 1; }
[[ -x $sipnic ]] || die "$sipnic not built"
[[ -x $sipp ]] || die "sipp not found (scripts/install-deps installs sip-tester)"
[[ -x $kamailio ]] || die "kamailio not found at $kamailio (scripts/install-deps installs it)"
[[ $uacs =~ ^[1-9]$ && $uases =~ ^[1-9]$ ]] || die "CPS_UACS and CPS_UASES must be 1..9"
for s in "${series_list[@]}"; do
  case $s in
    udp | tcp) ;;
    tls)
      [[ -x $stunnel ]] || die "stunnel not found at $stunnel (Debian package stunnel4)"
      [[ -x $openssl ]] || die "openssl not found at $openssl"
      if [[ " ${suts[*]} " == *" kamailio "* ]] && ! compgen -G "/usr/lib/*/kamailio/modules/tls.so" >/dev/null; then
        die "Kamailio's tls module is missing (Debian package kamailio-tls-modules)"
      fi ;;
    *) die "unknown series '$s' (udp, tcp, tls)" ;;
  esac
done
for s in "${suts[@]}"; do [[ $s == sipnic || $s == kamailio ]] || die "unknown SUT '$s' (sipnic, kamailio)"; done

work=$(mktemp -d "${TMPDIR:-/tmp}/sipnic-cps-XXXXXX")
sut_pid="" sut_name=""
declare -A gen_pids=()  # load-generator processes that live for a series: name -> pid
uac_pids=()

# ---- processes --------------------------------------------------------------------

descendants() {  # descendants PID: every live descendant of PID, one per line
  { grep -H '' /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v root="$1" '
    { c = index($0, ":"); split(substr($0, 1, c - 1), p, "/"); rest = substr($0, c + 1)
      while ((j = index(rest, ") ")) > 0) rest = substr(rest, j + 2)
      split(rest, f, " "); ppid[p[3]] = f[2] }
    END { for (q in ppid) { r = q; k = 0
            while (r != "" && r != root && r > 1 && k++ < 64) r = ppid[r]
            if (r == root && q != root) print q } }'
}
stop_pid() {  # stop_pid PID: SIGTERM, up to 5 s, then SIGKILL, for it and what it forked; reaps it
  local pid=$1 kids
  [[ -z $pid ]] && return 0
  kids=$(descendants "$pid")
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  for k in $kids; do kill -KILL "$k" 2>/dev/null || true; done
}
stop_series() {
  local p name
  for p in "${uac_pids[@]}"; do stop_pid "$p"; done
  uac_pids=()
  for name in "${!gen_pids[@]}"; do stop_pid "${gen_pids[$name]}"; done
  gen_pids=()
  stop_pid "$sut_pid"
  sut_pid=""
}
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  stop_series
  if [[ $status -ne 0 || -n ${CPS_KEEP:-} ]]; then echo "cps: logs kept in $work" >&2; else rm -rf "$work"; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

listening_on() {  # listening_on IP:PORT [udp|tcp]: true if a socket (of that protocol) listens there
  ss -Hlnut 2>/dev/null | awk -v a="$1" -v p="${2:-}" '$5 == a && (p == "" || $1 == p) { found = 1 } END { exit !found }'
}
wait_listening() {  # wait_listening PROTO(u|t) IP:PORT
  local proto=udp
  [[ $1 == t ]] && proto=tcp
  for _ in $(seq 200); do
    listening_on "$2" "$proto" && return 0
    sleep 0.05
  done
  return 1
}
free_port_on() {  # free_port_on IP: a port in 20000..39999 that nothing listens on
  local ip=$1 port
  for _ in $(seq 50); do
    port=$(( 20000 + RANDOM % 20000 ))
    listening_on "$ip:$port" || { echo "$port"; return 0; }
  done
  die "no free port on $ip"
}
require_free() {  # require_free IP:PORT...: the bench's fixed addresses must be unused
  local a
  for a in "$@"; do listening_on "$a" && die "$a is already in use (another run? take /tmp/sipnic-ports.lock)"; done
  return 0
}

# ---- CPU accounting -----------------------------------------------------------------

# snapshot NAME=PID...: "NAME TID TICKS" for every thread of every process in
# each named process tree (Kamailio forks its workers, sipnic and stunnel run
# threads). /proc/PID/task/TID/stat: "tid (comm) state ppid ... utime(14)
# stime(15)"; comm may hold blanks and parens, so fields are counted after
# the last ") ". A task may exit between the glob and the read: not an error.
snapshot() {
  { grep -H '' /proc/[0-9]*/task/[0-9]*/stat 2>/dev/null || true; } | awk -v roots="$*" '
    BEGIN { n = split(roots, r, " "); for (i = 1; i <= n; i++) { split(r[i], kv, "="); root[kv[2]] = kv[1] } }
    { c = index($0, ":"); split(substr($0, 1, c - 1), p, "/"); rest = substr($0, c + 1)
      while ((j = index(rest, ") ")) > 0) rest = substr(rest, j + 2)
      if (split(rest, f, " ") < 13) next
      ppid[p[3]] = f[2]; ticks[p[5]] = f[12] + f[13]; owner[p[5]] = p[3] }
    END { for (t in ticks) { q = owner[t]; k = 0
            while (!(q in root) && q != "" && q > 1 && k++ < 64) q = ppid[q]
            if (q in root) print root[q], t, ticks[t] } }'
}
# cpu_groups BEFORE AFTER: "NAME TOTAL_TICKS BUSIEST_TASK_TICKS" per named tree.
cpu_groups() {
  awk 'NR == FNR { b[$1 " " $2] = $3; next }
       { k = $1 " " $2; d = $3 - (k in b ? b[k] : 0); tot[$1] += d; if (!($1 in mx) || d > mx[$1]) mx[$1] = d }
       END { for (g in tot) print g, tot[g], mx[g] }' "$1" "$2"
}
machine_busy_ticks() {  # busy ticks of all cores (user nice system irq softirq steal)
  awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat
}
pct() { awk -v t="$1" -v hz="$clk_tck" -v w="$2" 'BEGIN { printf "%.0f", (w > 0 ? t / hz / w * 100 : 0) }'; }

# uac_stats CSV: "successful failed created retransmissions elapsed_s" from the
# last row of a sipp stat file (elapsed from its StartTime and CurrentTime).
uac_stats() {
  awk -F';' 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
             NF > 1 { last = $0 }
             END { if (last == "") { print "0 0 0 0 0"; exit }
                   split(last, v, ";"); split(v[c["StartTime"]], s, "\t"); split(v[c["CurrentTime"]], t, "\t")
                   print v[c["SuccessfulCall(C)"]] + 0, v[c["FailedCall(C)"]] + 0, v[c["OutgoingCall(C)"]] + 0,
                         v[c["Retransmissions(C)"]] + 0, t[3] - s[3] }' "$1" 2>/dev/null || echo "0 0 0 0 0"
}

# ---- systems under test -------------------------------------------------------------

# Addresses of a series on 127.0.N.x: SUT .1; stunnel client's source .2 and
# accept .4; UAC k at .(10+k):5060; UAS j at .(30+j):5060; stunnel server's
# service j at .(40+j):5061. UAC k calls service 10j, j = 1 + (k-1) % UASES;
# both SUTs route 10j to UAS j (through stunnel service j over TLS).
uac_ip() { echo "$net.$(( 10 + $1 ))"; }
uas_ip() { echo "$net.$(( 30 + $1 ))"; }
carrier_tls_ip() { echo "$net.$(( 40 + $1 ))"; }
uas_of_uac() { echo $(( 1 + ($1 - 1) % uases )); }

start_sipnic() {  # start_sipnic SERIES
  local series=$1 conf=$work/sipnic-$1.conf j k
  {
    echo "[node]"
    echo "workers = $workers"
    echo "log-level = warn"
    echo "[listen]"
    echo "$series = $net.1:$sut_port"
    if [[ $series == tls ]]; then
      echo "[tls]"
      echo "certificate = $pki/node.crt"
      echo "private-key = $pki/node.key"
      echo "ca = $pki/ca.crt"
      echo "crl = $pki/ca.crl"
      echo "handshake-rate = 0"
      echo "[trunk pbx]"
      echo "transport = tls"
      echo "peer = $net.2:5061"
      echo "tls-identity = pbx.sipnic.test"
    else
      echo "[trunk pbx]"
      echo "transport = $series"
      echo "peer = $(uac_ip 1):5060"
      for (( k = 2; k <= uacs; k++ )); do echo "inbound-from = $(uac_ip "$k")"; done
    fi
    for (( j = 1; j <= uases; j++ )); do
      echo "[trunk carrier$j]"
      echo "transport = $series"
      if [[ $series == tls ]]; then
        echo "peer = $(carrier_tls_ip "$j"):5061"
        echo "tls-identity = carrier$j.sipnic.test"
      else
        echo "peer = $(uas_ip "$j"):5060"
      fi
      echo "[route to-carrier$j]"
      echo "from-trunk = pbx"
      echo "match-prefix = 10$j"
      echo "to-trunk = carrier$j"
    done
  } >"$conf"
  "$sipnic" run -c "$conf" >"$work/sipnic-$series.log" 2>&1 &
  sut_pid=$!
}

start_kamailio() {  # start_kamailio SERIES
  local series=$1 cfg=$work/kamailio-$1.cfg j relay
  mkdir -p "$work/kamailio-run-$series"
  {
    cat <<EOF
#!KAMAILIO
# Generated by bench/cps.sh: a minimal transaction-stateful, record-routing
# proxy relaying every new INVITE for 10j to bench UAS j.
debug=1
log_stderror=yes
memdbg=5
memlog=5
children=$workers
tcp_children=$workers
auto_aliases=no
dns=no
rev_dns=no
use_dns_cache=off
listen=$series:$net.1:$sut_port
EOF
    if [[ $series == tls ]]; then
      cat <<EOF
enable_tls=yes
loadmodule "tls.so"
modparam("tls", "config", "$work/kamailio-tls-module.cfg")
EOF
    fi
    cat <<EOF

loadmodule "pv.so"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "maxfwd.so"
loadmodule "textops.so"

request_route {
  if (!mf_process_maxfwd_header("10")) {
    sl_send_reply("483", "Too Many Hops");
    exit;
  }
  if (is_method("CANCEL")) {
    if (t_check_trans()) t_relay();
    exit;
  }
  # In-dialog requests carry our Record-Route as Route.
  if (loose_route()) {
    t_relay();
    exit;
  }
  # ACK of a non-2xx final: belongs to its INVITE transaction.
  if (is_method("ACK")) {
    if (t_check_trans()) t_relay();
    exit;
  }
  record_route();
  switch (\$rU) {
EOF
    for (( j = 1; j <= uases; j++ )); do
      if [[ $series == tls ]]; then relay="t_relay_to_tls(\"$(carrier_tls_ip "$j")\", \"5061\")"
      else relay="t_relay_to_$series(\"$(uas_ip "$j")\", \"5060\")"; fi
      echo "    case \"10$j\": $relay; break;"
    done
    cat <<EOF
    default: sl_send_reply("404", "Not Found");
  }
  exit;
}
EOF
  } >"$cfg"
  if [[ $series == tls ]]; then
    # Both roles: TLS 1.2 or newer (stunnel allows 1.3 only), the peer's
    # certificate required and verified against the bench CA and its CRL: as
    # sipnic's [tls] section.
    local role
    for role in server client; do
      cat <<EOF
[$role:default]
method = TLSv1.2+
verify_certificate = yes
require_certificate = yes
certificate = $pki/node.crt
private_key = $pki/node.key
ca_list = $pki/ca.crt
crl = $pki/ca.crl

EOF
    done >"$work/kamailio-tls-module.cfg"
  fi
  "$kamailio" -f "$cfg" -DD -E -m 512 -M 16 -n "$workers" -N "$workers" \
    -Y "$work/kamailio-run-$series" -w "$work" >"$work/kamailio-$series.log" 2>&1 &
  sut_pid=$!
}

# ---- TLS load generators --------------------------------------------------------------

# stunnel_tls_options CERT_NAME: TLS 1.3 only, one suite, the SUT's
# certificate checked, no session resumption (every handshake a full one with
# both certificates, as sipnic, which never resumes, would do anyway).
stunnel_tls_options() {
  cat <<EOF
cert = $pki/$1.crt
key = $pki/$1.key
CAfile = $pki/ca.crt
verifyChain = yes
checkHost = node.sipnic.test
sslVersionMin = TLSv1.3
sslVersionMax = TLSv1.3
ciphersuites = $tls_suite
sessionResume = no
socket = l:TCP_NODELAY=1
socket = r:TCP_NODELAY=1
EOF
}
start_stunnel() {  # start_stunnel NAME SERVICES_TEXT
  local name=$1 conf=$work/$1.conf
  printf 'foreground = yes\npid =\ndebug = info\noutput = %s\n%s\n' "$work/$name.log" "$2" >"$conf"
  "$stunnel" "$conf" >"$work/$name.out" 2>&1 &
  gen_pids[$name]=$!
}
start_tls_generators() {  # stunnel server (one service per UAS) before the SUT connects to it
  local j services=""
  for (( j = 1; j <= uases; j++ )); do
    services+="[carrier$j]"$'\n'"accept = $(carrier_tls_ip "$j"):5061"$'\n'"connect = $(uas_ip "$j"):5060"$'\n'
    services+="$(stunnel_tls_options "carrier$j")"$'\n'
  done
  start_stunnel "stunnel-server-$sut_name" "$services"
  for (( j = 1; j <= uases; j++ )); do
    wait_listening t "$(carrier_tls_ip "$j"):5061" || die "stunnel server did not listen: $(cat "$work/stunnel-server-$sut_name.log")"
  done
}
start_tls_client() {  # stunnel client: sipp UACs -> TLS with pbx's certificate -> the SUT
  start_stunnel "stunnel-client-$sut_name" "[pbx]
client = yes
accept = $net.4:5060
connect = $net.1:$sut_port
local = $net.2
$(stunnel_tls_options pbx)"
  wait_listening t "$net.4:5060" || die "stunnel client did not listen: $(cat "$work/stunnel-client-$sut_name.log")"
}

# mutual_tls_probe: a client without a certificate must be refused by the
# SUT's TLS listener, one with pbx's accepted. Prints what happened.
mutual_tls_probe() {
  local base=("$openssl" s_client -connect "$net.1:$sut_port" -tls1_3 -ciphersuites "$tls_suite" -CAfile "$pki/ca.crt"
              -verify_return_error -verify_hostname node.sipnic.test)
  local without with
  without=$( (sleep 1 | timeout 10 "${base[@]}" 2>&1) || true)
  with=$( (sleep 1 | timeout 10 "${base[@]}" -cert "$pki/pbx.crt" -key "$pki/pbx.key" 2>&1) || true)
  if ! grep -q "alert certificate required" <<<"$without"; then
    echo "$without" >"$work/probe-$sut_name-without-cert.out"
    die "$sut_name accepted a TLS client without a certificate (see $work/probe-$sut_name-without-cert.out)"
  fi
  if grep -q "alert" <<<"$with" || ! grep -q "Verify return code: 0 (ok)" <<<"$with"; then
    echo "$with" >"$work/probe-$sut_name-with-cert.out"
    die "$sut_name refused pbx's certificate (see $work/probe-$sut_name-with-cert.out)"
  fi
  echo "  mutual TLS at $sut_name's listener: no client certificate -> 'alert certificate required'; pbx's -> accepted"
}

# tls_legs_check: every TLS connection of the series (both stunnels' logs)
# ran TLS 1.3 with the suite and verified the SUT's certificate; how many
# connections each leg had while the calls ran.
tls_legs_check() {
  local name log suites other accepted
  for name in "stunnel-client-$sut_name" "stunnel-server-$sut_name"; do
    log=$(cat "$work/$name.log")
    suites=$(grep -c "TLSv1.3 ciphersuite: $tls_suite" <<<"$log" || true)
    other=$(grep "ciphersuite: " <<<"$log" | grep -vc "TLSv1.3 ciphersuite: $tls_suite" || true)
    accepted=$(grep -c "Certificate accepted at depth=0: .*CN=node.sipnic.test" <<<"$log" || true)
    [[ $other -eq 0 ]] || die "$name: a connection ran something else than TLSv1.3 $tls_suite ($work/$name.log)"
    [[ $suites -gt 0 && $accepted -ge $suites ]] ||
      die "$name: $suites connections with $tls_suite, $accepted with the SUT's certificate verified ($work/$name.log)"
    tls_conn_count[$name]=$suites
  done
}

# ---- one series -----------------------------------------------------------------------

start_uases() {  # start_uases SERIES
  local series=$1 j sipp_t=() contact_host contact_transport
  [[ $series != udp ]] && sipp_t=(-t t1)
  for (( j = 1; j <= uases; j++ )); do
    if [[ $series == tls ]]; then contact_host="$(carrier_tls_ip "$j"):5061" contact_transport=tls
    else contact_host="$(uas_ip "$j"):5060" contact_transport=$series; fi
    "$sipp" -sf "$root/bench/cps/uas.xml" -i "$(uas_ip "$j")" -p 5060 "${sipp_t[@]}" -nostdin -max_socket 20000 \
      -key contact_host "$contact_host" -key contact_transport "$contact_transport" \
      -trace_stat -stf "$work/uas$j-$sut_name-$series.csv" -fd 1 \
      >"$work/uas$j-$sut_name-$series.out" 2>&1 &
    gen_pids[uas$j]=$!
  done
  local proto=u
  [[ $series != udp ]] && proto=t
  for (( j = 1; j <= uases; j++ )); do
    wait_listening "$proto" "$(uas_ip "$j"):5060" || die "sipp UAS $j did not listen on $(uas_ip "$j"):5060"
  done
}

# start_uacs SERIES TAG RATE SECONDS: the UACs, sharing RATE, for SECONDS of
# calls each; their pids in uac_pids.
start_uacs() {
  local series=$1 tag=$2 rate=$3 seconds=$4 k target sipp_t=()
  [[ $series != udp ]] && sipp_t=(-t t1)
  if [[ $series == tls ]]; then target=$net.4:5060; else target=$net.1:$sut_port; fi
  uac_pids=()
  for (( k = 1; k <= uacs; k++ )); do
    local r=$(( rate / uacs + (k <= rate % uacs ? 1 : 0) ))
    local n=$(( r * seconds ))
    local csv=$work/uac$k-$tag.csv
    # bash's `time` gives each sipp's own CPU (it exits before the after-snapshot).
    ( TIMEFORMAT='%3U %3S'
      time "$sipp" -sf "$root/bench/cps/uac.xml" -i "$(uac_ip "$k")" -p 5060 "${sipp_t[@]}" "$target" \
        -s "10$(uas_of_uac "$k")" -m "$n" -r "$r" -d "$call_ms" -l $(( r * (seconds + 10) )) -nostdin \
        -recv_timeout 5000 -max_socket 20000 -timeout "$(( seconds + 30 ))s" -timeout_error \
        -trace_stat -stf "$csv" -fd 1 -trace_err -error_file "${csv%.csv}_errors.log" -max_log_size 1000000 \
        >"${csv%.csv}.out" 2>&1
    ) 2>"${csv%.csv}.time" &
    uac_pids+=($!)
  done
}
wait_uacs() {  # wait_uacs: waits for uac_pids; sets uac_statuses (each UAC's exit status)
  local p s
  uac_statuses=""
  for p in "${uac_pids[@]}"; do
    s=0
    wait "$p" || s=$?
    uac_statuses+="$s"
  done
  uac_pids=()
}

# warm_up SERIES: a few calls from every UAC to every UAS before the steps,
# not counted, so that the SUT's outbound connections (TCP, TLS) are up: the
# first step then measures calls, not a burst of calls queued behind the
# first connect and handshake (on a loaded box Kamailio answered such a
# cold burst with 477 "error on sending to next hop" and dropped the TLS
# connection it was setting up).
warm_up() {
  local series=$1 k ok=0 o rest
  start_uacs "$series" "$sut_name-$series-warmup" $(( 5 * uacs )) 2
  wait_uacs
  for (( k = 1; k <= uacs; k++ )); do
    read -r o rest < <(uac_stats "$work/uac$k-$sut_name-$series-warmup.csv")
    ok=$(( ok + o ))
  done
  [[ $ok -eq $(( 10 * uacs )) ]] || die "warm-up: $ok of $(( 10 * uacs )) calls through $sut_name succeeded ($work)"
  echo "  warm-up ($sut_name $series): $ok calls through every UAC and UAS, not counted"
  sleep 0.5
}

# run_step SERIES RATE TRY: one step; sets step_* globals and prints its line.
run_step() {
  local series=$1 rate=$2 try=$3 k
  local tag=$sut_name-$series-$rate-$try roots="sut=$sut_pid" name
  for name in "${!gen_pids[@]}"; do roots+=" $name=${gen_pids[$name]}"; done
  local before=$work/cpu-$tag.before after=$work/cpu-$tag.after
  snapshot "$roots" >"$before"
  local w0 w1 b0 b1
  w0=$(date +%s.%N); b0=$(machine_busy_ticks)
  start_uacs "$series" "$tag" "$rate" "$step_seconds"
  wait_uacs
  w1=$(date +%s.%N); b1=$(machine_busy_ticks)
  snapshot "$roots" >"$after"
  local wall
  wall=$(awk -v a="$w0" -v b="$w1" 'BEGIN { printf "%.3f", b - a }')

  # Calls: summed over the UACs.
  local ok=0 failed=0 created=0 retrans=0 elapsed=0 uac_ticks=0 uac_max=0 uac_max_name=uac1 o f c rt el u sy t
  for (( k = 1; k <= uacs; k++ )); do
    read -r o f c rt el < <(uac_stats "$work/uac$k-$tag.csv")
    ok=$(( ok + o )) failed=$(( failed + f )) created=$(( created + c )) retrans=$(( retrans + rt ))
    elapsed=$(awk -v a="$elapsed" -v b="$el" 'BEGIN { print (b > a ? b : a) }')
    read -r u sy < <(tail -1 "$work/uac$k-$tag.time" 2>/dev/null || echo "0 0")
    t=$(awk -v u="${u:-0}" -v s="${sy:-0}" -v hz="$clk_tck" 'BEGIN { printf "%.0f", (u + s) * hz }')
    uac_ticks=$(( uac_ticks + t ))
    if (( t > uac_max )); then uac_max=$t uac_max_name=uac$k; fi
  done
  local calls=$(( rate * step_seconds ))
  # Achieved rate: calls started over the time the UACs took to start them
  # (elapsed of the slowest UAC, less the length of its last call).
  step_achieved=$(awk -v n="$created" -v e="$elapsed" -v d="$call_ms" \
    'BEGIN { t = e - d / 1000; printf "%.0f", (t > 0 ? n / t : 0) }')

  # CPU: the SUT's tree; the load generators' (UACs from `time`, UASes and stunnels from /proc).
  local sut_ticks=0 sut_max=0 gen_ticks=$uac_ticks gen_max=$uac_max gen_max_name=$uac_max_name g tot mx
  while read -r g tot mx; do
    if [[ $g == sut ]]; then sut_ticks=$tot sut_max=$mx
    else
      gen_ticks=$(( gen_ticks + tot ))
      if (( mx > gen_max )); then gen_max=$mx gen_max_name=$g; fi
    fi
  done < <(cpu_groups "$before" "$after")
  step_sut_pct=$(pct "$sut_ticks" "$wall")
  step_gen_pct=$(pct "$gen_ticks" "$wall")
  local sut_max_pct gen_max_pct busy_pct other_pct
  sut_max_pct=$(pct "$sut_max" "$wall")
  gen_max_pct=$(pct "$gen_max" "$wall")
  busy_pct=$(pct $(( b1 - b0 )) "$wall")
  other_pct=$(( busy_pct - step_sut_pct - step_gen_pct ))
  (( other_pct < 0 )) && other_pct=0
  step_sut_us=$(awk -v t="$sut_ticks" -v hz="$clk_tck" -v n="$ok" 'BEGIN { printf "%.0f", (n ? t / hz * 1e6 / n : 0) }')
  local gen_us
  gen_us=$(awk -v t="$gen_ticks" -v hz="$clk_tck" -v n="$ok" 'BEGIN { printf "%.0f", (n ? t / hz * 1e6 / n : 0) }')

  # Verdict: every call finished, at most 0.1% failed, 90% of the rate reached.
  local finished=0 rate_ok=0 fail_ok=0 retrans_high=0
  [[ $(( ok + failed )) -eq $calls && $created -eq $calls ]] && finished=1
  awk -v a="$step_achieved" -v r="$rate" 'BEGIN { exit !(a >= r * 0.9) }' && rate_ok=1
  awk -v f="$failed" -v n="$calls" 'BEGIN { exit !(f <= n * 0.001) }' && fail_ok=1
  awk -v x="$retrans" -v n="$calls" 'BEGIN { exit !(x > n * 0.01) }' && retrans_high=1
  step_verdict=FAIL
  [[ $finished -eq 1 && $rate_ok -eq 1 && $fail_ok -eq 1 ]] && step_verdict=ok

  # Saturation (bench/README.md): first match of
  #   sut             the SUT at >= S% of its cores, or a thread of it at >= S% of one;
  #   load generator  a sipp process or stunnel thread at >= S% of one core;
  #   load generator  the machine's cores >= S% busy, the SUT below its own limit, and
  #   or other load   the load generators holding more of the rest than other
  #                   processes (or else "other load": the machine was not quiet);
  #   sut             calls failed, unfinished, or > 1% retransmitted while neither
  #                   side nor the machine was at its limit;
  #   load generator  the rate not reached, with nothing else wrong;
  #   none.
  local cap=$(( (workers < cores ? workers : cores) * 100 )) why
  if (( step_sut_pct * 100 >= sat_pct * cap )); then
    step_saturated=sut why="sut at ${step_sut_pct}% of ${cap}%"
  elif (( sut_max_pct >= sat_pct )); then
    step_saturated=sut why="a sut thread at ${sut_max_pct}%"
  elif (( gen_max_pct >= sat_pct )); then
    step_saturated="load generator" why="$gen_max_name at ${gen_max_pct}%"
  elif (( busy_pct * 100 >= sat_pct * cores * 100 )); then
    if (( step_gen_pct >= other_pct )); then step_saturated="load generator"; else step_saturated="other load"; fi
    why="cores ${busy_pct}% busy of $(( cores * 100 ))%"
  elif [[ $finished -eq 0 || $fail_ok -eq 0 || $retrans_high -eq 1 ]]; then
    step_saturated=sut why="calls failed or retransmitted, no cpu limit"
  elif [[ $rate_ok -eq 0 ]]; then
    step_saturated="load generator" why="rate not reached"
  else
    step_saturated=none why="-"
  fi
  printf '  %-3s %-8s %6d/s try %d: %6d ok %4d failed %5d retr | %6d/s | sut %4d%% %5d us/call (top thread %3d%%) | gen %4d%% %5d us/call (top %s %d%%) | other %3d%% | %-14s %-36s | sipp exit %s %s\n' \
    "$series" "$sut_name" "$rate" "$try" "$ok" "$failed" "$retrans" "$step_achieved" "$step_sut_pct" "$step_sut_us" \
    "$sut_max_pct" "$step_gen_pct" "$gen_us" "$gen_max_name" "$gen_max_pct" "$other_pct" "$step_saturated" "($why)" \
    "$uac_statuses" "$step_verdict"
}

# run_series SERIES: sets result_* for (SERIES, $sut_name).
run_series() {
  local series=$1 j k
  result_max=0 result_step=0 result_cpu_ref="" result_cpu_max="" result_sut_pct="" result_gen_pct=""
  result_limit="none (top step passed)"
  sut_port=$(free_port_on "$net.1")
  local fixed=()
  for (( k = 1; k <= uacs; k++ )); do fixed+=("$(uac_ip "$k"):5060"); done
  for (( j = 1; j <= uases; j++ )); do fixed+=("$(uas_ip "$j"):5060" "$(carrier_tls_ip "$j"):5061"); done
  require_free "${fixed[@]}" "$net.4:5060"

  [[ $series == tls ]] && start_tls_generators
  if [[ $sut_name == sipnic ]]; then start_sipnic "$series"; else start_kamailio "$series"; fi
  local proto=u
  [[ $series != udp ]] && proto=t
  if ! wait_listening "$proto" "$net.1:$sut_port"; then
    cat "$work/$sut_name-$series.log" >&2
    die "$sut_name did not listen on $net.1:$sut_port"
  fi
  if [[ $series == tls ]]; then
    mutual_tls_probe
    start_tls_client
  fi
  start_uases "$series"
  warm_up "$series"

  local rate try passed
  for rate in "${steps[@]}"; do
    passed=0
    for try in 1 2; do  # a failed step is tried once more: the machine may be shared
      run_step "$series" "$rate" "$try"
      if [[ $step_verdict == ok ]]; then
        passed=1
        if (( step_achieved >= result_max )); then
          result_max=$step_achieved result_step=$rate result_cpu_max=$step_sut_us
          result_sut_pct=$step_sut_pct result_gen_pct=$step_gen_pct
        fi
        [[ $rate -eq $ref_rate ]] && result_cpu_ref=$step_sut_us
        break
      fi
      sleep 1  # let the failed step's transactions end
    done
    if [[ $passed -eq 0 ]]; then result_limit="$step_saturated (step $rate failed)"; break; fi
    if [[ $step_saturated == sut ]]; then result_limit="sut (saturated at step $rate)"; break; fi
    result_limit="none (top step passed; last: $step_saturated)"
    sleep 0.5  # let the last calls' transactions drain before the next step
  done

  if [[ $series == tls ]]; then
    tls_legs_check
    echo "  tls legs ($sut_name): ${tls_conn_count[stunnel-client-$sut_name]} connections stunnel -> $sut_name" \
         "(one per UAC and step), ${tls_conn_count[stunnel-server-$sut_name]} $sut_name -> stunnel; all TLSv1.3" \
         "$tls_suite, $sut_name's certificate verified by stunnel on each"
  fi
  sleep 1.2  # the UASes write their stat row every second
  local uas_ok=0 uas_failed=0 o f rest
  for (( j = 1; j <= uases; j++ )); do
    read -r o f rest < <(uac_stats "$work/uas$j-$sut_name-$series.csv")
    uas_ok=$(( uas_ok + o )) uas_failed=$(( uas_failed + f ))
  done
  echo "  UASes ($sut_name $series): $uas_ok calls answered to the end, $uas_failed failed"
  stop_series
  if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$work/$sut_name-$series.log" 2>/dev/null; then
    die "sanitizer report in $sut_name's log: $work/$sut_name-$series.log"
  fi
}

# ---- the run ----------------------------------------------------------------------------

echo "bench cps: sipp UACs -> {sipnic B2BUA | Kamailio proxy} -> sipp UASes, on loopback; series: ${series_list[*]}"
echo "  machine: $cores cores, shared by the system under test AND the load generators (sipp, stunnel)"
echo "  load: $(uptime | sed 's/.*load average/load average/')"
echo "  $uacs sipp UACs share each step's rate, calls spread over $uases sipp UASes; steps of ${step_seconds}s, calls of ${call_ms} ms"
echo "  sipnic workers = Kamailio children (-n/-N) = $workers; pass = every call done, <= 0.1% failed, >= 90% of the rate"
echo "  saturated at >= ${sat_pct}% (of one core for a thread or sipp process; of the SUT's cores; of the machine)"
echo "  kamailio: $("$kamailio" -v 2>/dev/null | head -1); sipp: $("$sipp" -v 2>/dev/null | grep -o 'v[0-9.]*' | head -1)"
if [[ " ${series_list[*]} " == *" tls "* ]]; then
  echo "  tls: TLS 1.3, $tls_suite, X25519, ECDSA P-256 certificates (sipnic certs init), mutual on both legs;"
  echo "       stunnel: $("$stunnel" -version 2>&1 | grep -o 'stunnel [0-9.]*' | head -1), $("$openssl" version)"
  pki=$work/pki
  peers=(--peer pbx.sipnic.test)
  for (( j = 1; j <= uases; j++ )); do peers+=(--peer "carrier$j.sipnic.test"); done
  "$sipnic" certs init "$pki" "${peers[@]}" >"$work/certs-init.out" 2>&1 || die "sipnic certs init failed: $(cat "$work/certs-init.out")"
fi
echo "  columns: calls ok/failed/retransmissions (UACs) | achieved calls/s | SUT cpu (% of one core, per call, busiest thread)"
echo "           | load generators' cpu (sipp + stunnel) | other load on the machine | saturated (why) | sipp exits | verdict"

declare -A max step cpu_ref cpu_max sut_pct gen_pct limit tls_conn_count
net_index=50
for series in "${series_list[@]}"; do
  for sut_name in "${suts[@]}"; do
    net=127.0.$net_index
    net_index=$(( net_index + 1 ))
    run_series "$series"
    max[$series.$sut_name]=$result_max
    step[$series.$sut_name]=$result_step
    cpu_ref[$series.$sut_name]=${result_cpu_ref:--}
    cpu_max[$series.$sut_name]=${result_cpu_max:--}
    sut_pct[$series.$sut_name]=${result_sut_pct:--}
    gen_pct[$series.$sut_name]=${result_gen_pct:--}
    limit[$series.$sut_name]=$result_limit
  done
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "-" && b != "-" && b > 0) printf "%.2f", a / b; else print "-" }'; }

echo
printf '%-6s %-9s %12s %8s %14s %14s %10s %10s  %s\n' series sut "max calls/s" "at step" "us/call @${ref_rate}" \
  "us/call @max" "sut cpu" "gen cpu" "limit"
for series in "${series_list[@]}"; do
  for s in "${suts[@]}"; do
    k=$series.$s
    printf '%-6s %-9s %12s %8s %14s %14s %9s%% %9s%%  %s\n' "$series" "$s" "${max[$k]}" "${step[$k]}" "${cpu_ref[$k]}" \
      "${cpu_max[$k]}" "${sut_pct[$k]}" "${gen_pct[$k]}" "${limit[$k]}"
  done
done
top=${steps[${#steps[@]}-1]}
for series in "${series_list[@]}"; do
  all_top=1
  for s in "${suts[@]}"; do [[ ${step[$series.$s]} -eq $top ]] || all_top=0; done
  [[ $all_top -eq 1 ]] && echo "note: every SUT passed the top step over $series; its max_cps ratio says little (raise CPS_STEPS)"
done
echo "note: cpu is % of one core ($cores cores here); sut cpu and gen cpu are at the max step. 'limit' is the"
echo "      saturated side of the step that ended the series; 'load generator' means the SUT was not at its"
echo "      own limit, so its max is a lower bound and CPU per call is the better comparison."
echo
for series in "${series_list[@]}"; do
  for s in "${suts[@]}"; do
    k=$series.$s
    echo "BENCH cps.$series.$s.max_cps ${max[$k]} calls/s"
    [[ ${cpu_ref[$k]} != - ]] && echo "BENCH cps.$series.$s.cpu_us_per_call_${ref_rate}cps ${cpu_ref[$k]} us"
    [[ ${cpu_max[$k]} != - ]] && echo "BENCH cps.$series.$s.cpu_us_per_call_at_max ${cpu_max[$k]} us"
    [[ ${sut_pct[$k]} != - ]] && echo "BENCH cps.$series.$s.sut_cpu_at_max ${sut_pct[$k]} %"
    [[ ${gen_pct[$k]} != - ]] && echo "BENCH cps.$series.$s.loadgen_cpu_at_max ${gen_pct[$k]} %"
  done
  if [[ " ${suts[*]} " == *" sipnic "* && " ${suts[*]} " == *" kamailio "* ]]; then
    r=$(ratio "${max[$series.sipnic]}" "${max[$series.kamailio]}")
    [[ $r != - ]] && echo "BENCH cps.$series.ratio_max_cps $r x"
    r=$(ratio "${cpu_ref[$series.kamailio]}" "${cpu_ref[$series.sipnic]}")
    [[ $r != - ]] && echo "BENCH cps.$series.ratio_cpu_per_call_${ref_rate}cps $r x"
  fi
done
exit 0
