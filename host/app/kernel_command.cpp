// `sipnic kernel {sip_parse|tls_gcm} [--offload B] --in FILE --out FILE`: runs
// one offload kernel on one backend from files, for regression runs. Every
// backend writes the same output for the same input, so runs on cpu, sim and
// xrt compare with `cmp`. On backends that count kernel cycles (sim) a line
// on stderr gives them.
//
// sip_parse: FILE holds raw SIP stream bytes; the output is the JSON line that
// `sipnic parse --stream` prints for it.
// tls_gcm: FILE holds JSON lines, one job each, binary fields in lowercase
// hex: {"op": "encrypt"|"decrypt", "key", "nonce", "aad", "payload", "tag"}
// (tag for decrypt only). The output has one JSON line per job, same order:
// {"payload", "tag"} (tag for encrypt only), or {"error": "auth"} when a
// decrypt fails authentication. All jobs run as ONE batch (one kernel run).
//
// Exit status: 0 done (authentication failures are results, not errors),
// 1 bad input (FILE:LINE: reason; nothing is written), 2 usage or backend error.
#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <unordered_map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <algorithm>
#include <vector>

#include "app/commands.h"
#include "app/offload_options.h"
#include "app/parse_json.h"
#include "offload/device.h"
#include "offload/gcm_engine.h"

namespace sipnic::app {
namespace {

namespace po = boost::program_options;
using Bytes = std::vector<std::uint8_t>;

// A bad input line: reported as FILE:LINE: what.
struct InputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

Bytes from_hex(const std::string& hex, const char* field) {
  if (hex.size() % 2 != 0) throw InputError(std::string(field) + ": odd number of hex digits");
  Bytes out(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); ++i) {
    const char c = hex[i];
    int v = -1;
    if (c >= '0' && c <= '9') v = c - '0';
    if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    if (v < 0) throw InputError(std::string(field) + ": '" + std::string(1, c) + "' is not a lowercase hex digit");
    out[i / 2] = static_cast<std::uint8_t>(i % 2 == 0 ? v << 4 : out[i / 2] | v);
  }
  return out;
}

std::string to_hex(const std::uint8_t* p, std::size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s(2 * n, '0');
  for (std::size_t i = 0; i < n; ++i) {
    s[2 * i] = kHex[p[i] >> 4];
    s[2 * i + 1] = kHex[p[i] & 15];
  }
  return s;
}

struct GcmLineJob {
  bool encrypt = true;
  Bytes key, nonce, aad, payload, tag;
};

std::string string_field(const nlohmann::json& j, const char* name, bool required) {
  const auto it = j.find(name);
  if (it == j.end()) {
    if (required) throw InputError(std::string("missing \"") + name + "\"");
    return {};
  }
  if (!it->is_string()) throw InputError(std::string("\"") + name + "\" is not a string");
  return it->get<std::string>();
}

GcmLineJob parse_gcm_line(const std::string& line) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(line);
  } catch (const nlohmann::json::parse_error& e) {
    throw InputError(std::string("not JSON: ") + e.what());
  }
  if (!j.is_object()) throw InputError("not a JSON object");
  for (const auto& [name, value] : j.items()) {
    if (name != "op" && name != "key" && name != "nonce" && name != "aad" && name != "payload" && name != "tag") {
      throw InputError("unknown member \"" + name + "\"");
    }
  }
  GcmLineJob job;
  const std::string op = string_field(j, "op", true);
  if (op != "encrypt" && op != "decrypt") throw InputError("\"op\" must be \"encrypt\" or \"decrypt\"");
  job.encrypt = op == "encrypt";
  job.key = from_hex(string_field(j, "key", true), "key");
  if (job.key.size() != 16 && job.key.size() != 32) throw InputError("key: 16 or 32 bytes (AES-128/256)");
  job.nonce = from_hex(string_field(j, "nonce", true), "nonce");
  if (job.nonce.size() != offload::kGcmNonceBytes) throw InputError("nonce: 12 bytes");
  job.aad = from_hex(string_field(j, "aad", false), "aad");
  if (job.aad.size() > offload::kGcmMaxAadBytes) throw InputError("aad: at most 13 bytes");
  job.payload = from_hex(string_field(j, "payload", false), "payload");
  if (job.payload.size() > 0xFFFFFFFFu) throw InputError("payload: too long");
  if (job.encrypt) {
    if (j.contains("tag")) throw InputError("\"tag\" is for decrypt jobs only");
  } else {
    job.tag = from_hex(string_field(j, "tag", true), "tag");
    if (job.tag.size() != offload::kGcmTagBytes) throw InputError("tag: 16 bytes");
  }
  return job;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read '" + path + "'");
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw std::runtime_error("cannot read '" + path + "'");
  return data;
}

