// Loading: validation errors name what is wrong and where; the graph is
// optimised once (dead nodes dropped, constants folded).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <fstream>

#include "onnx_builder.h"
#include "storefuse/core/error.h"
#include "storefuse/infer/model.h"

using namespace storefuse;
using namespace storefuse::infer;
using storefuse::infer::testing::OnnxBuilder;

namespace {

// Loads bytes and returns the error it raises.
Error load_error(const std::string& bytes) {
  try {
    Model::load_bytes(bytes);
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "the model loaded";
  return Error(ErrorKind::Runtime, "none");
}

}  // namespace

TEST(Loader, ReadsInputsOutputsAndMetadata) {
  OnnxBuilder b;
  b.input("x", DType::Float32, {-1, 3}).output("y");
  b.node("Relu", {"x"}, {"y"});
  auto* meta = b.proto().add_metadata_props();
  meta->set_key("version");
  meta->set_value("1.2");
  auto model = Model::load_bytes(b.bytes());
  ASSERT_EQ(model->inputs().size(), 1u);
  EXPECT_EQ(model->inputs()[0].shape, (Shape{-1, 3}));
  EXPECT_EQ(model->inputs()[0].dim_names[0], "batch");
  EXPECT_EQ(model->outputs()[0].name, "y");
  EXPECT_EQ(model->opset(), 17);
  EXPECT_EQ(model->metadata().at("version"), "1.2");
}

TEST(Loader, ListsEveryUnsupportedOpInOneError) {
  OnnxBuilder b;
  b.input("x", DType::Float32, {2}).output("z");
  b.node("Elu", {"x"}, {"y"}, "first_elu");
  b.node("Elu", {"y"}, {"y2"});
  b.node("NonZero", {"y2"}, {"z"});
  Error e = load_error(b.bytes());
  EXPECT_EQ(e.kind(), ErrorKind::Unsupported);
  EXPECT_NE(e.problem().find("Elu (2 nodes, first 'first_elu')"), std::string::npos) << e.what();
  EXPECT_NE(e.problem().find("NonZero"), std::string::npos) << e.what();
}

TEST(Loader, RejectsNodesOutOfTopologicalOrder) {
  OnnxBuilder b;
  b.input("x", DType::Float32, {2}).output("z");
  b.node("Relu", {"y"}, {"z"}, "late");
  b.node("Relu", {"x"}, {"y"}, "early");
  Error e = load_error(b.bytes());
  EXPECT_EQ(e.kind(), ErrorKind::Model);
  EXPECT_NE(e.where().find("node 'late' (Relu)"), std::string::npos) << e.what();
  EXPECT_NE(e.fix().find("topological"), std::string::npos);
}

TEST(Loader, RejectsValuesAssignedTwice) {
  OnnxBuilder b;
  b.input("x", DType::Float32, {2}).output("y");
  b.node("Relu", {"x"}, {"y"});
  b.node("Sigmoid", {"x"}, {"y"}, "again");
  Error e = load_error(b.bytes());
  EXPECT_EQ(e.kind(), ErrorKind::Model);
  EXPECT_NE(e.problem().find("'y' is assigned more than once"), std::string::npos) << e.what();
  EXPECT_NE(e.where().find("again"), std::string::npos);
}

TEST(Loader, RejectsUndefinedInputs) {
  OnnxBuilder b;
  b.input("x", DType::Float32, {2}).output("y");
  b.node("Add", {"x", "nowhere"}, {"y"});
  EXPECT_EQ(load_error(b.bytes()).kind(), ErrorKind::Model);
}

TEST(Loader, ChecksAttributeTypesNamingTheNode) {
  OnnxBuilder b;
  b.input("x", DType::Float32, {2, 2}).output("y");
  storefuse::infer::testing::set_float(b.node("Transpose", {"x"}, {"y"}, "t"), "perm", 1.0f);
  Error e = load_error(b.bytes());
  EXPECT_EQ(e.kind(), ErrorKind::Model);
  EXPECT_NE(e.problem().find("attribute 'perm' is float, expected ints"), std::string::npos) << e.what();
  EXPECT_EQ(e.where(), "node 't' (Transpose)");
}

TEST(Loader, RejectsNewerOpsetsAndUnsupportedTypes) {
  OnnxBuilder newer(18);
  newer.input("x", DType::Float32, {2}).output("y");
  newer.node("Relu", {"x"}, {"y"});
  EXPECT_EQ(load_error(newer.bytes()).kind(), ErrorKind::Unsupported);

  OnnxBuilder dbl;
  dbl.input("x", DType::Float32, {2}).output("y");
  dbl.node("Relu", {"x"}, {"y"});
  dbl.proto().mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->set_elem_type(11);
  Error e = load_error(dbl.bytes());
  EXPECT_EQ(e.kind(), ErrorKind::Unsupported);
  EXPECT_NE(e.problem().find("DOUBLE"), std::string::npos) << e.what();
}

TEST(Loader, DropsDeadNodesAndFoldsConstants) {
  OnnxBuilder b;
  b.input("x", DType::Float32, {2}).output("y");
  b.initializer("w", Tensor::from_vector<float>({2}, {1, 2}));
  b.node("Relu", {"w"}, {"w_relu"});      // constant: folded
  b.node("Add", {"x", "w_relu"}, {"y"});
  b.node("Sigmoid", {"x"}, {"unused"});   // feeds no output: dropped
  auto model = Model::load_bytes(b.bytes());
  EXPECT_EQ(model->op_counts(), (std::map<std::string, int>{{"Add", 1}}));
  EXPECT_EQ(model->loaded_op_counts().size(), 3u);
  EXPECT_EQ(model->parameter_count(), 2);
}

TEST(Loader, ReadsExternalDataBesideTheModel) {
  const std::string dir = ::testing::TempDir();
  const float weights[2] = {0.5f, -1.5f};
  std::ofstream(dir + "/weights.bin", std::ios::binary).write(reinterpret_cast<const char*>(weights), 8);

  OnnxBuilder b;
  b.input("x", DType::Float32, {2}).output("y");
  b.node("Mul", {"x", "w"}, {"y"});
  auto* w = b.proto().mutable_graph()->add_initializer();
  w->set_name("w");
  w->set_data_type(1);
  w->add_dims(2);
  w->set_data_location(onnx::TensorProto::EXTERNAL);
  auto* location = w->add_external_data();
  location->set_key("location");
  location->set_value("weights.bin");
  auto model = Model::load_bytes(b.bytes(), dir);
  EXPECT_EQ(model->parameter_count(), 2);

  location->set_value("../etc/passwd");
  EXPECT_EQ(load_error(b.bytes()).kind(), ErrorKind::Model);

  location->set_value("weights.bin");
  auto* offset = w->add_external_data();
  offset->set_key("offset");
  offset->set_value("eight");
  EXPECT_EQ(load_error(b.bytes()).kind(), ErrorKind::Model);
}

TEST(Loader, ReportsUnreadableFilesAsIo) {
  try {
    Model::load("/nonexistent/model.onnx");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Io);
  }
  EXPECT_EQ(load_error("not a protobuf").kind(), ErrorKind::Model);
}

