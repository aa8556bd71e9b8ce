#include "sim/device_memory.h"

#include <algorithm>
#include <sstream>
#include <stdexcept>
#include <utility>

namespace sipnic::sim {

DeviceMemory::DeviceMemory(std::uint64_t capacity) : capacity_(capacity) {}

std::uint64_t DeviceMemory::allocate(std::uint64_t bytes) {
  const std::uint64_t rounded = std::max<std::uint64_t>(kAlignment, (bytes + kAlignment - 1) / kAlignment * kAlignment);
  if (rounded < bytes || rounded > capacity_ - std::min(capacity_, bytes_.size())) {
    throw std::length_error("sim::DeviceMemory: out of device memory");
  }
  const std::uint64_t addr = kBase + bytes_.size();
  bytes_.resize(bytes_.size() + rounded, 0);
  return addr;
}

bool DeviceMemory::contains(std::uint64_t addr, std::uint64_t count) const {
  return addr >= kBase && addr - kBase <= bytes_.size() && count <= bytes_.size() - (addr - kBase);
}

std::uint8_t* DeviceMemory::at(std::uint64_t addr, std::uint64_t count) {
  return const_cast<std::uint8_t*>(std::as_const(*this).at(addr, count));
}

const std::uint8_t* DeviceMemory::at(std::uint64_t addr, std::uint64_t count) const {
  if (!contains(addr, count)) {
    std::ostringstream msg;
    msg << "sim::DeviceMemory: access of " << count << " bytes at 0x" << std::hex << addr
        << " outside the allocated buffers";
    throw std::out_of_range(msg.str());
  }
  return bytes_.data() + (addr - kBase);
}

void DeviceMemory::write(std::uint64_t addr, std::span<const std::uint8_t> bytes) {
  std::uint8_t* dst = at(addr, bytes.size());
  std::copy(bytes.begin(), bytes.end(), dst);
}

void DeviceMemory::read(std::uint64_t addr, std::span<std::uint8_t> bytes) const {
  const std::uint8_t* src = at(addr, bytes.size());
  std::copy(src, src + bytes.size(), bytes.begin());
}

void DeviceMemory::fill(std::uint64_t addr, std::uint64_t count, std::uint8_t value) {
  std::uint8_t* dst = at(addr, count);
  std::fill(dst, dst + count, value);
}

}  // namespace sipnic::sim
