// The compact spec and JSON forms: canonical printing, round trips, and that every bad
// input is an error naming the key and what is allowed.
#include "analysis/quant/scheme.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

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

TEST(Scheme, DefaultsAndAliases) {
  Scheme a = parse_ok("absmax");
  EXPECT_EQ(a.kind, Kind::Absmax);
  EXPECT_EQ(a.bits, 8);
  EXPECT_EQ(a.granularity, Granularity::Tensor);
  EXPECT_EQ(parse_ok("int8"), parse_ok("absmax:bits=8"));
  EXPECT_EQ(parse_ok("uint8"), parse_ok("minmax:bits=8"));
  EXPECT_EQ(parse_ok("int4"), parse_ok("absmax:bits=4"));
  EXPECT_EQ(parse_ok("uint4"), parse_ok("minmax:bits=4"));
  EXPECT_EQ(parse_ok("fp4"), parse_ok("fp4_e2m1"));
  Scheme n = parse_ok("nf4");
  EXPECT_EQ(n.kind, Kind::NF4);
  EXPECT_EQ(n.bits, 4);
  EXPECT_EQ(n.granularity, Granularity::Block);
  EXPECT_EQ(n.block, 64);
  Scheme f = parse_ok("fp8_e4m3");
  EXPECT_EQ(f.kind, Kind::Float);
  EXPECT_EQ(f.format, numeric::FloatFormat::FP8_E4M3);
  EXPECT_EQ(f.bits, 8);
  EXPECT_TRUE(f.saturate);
  EXPECT_EQ(parse_ok("bf16").bits, 16);
  EXPECT_EQ(parse_ok("fp4_e2m1").bits, 4);
}

TEST(Scheme, ParsesEveryKey) {
  Scheme s = parse_ok("minmax:bits=4,gran=block,block=128,zp=int,signed=true,clip=percentile,"
                      "p=99.99,scale_dtype=bf16,rounding=stochastic,seed=7,name=my-scheme");
  EXPECT_EQ(s.kind, Kind::Minmax);
  EXPECT_EQ(s.bits, 4);
  EXPECT_EQ(s.granularity, Granularity::Block);
  EXPECT_EQ(s.block, 128);
  EXPECT_EQ(s.zero_point, ZeroPointKind::Int);
  EXPECT_TRUE(s.is_signed);
  EXPECT_EQ(s.clip.method, ClipMethod::Percentile);
  EXPECT_DOUBLE_EQ(s.clip.p, 99.99);
  EXPECT_EQ(s.scale_dtype, ScaleDType::BF16);
  EXPECT_EQ(s.rounding, Rounding::Stochastic);
  EXPECT_EQ(s.seed, 7u);
  EXPECT_EQ(s.name, "my-scheme");

  Scheme c = parse_ok("absmax:granularity=channel,axis=-1,clip=range,lo=-5,hi=5.5");
  EXPECT_EQ(c.granularity, Granularity::Channel);
  EXPECT_EQ(c.axis, -1);
  EXPECT_EQ(c.clip.method, ClipMethod::Range);
  EXPECT_EQ(c.clip.lo, -5.0);
  EXPECT_EQ(c.clip.hi, 5.5);
  EXPECT_EQ(parse_ok("absmax:clip=sigma,k=2.5").clip.k, 2.5);
  EXPECT_EQ(parse_ok("absmax:clip=sigma").clip.k, 3.0);   // default k
  EXPECT_EQ(parse_ok("absmax:clip=percentile").clip.p, 99.9);  // default p
  EXPECT_EQ(parse_ok("minmax:zero_point=float").zero_point, ZeroPointKind::Float);
  Scheme fp = parse_ok("fp8_e4m3:scale=absmax,gran=channel,scale_dtype=f16");
  EXPECT_EQ(fp.scale, ScaleMode::Absmax);
  EXPECT_EQ(fp.granularity, Granularity::Channel);
  EXPECT_FALSE(parse_ok("fp8_e5m2:saturate=false").saturate);
  EXPECT_EQ(parse_ok("nf4:block=128").block, 128);
  EXPECT_EQ(parse_ok("absmax:bits=2").bits, 2);
  EXPECT_EQ(parse_ok("absmax:bits=16").bits, 16);
}

