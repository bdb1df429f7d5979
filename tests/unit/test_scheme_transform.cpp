// The transform keys of a scheme (DESIGN.md "Beyond clipping"): parse, print, JSON, and
// every bad input an error naming the key(s).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "analysis/quant/quantize.h"
#include "analysis/quant/scheme.h"

namespace qs {
namespace {

Scheme parse_ok(const std::string& spec) {
  auto r = parse_spec(spec);
  EXPECT_TRUE(r.has_value()) << spec << ": " << (r ? "" : r.error().message);
  return r ? *r : Scheme{};
}

std::string parse_err(const std::string& spec) {
  auto r = parse_spec(spec);
  EXPECT_FALSE(r.has_value()) << spec << " parsed as " << (r ? print_spec(*r) : "");
  return r ? "" : r.error().message;
}

TEST(SchemeTransform, ParsesEachKind) {
  const Scheme r = parse_ok("absmax:bits=4,rot=hadamard");
  EXPECT_EQ(r.transform.kind, TransformKind::Hadamard);
  EXPECT_FALSE(r.transform.has_seed);
  const Scheme rs = parse_ok("absmax:bits=4,rot=hadamard,rot_seed=18446744073709551615");
  EXPECT_TRUE(rs.transform.has_seed);
  EXPECT_EQ(rs.transform.seed, 18446744073709551615ull);
  const Scheme sm = parse_ok("int8:smooth=0.5");
  EXPECT_EQ(sm.transform.kind, TransformKind::Smooth);
  EXPECT_DOUBLE_EQ(sm.transform.alpha, 0.5);
  EXPECT_EQ(parse_ok("nf4:lowrank=16").transform.count, 16);
  EXPECT_EQ(parse_ok("nf4:lowrank=16").transform.kind, TransformKind::LowRank);
  EXPECT_EQ(parse_ok("fp8_e4m3:keep=3").transform.kind, TransformKind::Keep);
  EXPECT_EQ(parse_ok("fp8_e4m3:keep=3").transform.count, 3);
  EXPECT_FALSE(has_transform(parse_ok("absmax:bits=4")));
}

TEST(SchemeTransform, PrintsAfterTheOtherKeysInCanonicalOrder) {
  // Keys in any order print in the fixed order, transform keys last (after name).
  EXPECT_EQ(print_spec(parse_ok("absmax:rot_seed=7,rot=hadamard,name=x,bits=4")),
            "absmax:bits=4,name=x,rot=hadamard,rot_seed=7");
  EXPECT_EQ(print_spec(parse_ok("minmax:smooth=0.25,bits=4,gran=channel")),
            "minmax:bits=4,gran=channel,axis=0,smooth=0.25");
  EXPECT_EQ(print_spec(parse_ok("nf4:lowrank=8")), "nf4:lowrank=8");
  EXPECT_EQ(print_spec(parse_ok("int4:keep=2")), "absmax:bits=4,keep=2");
  EXPECT_EQ(print_spec(parse_ok("int8:smooth=1")), "absmax:bits=8,smooth=1");
  for (const char* spec : {"absmax:bits=4,rot=hadamard", "absmax:bits=4,rot=hadamard,rot_seed=0",
                           "minmax:bits=3,zp=float,smooth=0", "nf4:lowrank=1", "bf16:keep=5",
                           "absmax:bits=4,gran=block,block=64,clip=mse,lowrank=32"}) {
    const Scheme s = parse_ok(spec);
    EXPECT_EQ(print_spec(s), spec);
    EXPECT_EQ(parse_ok(print_spec(s)), s);
  }
}

TEST(SchemeTransform, JsonRoundTrip) {
  for (const char* spec : {"absmax:bits=4,rot=hadamard,rot_seed=12345678901234567890", "int8:smooth=0.75",
                           "nf4:lowrank=4", "minmax:bits=4,keep=9", "absmax:bits=4,rot=hadamard"}) {
    const Scheme s = parse_ok(spec);
    const nlohmann::json j = scheme_to_json(s);
    auto back = scheme_from_json(j);
    ASSERT_TRUE(back.has_value()) << spec << ": " << back.error().message;
    EXPECT_EQ(*back, s) << spec;
  }
  const nlohmann::json j = scheme_to_json(parse_ok("absmax:bits=4,rot=hadamard,rot_seed=3"));
  EXPECT_EQ(j["rot"], "hadamard");
  EXPECT_EQ(j["rot_seed"], 3);
  EXPECT_EQ(scheme_to_json(parse_ok("int8:smooth=0.5"))["smooth"], 0.5);
  EXPECT_EQ(scheme_to_json(parse_ok("int8:lowrank=2"))["lowrank"], 2);
  EXPECT_EQ(scheme_to_json(parse_ok("int8:keep=2"))["keep"], 2);
  EXPECT_FALSE(scheme_to_json(parse_ok("int8")).contains("rot"));
}

TEST(SchemeTransform, BadSpecsNameTheKey) {
  EXPECT_NE(parse_err("int8:rot=hadamard,keep=2").find("keep, rot"), std::string::npos);
  EXPECT_NE(parse_err("int8:smooth=0.5,lowrank=2").find("lowrank, smooth"), std::string::npos);
  EXPECT_NE(parse_err("int8:rot_seed=4").find("rot_seed"), std::string::npos);
  EXPECT_NE(parse_err("int8:keep=2,rot_seed=4").find("rot_seed"), std::string::npos);
  EXPECT_NE(parse_err("int8:rot=walsh").find("rot=walsh: allowed: hadamard"), std::string::npos);
  EXPECT_NE(parse_err("int8:rot=hadamard,rot_seed=-1").find("rot_seed"), std::string::npos);
  EXPECT_NE(parse_err("int8:rot=hadamard,rot_seed=18446744073709551616").find("rot_seed"), std::string::npos);
  EXPECT_NE(parse_err("int8:smooth=1.5").find("smooth"), std::string::npos);
  EXPECT_NE(parse_err("int8:smooth=-0.1").find("smooth"), std::string::npos);
  EXPECT_NE(parse_err("int8:smooth=nan").find("smooth"), std::string::npos);
  EXPECT_NE(parse_err("int8:lowrank=0").find("lowrank"), std::string::npos);
  EXPECT_NE(parse_err("int8:keep=-3").find("keep"), std::string::npos);
  EXPECT_NE(parse_err("int8:keep=2.5").find("keep"), std::string::npos);
  // Any key on a preset names the key.
  EXPECT_EQ(parse_err("q8_0:keep=4").rfind("keep:", 0), 0u);
  EXPECT_EQ(parse_err("q4_k:rot=hadamard").rfind("rot:", 0), 0u);
  // JSON: a preset takes no transform; a wrong type names the key.
  nlohmann::json p = {{"kind", "preset"}, {"preset", "q8_0"}, {"keep", 2}};
  ASSERT_FALSE(scheme_from_json(p).has_value());
  EXPECT_NE(scheme_from_json(p).error().message.find("scheme.keep"), std::string::npos);
  nlohmann::json bad = {{"kind", "absmax"}, {"lowrank", "two"}};
  ASSERT_FALSE(scheme_from_json(bad).has_value());
  EXPECT_NE(scheme_from_json(bad).error().message.find("scheme.lowrank"), std::string::npos);
  nlohmann::json two = {{"kind", "absmax"}, {"lowrank", 2}, {"keep", 1}};
  ASSERT_FALSE(scheme_from_json(two).has_value());
  EXPECT_NE(scheme_from_json(two).error().message.find("keep, lowrank"), std::string::npos);
}

TEST(SchemeTransform, ShapeBoundsNameTheKeyAndTheMatrixView) {
  const int64_t shape[] = {3, 4};
  auto ok = make_layout(shape, parse_ok("int8:lowrank=2"));
  EXPECT_TRUE(ok.has_value());
  auto r = make_layout(shape, parse_ok("int8:lowrank=3"));
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("lowrank=3: needs 1 <= r < min(rows, cols) = 3 for this 3×4"), std::string::npos);
  auto k = make_layout(shape, parse_ok("int8:keep=4"));
  ASSERT_FALSE(k.has_value());
  EXPECT_NE(k.error().message.find("keep=4: needs 1 <= k < cols = 4"), std::string::npos);
  EXPECT_TRUE(make_layout(shape, parse_ok("int8:keep=3")).has_value());
  // A 1-D tensor is one row: lowrank never fits, keep counts along it.
  const int64_t v[] = {8};
  EXPECT_FALSE(make_layout(v, parse_ok("int8:lowrank=1")).has_value());
  EXPECT_TRUE(make_layout(v, parse_ok("int8:keep=7")).has_value());
  // conv [O, I, kh, kw]: cols = I·kh·kw.
  const int64_t conv[] = {2, 3, 3, 3};
  EXPECT_TRUE(make_layout(conv, parse_ok("int8:keep=26")).has_value());
  EXPECT_FALSE(make_layout(conv, parse_ok("int8:keep=27")).has_value());
  // Bits/weight additions, worked by hand on a 4×8 matrix view (numel 32):
  const int64_t m48[] = {4, 8};
  EXPECT_DOUBLE_EQ(transform_extra_bits(parse_ok("int8:lowrank=1").transform, m48), 16.0 * 1 * 12 / 32);  // 6
  EXPECT_DOUBLE_EQ(transform_extra_bits(parse_ok("int8:keep=1").transform, m48), (16.0 * 4 + 32) / 32);   // 3
  EXPECT_DOUBLE_EQ(transform_extra_bits(parse_ok("int8:rot=hadamard").transform, m48), 0.0);
  EXPECT_DOUBLE_EQ(transform_extra_bits(parse_ok("int8:smooth=0.5").transform, m48), 0.0);
}

}  // namespace
}  // namespace qs