TEST(Loader, FusesGemmAndRelu) {
  OnnxBuilder b;
  b.input("x", DType::Float32, {1, 2}).output("y").output("z");
  b.initializer("w", Tensor::from_vector<float>({2, 2}, {1, 0, 0, 1}));
  b.node("Gemm", {"x", "w"}, {"g"});
  b.node("Relu", {"g"}, {"y"});
  b.node("Gemm", {"x", "w"}, {"z"});   // a graph output: stays unfused
  b.node("Relu", {"z"}, {"unused"});
  auto model = Model::load_bytes(b.bytes());
  EXPECT_EQ(model->op_counts(), (std::map<std::string, int>{{"Gemm", 2}}));
}

TEST(Loader, RefusesShapesTheDataDoesNotHoldBeforeAllocating) {
  // Found by the fuzz target: a corrupted dimension (12 GB declared, 48
  // bytes present) must be a Model error, not a 12 GB allocation.
  for (bool raw : {true, false}) {
    OnnxBuilder b;
    b.input("x", DType::Float32, {2}).output("y");
    b.initializer("w", Tensor::from_vector<float>({4, 3}, std::vector<float>(12, 1.0f)));
    auto* w = b.proto().mutable_graph()->mutable_initializer(0);
    if (!raw) {
      const std::string bytes = w->raw_data();
      w->clear_raw_data();
      for (size_t i = 0; i < bytes.size(); i += 4) {
        float v;
        std::memcpy(&v, bytes.data() + i, 4);
        w->add_float_data(v);
      }
    }
    w->set_dims(0, 1056930804);
    b.node("Add", {"x", "w"}, {"y"});
    Error e = load_error(b.bytes());
    EXPECT_EQ(e.kind(), ErrorKind::Model) << e.what();
    EXPECT_NE(std::string(e.what()).find("'w'"), std::string::npos) << e.what();
  }
  // Dimensions whose product overflows int64 are refused the same way.
  OnnxBuilder b;
  b.input("x", DType::Float32, {2}).output("y");
  b.initializer("w", Tensor::from_vector<float>({2}, {1, 2}));
  auto* w = b.proto().mutable_graph()->mutable_initializer(0);
  w->set_dims(0, int64_t{1} << 40);
  w->add_dims(int64_t{1} << 40);
  b.node("Add", {"x", "w"}, {"y"});
  EXPECT_EQ(load_error(b.bytes()).kind(), ErrorKind::Model);
}

