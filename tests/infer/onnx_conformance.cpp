// Runs the official ONNX node test cases for every op the runtime supports.
//
//   onnx_conformance [DATA_DIR] [CASE_FILTER]
//
// A case is selected when all of its model's ops are supported. Each selected
// case runs with the fast and the reference kernels and must match the
// expected outputs (rtol 1e-3, atol 1e-7, as the ONNX backend tests use), or
// be refused with an Unsupported error (a type or attribute value the kernel
// does not handle): never a wrong answer. An op that refuses every one of
// its cases is a failure too: it is listed as supported but runs none of
// the standard's cases. Exit 1 on any failure.
#include <onnx/onnx_pb.h>

#include <cmath>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>

#include "onnx_reader.h"
#include "storefuse/infer/session.h"

namespace fs = std::filesystem;
using namespace storefuse;
using namespace storefuse::infer;

namespace {

// The case's op types when the runtime supports all of them, else none.
std::set<std::string> selected(const fs::path& model_path, const std::set<std::string>& supported) {
  onnx::ModelProto model;
  if (!model.ParseFromString(read_file(model_path.string()))) return {};
  std::set<std::string> ops;
  for (const auto& node : model.graph().node()) {
    if (!(node.domain().empty() || node.domain() == "ai.onnx") || !supported.count(node.op_type())) return {};
    ops.insert(node.op_type());
  }
  return ops;
}

double value_at(const Tensor& t, int64_t i) {
  switch (t.dtype()) {
    case DType::Float32: return t.data<float>()[i];
    case DType::Int64: return static_cast<double>(t.data<int64_t>()[i]);
    case DType::Int32: return t.data<int32_t>()[i];
    case DType::UInt8: return t.data<uint8_t>()[i];
    case DType::Bool: return t.data<bool>()[i];
    case DType::Float16: return to_float(t.data<Float16>()[i]);
    case DType::Int8: return t.data<int8_t>()[i];
  }
  return 0;
}

// Empty when equal, else what differs.
std::string compare(const Tensor& got, const Tensor& want) {
  if (got.dtype() != want.dtype())
    return std::string("type ") + to_string(got.dtype()) + ", expected " + to_string(want.dtype());
  if (got.shape() != want.shape()) return "shape " + to_string(got.shape()) + ", expected " + to_string(want.shape());
  const bool exact = want.dtype() != DType::Float32 && want.dtype() != DType::Float16;
  for (int64_t i = 0; i < want.numel(); ++i) {
    double g = value_at(got, i), w = value_at(want, i);
    if (std::isnan(w) && std::isnan(g)) continue;
    if (exact ? g != w : !(std::abs(g - w) <= 1e-7 + 1e-3 * std::abs(w)))
      return "element " + std::to_string(i) + " is " + std::to_string(g) + ", expected " + std::to_string(w);
  }
  return {};
}

std::vector<fs::path> sorted_files(const fs::path& dir, const std::string& prefix) {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().filename().string().rfind(prefix, 0) == 0) files.push_back(e.path());
  }
  // input_10 after input_9: order by the number, not the text.
  std::sort(files.begin(), files.end(), [](const fs::path& a, const fs::path& b) {
    auto num = [](const fs::path& p) { return std::stoi(p.stem().string().substr(p.stem().string().find('_') + 1)); };
    return num(a) < num(b);
  });
  return files;
}

// Empty when the case passes; throws storefuse::Error when the runtime refuses it.
std::string run_case(const fs::path& dir) {
  auto model = Model::load((dir / "model.onnx").string());
  for (const auto& data : fs::directory_iterator(dir)) {
    if (!data.is_directory()) continue;
    std::map<std::string, Tensor> inputs;
    std::vector<fs::path> in_files = sorted_files(data.path(), "input_");
    if (in_files.size() != model->inputs().size()) return "test data has a different number of inputs";
    for (size_t i = 0; i < in_files.size(); ++i)
      inputs[model->inputs()[i].name] = read_tensor_pb(read_file(in_files[i].string()), in_files[i].string());
    std::vector<fs::path> out_files = sorted_files(data.path(), "output_");
    for (bool reference : {false, true}) {
      SessionOptions options;
      options.reference_kernels = reference;
      Session session(model, options);
      session.run(inputs);  // plans memory; the checked run uses the arena
      auto outputs = session.run(inputs);
      for (size_t i = 0; i < out_files.size(); ++i) {
        Tensor want = read_tensor_pb(read_file(out_files[i].string()), out_files[i].string());
        std::string diff = compare(outputs.at(model->outputs()[i].name), want);
        if (!diff.empty())
          return data.path().filename().string() + (reference ? " (reference)" : " (fast)") + ": output " +
                 model->outputs()[i].name + ": " + diff;
      }
    }
  }
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  const fs::path root = argc > 1 ? argv[1] : "/usr/share/libonnx-testdata/data/node";
  const std::string filter = argc > 2 ? argv[2] : "";
  if (!fs::is_directory(root)) {
    std::cerr << "no ONNX node test data at " << root << " (install libonnx-testdata)\n";
    return 1;
  }
  std::vector<std::string> names = supported_ops();
  const std::set<std::string> supported(names.begin(), names.end());
  std::vector<fs::path> cases;
  for (const auto& e : fs::directory_iterator(root)) {
    if (e.path().filename().string().find(filter) != std::string::npos) cases.push_back(e.path());
  }
  std::sort(cases.begin(), cases.end());

  int passed = 0, failed = 0, unsupported = 0;
  std::map<std::string, int> runs_of_op;  // op type -> cases of it that passed
  for (const fs::path& dir : cases) {
    const std::set<std::string> ops = selected(dir / "model.onnx", supported);
    if (ops.empty()) continue;
    for (const auto& op : ops) runs_of_op[op] += 0;
    const std::string name = dir.filename().string();
    try {
      std::string diff = run_case(dir);
      if (diff.empty()) {
        ++passed;
        for (const auto& op : ops) ++runs_of_op[op];
      } else {
        ++failed;
        std::cout << "FAIL " << name << ": " << diff << "\n";
      }
    } catch (const Error& e) {
      if (e.kind() == ErrorKind::Unsupported) {
        ++unsupported;
        std::cout << "UNSUPPORTED " << name << ": " << e.problem() << "\n";
      } else {
        ++failed;
        std::cout << "FAIL " << name << ": " << to_string(e.kind()) << ": " << e.what() << "\n";
      }
    } catch (const std::exception& e) {
      ++failed;
      std::cout << "FAIL " << name << ": " << e.what() << "\n";
    }
  }
  for (const auto& [op, runs] : runs_of_op) {
    if (runs == 0) {
      ++failed;
      std::cout << "FAIL " << op << ": refuses every one of its cases\n";
    }
  }
  std::cout << passed << " passed, " << failed << " failed, " << unsupported << " unsupported-type\n";
  return failed == 0 && passed > 0 ? 0 : 1;
}
