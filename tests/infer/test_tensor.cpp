#include <gtest/gtest.h>

#include <cmath>

#include "storefuse/core/error.h"
#include "storefuse/infer/tensor.h"

using namespace storefuse;
using namespace storefuse::infer;

TEST(Tensor, OwnsZeroFilledStorage) {
  Tensor t(DType::Float32, {2, 3});
  EXPECT_EQ(t.numel(), 6);
  EXPECT_EQ(t.nbytes(), 24u);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(t.data<float>()[i], 0.0f);
}

TEST(Tensor, ViewSharesStorage) {
  Tensor t = Tensor::from_vector<int64_t>({2, 2}, {1, 2, 3, 4});
  Tensor v = t.view({4});
  v.data<int64_t>()[3] = 40;
  EXPECT_EQ(t.data<int64_t>()[3], 40);
  EXPECT_THROW(t.view({3}), Error);
}

TEST(Tensor, CloneIsDeep) {
  Tensor t = Tensor::from_vector<float>({2}, {1, 2});
  Tensor c = t.clone();
  c.data<float>()[0] = 9;
  EXPECT_EQ(t.data<float>()[0], 1);
}

TEST(Tensor, TypedAccessChecksTheType) {
  Tensor t(DType::Int32, {1});
  EXPECT_THROW(t.data<float>(), Error);
  EXPECT_THROW(Tensor::from_vector<float>({3}, {1, 2}), Error);
}

TEST(Tensor, BorrowedStorage) {
  float buffer[4] = {1, 2, 3, 4};
  Tensor t(DType::Float32, {4}, std::shared_ptr<void>(buffer, [](void*) {}));
  EXPECT_EQ(t.data<float>(), buffer);
}

TEST(Float16, RoundTripsAndRoundsToNearestEven) {
  for (float f : {0.0f, 1.0f, -2.5f, 65504.0f, 6.1035156e-05f, 5.9604645e-08f})
    EXPECT_EQ(to_float(to_float16(f)), f) << f;
  EXPECT_EQ(to_float16(1.0f + 1.0f / 2048).bits, to_float16(1.0f).bits);  // tie goes to even
  EXPECT_EQ(to_float16(1.0f + 3.0f / 2048).bits, to_float16(1.0f).bits + 2);
  EXPECT_TRUE(std::isinf(to_float(to_float16(1e6f))));
  EXPECT_TRUE(std::isnan(to_float(to_float16(NAN))));
}
