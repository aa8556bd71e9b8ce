// hls/g711: the block conversion kernel, one sample per iteration.
#include "g711/g711.h"

extern "C" void g711(const uint8_t* codes_in, const int16_t* linear_in, uint8_t* codes_out,
                     int16_t* linear_out, uint32_t sample_count, uint32_t conversion) {
#pragma HLS INTERFACE m_axi port=codes_in offset=slave bundle=gmem
#pragma HLS INTERFACE m_axi port=linear_in offset=slave bundle=gmem
#pragma HLS INTERFACE m_axi port=codes_out offset=slave bundle=gmem
#pragma HLS INTERFACE m_axi port=linear_out offset=slave bundle=gmem
#pragma HLS INTERFACE s_axilite port=codes_in
#pragma HLS INTERFACE s_axilite port=linear_in
#pragma HLS INTERFACE s_axilite port=codes_out
#pragma HLS INTERFACE s_axilite port=linear_out
#pragma HLS INTERFACE s_axilite port=sample_count
#pragma HLS INTERFACE s_axilite port=conversion
#pragma HLS INTERFACE s_axilite port=return
  using namespace sipnic::g711;
  if (sample_count > kMaxSamples) {
    return;
  }
  if (conversion > kUlawToAlaw) {
    return;
  }
  // One loop for every conversion: the choice is a multiplexer per sample,
  // the same in every iteration.
  for (uint32_t index = 0; index < sample_count; ++index) {
#pragma HLS PIPELINE II=1
#pragma HLS LOOP_TRIPCOUNT min=8 max=kMaxSamples
    switch (conversion) {
      case kAlawToLinear:
        linear_out[index] = alaw_to_linear(codes_in[index]);
        break;
      case kUlawToLinear:
        linear_out[index] = ulaw_to_linear(codes_in[index]);
        break;
      case kLinearToAlaw:
        codes_out[index] = linear_to_alaw(linear_in[index]);
        break;
      case kLinearToUlaw:
        codes_out[index] = linear_to_ulaw(linear_in[index]);
        break;
      case kAlawToUlaw:
        codes_out[index] = alaw_to_ulaw(codes_in[index]);
        break;
      default:
        codes_out[index] = ulaw_to_alaw(codes_in[index]);
        break;
    }
  }
}