TEST(Loader, RefusesTensorsTooLargeToAllocate) {
  try {
    Tensor t(DType::Float32, {int64_t{1} << 40, 1 << 20});
    FAIL() << "allocated an impossible tensor";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Data);
    EXPECT_NE(std::string(e.what()).find("too large"), std::string::npos) << e.what();
  }
}

TEST(Loader, AnEmptyFileSaysItIsEmpty) {
  const std::string path = ::testing::TempDir() + "/storefuse_empty.onnx";
  std::ofstream(path).close();
  try {
    Model::load(path);
    FAIL() << "an empty file loaded";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Model);
    EXPECT_EQ(e.problem(), "the model file is empty (0 bytes)");
  }
  std::remove(path.c_str());
  EXPECT_EQ(load_error("").problem(), "the model file is empty (0 bytes)");
}

// A Reshape to a constant shape that no input can meet fails at load (and
// so in storefuse-infer check), not on the first run.
TEST(Loader, RefusesAReshapeNoInputCanMeet) {
  for (const auto& [shape, words] : std::vector<std::pair<std::vector<int64_t>, std::string>>{
           {{int64_t{1} << 40}, "1099511627776 elements"},
           {{int64_t{1} << 32, int64_t{1} << 32}, "more than 2^63"},
           {{-1, 2, -1}, "more than one -1"},
           {{4, -3}, "negative size"}}) {
    OnnxBuilder b;
    b.input("x", DType::Float32, {-1, 4}).output("y");
    b.initializer("shape", Tensor::from_vector<int64_t>({static_cast<int64_t>(shape.size())}, shape));
    b.node("Reshape", {"x", "shape"}, {"y"});
    Error e = load_error(b.bytes());
    EXPECT_EQ(e.kind(), ErrorKind::Model) << e.what();
    EXPECT_NE(e.problem().find(words), std::string::npos) << e.what();
  }
  // -1 and a copied 0 with a modest size still load.
  OnnxBuilder b;
  b.input("x", DType::Float32, {-1, 4}).output("y");
  b.initializer("shape", Tensor::from_vector<int64_t>({3}, {0, -1, 2}));
  b.node("Reshape", {"x", "shape"}, {"y"});
  EXPECT_NO_THROW(Model::load_bytes(b.bytes()));
}
