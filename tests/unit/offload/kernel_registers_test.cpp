// offload/kernel_registers.h is the one source of the kernels' register
// maps; this test fails when any other place that states them disagrees:
// bitstreams/<kernel>/kernel.xml (what package_xo puts in the xclbin), the
// RTL top kernels/<kernel>/<kernel>.sv (ARG_WORDS, ARG_MAPPED, the argument
// slices it takes from the control slave, the control address width) and
// the tables of docs/kernels.md.
#include "offload/kernel_registers.h"

#include <gtest/gtest.h>

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

class KernelRegisters : public ::testing::TestWithParam<KernelCase> {};

TEST_P(KernelRegisters, KernelXmlDeclaresEveryArgumentAtItsOffsetSizeAndPort) {
  const auto [kernel, args] = GetParam();
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
    EXPECT_EQ(attr["port"], want.global ? "m_axi_gmem" : "s_axi_control");
  }
  EXPECT_EQ(seen, args.size()) << "kernel.xml and the register map have different argument counts";
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
  const std::string docs = read_source("docs/kernels.md");
  const std::string heading = "\n## " + std::string(kernel) + "\n";
  const std::size_t begin = docs.find(heading);
  ASSERT_NE(begin, std::string::npos) << "docs/kernels.md has no section " << kernel;
  const std::size_t end = docs.find("\n## ", begin + heading.size());
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

INSTANTIATE_TEST_SUITE_P(Kernels, KernelRegisters,
                         ::testing::Values(KernelCase{kTlsGcmKernel, kTlsGcmArgs},
                                           KernelCase{kSipParseKernel, kSipParseArgs}),
                         [](const auto& info) { return std::string(info.param.kernel); });

TEST(KernelRegisterMap, MappedWordsAreThePointersTwoWordsAndTheScalarsOne) {
  // tls_gcm: keys 0-1, jobs 3-4, payload 6-7, results 9-10, then 12, 14, 16.
  EXPECT_EQ(arg_mapped_words(kTlsGcmArgs), 0b1'0101'0110'1101'1011u);
  EXPECT_EQ(arg_offset(kTlsGcmArgs, kTlsGcmPayloadBytes), 0x50u);
  EXPECT_EQ(arg_offset(kSipParseArgs, kSipParseHeaderCapacity), 0x64u);
}

}  // namespace
}  // namespace sipnic::offload
