// A small writer of the xclbin container (axlf), for tests that load an
// xclbin into XRT without Vitis: Debian's xclbinutil wrapper is broken, and
// the tests need only the metadata XRT reads to find kernels, compute units,
// argument offsets and memory banks, not a bitstream.
//
// The layout is the one of XRT's own header <xrt/xclbin.h> (axlf, axlf_header,
// axlf_section_header, mem_topology, connectivity, ip_layout); the
// EMBEDDED_METADATA section is the XML that v++ writes, built here from the
// very kernel.xml files that bitstreams/ hands to package_xo: each <kernel>
// goes under project/platform/device/core with its <port>s and <arg>s as
// direct children (that is where XRT 2.13's xclbin parser looks for them)
// and one <instance> per compute unit.
//
// Header-only so that a test binary needs no extra CMake wiring.
#pragma once

#include <xclbin.h>  // XRT's axlf structs (the include dir is XRT's, e.g. /usr/include/xrt)

#include <boost/property_tree/ptree.hpp>
#include <boost/property_tree/xml_parser.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace sipnic::test {

// One memory bank of the platform (an entry of MEM_TOPOLOGY).
struct XclbinMemBank {
  std::uint8_t type = MEM_HBM;  // enum MEM_TYPE
  std::uint64_t base_address = 0;
  std::uint64_t size_kb = 0;
  std::string tag;  // "HBM[0]", "DDR[1]", ...; at most 15 characters
  bool used = true;
};

// One compute unit of a kernel: the kernel's description (the text of a
// bitstreams/<name>/kernel.xml, possibly edited by the test), the instance
// name, the base address of its s_axi_control and the memory bank index
// (into the bank list) every global argument is connected to.
struct XclbinComputeUnit {
  std::string kernel_xml;
  std::string instance;  // e.g. "tls_gcm_1"
  std::uint64_t base_address = 0;
  std::int32_t mem_bank = 0;
};

struct XclbinSpec {
  std::string platform_vbnv = "xilinx_u55c_gen3x16_xdma_3_202210_1";
  std::vector<XclbinMemBank> banks;
  std::vector<XclbinComputeUnit> cus;
};

inline std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

namespace detail {

namespace pt = boost::property_tree;

inline void put_bytes(std::vector<std::uint8_t>& out, const void* p, std::size_t n) {
  const auto* b = static_cast<const std::uint8_t*>(p);
  out.insert(out.end(), b, b + n);
}

inline void pad8(std::vector<std::uint8_t>& out) {
  while (out.size() % 8 != 0) out.push_back(0);
}

template <typename T>
void copy_cstr(T& dst, const std::string& s) {
  static_assert(sizeof(dst) > 1);
  if (s.size() >= sizeof(dst)) throw std::invalid_argument("xclbin string too long: " + s);
  std::memset(&dst, 0, sizeof(dst));
  std::memcpy(&dst, s.data(), s.size());
}

// The <kernel> element of a kernel.xml, flattened the way v++ writes it into
// EMBEDDED_METADATA (ports and args direct children of <kernel>).
inline pt::ptree embedded_kernel(const pt::ptree& kernel_xml_kernel) {
  pt::ptree k;
  if (auto attrs = kernel_xml_kernel.get_child_optional("<xmlattr>")) k.add_child("<xmlattr>", *attrs);
  for (const auto& [tag, child] : kernel_xml_kernel) {
    if (tag == "ports") {
      for (const auto& [t, port] : child)
        if (t == "port") k.add_child("port", port);
    } else if (tag == "args") {
      for (const auto& [t, arg] : child)
        if (t == "arg") k.add_child("arg", arg);
    }
  }
  return k;
}

}  // namespace detail

