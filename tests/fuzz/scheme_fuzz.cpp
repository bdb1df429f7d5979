// Fuzz harness for the scheme spec parser and the scheme JSON reader: any text gives a
// Scheme or an error, never a crash; every accepted spec prints canonically and parses
// back to the same Scheme (parse(print(s)) == s), and so does its JSON.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/quant/scheme.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto s = qs::parse_spec(text);
  if (s) {
    const std::string printed = qs::print_spec(*s);
    auto again = qs::parse_spec(printed);
    if (!again || !(*again == *s)) __builtin_trap();
    auto from_json = qs::scheme_from_json(qs::scheme_to_json(*s));
    if (!from_json || !(*from_json == *s)) __builtin_trap();
  } else if (s.error().message.empty()) {
    __builtin_trap();
  }
  // The same bytes as a JSON scheme (the GUI's settings and reports store schemes so).
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_discarded()) {
    auto js = qs::scheme_from_json(j);
    if (js) {
      auto back = qs::parse_spec(qs::print_spec(*js));
      if (!back || !(*back == *js)) __builtin_trap();
    }
  }
  return 0;
}

std::vector<std::vector<uint8_t>> FuzzSeeds() {
  const char* specs[] = {
      "absmax:bits=8", "minmax:bits=4,gran=block,block=32", "minmax:bits=8,zp=float",
      "absmax:bits=8,gran=channel,axis=-1", "absmax:bits=4,clip=percentile,p=99.9",
      "minmax:clip=range,lo=-5,hi=5", "absmax:clip=sigma,k=3", "absmax:bits=4,clip=mse", "bf16", "fp16",
      "fp8_e4m3", "fp8_e5m2:saturate=false", "fp8_e4m3:scale=absmax,gran=channel", "nf4:block=64",
      "absmax:bits=8,gran=block,block=32,scale_dtype=f16", "int8", "uint8", "int4", "fp4",
      "absmax:bits=3,rounding=stochastic,seed=7", "minmax:bits=8,signed=true,clip=kl",
      "absmax:bits=4,rot=hadamard", "absmax:bits=4,gran=channel,rot=hadamard,rot_seed=18446744073709551615",
      "minmax:bits=4,smooth=0.5", "nf4:lowrank=32", "int4:keep=6", "q8_0:keep=1", "int8:rot=hadamard,keep=2",
      R"({"kind":"absmax","bits":4,"rot":"hadamard","rot_seed":7})", R"({"kind":"nf4","lowrank":4})",
      R"({"kind":"absmax","bits":4,"granularity":"block","block":64})",
      R"({"kind":"float","format":"fp8_e4m3","scale":"absmax"})"};
  std::vector<std::vector<uint8_t>> seeds;
  for (const char* s : specs) seeds.emplace_back(s, s + std::string_view(s).size());
  return seeds;
}
