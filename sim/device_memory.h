// sim::DeviceMemory: the simulated device memory (HBM/DDR of a card) behind
// the Verilator harness: a flat byte array with a bump allocator of 4 KiB
// aligned buffers, as XRT hands out buffer objects (docs/kernels.md "The
// Verilator harness").
//
// Addresses start at kBase, above 4 GiB, so that a kernel that truncates a
// 64-bit device address to 32 bits reads or writes the wrong place and a
// test notices. Accesses outside allocated buffers throw: a kernel that
// wanders off its buffers is a bug, not something to paper over with zeros.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace sipnic::sim {

class DeviceMemory {
 public:
  static constexpr std::uint64_t kBase = std::uint64_t{1} << 34;  // 16 GiB
  static constexpr std::uint64_t kAlignment = 4096;

  // `capacity`: the most bytes all buffers together may take (a guard
  // against runaway allocation, not a preallocation).
  explicit DeviceMemory(std::uint64_t capacity = std::uint64_t{1} << 32);

  // A new zero-filled buffer of at least `bytes` bytes (at least 4 KiB, a
  // multiple of 4 KiB), 4 KiB aligned. Throws std::length_error past
  // capacity. Buffers are never freed (bump allocator).
  std::uint64_t allocate(std::uint64_t bytes);

  // Copies bytes in or out; throws std::out_of_range if any byte lies
  // outside the allocated buffers.
  void write(std::uint64_t addr, std::span<const std::uint8_t> bytes);
  void read(std::uint64_t addr, std::span<std::uint8_t> bytes) const;
  void fill(std::uint64_t addr, std::uint64_t count, std::uint8_t value);

  // Bytes allocated so far (end of the last buffer minus kBase).
  std::uint64_t allocated() const { return bytes_.size(); }
  // Whether [addr, addr + count) lies inside the allocated buffers.
  bool contains(std::uint64_t addr, std::uint64_t count) const;

 private:
  std::uint8_t* at(std::uint64_t addr, std::uint64_t count);
  const std::uint8_t* at(std::uint64_t addr, std::uint64_t count) const;

  std::uint64_t capacity_;
  std::vector<std::uint8_t> bytes_;
};

// A device buffer that a backend reuses from run to run and grows when a run
// needs more (re-allocated; the bump allocator never frees, so growth at
// least doubles to bound the waste).
struct GrowingBuffer {
  std::uint64_t addr = 0;
  std::uint64_t capacity = 0;

  void reserve(DeviceMemory& memory, std::uint64_t bytes) {
    if (addr != 0 && bytes <= capacity) return;
    capacity = std::max<std::uint64_t>({bytes, 2 * capacity, DeviceMemory::kAlignment});
    addr = memory.allocate(capacity);
  }
};

}  // namespace sipnic::sim