TEST(Scheme, CanonicalPrint) {
  const std::pair<const char*, const char*> cases[] = {
      {"int8", "absmax:bits=8"},
      {"absmax", "absmax:bits=8"},
      {"uint8", "minmax:bits=8"},
      {"fp16", "fp16"},
      {"bf16", "bf16"},
      {"fp4", "fp4_e2m1"},
      {"fp8_e5m2:saturate=false", "fp8_e5m2:saturate=false"},
      {"fp8_e5m2:saturate=true", "fp8_e5m2"},
      {"nf4", "nf4"},
      {"nf4:block=64", "nf4"},
      {"nf4:block=32", "nf4:block=32"},
      {"nf4:gran=tensor", "nf4:gran=tensor"},
      {"absmax:gran=block", "absmax:bits=8,gran=block,block=32"},
      {"absmax:scale_dtype=f16,block=32,gran=block,bits=8",
       "absmax:bits=8,gran=block,block=32,scale_dtype=f16"},
      {"absmax:axis=0,gran=channel", "absmax:bits=8,gran=channel,axis=0"},
      {"absmax:clip=percentile", "absmax:bits=8,clip=percentile,p=99.9"},
      {"absmax:clip=sigma", "absmax:bits=8,clip=sigma,k=3"},
      {"minmax:clip=range,hi=5,lo=-5", "minmax:bits=8,clip=range,lo=-5,hi=5"},
      {"minmax:clip=range,lo=-0.1,hi=0.30000000000000004",
       "minmax:bits=8,clip=range,lo=-0.1,hi=0.30000000000000004"},
      {"minmax:zp=int,signed=false", "minmax:bits=8"},
      {"minmax:clip=none", "minmax:bits=8"},
      {"absmax:rounding=nearest_even", "absmax:bits=8"},
      {"absmax:rounding=stochastic,seed=0", "absmax:bits=8,rounding=stochastic"},
      {"absmax:rounding=half_away,name=x", "absmax:bits=8,rounding=half_away,name=x"},
      {"fp8_e4m3:gran=channel,scale=absmax", "fp8_e4m3:gran=channel,axis=0,scale=absmax"},
      {"fp16:scale=none", "fp16"},
  };
  for (const auto& [in, want] : cases) EXPECT_EQ(print_spec(parse_ok(in)), want) << in;
}