void print_cycles(const char* kernel, const std::optional<std::uint64_t>& cycles, std::size_t bytes) {
  if (!cycles) return;
  std::cerr << "sipnic kernel: " << kernel << ": " << *cycles << " cycles (simulated) for " << bytes << " bytes";
  if (*cycles > 0) std::cerr << ", " << static_cast<double>(bytes) / static_cast<double>(*cycles) << " bytes/cycle";
  std::cerr << "\n";
}

// Runs every job of `jobs` as one batch in the device format; returns the
// output lines.
std::string run_gcm(offload::Device& device, const std::vector<GcmLineJob>& jobs) {
  // One key-table slot per distinct key.
  std::unordered_map<std::string, std::uint32_t> slots;
  std::vector<std::uint32_t> slot_of(jobs.size());
  std::vector<const Bytes*> keys;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    const std::string k(jobs[i].key.begin(), jobs[i].key.end());
    const auto [it, added] = slots.emplace(k, static_cast<std::uint32_t>(keys.size()));
    if (added) keys.push_back(&jobs[i].key);
    slot_of[i] = it->second;
  }
  auto engine = device.make_gcm_engine(std::max<std::uint32_t>(1, static_cast<std::uint32_t>(keys.size())));
  for (std::size_t slot = 0; slot < keys.size(); ++slot) {
    if (!engine->set_key(static_cast<std::uint32_t>(slot), *keys[slot])) {
      throw std::runtime_error("the engine refused a key");
    }
  }
  // Payloads on 64-byte boundaries (one device-memory beat), as the record
  // layer's batches are.
  std::vector<offload::GcmJob> device_jobs(jobs.size());
  std::size_t total = 0;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    total = (total + 63) & ~std::size_t{63};
    offload::GcmJob& d = device_jobs[i];
    d = offload::GcmJob{};
    d.key_slot = slot_of[i];
    d.offset = static_cast<std::uint32_t>(total);
    d.length = static_cast<std::uint32_t>(jobs[i].payload.size());
    d.op = static_cast<std::uint8_t>(jobs[i].encrypt ? offload::GcmOp::kEncrypt : offload::GcmOp::kDecrypt);
    d.aad_bytes = static_cast<std::uint8_t>(jobs[i].aad.size());
    std::memcpy(d.nonce, jobs[i].nonce.data(), sizeof d.nonce);
    if (!jobs[i].aad.empty()) std::memcpy(d.aad, jobs[i].aad.data(), jobs[i].aad.size());
    if (!jobs[i].encrypt) std::memcpy(d.tag, jobs[i].tag.data(), sizeof d.tag);
    total += jobs[i].payload.size();
  }
  if (total > 0xFFFFFFFFu) throw std::runtime_error("the batch is larger than 4 GiB");
  Bytes bytes(total);
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    if (!jobs[i].payload.empty()) std::memcpy(bytes.data() + device_jobs[i].offset, jobs[i].payload.data(), jobs[i].payload.size());
  }
  std::vector<offload::GcmResult> results(jobs.size());
  engine->run(bytes, device_jobs, results);
  print_cycles("tls_gcm", engine->cycles_of_last_run(), total);

  std::string out;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    const auto status = static_cast<offload::GcmStatus>(results[i].status);
    if (status == offload::GcmStatus::kAuthFailed) {
      out += "{\"error\":\"auth\"}\n";
      continue;
    }
    if (status != offload::GcmStatus::kOk) {
      // Input is checked above, so this is the engine's fault.
      throw std::runtime_error("the engine refused job " + std::to_string(i + 1) + " (status " +
                               std::to_string(static_cast<int>(status)) + ")");
    }
    out += "{\"payload\":\"" + to_hex(bytes.data() + device_jobs[i].offset, device_jobs[i].length) + "\"";
    if (jobs[i].encrypt) out += ",\"tag\":\"" + to_hex(results[i].tag, offload::kGcmTagBytes) + "\"";
    out += "}\n";
  }
  return out;
}

