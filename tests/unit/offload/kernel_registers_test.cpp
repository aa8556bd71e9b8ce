// offload/kernel_registers.h is the one source of the kernels' register
// maps; this test fails when any other place that states them disagrees:
// bitstreams/<kernel>/kernel.xml (what package_xo puts in the xclbin for an
// RTL kernel; for an HLS kernel, what v++ -c is expected to write), the RTL
// top kernels/<kernel>/<kernel>.sv (ARG_WORDS, ARG_MAPPED, the argument
// slices it takes from the control slave, the control address width), the
// HLS top function hls/<kernel>/<kernel>.cpp (its arguments in order, pointer
// or u32, and their INTERFACE pragmas, from which Vitis HLS makes the
// registers) and the tables of docs/kernels.md.
#include "offload/kernel_registers.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace sipnic::offload {
namespace {

std::string read_source(const std::string& relative) {
  std::ifstream in(std::string(SIPNIC_SOURCE_DIR) + "/" + relative);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::uint64_t parse_number(const std::string& text) { return std::stoull(text, nullptr, 0); }

struct KernelCase {
  std::string_view kernel;
  std::span<const KernelArg> args;
};
void PrintTo(const KernelCase& c, std::ostream* os) { *os << c.kernel; }

// The ports' names as the kernel.xml spells them: package_xo keeps the RTL's
// lower case, v++ -c writes an HLS kernel's in upper case.
struct PortNames {
  std::string_view master;
  std::string_view control;
};
constexpr PortNames kRtlPorts{"m_axi_gmem", "s_axi_control"};
constexpr PortNames kHlsPorts{"M_AXI_GMEM", "S_AXI_CONTROL"};

void check_kernel_xml(std::string_view kernel, std::span<const KernelArg> args, PortNames ports) {
  const std::string xml = read_source("bitstreams/" + std::string(kernel) + "/kernel.xml");
  ASSERT_FALSE(xml.empty()) << "no bitstreams/" << kernel << "/kernel.xml";
  const std::regex arg_re(R"(<arg\s([^>]*)/>)");
  const std::regex attr_re(R"re((\w+)="([^"]*)")re");
  std::size_t seen = 0;
  for (auto it = std::sregex_iterator(xml.begin(), xml.end(), arg_re); it != std::sregex_iterator(); ++it, ++seen) {
    std::map<std::string, std::string> attr;
    const std::string body = (*it)[1];
    for (auto a = std::sregex_iterator(body.begin(), body.end(), attr_re); a != std::sregex_iterator(); ++a)
      attr[(*a)[1]] = (*a)[2];
    const std::size_t id = parse_number(attr["id"]);
    ASSERT_LT(id, args.size()) << "kernel.xml has an argument id " << id << " the register map lacks";
    const KernelArg& want = args[id];
    SCOPED_TRACE(std::string(want.name));
    EXPECT_EQ(attr["name"], want.name);
    EXPECT_EQ(parse_number(attr["offset"]), want.offset);
    EXPECT_EQ(parse_number(attr["size"]), want.size);
    EXPECT_EQ(attr["addressQualifier"], want.global ? "1" : "0");
    EXPECT_EQ(attr["port"], want.global ? ports.master : ports.control);
  }
  EXPECT_EQ(seen, args.size()) << "kernel.xml and the register map have different argument counts";
  EXPECT_NE(xml.find("name=\"" + std::string(kernel) + "\""), std::string::npos) << "kernel.xml names another kernel";
  EXPECT_NE(xml.find(R"(hwControlProtocol="ap_ctrl_chain")"), std::string::npos);
  EXPECT_NE(xml.find("<port name=\"" + std::string(ports.master) + "\" mode=\"master\""), std::string::npos);
  EXPECT_NE(xml.find("<port name=\"" + std::string(ports.control) + "\" mode=\"slave\""), std::string::npos);
}

// The rows `| 0x.. | `name` | pointer ... / u32 ...` of the kernel's section
// of docs/kernels.md, from its heading (`## tls_gcm`, `### hdlc`) to the next
// heading of any level.
void check_docs_table(std::string_view kernel, std::span<const KernelArg> args, std::string_view level) {
  const std::string docs = read_source("docs/kernels.md");
  const std::string heading = "\n" + std::string(level) + " " + std::string(kernel) + "\n";
  const std::size_t begin = docs.find(heading);
  ASSERT_NE(begin, std::string::npos) << "docs/kernels.md has no section " << level << " " << kernel;
  const std::size_t end = docs.find("\n#", begin + heading.size());
  const std::string section = docs.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
  const std::regex row_re(R"(\n\|\s*(0x[0-9A-Fa-f]+)\s*\|\s*`(\w+)`\s*\|\s*(\w+))");
  std::size_t i = 0;
  for (auto it = std::sregex_iterator(section.begin(), section.end(), row_re); it != std::sregex_iterator(); ++it, ++i) {
    ASSERT_LT(i, args.size()) << "docs/kernels.md lists more arguments than the register map";
    SCOPED_TRACE(std::string(args[i].name));
    EXPECT_EQ(parse_number((*it)[1]), args[i].offset);
    EXPECT_EQ((*it)[2].str(), args[i].name);
    EXPECT_EQ((*it)[3].str(), args[i].global ? "pointer" : "u32");
  }
  EXPECT_EQ(i, args.size());
}

class KernelRegisters : public ::testing::TestWithParam<KernelCase> {};

TEST_P(KernelRegisters, KernelXmlDeclaresEveryArgumentAtItsOffsetSizeAndPort) {
  const auto [kernel, args] = GetParam();
  check_kernel_xml(kernel, args, kRtlPorts);
}

// The RTL top, without comments (a register named in prose does not count).
std::string rtl_top(std::string_view kernel) {
  const std::string k(kernel);
  const std::string text = read_source("kernels/" + k + "/" + k + ".sv");
  return std::regex_replace(std::regex_replace(text, std::regex(R"(//[^\n]*)"), ""), std::regex(R"(/\*[^*]*\*+([^/*][^*]*\*+)*/)"), "");
}

TEST_P(KernelRegisters, RtlMapsExactlyTheArgumentWordsAndSlicesThemInOrder) {
  const auto [kernel, args] = GetParam();
  const std::string rtl = rtl_top(kernel);
  ASSERT_FALSE(rtl.empty()) << "no kernels/" << kernel << "/" << kernel << ".sv";
  std::smatch m;
  ASSERT_TRUE(std::regex_search(rtl, m, std::regex(R"(localparam\s+int\s+unsigned\s+ARG_WORDS\s*=\s*(\d+)\s*;)")));
  const unsigned words = static_cast<unsigned>(std::stoul(m[1]));
  ASSERT_TRUE(std::regex_search(
      rtl, m, std::regex(R"(localparam\s+logic\s*\[\s*ARG_WORDS\s*-\s*1\s*:\s*0\s*\]\s*ARG_MAPPED\s*=\s*(\d+)'b([01_]+)\s*;)")));
  EXPECT_EQ(std::stoul(m[1]), words) << "ARG_MAPPED's literal is not ARG_WORDS bits wide";
  std::string bits = m[2];
  std::erase(bits, '_');
  EXPECT_EQ(std::stoull(bits, nullptr, 2), arg_mapped_words(args)) << "ARG_MAPPED differs from the register map";
  const std::uint64_t mapped = arg_mapped_words(args);
  const unsigned highest = 63 - static_cast<unsigned>(__builtin_clzll(mapped));
  EXPECT_GT(words, highest) << "ARG_WORDS leaves out a mapped word";
  EXPECT_LE(kFirstArgOffset + 4 * words, kControlAddressBytes) << "ARG_WORDS does not fit the control address range";

  // Each argument taken from the slave's word vector: args[32 * WORD +: BITS].
  std::vector<std::pair<std::uint32_t, std::uint32_t>> slices, want;
  const std::regex slice_re(R"(\bargs\s*\[\s*32\s*\*\s*(\d+)\s*\+:\s*(\d+)\s*\])");
  for (auto it = std::sregex_iterator(rtl.begin(), rtl.end(), slice_re); it != std::sregex_iterator(); ++it)
    slices.emplace_back(std::stoul((*it)[1]), std::stoul((*it)[2]));
  for (const KernelArg& a : args) want.emplace_back((a.offset - kFirstArgOffset) / 4, 8 * a.size);
  EXPECT_EQ(slices, want) << "the RTL's argument slices (word, bits), in order, differ from the register map";

  ASSERT_TRUE(
      std::regex_search(rtl, m, std::regex(R"(parameter\s+int\s+unsigned\s+C_S_AXI_CONTROL_ADDR_WIDTH\s*=\s*(\d+))")));
  EXPECT_EQ(std::stoul(m[1]), kControlAddressWidth);
}

TEST_P(KernelRegisters, DocsTableListsEveryArgumentAtItsOffset) {
  const auto [kernel, args] = GetParam();
  check_docs_table(kernel, args, "##");
}

INSTANTIATE_TEST_SUITE_P(Kernels, KernelRegisters,
                         ::testing::Values(KernelCase{kTlsGcmKernel, kTlsGcmArgs},
                                           KernelCase{kSipParseKernel, kSipParseArgs}),
                         [](const auto& info) { return std::string(info.param.kernel); });

// ---- the HLS kernels of hls/ -------------------------------------------------

struct HlsKernelCase {
  std::string_view kernel;
  std::span<const KernelArg> args;
  unsigned address_width;
};
void PrintTo(const HlsKernelCase& c, std::ostream* os) { *os << c.kernel; }

class HlsKernelRegisters : public ::testing::TestWithParam<HlsKernelCase> {};

TEST_P(HlsKernelRegisters, KernelXmlDeclaresEveryArgumentAtItsOffsetSizeAndPort) {
  const auto [kernel, args, width] = GetParam();
  check_kernel_xml(kernel, args, kHlsPorts);
  const std::string xml = read_source("bitstreams/" + std::string(kernel) + "/kernel.xml");
  EXPECT_NE(xml.find(R"(language="c")"), std::string::npos) << "an HLS kernel's kernel.xml says language c";
}

// The HLS source, without comments.
std::string hls_top(std::string_view kernel) {
  const std::string k(kernel);
  const std::string text = read_source("hls/" + k + "/" + k + ".cpp");
  return std::regex_replace(std::regex_replace(text, std::regex(R"(//[^\n]*)"), ""), std::regex(R"(/\*[^*]*\*+([^/*][^*]*\*+)*/)"), "");
}

std::string trim(std::string s) {
  const auto blank = [](unsigned char c) { return std::isspace(c) != 0; };
  s.erase(s.begin(), std::find_if_not(s.begin(), s.end(), blank));
  s.erase(std::find_if_not(s.rbegin(), s.rend(), blank).base(), s.end());
  return s;
}

// Vitis HLS makes one register (pair) per argument of the top function, in
// argument order: a pointer with `m_axi ... offset=slave bundle=gmem` and
// `s_axilite` becomes a 64-bit address, a u32 with `s_axilite` a 32-bit
// scalar. So the signature and the pragmas must be the register map's.
TEST_P(HlsKernelRegisters, TopFunctionTakesTheArgumentsInOrderWithTheirInterfaces) {
  const auto [kernel, args, width] = GetParam();
  const std::string src = hls_top(kernel);
  ASSERT_FALSE(src.empty()) << "no hls/" << kernel << "/" << kernel << ".cpp";
  std::smatch m;
  ASSERT_TRUE(std::regex_search(src, m, std::regex("extern\\s+\"C\"\\s+void\\s+" + std::string(kernel) +
                                                   "\\s*\\(([^)]*)\\)\\s*\\{")))
      << "no extern \"C\" top function " << kernel;
  std::vector<std::string> params;
  std::stringstream list(m[1].str());
  for (std::string p; std::getline(list, p, ',');) params.push_back(trim(p));
  ASSERT_EQ(params.size(), args.size()) << "the top function and the register map have different argument counts";

  const auto has_pragma = [&](const std::string& body) {
    return std::regex_search(src, std::regex("#pragma\\s+HLS\\s+INTERFACE\\s+" + body + "\\s*\\n"));
  };
  for (std::size_t i = 0; i < args.size(); ++i) {
    const KernelArg& want = args[i];
    SCOPED_TRACE(std::string(want.name));
    std::smatch p;
    ASSERT_TRUE(std::regex_match(params[i], p, std::regex(R"((.*?)\s*(\**)\s*(\w+))"))) << params[i];
    EXPECT_EQ(p[3].str(), want.name) << "argument " << i << " of the top function";
    const bool pointer = !p[2].str().empty();
    EXPECT_EQ(pointer, want.global) << params[i];
    const std::string name(want.name);
    EXPECT_TRUE(has_pragma("s_axilite\\s+port=" + name)) << "no s_axilite pragma for " << name;
    if (want.global) {
      EXPECT_TRUE(has_pragma("m_axi\\s+port=" + name + "\\s+offset=slave\\s+bundle=gmem"))
          << "no m_axi port=" << name << " offset=slave bundle=gmem pragma";
    } else {
      EXPECT_TRUE(std::regex_match(p[1].str(), std::regex(R"((std::)?uint32_t)"))) << "a scalar register is a u32";
      EXPECT_FALSE(has_pragma("m_axi\\s+port=" + name + "\\b.*")) << name << " is a scalar";
    }
  }
  EXPECT_TRUE(has_pragma("s_axilite\\s+port=return")) << "the block protocol is not on s_axi_control";
  // The Vitis kernel default, ap_ctrl_chain, unless a pragma says otherwise.
  EXPECT_FALSE(std::regex_search(src, std::regex(R"(#pragma\s+HLS\s+INTERFACE\s+(mode=)?ap_ctrl_(hs|none))")));
  // One m_axi pragma per pointer, none for anything else, all on one bundle.
  const std::regex m_axi_re(R"(#pragma\s+HLS\s+INTERFACE\s+m_axi\b[^\n]*)");
  std::size_t m_axi = 0;
  for (auto it = std::sregex_iterator(src.begin(), src.end(), m_axi_re); it != std::sregex_iterator(); ++it) {
    ++m_axi;
    EXPECT_NE(it->str().find("bundle=gmem"), std::string::npos) << it->str();
  }
  EXPECT_EQ(m_axi, static_cast<std::size_t>(std::count_if(args.begin(), args.end(), [](const KernelArg& a) { return a.global; })));
}

TEST_P(HlsKernelRegisters, RegistersFollowTheVitisLayoutInTheDecodedRange) {
  const auto [kernel, args, width] = GetParam();
  EXPECT_TRUE(follows_vitis_layout(args, width));
  EXPECT_EQ(control_address_width(args), width);
  // The last register fits the range, and one bit fewer would not hold it.
  EXPECT_LE(arg_registers_end(args), 1u << width);
  EXPECT_GT(arg_registers_end(args), 1u << (width - 1));
}

TEST_P(HlsKernelRegisters, DocsTableListsEveryArgumentAtItsOffset) {
  const auto [kernel, args, width] = GetParam();
  check_docs_table(kernel, args, "###");
}

INSTANTIATE_TEST_SUITE_P(Kernels, HlsKernelRegisters,
                         ::testing::Values(HlsKernelCase{kTdmFramerKernel, kTdmFramerArgs, kTdmFramerControlAddressWidth},
                                           HlsKernelCase{kTdmMuxKernel, kTdmMuxArgs, kTdmMuxControlAddressWidth},
                                           HlsKernelCase{kHdlcKernel, kHdlcArgs, kHdlcControlAddressWidth}),
                         [](const auto& info) { return std::string(info.param.kernel); });

TEST(KernelRegisterMap, MappedWordsAreThePointersTwoWordsAndTheScalarsOne) {
  // tls_gcm: keys 0-1, jobs 3-4, payload 6-7, results 9-10, then 12, 14, 16.
  EXPECT_EQ(arg_mapped_words(kTlsGcmArgs), 0b1'0101'0110'1101'1011u);
  EXPECT_EQ(arg_offset(kTlsGcmArgs, kTlsGcmPayloadBytes), 0x50u);
  EXPECT_EQ(arg_offset(kSipParseArgs, kSipParseHeaderCapacity), 0x64u);
  // hdlc: ten pointers (words 0-1, 3-4, ... 27-28), then six scalars at
  // words 30, 32, ... 40.
  std::uint64_t hdlc_words = 0;
  for (unsigned p = 0; p < 10; ++p) hdlc_words |= std::uint64_t{3} << (3 * p);
  for (unsigned w = 30; w <= 40; w += 2) hdlc_words |= std::uint64_t{1} << w;
  EXPECT_EQ(arg_mapped_words(kHdlcArgs), hdlc_words);
  EXPECT_EQ(arg_offset(kHdlcArgs, kHdlcTransmitOctetBytes), 0xB0u);
  EXPECT_EQ(arg_offset(kTdmFramerArgs, kTdmFramerSpanCount), 0x64u);
  EXPECT_EQ(arg_offset(kTdmMuxArgs, kTdmMuxSpans), 0x58u);
  EXPECT_EQ(arg_registers_end(kHdlcArgs), 0xB4u);
  EXPECT_EQ(control_address_width(kTlsGcmArgs), kControlAddressWidth);
  EXPECT_EQ(control_address_width(kSipParseArgs), kControlAddressWidth);
}

}  // namespace
}  // namespace sipnic::offload
