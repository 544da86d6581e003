#include "fold_linear.h"

#include <algorithm>
#include <optional>
#include <set>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include "panel_gemm.h"
#include "weight_storage.h"

namespace storefuse::infer {

namespace {

// One entry of a small int64 vector computed from shapes: a known integer,
// or dimension `axis` of value `of` (negative axes count from the end).
struct Entry {
  bool is_dim = false;
  int64_t value = 0;
  std::string of;
  int64_t axis = 0;
};

// What is known of an int64 value at load time: the whole shape of a value
// (a Shape node's output), or its entries; `scalar` for rank 0.
struct Symbolic {
  std::string shape_of;
  std::vector<Entry> entries;
  bool scalar = false;
};

std::optional<std::vector<int64_t>> int64_constant(const Tensor& t) {
  if (!t.defined() || t.dtype() != DType::Int64 || t.rank() > 1) return std::nullopt;
  const int64_t* p = t.data<int64_t>();
  return std::vector<int64_t>(p, p + t.numel());
}

Symbolic constant_symbol(const std::vector<int64_t>& values, bool scalar) {
  Symbolic s;
  s.scalar = scalar;
  for (int64_t v : values) s.entries.push_back({false, v, {}, 0});
  return s;
}

// Int64 vectors traced through Constant, Shape, Gather, Unsqueeze, Cast and
// Concat: enough to read the Reshape targets exporters build from shapes.
std::map<std::string, Symbolic> trace_symbols(const std::vector<Node>& nodes,
                                              const std::map<std::string, Tensor>& initializers) {
  std::map<std::string, Symbolic> sym;
  for (const auto& [name, t] : initializers) {
    if (auto v = int64_constant(t)) sym[name] = constant_symbol(*v, t.rank() == 0);
  }
  auto known = [&](const Node& n, size_t i) -> const Symbolic* {
    auto it = n.has_input(i) ? sym.find(n.inputs[i]) : sym.end();
    return it == sym.end() ? nullptr : &it->second;
  };
  for (const Node& n : nodes) {
    if (!n.domain.empty() || n.outputs.empty() || n.outputs[0].empty()) continue;
    const std::string& out = n.outputs[0];
    if (n.op_type == "Constant" && n.has("value")) {
      const Tensor& t = n.attr_tensor("value");
      if (auto v = int64_constant(t)) sym[out] = constant_symbol(*v, t.rank() == 0);
    } else if (n.op_type == "Shape" && n.has_input(0) && !n.has("start") && !n.has("end")) {
      sym[out].shape_of = n.inputs[0];
    } else if (n.op_type == "Gather" && n.attr_int("axis", 0) == 0) {
      const Symbolic* data = known(n, 0);
      const Symbolic* idx = known(n, 1);
      if (!data || !idx || !idx->shape_of.empty()) continue;
      Symbolic s;
      s.scalar = idx->scalar;
      bool ok = true;
      for (const Entry& e : idx->entries) {
        if (e.is_dim) {
          ok = false;
        } else if (!data->shape_of.empty()) {
          s.entries.push_back({true, 0, data->shape_of, e.value});
        } else if (e.value >= 0 && e.value < static_cast<int64_t>(data->entries.size())) {
          s.entries.push_back(data->entries[e.value]);
        } else {
          ok = false;
        }
      }
      if (ok) sym[out] = s;
    } else if (n.op_type == "Unsqueeze") {
      const Symbolic* x = known(n, 0);
      std::vector<int64_t> axes = n.attr_ints("axes");
      if (const Symbolic* a = known(n, 1)) {
        axes.clear();
        for (const Entry& e : a->entries) axes.push_back(e.is_dim ? -99 : e.value);
      }
      if (x && x->scalar && x->shape_of.empty() && (axes == std::vector<int64_t>{0} || axes == std::vector<int64_t>{-1})) {
        Symbolic s = *x;
        s.scalar = false;
        sym[out] = s;
      }
    } else if (n.op_type == "Cast" && n.attr_int("to", 0) == 7 /* INT64 */) {
      if (const Symbolic* x = known(n, 0)) sym[out] = *x;
    } else if (n.op_type == "Concat" && (n.attr_int("axis", 0) == 0 || n.attr_int("axis", 0) == -1)) {
      Symbolic s;
      bool ok = true;
      for (size_t i = 0; i < n.inputs.size() && ok; ++i) {
        const Symbolic* x = known(n, i);
        ok = x && x->shape_of.empty() && !x->scalar;
        if (ok) s.entries.insert(s.entries.end(), x->entries.begin(), x->entries.end());
      }
      if (ok) sym[out] = s;
    }
  }
  return sym;
}

const Tensor* float_initializer(const std::map<std::string, Tensor>& initializers, const Node& n, size_t i) {
  if (!n.has_input(i)) return nullptr;
  auto it = initializers.find(n.inputs[i]);
  return it == initializers.end() || it->second.dtype() != DType::Float32 ? nullptr : &it->second;
}

// A plain linear layer: Gemm with alpha 1, transA 0, 2-D float32 weights
// and no bias or a bias of N floats with beta 1.
struct Linear {
  const Tensor* w = nullptr;
  const Tensor* b = nullptr;
  bool transposed = false;  // W stored [N, K] (transB)
  int64_t k = 0, n = 0;
};

// K and N from the weights and their layout.
void set_dims(Linear& l) {
  l.k = l.w->dim(l.transposed ? 1 : 0);
  l.n = l.w->dim(l.transposed ? 0 : 1);
}

std::optional<Linear> as_linear(const Node& node, const std::map<std::string, Tensor>& initializers) {
  if (node.op_type != "Gemm" || !node.domain.empty() || node.inputs.size() < 2 || node.outputs.size() != 1) {
    return std::nullopt;
  }
  if (node.attr_int("transA", 0) != 0 || node.attr_float("alpha", 1.0f) != 1.0f) return std::nullopt;
  Linear l;
  l.w = float_initializer(initializers, node, 1);
  if (!l.w || l.w->rank() != 2) return std::nullopt;
  l.transposed = node.attr_int("transB", 0) != 0;
  set_dims(l);
  if (node.has_input(2)) {
    l.b = float_initializer(initializers, node, 2);
    const bool row = l.b && (l.b->rank() == 1 || (l.b->rank() == 2 && l.b->dim(0) == 1));
    if (!row || l.b->numel() != l.n || node.attr_float("beta", 1.0f) != 1.0f) return std::nullopt;
  }
  return l;
}

// The second layer's weights and bias after folding the first (square, E
// features, y = x M1 + b1) into each of its r = K2 / E input blocks: block j
// of M2 (rows [jE, jE + E) of the [K2, N2] matrix) becomes M1 M2_j. Computed
// in the layout the second layer stores, without transposing either matrix
// (the panel GEMM packs whichever operand it needs). For the seed network's
// 1024 x 2048 fusion layer that is 1.07 G multiply-adds at load, the
// largest step of loading it (docs/performance.md has the load's figures).
std::pair<Tensor, Tensor> compose(const Linear& first, const Linear& second) {
  const int64_t e = first.n, k2 = second.k, n2 = second.n, blocks = k2 / e;
  const float* w1 = first.w->data<float>();
  const float* w2 = second.w->data<float>();
  // Written whole below: no zeroing, on huge pages (weight_storage.h).
  Tensor w(DType::Float32, second.transposed ? Shape{n2, k2} : Shape{k2, n2},
           allocate_weight_storage(static_cast<size_t>(k2 * n2) * sizeof(float)));
  float* out = w.data<float>();
  if (second.transposed) {
    // W2 [N2, K2]: W2'[:, block j] = W2[:, block j] M1^T, i.e. rows of W2
    // times the panels of M1^T, which as "[N, K]" is M1 itself.
    // One block per thread, each multiplied on that thread alone: split
    // across threads as well, every thread packed all of the block's rows
    // of W2 for half of its panels (20 % of the work at the seed's shapes).
    const PanelWeights m1t(w1, e, e, /*nk=*/!first.transposed);
    tbb::parallel_for(int64_t(0), blocks, [&](int64_t j) {
      tbb::task_arena(1).execute([&] { m1t.multiply(w2 + j * e, k2, n2, out + j * e, k2, GemmEpilogue{}); });
    });
  } else {
    // W2 = M2 [K2, N2]: rows [jE, jE + E) become M1 M2_j.
    std::vector<float> m1(w1, w1 + e * e);
    if (first.transposed) {
      for (int64_t i = 0; i < e; ++i)
        for (int64_t c = 0; c < e; ++c) m1[i * e + c] = w1[c * e + i];
    }
    tbb::parallel_for(int64_t(0), blocks, [&](int64_t j) {
      tbb::task_arena(1).execute([&] {
        const PanelWeights block(w2 + j * e * n2, n2, e, /*nk=*/false);
        block.multiply(m1.data(), e, e, out + j * e * n2, n2, GemmEpilogue{});
      });
    });
  }
  // b2' = b2 + tile(b1) M2, accumulated in double.
  std::vector<double> bias(n2, 0.0);
  if (second.b) {
    for (int64_t c = 0; c < n2; ++c) bias[c] = second.b->data<float>()[c];
  }
  const float* b1 = first.b ? first.b->data<float>() : nullptr;
  if (b1 && second.transposed) {  // W2 [N2, K2]: one dot product per output
    // Four partial sums per output and outputs split across threads: one
    // serial chain of 2M dependent double adds would be a visible share of
    // the seed network's load.
    tbb::parallel_for(tbb::blocked_range<int64_t>(0, n2, 64), [&](const tbb::blocked_range<int64_t>& range) {
      for (int64_t c = range.begin(); c < range.end(); ++c) {
        const float* row = w2 + c * k2;
        double part[4] = {};
        for (int64_t q = 0; q < k2; q += e) {
          int64_t i = 0;
          for (; i + 4 <= e; i += 4)
            for (int l = 0; l < 4; ++l) part[l] += static_cast<double>(b1[i + l]) * row[q + i + l];
          for (; i < e; ++i) part[0] += static_cast<double>(b1[i]) * row[q + i];
        }
        bias[c] += (part[0] + part[1]) + (part[2] + part[3]);
      }
    });
  } else if (b1) {  // M2 [K2, N2]: rows scaled by b1 and summed
    for (int64_t r = 0; r < k2; ++r) {
      const double x = b1[r % e];
      for (int64_t c = 0; c < n2; ++c) bias[c] += x * w2[r * n2 + c];
    }
  }
  return {w, Tensor::from_vector<float>({n2}, std::vector<float>(bias.begin(), bias.end()))};
}

std::string fresh_name(const std::map<std::string, Tensor>& initializers, const std::string& base) {
  std::string name = base + ":folded";
  for (int i = 2; initializers.count(name); ++i) name = base + ":folded" + std::to_string(i);
  return name;
}

// A square linear layer y = x M + b that may be folded away: a Gemm, or a
// MatMul by a constant (perhaps Transpose of an initializer, as
// storefuse's exporter writes Linear on 3-D inputs) followed by an Add of
// the bias.
struct First {
  Linear linear;
  std::string x, y;          // its input and final output
  std::vector<size_t> nodes; // what it is made of
  int rank = -1;             // of y, where known
};

using Readers = std::map<std::string, std::vector<size_t>>;

std::optional<First> first_layer(const std::vector<Node>& nodes, size_t i, const Readers& data_readers,
                                 const std::map<std::string, Tensor>& initializers) {
  const Node& n = nodes[i];
  First f;
  if (n.op_type == "Gemm") {
    std::optional<Linear> l = as_linear(n, initializers);
    if (!l) return std::nullopt;
    f = {*l, n.inputs[0], n.outputs[0], {i}, 2};
  } else if (n.op_type == "MatMul" && n.domain.empty() && n.inputs.size() == 2 && n.outputs.size() == 1) {
    Linear l;
    l.w = float_initializer(initializers, n, 1);
    if (!l.w) {  // Transpose of an initializer
      for (size_t t = 0; t < i && !l.w; ++t) {
        const Node& tr = nodes[t];
        if (tr.op_type != "Transpose" || tr.outputs.size() != 1 || tr.outputs[0] != n.inputs[1]) continue;
        const std::vector<int64_t> perm = tr.attr_ints("perm", {1, 0});
        if (perm != std::vector<int64_t>{1, 0}) return std::nullopt;
        l.w = float_initializer(initializers, tr, 0);
        l.transposed = true;
      }
    }
    if (!l.w || l.w->rank() != 2) return std::nullopt;
    set_dims(l);
    auto it = data_readers.find(n.outputs[0]);
    if (it == data_readers.end() || it->second.size() != 1) return std::nullopt;
    const Node& add = nodes[it->second[0]];
    if (add.op_type != "Add" || !add.domain.empty() || add.inputs.size() != 2 || add.inputs[0] == add.inputs[1]) {
      return std::nullopt;
    }
    const size_t b = add.inputs[0] == n.outputs[0] ? 1 : 0;
    l.b = float_initializer(initializers, add, b);
    if (!l.b || l.b->rank() != 1 || l.b->numel() != l.n) return std::nullopt;
    f = {l, n.inputs[0], add.outputs[0], {i, it->second[0]}, -1};
  } else {
    return std::nullopt;
  }
  // Square, and at least one feature wide: the next layer's inputs are cut
  // into blocks of that width.
  if (f.linear.k != f.linear.n || f.linear.n == 0) return std::nullopt;
  return f;
}

// Follows the first layer's output through data-movement nodes to a Gemm
// it can be folded into; the Gemm's index, or none.
std::optional<size_t> second_layer(const std::vector<Node>& nodes, const First& first, const Readers& data_readers,
                                   const std::set<std::string>& graph_outputs,
                                   const std::map<std::string, Symbolic>& sym,
                                   const std::map<std::string, Tensor>& initializers) {
  const int64_t e = first.linear.n;
  std::map<std::string, int> rank_of;  // values on the path whose last axis is the E features (-1: rank unknown)
  std::string cur = first.y;
  int rank = first.rank;
  bool merged = false;  // after a Flatten: the last axis holds r >= 1 blocks of E
  rank_of[cur] = rank;
  for (;;) {
    auto it = data_readers.find(cur);
    if (graph_outputs.count(cur) || it == data_readers.end() || it->second.size() != 1) return std::nullopt;
    const Node& n = nodes[it->second[0]];
    if (!n.domain.empty() || n.outputs.size() != 1 || n.inputs.empty() || n.inputs[0] != cur) return std::nullopt;
    if (n.op_type == "Gemm") {
      std::optional<Linear> second = as_linear(n, initializers);
      if (second && second->k % e == 0 && (merged || second->k == e)) return it->second[0];
      return std::nullopt;
    }
    if (n.op_type == "Identity") {
    } else if (n.op_type == "Transpose") {
      const std::vector<int64_t> perm = n.attr_ints("perm");
      if (perm.empty() || perm.back() != static_cast<int64_t>(perm.size()) - 1) return std::nullopt;
      rank = static_cast<int>(perm.size());
    } else if (n.op_type == "Reshape" && !merged && n.has_input(1) && sym.count(n.inputs[1])) {
      const Symbolic& target = sym.at(n.inputs[1]);
      if (!target.shape_of.empty() || target.entries.empty()) return std::nullopt;
      const Entry& last = target.entries.back();
      bool is_e = !last.is_dim && last.value == e;
      if (last.is_dim) {
        auto r = rank_of.find(last.of);
        is_e = r != rank_of.end() && (last.axis == -1 || (r->second > 0 && last.axis == r->second - 1));
      }
      if (!is_e) return std::nullopt;
      rank = static_cast<int>(target.entries.size());
    } else if (n.op_type == "Flatten" && !merged) {
      // [d0 .. d(a-1), d(a) .. E] -> [prod(d0 ..), prod(d(a) .. E)]: the
      // features stay innermost in blocks of E whatever the axis.
      merged = true;
      rank = 2;
    } else {
      return std::nullopt;
    }
    cur = n.outputs[0];
    if (!merged) rank_of[cur] = rank;
  }
}

// Folds the first foldable pair it finds; false when there is none.
bool fold_one(std::vector<Node>& nodes, const std::set<std::string>& graph_outputs,
              std::map<std::string, Tensor>& initializers) {
  // Initializers and their Identity copies (PyTorch's exporter shares equal
  // biases between layers that way).
  std::map<std::string, Tensor> constants = initializers;
  for (const Node& n : nodes) {
    if (n.op_type == "Identity" && n.domain.empty() && n.has_input(0) && n.outputs.size() == 1 &&
        constants.count(n.inputs[0])) {
      constants[n.outputs[0]] = constants.at(n.inputs[0]);
    }
  }
  const std::map<std::string, Symbolic> sym = trace_symbols(nodes, constants);
  Readers data_readers;  // readers other than Shape
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (nodes[i].op_type == "Shape" && nodes[i].domain.empty()) continue;
    for (const std::string& in : nodes[i].inputs) data_readers[in].push_back(i);
  }
  for (size_t i = 0; i < nodes.size(); ++i) {
    const std::optional<First> first = first_layer(nodes, i, data_readers, constants);
    if (!first) continue;
    const std::optional<size_t> g2 = second_layer(nodes, *first, data_readers, graph_outputs, sym, constants);
    if (!g2) continue;

    auto [w, b] = compose(first->linear, *as_linear(nodes[*g2], constants));
    Node& second = nodes[*g2];
    const std::string w_name = fresh_name(constants, second.inputs[1]);
    initializers[w_name] = w;
    constants[w_name] = w;
    const std::string b_name = fresh_name(constants, second.has_input(2) ? second.inputs[2] : w_name + "/bias");
    initializers[b_name] = b;
    second.inputs[1] = w_name;
    second.inputs.resize(3);
    second.inputs[2] = b_name;
    second.attributes.erase("beta");
    // The layer's values (its output, a MatMul's product before the bias)
    // are now X: only Shape nodes and the path read them, and X has their shape.
    std::set<std::string> replaced;
    for (size_t k : first->nodes) replaced.insert(nodes[k].outputs.begin(), nodes[k].outputs.end());
    std::vector<Node> kept;
    for (size_t k = 0; k < nodes.size(); ++k) {
      if (std::find(first->nodes.begin(), first->nodes.end(), k) != first->nodes.end()) continue;
      for (std::string& in : nodes[k].inputs) {
        if (replaced.count(in)) in = first->x;
      }
      kept.push_back(std::move(nodes[k]));
    }
    nodes = std::move(kept);
    return true;
  }
  return false;
}

}  // namespace

std::vector<Node> fold_linear(std::vector<Node> nodes, const std::vector<ValueInfo>& outputs,
                              std::map<std::string, Tensor>& initializers) {
  std::set<std::string> graph_outputs;
  for (const ValueInfo& out : outputs) graph_outputs.insert(out.name);
  while (fold_one(nodes, graph_outputs, initializers)) {
  }
  return nodes;
}

}  // namespace storefuse::infer