bool write_output(const std::string& path, const std::string& text) {
  if (path == "-") {
    std::cout << text;
    std::cout.flush();
    return static_cast<bool>(std::cout);
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  return static_cast<bool>(out);
}

}  // namespace

int kernel_command(const std::vector<std::string>& args) {
  po::options_description opts(
      "sipnic kernel {sip_parse|tls_gcm} [options] --in FILE --out FILE\n"
      "Runs one offload kernel on a backend from files (regression runs); every backend\n"
      "writes the same output. sip_parse: raw SIP stream bytes in, `sipnic parse --stream`\n"
      "JSON out. tls_gcm: JSON lines in (op, key, nonce, aad, payload, tag; hex), one JSON\n"
      "line per job out (payload, tag; or error \"auth\").\nOptions");
  std::string kernel, in_path, out_path;
  opts.add_options()("help,h", "show this help")("in", po::value<std::string>(&in_path), "input FILE")(
      "out", po::value<std::string>(&out_path), "output FILE ('-' for standard output)");
  add_offload_options(opts);
  po::options_description hidden;
  hidden.add_options()("kernel", po::value<std::string>(&kernel));
  po::options_description all;
  all.add(opts).add(hidden);
  po::positional_options_description pos;
  pos.add("kernel", 1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(all).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "sipnic kernel: " << e.what() << "\n" << opts << "\n";
    return 2;
  }
  if (vm.count("help") != 0) {
    std::cout << opts << "\n";
    return 0;
  }
  if (kernel != "sip_parse" && kernel != "tls_gcm") {
    std::cerr << "sipnic kernel: name the kernel: sip_parse or tls_gcm\n" << opts << "\n";
    return 2;
  }
  if (in_path.empty() || out_path.empty()) {
    std::cerr << "sipnic kernel: --in FILE and --out FILE are required\n";
    return 2;
  }
  std::string input;
  std::unique_ptr<offload::Device> device;
  try {
    input = read_file(in_path);
    device = device_from_options(vm);
  } catch (const std::exception& e) {
    std::cerr << "sipnic kernel: " << e.what() << "\n";
    return 2;
  }

  std::string output;
  try {
    if (kernel == "sip_parse") {
      if (input.size() > 0xFFFFFFFFu) throw std::runtime_error("'" + in_path + "' is larger than 4 GiB");
      auto engine = device->make_sip_parse_engine(offload::SipParseLimits{});
      std::ostringstream o;
      print_parse_result(in_path, input, true, *engine, o);
      print_cycles("sip_parse", engine->cycles_of_last_run(), input.size());
      output = o.str();
    } else {
      std::vector<GcmLineJob> jobs;
      std::istringstream lines(input);
      std::string line;
      for (std::size_t number = 1; std::getline(lines, line); ++number) {
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;  // blank line
        try {
          jobs.push_back(parse_gcm_line(line));
        } catch (const InputError& e) {
          std::cerr << in_path << ":" << number << ": " << e.what() << "\n";
          return 1;
        }
      }
      output = run_gcm(*device, jobs);
    }
  } catch (const std::exception& e) {
    std::cerr << "sipnic kernel: " << kernel << " on " << device->name() << ": " << e.what() << "\n";
    return 2;
  }
  if (!write_output(out_path, output)) {
    std::cerr << "sipnic kernel: cannot write '" << out_path << "'\n";
    return 2;
  }
  return 0;
}

}  // namespace sipnic::app
