// What a reduced weight precision costs: accuracy through the runtime against
// the LibTorch model, on the same labelled samples.
#include <algorithm>

#include "storefuse/contract/model_adapter.h"
#include "storefuse/core/error.h"
#include "storefuse/datasets/dataset_reader.h"
#include "storefuse/export/export.h"
#include "storefuse/train/batch_tensors.h"

namespace storefuse::exporter {

AccuracyChange accuracy_change(train::FusionModelImpl& model, const std::string& onnx_bytes,
                               const std::string& dataset_path) {
  auto reader = datasets::DatasetReader::open(dataset_path, {});
  if (!reader->has_targets()) {
    throw Error(ErrorKind::Data, "the dataset has no labels", dataset_path,
                "use a labelled split such as datagen's test.h5");
  }
  const contract::ModelAdapter adapter(infer::Model::load_bytes(onnx_bytes), "the exported model");
  adapter.check_data(reader->spec(), dataset_path);
  infer::Session session(adapter.shared_model());
  model.eval();
  torch::NoGradGuard no_grad;
  AccuracyChange r;
  int64_t torch_hits = 0, onnx_hits = 0;
  const int64_t n = reader->num_rows(), block = 256;
  for (int64_t begin = 0; begin < n; begin += block) {
    datasets::Batch b = reader->read(begin, std::min(n, begin + block));
    auto t = train::to_tensors(b, torch::kCPU);
    auto expected = model.forward(t.input).behavior_logits.argmax(1);
    const contract::ModelOutputs got = adapter.run(session, b);
    const int64_t classes = got.classes;
    for (int64_t i = 0; i < b.rows; ++i) {
      const float* row = got.behavior_logits.data() + i * classes;
      const int64_t pred = std::max_element(row, row + classes) - row;
      torch_hits += expected[i].item<int64_t>() == b.behavior[i];
      onnx_hits += pred == b.behavior[i];
    }
    r.samples += b.rows;
  }
  r.libtorch_accuracy = double(torch_hits) / double(r.samples);
  r.onnx_accuracy = double(onnx_hits) / double(r.samples);
  return r;
}

}  // namespace storefuse::exporter
