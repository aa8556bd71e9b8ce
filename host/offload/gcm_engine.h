// GcmEngine: AES-128/256-GCM over batches of TLS records, batch in, batch out
// (the map: "The offload contract", "tls_gcm"). Backends: cpu (OpenSSL EVP, in
// this folder), sim and xrt (the tls_gcm RTL kernel, issue 4).
//
// Device model: keys live in a key table addressed by slot (as NIC offload
// contexts do), written once per key and referred to by every job that uses
// it; the batch carries only job descriptors and payload bytes. Every struct
// here is a fixed-size, explicitly padded little-endian POD that the RTL
// kernel reads and writes as is; padding and unused bytes are zero, and every
// backend produces byte-identical output for the same batch.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <type_traits>

namespace sipnic::offload {

inline constexpr std::size_t kGcmNonceBytes = 12;
inline constexpr std::size_t kGcmTagBytes = 16;
inline constexpr std::size_t kGcmMaxAadBytes = 13;  // TLS 1.2 AAD; TLS 1.3 uses 5

enum class GcmOp : std::uint8_t { kEncrypt = 0, kDecrypt = 1 };

// One key-table entry. 64 bytes (one 512-bit beat).
struct GcmKey {
  std::uint8_t key[32];     // AES-128 uses the first 16 bytes; the rest zero
  std::uint8_t key_bytes;   // 16 or 32; 0 = empty slot
  std::uint8_t reserved[31];
};
static_assert(sizeof(GcmKey) == 64);

// One record to seal or open. 64 bytes (one 512-bit beat), fields at their
// natural alignment.
struct GcmJob {
  std::uint32_t key_slot;
  std::uint32_t offset;     // payload position in the batch's byte buffer
  std::uint32_t length;     // payload bytes (TLS: at most 2^14 + 256)
  std::uint8_t op;          // GcmOp
  std::uint8_t aad_bytes;   // 0..13
  std::uint16_t reserved0;
  std::uint8_t nonce[kGcmNonceBytes];
  std::uint32_t reserved1;
  std::uint8_t aad[16];     // first aad_bytes used
  std::uint8_t tag[kGcmTagBytes];  // decrypt: the received tag (input)
};
static_assert(sizeof(GcmJob) == 64);

enum class GcmStatus : std::uint8_t {
  kOk = 0,
  kAuthFailed = 1,  // decrypt: tag mismatch; the payload bytes are zeroed
  kBadKeySlot = 2,  // slot out of range or empty
  kBadJob = 3,      // aad_bytes > 13, or payload outside the buffer
};

// One result per job, same order. 32 bytes.
struct GcmResult {
  std::uint8_t status;      // GcmStatus
  std::uint8_t reserved[15];
  std::uint8_t tag[kGcmTagBytes];  // encrypt: the computed tag; decrypt: zero
};
static_assert(sizeof(GcmResult) == 32);

// One job on host memory: the form a record layer hands in, with the payload
// wherever the connection keeps it. `job.offset` is not used; the payload
// (job.length bytes) is read from `in` and the result written to `out`;
// `out == in` works in place, otherwise the two must not overlap.
struct GcmHostJob {
  GcmJob job;
  const std::uint8_t* in;
  std::uint8_t* out;
};

static_assert(std::is_trivially_copyable_v<GcmKey>);
static_assert(std::is_trivially_copyable_v<GcmJob>);
static_assert(std::is_trivially_copyable_v<GcmResult>);

class GcmEngine {
 public:
  virtual ~GcmEngine() = default;

  // Number of key-table slots.
  virtual std::uint32_t key_slots() const = 0;
  // Writes a key (16 or 32 bytes) into a slot; false if the slot or size is
  // out of range. Jobs already run are not affected.
  virtual bool set_key(std::uint32_t slot, std::span<const std::uint8_t> key) = 0;
  // Wipes a slot (keys never linger after a connection ends).
  virtual void clear_key(std::uint32_t slot) = 0;

  // Seals or opens every job's payload in place in `bytes`. `results` has
  // one entry per job. Never throws on bad jobs: they get a status.
  virtual void run(std::span<std::uint8_t> bytes, std::span<const GcmJob> jobs,
                   std::span<GcmResult> results) = 0;

  // Runs jobs on host memory, with the statuses run() gives; `out` gets the
  // result on kOk, zeros on kAuthFailed, and is untouched otherwise. This
  // default gathers the payloads into one buffer in the device format
  // (64-byte aligned), calls run() on it and scatters the results back: the
  // copy a device backend's DMA makes anyway. The cpu backend overrides it
  // to read and write the host buffers directly, which saves the record
  // layer a copy in and a copy out per record.
  virtual void run_host(std::span<const GcmHostJob> jobs, std::span<GcmResult> results);

  // Kernel clock cycles of the last run, start to done, where the backend
  // counts them (sim: simulated cycles, a projection, not a measurement of
  // hardware); nullopt elsewhere.
  virtual std::optional<std::uint64_t> cycles_of_last_run() const { return std::nullopt; }
};

}  // namespace sipnic::offload