// The xclbin bytes for `spec`.
inline std::vector<std::uint8_t> build_xclbin(const XclbinSpec& spec) {
  namespace pt = boost::property_tree;
  using detail::copy_cstr;
  using detail::pad8;
  using detail::put_bytes;

  // --- parse the kernels, group compute units by kernel name (document order)
  struct KernelEntry {
    std::string name;
    pt::ptree kernel;  // flattened
    std::vector<const XclbinComputeUnit*> cus;
    std::vector<int> global_arg_ids;
  };
  std::vector<KernelEntry> kernels;
  for (const auto& cu : spec.cus) {
    pt::ptree doc;
    std::istringstream in(cu.kernel_xml);
    pt::read_xml(in, doc, pt::xml_parser::trim_whitespace);
    const pt::ptree& k = doc.get_child("root.kernel");
    const std::string name = k.get<std::string>("<xmlattr>.name");
    auto it = std::find_if(kernels.begin(), kernels.end(), [&](const KernelEntry& e) { return e.name == name; });
    if (it == kernels.end()) {
      KernelEntry e;
      e.name = name;
      e.kernel = detail::embedded_kernel(k);
      for (const auto& [t, arg] : e.kernel) {
        // (strings, not get<int>: GCC 12 warns maybe-uninitialized inside
        // boost::optional<int> at -O1 and above)
        if (t == "arg" && std::stoi(arg.get<std::string>("<xmlattr>.addressQualifier"), nullptr, 0) == 1) {
          e.global_arg_ids.push_back(std::stoi(arg.get<std::string>("<xmlattr>.id"), nullptr, 0));
        }
      }
      kernels.push_back(std::move(e));
      it = std::prev(kernels.end());
    }
    it->cus.push_back(&cu);
  }

  // --- IP_LAYOUT: compute units sorted by base address (XRT requires it)
  std::vector<const XclbinComputeUnit*> by_addr;
  for (const auto& cu : spec.cus) by_addr.push_back(&cu);
  std::sort(by_addr.begin(), by_addr.end(),
            [](auto* a, auto* b) { return a->base_address < b->base_address; });
  auto kernel_of = [&](const XclbinComputeUnit* cu) -> const KernelEntry& {
    for (const auto& k : kernels)
      for (auto* c : k.cus)
        if (c == cu) return k;
    throw std::logic_error("compute unit without kernel");
  };

  std::vector<std::uint8_t> ip_section;
  {
    const std::int32_t count = static_cast<std::int32_t>(by_addr.size());
    put_bytes(ip_section, &count, sizeof count);
    pad8(ip_section);  // ip_data is 8-aligned inside struct ip_layout
    std::uint32_t intr = 0;
    for (auto* cu : by_addr) {
      ip_data ip{};
      ip.m_type = IP_KERNEL;
      // interrupt enabled, interrupt id, control protocol ap_ctrl_chain
      ip.properties = 1u | ((intr++ << IP_INTERRUPT_ID_SHIFT) & IP_INTERRUPT_ID_MASK) |
                      (static_cast<std::uint32_t>(AP_CTRL_CHAIN) << IP_CONTROL_SHIFT);
      ip.m_base_address = cu->base_address;
      copy_cstr(ip.m_name, kernel_of(cu).name + ":" + cu->instance);
      put_bytes(ip_section, &ip, sizeof ip);
    }
  }

  // --- MEM_TOPOLOGY
  std::vector<std::uint8_t> mem_section;
  {
    const std::int32_t count = static_cast<std::int32_t>(spec.banks.size());
    put_bytes(mem_section, &count, sizeof count);
    pad8(mem_section);
    for (const auto& b : spec.banks) {
      mem_data m{};
      m.m_type = b.type;
      m.m_used = b.used ? 1 : 0;
      m.m_size = b.size_kb;
      m.m_base_address = b.base_address;
      copy_cstr(m.m_tag, b.tag);
      put_bytes(mem_section, &m, sizeof m);
    }
  }

  // --- CONNECTIVITY: every global argument of every CU to the CU's bank
  std::vector<std::uint8_t> conn_section;
  {
    std::vector<connection> conns;
    for (std::size_t ipx = 0; ipx < by_addr.size(); ++ipx) {
      for (int id : kernel_of(by_addr[ipx]).global_arg_ids) {
        conns.push_back(connection{id, static_cast<std::int32_t>(ipx), by_addr[ipx]->mem_bank});
      }
    }
    const std::int32_t count = static_cast<std::int32_t>(conns.size());
    put_bytes(conn_section, &count, sizeof count);
    for (const auto& c : conns) put_bytes(conn_section, &c, sizeof c);
  }

  // --- EMBEDDED_METADATA
  std::string xml;
  {
    pt::ptree project;
    project.put("project.<xmlattr>.name", "sipnic");
    pt::ptree& platform = project.put("project.platform", "");
    platform.put("<xmlattr>.vendor", "xilinx");
    platform.put("<xmlattr>.name", spec.platform_vbnv);
    pt::ptree& device = platform.put("device", "");
    device.put("<xmlattr>.name", "fpga0");
    device.put("<xmlattr>.fpgaDevice", "virtexuplus");
    pt::ptree& core = device.put("core", "");
    core.put("<xmlattr>.name", "OCL_REGION_0");
    core.put("<xmlattr>.target", "bitstream");
    core.put("<xmlattr>.type", "clc_region");
    core.put("<xmlattr>.clockFreq", "300MHz");
    core.put("<xmlattr>.numComputeUnits", std::to_string(spec.cus.size()));
    for (const auto& k : kernels) {
      pt::ptree kernel = k.kernel;
      for (auto* cu : k.cus) {
        pt::ptree inst;
        inst.put("<xmlattr>.name", cu->instance);
        pt::ptree remap;
        std::ostringstream base;
        base << "0x" << std::hex << cu->base_address;
        remap.put("<xmlattr>.base", base.str());
        remap.put("<xmlattr>.range", "0x10000");
        remap.put("<xmlattr>.port", "s_axi_control");
        inst.add_child("addrRemap", remap);
        kernel.add_child("instance", inst);
      }
      core.add_child("kernel", kernel);
    }
    std::ostringstream out;
    pt::write_xml(out, project, pt::xml_writer_make_settings<std::string>(' ', 2));
    xml = out.str();
  }

  // --- container
  struct Section {
    axlf_section_kind kind;
    const char* name;
    const std::vector<std::uint8_t>* data;
  };
  const std::vector<std::uint8_t> xml_bytes(xml.begin(), xml.end());
  const std::vector<Section> sections = {
      {MEM_TOPOLOGY, "mem_topology", &mem_section},
      {CONNECTIVITY, "connectivity", &conn_section},
      {IP_LAYOUT, "ip_layout", &ip_section},
      {EMBEDDED_METADATA, "embedded_xml", &xml_bytes},
  };

  // struct axlf ends with one section header; the rest follow it.
  const std::size_t headers_end = sizeof(axlf) + (sections.size() - 1) * sizeof(axlf_section_header);
  std::vector<std::uint8_t> body;
  std::vector<axlf_section_header> shdrs;
  std::size_t pos = (headers_end + 7) & ~std::size_t{7};
  for (const auto& s : sections) {
    axlf_section_header h{};
    h.m_sectionKind = s.kind;
    copy_cstr(h.m_sectionName, s.name);
    h.m_sectionOffset = pos;
    h.m_sectionSize = s.data->size();
    shdrs.push_back(h);
    pos += (s.data->size() + 7) & ~std::size_t{7};
  }

  std::vector<std::uint8_t> out(pos, 0);
  axlf top{};
  std::memcpy(top.m_magic, "xclbin2", 8);
  top.m_signature_length = -1;
  std::memset(top.reserved, 0xFF, sizeof top.reserved);
  std::memset(top.m_keyBlock, 0xFF, sizeof top.m_keyBlock);
  std::random_device rd;
  std::mt19937_64 rng((static_cast<std::uint64_t>(rd()) << 32) ^ rd());
  top.m_uniqueId = rng();
  top.m_header.m_length = pos;
  top.m_header.m_timeStamp = static_cast<std::uint64_t>(std::time(nullptr));
  top.m_header.m_versionMajor = 2;
  top.m_header.m_versionMinor = 13;
  top.m_header.m_versionPatch = 0;
  top.m_header.m_mode = XCLBIN_FLAT;
  copy_cstr(top.m_header.m_platformVBNV, spec.platform_vbnv);
  // A fresh random (version 4) uuid per xclbin: XRT keys loaded xclbins by it.
  std::array<std::uint8_t, 16> uuid{};
  for (auto& b : uuid) b = static_cast<std::uint8_t>(rng());
  uuid[6] = static_cast<std::uint8_t>((uuid[6] & 0x0F) | 0x40);
  uuid[8] = static_cast<std::uint8_t>((uuid[8] & 0x3F) | 0x80);
  std::memcpy(&top.m_header.uuid, uuid.data(), uuid.size());
  top.m_header.m_numSections = static_cast<std::uint32_t>(sections.size());
  top.m_sections[0] = shdrs[0];
  std::memcpy(out.data(), &top, sizeof top);
  for (std::size_t i = 1; i < shdrs.size(); ++i) {
    std::memcpy(out.data() + sizeof(axlf) + (i - 1) * sizeof(axlf_section_header), &shdrs[i],
                sizeof(axlf_section_header));
  }
  for (std::size_t i = 0; i < sections.size(); ++i) {
    if (!sections[i].data->empty()) {
      std::memcpy(out.data() + shdrs[i].m_sectionOffset, sections[i].data->data(), sections[i].data->size());
    }
  }
  return out;
}

inline void write_xclbin(const XclbinSpec& spec, const std::string& path) {
  const auto bytes = build_xclbin(spec);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

}  // namespace sipnic::test