// Every scheme of a broad grid survives print -> parse and JSON -> parse unchanged.
TEST(Scheme, RoundTripsOverAGrid) {
  std::vector<Scheme> all;
  for (Kind k : {Kind::Absmax, Kind::Minmax, Kind::NF4}) {
    for (int bits : {2, 3, 4, 8, 16}) {
      if (k == Kind::NF4 && bits != 4) continue;
      for (Granularity g : {Granularity::Tensor, Granularity::Channel, Granularity::Block}) {
        for (ClipMethod c : {ClipMethod::None, ClipMethod::Range, ClipMethod::Percentile,
                             ClipMethod::Sigma, ClipMethod::Mse, ClipMethod::Kl}) {
          for (ScaleDType d : {ScaleDType::F32, ScaleDType::F16, ScaleDType::BF16}) {
            Scheme s = default_scheme(k);
            s.bits = bits;
            s.granularity = g;
            s.axis = g == Granularity::Channel ? -2 : 0;
            if (g == Granularity::Block) s.block = 48;
            s.clip.method = c;
            if (c == ClipMethod::Range) { s.clip.lo = -1.0 / 3.0; s.clip.hi = 2.5e-7; }
            if (c == ClipMethod::Percentile) s.clip.p = 99.123456789;
            if (c == ClipMethod::Sigma) s.clip.k = 0.1;
            s.scale_dtype = d;
            all.push_back(s);
            if (k == Kind::Minmax) {
              Scheme z = s;
              z.zero_point = ZeroPointKind::Float;
              all.push_back(z);
              Scheme sg = s;
              sg.is_signed = true;
              sg.rounding = Rounding::Stochastic;
              sg.seed = 123456789012345ull;
              all.push_back(sg);
            }
            if (k == Kind::Absmax) {
              Scheme h = s;
              h.rounding = Rounding::HalfAway;
              h.name = "label with spaces";
              all.push_back(h);
            }
          }
        }
      }
    }
  }
  using numeric::FloatFormat;
  for (FloatFormat f : {FloatFormat::FP16, FloatFormat::BF16, FloatFormat::FP8_E4M3,
                        FloatFormat::FP8_E5M2, FloatFormat::FP4_E2M1}) {
    for (bool sat : {true, false}) {
      Scheme s = float_scheme(f);
      if (f == FloatFormat::FP8_E4M3 || f == FloatFormat::FP8_E5M2) s.saturate = sat;
      all.push_back(s);
      for (Granularity g : {Granularity::Tensor, Granularity::Channel, Granularity::Block}) {
        Scheme t = s;
        t.scale = ScaleMode::Absmax;
        t.granularity = g;
        t.scale_dtype = ScaleDType::BF16;
        t.clip.method = ClipMethod::Percentile;
        all.push_back(t);
      }
    }
  }
  ASSERT_GT(all.size(), 800u);
  for (const Scheme& raw : all) {
    auto v = validate(raw);
    ASSERT_TRUE(v.has_value()) << v.error().message;
    const Scheme& s = *v;
    const std::string spec = print_spec(s);
    auto back = parse_spec(spec);
    ASSERT_TRUE(back.has_value()) << spec << ": " << back.error().message;
    EXPECT_EQ(*back, s) << spec;
    EXPECT_EQ(print_spec(*back), spec);
    auto from_json = scheme_from_json(scheme_to_json(s));
    ASSERT_TRUE(from_json.has_value()) << spec << ": " << from_json.error().message;
    EXPECT_EQ(*from_json, s) << scheme_to_json(s).dump();
    // The JSON text form round-trips too (numbers survive dump/parse).
    auto from_text = scheme_from_json(nlohmann::json::parse(scheme_to_json(s).dump()));
    ASSERT_TRUE(from_text.has_value());
    EXPECT_EQ(*from_text, s) << spec;
  }
}

TEST(Scheme, JsonShape) {
  nlohmann::json j = scheme_to_json(parse_ok("minmax:bits=4,gran=block,block=32,clip=range,lo=-5,hi=5"));
  EXPECT_EQ(j["kind"], "minmax");
  EXPECT_EQ(j["bits"], 4);
  EXPECT_EQ(j["granularity"], "block");
  EXPECT_EQ(j["block"], 32);
  EXPECT_EQ(j["zero_point"], "int");
  EXPECT_EQ(j["signed"], false);
  EXPECT_EQ(j["clip"]["method"], "range");
  EXPECT_EQ(j["clip"]["lo"], -5.0);
  EXPECT_EQ(j["clip"]["hi"], 5.0);
  EXPECT_EQ(j["rounding"], "nearest_even");
  EXPECT_EQ(j["scale_dtype"], "f32");
  EXPECT_FALSE(j.contains("format"));
  nlohmann::json f = scheme_to_json(parse_ok("fp8_e4m3"));
  EXPECT_EQ(f["kind"], "float");
  EXPECT_EQ(f["format"], "fp8_e4m3");
  EXPECT_EQ(f["bits"], 8);
  EXPECT_EQ(f["scale"], "none");
  EXPECT_EQ(f["saturate"], true);
  EXPECT_FALSE(f.contains("scale_dtype"));  // a plain cast stores no scale
}

