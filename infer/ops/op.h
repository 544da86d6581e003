// The kernel interface. An op is built once per node at load time (it reads
// and checks its attributes, and may prepack constant inputs), then `run` is
// called for every inference, possibly from several threads at once: it must
// not modify the op.
#pragma once

#include <map>
#include <vector>

#include "node.h"

namespace storefuse::infer {

// Where op outputs get their storage: the heap, or a planned arena.
class Allocator {
 public:
  virtual ~Allocator() = default;
  virtual Tensor allocate(const Node& node, size_t output, DType dtype, Shape shape) = 0;
};

class OpContext {
 public:
  OpContext(const Node& node, std::vector<const Tensor*> inputs, bool reference, Allocator* allocator)
      : node(node), inputs_(std::move(inputs)), outputs_(node.outputs.size()),
        reference_(reference), allocator_(allocator) {}

  const Node& node;

  size_t input_count() const { return inputs_.size(); }
  bool has_input(size_t i) const { return i < inputs_.size() && inputs_[i] != nullptr; }
  const Tensor& input(size_t i) const;  // throws when absent
  // New storage for output i; contents are undefined until the kernel writes them.
  Tensor& output(size_t i, DType dtype, Shape shape);
  // Output i shares storage with an existing tensor (views: Reshape, Identity...).
  void set_output(size_t i, Tensor tensor);
  bool wants_output(size_t i) const { return node.has_output(i); }
  // True when the session asked for the plain reference kernels.
  bool reference() const { return reference_; }

  std::vector<Tensor>& outputs() { return outputs_; }

 private:
  std::vector<const Tensor*> inputs_;
  std::vector<Tensor> outputs_;
  bool reference_;
  Allocator* allocator_;
};

class Op {
 public:
  virtual ~Op() = default;
  virtual void run(OpContext& ctx) const = 0;
  // Constant inputs the op prepared at load and never reads at run time
  // (packed weights): the graph then passes nothing for them and may free
  // their float32 values.
  virtual std::vector<size_t> packed_inputs() const { return {}; }
  // Adds the storage the op holds (packed weights) as data -> bytes.
  virtual void held_storage(std::map<const void*, size_t>& /*storage*/) const {}
  // The element type of the packed weights ("int8", ...), or nullptr.
  virtual const char* packed_format() const { return nullptr; }
};

}  // namespace storefuse::infer
