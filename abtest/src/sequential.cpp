#include "storefuse/abtest/sequential.h"

#include <algorithm>
#include <cmath>

#include "storefuse/core/error.h"

namespace storefuse::abtest {

Msprt::Msprt(MsprtOptions options) : opt_(options) {
  if (!(opt_.tau > 0) || !(opt_.alpha > 0 && opt_.alpha < 1)) {
    throw Error(ErrorKind::Config, "mSPRT needs tau > 0 and alpha in (0, 1)",
                "abtest.online.sequential", "set tau to the effect size you expect to see");
  }
}

void Msprt::add(bool is_b, double y) {
  Moments& m = is_b ? b_ : a_;
  ++m.n;
  const double delta = y - m.mean;
  m.mean += delta / double(m.n);
  m.m2 += delta * (y - m.mean);
}

MsprtLook Msprt::look() {
  MsprtLook l;
  l.n_a = a_.n;
  l.n_b = b_.n;
  l.difference = b_.mean - a_.mean;
  if (a_.n < opt_.min_per_group || b_.n < opt_.min_per_group) {
    l.p_value = p_;
    return l;
  }
  const double var_a = a_.m2 / double(a_.n - 1), var_b = b_.m2 / double(b_.n - 1);
  const double v = var_a / double(a_.n) + var_b / double(b_.n);
  const double tau2 = opt_.tau * opt_.tau;
  if (v > 0) {
    const double d = l.difference - opt_.theta0;
    const double log_lambda =
        0.5 * std::log(v / (v + tau2)) + tau2 * d * d / (2.0 * v * (v + tau2));
    l.likelihood_ratio = std::exp(log_lambda);
    p_ = std::min(p_, std::min(1.0, std::exp(-log_lambda)));
    // {theta : Lambda(theta) < 1/alpha}, inverted in closed form.
    const double half = std::sqrt(v * (v + tau2) / tau2 *
                                  (2.0 * std::log(1.0 / opt_.alpha) + std::log((v + tau2) / v)));
    l.ci_lo = l.difference - half;
    l.ci_hi = l.difference + half;
  }
  l.p_value = p_;
  return l;
}

}  // namespace storefuse::abtest