TEST(Scheme, StorageBits) {
  EXPECT_EQ(scale_bits(parse_ok("absmax")), 32);
  EXPECT_EQ(scale_bits(parse_ok("absmax:scale_dtype=f16")), 16);
  EXPECT_EQ(scale_bits(parse_ok("absmax:scale_dtype=bf16")), 16);
  EXPECT_EQ(zero_point_bits(parse_ok("absmax:bits=4")), 0);
  EXPECT_EQ(zero_point_bits(parse_ok("minmax:bits=4")), 4);
  EXPECT_EQ(zero_point_bits(parse_ok("minmax:bits=4,zp=float,scale_dtype=f16")), 16);
  EXPECT_EQ(zero_point_bits(parse_ok("nf4")), 0);
  EXPECT_TRUE(has_scale(parse_ok("nf4")));
  EXPECT_FALSE(has_scale(parse_ok("fp8_e4m3")));
  EXPECT_TRUE(has_scale(parse_ok("fp8_e4m3:scale=absmax")));
}

struct BadSpec {
  const char* spec;
  const char* must_contain;
};

TEST(Scheme, ErrorsNameTheKeyAndAllowedValues) {
  const BadSpec cases[] = {
      {"", "unknown scheme kind"},
      {"int3", "allowed are absmax, minmax"},
      {"absmx:bits=8", "unknown scheme kind 'absmx'"},
      {"fp32", "unknown scheme kind 'fp32'"},
      {"absmax:bits=17", "bits=17: bits must be an integer in 2..16"},
      {"absmax:bits=1", "bits=1"},
      {"absmax:bits=8.5", "bits=8.5"},
      {"absmax:bits=", "bits="},
      {"int8:bits=4", "bits: 'int8' fixes the bits"},
      {"nf4:bits=8", "nf4 has 4 bits"},
      {"fp8_e4m3:bits=8", "bits: a float format has fixed bits"},
      {"absmax:gran=row", "gran=row: allowed: tensor, channel, block"},
      {"absmax:gran=block,block=0", "block=0: block must be an integer > 0"},
      {"absmax:gran=block,block=-32", "block=-32"},
      {"absmax:block=32", "block: applies only to gran=block"},
      {"absmax:axis=1", "axis: applies only to gran=channel"},
      {"absmax:gran=channel,axis=x", "axis=x"},
      {"absmax:clip=percentile,p=0", "p=0: p must be in (0, 100]"},
      {"absmax:clip=percentile,p=100.5", "p=100.5"},
      {"absmax:clip=percentile,p=nan", "p=nan"},
      {"absmax:p=99", "p: applies only to clip=percentile"},
      {"absmax:clip=sigma,k=0", "k=0: k must be a finite number > 0"},
      {"absmax:clip=sigma,k=-1", "k=-1"},
      {"absmax:clip=range,lo=-1", "clip=range: needs both lo and hi"},
      {"absmax:clip=range,lo=1,hi=-1", "clip=range needs finite lo < hi"},
      {"absmax:clip=range,lo=-inf,hi=1", "lo=-inf: must be a finite number"},
      {"absmax:lo=1", "lo: applies only to clip=range"},
      {"absmax:clip=magic", "clip=magic: allowed: none, range, percentile, sigma, mse, kl"},
      {"absmax:zp=float", "zp: applies only to minmax"},
      {"minmax:zp=half", "zp=half: allowed: int, float"},
      {"minmax:zp=float,signed=true", "signed: applies only to minmax with zp=int"},
      {"minmax:signed=maybe", "signed=maybe: allowed: true, false"},
      {"absmax:rounding=up", "rounding=up: allowed: nearest_even, stochastic, half_away"},
      {"nf4:rounding=stochastic", "allowed: nearest_even"},
      {"fp16:rounding=half_away", "allowed: nearest_even"},
      {"absmax:seed=3", "seed: applies only to rounding=stochastic"},
      {"absmax:rounding=stochastic,seed=-3", "seed=-3"},
      {"absmax:scale=absmax", "scale: applies only to float formats"},
      {"fp16:scale=max", "scale=max: allowed: none, absmax"},
      {"fp16:scale_dtype=f16", "scale_dtype: this scheme stores no scale"},
      {"absmax:scale_dtype=f8", "scale_dtype=f8: allowed: f32, f16, bf16"},
      {"fp16:saturate=false", "saturate: applies only to fp8"},
      {"fp8_e4m3:saturate=perhaps", "saturate=perhaps"},
      {"fp8_e4m3:gran=channel", "need scale=absmax"},
      {"absmax:bitz=8", "unknown key 'bitz': allowed keys are bits, gran, axis"},
      {"absmax:bits=8,bits=4", "bits: given twice"},
      {"absmax:gran=block,granularity=block", "gran: given twice"},
      {"absmax:bits", "'bits': expected key=value"},
      {"absmax:", "expected key=value"},
      {"absmax:bits=8,", "expected key=value"},
  };
  for (const auto& c : cases) {
    const std::string msg = parse_err(c.spec);
    EXPECT_NE(msg.find(c.must_contain), std::string::npos)
        << "spec '" << c.spec << "' gave: " << msg;
  }
}

