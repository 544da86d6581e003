// The weights digest: what `storefuse export` writes into a model's
// metadata (storefuse.weights_digest) and Model::load checks, so that a
// model damaged on its way to a device fails to load instead of predicting
// garbage.
//
// The digest is XXH64 (seed 0) of the serialized ModelProto.graph field's
// contents, as the file holds them: every node, attribute, initializer and
// input/output declaration, but not the metadata that carries it. Written
// as "xxh64:" and 16 lowercase hex digits. Anyone can recompute it, with
// python3-onnx and Debian's xxhash package:
//   python3 -c 'import onnx,sys; sys.stdout.buffer.write(onnx.load(sys.argv[1]).graph.SerializeToString())'
//       m.onnx | xxhsum -H1
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace storefuse::infer {

// XXH64 of [data, data + size) (the xxHash specification, v0.8).
uint64_t xxh64(const void* data, size_t size, uint64_t seed = 0);

// The digest of a serialized ModelProto, "xxh64:<16 hex>"; nullopt when the
// bytes hold no graph field, or more than one (protobuf would merge them, so
// no single byte range is the graph).
std::optional<std::string> graph_digest(const void* model_bytes, size_t size);

}  // namespace storefuse::infer
