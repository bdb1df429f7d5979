// The layer × module grid: the names of real checkpoints (Llama, GPT-2, GGUF) laid out by
// hand, names outside the pattern, a second stack with fewer layers, words that only
// contain a layer word, a taken cell, and the worst cells per scheme.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "analysis/model/layer_grid.h"

namespace {

using qs::LayerGrid;
using qs::layer_grid;

TEST(LayerGrid, LlamaNamesGiveLayersByProjections) {
  std::vector<std::string> names = {"model.embed_tokens.weight"};
  for (int l : {0, 1, 2}) {
    for (const char* m : {"self_attn.q_proj", "self_attn.k_proj", "mlp.down_proj"})
      names.push_back("model.layers." + std::to_string(l) + "." + m + ".weight");
    names.push_back("model.layers." + std::to_string(l) + ".input_layernorm.weight");
  }
  names.push_back("lm_head.weight");
  const auto g = layer_grid(names);
  ASSERT_TRUE(g.has_value());
  EXPECT_EQ(g->prefix, "model.layers.");
  EXPECT_EQ(g->layers, (std::vector<int64_t>{0, 1, 2}));
  EXPECT_EQ(g->labels, (std::vector<std::string>{"q_proj", "k_proj", "down_proj", "input_layernorm"}));
  EXPECT_EQ(g->modules[0], "self_attn.q_proj.weight");
  // Row 1 (layer 1), column 2 (down_proj) is names[1 + 4 + 2] = names[7].
  EXPECT_EQ(g->at(1, 2), 7);
  EXPECT_EQ(names[size_t(g->at(1, 2))], "model.layers.1.mlp.down_proj.weight");
  EXPECT_EQ(g->rest, (std::vector<size_t>{0, 13}));
}

TEST(LayerGrid, Gpt2SharedLeafNamesKeepTheirParent) {
  std::vector<std::string> names;
  for (int l : {0, 1})
    for (const char* m : {"attn.c_attn", "attn.c_proj", "mlp.c_fc", "mlp.c_proj"})
      names.push_back("transformer.h." + std::to_string(l) + "." + m + ".weight");
  const auto g = layer_grid(names);
  ASSERT_TRUE(g.has_value());
  EXPECT_EQ(g->prefix, "transformer.h.");
  EXPECT_EQ(g->labels, (std::vector<std::string>{"c_attn", "attn.c_proj", "c_fc", "mlp.c_proj"}));
  EXPECT_TRUE(g->rest.empty());
}

TEST(LayerGrid, GgufBlocksAndUnorderedLayers) {
  const std::vector<std::string> names = {"token_embd.weight", "blk.10.attn_q.weight", "blk.2.attn_q.weight",
                                          "blk.2.ffn_down.weight", "output_norm.weight"};
  const auto g = layer_grid(names);
  ASSERT_TRUE(g.has_value());
  EXPECT_EQ(g->layers, (std::vector<int64_t>{2, 10}));  // numerically, not as text
  EXPECT_EQ(g->labels, (std::vector<std::string>{"attn_q", "ffn_down"}));
  EXPECT_EQ(g->at(0, 0), 2);
  EXPECT_EQ(g->at(1, 0), 1);
  EXPECT_EQ(g->at(1, 1), -1);  // layer 10 has no ffn_down here
  EXPECT_EQ(g->rest, (std::vector<size_t>{0, 4}));
}

TEST(LayerGrid, TheLongestStackWinsAndOthersAreRest) {
  const std::vector<std::string> names = {
      "vision.blocks.0.fc.weight", "vision.blocks.1.fc.weight",                                    // 2 layers
      "text.layers.0.q.weight",    "text.layers.1.q.weight",    "text.layers.2.q.weight",         // 3 layers
      "fc_layers.0.w",             "text.layers.2.q.weight"};                                     // no word; a taken cell
  const auto g = layer_grid(names);
  ASSERT_TRUE(g.has_value());
  EXPECT_EQ(g->prefix, "text.layers.");
  EXPECT_EQ(g->rows(), 3u);
  EXPECT_EQ(g->cols(), 1u);
  EXPECT_EQ(g->rest, (std::vector<size_t>{0, 1, 5, 6}));
}

TEST(LayerGrid, NoGridWithoutTwoLayers) {
  EXPECT_FALSE(layer_grid({"a.weight", "b.weight"}).has_value());
  EXPECT_FALSE(layer_grid({"model.layers.0.q.weight", "model.layers.0.k.weight"}).has_value());
  EXPECT_FALSE(layer_grid({"layers.0", "layers.1"}).has_value());  // nothing after the index
  EXPECT_FALSE(layer_grid({}).has_value());
}

TEST(LayerGrid, WorstCellsAreTheLowestSqnrPerScheme) {
  const std::vector<std::string> names = {"h.0.a.weight", "h.0.b.weight", "h.1.a.weight", "h.1.b.weight", "wte.weight"};
  const auto g = layer_grid(names);
  ASSERT_TRUE(g.has_value());
  qs::ModelAnalysis a;
  const double sqnr[5][2] = {{30, 10}, {20, 40}, {25, 5}, {40, 50}, {1, 1}};
  for (size_t i = 0; i < 5; ++i) {
    qs::TensorAnalysis t;
    t.index = i;
    for (double v : sqnr[i]) {
      qs::SchemeOnTensor r;
      r.metrics = qs::Metrics{};
      r.metrics->sqnr_db = v;
      t.results.push_back(r);
    }
    a.tensors.push_back(t);
  }
  // Cells: (0,a)=0 (0,b)=1 (1,a)=2 (1,b)=3; wte (SQNR 1) is outside the grid.
  EXPECT_EQ(qs::worst_cells(*g, a, 0, 2), (std::vector<size_t>{1, 2}));  // 20, 25
  EXPECT_EQ(qs::worst_cells(*g, a, 1, 3), (std::vector<size_t>{2, 0, 1}));  // 5, 10, 40
}

}  // namespace