TEST(Scheme, JsonErrors) {
  using nlohmann::json;
  const std::pair<json, const char*> cases[] = {
      {json::array(), "expected a JSON object"},
      {json{{"bits", 8}}, "scheme.kind: missing"},
      {json{{"kind", "int"}}, "scheme.kind=int: allowed: absmax, minmax, float, nf4"},
      {json{{"kind", "float"}}, "scheme.format: missing"},
      {json{{"kind", "float"}, {"format", "fp32"}}, "scheme.format=fp32"},
      {json{{"kind", "absmax"}, {"format", "fp16"}}, "format: applies only to kind float"},
      {json{{"kind", "absmax"}, {"bits", "8"}}, "scheme.bits: expected an integer"},
      {json{{"kind", "absmax"}, {"bits", 20}}, "bits=20: bits must be an integer in 2..16"},
      {json{{"kind", "float"}, {"format", "fp16"}, {"bits", 8}}, "fp16 has 16 bits"},
      {json{{"kind", "absmax"}, {"granularity", "block"}, {"block", 0}}, "block=0"},
      {json{{"kind", "absmax"}, {"clip", {{"method", "percentile"}, {"p", 0}}}}, "p=0"},
      {json{{"kind", "absmax"}, {"clip", {{"method", "range"}, {"lo", 1}}}}, "needs both lo and hi"},
      {json{{"kind", "absmax"}, {"clip", "none"}}, "scheme.clip: expected an object"},
      {json{{"kind", "absmax"}, {"rounding", "floor"}}, "scheme.rounding=floor"},
      {json{{"kind", "absmax"}, {"colour", 1}}, "unknown key 'colour'"},
  };
  for (const auto& [j, want] : cases) {
    auto r = scheme_from_json(j);
    ASSERT_FALSE(r.has_value()) << j.dump();
    EXPECT_NE(r.error().message.find(want), std::string::npos)
        << j.dump() << " gave: " << r.error().message;
  }
}

TEST(Scheme, ValidateNormalizesIrrelevantFields) {
  Scheme s = default_scheme(Kind::Absmax);
  s.block = 17;               // not block granularity: irrelevant
  s.clip.p = 50;              // no percentile clip: irrelevant
  s.zero_point = ZeroPointKind::Float;  // absmax has no zero point
  auto v = validate(s);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(*v, default_scheme(Kind::Absmax));
  Scheme bad = default_scheme(Kind::Absmax);
  bad.bits = 0;
  EXPECT_FALSE(validate(bad).has_value());
  Scheme badname = default_scheme(Kind::Absmax);
  badname.name = "a,b";
  EXPECT_FALSE(validate(badname).has_value());
}

}  // namespace
}  // namespace qs
